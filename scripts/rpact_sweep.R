# rpact's side of the 100-point sweep in scripts/bench.sh: getSimulationRates at
# every grid point, with the two arms' response rates that sepsim simulated
# there (rpact has no biomarker labels or misclassification, so the two-arm
# rates design is the nearest thing it can express). One-sided alpha 0.025,
# one look, pooled z (rpact's default), as the ImmunoSep design.
# Usage: Rscript scripts/rpact_sweep.R POINTS.csv ITERATIONS
#   POINTS.csv: columns n, pi1, pi2 (total patients, treatment and control rates)
# Prints: seconds=<elapsed, all calls> points=<n> then one line "n pi1 pi2 power" per point.
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: Rscript scripts/rpact_sweep.R POINTS.csv ITERATIONS")
points <- read.csv(args[[1]])
iterations <- as.numeric(args[[2]])
if (is.na(iterations) || iterations < 1) stop("ITERATIONS must be a positive number")

design <- getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1)
power <- numeric(nrow(points))
elapsed <- system.time({
  for (i in seq_len(nrow(points))) {
    sim <- getSimulationRates(design, pi1 = points$pi1[i], pi2 = points$pi2[i],
                              plannedSubjects = points$n[i],
                              maxNumberOfIterations = iterations, seed = 12345 + i)
    power[i] <- sim$overallReject
  }
})[["elapsed"]]
cat(sprintf("seconds=%.3f points=%d\n", elapsed, nrow(points)))
for (i in seq_len(nrow(points))) {
  cat(sprintf("%d %.5f %.5f %.5f\n", points$n[i], points$pi1[i], points$pi2[i], power[i]))
}

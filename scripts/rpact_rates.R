# rpact's getSimulationRates on the two-arm rates design of
# scenarios/validation/rates_two_arm.toml (p = 0.351 vs 0.179, 276 patients,
# one look, one-sided alpha 0.025), timed for scripts/bench.sh; with LOOKS = 3,
# the three-look design of scenarios/validation/gsd_rates.toml (92, 184, 276
# patients, Lan-DeMets O'Brien-Fleming efficacy bounds, no futility).
# Usage: Rscript scripts/rpact_rates.R [ITERATIONS [PI1 [LOOKS]]]   (defaults 1e5,
# 0.351 and 1; PI1 = 0.179 gives the type I error)
# Prints one line: seconds=<elapsed wall seconds> power=<overallReject> iterations=<n>
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.numeric(args[[1]]) else 1e5
if (is.na(iterations) || iterations < 1) stop("ITERATIONS must be a positive number")
pi1 <- if (length(args) >= 2) as.numeric(args[[2]]) else 0.351
if (is.na(pi1) || pi1 <= 0 || pi1 >= 1) stop("PI1 must be a probability")

looks <- if (length(args) >= 3) as.integer(args[[3]]) else 1L
if (!(looks %in% c(1L, 3L))) stop("LOOKS must be 1 or 3")

design <- if (looks == 1L) {
  getDesignGroupSequential(kMax = 1, alpha = 0.025, sided = 1)
} else {
  getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = "asOF")
}
planned <- if (looks == 1L) 276 else c(92, 184, 276)
elapsed <- system.time({
  sim <- getSimulationRates(design, pi1 = pi1, pi2 = 0.179, plannedSubjects = planned,
                            maxNumberOfIterations = iterations, seed = 12345)
})[["elapsed"]]
cat(sprintf("seconds=%.3f power=%.5f iterations=%d\n", elapsed, sim$overallReject,
            as.integer(iterations)))

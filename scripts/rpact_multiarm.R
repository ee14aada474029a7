# rpact's getSimulationMultiArmRates on the three-arm design of
# scenarios/validation/multiarm_rates.toml: two active arms (0.351, 0.30)
# against a shared control (0.179), 138 per arm, one look, one-sided alpha
# 0.025, Dunnett intersection tests (closed testing). Needs r-cran-mnormt.
# Usage: Rscript scripts/rpact_multiarm.R [ITERATIONS]   (default 1e5)
# Prints one line: seconds=... any=... arm1=... arm2=... iterations=...
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.numeric(args[[1]]) else 1e5
if (is.na(iterations) || iterations < 1) stop("ITERATIONS must be a positive number")

design <- getDesignInverseNormal(kMax = 1, alpha = 0.025)
elapsed <- system.time({
  sim <- getSimulationMultiArmRates(design, activeArms = 2,
                                    effectMatrix = matrix(c(0.351, 0.30), nrow = 1),
                                    typeOfShape = "userDefined", piControl = 0.179,
                                    intersectionTest = "Dunnett", plannedSubjects = 138,
                                    maxNumberOfIterations = iterations, seed = 12345)
})[["elapsed"]]
cat(sprintf("seconds=%.3f any=%.5f arm1=%.5f arm2=%.5f iterations=%d\n", elapsed,
            sim$rejectAtLeastOne[1], sim$rejectedArmsPerStage[1, 1, 1],
            sim$rejectedArmsPerStage[1, 1, 2], as.integer(iterations)))

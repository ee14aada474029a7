# rpact's getSimulationMultiArmRates on the three-arm, three-stage design of
# scenarios/validation/multiarm_gsd.toml: two active arms (0.351, 0.30)
# against a shared control (0.179), 46 patients an arm a stage, an
# inverse-normal design with Lan-DeMets O'Brien-Fleming bounds (asOF), one-sided
# alpha 0.025, Dunnett intersection tests, the best arm selected at each
# interim, success when every selected arm is rejected. Needs r-cran-mnormt.
# Usage: Rscript scripts/rpact_multiarm_gsd.R [ITERATIONS] [SEED] [NULL]
#   NULL = 1 sets both arms to the control's rate (family-wise error).
# Prints one line of key=value: seconds, any, arm1, arm2 (power: rejected at
# any look), selected_arm1_look2, selected_arm2_look2, selected_arm1_look3,
# selected_arm2_look3, expected_n, iterations.
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.numeric(args[[1]]) else 1e5
seed <- if (length(args) >= 2) as.numeric(args[[2]]) else 20261129
null <- length(args) >= 3 && args[[3]] == "1"
if (is.na(iterations) || iterations < 1) stop("ITERATIONS must be a positive number")

rates <- if (null) c(0.179, 0.179) else c(0.351, 0.30)
design <- getDesignInverseNormal(kMax = 3, alpha = 0.025, typeOfDesign = "asOF")
elapsed <- system.time({
  sim <- getSimulationMultiArmRates(design, activeArms = 2,
                                    effectMatrix = matrix(rates, nrow = 1),
                                    typeOfShape = "userDefined", piControl = 0.179,
                                    intersectionTest = "Dunnett", typeOfSelection = "best",
                                    successCriterion = "all",
                                    plannedSubjects = c(46, 92, 138),
                                    maxNumberOfIterations = iterations, seed = seed)
})[["elapsed"]]
reject <- sim$rejectedArmsPerStage[, 1, ] # stage x arm
selected <- sim$selectedArms[, 1, ]       # stage x arm
cat(sprintf(paste("seconds=%.3f any=%.5f arm1=%.5f arm2=%.5f selected_arm1_look2=%.5f",
                  "selected_arm2_look2=%.5f selected_arm1_look3=%.5f selected_arm2_look3=%.5f",
                  "expected_n=%.3f iterations=%d\n"),
            elapsed, sim$rejectAtLeastOne[1], sum(reject[, 1]), sum(reject[, 2]),
            selected[2, 1], selected[2, 2], selected[3, 1], selected[3, 2],
            sim$expectedNumberOfSubjects[1], as.integer(iterations)))

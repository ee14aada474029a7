# rpact's getSimulationEnrichmentRates on the two-stage design of
# scenarios/validation/enrichment_gsd.toml: subgroup S (prevalence 0.3,
# response 0.45 vs 0.20) and the rest R (0.25 vs 0.20), 200 patients a stage
# randomised 1:1, an inverse-normal design with Lan-DeMets O'Brien-Fleming
# bounds (asOF), one-sided alpha 0.025, Bonferroni intersection tests,
# unstratified full-population test, the best population selected at the
# interim. rpact marks enrichment simulation "experimental".
# Usage: Rscript scripts/rpact_enrichment_gsd.R [ITERATIONS] [SEED] [NULL]
#   NULL = 1 gives the treatment the control's rate everywhere.
# Prints one line of key=value: seconds, any, subgroup, full (rejected at any
# look), selected_subgroup, selected_full (tested in stage 2), expected_n,
# iterations.
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.numeric(args[[1]]) else 1e5
seed <- if (length(args) >= 2) as.numeric(args[[2]]) else 20261129
null <- length(args) >= 3 && args[[3]] == "1"
if (is.na(iterations) || iterations < 1) stop("ITERATIONS must be a positive number")

treatment <- if (null) c(0.2, 0.2) else c(0.45, 0.25)
design <- getDesignInverseNormal(kMax = 2, alpha = 0.025, typeOfDesign = "asOF")
effects <- list(subGroups = c("S", "R"), prevalences = c(0.3, 0.7), piControl = c(0.2, 0.2),
                piTreatments = matrix(treatment, nrow = 1))
elapsed <- system.time(suppressWarnings({
  sim <- getSimulationEnrichmentRates(design, plannedSubjects = c(200, 400), effectList = effects,
                                      intersectionTest = "Bonferroni", stratifiedAnalysis = FALSE,
                                      typeOfSelection = "best", successCriterion = "all",
                                      maxNumberOfIterations = iterations, seed = seed)
}))[["elapsed"]]
reject <- sim$rejectedPopulationsPerStage[, 1, ] # stage x population
selected <- sim$selectedPopulations[, 1, ]
cat(sprintf(paste("seconds=%.3f any=%.5f subgroup=%.5f full=%.5f selected_subgroup=%.5f",
                  "selected_full=%.5f expected_n=%.3f iterations=%d\n"),
            elapsed, sim$rejectAtLeastOne[1], sum(reject[, 1]), sum(reject[, 2]),
            selected[2, 1], selected[2, 2], sim$expectedNumberOfSubjects[1],
            as.integer(iterations)))

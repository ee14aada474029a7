# rpact's getSimulationEnrichmentRates on the design of
# scenarios/validation/enrichment_rates.toml: subgroup S (prevalence 0.3,
# response 0.45 vs 0.20) and the rest R (0.25 vs 0.20), N = 400 randomised 1:1,
# one look, one-sided alpha 0.025, Bonferroni intersection tests (closed
# testing), unstratified full-population test. rpact marks enrichment
# simulation "experimental"; its subset sizes are fixed at N x prevalence.
# Usage: Rscript scripts/rpact_enrichment.R [ITERATIONS]   (default 1e5)
# Prints one line: seconds=... any=... subgroup=... full=... iterations=...
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
iterations <- if (length(args) >= 1) as.numeric(args[[1]]) else 1e5
if (is.na(iterations) || iterations < 1) stop("ITERATIONS must be a positive number")

design <- getDesignInverseNormal(kMax = 1, alpha = 0.025)
effects <- list(subGroups = c("S", "R"), prevalences = c(0.3, 0.7), piControl = c(0.2, 0.2),
                piTreatments = matrix(c(0.45, 0.25), nrow = 1))
elapsed <- system.time(suppressWarnings({
  sim <- getSimulationEnrichmentRates(design, plannedSubjects = 400, effectList = effects,
                                      intersectionTest = "Bonferroni", stratifiedAnalysis = FALSE,
                                      maxNumberOfIterations = iterations, seed = 12345)
}))[["elapsed"]]
cat(sprintf("seconds=%.3f any=%.5f subgroup=%.5f full=%.5f iterations=%d\n", elapsed,
            sim$rejectAtLeastOne[1], sim$rejectedPopulationsPerStage[1, 1, 1],
            sim$rejectedPopulationsPerStage[1, 1, 2], as.integer(iterations)))

# Event-driven group-sequential reference for sepsim's mortality endpoint:
# rpact's getSimulationSurvival on a two-arm 1:1 design with three looks at
# planned cumulative death counts, O'Brien-Fleming-type alpha spending
# (typeOfDesign "asOF"), one-sided at ALPHA, rejecting only in favour of
# active (hazard ratio active / control < 1: directionUpper = FALSE).
#
# Usage: Rscript scripts/rpact_survival.R REPS N P28_ACTIVE P28_CONTROL \
#          EVENTS1,EVENTS2,EVENTS3 ACCRUAL_PER_MONTH ALPHA SEED [FOLLOWUP_DAYS]
# Prints one line:
#   power=<overallReject> reject1= reject2= reject3=<rejectPerStage>
#   expected_events=<expectedNumberOfEvents> expected_subjects=<expectedNumberOfSubjects>
#   duration=<studyDuration, days> time1= time2= time3=<mean calendar day of each look
#   among the trials that reach it> events_not_achieved=<share of trials in which a
#   planned event count was never reached> reps= seconds=
#
# Time unit: days. Hazards -log(1 - p28) / 28 per day (exponential, constant);
# accrual ACCRUAL_PER_MONTH / (365.25 / 12) patients a day; no dropout.
#
# What rpact 3.3.4 assumes (read from getSimulationSurvival and its C++,
# src/f_simulation_base_survival.cpp, logRankTest and findObservationTime):
#  * Entry is deterministic, not random: with one accrual piece, patient i
#    enters on day i / intensity (evenly spaced; the first not at 0), until
#    maxNumberOfSubjects = N have entered. Several pieces are evenly spaced
#    within each piece ("uniform" only in that sense).
#  * Arms are assigned deterministically in entry order, allocation1 active
#    then allocation2 control, repeated (here 1:1: alternating).
#  * Each look happens at the calendar time at which the planned cumulative
#    number of deaths (both arms) is reached, counting deaths by calendar time
#    (entry + death time). If a count is never reached (too few patients),
#    that trial stops there and counts in eventsNotAchieved, not as a rejection.
#  * The test is the unstratified log-rank statistic on time since entry:
#    patients entered by the look, censored at the look (administrative) if
#    alive; each death contributes 1{active} - n_a / (n_a + n_c) to O - E and
#    n_a n_c / (n_a + n_c)^2 to the variance (the no-ties form); z = (O - E) /
#    sqrt(V), sign flipped for directionUpper = FALSE. The group-sequential
#    statistic at look k is that look's cumulative z, compared with the design's
#    critical value, which is computed at the design's information rates. We
#    set informationRates = EVENTS / EVENTS3, so the boundaries are those for
#    the planned (and, when reached, observed) event fractions.
#  * Without FOLLOWUP_DAYS, patients are followed until the look: a patient
#    alive at day 28 stays at risk and can die later, unlike a design in which
#    everyone is followed exactly 28 days. With FOLLOWUP_DAYS = 28 the hazard is
#    made piecewise, 1e-12 per day after day 28 in both arms
#    (piecewiseSurvivalTime = c(0, 28), hazardRatio = lambda1 / lambda2), which
#    emulates censoring at day 28: no deaths happen afterwards, and risk sets at
#    times since entry before day 28 are unchanged. It holds only while every
#    trial reaches its planned deaths within follow-up: otherwise rpact waits
#    for the 1e-12 hazard (a look ~1e7 days later); the script warns on stderr
#    then, and refuses EVENTS3 above 95% of the expected deaths (rpact did not
#    return at all for an unreachable count).
suppressPackageStartupMessages(library(rpact))

args <- commandArgs(trailingOnly = TRUE)
if (!(length(args) %in% c(8, 9))) {
  stop("usage: rpact_survival.R REPS N P28_ACTIVE P28_CONTROL EVENTS1,EVENTS2,EVENTS3 ACCRUAL_PER_MONTH ALPHA SEED [FOLLOWUP_DAYS]")
}
reps <- as.numeric(args[[1]]); n <- as.numeric(args[[2]])
p_active <- as.numeric(args[[3]]); p_control <- as.numeric(args[[4]])
events <- as.numeric(strsplit(args[[5]], ",", fixed = TRUE)[[1]])
per_month <- as.numeric(args[[6]]); alpha <- as.numeric(args[[7]]); seed <- as.numeric(args[[8]])
followup <- if (length(args) == 9) as.numeric(args[[9]]) else NA_real_
hazard <- function(p) -log(1 - p) / 28
if (anyNA(c(reps, n, p_active, p_control, events, per_month, alpha, seed))) stop("every argument must be a number")
if (reps < 1 || reps != round(reps)) stop("REPS must be a positive integer")
if (n < 2 || n != round(n)) stop("N must be an integer >= 2")
if (!(p_active > 0 && p_active < 1 && p_control > 0 && p_control < 1)) stop("28-day mortalities must lie in (0, 1)")
if (length(events) != 3 || any(diff(events) <= 0) || events[1] <= 0) stop("EVENTS must be three increasing positive counts")
if (!(per_month > 0)) stop("ACCRUAL_PER_MONTH must be positive")
if (!(alpha > 0 && alpha < 0.5)) stop("ALPHA must lie in (0, 0.5)")
if (length(args) == 9 && !(followup > 0)) stop("FOLLOWUP_DAYS must be positive")
# With the near-zero hazard after FOLLOWUP_DAYS, rpact 3.3.4 did not return
# (over 13 minutes, N = 600, EVENTS3 = 450 > the ~278 deaths possible) when the
# planned deaths cannot be reached; refuse counts above 95% of the expected total.
if (length(args) == 9) {
  possible <- n / 2 * (1 - exp(-followup * hazard(p_active))) + n / 2 * (1 - exp(-followup * hazard(p_control)))
  if (events[3] > 0.95 * possible) {
    stop(sprintf("EVENTS3 = %g is above 95%% of the %.1f deaths expected with FOLLOWUP_DAYS = %g", events[3], possible, followup))
  }
}

days_per_month <- 365.25 / 12
lambda1 <- hazard(p_active); lambda2 <- hazard(p_control)

design <- getDesignGroupSequential(kMax = 3, alpha = alpha, sided = 1, typeOfDesign = "asOF",
                                   informationRates = events / events[3])
arguments <- list(design = design, directionUpper = FALSE, accrualTime = 0,
                  accrualIntensity = per_month / days_per_month, accrualIntensityType = "absolute",
                  maxNumberOfSubjects = n, plannedEvents = events, dropoutRate1 = 0, dropoutRate2 = 0,
                  maxNumberOfIterations = reps, seed = seed, longTimeSimulationAllowed = TRUE)
if (is.na(followup)) {
  arguments <- c(arguments, list(lambda1 = lambda1, lambda2 = lambda2))
} else {
  arguments <- c(arguments, list(piecewiseSurvivalTime = c(0, followup), lambda2 = c(lambda2, 1e-12),
                                 hazardRatio = lambda1 / lambda2))
}
elapsed <- system.time(sim <- suppressWarnings(do.call(getSimulationSurvival, arguments)))[["elapsed"]]

reject <- sim$rejectPerStage[, 1]
time <- sim$analysisTime[, 1]
# With FOLLOWUP_DAYS, a trial short of its planned deaths by the end of
# follow-up waits for the 1e-12 hazard (looks at ~1e7 days or later): the
# emulation then no longer holds. A mean look time past the last entry plus
# follow-up reveals even one such trial; say so rather than print it silently.
if (!is.na(followup) && any(time > n / (per_month / days_per_month) + followup + 1e-6, na.rm = TRUE)) {
  message("warning: some trials reached a planned death count only after FOLLOWUP_DAYS; ",
          "the fixed-follow-up emulation does not hold for these EVENTS (look times below are meaningless)")
}
cat(sprintf(paste("power=%.5f reject1=%.5f reject2=%.5f reject3=%.5f expected_events=%.3f",
                  "expected_subjects=%.3f duration=%.3f time1=%.3f time2=%.3f time3=%.3f",
                  "events_not_achieved=%.5f reps=%d seconds=%.2f\n"),
            sim$overallReject, reject[1], reject[2], reject[3], sim$expectedNumberOfEvents,
            sim$expectedNumberOfSubjects, sim$studyDuration, time[1], time[2], time[3],
            sum(sim$eventsNotAchieved), as.integer(reps), elapsed))

# Independent reference for sepsim's log-rank power on the two-arm mortality
# design of scenarios/validation/survival_two_arm.toml: one homogeneous
# population; death times exponential (constant hazard, continuous time) with
# hazard -log(1 - p28) / 28 per day in each arm; everyone followed exactly 28
# days (administrative censoring at day 28, no dropout, no staggered entry that
# matters); deterministic arm sizes n_active = N * a / (a + b); analysed by the
# unstratified log-rank test. A rejection counts only in favour of active
# (fewer deaths than expected): z = (E - O)_active / sqrt(V) > qnorm(1 - alpha)
# when SIDED = 1, > qnorm(1 - alpha / 2) when SIDED = 2 (the upper side only).
#
# Usage: Rscript scripts/survival_reference.R REPS N ALLOC_ACTIVE ALLOC_CONTROL \
#          P28_ACTIVE P28_CONTROL ALPHA SIDED SEED
# Prints one line:
#   power=<proportion rejecting for active> events=<mean deaths per trial> \
#   schoenfeld_power=<rpact getPowerSurvival, informative only> reps=<REPS> seconds=<wall>
#
# The log-rank statistic is computed directly, vectorised over trials (survdiff
# per trial is too slow for 20,000 replicates). Death times are continuous, so
# there are no ties and each death contributes (1{active} - n_a / n) to O - E
# and n_a * n_c / n^2 to the variance, n_a and n_c being the numbers at risk
# just before it; everyone alive at day 28 is censored after the last death.
# The vectorised statistic is checked against survival::survdiff on 50 random
# data sets (sizes, allocations and hazards drawn at random) before anything
# else; the script stops if z^2 differs from survdiff's chisq, or the sign of
# O - E from survdiff's, by more than 1e-8.
suppressPackageStartupMessages(library(survival))   # rpact only for schoenfeld_power (NA without it)

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 9) {
  stop("usage: survival_reference.R REPS N ALLOC_ACTIVE ALLOC_CONTROL P28_ACTIVE P28_CONTROL ALPHA SIDED SEED")
}
num <- as.numeric(args)
if (anyNA(num)) stop("every argument must be a number")
reps <- num[1]; n <- num[2]; a <- num[3]; b <- num[4]
p_active <- num[5]; p_control <- num[6]; alpha <- num[7]; sided <- num[8]; seed <- num[9]
if (reps < 1 || reps != round(reps)) stop("REPS must be a positive integer")
if (n < 2 || n != round(n)) stop("N must be an integer >= 2")
if (a < 1 || b < 1 || a != round(a) || b != round(b)) stop("allocations must be positive integers")
n_active <- n * a / (a + b)
if (abs(n_active - round(n_active)) > 1e-9) stop("N * a / (a + b) must be a whole number (deterministic arm sizes)")
n_active <- round(n_active); n_control <- n - n_active
if (!(p_active > 0 && p_active < 1 && p_control > 0 && p_control < 1)) stop("28-day mortalities must lie in (0, 1)")
if (!(alpha > 0 && alpha < 1)) stop("ALPHA must lie in (0, 1)")
if (!(sided %in% c(1, 2))) stop("SIDED must be 1 or 2")
horizon <- 28
hazard <- function(p) -log(1 - p) / horizon

# Log-rank for many trials sharing one arm vector. times: trials x patients
# death times (>= horizon means alive at day 28, censored there); active:
# logical per patient (column). Returns O - E for active, V, and deaths per trial.
logrank <- function(times, active) {
  trials <- nrow(times)
  n_total <- ncol(times)
  n_act <- sum(active)
  arm <- matrix(active, trials, n_total, byrow = TRUE)
  dead <- times < horizon
  trial <- row(times)[dead]
  t <- times[dead]
  is_active <- arm[dead]
  deaths <- tabulate(trial, trials)
  if (length(t) == 0) {
    return(list(o_minus_e = numeric(trials), v = numeric(trials), deaths = deaths))
  }
  ord <- order(trial, t)
  trial <- trial[ord]; is_active <- is_active[ord]
  # Deaths and active deaths before each death, within its trial.
  first <- c(1L, cumsum(deaths)[-trials] + 1L)[trial]
  k <- seq_along(trial) - first                   # deaths before this one in the trial
  cum_active <- cumsum(is_active)
  active_before <- cum_active - is_active - (c(0, cum_active)[first])
  at_risk <- n_total - k
  at_risk_active <- n_act - active_before
  e <- at_risk_active / at_risk
  o_minus_e <- rowsum(is_active - e, trial, reorder = TRUE)
  v <- rowsum(e * (1 - e), trial, reorder = TRUE)
  out_oe <- numeric(trials); out_v <- numeric(trials)
  idx <- as.integer(rownames(o_minus_e))
  out_oe[idx] <- o_minus_e[, 1]; out_v[idx] <- v[, 1]
  list(o_minus_e = out_oe, v = out_v, deaths = deaths)
}

# Check against survdiff on 50 random data sets.
set.seed(seed + 1e6)
for (check in 1:50) {
  size <- sample(4:200, 1)
  na <- sample(1:(size - 1), 1)
  act <- c(rep(TRUE, na), rep(FALSE, size - na))[sample(size)]
  lam <- hazard(runif(2, 0.02, 0.95))
  tm <- rexp(size, ifelse(act, lam[1], lam[2]))
  mine <- logrank(matrix(tm, 1), act)
  status <- as.integer(tm < horizon)
  if (sum(status) == 0) next
  time <- pmin(tm, horizon)
  group <- factor(ifelse(act, "active", "control"), levels = c("active", "control"))
  sd <- survdiff(Surv(time, status) ~ group)
  ref_oe <- sd$obs[1] - sd$exp[1]
  z2 <- if (mine$v > 0) mine$o_minus_e^2 / mine$v else 0
  if (abs(mine$o_minus_e - ref_oe) > 1e-8 || abs(z2 - sd$chisq) > 1e-8 ||
      abs(mine$v - sd$var[1, 1]) > 1e-8) {
    stop(sprintf("vectorised log-rank disagrees with survdiff on check %d: O-E %.12g vs %.12g, chisq %.12g vs %.12g",
                 check, mine$o_minus_e, ref_oe, z2, sd$chisq))
  }
}

critical <- qnorm(1 - alpha / sided)
active <- c(rep(TRUE, n_active), rep(FALSE, n_control))
rates <- ifelse(active, hazard(p_active), hazard(p_control))
set.seed(seed)
chunk <- max(1, floor(2e6 / n))                   # ~2 million patients (16 MB) a chunk
rejections <- 0; deaths_total <- 0; done <- 0
elapsed <- system.time({
  while (done < reps) {
    m <- min(chunk, reps - done)
    times <- matrix(rexp(m * n, rep(rates, each = m)), m, n)
    lr <- logrank(times, active)
    z <- ifelse(lr$v > 0, -lr$o_minus_e / sqrt(lr$v), 0)
    rejections <- rejections + sum(z > critical)
    deaths_total <- deaths_total + sum(lr$deaths)
    done <- done + m
  }
})[["elapsed"]]

# Schoenfeld approximation, informative only. rpact follows every patient to
# the calendar time of the analysis; with (almost) all patients entering at
# once (accrual over 1e-6 days) and the analysis at day 28, that is 28 days of
# follow-up each (accrualTime = 0 alone is refused: it must be strictly
# increasing). Power depends on the number of events, given here as the
# expected number, N * (a * p_active + b * p_control) / (a + b); rpact then
# places the analysis at day 28 and reports followUpTime 28.
expected_events <- (n_active * p_active + n_control * p_control)
schoenfeld <- if (!requireNamespace("rpact", quietly = TRUE)) NA_real_ else tryCatch({
  suppressPackageStartupMessages(library(rpact))
  # Two-sided rpact power counts both sides; the active-favouring side of a
  # two-sided test at alpha is the one-sided test at alpha / 2.
  design <- getDesignGroupSequential(kMax = 1, alpha = alpha / sided, sided = 1)
  suppressWarnings(getPowerSurvival(design, typeOfComputation = "Schoenfeld", directionUpper = FALSE,
                   lambda1 = hazard(p_active), lambda2 = hazard(p_control),
                   allocationRatioPlanned = a / b, accrualTime = c(0, 1e-6),
                   maxNumberOfSubjects = n, maxNumberOfEvents = expected_events))$overallReject
}, error = function(e) NA_real_)

cat(sprintf("power=%.5f events=%.4f schoenfeld_power=%.5f reps=%d seconds=%.2f\n",
            rejections / reps, deaths_total / reps, schoenfeld, as.integer(reps), elapsed))

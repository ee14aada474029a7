# Independent reference for sepsim's ordinal power on the two-arm design of
# scenarios/validation/ordinal_two_arm.toml: one homogeneous population; 5
# ordinal categories, worst first; control category probabilities
# (0.25, 0.15, 0.2, 0.2, 0.2); the active arm by proportional odds with the odds
# ratio OR of a better category: P_active(Y <= j) = odds / (1 + odds), odds =
# [P_control(Y <= j) / (1 - P_control(Y <= j))] / OR; exactly 120 per arm
# (multinomial category counts per arm). One-sided alpha 0.025: a rejection
# counts only in favour of active (better, higher categories), z >= qnorm(0.975).
#   proportional_odds: Wald z = beta / se(beta) of the log odds ratio from a
#     proportional-odds (cumulative logit) fit, logit P(Y <= j) = theta_j -
#     beta * active (MASS::polr's parameterisation; beta > 0 favours active),
#     se from the observed information (as polr with Hess = TRUE and clm).
#   wilcoxon: Wilcoxon-Mann-Whitney normal approximation, midranks, tie-corrected
#     variance, no continuity correction; z > 0 when active tends higher.
#
# Usage: Rscript scripts/ordinal_reference.R REPS SEED ODDS_RATIO TEST
#   TEST: proportional_odds or wilcoxon
# Prints one line:
#   power=<proportion rejecting for active> failures=<fits that failed, counted
#   as no rejection> whitehead_power=<Whitehead (1993) approximate power of the
#   PO test, informative only> reps=<REPS> seconds=<wall>
#
# Speed: MASS::polr takes ~2.3 ms and ordinal::clm ~3 ms a fit here (45-60 s
# for 20,000 on one core), so the proportional-odds model is fitted by the
# script's own Newton-Raphson for the grouped 2 x K table, vectorised over
# trials (~1 s for 20,000). Before anything else it is checked against
# ordinal::clm and MASS::polr on the first 50 simulated tables: the script stops
# if beta or z differs from clm's by more than 1e-6 (clm converges to a gradient
# below 1e-6 with an analytic Hessian). polr (optim BFGS, numerical Hessian) is
# run with a tight reltol and must agree within 1e-4 (its own accuracy). The
# vectorised Wilcoxon z is checked against wilcox.test(exact = FALSE, correct =
# FALSE) on the same tables (p-values within 1e-9). A table whose fit does not
# converge is refitted by polr; if that fails too (or errors), it counts as no
# rejection and as a failure.
for (pkg in c("MASS", "ordinal")) {
  if (!requireNamespace(pkg, quietly = TRUE)) {
    stop(sprintf("R package %s is not installed (Debian r-cran-%s)", pkg, tolower(pkg)))
  }
}

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) stop("usage: ordinal_reference.R REPS SEED ODDS_RATIO TEST")
reps <- as.numeric(args[1]); seed <- as.numeric(args[2]); odds_ratio <- as.numeric(args[3])
test <- args[4]
if (is.na(reps) || reps < 1 || reps != round(reps)) stop("REPS must be a positive integer")
if (is.na(seed)) stop("SEED must be a number")
if (is.na(odds_ratio) || !(odds_ratio > 0)) stop("ODDS_RATIO must be positive")
if (!(test %in% c("proportional_odds", "wilcoxon"))) stop("TEST must be proportional_odds or wilcoxon")

p_control <- c(0.25, 0.15, 0.2, 0.2, 0.2)
n_arm <- 120
alpha <- 0.025
K <- length(p_control)
cum_control <- cumsum(p_control)[-K]
odds_active <- cum_control / (1 - cum_control) / odds_ratio
p_active <- diff(c(0, odds_active / (1 + odds_active), 1))
critical <- qnorm(1 - alpha)

# Wilcoxon z from count tables: a, c are trials x K counts (active, control).
wilcoxon_z <- function(a, c) {
  t <- a + c
  n_a <- rowSums(a); n_c <- rowSums(c); n <- n_a + n_c
  before <- t(apply(t, 1, cumsum)) - t                  # patients in lower categories
  midrank <- before + (t + 1) / 2
  w <- rowSums(a * midrank)
  ties <- rowSums(t^3 - t)
  v <- n_a * n_c / 12 * ((n + 1) - ties / (n * (n - 1)))
  ifelse(v > 0, (w - n_a * (n + 1) / 2) / sqrt(v), 0)
}

# Proportional-odds fit of the grouped 2 x K tables by Newton-Raphson on
# (theta_1..theta_{K-1}, beta), vectorised over trials, with step halving.
# Per arm g the linear predictor at cut j is eta_gj = theta_j - beta * x_g
# (x = 1 active, 0 control); log-likelihood sum_k n_gk log p_gk. Returns beta,
# se (observed information), z and converged per trial.
po_fit <- function(a, c, max_iter = 50, tol = 1e-10) {
  trials <- nrow(a)
  J <- K - 1; P <- K
  pooled <- pmax(t(apply(a + c, 1, cumsum))[, 1:J, drop = FALSE], 0.5)
  total <- rowSums(a + c)
  pooled <- pmin(pooled, total - 0.5)
  par <- cbind(qlogis(pooled / total), 0)               # theta from pooled cumulative logits, beta 0
  # Log-likelihood, gradient and observed Hessian for parameter matrix par.
  arm_terms <- function(counts, eta) {
    cdf <- cbind(0, plogis(eta), 1)
    p <- cdf[, -1, drop = FALSE] - cdf[, -(K + 1), drop = FALSE]
    f <- plogis(eta) * (1 - plogis(eta))
    fd <- f * (1 - 2 * plogis(eta))
    ll <- rowSums(ifelse(counts > 0, counts * log(pmax(p, 0)), 0))
    r <- counts / p; r2 <- counts / p^2
    r[counts == 0] <- 0; r2[counts == 0] <- 0
    lo <- 1:J; hi <- 2:K
    s <- f * (r[, lo, drop = FALSE] - r[, hi, drop = FALSE])           # d ll / d eta_j
    d <- fd * (r[, lo, drop = FALSE] - r[, hi, drop = FALSE]) -
      f^2 * (r2[, lo, drop = FALSE] + r2[, hi, drop = FALSE])         # d2 / d eta_j^2
    o <- if (J > 1) f[, -J, drop = FALSE] * f[, -1, drop = FALSE] * r2[, 2:J, drop = FALSE] else NULL
    list(ll = ll, s = s, d = d, o = o, ok = rowSums(p <= 0) == 0)
  }
  evaluate <- function(par) {
    theta <- par[, 1:J, drop = FALSE]; beta <- par[, P]
    ta <- arm_terms(a, theta - beta)
    tc <- arm_terms(c, theta)
    grad <- cbind(ta$s + tc$s, -rowSums(ta$s))
    # Hessian as a trials x P x P array.
    h <- array(0, c(trials, P, P))
    ha <- array(0, c(trials, J, J))                       # active arm's Hessian in eta
    for (j in 1:J) {
      h[, j, j] <- ta$d[, j] + tc$d[, j]
      ha[, j, j] <- ta$d[, j]
      if (j < J) {
        h[, j, j + 1] <- h[, j + 1, j] <- ta$o[, j] + tc$o[, j]
        ha[, j, j + 1] <- ha[, j + 1, j] <- ta$o[, j]
      }
    }
    row_a <- apply(ha, c(1, 2), sum)                      # trials x J: row sums
    if (trials == 1) row_a <- matrix(row_a, 1)
    h[, 1:J, P] <- -row_a
    h[, P, 1:J] <- -row_a
    h[, P, P] <- rowSums(row_a)
    list(ll = ta$ll + tc$ll, grad = grad, h = h, ok = ta$ok & tc$ok)
  }
  # Solve (-H) x = g per trial by Gaussian elimination, vectorised over trials.
  solve_all <- function(h, g) {
    m <- -h; x <- g
    for (k in 1:P) {
      piv <- m[, k, k]
      for (i in setdiff(1:P, k)) {
        factor <- m[, i, k] / piv
        m[, i, ] <- m[, i, ] - factor * m[, k, ]
        x[, i] <- x[, i] - factor * x[, k]
      }
    }
    x / sapply(1:P, function(k) m[, k, k])
  }
  current <- evaluate(par)
  converged <- rep(FALSE, trials)
  for (iter in 1:max_iter) {
    step <- solve_all(current$h, current$grad)
    step[!is.finite(step)] <- 0
    scale <- rep(1, trials)
    candidate <- par + step
    trial_eval <- evaluate(candidate)
    for (halving in 1:30) {
      bad <- !trial_eval$ok | !is.finite(trial_eval$ll) | trial_eval$ll < current$ll - 1e-12
      if (!any(bad)) break
      scale[bad] <- scale[bad] / 2
      candidate <- par + step * scale
      trial_eval <- evaluate(candidate)
    }
    par <- candidate; current <- trial_eval
    converged <- current$ok & apply(abs(current$grad), 1, max) < tol
    if (all(converged)) break
  }
  # Var(beta) = [(-H)^{-1}]_PP = 1 / (h_bb - h_bt h_tt^{-1} h_tb) via the solve.
  e_p <- matrix(0, trials, P); e_p[, P] <- 1
  var_beta <- solve_all(current$h, e_p)[, P]
  se <- sqrt(var_beta)
  z <- par[, P] / se
  converged <- converged & is.finite(z) & var_beta > 0
  list(beta = par[, P], se = se, z = z, converged = converged)
}

# polr on one grouped table (10 rows with weights); NA when it fails.
polr_z <- function(a_row, c_row, tight = FALSE) {
  y <- factor(rep(1:K, 2), levels = 1:K, ordered = TRUE)
  active <- rep(c(1, 0), each = K)
  w <- c(a_row, c_row)
  tryCatch({
    fit <- if (tight) {
      suppressWarnings(MASS::polr(y ~ active, weights = w, Hess = TRUE,
                                  control = list(reltol = 1e-14, maxit = 1000)))
    } else {
      suppressWarnings(MASS::polr(y ~ active, weights = w, Hess = TRUE))
    }
    est <- coef(fit)[["active"]]
    c(est, est / sqrt(vcov(fit)["active", "active"]))
  }, error = function(e) c(NA_real_, NA_real_))
}

draw <- function(m) {
  list(a = t(rmultinom(m, n_arm, p_active)), c = t(rmultinom(m, n_arm, p_control)))
}

set.seed(seed)
elapsed <- system.time({
  tables <- draw(reps)
  # Checks on the first 50 tables.
  check <- seq_len(min(50, reps))
  a50 <- tables$a[check, , drop = FALSE]; c50 <- tables$c[check, , drop = FALSE]
  if (test == "wilcoxon") {
    mine <- wilcoxon_z(a50, c50)
    for (i in check) {
      x <- rep(1:K, a50[i, ]); y <- rep(1:K, c50[i, ])
      p <- suppressWarnings(wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = FALSE))$p.value
      if (abs(p - pnorm(mine[i], lower.tail = FALSE)) > 1e-9) {
        stop(sprintf("vectorised Wilcoxon disagrees with wilcox.test on table %d: p %.12g vs %.12g",
                     i, pnorm(mine[i], lower.tail = FALSE), p))
      }
    }
  } else {
    mine <- po_fit(a50, c50)
    y <- factor(rep(1:K, 2), levels = 1:K, ordered = TRUE)
    d <- data.frame(y = y, active = rep(c(1, 0), each = K))
    worst_polr <- 0
    for (i in check) {
      d$w <- c(a50[i, ], c50[i, ])
      fit <- ordinal::clm(y ~ active, weights = w, data = d,
                          control = ordinal::clm.control(gradTol = 1e-10))
      est <- coef(fit)[["active"]]
      z <- est / sqrt(vcov(fit)["active", "active"])
      if (!mine$converged[i] || abs(est - mine$beta[i]) > 1e-6 || abs(z - mine$z[i]) > 1e-6) {
        stop(sprintf("own proportional-odds fit disagrees with clm on table %d: beta %.10g vs %.10g, z %.10g vs %.10g",
                     i, mine$beta[i], est, mine$z[i], z))
      }
      pz <- polr_z(a50[i, ], c50[i, ], tight = TRUE)
      worst_polr <- max(worst_polr, abs(pz - c(mine$beta[i], mine$z[i])))
    }
    if (!(worst_polr <= 1e-4)) {
      stop(sprintf("own proportional-odds fit disagrees with polr by %.3g on the first tables", worst_polr))
    }
  }

  failures <- 0
  if (test == "wilcoxon") {
    z <- wilcoxon_z(tables$a, tables$c)
  } else {
    fit <- po_fit(tables$a, tables$c)
    z <- fit$z
    for (i in which(!fit$converged)) {
      z[i] <- polr_z(tables$a[i, ], tables$c[i, ])[2]
    }
    failures <- sum(!is.finite(z))
    z[!is.finite(z)] <- -Inf                              # a failed fit rejects nothing
  }
  rejections <- sum(z >= critical)
})[["elapsed"]]

# Whitehead (1993): 12 (z_a + z_b)^2 = N theta^2 (1 - sum pbar^3) for 1:1
# allocation, N the total sample size, theta the log odds ratio and pbar the
# mean of the two arms' category probabilities.
pbar <- (p_active + p_control) / 2
whitehead <- pnorm(sqrt(2 * n_arm * log(odds_ratio)^2 * (1 - sum(pbar^3)) / 12) - critical)

cat(sprintf("power=%.5f failures=%d whitehead_power=%.5f reps=%d seconds=%.2f\n",
            rejections / reps, as.integer(failures), whitehead, as.integer(reps), elapsed))

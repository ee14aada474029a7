# Reference numbers for sim/stats/ordinal.cpp and sim/stats/win_statistics.cpp
# (tests/test_ordinal.cpp): writes a reproducible ordinal data set,
# tests/data/ordinal_fixture.csv (400 virtual patients: category 0..4, worst
# first, drawn from a proportional-odds model; group, baseline_sofa,
# age_years, label 0/1/2), and R's answers on it, tests/data/ordinal_reference.csv
# (name,value):
#   clm(category ~ group)                                          po1_*
#   clm(category ~ group + baseline_sofa + age_years + factor(label))  po5_*
#     (ordinal::clm with gradTol 1e-12; MASS::polr agrees with clm to the
#     polr_agreement_* rows, written for information only)
#   wilcox.test(treatment, control, exact = FALSE, correct = FALSE)  wilcoxon_*
#     (z from W and the tie-corrected variance, written out explicitly here)
#   win statistics by brute force over all treatment x control pairs   win_*
#     (three-tier key below; U-statistic SEs from per-patient components)
# Usage: Rscript scripts/ordinal_fixture.R   (from the repository root)
# Written with R 4.2.2, MASS 7.3.58.2, ordinal 2022.11.16.
suppressPackageStartupMessages({
  library(MASS)
  library(ordinal)
})

set.seed(20261204)
n <- 400
group <- rep(0:1, length.out = n)
baseline_sofa <- pmin(20L, pmax(0L, as.integer(round(rnorm(n, 8, 3)))))
age_years <- round(rnorm(n, 63, 14), 1)
label <- sample(0:2, n, replace = TRUE, prob = c(0.5, 0.3, 0.2))
# logit P(Y <= j) = zeta_j - eta: a larger eta means a better category.
eta <- 0.45 * group - 0.12 * (baseline_sofa - 8) - 0.015 * (age_years - 63) +
  c(0, -0.4, 0.3)[label + 1]
zeta <- c(-1.4, -0.5, 0.3, 1.3)
latent <- eta + rlogis(n)
category <- findInterval(latent, zeta) # 0..4
d <- data.frame(category, group, baseline_sofa, age_years, label)
write.csv(d, "tests/data/ordinal_fixture.csv", row.names = FALSE, quote = FALSE)

d <- read.csv("tests/data/ordinal_fixture.csv")
d$y <- factor(d$category, levels = 0:4, ordered = TRUE)
out <- list()
put <- function(name, value) out[[name]] <<- unname(value)

po <- function(prefix, formula, names) {
  fit <- clm(formula, data = d, control = clm.control(gradTol = 1e-12, relTol = 1e-14,
                                                          maxIter = 200))
  alpha <- fit$alpha
  for (j in seq_along(alpha)) put(paste0(prefix, "_zeta_", j - 1), alpha[j])
  se <- sqrt(diag(vcov(fit)))
  for (i in seq_along(names)) {
    put(paste0(prefix, "_coef_", names[i]), fit$beta[i])
    put(paste0(prefix, "_se_", names[i]), se[length(alpha) + i])
  }
  put(paste0(prefix, "_loglik"), as.numeric(logLik(fit)))
  # polr (BFGS) for comparison: how far it lands from clm's optimum.
  p <- polr(formula, data = d, Hess = TRUE, control = list(reltol = 1e-15, maxit = 1000))
  put(paste0("polr_agreement_", prefix),
      max(abs(c(p$zeta - alpha, coef(p) - fit$beta))))
}
po("po1", y ~ group, "group")
po("po5", y ~ group + baseline_sofa + age_years + factor(label),
   c("group", "sofa", "age", "label1", "label2"))

# Wilcoxon-Mann-Whitney: W = pairs with treatment better + half the ties.
tr <- d$category[d$group == 1]
co <- d$category[d$group == 0]
w <- suppressWarnings(wilcox.test(tr, co, exact = FALSE, correct = FALSE))
n1 <- length(tr); n0 <- length(co); N <- n1 + n0
ties <- table(d$category)
variance <- n1 * n0 / 12 * ((N + 1) - sum(ties^3 - ties) / (N * (N - 1)))
z <- (w$statistic - n1 * n0 / 2) / sqrt(variance)
stopifnot(abs(2 * pnorm(-abs(z)) - w$p.value) < 1e-12)
put("wilcoxon_W", w$statistic)
put("wilcoxon_z", z)
put("wilcoxon_probability", w$statistic / (n1 * n0))

# Win statistics on a three-tier key, higher better, built from the fixture:
# tier 1 day of death (category 0 = died, on day 5, 10, 15 or 20 by SOFA; survivors
# +Inf), tier 2 organ-support-free days (0 for the dead, else 4 * category + label),
# tier 3 SOFA change (-Inf for the dead, else round(age) %% 7 - 3).
died <- d$category == 0
d$k1 <- ifelse(died, 5 + (d$baseline_sofa %% 4) * 5, Inf)
d$k2 <- ifelse(died, 0, 4 * d$category + d$label)
d$k3 <- ifelse(died, -Inf, round(d$age_years) %% 7 - 3)
key_t <- d[d$group == 1, c("k1", "k2", "k3")]
key_c <- d[d$group == 0, c("k1", "k2", "k3")]
# cmp[i, j] = +1 treatment i better than control j, -1 worse, 0 tied on all tiers.
cmp <- matrix(0, n1, n0)
undecided <- matrix(TRUE, n1, n0)
for (tier in c("k1", "k2", "k3")) {
  a <- outer(key_t[[tier]], key_c[[tier]], function(x, y) (x > y) - (x < y))
  cmp[undecided] <- a[undecided]
  undecided <- undecided & a == 0
}
win <- cmp == 1; loss <- cmp == -1
pairs <- n1 * n0
pw <- sum(win) / pairs; pl <- sum(loss) / pairs; pt <- 1 - pw - pl
# Per-patient components: treatment i beats w_t[i] of the controls and loses to
# l_t[i]; control j is beaten by w_c[j] of the treated and beats l_c[j].
w_t <- rowMeans(win); l_t <- rowMeans(loss)
w_c <- colMeans(win); l_c <- colMeans(loss)
s <- function(x, y) sum((x - mean(x)) * (y - mean(y))) / (length(x) - 1)
var_w <- s(w_t, w_t) / n1 + s(w_c, w_c) / n0
var_l <- s(l_t, l_t) / n1 + s(l_c, l_c) / n0
cov_wl <- s(w_t, l_t) / n1 + s(w_c, l_c) / n0
var_nb <- var_w + var_l - 2 * cov_wl
door <- pw + pt / 2
put("win_wins", sum(win)); put("win_losses", sum(loss)); put("win_ties", sum(cmp == 0))
put("win_ratio", pw / pl)
put("win_odds", door / (1 - door))
put("win_net_benefit", pw - pl)
put("win_door", door)
put("win_se_log_win_ratio", sqrt(var_w / pw^2 + var_l / pl^2 - 2 * cov_wl / (pw * pl)))
put("win_se_log_win_odds", sqrt(var_nb / 4) / (door * (1 - door)))
put("win_se_net_benefit", sqrt(var_nb))
put("win_se_door", sqrt(var_nb / 4))

ref <- data.frame(name = names(out),
                  value = vapply(out, function(x) format(x, digits = 17), ""))
write.csv(ref, "tests/data/ordinal_reference.csv", row.names = FALSE, quote = FALSE)
print(ref, row.names = FALSE)

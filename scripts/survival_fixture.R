# Reference numbers for sim/stats/survival.cpp (tests/test_survival.cpp):
# writes a reproducible time-to-event data set, tests/data/survival_fixture.csv
# (300 virtual patients: time in days, event, group, stratum, baseline_sofa,
# age_years; some times rounded to whole days so that deaths and censorings
# tie), and R's answers on it, tests/data/survival_reference.csv (name,value):
#   survdiff(Surv(time, event) ~ group)                     logrank_*
#   survdiff(Surv(time, event) ~ group + strata(stratum))   strat_*
#   coxph(Surv(time, event) ~ group + baseline_sofa + age_years)  (Efron) cox3_*
#   coxph(Surv(time, event) ~ group)                        cox1_*
#   survfit(Surv(time, event) ~ group) at day 28            km_*
# Usage: Rscript scripts/survival_fixture.R   (from the repository root;
# needs R >= 4 and survival >= 3.5)
suppressPackageStartupMessages(library(survival))

set.seed(20261129)
n <- 300
group <- rep(0:1, length.out = n)
stratum <- sample(0:2, n, replace = TRUE, prob = c(0.4, 0.35, 0.25))
baseline_sofa <- pmin(20L, pmax(0L, as.integer(round(rnorm(n, 7 + stratum, 3)))))
age_years <- round(rnorm(n, 62, 14), 1)
hazard <- 0.012 * exp(-0.35 * group + 0.09 * (baseline_sofa - 7) + 0.02 * (age_years - 62) +
                        0.3 * stratum)
death <- rexp(n, hazard)
dropout <- rexp(n, 0.003)
time <- pmin(death, dropout, 90)
event <- as.integer(death <= pmin(dropout, 90))
# Ties: about 40% of the times to whole days (at least day 1), and the
# administrative censoring at day 90 ties the survivors.
rounded <- runif(n) < 0.4
time[rounded] <- pmax(1, round(time[rounded]))
time <- signif(time, 12) # exactly representable in the csv as written
d <- data.frame(time, event, group, stratum, baseline_sofa, age_years)
write.csv(d, "tests/data/survival_fixture.csv", row.names = FALSE, quote = FALSE)

d <- read.csv("tests/data/survival_fixture.csv")
out <- list()
put <- function(name, value) out[[name]] <<- value

sd1 <- survdiff(Surv(time, event) ~ group, data = d)
put("logrank_chisq", sd1$chisq)
put("logrank_obs_0", sd1$obs[1]); put("logrank_obs_1", sd1$obs[2])
put("logrank_exp_0", sd1$exp[1]); put("logrank_exp_1", sd1$exp[2])
put("logrank_var", sd1$var[2, 2])
put("logrank_events", sum(d$event))

sd2 <- survdiff(Surv(time, event) ~ group + strata(stratum), data = d)
obs2 <- rowSums(sd2$obs)
put("strat_chisq", sd2$chisq)
put("strat_obs_0", obs2[1]); put("strat_obs_1", obs2[2])
exp2 <- if (is.matrix(sd2$exp)) rowSums(sd2$exp) else sd2$exp
put("strat_exp_0", exp2[1]); put("strat_exp_1", exp2[2])
put("strat_var", sd2$var[2, 2])

cox <- function(prefix, fit, names) {
  for (i in seq_along(names)) {
    put(paste0(prefix, "_coef_", names[i]), unname(coef(fit)[i]))
    put(paste0(prefix, "_se_", names[i]), unname(sqrt(diag(vcov(fit)))[i]))
  }
  put(paste0(prefix, "_loglik"), fit$loglik[2])
  put(paste0(prefix, "_iter"), fit$iter)
}
cox("cox3", coxph(Surv(time, event) ~ group + baseline_sofa + age_years, data = d,
                  ties = "efron"), c("group", "sofa", "age"))
cox("cox1", coxph(Surv(time, event) ~ group, data = d, ties = "efron"), "group")

km <- survfit(Surv(time, event) ~ group, data = d)
s <- summary(km, times = 28)
for (g in 0:1) {
  k <- km[g + 1]
  i <- max(which(k$time <= 28))
  put(paste0("km_surv_", g), k$surv[i])
  put(paste0("km_stderr_log_", g), k$std.err[i]) # of -log S (Greenwood)
  put(paste0("km_se_", g), s$std.err[g + 1])     # of S
  put(paste0("km_nrisk_", g), s$n.risk[g + 1])
}

ref <- data.frame(name = names(out),
                  value = vapply(out, function(x) format(x, digits = 17), ""))
write.csv(ref, "tests/data/survival_reference.csv", row.names = FALSE, quote = FALSE)
print(ref, row.names = FALSE)

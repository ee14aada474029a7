// Analyses of a binary endpoint between a treatment and a control arm.
#pragma once

#include "sepsim/scenario.hpp"

namespace sepsim {

struct TwoArmCounts {
  int x_treatment = 0, n_treatment = 0;
  int x_control = 0, n_control = 0;
};

struct TestResult {
  double z = 0;        // > 0 favours treatment
  bool reject = false; // rejected in favour of treatment (alone, no multiplicity)
  double p = 1; // one-sided p favouring treatment (Fisher two-sided: half R's p if ahead, else 1)
  double difference = 0;          // treatment minus control response rate
  double ci_low = 0, ci_high = 0; // 95% Wald interval of the difference
};

// Pooled two-proportion z (rpact's Farrington-Manning statistic at thetaH0 = 0).
// When the pooled rate is 0 or 1 the arms are identical and z = 0.
double pooled_z(const TwoArmCounts& c);
// Unpooled (Wald) z. With zero standard error z is 0 when the rates agree and
// +/- infinity otherwise.
double unpooled_z(const TwoArmCounts& c);

// Fisher's exact test on the 2x2 table, conditional on the margins.
// One-sided: P(X >= x_treatment) under the hypergeometric null. Two-sided:
// R's fisher.test rule, the sum over tables no more likely than the observed
// one (relative tolerance 1e-7).
double fisher_p_one_sided(const TwoArmCounts& c);
double fisher_p_two_sided(const TwoArmCounts& c);

// The test the analysis names against its critical value (one-sided alpha, or
// alpha/2 per side), with the 95% Wald interval of the difference.
TestResult analyse(const Analysis& analysis, const TwoArmCounts& c);

} // namespace sepsim

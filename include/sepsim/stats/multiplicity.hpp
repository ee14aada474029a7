// Multiple testing: which hypotheses of a family to reject, given their
// one-sided p-values (in the direction favouring treatment).
#pragma once

#include "sepsim/scenario/scenario.hpp"

#include <array>
#include <vector>

namespace sepsim {

using HypothesisValues = std::array<double, kMaxHypotheses>;
using HypothesisFlags = std::array<bool, kMaxHypotheses>;

// `alpha` is the one-sided level (alpha / sided of the design). `z` is used by
// Dunnett's single-step test, p by all others. Hypothesis order matters for
// fixed_sequence and fallback.
HypothesisFlags reject_family(const Analysis& analysis, double alpha, const HypothesisValues& p,
                              const HypothesisValues& z);

// Dunnett's critical value for comparisons of several arms with one control:
// P(max_i Z_i <= c) = 1 - alpha when Z_i = lambda_i X + sqrt(1 - lambda_i^2) e_i,
// lambda_i = sqrt(n_i / (n_i + n_control)) (the many-to-one correlation
// structure), by Gauss-Kronrod quadrature over X and TOMS 748 root finding.
double dunnett_critical_z(const std::vector<double>& lambda, double alpha);

} // namespace sepsim

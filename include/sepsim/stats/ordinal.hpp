// Ordinal and hierarchical-composite endpoints: the proportional odds model
// (as MASS::polr / ordinal::clm), the Wilcoxon-Mann-Whitney test on ordered
// categories, and win statistics (win ratio, win odds, net benefit, DOOR).
// Pure statistics: Eigen inside, plain vectors at the interface; no function
// here throws for bad data, it returns failed = true instead.
#pragma once

#include "sepsim/stats/regression.hpp"

#include <array>
#include <cstdint>
#include <vector>

namespace sepsim {

// Proportional odds (cumulative logit) model:
//   logit P(Y <= j | x) = zeta_j - x'beta,  j = 0..K-2,
// categories 0..K-1 ordered worst first, so a positive coefficient favours
// better (higher) categories and exp(beta) is the odds ratio of a better
// category. Newton-Raphson with the analytic gradient and Hessian, starting at
// zeta_j = logit of the marginal cumulative proportion and beta = 0; the step
// is halved (up to 30 times) when the log-likelihood falls; converged when
// max |gradient| < 1e-10 or the relative log-likelihood change < 1e-12, either
// only once the full Newton step is below 1e-6 in every parameter (under
// quasi-complete separation the likelihood flattens while beta keeps moving); at
// most 30 iterations. Categories with no observation (zero total weight) are
// dropped, the remaining ones keep their order. failed = true for: fewer than
// 2 non-empty categories, mismatched sizes, a category outside 0..categories-1,
// a non-finite covariate or weight, a negative weight, a singular information
// matrix, non-convergence, or a coefficient running away (|beta| > 30:
// complete separation).
struct OrdinalFit {
  std::vector<double> cut_points;      // zeta, categories_used - 1 of them
  std::vector<double> coefficients;    // beta, one per covariate column
  std::vector<double> standard_errors; // of coefficients, inverse observed information
  double log_likelihood = 0;
  int iterations = 0;
  int categories_used = 0;
  bool failed = false;
};

// category[i] in 0..categories-1; covariates: rows = observations, columns =
// covariates, NO intercept column (the first column usually the treatment
// indicator); weights: frequency weights (nullptr = all 1), so grouped counts
// can be fitted as K x 2 weighted rows. The Wald z of a coefficient is
// coefficients[c] / standard_errors[c].
OrdinalFit fit_proportional_odds(const std::vector<int>& category, int categories,
                                 const DesignMatrix& covariates,
                                 const std::vector<double>* weights = nullptr);
// Two arms' category counts (index = category, worst first; the shorter one
// padded with zeros): the unadjusted fit by weighted rows, the treatment
// indicator the only covariate.
OrdinalFit fit_proportional_odds(const std::vector<double>& counts_treatment,
                                 const std::vector<double>& counts_control);

// Wilcoxon-Mann-Whitney on ordered categories (index = category, worst first,
// counts per arm; the shorter one padded with zeros). With n1, n0 patients in
// the arms, N = n1 + n0, m_k patients in category k (both arms):
//   U = sum over pairs (treatment better) + 0.5 (tied),
//   Var(U) = n1 n0 / 12 * (N + 1 - sum_k (m_k^3 - m_k) / (N (N - 1)))
// (the tie-corrected permutation variance), z = (U - n1 n0 / 2) / sqrt(Var(U)),
// no continuity correction: R's wilcox.test(exact = FALSE, correct = FALSE).
// z > 0 when the treatment arm tends to better categories. probability =
// U / (n1 n0) = P(T > C) + 0.5 P(T = C). With two categories z equals the
// pooled two-proportion z times sqrt((N - 1) / N) (hypergeometric against
// binomial variance). z = 0 and failed when an arm is empty, all observations
// tie, or a count is negative or not finite.
struct WilcoxonResult {
  double z = 0, probability = 0.5;
  bool failed = false;
};
WilcoxonResult wilcoxon(const std::vector<double>& counts_treatment,
                        const std::vector<double>& counts_control);

// Hierarchical composite, higher better, compared lexicographically (the first
// tier decides unless tied, then the next...), exact equality a tie at that
// tier (+/- infinity allowed, e.g. day of death with survivors at +infinity;
// organ-support-free days; day-9 SOFA change with -infinity for early death).
using CompositeKey = std::array<double, 3>;

// With n1 treatment and n0 control patients, pairs = n1 n0, P_w = wins / pairs,
// P_l = losses / pairs, P_t = ties / pairs:
//   win ratio WR = P_w / P_l, win odds WO = (P_w + P_t / 2) / (P_l + P_t / 2),
//   net benefit NB = P_w - P_l, DOOR = P_w + P_t / 2 = (1 + NB) / 2.
// Standard errors: the two-sample U-statistic (large-sample) variance of
// (P_w, P_l) from the per-patient (structural) components (Bebu & Lachin 2016,
// Biostatistics 17:178; equivalently Dong et al. 2016). Treatment patient i
// beats a share w_i of the control patients and loses to a share l_i; control
// patient j is beaten by a share w'_j of the treatment patients and beats a
// share l'_j (so mean w_i = mean w'_j = P_w, likewise for l). With the sample
// covariance S(a, b) = sum (a - mean a)(b - mean b) / (n - 1) over one arm:
//   Var(P_w)      = S(w, w) / n1 + S(w', w') / n0
//   Var(P_l)      = S(l, l) / n1 + S(l', l') / n0
//   Cov(P_w, P_l) = S(w, l) / n1 + S(w', l') / n0
//   Var(NB)       = Var(P_w) + Var(P_l) - 2 Cov(P_w, P_l),   Var(DOOR) = Var(NB) / 4
//   Var(log WR)   = Var(P_w) / P_w^2 + Var(P_l) / P_l^2 - 2 Cov(P_w, P_l) / (P_w P_l)
//   Var(log WO)   = Var(DOOR) / (DOOR (1 - DOOR))^2          (log WO = logit DOOR)
// The z statistics: log WR / se_log_win_ratio, log WO / se_log_win_odds,
// NB / se_net_benefit, (DOOR - 0.5) / se_door (the last two are the same z).
// With one tier DOOR is the Mann-Whitney probability and its z is close to the
// Wilcoxon z: the tie-corrected Wilcoxon variance is the permutation variance
// (conditional on the pooled sample, exact under the null), the U-statistic
// variance is the unconstrained one estimated within each arm; under the null
// with continuous data they are about (N + 1) / (12 n1 n0) against N / (12 n1 n0).
struct WinStatistics {
  double wins = 0, losses = 0, ties = 0; // pair counts: treatment patient better / worse / tied
  double win_ratio = 1, win_odds = 1, net_benefit = 0, door = 0.5; // door = (wins + ties/2) / pairs
  double se_log_win_ratio = 0, se_log_win_odds = 0, se_net_benefit = 0, se_door = 0;
  // An arm with fewer than 2 patients, a NaN in a key, mismatched sizes, or no
  // wins or no losses (log WR undefined). The pair counts and point estimates
  // are still filled in where they exist (NB and DOOR with their SEs, win odds
  // unless all pairs are wins or all losses).
  bool failed = false;
};

// Each observation's key and its group (1 = treatment, 0 = control; any
// non-zero counts as treatment). O(n log n): sorts the keys and counts for each
// patient the opposite-arm patients it beats / loses to / ties with.
WinStatistics win_statistics(const std::vector<CompositeKey>& keys,
                             const std::vector<std::uint8_t>& group);

} // namespace sepsim

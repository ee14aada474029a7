// Group-sequential boundaries by recursive numerical integration
// (Armitage-McPherson-Rowe; Jennison & Turnbull 2000, ch. 19): the joint law of
// the z statistics at looks with information fractions t_1 < ... < t_K = 1 is
// that of a Brownian motion, so crossing probabilities are integrals over a
// grid, stage by stage. No simulation.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sepsim {

enum class BoundaryFamily {
  // Lan-DeMets alpha spending functions:
  spending_obrien_fleming,    // "obf":   2 - 2 Phi(z_{alpha/2} / sqrt(t)) (one-sided alpha)
  spending_pocock,            // "pocock": alpha log(1 + (e - 1) t)
  spending_kim_demets,        // "kd:RHO": alpha t^rho
  spending_hwang_shih_decani, // "hsd:GAMMA": alpha (1 - e^{-gamma t}) / (1 - e^{-gamma})
  spending_user,              // "user:a1,...,aK": cumulative alpha at each look
  // Classical boundaries with a constant C found to spend alpha exactly:
  obrien_fleming, // "OF":  c_k = C / sqrt(t_k)
  pocock,         // "P":   c_k = C
  wang_tsiatis,   // "WT:DELTA": c_k = C t_k^(DELTA - 1/2)
  haybittle_peto, // "HP":  c_k = 3 before the last look, the last found to spend alpha
};

struct SpendingSpec {
  BoundaryFamily family = BoundaryFamily::spending_obrien_fleming;
  double parameter = 0;           // rho, gamma or Delta
  std::vector<double> user_spent; // cumulative, for spending_user
};

// Parses obf, pocock, kd:RHO, hsd:GAMMA, user:a1,..., OF, P, WT:DELTA, HP.
SpendingSpec parse_spending(const std::string& text);
std::string spending_name(const SpendingSpec& spec);

// Cumulative alpha (or beta) spent at information fraction t.
double spent(const SpendingSpec& spec, double total, double t, std::size_t look = 0);

enum class FutilityKind { none, fixed_z, beta_spending };

struct BoundaryRequest {
  std::vector<double> information; // fractions t_1 < ... < t_K = 1
  double alpha = 0.025;            // one-sided, or the two-sided total when sided = 2
  int sided = 1;                   // 2: symmetric two-sided efficacy bounds
  SpendingSpec efficacy;
  FutilityKind futility = FutilityKind::none;
  std::vector<double> futility_z; // fixed_z: bounds at looks 1..K-1
  SpendingSpec futility_spending; // beta_spending: the beta spending function
  double beta = 0.1;              // beta_spending: type II error spent
  bool binding = false;           // binding futility changes the efficacy bounds
};

struct Boundaries {
  std::vector<double> information;
  std::vector<double> efficacy_z;  // reject when z >= c_k
  std::vector<double> futility_z;  // stop for futility when z <= f_k (-inf: none)
  std::vector<double> alpha_spent; // cumulative alpha at each look (under H0)
  std::vector<double> nominal_p;   // one-sided nominal p of each efficacy bound
  // beta spending only: the drift theta sqrt(I_max) that gives power 1 - beta,
  // and the inflation factor of the maximum information over a fixed design.
  double drift = 0, inflation = 1;
};

class BoundaryError : public std::invalid_argument {
public:
  using std::invalid_argument::invalid_argument;
};

Boundaries compute_boundaries(const BoundaryRequest& request);

// P(rejection at each look), P(futility stop at each look) under drift
// theta sqrt(I_max) (0 = H0), for given bounds (futility binding or not, the
// probabilities are those of the trial that stops at either bound).
struct Crossing {
  std::vector<double> reject, futility;
};
Crossing crossing_probabilities(const std::vector<double>& information,
                                const std::vector<double>& efficacy_z,
                                const std::vector<double>& futility_z, double drift);

} // namespace sepsim

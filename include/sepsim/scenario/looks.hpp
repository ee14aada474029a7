// The vocabulary of group-sequential looks: spending families and the
// boundaries a design carries (sim/stats/boundaries.cpp computes them).
#pragma once

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

struct Boundaries {
  std::vector<double> information;
  std::vector<double> efficacy_z;  // reject when z >= c_k
  std::vector<double> futility_z;  // stop for futility when z <= f_k (-inf: none)
  std::vector<double> alpha_spent; // cumulative alpha at each look (under H0)
  std::vector<double> nominal_p;   // one-sided nominal p of each efficacy bound
  // Harm (lower) bounds on the primary z: stop for harm when z <= h_k, at any
  // look including the last (-inf: none at that look). Empty: no harm bounds.
  std::vector<double> harm_z;
  // beta spending only: the drift theta sqrt(I_max) that gives power 1 - beta,
  // and the inflation factor of the maximum information over a fixed design.
  double drift = 0, inflation = 1;
};

} // namespace sepsim

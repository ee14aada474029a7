// Group-sequential boundaries by recursive numerical integration
// (Armitage-McPherson-Rowe; Jennison & Turnbull 2000, ch. 19): the joint law of
// the z statistics at looks with information fractions t_1 < ... < t_K = 1 is
// that of a Brownian motion, so crossing probabilities are integrals over a
// grid, stage by stage. No simulation.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/scenario/looks.hpp"

#include <memory>
#include <string>
#include <vector>

namespace sepsim {

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

// Boundaries that cannot be computed as asked (exit 2).
class BoundaryError : public UserError {
public:
  using UserError::UserError;
  std::string report() const override { return std::string("sepsim boundaries: ") + what(); }
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

// The stage-wise ordering's tails under a drift, from one walk over the
// looks: the probability of an efficacy crossing before look k (0-based), and
// for k >= 1 and any z the probability of reaching look k (no efficacy
// crossing before; futility bounds ignored, as non-binding) with Z_k >= z
// (look 0's tail has a closed form). `efficacy_z` needs K - 1 entries. The
// walk's stages are computed on the calling thread's oneTBB threads
// (parallel_for: the same numbers as one thread gives); each tail is one sum
// over the stage's grid, computed when asked.
class StagewiseWalk {
public:
  StagewiseWalk(const std::vector<double>& information, const std::vector<double>& efficacy_z,
                double drift);
  ~StagewiseWalk();
  StagewiseWalk(const StagewiseWalk&) = delete;
  StagewiseWalk& operator=(const StagewiseWalk&) = delete;
  double crossed_before(std::size_t k) const { return crossed_[k]; }
  double tail(std::size_t k, double z) const; // 1 <= k < K

private:
  struct Stages;
  std::unique_ptr<Stages> stages_;
  std::vector<double> crossed_, t_;
  double drift_;
};

} // namespace sepsim

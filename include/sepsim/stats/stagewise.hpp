// Inference after a group-sequential trial stops, by the stage-wise ordering
// (Armitage 1957; Tsiatis, Rosner & Mehta 1984; Jennison & Turnbull 2000,
// ch. 8): outcomes (k, z) are ranked first by the look whose efficacy bound
// they cross (earlier is more extreme), then by z. P_theta(ordering >= the
// observed) increases with the drift theta (E[Z_j] = theta sqrt(t_j)); the
// median-unbiased estimate solves P = 1/2 and the 1 - 2 gamma confidence
// interval P = gamma and 1 - gamma. Futility bounds are ignored
// (non-binding), as rpact does.
#pragma once

#include "sepsim/stats/boundaries.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <oneapi/tbb/collaborative_call_once.h>
#include <vector>

namespace sepsim {

struct DriftInference {
  double median = 0, low = 0, high = 0; // theta, in units of sqrt(I_max)
};

class StagewiseOrdering {
public:
  // information: t_1 < ... < t_K = 1; efficacy_z: the K efficacy bounds.
  StagewiseOrdering(std::vector<double> information, std::vector<double> efficacy_z);
  // After stopping (or ending) at look k (0-based) with statistic z.
  DriftInference infer(std::size_t k, double z, double gamma = 0.025) const;

private:
  DriftInference compute(std::size_t k, double z, double gamma) const; // infer, not kept
  double tail_probability(std::size_t k, std::size_t drift, double z) const;
  double entry(std::size_t k, std::size_t drift, int z_index) const;
  const StagewiseWalk& walk(std::size_t drift) const;
  double solve(std::size_t k, double z, double target) const;
  std::uint64_t id_; // distinct for every ordering of the process (infer's memo)
  std::vector<double> t_, c_;
  // Per look k >= 1, on the drift grid x z grid: P_theta(ordering >= (k, z)),
  // NaN until computed. A drift's walk is made on its first use, by one
  // thread while others that need it help or wait; an entry is computed from
  // it on its first use. A run's estimates visit only some drifts, and at
  // each only the z near its statistics; every entry is the same whoever
  // computes it, and whatever else was computed.
  std::vector<std::unique_ptr<std::atomic<double>[]>> table_;
  mutable std::vector<std::unique_ptr<StagewiseWalk>> walks_;
  std::unique_ptr<tbb::collaborative_once_flag[]> walked_;
};

// A design's stage-wise ordering, made on first use and shared by every
// thread (its tables fill in as the drifts are needed).
class StagewiseCache {
public:
  StagewiseCache(std::vector<double> information, std::vector<double> efficacy_z)
      : information_(std::move(information)), efficacy_z_(std::move(efficacy_z)) {}
  const StagewiseOrdering& get() const;

private:
  std::vector<double> information_, efficacy_z_;
  mutable tbb::collaborative_once_flag once_;
  mutable std::unique_ptr<StagewiseOrdering> ordering_;
};

} // namespace sepsim

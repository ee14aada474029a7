#include "sepsim/stats/stagewise.hpp"

#include "sepsim/core/memo.hpp"
#include "sepsim/stats/boundaries.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace sepsim {

namespace {

// The grids: drifts theta and statistics z (the tables interpolate in both).
// Linear interpolation at these steps moves a probability by < 5e-4 (the
// tail's curvature is at most 0.24): a few thousandths of a drift unit.
constexpr double kDriftLo = -8.0, kDriftStep = 0.1;
constexpr int kDrifts = 241; // -8 .. 16
constexpr double kZLo = -5.0, kZStep = 0.1;
constexpr int kZs = 151;                                             // -5 .. 10
constexpr double kNotYet = std::numeric_limits<double>::quiet_NaN(); // an entry not computed

std::atomic<std::uint64_t> next_id{1}; // orderings' ids, never reused

} // namespace

StagewiseOrdering::StagewiseOrdering(std::vector<double> information,
                                     std::vector<double> efficacy_z)
    : id_(next_id.fetch_add(1, std::memory_order_relaxed)), t_(std::move(information)),
      c_(std::move(efficacy_z)), table_(t_.size()), walks_(kDrifts),
      walked_(std::make_unique<tbb::collaborative_once_flag[]>(kDrifts)) {
  for (std::size_t k = 1; k < t_.size(); ++k) {
    table_[k] = std::make_unique<std::atomic<double>[]>(std::size_t{kDrifts} * kZs);
    for (std::size_t e = 0; e < std::size_t{kDrifts} * kZs; ++e)
      table_[k][e].store(kNotYet, std::memory_order_relaxed);
  }
}

// Drift i's walk, made on its first use (threads that wait help).
const StagewiseWalk& StagewiseOrdering::walk(std::size_t i) const {
  tbb::collaborative_call_once(walked_[i], [&] {
    walks_[i] =
        std::make_unique<StagewiseWalk>(t_, c_, kDriftLo + static_cast<double>(i) * kDriftStep);
  });
  return *walks_[i];
}

// P_theta_i(ordering >= (k, z_j)) at grid z_j, computed on first use. Threads
// racing for one entry compute the same number (a relaxed store of it).
double StagewiseOrdering::entry(std::size_t k, std::size_t i, int j) const {
  std::atomic<double>& e = table_[k][i * kZs + static_cast<std::size_t>(j)];
  double p = e.load(std::memory_order_relaxed);
  if (!std::isnan(p)) return p;
  const StagewiseWalk& w = walk(i);
  p = w.crossed_before(k) + w.tail(k, kZLo + j * kZStep);
  e.store(p, std::memory_order_relaxed);
  return p;
}

// P_theta_i(ordering >= (k, z)), linear in z between grid points.
double StagewiseOrdering::tail_probability(std::size_t k, std::size_t i, double z) const {
  const double x = std::clamp((z - kZLo) / kZStep, 0.0, kZs - 1.0);
  const auto j = std::min(static_cast<int>(x), kZs - 2);
  const double w = x - j;
  return (1.0 - w) * entry(k, i, j) + w * entry(k, i, j + 1);
}

// The drift at which P_theta(ordering >= (k, z)) = target (increasing in
// theta), linear between grid drifts; the grid's ends when outside it.
double StagewiseOrdering::solve(std::size_t k, double z, double target) const {
  std::size_t lo = 0, hi = kDrifts - 1;
  if (tail_probability(k, lo, z) >= target) return kDriftLo;
  if (tail_probability(k, hi, z) <= target) return kDriftLo + hi * kDriftStep;
  while (hi - lo > 1) {
    const std::size_t mid = (lo + hi) / 2;
    (tail_probability(k, mid, z) < target ? lo : hi) = mid;
  }
  const double p_lo = tail_probability(k, lo, z), p_hi = tail_probability(k, hi, z);
  const double w = p_hi > p_lo ? (target - p_lo) / (p_hi - p_lo) : 0.5;
  return kDriftLo + (lo + w) * kDriftStep;
}

DriftInference StagewiseOrdering::infer(std::size_t k, double z, double gamma) const {
  // Kept per thread by (ordering, look, z, gamma): a z of counts repeats
  // across trials. An ordering's id is never reused, so a later design's
  // ordering at the same address finds nothing of this one's.
  struct Key {
    std::uint64_t id, k, z, gamma;
    bool operator==(const Key&) const = default;
  };
  thread_local Memo<Key, DriftInference, 12> memo;
  const Key key{id_, k, std::bit_cast<std::uint64_t>(z), std::bit_cast<std::uint64_t>(gamma)};
  return memo.get(key, key.z ^ (key.z >> 29) ^ (key.id << 48) ^ (key.k << 40) ^ key.gamma,
                  [&] { return compute(k, z, gamma); });
}

DriftInference StagewiseOrdering::compute(std::size_t k, double z, double gamma) const {
  if (k == 0) {
    // Closed form at the first look: P = 1 - Phi(z - theta sqrt(t_1)).
    const double root_t = std::sqrt(t_[0]);
    const double q = boost::math::quantile(boost::math::complement(boost::math::normal(), gamma));
    return {z / root_t, (z - q) / root_t, (z + q) / root_t};
  }
  return {solve(k, z, 0.5), solve(k, z, gamma), solve(k, z, 1.0 - gamma)};
}

const StagewiseOrdering& StagewiseCache::get() const {
  // Threads that wait help (a plain call_once would leave them idle, and could
  // deadlock if the waiting thread's scheduler gave it another trial of the
  // same design).
  tbb::collaborative_call_once(
      once_, [&] { ordering_ = std::make_unique<StagewiseOrdering>(information_, efficacy_z_); });
  return *ordering_;
}

} // namespace sepsim

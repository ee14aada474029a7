// Shared helpers for the test suite.
#pragma once

#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/stats/tests.hpp"

#include <boost/math/distributions/binomial.hpp>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

namespace sepsim::test {

// Replicates for a statistical test: n, or a twentieth (at least 200) under
// the sanitizers, where accuracy is not what is checked (tolerances come from
// the Monte Carlo SE, so they widen with fewer replicates).
inline std::uint64_t replicates(std::uint64_t n) {
#ifdef SEPSIM_SANITIZED
  return n / 20 > 200 ? n / 20 : 200;
#else
  return n;
#endif
}

// Exact power of the one-sided pooled z at 1.959964 with n per arm and
// success probabilities pt, pc, by enumerating both binomials.
inline double exact_pooled_power(int n, double pt, double pc) {
  const boost::math::binomial bt(n, pt), bc(n, pc);
  double power = 0.0;
  for (int xt = 0; xt <= n; ++xt)
    for (int xc = 0; xc <= n; ++xc)
      if (pooled_z({xt, n, xc, n}) >= 1.959963984540054)
        power += boost::math::pdf(bt, xt) * boost::math::pdf(bc, xc);
  return power;
}

// A distributed run's exchange with one rank: the chunked path, in one process.
class SingleRank : public ChunkExchange {
public:
  int rank() const override { return 0; }
  int ranks() const override { return 1; }
  void receive(std::uint64_t, ReplicateResult*, std::size_t) override {
    throw std::logic_error("no other rank");
  }
  void send(std::uint64_t, const ReplicateResult*, std::size_t) override {
    throw std::logic_error("no other rank");
  }
};

inline std::string source_path(const std::string& relative) {
  return std::string(SEPSIM_SOURCE_DIR) + "/" + relative;
}

inline const DesignSummary& only_design(const RunSummary& s) {
  return s.points.at(0).designs.at(0);
}

inline const ArmSummary& arm(const DesignSummary& d, const std::string& name) {
  for (const auto& a : d.arms)
    if (a.name == name) return a;
  throw std::runtime_error("no arm " + name);
}

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace sepsim::test

// Shared helpers for the test suite.
#pragma once

#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <cstdint>
#include <fstream>
#include <iterator>
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

// The JSON documents sepsim prints on stdout (results/FORMAT.md; one
// document, nothing else): the run or sweep summary, and the answers of
// `boundaries` and `size`, from their plain result structs.
#pragma once

#include "sepsim/core/estimate.hpp"
#include "sepsim/run/summary.hpp"

#include <cstdint>
#include <string>

namespace sepsim {

struct Boundaries; // scenario/looks.hpp

std::string to_json(const RunSummary& summary);

// What `sepsim boundaries` was asked, printed beside the boundaries.
struct BoundariesQuery {
  int looks = 0;
  double alpha = 0;
  int sided = 1;
  std::string spending; // the efficacy spending's name
  bool binding_futility = false;
};
std::string to_json(const BoundariesQuery& query, const Boundaries& boundaries);

// What `sepsim size` was asked and found (from run/sweep.hpp's SizeResult,
// copied by the caller: output sees no more of the run layer than its summary).
struct SizeAnswer {
  std::string design;
  double target_power = 0;
  std::uint64_t replicates = 0;
  int sample_size = 0;
  Estimate power;         // at sample_size
  double power_below = 0; // at sample_size - step
  double analytic_sample_size = 0;
};
std::string to_json(const SizeAnswer& answer);

} // namespace sepsim

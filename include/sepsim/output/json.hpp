// The JSON documents sepsim prints on stdout (results/FORMAT.md; one
// document, nothing else): the run or sweep summary, and the answers of
// `boundaries` and `size`, from their plain result structs.
#pragma once

#include "sepsim/run/summary.hpp"

#include <cstdint>
#include <string>

namespace sepsim {

struct Boundaries; // scenario/looks.hpp
struct SizeResult; // run/sweep.hpp

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

// What `sepsim size` was asked, printed beside its answer.
struct SizeQuery {
  std::string design;
  double target_power = 0;
  std::uint64_t replicates = 0;
};
std::string to_json(const SizeQuery& query, const SizeResult& result);

} // namespace sepsim

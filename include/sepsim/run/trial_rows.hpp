// Per-trial results (run --trials): a replicate's result as a row of the
// results file's per-trial table (TrialRow, run/summary.hpp).
#pragma once

#include "sepsim/run/summary.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/trial/trial.hpp"

#include <cstdint>
#include <vector>

namespace sepsim {

// Replicate `replicate` of `design` at grid point `grid_point`.
TrialRow trial_row(const Design& design, const ReplicateResult& r, std::uint64_t replicate,
                   std::uint32_t grid_point);

// The designs and arms whose tables a run of `scenario` fills.
std::vector<TrialTableDesign> trial_tables(const Scenario& scenario);

} // namespace sepsim

// The critical values of a design's analysis, derived once when the scenario
// is read.
#pragma once

#include "sepsim/scenario/scenario.hpp"

#include <vector>

namespace sepsim {

// critical_z (one-sided, at alpha / sided), the chi-square critical values of
// the treatment-by-label interaction at alpha, and, for Dunnett's procedures,
// one critical value per subset of hypotheses from the arms' planned
// allocation. The hypotheses' arms must index `arms`.
void derive_critical_values(Analysis& analysis, const std::vector<Arm>& arms);

} // namespace sepsim

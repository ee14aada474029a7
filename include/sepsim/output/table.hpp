// What people read: the terminal table of a run or a sweep.
#pragma once

#include "sepsim/run/summary.hpp"

#include <ostream>

namespace sepsim {

// A readable table of every design's operating characteristics.
void print_table(std::ostream& out, const RunSummary& summary);

} // namespace sepsim

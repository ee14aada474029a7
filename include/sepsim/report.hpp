// What people and other tools read: the terminal table and the --json summary.
#pragma once

#include "sepsim/oc.hpp"

#include <ostream>
#include <string>

namespace sepsim {

// The JSON document of design.md §3 (one document, nothing else on stdout).
std::string to_json(const RunSummary& summary);

// A readable table of every design's operating characteristics.
void print_table(std::ostream& out, const RunSummary& summary);

} // namespace sepsim

// The --json summary (results/FORMAT.md; one document, nothing else on stdout).
#pragma once

#include "sepsim/run/summary.hpp"

#include <string>

namespace sepsim {

std::string to_json(const RunSummary& summary);

} // namespace sepsim

// Results files in HDF5: the only module that sees the HDF5 API. Layout in
// results/FORMAT.md.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/run/summary.hpp"

#include <string>

namespace sepsim {

inline constexpr const char* kResultsFormat = "sepsim-results";
inline constexpr int kResultsFormatVersion[2] = {2, 0};

// Fails early (IoError) when PATH cannot be created, before any simulation.
void check_writable(const std::string& path);

// Writes under a temporary name in the same folder and renames it to PATH
// when complete; on any failure nothing is left under PATH.
void write_results(const std::string& path, const RunSummary& summary);

RunSummary read_results(const std::string& path);

} // namespace sepsim

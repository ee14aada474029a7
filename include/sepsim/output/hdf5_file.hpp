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
// when complete; on any failure nothing is left under PATH. Unless `replace`,
// an existing PATH is never replaced, even one that another process creates
// meanwhile: the results are then kept beside it, under PATH-STEM.kept-PID.h5,
// and the IoError names that file.
void write_results(const std::string& path, const RunSummary& summary, bool replace = true);

// A results file, read whole into memory first (only a regular file is
// accepted: a FIFO, device or folder is an IoError, never a hang).
RunSummary read_results(const std::string& path);

} // namespace sepsim

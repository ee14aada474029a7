// Per-trial results (run --trials): the results file's /trials tables,
// written as the run goes, and read back as CSV (sepsim trials). Layout in
// results/FORMAT.md.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/run/summary.hpp"

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sepsim {

// A results file with per-trial tables. The file is written on disk under a
// temporary name (PATH.tmp-PID) from the start, each chunk's rows appended to
// extendible, compressed datasets, so memory does not grow with the
// replicates; commit() adds the summary and renames it to PATH. Until then,
// and on any failure (IoError), nothing is left under PATH: a failed or
// abandoned file (an exception, Ctrl-C) is removed by the destructor.
class TrialsFile : public TrialSink {
public:
  TrialsFile(const std::string& path, const std::vector<TrialTableDesign>& designs);
  ~TrialsFile() override;
  TrialsFile(const TrialsFile&) = delete;
  TrialsFile& operator=(const TrialsFile&) = delete;

  void append(std::size_t design, const std::vector<TrialRow>& rows) override;
  // The summary's layout beside the tables, then the file renamed into place
  // (as write_results: unless `replace`, never over an existing file).
  void commit(const RunSummary& summary, bool replace);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// sepsim trials: the per-trial tables as CSV, one row per design, grid point
// and replicate. An empty `design` selects every design. A file without
// tables, an unknown design or grid point is a UserError (exit 2); a file
// that cannot be read an IoError (exit 3).
struct TrialsCsvOptions {
  std::string design;
  std::optional<std::uint64_t> grid_point;
};
void write_trials_csv(const std::string& path, std::ostream& out, const TrialsCsvOptions& options);

} // namespace sepsim

// Finishing an interrupted sweep (sepsim sweep --resume): where its completed
// points wait, and when they may be finished. A partial file is finished only
// by the build that started it, on the scenario as it was then, with the
// seed and replicates it records, so the result is the same bytes as an
// uninterrupted sweep.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/run/sweep.hpp"

#include <string>
#include <vector>

namespace sepsim {

// Where an unfinished sweep keeps its completed points: beside the results
// file (OUT.h5 -> OUT.partial.h5), never under its name.
std::string partial_path(const std::string& output);

// The folder a sweep was started in, found from where its partial file is now
// (PARTIAL, absolute) and the results path it records (OUTPUT, as given then):
// "" when OUTPUT is absolute or the folder cannot be told (then the paths are
// taken as they are, from the current folder).
std::string start_folder(const std::string& partial, const std::string& output);

// The scenario at `path` (the bundled default when empty) with the --set
// overrides `sets`, then a grid point's own: what a sweep records in its grid,
// so that its resumption loads the same scenarios.
ScenarioLoader scenario_loader(const std::string& path, const std::vector<std::string>& sets,
                               bool null_hypothesis);

// A partial file that cannot be finished (exit 2): not a sweep, complete, from
// another build, or its scenario has changed.
class ResumeError : public UserError {
public:
  ResumeError(const std::string& partial, const std::string& rule)
      : UserError("sweep --resume " + partial + ": " + rule) {}
  std::string report() const override { return std::string("sepsim ") + what(); }
};

// Checks that `sweep`, read from the partial file `partial`, can be finished
// by this build; sets the seed and replicates of `options` to the sweep's and
// returns the loader of its grid points. Throws ResumeError, or the scenario's
// own errors (ScenarioError, IoError).
ScenarioLoader prepare_resume(const RunSummary& sweep, const std::string& partial,
                              RunOptions& options);

} // namespace sepsim

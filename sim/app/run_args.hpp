// What the commands that simulate share: the options of run and sweep, the
// scenario, the run options of this process, the results path, and the flag
// Ctrl-C and SIGTERM set.
#pragma once

#include "distributed.hpp"
#include "sepsim/run/engine.hpp"

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace sepsim::app {

struct RunArgs {
  std::string scenario; // "" = the bundled default
  std::uint64_t replicates = 10000;
  std::uint64_t seed = 1;
  int threads = 0;
  std::vector<std::string> sets; // after parsing, --design NAME adds designs_to_run=[...] here
  std::vector<std::string> designs;
  std::string out;
  bool json = false;
  bool no_progress = false;
  bool null_hypothesis = false;
  bool overwrite = false;
  bool trials = false;          // --trials: per-trial tables in the results file
  bool separate_points = false; // sweep and size: --separate-points
};

// The help texts that differ between run and sweep.
struct RunOptionTexts {
  const char* reps;
  const char* out;
  const char* json;
};

// --seed,-s: a whole number 0 .. 2^64 - 1 in decimal (no sign, no wrap).
void add_seed_option(CLI::App& cmd, std::uint64_t& seed);

// The options run and sweep share.
void add_run_options(CLI::App& cmd, RunArgs& args, const RunOptionTexts& texts);

// The scenario at `path` (the bundled default when empty) with the overrides.
Scenario load(const std::string& path, const std::vector<std::string>& sets,
              bool null_hypothesis = false);

// Seed, replicates and threads from the options; the chunk exchange of the
// job's processes.
RunOptions run_options(const RunArgs& args, Processes& processes);

// The results path (default results/NAME.h5), checked before any work: it
// must be writable, must not exist unless --overwrite (UsageError), and must
// not be one of `inputs` (the scenario, its base files, a partial file); from
// then on Ctrl-C and SIGTERM only set interrupt_flag(), which the engine
// polls, so that what is done can be saved or discarded cleanly.
std::string prepare_output(const RunArgs& args, const std::string& default_name,
                           const std::vector<std::string>& inputs);

// The files a scenario was read from: its path and its base files.
std::vector<std::string> input_files(const Scenario& scenario, const std::string& path);
const std::atomic<bool>* interrupt_flag();

} // namespace sepsim::app

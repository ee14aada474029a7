#include "run_args.hpp"

#include "commands.hpp"

#include "sepsim/core/files.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/run/resume.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <filesystem>

namespace sepsim::app {

namespace {

// The one piece of global state: a signal handler can reach nothing else.
std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) {
  g_interrupted.store(true);
}

} // namespace

void add_run_options(CLI::App& cmd, RunArgs& args, const RunOptionTexts& texts) {
  cmd.add_option("--reps,-r", args.replicates, texts.reps)
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4'000'000'000}));
  cmd.add_option("--seed,-s", args.seed, "Master seed");
  cmd.add_option("--threads,-t", args.threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--set", args.sets, "Override a scenario value: KEY=VALUE (TOML value)");
  cmd.add_option("--out,-o", args.out, texts.out);
  cmd.add_flag("--json", args.json, texts.json);
  cmd.add_flag("--no-progress", args.no_progress, "Never show the progress bar");
  cmd.add_flag("--overwrite", args.overwrite,
               "Replace an existing results file (without it, an existing file is kept and the "
               "run refused)");
  cmd.add_flag("--null", args.null_hypothesis,
               "Make every treatment equal to placebo: power becomes the type I error");
}

Scenario load(const std::string& path, const std::vector<std::string>& sets, bool null_hypothesis) {
  return scenario_loader(path, sets, null_hypothesis)({});
}

RunOptions run_options(const RunArgs& args, Processes& processes) {
  RunOptions options;
  options.seed = args.seed;
  options.replicates = args.replicates;
  options.threads = args.threads;
  options.exchange = processes.exchange();
  return options;
}

std::vector<std::string> input_files(const Scenario& scenario, const std::string& path) {
  std::vector<std::string> files = scenario.base_files;
  if (!path.empty()) files.insert(files.begin(), path);
  return files;
}

std::string prepare_output(const RunArgs& args, const std::string& default_name,
                           const std::vector<std::string>& inputs) {
  const std::string out = args.out.empty() ? "results/" + default_name + ".h5" : args.out;
  for (const auto& input : inputs)
    if (same_file(out, input))
      throw UsageError("--out " + out + " is " + input +
                       ", a file this run reads: choose another --out");
  std::error_code ec;
  if (args.out.empty() && !std::filesystem::create_directories("results", ec) && ec)
    throw IoError("cannot create the folder results for " + out + ": " + ec.message() +
                  " (choose another --out)");
  check_writable(out);
  if (std::filesystem::exists(std::filesystem::symlink_status(out, ec)) && !args.overwrite)
    throw UsageError("a results file exists at " + out +
                     ": it is kept; pass --overwrite to replace it, or choose another --out");
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return out;
}

const std::atomic<bool>* interrupt_flag() {
  return &g_interrupted;
}

} // namespace sepsim::app

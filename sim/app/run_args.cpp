#include "run_args.hpp"

#include "commands.hpp"
#include "sepsim/input/scenario_reader.hpp"

#include "sepsim/core/files.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/run/resume.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdlib>
#include <filesystem>

namespace sepsim::app {

namespace {

// The one piece of global state: a signal handler can reach nothing else.
std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) {
  g_interrupted.store(true);
}

// SOURCE_DATE_EPOCH, when set, dates the results file; a malformed value is
// refused (as reproducible-builds.org asks) before any simulation.
void check_source_date_epoch() {
  const char* epoch = std::getenv("SOURCE_DATE_EPOCH");
  if (epoch == nullptr) return;
  const std::string text = epoch;
  const bool digits = !text.empty() && text.size() <= 12 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoll(text) > 253402300799LL)
    throw UserError("SOURCE_DATE_EPOCH=" + text +
                    ": must be whole seconds since 1970-01-01 UTC, from 0 to 253402300799 "
                    "(9999-12-31)");
}

} // namespace

void add_seed_option(CLI::App& cmd, std::uint64_t& seed) {
  const CLI::Validator whole(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && text.size() <= 20 &&
                            text.find_first_not_of("0123456789") == std::string::npos;
        // 20 digits may exceed 2^64 - 1 = 18446744073709551615.
        if (digits && (text.size() < 20 || text <= "18446744073709551615")) return "";
        return "the seed must be a whole number from 0 to 18446744073709551615, not " + text;
      },
      "UINT64");
  cmd.add_option("--seed,-s", seed, "Master seed (0 to 2^64 - 1)")->check(whole);
}

void add_run_options(CLI::App& cmd, RunArgs& args, const RunOptionTexts& texts) {
  cmd.add_option("--reps,-r", args.replicates, texts.reps)
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4'000'000'000}));
  add_seed_option(cmd, args.seed);
  cmd.add_option("--threads,-t", args.threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd.add_option("--set", args.sets, "Override a scenario value: KEY=VALUE (TOML value)");
  cmd.add_option("--design", args.designs,
                 "Run only this design of the scenario (repeatable; default: every design)");
  // As an override, so that a sweep records it and --resume reloads the same.
  cmd.final_callback([&args] {
    if (!args.designs.empty()) args.sets.push_back(designs_override(args.designs).text);
  });
  cmd.add_option("--out,-o", args.out, texts.out);
  cmd.add_flag("--json", args.json, texts.json);
  cmd.add_flag("--no-progress", args.no_progress, "Never show the progress bar");
  cmd.add_flag("--overwrite", args.overwrite,
               "Replace an existing results file (without it, an existing file is kept and the "
               "run refused)");
  cmd.add_flag("--trials", args.trials,
               "Also store one row per trial (design, grid point, replicate) in the results "
               "file's /trials tables; print them with `sepsim trials FILE.h5`");
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
  // --trials writes each point's rows in grid order: points one at a time
  // (on every rank of a distributed sweep alike).
  options.separate_points = args.separate_points || args.trials;
  options.trial_rows = args.trials;
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
  check_source_date_epoch();
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

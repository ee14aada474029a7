// sepsim sweep: a grid of values of scenario keys, every point on the same
// virtual patients; and sweep --resume, which finishes an interrupted one.
#include "commands.hpp"
#include "progress.hpp"
#include "run_args.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"
#include "sepsim/output/trials_file.hpp"
#include "sepsim/run/resume.hpp"
#include "sepsim/run/sweep.hpp"
#include "sepsim/run/trial_rows.hpp"
#include "sepsim/run/warm_up.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

// An interrupted sweep: its completed points were saved for --resume.
class SweepInterrupted : public Interrupted {
public:
  using Interrupted::Interrupted;
};

struct SweepArgs {
  RunArgs run;
  std::vector<std::string> vary;
  std::string resume; // a partial file to finish
};

// Runs the sweep's remaining points. The completed points go to OUT.partial.h5
// at most every two seconds and on Ctrl-C or SIGTERM, so an interrupted or
// killed sweep can be resumed; the results file appears only when all are done.
// With --trials there is no partial file (its points would lack their
// per-trial rows): the results file is written as the sweep goes, and an
// interrupted sweep leaves nothing.
void finish_sweep(const ScenarioLoader& loader, RunSummary& summary, const RunOptions& options,
                  const RunArgs& args) {
  const std::string out = summary.grid.output, partial = partial_path(out);
  ProgressBar bar(!args.no_progress);
  bar.grid(options.replicates, summary.points.size(), summary.grid.points());
  std::unique_ptr<TrialsFile> trials;
  if (args.trials) trials = std::make_unique<TrialsFile>(out, trial_tables(loader({})));
  RunOptions sweep_options = options;
  sweep_options.trials = trials.get();
  auto last_save = std::chrono::steady_clock::now();
  auto checkpoint = [&](const RunSummary& s) {
    const auto now = std::chrono::steady_clock::now();
    if (trials || s.complete() || now - last_save < std::chrono::seconds(2)) return;
    write_results(partial, s);
    last_save = now;
  };
  try {
    continue_sweep(loader, summary, sweep_options, std::ref(bar), interrupt_flag(), checkpoint);
  } catch (const Interrupted&) {
    if (trials)
      throw Interrupted("interrupted; a sweep with --trials keeps no partial file, so no "
                        "results file was written.");
    write_results(partial, summary);
    throw SweepInterrupted("interrupted after " + std::to_string(summary.points.size()) + " of " +
                           std::to_string(summary.grid.points()) +
                           " grid points; they are saved in " + partial + " (no file at " + out +
                           ").\nFinish the sweep with: sepsim sweep --resume " + partial);
  }
  if (trials)
    trials->commit(summary, args.overwrite);
  else
    write_results(out, summary, args.overwrite);
  std::error_code ec;
  std::filesystem::remove(partial, ec);
  if (args.json) {
    std::cout << to_json(summary);
  } else {
    print_table(std::cout, summary);
    std::cout << "\nResults of " << summary.points.size() << " grid points written to " << out
              << "\n";
  }
}

void new_sweep(const RunArgs& args, const std::vector<std::string>& vary, Processes& processes) {
  std::vector<Axis> axes;
  for (const auto& v : vary)
    axes.push_back(parse_axis(v));
  const ScenarioLoader loader = scenario_loader(args.scenario, args.sets, args.null_hypothesis);
  const Scenario base = loader({});
  const RunOptions options = run_options(args, processes);
  RunSummary summary = sepsim::start_sweep(loader, axes, options);
  if (processes.worker()) {
    serve_sweep(loader, summary, options);
    return;
  }
  const std::string out =
      prepare_output(args, base.name + "-sweep", input_files(base, args.scenario));
  // Starting again would replace the completed points of an interrupted sweep.
  std::error_code ec;
  if (const std::string partial = partial_path(out);
      std::filesystem::exists(std::filesystem::symlink_status(partial, ec)))
    throw UsageError("sweep: a partial sweep exists at " + partial +
                     ": resume it with `sepsim sweep --resume " + partial +
                     "`, or remove it to start again");
  summary.grid.scenario_path = args.scenario;
  summary.grid.sets = args.sets;
  summary.grid.output = out;
  finish_sweep(loader, summary, options, args);
}

// Finishes an interrupted sweep from its partial file, with the scenario,
// overrides, seed and replicates it was started with (run/resume.hpp).
void resume_sweep(const std::string& given, const RunArgs& args, Processes& processes) {
  RunSummary summary = read_results(given);
  // The partial file records the paths as the sweep was given them: work
  // from the folder it was started in, wherever this is run.
  std::error_code ec;
  const std::string partial = std::filesystem::absolute(given, ec).string();
  if (const std::string folder = start_folder(partial, summary.grid.output); !folder.empty()) {
    std::filesystem::current_path(folder, ec);
    if (ec)
      throw IoError("sweep --resume " + given + ": cannot enter " + folder +
                    ", the folder the sweep was started in: " + ec.message());
  }
  RunArgs resumed = args;
  resumed.out = summary.grid.output;
  RunOptions options = run_options(resumed, processes);
  const ScenarioLoader loader = prepare_resume(summary, partial, options);
  if (processes.worker()) {
    serve_sweep(loader, summary, options);
    return;
  }
  const Scenario scenario = loader({});
  std::vector<std::string> inputs = input_files(scenario, summary.grid.scenario_path);
  inputs.push_back(partial);
  // The results file may exist only when it is this partial file's own
  // unfinished run that left none; --overwrite replaces it.
  prepare_output(resumed, "", inputs);
  if (!args.no_progress)
    std::cerr << "Resuming " << partial << ": " << summary.points.size() << " of "
              << summary.grid.points() << " grid points done.\n";
  finish_sweep(loader, summary, options, resumed);
  std::filesystem::remove(partial, ec);
}

void sweep(const SweepArgs& args, const CLI::App& cmd, Processes& processes) {
  const ThreadPoolWarmUp warm_up; // while the scenario is read
  if (args.resume.empty()) {
    if (args.vary.empty()) throw UsageError("sweep: give --vary KEY=VALUES (or --resume FILE)");
    new_sweep(args.run, args.vary, processes);
    return;
  }
  if (args.run.trials)
    throw UsageError("sweep --resume: --trials cannot be given: the points saved in a partial "
                     "file have no per-trial rows (a sweep run with --trials keeps no partial "
                     "file); rerun the whole sweep with --trials");
  // What the partial file records cannot be changed, or the resumed points
  // would not belong with the saved ones.
  for (const char* fixed : {"scenario", "--reps", "--seed", "--set", "--null", "--out"})
    if (cmd.count(fixed) > 0)
      throw UsageError(std::string("sweep --resume: ") + fixed +
                       " comes from the partial file and cannot be changed");
  resume_sweep(args.resume, args.run, processes);
}

} // namespace

Command add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a scenario over a grid of values (same virtual patients at every point)");
  cmd->add_option("scenario", args->run.scenario, "Scenario file (default: bundled ImmunoSep)");
  auto* vary =
      cmd->add_option("--vary", args->vary, "KEY=V1,V2,... or KEY=START:STOP:STEP (repeatable)");
  cmd->add_option(
         "--resume", args->resume,
         "Finish an interrupted sweep from its FILE.partial.h5 (same scenario, grid, seed, reps)")
      ->excludes(vary);
  add_run_options(*cmd, args->run,
                  {"Replicates per grid point",
                   "Results file (default results/<scenario>-sweep.h5)",
                   "Print the JSON summary (one entry per point)"});
  cmd->add_flag("--separate-points", args->run.separate_points,
                "Simulate every grid point on its own: the same numbers, slower (points that "
                "differ only in a design's sample_size otherwise share one pass over the "
                "patients)");
  return {cmd, [args, cmd](Processes& processes) { sweep(*args, *cmd, processes); }, true};
}

} // namespace sepsim::app

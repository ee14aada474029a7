// sepsim run: one scenario, a table (or the JSON summary) and a results file.
#include "commands.hpp"
#include "progress.hpp"
#include "run_args.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"
#include "sepsim/output/trials_file.hpp"
#include "sepsim/run/trial_rows.hpp"
#include "sepsim/run/warm_up.hpp"

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <iomanip>
#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

void run_scenario(const RunArgs& args, Processes& processes) {
  const ThreadPoolWarmUp warm_up; // while the scenario is read
  const Scenario scenario = load(args.scenario, args.sets, args.null_hypothesis);
  RunOptions options = run_options(args, processes);
  if (processes.worker()) {
    serve_point(scenario, options);
    return;
  }
  const std::string out = prepare_output(args, scenario.name, input_files(scenario, args.scenario));
  // With --trials the file is written as the run goes (removed if it fails).
  std::unique_ptr<TrialsFile> trials;
  if (args.trials) trials = std::make_unique<TrialsFile>(out, trial_tables(scenario));
  options.trials = trials.get();
  ProgressBar bar(!args.no_progress);
  const auto start = std::chrono::steady_clock::now();
  const RunSummary summary = sepsim::run(scenario, options, std::ref(bar), interrupt_flag());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (interrupt_flag()->load()) throw Interrupted();
  if (trials)
    trials->commit(summary, args.overwrite);
  else
    write_results(out, summary, args.overwrite);

  if (args.json) {
    std::cout << to_json(summary);
  } else {
    print_table(std::cout, summary);
    std::cout << "\nResults written to " << out << " (" << std::fixed << std::setprecision(1)
              << seconds << " s). Read them back with: sepsim show " << out << "\n";
  }
}

} // namespace

Command add_run_command(CLI::App& app) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario (default: the bundled ImmunoSep)");
  cmd->add_option("scenario", args->scenario, "Scenario file (TOML)");
  add_run_options(*cmd, *args,
                  {"Replicates (virtual trials)", "Results file (default results/<scenario>.h5)",
                   "Print the JSON summary on stdout instead of the table"});
  return {cmd, [args](Processes& processes) { run_scenario(*args, processes); }, true};
}

} // namespace sepsim::app

// sepsim trials: the per-trial tables of a results file (run --trials) as
// CSV on stdout, for readers without an HDF5 library (R: read.csv(pipe(...))).
#include "commands.hpp"
#include "sepsim/output/trials_file.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {
struct TrialsArgs {
  std::string path;
  std::string design;
  std::uint64_t grid_point = 0;
};
} // namespace

Command add_trials_command(CLI::App& app) {
  auto args = std::make_shared<TrialsArgs>();
  CLI::App* cmd = app.add_subcommand(
      "trials", "Print the per-trial table of a results file run with --trials, as CSV");
  cmd->add_option("file", args->path, "Results file (.h5)")->required();
  cmd->add_option("--design", args->design, "Only this design (default: every design)");
  auto* point = cmd->add_option("--grid-point", args->grid_point,
                                "Only this grid point (0-based, as the CSV's grid_point)");
  return {cmd, [args, point](Processes&) {
            TrialsCsvOptions options;
            options.design = args->design;
            if (point->count() > 0) options.grid_point = args->grid_point;
            write_trials_csv(args->path, std::cout, options);
          }};
}

} // namespace sepsim::app

// sepsim show: a results file (or a sweep's partial file) printed back.
#include "commands.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

struct ShowArgs {
  std::string path;
  bool json = false;
  bool scenario_text = false;
};

void show(const ShowArgs& args) {
  const RunSummary summary = read_results(args.path);
  if (args.json) {
    std::cout << to_json(summary);
    return;
  }
  const Provenance& p = summary.provenance;
  std::cout << args.path << ": sepsim " << p.sepsim_version << " (commit " << p.git_commit << ", "
            << p.compiler << "; Boost " << p.boost_version << ", oneTBB " << p.tbb_version
            << ", HDF5 " << p.hdf5_version << ")\nscenario source: " << p.scenario_source << "\n\n";
  print_table(std::cout, summary);
  if (!summary.complete())
    std::cout << "\nAn unfinished sweep: " << summary.points.size() << " of "
              << summary.grid.points() << " grid points. Finish it with: sepsim sweep --resume "
              << args.path << "\n";
  if (args.scenario_text) std::cout << "\nScenario (after overrides):\n" << p.scenario_text << "\n";
}

} // namespace

Command add_show_command(CLI::App& app) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* cmd = app.add_subcommand("show", "Print a results file back");
  cmd->add_option("file", args->path, "Results file (.h5)")->required();
  cmd->add_flag("--json", args->json, "Print the JSON summary");
  cmd->add_flag("--scenario", args->scenario_text, "Also print the scenario text it was run with");
  return {cmd, [args](Processes&) { show(*args); }};
}

} // namespace sepsim::app

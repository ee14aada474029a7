// sepsim show: a results file (or a sweep's partial file) printed back.
#include "commands.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <iostream>
#include <memory>
#include <string_view>

namespace sepsim::app {

namespace {

struct ShowArgs {
  std::string path;
  bool json = false;
  bool scenario_text = false;
};

// The scenario the file was run with, as a file that runs again as it is:
// provenance and the command that reproduces the numbers in TOML comments.
void print_scenario(const std::string& path, const RunSummary& summary) {
  const Provenance& p = summary.provenance;
  std::cout << "# The scenario of " << path << " (" << p.scenario_name << ", from "
            << p.scenario_source << ") after its base files, --set and --design";
  if (p.null_hypothesis) std::cout << " and --null (the treatments below are already the placebo)";
  std::cout << ".\n# Saved as FILE.toml, it gives the same numbers with:\n#   sepsim "
            << (summary.grid.axes.empty() ? "run" : "sweep") << " FILE.toml --seed " << p.seed
            << " --reps " << p.replicates;
  for (const auto& axis : summary.grid.axes) {
    std::cout << " --vary " << axis.key << "=";
    for (std::size_t i = 0; i < axis.values.size(); ++i) {
      char text[32]; // the shortest text that reads back as the value
      const auto* end = std::to_chars(text, text + sizeof text, axis.values[i]).ptr;
      std::cout << (i == 0 ? "" : ",")
                << std::string_view(text, static_cast<std::size_t>(end - text));
    }
  }
  std::cout << "\n" << p.scenario_text << "\n";
}

void show(const ShowArgs& args) {
  const RunSummary summary = read_results(args.path);
  if (args.scenario_text) {
    print_scenario(args.path, summary);
    return;
  }
  if (args.json) {
    std::cout << to_json(summary);
    return;
  }
  const Provenance& p = summary.provenance;
  std::cout << args.path << ": sepsim " << p.sepsim_version << " (commit " << p.git_commit << ", "
            << p.compiler << "; Boost " << p.boost_version << ", oneTBB " << p.tbb_version
            << ", HDF5 " << p.hdf5_version << "; generator version " << p.generator_version
            << ")\nscenario source: " << p.scenario_source << "\n\n";
  print_table(std::cout, summary);
  if (!summary.complete())
    std::cout << "\nAn unfinished sweep: " << summary.points.size() << " of "
              << summary.grid.points() << " grid points. Finish it with: sepsim sweep --resume "
              << args.path << "\n";
}

} // namespace

Command add_show_command(CLI::App& app) {
  auto args = std::make_shared<ShowArgs>();
  CLI::App* cmd = app.add_subcommand("show", "Print a results file back");
  cmd->add_option("file", args->path, "Results file (.h5)")->required();
  cmd->add_flag("--json", args->json, "Print the JSON summary");
  cmd->add_flag("--scenario", args->scenario_text,
                "Print only the scenario it was run with, as a file that runs again as it is");
  return {cmd, [args](Processes&) { show(*args); }};
}

} // namespace sepsim::app

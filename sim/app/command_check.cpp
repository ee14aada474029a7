// sepsim check: validates a scenario and lists every problem (as a
// ScenarioError) without simulating.
#include "commands.hpp"
#include "run_args.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

struct CheckArgs {
  std::string path;
  std::vector<std::string> sets;
};

void check(const CheckArgs& args) {
  const Scenario s = load(args.path, args.sets);
  std::cout << (args.path.empty() ? s.source : args.path) << ": OK (scenario \"" << s.name << "\", "
            << s.treatments.size() << " treatments, " << s.designs.size() << " design"
            << (s.designs.size() == 1 ? "" : "s") << ")\n";
}

} // namespace

Command add_check_command(CLI::App& app) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "Validate a scenario; list every problem");
  cmd->add_option("scenario", args->path, "Scenario file (TOML)")->required();
  cmd->add_option("--set", args->sets, "Override a scenario value: KEY=VALUE");
  return {cmd, [args](Processes&) { check(*args); }};
}

} // namespace sepsim::app

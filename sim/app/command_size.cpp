// sepsim size: the smallest sample size reaching a target power, by
// simulation on common random numbers, with the analytic N beside it.
#include "commands.hpp"
#include "run_args.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/run/resume.hpp"
#include "sepsim/run/sweep.hpp"
#include "sepsim/run/warm_up.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

struct SizeArgs {
  RunArgs run;
  std::string design;
  double target = 0.9;
  int min_n = 20, max_n = 2000, step = 2;
};

void print_size(const SizeArgs& args, const SizeResult& r) {
  std::printf("Design %s: smallest sample size with simulated power >= %.3f (%llu trials per N,\n"
              "the same virtual patients at every N)\n",
              args.design.c_str(), args.target,
              static_cast<unsigned long long>(args.run.replicates));
  std::printf("  N = %d: power %.4f ± %.4f", r.n, r.power_at_n.value, r.power_at_n.mcse);
  if (std::isfinite(r.power_below.value))
    std::printf(";  N = %d: power %.4f ± %.4f\n", r.n - args.step, r.power_below.value,
                r.power_below.mcse);
  else
    std::printf(" (the smallest N of the grid)\n");
  if (std::isfinite(r.analytic_n))
    std::printf("  Normal approximation (two arms, fixed design, the simulated response rates): "
                "N = %.1f\n",
                r.analytic_n);
  std::printf("  Evaluated:");
  for (const auto& [n, p] : r.evaluated)
    std::printf(" %d:%.3f", n, p.value);
  std::printf(
      "\n  (Within Monte Carlo error the answer may move by a step or two: raise --reps.)\n");
}

void search_size(const SizeArgs& args, Processes& processes) {
  const ThreadPoolWarmUp warm_up; // while the scenario is read
  const ScenarioLoader loader = scenario_loader(args.run.scenario, args.run.sets, false);
  RunOptions options = run_options(args.run, processes);
  options.exchange = nullptr; // not distributed: rank 0 alone
  const SizeResult r = find_sample_size(loader, args.design, args.target, args.min_n, args.max_n,
                                        args.step, options);
  if (args.run.json)
    std::cout << to_json(SizeAnswer{args.design, args.target, args.run.replicates, r.n,
                                    r.power_at_n, r.power_below.value, r.analytic_n});
  else
    print_size(args, r);
}

} // namespace

Command add_size_command(CLI::App& app) {
  auto args = std::make_shared<SizeArgs>();
  CLI::App* cmd =
      app.add_subcommand("size", "Smallest sample size reaching a target power (by simulation)");
  cmd->add_option("scenario", args->run.scenario, "Scenario file (TOML)")->required();
  cmd->add_option("--design", args->design, "Design whose sample_size is searched")->required();
  cmd->add_option("--target-power", args->target, "Target power")->check(CLI::Range(0.01, 0.999));
  cmd->add_option("--min", args->min_n, "Smallest N to consider")->check(CLI::Range(2, 10000000));
  cmd->add_option("--max", args->max_n, "Largest N to consider")->check(CLI::Range(2, 10000000));
  cmd->add_option("--step", args->step, "N moves in steps of this (e.g. the block size)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--reps,-r", args->run.replicates, "Replicates per candidate N")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4'000'000'000}));
  add_seed_option(*cmd, args->run.seed);
  cmd->add_option("--threads,-t", args->run.threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--set", args->run.sets, "Override a scenario value: KEY=VALUE");
  cmd->add_flag("--json", args->run.json, "Print JSON");
  cmd->add_flag("--separate-points", args->run.separate_points,
                "Simulate every candidate N on its own: the same answer, slower (a patient-level "
                "fixed design otherwise simulates the N of three bisection steps in one pass)");
  return {cmd, [args](Processes& processes) { search_size(*args, processes); }};
}

} // namespace sepsim::app

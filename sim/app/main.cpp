// The sepsim command line: parses options with CLI11, calls the library and
// maps failures to exit codes (0 ok, 2 usage/scenario, 3 I/O, 70 internal).
#include "distributed.hpp"
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/build_info.hpp"
#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/run/resume.hpp"
#include "sepsim/run/sweep.hpp"
#include "sepsim/stats/boundaries.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitIo = 3;
constexpr int kExitInterrupted = 130;
constexpr int kExitInternal = 70;

std::atomic<bool> g_interrupted{false};
Processes* g_processes = nullptr; // this process among the ranks of the run
extern "C" void on_signal(int) {
  g_interrupted.store(true);
}

struct RunArgs {
  std::string scenario;
  std::uint64_t replicates = 10000;
  std::uint64_t seed = 1;
  int threads = 0;
  std::vector<std::string> sets;
  std::string out;
  bool json = false;
  bool no_progress = false;
  bool null_hypothesis = false;
};

sepsim::Scenario load(const std::string& path, const std::vector<std::string>& sets,
                      bool null_hypothesis = false) {
  return sepsim::scenario_loader(path, sets, null_hypothesis)({});
}

// A progress bar with ETA on stderr, shown only on a terminal and only once a
// run has taken longer than a second.
class ProgressBar {
public:
  explicit ProgressBar(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}
  // A sweep: replicates come in grid points of `per_point`, the first being
  // point `first` (0-based) of `points`.
  void grid(std::uint64_t per_point, std::uint64_t first, std::uint64_t points) {
    per_point_ = per_point;
    first_point_ = first;
    points_ = points;
  }
  void operator()(std::uint64_t done, std::uint64_t total) {

    if (!enabled_) return;
    const double elapsed = seconds();
    if (elapsed < 1.0 && done < total) return;
    if (!shown_ && done == total) return; // finished within a second: stay quiet
    shown_ = true;
    const double fraction = static_cast<double>(done) / static_cast<double>(total);
    const int width = 30;
    const int filled = static_cast<int>(fraction * width);
    const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
    std::string where;
    if (per_point_ > 0) {
      const std::uint64_t point = std::min(first_point_ + done / per_point_ + 1, points_);
      where = "grid point " + std::to_string(point) + "/" + std::to_string(points_);
    } else {
      where = std::to_string(done) + "/" + std::to_string(total) + " replicates";
    }
    std::fprintf(stderr, "\r[%s%s] %3.0f%%  %s  elapsed %.0fs  ETA %.0fs ",
                 std::string(static_cast<std::size_t>(filled), '#').c_str(),
                 std::string(static_cast<std::size_t>(width - filled), '.').c_str(),
                 100.0 * fraction, where.c_str(), elapsed, eta);

    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }

private:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  bool enabled_;
  bool shown_ = false;
  std::uint64_t per_point_ = 0, first_point_ = 0, points_ = 0;

  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// The results path (default under results/), checked writable before any
// work; Ctrl-C and SIGTERM then only set a flag the engine polls.
std::string prepare_output(const RunArgs& args, const std::string& default_name) {
  const std::string out = args.out.empty() ? "results/" + default_name + ".h5" : args.out;
  if (args.out.empty()) std::filesystem::create_directories("results");
  sepsim::check_writable(out);
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  return out;
}

sepsim::RunOptions run_options(const RunArgs& args) {
  sepsim::RunOptions options;
  options.seed = args.seed;
  options.replicates = args.replicates;
  options.threads = args.threads;
  options.exchange = g_processes->exchange();
  return options;
}

int command_run(const RunArgs& args) {
  const sepsim::Scenario scenario = load(args.scenario, args.sets, args.null_hypothesis);
  const sepsim::RunOptions options = run_options(args);
  if (g_processes->worker()) {
    sepsim::serve_point(scenario, options);
    return 0;
  }
  const std::string out = prepare_output(args, scenario.name);
  ProgressBar bar(!args.no_progress);
  const auto start = std::chrono::steady_clock::now();
  const sepsim::RunSummary summary = sepsim::run(scenario, options, std::ref(bar), &g_interrupted);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (g_interrupted.load()) throw sepsim::Interrupted();
  sepsim::write_results(out, summary);

  if (args.json) {
    std::cout << sepsim::to_json(summary);
  } else {
    sepsim::print_table(std::cout, summary);
    std::cout << "\nResults written to " << out << " (" << std::fixed << std::setprecision(1)
              << seconds << " s). Read them back with: sepsim show " << out << "\n";
  }
  return 0;
}

// An interrupted sweep: its completed points were saved for --resume.
class SweepInterrupted : public sepsim::Interrupted {
public:
  using sepsim::Interrupted::Interrupted;
};

// A command line that cannot be carried out as given (exit 2); its message
// begins with the subcommand.
class UsageError : public sepsim::UserError {
public:
  using sepsim::UserError::UserError;
  std::string report() const override { return std::string("sepsim ") + what(); }
};

// Runs the sweep's remaining points. The completed points go to OUT.partial.h5
// at most every two seconds and on Ctrl-C or SIGTERM, so an interrupted or
// killed sweep can be resumed; the results file appears only when all are done.
int finish_sweep(const sepsim::ScenarioLoader& loader, sepsim::RunSummary& summary,
                 const sepsim::RunOptions& options, const RunArgs& args) {
  const std::string out = summary.grid.output, partial = sepsim::partial_path(out);
  ProgressBar bar(!args.no_progress);
  bar.grid(options.replicates, summary.points.size(), summary.grid.points());
  auto last_save = std::chrono::steady_clock::now();
  auto checkpoint = [&](const sepsim::RunSummary& s) {
    const auto now = std::chrono::steady_clock::now();
    if (s.complete() || now - last_save < std::chrono::seconds(2)) return;
    sepsim::write_results(partial, s);
    last_save = now;
  };
  try {
    sepsim::continue_sweep(loader, summary, options, std::ref(bar), &g_interrupted, checkpoint);
  } catch (const sepsim::Interrupted&) {
    sepsim::write_results(partial, summary);
    throw SweepInterrupted("interrupted after " + std::to_string(summary.points.size()) + " of " +
                           std::to_string(summary.grid.points()) +
                           " grid points; they are saved in " + partial + " (no file at " + out +
                           ").\nFinish the sweep with: sepsim sweep --resume " + partial);
  }
  sepsim::write_results(out, summary);
  std::error_code ec;
  std::filesystem::remove(partial, ec);
  if (args.json)
    std::cout << sepsim::to_json(summary);
  else {
    sepsim::print_table(std::cout, summary);
    std::cout << "\nResults of " << summary.points.size() << " grid points written to " << out
              << "\n";
  }
  return 0;
}

// A grid of values of scenario keys, every point on the same virtual patients.
int command_sweep(const RunArgs& args, const std::vector<std::string>& vary) {
  std::vector<sepsim::Axis> axes;
  for (const auto& v : vary)
    axes.push_back(sepsim::parse_axis(v));
  const auto loader = sepsim::scenario_loader(args.scenario, args.sets, args.null_hypothesis);
  const sepsim::Scenario base = loader({});
  const sepsim::RunOptions options = run_options(args);
  sepsim::RunSummary summary = sepsim::start_sweep(loader, axes, options);
  if (g_processes->worker()) {
    sepsim::serve_sweep(loader, summary, options);
    return 0;
  }
  const std::string out = prepare_output(args, base.name + "-sweep");
  summary.grid.scenario_path = args.scenario;
  summary.grid.sets = args.sets;
  summary.grid.output = out;
  return finish_sweep(loader, summary, options, args);
}

// Finishes an interrupted sweep from its partial file, with the scenario,
// overrides, seed and replicates it was started with.
int command_resume(const std::string& partial, const RunArgs& args) {
  sepsim::RunSummary summary = sepsim::read_results(partial);
  RunArgs resumed = args;
  resumed.out = summary.grid.output;
  sepsim::RunOptions options = run_options(resumed);
  const sepsim::ScenarioLoader loader = sepsim::prepare_resume(summary, partial, options);
  if (g_processes->worker()) {
    sepsim::serve_sweep(loader, summary, options);
    return 0;
  }
  prepare_output(resumed, "");
  if (!args.no_progress)
    std::cerr << "Resuming " << partial << ": " << summary.points.size() << " of "
              << summary.grid.points() << " grid points done.\n";
  const int status = finish_sweep(loader, summary, options, resumed);
  std::error_code ec;
  std::filesystem::remove(partial, ec);
  return status;
}

struct SizeArgs {
  RunArgs run;
  std::string design;
  double target = 0.9;
  int min_n = 20, max_n = 2000, step = 2;
};

// Simulation-based sample size for a target power, with the analytic N beside it.
int command_size(const SizeArgs& args) {
  const auto loader = sepsim::scenario_loader(args.run.scenario, args.run.sets, false);
  sepsim::RunOptions options = run_options(args.run);
  options.exchange = nullptr; // not distributed: rank 0 alone

  const sepsim::SizeResult r = sepsim::find_sample_size(loader, args.design, args.target,
                                                        args.min_n, args.max_n, args.step, options);
  if (args.run.json) {
    std::cout << sepsim::to_json(sepsim::SizeQuery{args.design, args.target, args.run.replicates},
                                 r);
    return 0;
  }
  std::printf("Design %s: smallest sample size with simulated power >= %.3f (%llu trials per N,\n"
              "the same virtual patients at every N)\n",
              args.design.c_str(), args.target,
              static_cast<unsigned long long>(args.run.replicates));
  std::printf("  N = %d: power %.4f ± %.4f;  N = %d: power %.4f ± %.4f\n", r.n, r.power_at_n.value,
              r.power_at_n.mcse, r.n - args.step, r.power_below.value, r.power_below.mcse);
  std::printf("  Normal approximation for the simulated response rates: N = %.1f\n", r.analytic_n);
  std::printf("  Evaluated:");
  for (const auto& [n, p] : r.evaluated)
    std::printf(" %d:%.3f", n, p.value);
  std::printf(
      "\n  (Within Monte Carlo error the answer may move by a step or two: raise --reps.)\n");
  return 0;
}

int command_check(const std::string& path, const std::vector<std::string>& sets) {
  const sepsim::Scenario s = load(path, sets);
  std::cout << (path.empty() ? s.source : path) << ": OK (scenario \"" << s.name << "\", "
            << s.treatments.size() << " treatments, " << s.designs.size() << " design"
            << (s.designs.size() == 1 ? "" : "s") << ")\n";
  return 0;
}

int command_show(const std::string& path, bool json, bool scenario_text) {
  const sepsim::RunSummary summary = sepsim::read_results(path);
  if (json) {
    std::cout << sepsim::to_json(summary);
    return 0;
  }
  const auto& p = summary.provenance;
  std::cout << path << ": sepsim " << p.sepsim_version << " (commit " << p.git_commit << ", "
            << p.compiler << "; Boost " << p.boost_version << ", oneTBB " << p.tbb_version
            << ", HDF5 " << p.hdf5_version << ")\nscenario source: " << p.scenario_source << "\n\n";
  sepsim::print_table(std::cout, summary);
  if (!summary.complete())
    std::cout << "\nAn unfinished sweep: " << summary.points.size() << " of "
              << summary.grid.points() << " grid points. Finish it with: sepsim sweep --resume "
              << path << "\n";
  if (scenario_text) std::cout << "\nScenario (after overrides):\n" << p.scenario_text << "\n";

  return 0;
}

struct BoundaryArgs {
  int looks = 3;
  double alpha = 0.025;
  int sided = 1;
  std::string spending = "obf";
  std::vector<double> info;
  std::vector<double> futility_z;
  std::string futility_spending;
  double beta = 0.1;
  bool binding = false;
  bool json = false;
};

// Group-sequential boundaries by numerical integration, as a table or JSON.
int command_boundaries(const BoundaryArgs& args) {
  sepsim::BoundaryRequest request;
  request.alpha = args.alpha;
  request.sided = args.sided;
  request.efficacy = sepsim::parse_spending(args.spending);
  request.information = args.info;
  if (request.information.empty())
    for (int k = 1; k <= args.looks; ++k)
      request.information.push_back(double(k) / args.looks);
  else if (static_cast<int>(request.information.size()) != args.looks)
    throw sepsim::BoundaryError("--info gives " + std::to_string(request.information.size()) +
                                " fractions for " + std::to_string(args.looks) + " looks");
  if (!args.futility_z.empty()) {
    request.futility = sepsim::FutilityKind::fixed_z;
    request.futility_z = args.futility_z;
  }
  if (!args.futility_spending.empty()) {
    if (!args.futility_z.empty())
      throw sepsim::BoundaryError("give --futility-z or --futility-spending, not both");
    request.futility = sepsim::FutilityKind::beta_spending;
    request.futility_spending = sepsim::parse_spending(args.futility_spending);
  }
  request.beta = args.beta;
  request.binding = args.binding;
  const auto start = std::chrono::steady_clock::now();
  const sepsim::Boundaries b = sepsim::compute_boundaries(request);
  const double ms =
      1e3 * std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (args.json) {
    std::cout << sepsim::to_json(sepsim::BoundariesQuery{args.looks, args.alpha, args.sided,
                                                         sepsim::spending_name(request.efficacy),
                                                         args.binding},
                                 b);
    return 0;
  }
  std::printf("Group-sequential boundaries: %d looks, %s alpha %g, efficacy %s%s\n", args.looks,
              args.sided == 2 ? "two-sided" : "one-sided", args.alpha,
              sepsim::spending_name(request.efficacy).c_str(),
              request.futility == sepsim::FutilityKind::none
                  ? ""
                  : (args.binding ? ", binding futility" : ", non-binding futility"));
  std::printf("%5s %12s %11s %12s %12s %11s\n", "look", "information", "efficacy z", "nominal p",
              "alpha spent", "futility z");
  for (std::size_t k = 0; k < b.information.size(); ++k) {
    std::printf("%5zu %12.4f %11.6f %12.6g %12.6g ", k + 1, b.information[k], b.efficacy_z[k],
                b.nominal_p[k], b.alpha_spent[k]);
    if (std::isfinite(b.futility_z[k]))
      std::printf("%11.6f\n", b.futility_z[k]);
    else
      std::printf("%11s\n", "-");
  }
  if (request.futility == sepsim::FutilityKind::beta_spending)
    std::printf("beta %g: drift %.6f, maximum information %.5f x the fixed design's\n", args.beta,
                b.drift, b.inflation);
  std::printf("(computed by recursive numerical integration in %.2f ms)\n", ms);
  return 0;
}

// Virtual patients as CSV, for inspection and teaching.
int command_cohort(const std::string& path, const std::vector<std::string>& sets, std::uint32_t n,
                   std::uint64_t seed, const std::string& out_path) {
  const sepsim::Scenario s = load(path, sets);
  std::ofstream file;
  if (!out_path.empty()) {
    file.open(out_path);
    if (!file) throw sepsim::IoError("cannot write " + out_path + ": " + std::strerror(errno));
  }
  std::ostream& out = out_path.empty() ? std::cout : file;
  out << "patient,phenotype,label,ferritin_true_ng_per_ml,ferritin_measured_ng_per_ml,"
         "hla_dr_true_per_monocyte,hla_dr_measured_per_monocyte,age_years,female,baseline_sofa";
  for (const auto& t : s.treatments)
    out << ",response_" << t.name << ",death28_" << t.name << ",sofa_change_" << t.name;
  out << "\n";
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto p = sepsim::screen_patient(s.population, s.classifier, seed, 0, 0, i);
    const auto noise = sepsim::draw_patient_noise(s.population, seed, 0, 0, i);
    out << i << ',' << sepsim::kPhenotypeNames[p.phenotype] << ','
        << sepsim::kPhenotypeNames[p.label] << ',' << std::exp(p.log_ferritin_true) << ','
        << std::exp(p.log_ferritin_measured) << ',' << std::exp(p.log_hla_dr_true) << ','
        << std::exp(p.log_hla_dr_measured) << ',' << noise.age_years << ',' << noise.female << ','
        << noise.baseline_sofa;
    for (const auto& t : s.treatments) {
      const auto o = sepsim::outcome_under(s, t, p.phenotype, noise);
      out << ',' << o.response << ',' << o.death28 << ',';
      if (o.early_death)
        out << "NA";
      else
        out << o.sofa_change;
    }
    out << "\n";
  }
  if (!out_path.empty() && !file) throw sepsim::IoError("error while writing " + out_path);
  return 0;
}

// The options run and sweep share; the texts that differ between them.
struct RunOptionTexts {
  const char* reps;
  const char* out;
  const char* json;
};

void add_run_options(CLI::App* cmd, RunArgs& args, const RunOptionTexts& texts) {
  cmd->add_option("--reps,-r", args.replicates, texts.reps)
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{4'000'000'000}));
  cmd->add_option("--seed,-s", args.seed, "Master seed");
  cmd->add_option("--threads,-t", args.threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--set", args.sets, "Override a scenario value: KEY=VALUE (TOML value)");
  cmd->add_option("--out,-o", args.out, texts.out);
  cmd->add_flag("--json", args.json, texts.json);
  cmd->add_flag("--no-progress", args.no_progress, "Never show the progress bar");
  cmd->add_flag("--null", args.null_hypothesis,
                "Make every treatment equal to placebo: power becomes the type I error");
}

int sepsim_main(int argc, char** argv) {
  // Past a file-size limit (ulimit -f) a write fails with EFBIG, like a full
  // disk, instead of killing the process: the error is then reported.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"sepsim: Monte Carlo simulator for precision immunotherapy trials in sepsis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("sepsim ") + "0.1.0");

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "Run a scenario (default: the bundled ImmunoSep)");
  run_cmd->add_option("scenario", run.scenario, "Scenario file (TOML)");
  add_run_options(run_cmd, run,
                  {"Replicates (virtual trials)", "Results file (default results/<scenario>.h5)",
                   "Print the JSON summary on stdout instead of the table"});

  std::string check_path;
  std::vector<std::string> check_sets;
  auto* check_cmd = app.add_subcommand("check", "Validate a scenario; list every problem");
  check_cmd->add_option("scenario", check_path, "Scenario file (TOML)")->required();
  check_cmd->add_option("--set", check_sets, "Override a scenario value: KEY=VALUE");

  std::string show_path;
  bool show_json = false, show_scenario = false;
  auto* show_cmd = app.add_subcommand("show", "Print a results file back");
  show_cmd->add_option("file", show_path, "Results file (.h5)")->required();
  show_cmd->add_flag("--json", show_json, "Print the JSON summary");
  show_cmd->add_flag("--scenario", show_scenario, "Also print the scenario text it was run with");

  std::string cohort_path, cohort_out;
  std::vector<std::string> cohort_sets;
  std::uint32_t cohort_n = 20;
  std::uint64_t cohort_seed = 1;
  auto* cohort_cmd = app.add_subcommand("cohort", "Write virtual patients as CSV");
  cohort_cmd->add_option("scenario", cohort_path, "Scenario file (default: bundled ImmunoSep)");
  cohort_cmd->add_option("-n", cohort_n, "Number of screened patients");
  cohort_cmd->add_option("--seed,-s", cohort_seed, "Master seed");
  cohort_cmd->add_option("--set", cohort_sets, "Override a scenario value: KEY=VALUE");
  cohort_cmd->add_option("--out,-o", cohort_out, "CSV file (default: stdout)");

  RunArgs sweep;
  std::vector<std::string> vary;
  auto* sweep_cmd = app.add_subcommand(
      "sweep", "Run a scenario over a grid of values (same virtual patients at every point)");
  std::string resume;
  sweep_cmd->add_option("scenario", sweep.scenario, "Scenario file (default: bundled ImmunoSep)");
  auto* vary_opt =
      sweep_cmd->add_option("--vary", vary, "KEY=V1,V2,... or KEY=START:STOP:STEP (repeatable)");
  auto* resume_opt = sweep_cmd->add_option(
      "--resume", resume,
      "Finish an interrupted sweep from its FILE.partial.h5 (same scenario, grid, seed, reps)");
  resume_opt->excludes(vary_opt);
  add_run_options(sweep_cmd, sweep,
                  {"Replicates per grid point",
                   "Results file (default results/<scenario>-sweep.h5)",
                   "Print the JSON summary (one entry per point)"});

  SizeArgs size;
  auto* size_cmd =
      app.add_subcommand("size", "Smallest sample size reaching a target power (by simulation)");
  size_cmd->add_option("scenario", size.run.scenario, "Scenario file (TOML)")->required();
  size_cmd->add_option("--design", size.design, "Design whose sample_size is searched")->required();
  size_cmd->add_option("--target-power", size.target, "Target power")
      ->check(CLI::Range(0.01, 0.999));
  size_cmd->add_option("--min", size.min_n, "Smallest N to consider")
      ->check(CLI::Range(2, 10000000));
  size_cmd->add_option("--max", size.max_n, "Largest N to consider")
      ->check(CLI::Range(2, 10000000));
  size_cmd->add_option("--step", size.step, "N moves in steps of this (e.g. the block size)")
      ->check(CLI::Range(1, 1000));
  size_cmd->add_option("--reps,-r", size.run.replicates, "Replicates per candidate N");
  size_cmd->add_option("--seed,-s", size.run.seed, "Master seed");
  size_cmd->add_option("--threads,-t", size.run.threads, "Threads (0: all cores)");
  size_cmd->add_option("--set", size.run.sets, "Override a scenario value: KEY=VALUE");
  size_cmd->add_flag("--json", size.run.json, "Print JSON");

  BoundaryArgs bounds;
  auto* bounds_cmd =
      app.add_subcommand("boundaries", "Group-sequential boundaries (numerical integration)");
  bounds_cmd->add_option("--looks,-k", bounds.looks, "Number of looks")->check(CLI::Range(1, 20));
  bounds_cmd->add_option("--alpha,-a", bounds.alpha, "Alpha (one-sided, or two-sided total)");
  bounds_cmd->add_option("--sided", bounds.sided, "1 or 2")->check(CLI::IsMember({1, 2}));
  bounds_cmd->add_option("--spending", bounds.spending,
                         "obf, pocock, kd:RHO, hsd:GAMMA, user:a1,..,aK (Lan-DeMets spending); "
                         "OF, P, WT:DELTA, HP (classical)");
  bounds_cmd->add_option("--info", bounds.info, "Information fractions t1,...,tK (default equal)")
      ->delimiter(',');
  bounds_cmd->add_option("--futility-z", bounds.futility_z, "Fixed futility z at the interims")
      ->delimiter(',');
  bounds_cmd->add_option("--futility-spending", bounds.futility_spending,
                         "Beta-spending function for futility (e.g. hsd:-2)");
  bounds_cmd->add_option("--beta", bounds.beta, "Type II error for beta spending");
  bounds_cmd->add_flag("--binding", bounds.binding, "Binding futility (efficacy bounds adjusted)");
  bounds_cmd->add_flag("--json", bounds.json, "Print JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  // Only run and sweep are distributed; in a job of several processes the
  // other commands run on rank 0 alone.
  if (g_processes->worker() && !*run_cmd && !*sweep_cmd) return 0;
  try {
    if (*run_cmd) return command_run(run);
    if (*check_cmd) return command_check(check_path, check_sets);
    if (*show_cmd) return command_show(show_path, show_json, show_scenario);
    if (*bounds_cmd) return command_boundaries(bounds);
    if (*sweep_cmd) {
      if (resume.empty()) {
        if (vary.empty()) throw UsageError("sweep: give --vary KEY=VALUES (or --resume FILE)");
        return command_sweep(sweep, vary);
      }
      for (const char* fixed : {"scenario", "--reps", "--seed", "--set", "--null", "--out"})
        if (sweep_cmd->count(fixed) > 0)
          throw UsageError(std::string("sweep --resume: ") + fixed +
                           " comes from the partial file and cannot be changed");
      return command_resume(resume, sweep);
    }

    if (*size_cmd) return command_size(size);
    if (*cohort_cmd)
      return command_cohort(cohort_path, cohort_sets, cohort_n, cohort_seed, cohort_out);
  } catch (const sepsim::UserError& e) {
    std::cerr << e.report() << "\n";
    return kExitUsage;
  } catch (const sepsim::IoError& e) {
    std::cerr << "sepsim: " << e.what() << "\n";
    return kExitIo;
  } catch (const sepsim::Interrupted& e) {
    std::cerr << "\nsepsim: " << e.what() << "\n";
    return kExitInterrupted;
  } catch (const std::exception& e) {
    // stderr itself: on the other ranks std::cerr is silenced.
    std::fprintf(stderr, "sepsim%s: internal error (a bug in sepsim, please report it): %s\n",
                 g_processes->worker() ? (" rank " + std::to_string(g_processes->rank())).c_str()
                                       : "",
                 e.what());
    return kExitInternal;
  }
  return kExitInternal;
}

} // namespace

int main(int argc, char** argv) {
  Processes processes(argc, argv);
  g_processes = &processes;
  // Rank 0 speaks for the job; the others print nothing (every rank meets the
  // same scenario problems, and only rank 0 writes results).
  if (processes.worker()) {
    std::cout.rdbuf(nullptr);
    std::cerr.rdbuf(nullptr);
  }
  const int code = sepsim_main(argc, argv);
  // After a failure on rank 0 the others may be waiting to send: stop them.
  if (code != 0 && processes.ranks() > 1 && !processes.worker()) processes.abort(code);
  return code;
}

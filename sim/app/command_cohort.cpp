// sepsim cohort: virtual patients as CSV, for inspection and teaching: each
// screened patient's biomarkers, label and covariates, and their potential
// outcomes under every treatment (death_day: day of death, NA if alive at day 90).
#include "commands.hpp"
#include "run_args.hpp"
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/files.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

namespace sepsim::app {

namespace {

struct CohortArgs {
  std::string path, out;
  std::vector<std::string> sets;
  std::uint32_t n = 20;
  std::uint64_t seed = 1;
  bool overwrite = false;
};

void write_header(std::ostream& out, const Scenario& s) {
  out << "patient,phenotype,label,ferritin_true_ng_per_ml,ferritin_measured_ng_per_ml,"
         "hla_dr_true_per_monocyte,hla_dr_measured_per_monocyte,age_years,female,baseline_sofa";
  for (const auto& t : s.treatments)
    out << ",response_" << t.name << ",death28_" << t.name << ",sofa_change_" << t.name
        << ",death_day_" << t.name;
  out << "\n";
}

// Patient i of replicate 0 at grid point 0: whom the first replicate of a run
// with this seed screens.
void write_patient(std::ostream& out, const Scenario& s, std::uint64_t seed, std::uint32_t i) {
  const auto p = screen_patient(s.population, s.classifier, seed, 0, 0, i);
  const auto noise = draw_patient_noise(s.population, seed, 0, 0, i);
  out << i << ',' << kPhenotypeNames[p.phenotype] << ',' << kPhenotypeNames[p.label] << ','
      << std::exp(p.log_ferritin_true) << ',' << std::exp(p.log_ferritin_measured) << ','
      << std::exp(p.log_hla_dr_true) << ',' << std::exp(p.log_hla_dr_measured) << ','
      << noise.age_years << ',' << noise.female << ',' << noise.baseline_sofa;
  for (const auto& t : s.treatments) {
    const auto o = outcome_under(s, t, p.phenotype, noise);
    out << ',' << o.response << ',' << o.death28 << ',';
    if (o.early_death)
      out << "NA";
    else
      out << o.sofa_change;
    out << ',';
    if (std::isfinite(o.death_day))
      out << o.death_day;
    else
      out << "NA"; // alive at day 90
  }
  out << "\n";
}

void write_patients(std::ostream& out, const Scenario& s, const CohortArgs& args) {
  write_header(out, s);
  for (std::uint32_t i = 0; i < args.n; ++i)
    write_patient(out, s, args.seed, i);
}

// --out: refused when it is an input or exists (unless --overwrite); written
// beside it and renamed into place, so a failed write leaves no half file.
void write_cohort_file(const CohortArgs& args, const Scenario& s) {
  for (const auto& input : input_files(s, args.path))
    if (same_file(args.out, input))
      throw UsageError("cohort: --out " + args.out + " is " + input +
                       ", the scenario it reads: choose another --out");
  std::error_code ec;
  const auto status = std::filesystem::status(args.out, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw IoError("cannot write " + args.out + ": it exists and is not a regular file");
  if (std::filesystem::exists(std::filesystem::symlink_status(args.out, ec)) && !args.overwrite)
    throw UsageError("cohort: a file exists at " + args.out +
                     ": it is kept; pass --overwrite to replace it, or choose another --out");
  const std::string partial = args.out + ".partial";
  std::ofstream file(partial, std::ios::trunc);
  if (!file) throw IoError("cannot write " + args.out + ": " + std::strerror(errno));
  write_patients(file, s, args);
  file.close();
  if (!file) {
    const int error = errno;
    std::filesystem::remove(partial, ec);
    throw IoError("cannot write " + args.out + ": " + std::strerror(error));
  }
  std::filesystem::rename(partial, args.out, ec);
  if (ec) {
    std::filesystem::remove(partial, ec);
    throw IoError("cannot write " + args.out + ": " + ec.message());
  }
}

void write_cohort(const CohortArgs& args) {
  const Scenario s = load(args.path, args.sets);
  if (!args.out.empty()) return write_cohort_file(args, s);
  write_patients(std::cout, s, args);
}

} // namespace

Command add_cohort_command(CLI::App& app) {
  auto args = std::make_shared<CohortArgs>();
  CLI::App* cmd = app.add_subcommand("cohort", "Write virtual patients as CSV");
  cmd->add_option("scenario", args->path, "Scenario file (default: bundled ImmunoSep)");
  cmd->add_option("-n", args->n, "Number of screened patients")
      ->check(CLI::Range(std::uint32_t{1}, std::uint32_t{100'000'000}));
  add_seed_option(*cmd, args->seed);
  cmd->add_option("--set", args->sets, "Override a scenario value: KEY=VALUE");
  cmd->add_option("--out,-o", args->out, "CSV file (default: stdout)");
  cmd->add_flag("--overwrite", args->overwrite, "Replace an existing --out file");
  return {cmd, [args](Processes&) { write_cohort(*args); }};
}

} // namespace sepsim::app

// The random-number floor of the virtual cohort: draws exactly the random
// numbers that sim/cohort/cohort.cpp draws for a patient of the default
// scenario (same streams, same Boost distributions, same order: screening,
// outcome noise, survival noise and covariates; --check compares them with
// the library's, patient by patient) for the same number of patients, by the
// same means (Boost's normals by their first try inline, core/normal.hpp;
// screening from the streams' first words, sixteen patients' streams at a
// time, and eight patients' screening and noise at once on AVX-512 lanes
// where the CPU has them, sim/cohort/cohort_simd.cpp), and
// does nothing else with them (but the four biomarkers of the screening
// draws, which the library's SIMD screening computes with them). The randomisation list (about a
// word a patient) is not drawn. Enrolled patients are taken as the first of each replicate, so
// every lane of the streams' SIMD blocks is used: a floor.
//
// Usage: sepsim_rng_floor REPLICATES SCREENED_PER_REPLICATE ENROLLED_PER_REPLICATE [SEED]
//        sepsim_rng_floor --check   (the draws equal the library's; ctest rng_floor)
// SCREENED_PER_REPLICATE may be fractional (a mean): replicate r screens
// floor((r+1)s) - floor(rs) patients, so the total matches replicates x s.
// Prints one line: patients=... seconds=... patients_per_second=... checksum=...
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/normal.hpp"
#include "sepsim/core/random.hpp"
#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/stats/tests.hpp"

#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

using sepsim::Stream;
using Uniform = boost::random::uniform_01<double>;

// screen_patient's draws: 1 uniform (phenotype), 2 normals per biomarker x 2
// biomarkers, by the enrolment step's means: from the stream's first words
// when every normal is Boost's first try, else from the stream.
sepsim::ScreeningDraws screening_draws(sepsim::EntityStreams& streams, std::uint32_t patient) {
  sepsim::ScreeningDraws d;
  if (sepsim::screening_first_tries(streams.words(patient), d)) return d;
  Stream stream = streams.stream(patient);
  d.u = Uniform()(stream);
  for (double& z : d.z)
    z = sepsim::normal_draw(stream);
  return d;
}

// cohort.cpp's truncated_normal: rejection, at most 64 tries.
double truncated(double mean, double sd, double lo, double hi, Stream& stream) {
  for (int attempt = 0; attempt < 64; ++attempt)
    if (const double x = sepsim::normal_draw(stream, mean, sd); x >= lo && x <= hi) return x;
  return std::clamp(mean, lo, hi);
}

// draw_patient_noise: from the outcome stream 1 normal (SOFA change), 2
// uniforms (early death, mortality) and one per adverse event; from the
// survival stream 4 uniforms, a normal and a uniform; then, where the
// scenario draws covariates, sex, age, baseline SOFA and site.
sepsim::PatientNoise outcome_draws(const sepsim::Population& p, bool covariates, Stream stream,
                                   Stream survival) {
  // Into locals, then every field at once, as the library does (a
  // PatientNoise filled field by field is first zeroed whole).
  Uniform uniform;
  const double sofa_change_z = sepsim::normal_draw(stream);
  const double early_death_u = uniform(stream), mortality_u = uniform(stream);
  std::array<double, sepsim::kAdverseEvents> adverse_u;
  for (auto& u : adverse_u)
    u = uniform(stream);
  const double death_day_u = uniform(survival), late_death_u = uniform(survival);
  const double late_day_u = uniform(survival), support_u = uniform(survival);
  const double support_z = sepsim::normal_draw(survival), ordinal_u = uniform(survival);
  double age_years = 0.0;
  bool female = false;
  int baseline_sofa = 0, site = 0;
  if (covariates) {
    female = uniform(stream) < p.female_share;
    age_years =
        truncated(p.age_mean_years, p.age_sd_years, p.age_min_years, p.age_max_years, stream);
    baseline_sofa = static_cast<int>(
        std::round(truncated(p.baseline_sofa_mean, p.baseline_sofa_sd, p.baseline_sofa_min - 0.5,
                             p.baseline_sofa_max + 0.5, stream)));
    site = boost::random::uniform_int_distribution<int>(0, p.sites - 1)(stream);
  }
  return {age_years,     female,      baseline_sofa, site,         sofa_change_z,
          early_death_u, mortality_u, death_day_u,   late_death_u, late_day_u,
          support_u,     support_z,   ordinal_u,     adverse_u};
}

double sum(const sepsim::ScreenedPatient& p) {
  return p.log_ferritin_true + p.log_ferritin_measured + p.log_hla_dr_true + p.log_hla_dr_measured +
         static_cast<int>(p.label);
}

double sum(const sepsim::PatientNoise& n) {
  double s = n.sofa_change_z + n.early_death_u + n.mortality_u + n.death_day_u + n.late_death_u +
             n.late_day_u + n.support_u + n.support_z + n.ordinal_u + n.age_years +
             n.baseline_sofa + n.site + n.female;
  for (const double u : n.adverse_u)
    s += u;
  return s;
}

bool near(double a, double b) {
  return std::abs(a - b) <= 1e-12 * (1.0 + std::abs(b));
}

// --check: the floor's draws are the library's, patient by patient (the
// screening draws through the biomarkers they give), for 4 x 500 patients.
int check(const sepsim::Scenario& scenario, bool covariates) {
  const sepsim::Population& pop = scenario.population;
  int bad = 0;
  for (std::uint32_t r = 0; r < 4; ++r) {
    sepsim::EntityStreams screening({7, sepsim::Purpose::patient_screening, 0, r, 0},
                                    sepsim::kScreeningBlocks);
    for (std::uint32_t i = 0; i < 500; ++i) {
      const sepsim::ScreeningDraws d = screening_draws(screening, i);
      const std::array<double, 5> a{d.u, d.z[0], d.z[1], d.z[2], d.z[3]};
      const sepsim::ScreenedPatient p = sepsim::screen_patient(
          pop, scenario.classifier, Stream({7, sepsim::Purpose::patient_screening, 0, r, i}));
      const auto ph = static_cast<std::size_t>(p.phenotype);
      double below = 0.0;
      for (std::size_t k = 0; k < ph; ++k)
        below += pop.prevalence[k];
      bool same =
          a[0] >= below && (ph + 1 == sepsim::kPhenotypes || a[0] < below + pop.prevalence[ph]);
      const double ft = pop.ferritin.log_median[ph] + pop.ferritin.sd_log[ph] * a[1];
      const double ht = pop.hla_dr.log_median[ph] + pop.hla_dr.sd_log[ph] * a[3];
      same = same && near(p.log_ferritin_true, ft) && near(p.log_hla_dr_true, ht) &&
             near(p.log_ferritin_measured,
                  ft + pop.ferritin.assay_mean_log + pop.ferritin.assay_sd_log * a[2]) &&
             near(p.log_hla_dr_measured,
                  ht + pop.hla_dr.assay_mean_log + pop.hla_dr.assay_sd_log * a[4]);
      const sepsim::PatientNoise f =
          outcome_draws(pop, covariates, Stream({7, sepsim::Purpose::patient_outcomes, 0, r, i}),
                        Stream({7, sepsim::Purpose::patient_survival, 0, r, i}));
      const sepsim::PatientNoise l = sepsim::draw_patient_noise(pop, 7, 0, r, i, covariates);
      same = same && f.sofa_change_z == l.sofa_change_z && f.early_death_u == l.early_death_u &&
             f.mortality_u == l.mortality_u && f.adverse_u == l.adverse_u &&
             f.death_day_u == l.death_day_u && f.late_death_u == l.late_death_u &&
             f.late_day_u == l.late_day_u && f.support_u == l.support_u &&
             f.support_z == l.support_z && f.ordinal_u == l.ordinal_u && f.female == l.female &&
             f.age_years == l.age_years && f.baseline_sofa == l.baseline_sofa && f.site == l.site;
      if (!same && ++bad <= 5)
        std::fprintf(stderr, "replicate %u patient %u: the floor's draws differ from sepsim's\n", r,
                     i);
    }
  }
  std::printf("%s: 2000 patients, %d differ (covariates %s)\n", bad == 0 ? "ok" : "FAILED", bad,
              covariates ? "drawn" : "not drawn");
  return bad == 0 ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--check") {
    const sepsim::Scenario scenario = sepsim::load_default_scenario();
    return check(scenario, true) | check(scenario, false);
  }
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr,
                 "usage: %s REPLICATES SCREENED_PER_REPLICATE ENROLLED_PER_REPLICATE [SEED]\n",
                 argv[0]);
    return 2;
  }
  try {
    const auto replicates = static_cast<std::uint32_t>(std::stoul(argv[1]));
    const double screened = std::stod(argv[2]);
    const auto enrolled = static_cast<std::uint32_t>(std::stoul(argv[3]));
    const std::uint64_t seed = argc == 5 ? std::stoull(argv[4]) : 1;
    if (replicates == 0 || !(screened >= enrolled)) {
      std::fprintf(stderr, "need REPLICATES >= 1 and SCREENED >= ENROLLED\n");
      return 2;
    }
    // The default scenario's population, and whether its trials draw
    // covariates (as Observation decides), read before the clock starts.
    const sepsim::Scenario scenario = sepsim::load_default_scenario();
    const sepsim::Design& design = scenario.designs.at(0);
    const bool covariates = sepsim::needs_patient_records(design.analysis.test) ||
                            design.randomisation.uses_covariates() ||
                            scenario.prognostic_covariates();
    using sepsim::Purpose;
    const auto start = std::chrono::steady_clock::now();
    double checksum = 0.0;
    std::uint64_t patients = 0;
    for (std::uint32_t r = 0; r < replicates; ++r) {
      const auto n = static_cast<std::uint32_t>(std::floor((r + 1.0) * screened) -
                                                std::floor(static_cast<double>(r) * screened));
      // The first blocks of eight patients' streams at a time in SIMD lanes,
      // as the enrolment and observation steps compute them.
      sepsim::EntityStreams screening({seed, Purpose::patient_screening, 0, r, 0},
                                      sepsim::kScreeningBlocks, 2 * sepsim::kPhiloxBatch);
      sepsim::EntityStreams outcomes({seed, Purpose::patient_outcomes, 0, r, 0},
                                     covariates ? sepsim::kOutcomeBlocksWithCovariates
                                                : sepsim::kOutcomeBlocks);
      sepsim::EntityStreams survival({seed, Purpose::patient_survival, 0, r, 0},
                                     sepsim::kSurvivalBlocks);
      // Screening eight patients at a time on SIMD lanes where the CPU has
      // them, as the enrolment step does (screen_patients: the draws and the
      // four biomarkers they give, a multiplication and two additions each).
      for (std::uint32_t i = 0; i < n; i += sepsim::kPhiloxBatch) {
        std::array<sepsim::ScreenedPatient, sepsim::kPhiloxBatch> batch;
        sepsim::screen_patients(scenario.population, scenario.classifier, screening, i,
                                batch.data());
        for (std::uint32_t j = 0; j < sepsim::kPhiloxBatch && i + j < n; ++j)
          checksum += sum(batch[j]);
      }
      // An enrolled patient's outcome and survival streams with those of the
      // next seven, in one call, and their draws on SIMD lanes where the CPU
      // has them, as the observation step computes them.
      std::array<std::uint32_t, sepsim::kPhiloxBatch> ids{};
      std::array<sepsim::PatientNoise, sepsim::kPhiloxBatch> noise;
      std::uint32_t ready = 0;
      for (std::uint32_t i = 0; i < enrolled && i < n; ++i) {
        const std::uint32_t lane = i % sepsim::kPhiloxBatch;
        if (lane == 0) {
          for (std::uint32_t j = 0; j < sepsim::kPhiloxBatch; ++j)
            ids[j] = i + j;
          sepsim::EntityStreams::fill_entities(outcomes, survival, ids.data(),
                                               sepsim::kPhiloxBatch);
          ready = sepsim::noise_lanes(scenario.population, outcomes, survival, covariates,
                                      noise.data());
        }
        if ((ready >> lane & 1) == 0)
          noise[lane] = outcome_draws(scenario.population, covariates,
                                      outcomes.lane_stream(lane, i), survival.lane_stream(lane, i));
        checksum += sum(noise[lane]);
      }
      patients += n;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    volatile double sink = checksum;
    std::printf("patients=%llu seconds=%.6f patients_per_second=%.6e checksum=%.17g\n",
                static_cast<unsigned long long>(patients), seconds, patients / seconds,
                static_cast<double>(sink));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sepsim_rng_floor: %s\n", e.what());
    return 1;
  }
}

#include "sepsim/cohort/cohort.hpp"

#include "sepsim/core/normal.hpp"
#include "sepsim/core/select.hpp"

#include "cohort_simd.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace sepsim {

namespace {

// log(measured) = log(median) + sd_log * z_true + log-normal assay error with
// mean 1 on the natural scale: exp(N(-s^2/2, s^2)), s^2 = ln(1 + CV^2).
void biomarker(const Biomarker& b, Phenotype p, double z_true, double z_error, double& log_true,
               double& log_measured) {
  log_true = b.log_median[p] + b.sd_log[p] * z_true;
  log_measured = log_true + b.assay_mean_log + b.assay_sd_log * z_error;
}

Phenotype draw_phenotype(const PerPhenotype& prevalence, double u) {
  double cumulative = 0.0;
  for (int p = 0; p < kPhenotypes - 1; ++p) {
    cumulative += prevalence[p];
    if (u < cumulative) return static_cast<Phenotype>(p);
  }
  return static_cast<Phenotype>(kPhenotypes - 1);
}

double truncated_normal(double mean, double sd, double lo, double hi, Stream& stream) {
  // Rejection keeps the shape; the bounds in practice cut < 0.1% of the mass.
  for (int attempt = 0; attempt < 64; ++attempt) {
    const double x = normal_draw(stream, mean, sd);
    if (x >= lo && x <= hi) return x;
  }
  return std::clamp(mean, lo, hi);
}

} // namespace

ScreenedPatient screen_patient(const Population& population, const Classifier& classifier,
                               std::uint64_t seed, std::uint32_t grid_point,
                               std::uint32_t replicate, std::uint32_t patient) {
  return screen_patient(population, classifier,
                        Stream({seed, Purpose::patient_screening, grid_point, replicate, patient}));
}

ScreenedPatient screen_patient(const Population& population, const Classifier& classifier,
                               Stream stream) {
  ScreeningDraws draws;
  draws.u = boost::random::uniform_01<double>()(stream);
  for (double& z : draws.z)
    z = normal_draw(stream);
  return screened_from(population, classifier, draws);
}

bool screening_first_tries(const std::uint32_t* words, ScreeningDraws& out) {
  // uniform_01 of a 32-bit word: word / 2^32.
  out.u = static_cast<double>(words[0]) * 0x1p-32;
  bool all = true;
  for (std::size_t k = 0; k < out.z.size(); ++k)
    all &= normal_first_try(words[1 + 2 * k], words[2 + 2 * k], out.z[k]);
  return all;
}

void screen_patients(const Population& population, const Classifier& classifier,
                     EntityStreams& streams, std::uint32_t base, ScreenedPatient* out,
                     ScreeningPath path) {
  std::uint32_t done = 0; // the lanes' patients; the others' first tries failed
  const bool lanes = path == ScreeningPath::fastest &&
                     screen_lanes(population, classifier, streams, base, out, done);
  for (std::uint32_t j = 0; j < kPhiloxBatch; ++j) {
    if (done >> j & 1) continue;
    ScreeningDraws draws;
    out[j] = !lanes && screening_first_tries(streams.words(base + j), draws)
                 ? screened_from(population, classifier, draws)
                 : screen_patient(population, classifier, streams.stream(base + j));
  }
}

ScreenedPatient screened_from(const Population& population, const Classifier& classifier,
                              const ScreeningDraws& draws) {
  ScreenedPatient out;
  out.phenotype = draw_phenotype(population.prevalence, draws.u);
  biomarker(population.ferritin, out.phenotype, draws.z[0], draws.z[1], out.log_ferritin_true,
            out.log_ferritin_measured);
  biomarker(population.hla_dr, out.phenotype, draws.z[2], draws.z[3], out.log_hla_dr_true,
            out.log_hla_dr_measured);
  if (out.log_ferritin_measured > classifier.log_mals_ferritin_above)
    out.label = mals;
  else if (out.log_hla_dr_measured < classifier.log_immunoparalysis_hla_dr_below)
    out.label = immunoparalysis;
  else
    out.label = unclassified;
  return out;
}

namespace {
// The draws of the survival stream (the patient's own, so adding it changed
// no other draw), and the covariates drawn last from the outcome stream.
struct SurvivalDraws {
  double death_day_u, late_death_u, late_day_u, support_u, support_z, ordinal_u;
};
SurvivalDraws draw_survival_noise(Stream& stream) {
  boost::random::uniform_01<double> uniform;
  const double death_day_u = uniform(stream), late_death_u = uniform(stream);
  const double late_day_u = uniform(stream), support_u = uniform(stream);
  const double support_z = normal_draw(stream);
  return {death_day_u, late_death_u, late_day_u, support_u, support_z, uniform(stream)};
}

struct Covariates {
  double age_years = 0;
  bool female = false;
  int baseline_sofa = 0, site = 0;
};
Covariates draw_covariates(const Population& population, Stream& stream) {
  Covariates c;
  c.female = boost::random::uniform_01<double>()(stream) < population.female_share;
  c.age_years = truncated_normal(population.age_mean_years, population.age_sd_years,
                                 population.age_min_years, population.age_max_years, stream);
  const double sofa = std::round(truncated_normal(
      population.baseline_sofa_mean, population.baseline_sofa_sd,
      population.baseline_sofa_min - 0.5, population.baseline_sofa_max + 0.5, stream));
  c.baseline_sofa = std::clamp(static_cast<int>(sofa), population.baseline_sofa_min,
                               population.baseline_sofa_max);
  c.site = boost::random::uniform_int_distribution<int>(0, population.sites - 1)(stream);
  return c;
}
} // namespace

PatientNoise draw_patient_noise(const Population& population, std::uint64_t seed,
                                std::uint32_t grid_point, std::uint32_t replicate,
                                std::uint32_t patient, bool covariates) {
  return draw_patient_noise(
      population, Stream({seed, Purpose::patient_outcomes, grid_point, replicate, patient}),
      Stream({seed, Purpose::patient_survival, grid_point, replicate, patient}), covariates);
}

// Every field given at once (a PatientNoise filled field by field was first
// zeroed whole, 128 bytes by `rep stos`: 4% of a patient-level run).
PatientNoise draw_patient_noise(const Population& population, Stream stream, Stream survival,
                                bool covariates) {
  boost::random::uniform_01<double> uniform;
  const double sofa_change_z = normal_draw(stream);
  const double early_death_u = uniform(stream), mortality_u = uniform(stream);
  std::array<double, kAdverseEvents> adverse_u;
  for (auto& u : adverse_u)
    u = uniform(stream);
  const SurvivalDraws d = draw_survival_noise(survival);
  const Covariates c = covariates ? draw_covariates(population, stream) : Covariates{};
  return {c.age_years,   c.female,    c.baseline_sofa, c.site,         sofa_change_z,
          early_death_u, mortality_u, d.death_day_u,   d.late_death_u, d.late_day_u,
          d.support_u,   d.support_z, d.ordinal_u,     adverse_u};
}

namespace {
// P(measured > threshold) on the log scale.
double p_measured_above(const Biomarker& b, Phenotype p, double log_threshold) {
  const double sd = std::sqrt(b.sd_log[p] * b.sd_log[p] + b.assay_sd_log * b.assay_sd_log);
  const double mean = b.log_median[p] + b.assay_mean_log;
  if (sd == 0.0) return mean > log_threshold ? 1.0 : 0.0;
  return boost::math::cdf(boost::math::complement(boost::math::normal(mean, sd), log_threshold));
}
} // namespace

std::array<std::array<double, kPhenotypes>, kPhenotypes>
label_given_phenotype(const Population& population, const Classifier& classifier) {
  std::array<std::array<double, kPhenotypes>, kPhenotypes> out{};
  for (int ph = 0; ph < kPhenotypes; ++ph) {
    const auto phenotype = static_cast<Phenotype>(ph);
    // First match wins: MALS on ferritin, then immunoparalysis on HLA-DR.
    const double f =
        p_measured_above(population.ferritin, phenotype, classifier.log_mals_ferritin_above);
    const double h = 1.0 - p_measured_above(population.hla_dr, phenotype,
                                            classifier.log_immunoparalysis_hla_dr_below);
    out[ph] = {f, (1.0 - f) * h, (1.0 - f) * (1.0 - h)};
  }
  return out;
}

double logistic_risk(double intercept, double log_odds_per_point, int baseline_sofa) {
  return 1.0 / (1.0 + std::exp(-(intercept + log_odds_per_point * baseline_sofa)));
}

double death28_alive_non_responder(const Scenario& scenario, const Treatment& treatment,
                                   Phenotype phenotype, int baseline_sofa) {
  const double beta = scenario.mortality28.sofa_log_odds_per_point;
  if (beta == 0.0) return treatment.death28_if_alive_non_responder[phenotype];
  if (const double* risk = treatment.death28_by_sofa.at(phenotype, baseline_sofa)) return *risk;
  return logistic_risk(treatment.death28_logit_intercept[phenotype], beta, baseline_sofa);
}

double late_death_risk(const Mortality90& m, Phenotype phenotype, int baseline_sofa) {
  if (m.sofa_log_odds_per_point == 0.0) return m.late_death[phenotype];
  if (const double* risk = m.late_death_by_sofa.at(phenotype, baseline_sofa)) return *risk;
  return logistic_risk(m.late_death_logit_intercept[phenotype], m.sofa_log_odds_per_point,
                       baseline_sofa);
}

namespace {
constexpr double kDay9 = 9.0, kDay28 = 28.0;

// The day-9-mediated model: early death (day 0-9), death by day 28 from
// response, phenotype, treatment and baseline SOFA (day 9-28), late death
// (day 28-90) by phenotype; each day uniform within its window. Every
// candidate is computed and the patient's chosen without a branch.
void death_from_response(const Scenario& scenario, const Treatment& treatment, Phenotype phenotype,
                         const PatientNoise& noise, Outcome& o) {
  const double non_responder =
      death28_alive_non_responder(scenario, treatment, phenotype, noise.baseline_sofa);
  const double risk =
      bit_select(o.response, scenario.mortality28.responder[phenotype], non_responder);
  o.death28 = o.early_death | (noise.mortality_u < risk);
  const double within = 1.0 - noise.death_day_u; // in (0, 1]
  const bool late =
      noise.late_death_u < late_death_risk(scenario.mortality90, phenotype, noise.baseline_sofa);
  const double after28 = bit_select(
      late, kDay28 + (kMaxFollowUpDays - kDay28) * (1.0 - noise.late_day_u), o.death_day);
  const double after9 = bit_select(o.death28, kDay9 + (kDay28 - kDay9) * within, after28);
  o.death_day = bit_select(o.early_death, kDay9 * within, after9);
}

// The validation model: an exponential death time, independent of response.
void death_exponential(const Treatment& treatment, Phenotype phenotype, const PatientNoise& noise,
                       Outcome& o) {
  const double hazard = treatment.death_hazard_per_day[phenotype];
  const double day = hazard > 0.0 ? -std::log1p(-noise.mortality_u) / hazard
                                  : std::numeric_limits<double>::infinity();
  if (day <= kMaxFollowUpDays) o.death_day = day;
  o.death28 = o.death_day <= kDay28;
}
} // namespace

double death_probability_by(const Scenario& scenario, const Treatment& treatment,
                            Phenotype phenotype, double day) {
  if (treatment.death_by_day_28)
    return -std::expm1(-treatment.death_hazard_per_day[phenotype] *
                       std::clamp(day, 0.0, kMaxFollowUpDays));
  const double early = treatment.early_death[phenotype];
  if (day <= kDay9) return early * std::max(0.0, day) / kDay9;
  const double by28 =
      treatment.response[phenotype] * scenario.mortality28.responder[phenotype] +
      (1.0 - treatment.response[phenotype]) * scenario.mortality28.non_responder[phenotype];
  if (day <= kDay28) return early + (by28 - early) * (day - kDay9) / (kDay28 - kDay9);
  const double late = treatment.late_death_if_alive28[phenotype] *
                      (std::min(day, kMaxFollowUpDays) - kDay28) / (kMaxFollowUpDays - kDay28);
  return by28 + (1.0 - by28) * late;
}

namespace {
// Organ-support-free days to day 28 and the day-28 ordinal status
// (OrganSupport, OrdinalStatus), or the validation model's status.
void organ_support(const Scenario& scenario, const Treatment& treatment, Phenotype phenotype,
                   const PatientNoise& noise, Outcome& o) {
  const OrganSupport& m = scenario.organ_support;
  if (o.dies_by(kDay28)) {
    o.organ_support_free_days = -1;
  } else if (noise.support_u < m.at_baseline) {
    const double change = o.early_death ? 0.0 : o.sofa_change;
    const double days = m.median_days * std::exp(m.sd_log_days * noise.support_z -
                                                 m.log_days_per_sofa_point * change);
    o.organ_support_free_days = days >= kDay28 ? 0 : static_cast<int>(kDay28 - std::ceil(days));
  }
  if (treatment.ordinal_model()) {
    const std::vector<double>& cumulative = treatment.ordinal_cumulative[phenotype];
    int k = 0;
    while (k + 1 < static_cast<int>(cumulative.size()) && noise.ordinal_u >= cumulative[k])
      ++k;
    o.ordinal_status = k;
    return;
  }
  if (o.organ_support_free_days < 0) return; // status 0: death
  const std::vector<int>& cuts = scenario.ordinal_status.osfd_cut_points;
  int k = 1;
  while (k <= static_cast<int>(cuts.size()) && o.organ_support_free_days >= cuts[k - 1])
    ++k;
  o.ordinal_status = k;
}
} // namespace

Outcome outcome_under(const Scenario& scenario, const Treatment& treatment, Phenotype phenotype,
                      const PatientNoise& noise, bool ordinal) {
  Outcome o;
  respond(scenario, treatment, phenotype, noise, o);
  if (treatment.death_by_day_28)
    death_exponential(treatment, phenotype, noise, o);
  else
    death_from_response(scenario, treatment, phenotype, noise, o);
  for (int a = 0; a < kAdverseEvents; ++a)
    o.adverse[a] = noise.adverse_u[a] < treatment.adverse_events[a];
  o.baseline_sofa = noise.baseline_sofa;
  if (ordinal) organ_support(scenario, treatment, phenotype, noise, o);
  return o;
}

} // namespace sepsim

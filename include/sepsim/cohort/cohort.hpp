// The virtual cohort: one screened patient, and the outcomes that patient
// would have under each treatment (potential outcomes from shared noise).
#pragma once

#include "sepsim/core/random.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <limits>

namespace sepsim {

// What screening sees: the latent phenotype, true and measured biomarkers,
// and the label the classifier gives from the measured values.
// Biomarkers are kept on the natural-log scale (exp() them to read ng/mL and
// antibodies per monocyte): the classifier compares logs, which is cheaper.
struct ScreenedPatient {
  Phenotype phenotype = unclassified;
  Phenotype label = unclassified;
  double log_ferritin_true = 0, log_ferritin_measured = 0; // ln(ng/mL)
  double log_hla_dr_true = 0, log_hla_dr_measured = 0;     // ln(antibodies per monocyte)
};

// Covariates and the noise shared by all potential outcomes of one patient.
struct PatientNoise {
  double age_years = 0;
  bool female = false;
  int baseline_sofa = 0;
  int site = 0;             // 0 .. sites - 1
  double sofa_change_z = 0; // standard normal
  double early_death_u = 0; // uniform
  double mortality_u = 0;   // uniform
  // Day of death within its window (days 0-9, 9-28, 28-90), and late death
  // after day 28: uniforms from the patient's survival stream.
  double death_day_u = 0, late_death_u = 0, late_day_u = 0;
  // Organ support and the validation model's ordinal status: drawn after the
  // day of death from the same stream (so no earlier draw moved).
  double support_u = 0, support_z = 0, ordinal_u = 0;
  std::array<double, kAdverseEvents> adverse_u{};
};

struct Outcome {
  bool early_death = false; // by day 9
  double sofa_change = 0;   // day 1 minus mean of days 2-9 (survivors)
  bool response = false;    // alive at day 9 and change > threshold
  bool death28 = false;
  // Day of death after randomisation (continuous, in (0, 90]); infinity when
  // alive at day 90, the end of the simulated follow-up.
  double death_day = std::numeric_limits<double>::infinity();
  bool dies_by(double day) const { return death_day <= day; }
  int baseline_sofa = 0; // the patient's, a readout for analyses by severity (0: not drawn)
  // Organ-support-free days to day 28 (-1: death by day 28) and the day-28
  // ordinal status (0 = death, worst; Scenario::ordinal_status).
  int organ_support_free_days = 28;
  int ordinal_status = 0;
  std::array<bool, kAdverseEvents> adverse{};
};

// Patient `patient` of replicate `replicate`: a pure function of its identity.
ScreenedPatient screen_patient(const Population& population, const Classifier& classifier,
                               std::uint64_t seed, std::uint32_t grid_point,
                               std::uint32_t replicate, std::uint32_t patient);
// The same from the patient's screening stream (Purpose::patient_screening).
ScreenedPatient screen_patient(const Population& population, const Classifier& classifier,
                               Stream stream);
// Blocks a patient's screening usually draws (a uniform and four normals):
// what EntityStreams computes ahead for each screened patient.
constexpr std::uint32_t kScreeningBlocks = 3;

// A patient's screening draws: the uniform of its phenotype, then the normals
// of true ferritin, its assay error, true HLA-DR and its assay error.
struct ScreeningDraws {
  double u = 0;
  std::array<double, 4> z{};
};
// Those draws from the first kScreeningWords words of the patient's screening
// stream when each normal is Boost's first try (89% of patients);
// false otherwise (screen_patient draws them from the stream).
constexpr std::size_t kScreeningWords = 9;
static_assert(4 * kScreeningBlocks >= kScreeningWords);
bool screening_first_tries(const std::uint32_t* words, ScreeningDraws& out);
// The screened patient from its draws (screen_patient's arithmetic).
ScreenedPatient screened_from(const Population& population, const Classifier& classifier,
                              const ScreeningDraws& draws);
// screen_patient of patients base .. base + kPhiloxBatch - 1 into out, from
// streams (Purpose::patient_screening, kScreeningBlocks blocks): fastest, on
// AVX-512 lanes where the CPU has them (sim/cohort/cohort_simd.cpp), the
// same bits as scalar, one patient after another (the tests compare them).
enum class ScreeningPath { fastest, scalar };
void screen_patients(const Population& population, const Classifier& classifier,
                     EntityStreams& streams, std::uint32_t base, ScreenedPatient* out,
                     ScreeningPath path = ScreeningPath::fastest);

// With covariates = false, age, sex, baseline SOFA and site are left at zero:
// they are drawn last, so skipping them changes no other draw.
PatientNoise draw_patient_noise(const Population& population, std::uint64_t seed,
                                std::uint32_t grid_point, std::uint32_t replicate,
                                std::uint32_t patient, bool covariates = true);
// The same from the patient's outcome and survival streams
// (Purpose::patient_outcomes, Purpose::patient_survival).
PatientNoise draw_patient_noise(const Population& population, Stream outcomes, Stream survival,
                                bool covariates);
// Blocks a patient's outcome stream usually draws (without and with
// covariates), and its survival stream: what EntityStreams computes ahead.
constexpr std::uint32_t kOutcomeBlocks = 2, kOutcomeBlocksWithCovariates = 4;
constexpr std::uint32_t kSurvivalBlocks = 2;
// draw_patient_noise of the entities in lanes 0 .. 7 of the last
// fill_entities of outcomes and survival (Purpose::patient_outcomes and
// patient_survival, kOutcomeBlocks[WithCovariates] and kSurvivalBlocks
// blocks) on AVX-512 lanes (sim/cohort/cohort_simd.cpp) into out: a bit set for each lane whose
// draws are all first tries (then out[j] is draw_patient_noise's, bit for bit); 0 where the CPU has
// no AVX-512.
std::uint32_t noise_lanes(const Population& population, const EntityStreams& outcomes,
                          const EntityStreams& survival, bool covariates, PatientNoise* out);

// P(label | true phenotype) of the classifier in closed form, [phenotype][label]:
// measured log-biomarkers are normal with variance sd_log^2 + s^2.
std::array<std::array<double, kPhenotypes>, kPhenotypes>
label_given_phenotype(const Population& population, const Classifier& classifier);

// 1 / (1 + exp(-(intercept + log_odds_per_point x baseline SOFA))): the
// SOFA-shifted risks below, and their tables (calibrate() fills them with
// this function, so a table entry has the bits of the formula).
double logistic_risk(double intercept, double log_odds_per_point, int baseline_sofa);

// P(death by day 28 | alive at day 9, not responding, baseline SOFA) under
// the treatment, for the true phenotype.
double death28_alive_non_responder(const Scenario& scenario, const Treatment& treatment,
                                   Phenotype phenotype, int baseline_sofa);

// P(death by day 90 | alive at day 28, baseline SOFA), for the true phenotype.
double late_death_risk(const Mortality90& mortality, Phenotype phenotype, int baseline_sofa);

// P(death by `day`) under the treatment for the true phenotype, over the
// baseline SOFA distribution: the expectation of Outcome::dies_by(day).
double death_probability_by(const Scenario& scenario, const Treatment& treatment,
                            Phenotype phenotype, double day);

// With `ordinal` false, the day-28 ordinal status and organ-support-free days
// are not computed (they keep Outcome's defaults): for a trial that neither
// analyses nor reports them (their exp is a tenth of a patient's cost). The
// draws are the same either way.
Outcome outcome_under(const Scenario& scenario, const Treatment& treatment, Phenotype phenotype,
                      const PatientNoise& noise, bool ordinal = true);
// Early death, SOFA change and response (the first part of outcome_under):
// inline, as the harm oracle asks it of most patients, and without a branch
// on the patient's draws (whether a patient responds is a coin flip).
inline void respond(const Scenario& scenario, const Treatment& treatment, Phenotype phenotype,
                    const PatientNoise& noise, Outcome& o) {
  o.early_death = noise.early_death_u < treatment.early_death[phenotype];
  o.sofa_change = treatment.sofa_change_mean[phenotype] +
                  scenario.endpoint.sofa_change_sd * noise.sofa_change_z;
  o.response = !o.early_death & (o.sofa_change > scenario.endpoint.response_threshold_sofa_points);
}
// outcome_under(...).response alone (the harm oracle needs no more).
inline bool responds_under(const Scenario& scenario, const Treatment& treatment,
                           Phenotype phenotype, const PatientNoise& noise) {
  Outcome o;
  respond(scenario, treatment, phenotype, noise, o);
  return o.response;
}

} // namespace sepsim

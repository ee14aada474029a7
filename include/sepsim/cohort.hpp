// The virtual cohort: one screened patient, and the outcomes that patient
// would have under each treatment (potential outcomes from shared noise).
#pragma once

#include "sepsim/random.hpp"
#include "sepsim/scenario.hpp"

namespace sepsim {

// What screening sees: the latent phenotype, true and measured biomarkers,
// and the label the classifier gives from the measured values.
struct ScreenedPatient {
  Phenotype phenotype = unclassified;
  Phenotype label = unclassified;
  double ferritin_true = 0, ferritin_measured = 0; // ng/mL
  double hla_dr_true = 0, hla_dr_measured = 0;     // antibodies per monocyte
};

// Covariates and the noise shared by all potential outcomes of one patient.
struct PatientNoise {
  double age_years = 0;
  bool female = false;
  int baseline_sofa = 0;
  double sofa_change_z = 0; // standard normal
  double early_death_u = 0; // uniform
  double mortality_u = 0;   // uniform
  std::array<double, kAdverseEvents> adverse_u{};
};

struct Outcome {
  bool early_death = false; // by day 9
  double sofa_change = 0;   // day 1 minus mean of days 2-9 (survivors)
  bool response = false;    // alive at day 9 and change > threshold
  bool death28 = false;
  std::array<bool, kAdverseEvents> adverse{};
};

// Patient `patient` of replicate `replicate`: a pure function of its identity.
ScreenedPatient screen_patient(const Population& population, const Classifier& classifier,
                               std::uint64_t seed, std::uint32_t grid_point,
                               std::uint32_t replicate, std::uint32_t patient);

PatientNoise draw_patient_noise(const Population& population, std::uint64_t seed,
                                std::uint32_t grid_point, std::uint32_t replicate,
                                std::uint32_t patient);

Outcome outcome_under(const Scenario& scenario, const Treatment& treatment, Phenotype phenotype,
                      const PatientNoise& noise);

} // namespace sepsim

#include "sepsim/trial.hpp"

#include "sepsim/analysis.hpp"
#include "sepsim/cohort.hpp"
#include "sepsim/randomisation.hpp"

namespace sepsim {

void analyse_replicate(const Design& design, ReplicateResult& r) {
  const ArmCounts& t = r.arms[design.analysis.treatment_arm];
  const ArmCounts& c = r.arms[design.analysis.control_arm];
  const TwoArmCounts counts{static_cast<int>(t.responders), static_cast<int>(t.n),
                            static_cast<int>(c.responders), static_cast<int>(c.n)};
  const TestResult test = analyse(design.analysis, counts);
  r.z = test.z;
  r.reject = test.reject;
  r.difference = test.difference;
  r.ci_low = test.ci_low;
  r.ci_high = test.ci_high;
}

ReplicateResult simulate_trial(const Scenario& scenario, std::size_t design_index,
                               const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  if (design.simulation == Simulation::counts)
    return simulate_trial_counts(scenario, design_index, id);
  Randomiser randomiser(design, Stream({id.seed, Purpose::randomisation, id.grid_point,
                                        id.replicate, static_cast<std::uint32_t>(design_index)}));
  const Arm& treatment_arm = design.arms[design.analysis.treatment_arm];
  const Arm& control_arm = design.arms[design.analysis.control_arm];
  const auto max_screened =
      static_cast<std::uint64_t>(design.sample_size) * kMaxScreenedPerEnrolled;

  ReplicateResult r;
  double true_difference_sum = 0.0;
  std::uint32_t patient = 0;
  while (r.enrolled < static_cast<std::uint32_t>(design.sample_size)) {
    if (patient >= max_screened)
      throw EnrolmentError("design " + design.name + ": screened " + std::to_string(patient) +
                           " patients without enrolling " + std::to_string(design.sample_size) +
                           "; the eligible labels are too rare in this population");
    const ScreenedPatient screened = screen_patient(scenario.population, scenario.classifier,
                                                    id.seed, id.grid_point, id.replicate, patient);
    const std::uint32_t index = patient++;
    if (!design.eligible_label[screened.label]) continue;
    ++r.enrolled;
    ++r.enrolled_label_phenotype[screened.label][screened.phenotype];

    const int arm_index = randomiser.assign(screened.label);
    const Treatment& treatment =
        scenario.treatments[design.arms[arm_index].treatment_by_label[screened.label]];
    const PatientNoise noise =
        draw_patient_noise(scenario.population, id.seed, id.grid_point, id.replicate, index,
                           /*covariates=*/false);
    const Outcome o = outcome_under(scenario, treatment, screened.phenotype, noise);

    ArmCounts& arm = r.arms[arm_index];
    ++arm.n;
    ++arm.n_by_label[screened.label];
    if (o.response) {
      ++arm.responders;
      ++arm.responders_by_label[screened.label];
    }
    arm.deaths28 += o.death28;
    arm.early_deaths += o.early_death;
    for (int a = 0; a < kAdverseEvents; ++a)
      arm.adverse[a] += o.adverse[a];
    arm.matched += treatment.matches_phenotype[screened.phenotype];
    if (scenario.placebo >= 0)
      arm.harmed += !o.response && outcome_under(scenario, scenario.treatments[scenario.placebo],
                                                 screened.phenotype, noise)
                                       .response;

    const auto& t = scenario.treatments[treatment_arm.treatment_by_label[screened.label]];
    const auto& c = scenario.treatments[control_arm.treatment_by_label[screened.label]];
    true_difference_sum += t.response[screened.phenotype] - c.response[screened.phenotype];
  }
  r.screened = patient;
  r.true_difference = true_difference_sum / design.sample_size;

  analyse_replicate(design, r);
  return r;
}

} // namespace sepsim

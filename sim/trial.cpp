#include "sepsim/trial.hpp"

#include "sepsim/analysis.hpp"
#include "sepsim/cohort.hpp"
#include "sepsim/multiplicity.hpp"
#include "sepsim/randomisation.hpp"

namespace sepsim {

void analyse_replicate(const Scenario& scenario, const Design& design, ReplicateResult& r) {
  const Analysis& analysis = design.analysis;
  HypothesisValues p{}, z{};
  HypothesisFlags single{};
  for (std::size_t h = 0; h < analysis.hypotheses.size(); ++h) {
    const Hypothesis& hyp = analysis.hypotheses[h];
    TwoArmCounts counts;
    double true_sum = 0.0, patients = 0.0;
    for (int l = 0; l < kPhenotypes; ++l) {
      if (!hyp.labels[l]) continue;
      const ArmCounts& t = r.arms[hyp.treatment_arm];
      const ArmCounts& c = r.arms[hyp.control_arm];
      counts.x_treatment += static_cast<int>(t.responders_by_label[l]);
      counts.n_treatment += static_cast<int>(t.n_by_label[l]);
      counts.x_control += static_cast<int>(c.responders_by_label[l]);
      counts.n_control += static_cast<int>(c.n_by_label[l]);
      if (!design.eligible_label[l]) continue;
      const Treatment& on_t =
          scenario.treatments[design.arms[hyp.treatment_arm].treatment_by_label[l]];
      const Treatment& on_c =
          scenario.treatments[design.arms[hyp.control_arm].treatment_by_label[l]];
      for (int ph = 0; ph < kPhenotypes; ++ph) {
        const double n = r.enrolled_label_phenotype[l][ph];
        true_sum += n * (on_t.response[ph] - on_c.response[ph]);
        patients += n;
      }
    }
    const TestResult test = analyse(analysis, counts);
    HypothesisResult& out = r.hypotheses[h];
    out.z = test.z;
    out.p = test.p;
    out.difference = test.difference;
    out.ci_low = test.ci_low;
    out.ci_high = test.ci_high;
    out.true_difference = patients > 0 ? true_sum / patients : 0.0;
    p[h] = test.p;
    z[h] = test.z;
    single[h] = test.reject;
  }
  // Alone, a hypothesis keeps its test's own decision (z >= critical value).
  const HypothesisFlags reject = reject_family(analysis, analysis.alpha / analysis.sided, p, z);
  for (std::size_t h = 0; h < analysis.hypotheses.size(); ++h)
    r.hypotheses[h].reject = analysis.multiplicity == Multiplicity::none ? single[h] : reject[h];
}

ReplicateResult simulate_trial(const Scenario& scenario, std::size_t design_index,
                               const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  if (design.simulation == Simulation::counts)
    return simulate_trial_counts(scenario, design_index, id);
  Randomiser randomiser(design, Stream({id.seed, Purpose::randomisation, id.grid_point,
                                        id.replicate, static_cast<std::uint32_t>(design_index)}));
  const auto max_screened =
      static_cast<std::uint64_t>(design.sample_size) * kMaxScreenedPerEnrolled;

  ReplicateResult r;
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
  }
  r.screened = patient;

  analyse_replicate(scenario, design, r);
  return r;
}

} // namespace sepsim

// One patient-level replicate: the pipeline of steps, in order.
#include "sepsim/trial/trial.hpp"

#include "steps.hpp"

namespace sepsim {

ReplicateResult simulate_trial(const Scenario& scenario, std::size_t design_index,
                               const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  if (design.simulation == Simulation::counts) {
    if (design.staged()) return simulate_staged_counts(scenario, design_index, id);
    if (time_to_event_at_count_level(design.analysis.test))
      return simulate_survival_counts(scenario, design_index, id);
    return simulate_trial_counts(scenario, design_index, id);
  }
  if (design.looks && design.looks->by_events())
    return simulate_event_trial(scenario, design_index, id);
  Enrolment enrolment(scenario, design, id);
  Observation observation(scenario, design, id);
  SequentialMonitor monitor(design);
  ReplicateResult r;
  while (r.enrolled < monitor.target()) {
    const std::optional<Candidate> patient = enrolment.next(r); // enrol
    if (!patient) break;
    observation.observe(*patient, r); // randomise and observe every endpoint
    // Looks and re-estimation, once this patient's outcome is in.
    if (monitor.after_enrolment(r) && enrolment.stop_after_current()) break;
  }
  monitor.finish(r);
  r.screened = enrolment.screened();
  r.duration_months = enrolment.duration_months();
  record_arm_imbalance(design, r);
  observation.record_covariate_imbalance(r);
  analyse_replicate(scenario, design, r, observation.records()); // analyse
  decide(design, monitor.decision(), r);                         // decide
  return r;
}

void simulate_trial(const Scenario& scenario, std::size_t design_index, const ReplicateId& id,
                    ReplicateResult& out) {
  const Design& design = scenario.designs[design_index];
  if (design.simulation == Simulation::counts && !design.staged() &&
      !time_to_event_at_count_level(design.analysis.test))
    simulate_trial_counts(scenario, design_index, id, out);
  else
    out = simulate_trial(scenario, design_index, id);
}

} // namespace sepsim

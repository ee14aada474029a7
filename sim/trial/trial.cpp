// One patient-level replicate: the pipeline of steps, in order.
#include "sepsim/trial/trial.hpp"

#include "steps.hpp"

#include <algorithm>
#include <numeric>

namespace sepsim {

namespace {
// The end of a patient-level replicate once enrolment has stopped: the
// re-estimation's combination test, the tallies of screening and balance,
// then analyse and decide (also the end of each prefix of a shared pass).
void finish_trial(const Scenario& scenario, const Design& design, SequentialMonitor& monitor,
                  const Enrolment& enrolment, const Observation& observation, ReplicateResult& r) {
  monitor.finish(r);
  r.screened = enrolment.screened();
  r.duration_months = enrolment.duration_months();
  record_arm_imbalance(design, r);
  observation.record_covariate_imbalance(r);
  analyse_replicate(scenario, design, r, observation.records()); // analyse
  decide(design, monitor.decision(), r);                         // decide
}
} // namespace

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
  Observation observation(scenario, design, id, &enrolment);
  SequentialMonitor monitor(design);
  ReplicateResult r;
  while (r.enrolled < monitor.target()) {
    const std::optional<Candidate> patient = enrolment.next(r); // enrol
    if (!patient) break;
    observation.observe(*patient, r); // randomise and observe every endpoint
    // Looks and re-estimation, once this patient's outcome is in.
    if (monitor.after_enrolment(r) && enrolment.stop_after_current()) break;
  }
  finish_trial(scenario, design, monitor, enrolment, observation, r);
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

bool shares_prefixes(const Design& design) {
  return design.simulation == Simulation::patients && !design.looks && !design.reestimation &&
         !design.selection && !design.quota && !design.accrual;
}

void simulate_trial_prefixes(const std::vector<const Scenario*>& scenarios,
                             std::size_t design_index, const ReplicateId& id,
                             ReplicateResult* const* out) {
  const auto size = [&](std::size_t k) {
    return static_cast<std::uint32_t>(scenarios[k]->designs[design_index].sample_size);
  };
  std::vector<std::size_t> order(scenarios.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return size(a) < size(b); });
  const Scenario& largest = *scenarios[order.back()];
  const Design& design = largest.designs[design_index];
  Enrolment enrolment(largest, design, id);
  Observation observation(largest, design, id, &enrolment);
  ReplicateResult r;
  for (const std::size_t k : order) {
    while (r.enrolled < size(k))
      observation.observe(*enrolment.next(r), r); // no accrual: never empty
    const Design& at = scenarios[k]->designs[design_index];
    // A trial this small would have given up screening sooner: let it say so.
    if (enrolment.screened() > std::uint64_t(at.max_enrolment()) * kMaxScreenedPerEnrolled)
      *out[k] = simulate_trial(*scenarios[k], design_index, id);
    else {
      // A trial of `at` whose patients are the ones enrolled so far.
      *out[k] = r;
      SequentialMonitor monitor(at);
      finish_trial(*scenarios[k], at, monitor, enrolment, observation, *out[k]);
    }
  }
}

} // namespace sepsim

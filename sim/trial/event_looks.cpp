// Event-driven looks (designs.NAME.looks.events), for time-to-event tests with
// an accrual model. Semantics (results/FORMAT.md, "Event-driven looks"):
// - patients enter by the accrual clock (months); a patient's death happens at
//   entry + death_day / 30.4375 months and is observed only when death_day <=
//   follow_up_days (follow-up ends there);
// - look k is held at the calendar time of the events[k]-th observed death
//   among the primary hypothesis's patients; every patient entered by then is
//   analysed with time = min(death_day, follow_up_days, look time - entry) and
//   a death if it was observed by then;
// - the trial stops at the first look whose z reaches the efficacy bound or
//   falls to the harm or futility bound; patients who would enter later are never
//   enrolled. When the planned deaths of a look are never reached, the final
//   analysis (the last look's bound) is held when the last patient's follow-up
//   ends, on the deaths observed (events_not_reached).
// The replicate is simulated in two passes: all sample_size patients, to find
// the look times, then again (the same draws) the patients entered by the
// stopping look, whose tallies and analysis are reported.
#include "steps.hpp"

#include "sepsim/stats/regression.hpp"
#include "sepsim/stats/survival.hpp"

#include <algorithm>
#include <cmath>

namespace sepsim {

namespace {

constexpr double kDaysPerMonth = 365.25 / 12.0; // as the accrual's endpoint delay

thread_local std::vector<double> t_entries, t_deaths;
thread_local std::vector<SurvivalRecord> t_survival;
thread_local std::vector<const PatientRecord*> t_patients;

bool in_hypothesis(const Hypothesis& hyp, const PatientRecord& p) {
  return hyp.labels[p.label] && (p.arm == hyp.treatment_arm || p.arm == hyp.control_arm);
}

} // namespace

double event_look_z(const Design& design, const std::vector<PatientRecord>& records,
                    const std::vector<double>& entry_months, double look_months, int* events) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  std::vector<SurvivalRecord>& survival = t_survival;
  survival.clear();
  std::vector<const PatientRecord*>& patients = t_patients;
  patients.clear();
  int deaths = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const PatientRecord& p = records[i];
    if (entry_months[i] > look_months || !in_hypothesis(hyp, p)) continue;
    const double day = p.death_day;
    // Follow-up ends at follow_up_days or at a loss to follow-up (dropout).
    const double end = std::min(design.follow_up_days, static_cast<double>(p.loss_day));
    const double seen_until = std::min(end, (look_months - entry_months[i]) * kDaysPerMonth);
    // The same calendar time as the look times are found from, so that the
    // death that defines a look counts at it.
    const bool death = day <= end && entry_months[i] + day / kDaysPerMonth <= look_months;
    deaths += death;
    survival.push_back({death ? day : seen_until, death,
                        static_cast<std::uint8_t>(p.arm == hyp.treatment_arm ? 1 : 0),
                        static_cast<std::uint8_t>(p.label)});
    patients.push_back(&p);
  }
  if (events != nullptr) *events = deaths;
  bool failed = false;
  if (design.analysis.test == TestKind::cox) return adjusted_cox_z(survival, patients, failed);
  const LogrankResult test =
      logrank(survival, design.analysis.test == TestKind::logrank_stratified);
  return test.failed ? 0.0 : test.z;
}

EventLookResult run_event_looks(const Design& design, const std::vector<PatientRecord>& records,
                                const std::vector<double>& entry_months) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  const Looks& looks = *design.looks;
  // Calendar times of the observed deaths, and the end of everyone's follow-up.
  std::vector<double>& deaths = t_deaths;
  deaths.clear();
  double last_follow_up = 0.0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const double day = records[i].death_day;
    const double end = std::min(design.follow_up_days, static_cast<double>(records[i].loss_day));
    const bool death = day <= end;
    last_follow_up =
        std::max(last_follow_up, entry_months[i] + (death ? day : end) / kDaysPerMonth);
    if (death && in_hypothesis(hyp, records[i]))
      deaths.push_back(entry_months[i] + day / kDaysPerMonth);
  }
  std::sort(deaths.begin(), deaths.end());
  EventLookResult out;
  const std::size_t last = looks.count() - 1;
  for (std::size_t k = 0; k <= last; ++k) {
    const auto needed = static_cast<std::size_t>(looks.events[k]);
    out.not_reached = needed > deaths.size();
    // Planned deaths never reached: the final analysis at the end of follow-up.
    out.look = out.not_reached ? last : k;
    out.time_months = out.not_reached ? last_follow_up : deaths[needed - 1];
    out.z = event_look_z(design, records, entry_months, out.time_months, &out.events);
    out.verdict = interim_decision(design, out.look, out.z);
    if (out.verdict != LookVerdict::continue_trial || out.look == last) break;
  }
  out.patients = static_cast<std::uint32_t>(
      std::count_if(entry_months.begin(), entry_months.end(),
                    [&](double entry) { return entry <= out.time_months; }));
  return out;
}

ReplicateResult simulate_event_trial(const Scenario& scenario, std::size_t design_index,
                                     const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  const auto planned = static_cast<std::uint32_t>(design.sample_size);
  EventLookResult looks;
  { // Pass 1: every planned patient, with the entry times.
    Enrolment enrolment(scenario, design, id);
    Observation observation(scenario, design, id);
    ReplicateResult all;
    std::vector<double>& entries = t_entries;
    entries.clear();
    while (all.enrolled < planned) {
      const std::optional<Candidate> patient = enrolment.next(all);
      if (!patient) break;
      observation.observe(*patient, all);
      entries.push_back(enrolment.entered_at());
    }
    looks = run_event_looks(design, observation.records(), entries);
  }
  // Pass 2: the same draws, for the patients entered by the stopping look
  // (entry times increase, so they are the first ones).
  Enrolment enrolment(scenario, design, id);
  Observation observation(scenario, design, id);
  ReplicateResult r;
  while (r.enrolled < looks.patients) {
    const std::optional<Candidate> patient = enrolment.next(r);
    if (!patient) break;
    observation.observe(*patient, r);
  }
  r.screened = enrolment.screened();
  r.duration_months = looks.time_months;
  r.events = looks.events;
  r.events_not_reached = looks.not_reached;
  record_arm_imbalance(design, r);
  observation.record_covariate_imbalance(r);
  analyse_replicate(scenario, design, r, observation.records());
  SequentialDecision decision;
  decision.look = static_cast<std::uint8_t>(looks.look);
  decision.efficacy = looks.verdict == LookVerdict::efficacy;
  decision.futility = looks.verdict == LookVerdict::futility;
  decision.harm = looks.verdict == LookVerdict::harm;
  decide(design, decision, r);
  return r;
}

} // namespace sepsim

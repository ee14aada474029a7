// The log-rank z at successive event-driven looks (LookStatistic, steps.hpp).
// At a look at calendar time L, a patient entered at e is analysed with time
// min(death day, end of follow-up, (L - e) days) and a death when it was seen
// by L (event_look_z). Once (L - e) days reach the end of follow-up and the
// death, if any, was seen by L, neither changes at a later look: the patient
// is settled. The settled patients' death times (and censorings before the end
// of follow-up) are kept sorted across looks; each look sorts only the
// patients still followed and merges the two, which gives the same sorted
// times, so the same sums in the same order, as sorting everyone.
#include "steps.hpp"

#include "sepsim/stats/survival.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace sepsim {

namespace {

struct Times {
  std::array<std::vector<double>, 2> deaths, censored; // by group (1 = treatment)
  void clear() {
    for (int g = 0; g < 2; ++g) {
      deaths[g].clear();
      censored[g].clear();
    }
  }
  void sort() {
    for (int g = 0; g < 2; ++g) {
      sort_times(deaths[g].data(), deaths[g].data() + deaths[g].size());
      sort_times(censored[g].data(), censored[g].data() + censored[g].size());
    }
  }
};

struct Buffers {
  Times settled, fresh, recent, look;
};
thread_local Buffers t_buffers;

// a and b ascending into out, ascending.
void merge(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>& out) {
  out.resize(a.size() + b.size());
  std::merge(a.begin(), a.end(), b.begin(), b.end(), out.begin());
}

// b ascending merged into a, ascending (scratch: a buffer).
void merge_into(std::vector<double>& a, const std::vector<double>& b,
                std::vector<double>& scratch) {
  if (b.empty()) return;
  merge(a, b, scratch);
  a.swap(scratch);
}

bool is_logrank(const Design& design) {
  return design.analysis.test == TestKind::logrank;
}

} // namespace

LookStatistic::LookStatistic(const Design& design) : design_(design) {
  restart();
}

void LookStatistic::restart() {
  settled_ = 0;
  settled_at_risk_[0] = settled_at_risk_[1] = 0;
  settled_events_ = 0;
  t_buffers.settled.clear();
}

// Moves the records settled by look_months from the front of the unsettled
// ones into the settled times (a hypothesis's patient at a time, in order,
// up to the first one still followed).
void LookStatistic::settle(const std::vector<PatientRecord>& records,
                           const std::vector<double>& entry_months, double look_months) {
  const Hypothesis& hyp = design_.analysis.hypotheses.front();
  const double follow_up = design_.follow_up_days;
  Times& fresh = t_buffers.fresh;
  fresh.clear();
  for (; settled_ < records.size(); ++settled_) {
    const PatientRecord& p = records[settled_];
    if (!in_hypothesis(hyp, p)) continue;
    const double entry = entry_months[settled_], day = p.death_day;
    const double end = follow_up_end(design_, p);
    const bool death = day <= end;
    if (!(entry <= look_months && (look_months - entry) * kDaysPerMonth >= end &&
          (!death || entry + day / kDaysPerMonth <= look_months)))
      break;
    const int g = p.arm == hyp.treatment_arm ? 1 : 0;
    settled_at_risk_[g] += 1;
    settled_events_ += death;
    if (death)
      fresh.deaths[g].push_back(day);
    else if (end < follow_up) // later censorings follow every death
      fresh.censored[g].push_back(end);
  }
  fresh.sort();
  Times& settled = t_buffers.settled;
  std::vector<double>& scratch = t_buffers.look.deaths[0];
  for (int g = 0; g < 2; ++g) {
    merge_into(settled.deaths[g], fresh.deaths[g], scratch);
    merge_into(settled.censored[g], fresh.censored[g], scratch);
  }
}

double LookStatistic::z(const std::vector<PatientRecord>& records,
                        const std::vector<double>& entry_months, double look_months, int* events) {
  if (!is_logrank(design_))
    return event_look_z(design_, records, entry_months, look_months, events);
  if (!(look_months >= last_look_) || settled_ > records.size()) restart();
  last_look_ = look_months;
  settle(records, entry_months, look_months);
  // The patients still followed at this look, as event_look_z sees them.
  const Hypothesis& hyp = design_.analysis.hypotheses.front();
  const double follow_up = design_.follow_up_days;
  Times& recent = t_buffers.recent;
  recent.clear();
  double at_risk[2] = {settled_at_risk_[0], settled_at_risk_[1]};
  // Latest entry first: the administrative censorings, (look - entry) days,
  // then come in ascending order, so sorting them is one pass.
  for (std::size_t i = records.size(); i-- > settled_;) {
    const PatientRecord& p = records[i];
    if (entry_months[i] > look_months || !in_hypothesis(hyp, p)) continue;
    const SeenAtLook seen = seen_at_look(design_, p, entry_months[i], look_months);
    if (std::isnan(seen.time)) // the log-rank test fails: as event_look_z says
      return event_look_z(design_, records, entry_months, look_months, events);
    const int g = p.arm == hyp.treatment_arm ? 1 : 0;
    at_risk[g] += 1;
    if (seen.death)
      recent.deaths[g].push_back(seen.time);
    else if (seen.time < follow_up) // later censorings follow every death
      recent.censored[g].push_back(seen.time);
  }
  recent.sort();
  const Times& settled = t_buffers.settled;
  Times& look = t_buffers.look;
  SortedFollowUp group[2];
  for (int g = 0; g < 2; ++g) {
    merge(settled.deaths[g], recent.deaths[g], look.deaths[g]);
    merge(settled.censored[g], recent.censored[g], look.censored[g]);
    group[g] = {look.deaths[g].data(), look.deaths[g].size(), look.censored[g].data(),
                look.censored[g].size(), at_risk[g]};
  }
  if (events != nullptr)
    *events = settled_events_ + static_cast<int>(recent.deaths[0].size() + recent.deaths[1].size());
  const LogrankResult test = logrank_sorted(group[0], group[1]);
  return test.failed ? 0.0 : test.z;
}

} // namespace sepsim

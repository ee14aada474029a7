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

#include "sepsim/core/select.hpp"
#include "sepsim/stats/survival.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace sepsim {

namespace {

// Follow-up times in four bins, [2 * death + group] (group 1 = treatment):
// deaths, and censorings before the end of follow-up (later ones follow every
// death). Filled without a branch per patient: a time is written to its bin
// and counted only when kept. Once sorted, each bin ends with +infinity (the
// log-rank walk's sentinel).
struct Times {
  std::array<std::vector<double>, 4> bin;
  std::array<std::size_t, 4> size{};
  void reset(std::size_t capacity) {
    for (auto& b : bin)
      if (b.size() < capacity + 1) b.resize(capacity + 1);
    size = {};
  }
  void add(double time, bool death, int group, bool keep) {
    const int k = 2 * death + group;
    bin[k][size[k]] = time;
    size[k] += keep;
  }
  double* begin(int k) { return bin[k].data(); }
  double* end(int k) { return bin[k].data() + size[k]; }
  void sort() {
    for (int k = 0; k < 4; ++k) {
      sort_times(begin(k), end(k));
      *end(k) = std::numeric_limits<double>::infinity();
    }
  }
};

// The settled patients' times, sorted ([2 * death + group], as Times).
struct Settled {
  std::array<std::vector<double>, 4> sorted;
  void clear() {
    for (auto& s : sorted)
      s.clear();
  }
};

struct Buffers {
  Times fresh, recent;
  Settled settled;
  std::array<std::vector<double>, 4> look;
  std::vector<double> scratch;
};
thread_local Buffers t_buffers;

// a and [b, b_end) ascending (no NaN: the callers' times are numbers) into
// out, ascending: std::merge's order (of equal times, a's first), by two
// merges without a branch in one loop, of the first half from the fronts and
// of the rest from the backs. Each step of a merge waits for the comparison
// of the one before (a branch instead would be mispredicted half the time:
// which array holds the next time is a coin toss), so two independent
// chains take half the time of one.
void merge(const std::vector<double>& a, const double* b, const double* b_end,
           std::vector<double>& out) {
  const std::size_t na = a.size(), nb = static_cast<std::size_t>(b_end - b), n = na + nb;
  out.resize(n);
  if (na == 0 || nb == 0) {
    std::copy(b, b_end, std::copy(a.begin(), a.end(), out.begin()));
    return;
  }
  const double* x = a.data();
  double* to = out.data();
  std::size_t i = 0, j = 0;                // taken from the fronts of a and b
  std::size_t ri = na, rj = nb;            // a[0, ri) and b[0, rj) not taken from the backs
  const auto front = [&](std::size_t at) { // reads stay in bounds once one is used up
    const double u = x[std::min(i, na - 1)], v = b[std::min(j, nb - 1)];
    const bool from_b = (j < nb) & ((i >= na) | (v < u));
    to[at] = bit_select(from_b, v, u);
    i += !from_b;
    j += from_b;
  };
  for (std::size_t s = 0; s < n / 2; ++s) {
    front(s);
    // The largest left: a's when greater (of equal times, b's is the later).
    const double u = x[std::max<std::size_t>(ri, 1) - 1], v = b[std::max<std::size_t>(rj, 1) - 1];
    const bool from_a = (ri > 0) & ((rj == 0) | (u > v));
    to[n - 1 - s] = bit_select(from_a, u, v);
    ri -= from_a;
    rj -= !from_a;
  }
  if (n % 2 != 0) front(n / 2);
}

// A bin's settled times and its sorted fresh ones [first, last) (last[0] is
// +infinity): the fresh ones in place when none is settled, else both merged
// into out, with +infinity after them.
const double* with_settled(const std::vector<double>& settled, const double* first,
                           const double* last, std::vector<double>& out) {
  if (settled.empty()) return first;
  merge(settled, first, last, out);
  out.push_back(std::numeric_limits<double>::infinity());
  return out.data();
}

// The two groups' sorted follow-up from the settled times and the sorted
// fresh ones, sentinels after each array.
void sorted_follow_up(const Settled& settled, Times& fresh, const double at_risk[2],
                      std::array<std::vector<double>, 4>& merged, SortedFollowUp group[2]) {
  const double* times[4];
  for (int k = 0; k < 4; ++k)
    times[k] = with_settled(settled.sorted[k], fresh.begin(k), fresh.end(k), merged[k]);
  for (int g = 0; g < 2; ++g) {
    const std::size_t deaths = settled.sorted[2 + g].size() + fresh.size[2 + g];
    const std::size_t censored = settled.sorted[g].size() + fresh.size[g];
    group[g] = {times[2 + g], deaths, times[g], censored, at_risk[g], true};
  }
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
  fresh.reset(records.size() - settled_);
  // Counted in registers, added to the members once: integers, exact in doubles.
  std::size_t settled = 0, treated = 0;
  int events = 0;
  for (; settled_ < records.size(); ++settled_) {
    const PatientRecord& p = records[settled_];
    if (!in_hypothesis(hyp, p)) continue;
    const double entry = entry_months[settled_], day = p.death_day;
    const double end = follow_up_end(design_, p);
    const bool death = day <= end;
    // Evaluated in full (no branch on whether the patient died).
    const bool seen = !death | (entry + day / kDaysPerMonth <= look_months);
    if (!((entry <= look_months) & ((look_months - entry) * kDaysPerMonth >= end) & seen)) break;
    const int g = p.arm == hyp.treatment_arm ? 1 : 0;
    ++settled;
    treated += static_cast<std::size_t>(g);
    events += death;
    fresh.add(bit_select(death, day, end), death, g, death || end < follow_up);
  }
  settled_at_risk_[0] += static_cast<double>(settled - treated);
  settled_at_risk_[1] += static_cast<double>(treated);
  settled_events_ += events;
  fresh.sort();
  Settled& kept = t_buffers.settled;
  for (int k = 0; k < 4; ++k) {
    if (fresh.size[k] == 0) continue;
    merge(kept.sorted[k], fresh.begin(k), fresh.end(k), t_buffers.scratch);
    kept.sorted[k].swap(t_buffers.scratch);
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
  recent.reset(records.size() - settled_);
  std::size_t followed = 0, treated = 0; // counted in registers
  // Latest entry first: the administrative censorings, (look - entry) days,
  // then come in ascending order, so sorting them is one pass.
  for (std::size_t i = records.size(); i-- > settled_;) {
    const PatientRecord& p = records[i];
    if (entry_months[i] > look_months || !in_hypothesis(hyp, p)) continue;
    const SeenAtLook seen = seen_at_look(design_, p, entry_months[i], look_months);
    if (std::isnan(seen.time)) // the log-rank test fails: as event_look_z says
      return event_look_z(design_, records, entry_months, look_months, events);
    const int g = p.arm == hyp.treatment_arm ? 1 : 0;
    ++followed;
    treated += static_cast<std::size_t>(g);
    recent.add(seen.time, seen.death, g, seen.death || seen.time < follow_up);
  }
  const double at_risk[2] = {settled_at_risk_[0] + static_cast<double>(followed - treated),
                             settled_at_risk_[1] + static_cast<double>(treated)};
  recent.sort();
  SortedFollowUp group[2];
  sorted_follow_up(t_buffers.settled, recent, at_risk, t_buffers.look, group);
  if (events != nullptr)
    *events = settled_events_ + static_cast<int>(recent.size[2] + recent.size[3]);
  const LogrankResult test = logrank_sorted(group[0], group[1]);
  return test.failed ? 0.0 : test.z;
}

bool LookStatistic::final_follow_up(const std::vector<PatientRecord>& records,
                                    SortedFollowUp group[2]) {
  if (!is_logrank(design_) || settled_ > records.size()) return false;
  const Hypothesis& hyp = design_.analysis.hypotheses.front();
  const double follow_up = design_.follow_up_days;
  Times& rest = t_buffers.recent;
  rest.reset(records.size() - settled_);
  std::size_t followed = 0, treated = 0; // counted in registers
  for (std::size_t i = settled_; i < records.size(); ++i) {
    const PatientRecord& p = records[i];
    if (!in_hypothesis(hyp, p)) continue;
    const double day = p.death_day, end = follow_up_end(design_, p);
    const bool death = day <= end;
    const double time = bit_select(death, day, end);
    if (std::isnan(time)) return false;
    const int g = p.arm == hyp.treatment_arm ? 1 : 0;
    ++followed;
    treated += static_cast<std::size_t>(g);
    rest.add(time, death, g, death || end < follow_up);
  }
  const double at_risk[2] = {settled_at_risk_[0] + static_cast<double>(followed - treated),
                             settled_at_risk_[1] + static_cast<double>(treated)};
  rest.sort();
  sorted_follow_up(t_buffers.settled, rest, at_risk, t_buffers.look, group);
  return true;
}

} // namespace sepsim

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
// The replicate's patients are simulated in entry order until the stopping
// look: each look is held once a patient enters after its death, and the
// tallies and analysis reported are those of the patients entered by the
// stopping look (as if all sample_size patients were simulated to find the
// look times, then the ones entered by the stopping look again).
#include "steps.hpp"

#include "sepsim/cohort/calibration.hpp"
#include "sepsim/stats/regression.hpp"
#include "sepsim/stats/survival.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace sepsim {

namespace {

thread_local std::vector<double> t_entries, t_deaths, t_bucket;
thread_local std::vector<SurvivalRecord> t_survival;
thread_local std::vector<const PatientRecord*> t_patients;

} // namespace

double event_look_z(const Design& design, const std::vector<PatientRecord>& records,
                    const std::vector<double>& entry_months, double look_months, int* events) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  std::vector<SurvivalRecord>& survival = t_survival;
  survival.clear();
  std::vector<const PatientRecord*>& patients = t_patients;
  patients.clear();
  int deaths = 0;
  const bool cox = design.analysis.test == TestKind::cox; // needs the patients' covariates
  for (std::size_t i = 0; i < records.size(); ++i) {
    const PatientRecord& p = records[i];
    if (entry_months[i] > look_months || !in_hypothesis(hyp, p)) continue;
    const SeenAtLook seen = seen_at_look(design, p, entry_months[i], look_months);
    deaths += seen.death;
    survival.push_back({seen.time, seen.death,
                        static_cast<std::uint8_t>(p.arm == hyp.treatment_arm ? 1 : 0),
                        static_cast<std::uint8_t>(p.label)});
    if (cox) patients.push_back(&p);
  }
  if (events != nullptr) *events = deaths;
  bool failed = false;
  if (cox) return adjusted_cox_z(survival, patients, failed);
  const LogrankResult test =
      logrank(survival, design.analysis.test == TestKind::logrank_stratified);
  return test.failed ? 0.0 : test.z;
}

namespace {

// The calendar time of the needed-th observed death, found as patients enter
// in order (entries never decrease and a patient dies after entering, so once
// one has entered at e, every death before e is known). The deaths are kept in
// the order written and counted per calendar bucket (a ring: a death is at
// most the follow-up after its patient's entry); the buckets wholly before the
// latest entry are counted, and the needed-th death is looked for among the
// deaths of the bucket where the count reaches it. Each death is written and
// counted once; nothing is sorted but the deaths of a look's bucket.
class LookClock {
public:
  LookClock(const Design& design, std::size_t needed)
      : deaths_(t_deaths), per_month_(kBuckets * kDaysPerMonth / design.follow_up_days),
        needed_(needed) {
    counts_.fill(0);
  }
  // Another look: the needed-th death from the start.
  void target(std::size_t needed) { needed_ = needed; }
  // Room for n more deaths in add.
  void reserve(std::size_t n) {
    if (size_ + n > deaths_.size()) deaths_.resize(2 * size_ + n + 64);
  }
  // A patient's death at calendar time `month` in bucket(month) (not before
  // the latest entry given to due), counted when observed: written in any
  // case, so that there is no branch on whether the patient died. After
  // reserve.
  void add(double month, std::int64_t in_bucket, bool observed) {
    deaths_[size_] = month;
    size_ += observed;
    counts_[static_cast<std::size_t>(in_bucket) & kMask] += observed;
  }
  void add(double month, bool observed) {
    reserve(1);
    add(month, bucket(month), observed);
  }
  // Whether the needed-th death comes before a patient entering at `entry`
  // in bucket(entry) (entries in increasing order); when it does, time() is
  // its time.
  bool due(double entry, std::int64_t at) {
    if (at == front_ && counted_ + counts_[static_cast<std::size_t>(at) & kMask] < needed_)
      return false;
    return find(entry, at);
  }
  bool due(double entry) { return due(entry, bucket(entry)); }
  double time() const { return time_; }
  // Non-decreasing in the month (so an earlier bucket is an earlier time); an
  // infinite or NaN month (a patient alive, added uncounted) gives 10^18, far
  // past any entry. No branch (a compiler's std::min may branch; whether a
  // patient is alive is as likely as not).
  std::int64_t bucket(double month) const {
#if defined(__SSE2__)
    const double at = _mm_cvtsd_f64(_mm_min_sd(_mm_set_sd(month * per_month_), _mm_set_sd(1e18)));
#else
    const double at = std::min(1e18, month * per_month_);
#endif
    return static_cast<std::int64_t>(at);
  }
  // After the last patient: how many deaths are counted (all before the
  // latest entry), and the others in any order.
  std::size_t counted() const {
    return counted_;
  }
  std::vector<double>& pending() {
    deaths_.resize(size_);
    deaths_.erase(deaths_.begin(), deaths_.begin() + static_cast<std::ptrdiff_t>(first_));
    std::erase_if(deaths_, [&](double month) { return bucket(month) < front_; });
    return deaths_;
  }

private:
  static constexpr double kBuckets = 128;   // a bucket is the follow-up / 128
  static constexpr std::size_t kRing = 256; // > 128 + 2 buckets (rounding)
  static constexpr std::size_t kMask = kRing - 1;
  // The k-th smallest death (1-based) of bucket b.
  double nth(std::int64_t b, std::size_t k) {
    // The deaths before first_ are all in counted buckets.
    while (first_ < size_ && bucket(deaths_[first_]) < front_)
      ++first_;
    std::vector<double>& in = t_bucket;
    in.clear();
    for (std::size_t i = first_; i < size_; ++i)
      if (bucket(deaths_[i]) == b) in.push_back(deaths_[i]);
    const auto at = in.begin() + static_cast<std::ptrdiff_t>(k - 1);
    std::nth_element(in.begin(), at, in.end());
    return *at;
  }
  bool find(double entry, std::int64_t at) {
    for (; front_ < at; ++front_) { // count the buckets wholly before the entry
      if (counted_ == size_) {
        front_ = at;
        break;
      }
      std::uint32_t& count = counts_[static_cast<std::size_t>(front_) & kMask];
      if (counted_ + count >= needed_) {
        time_ = nth(front_, needed_ - counted_);
        return true;
      }
      counted_ += count;
      count = 0;
    }
    const std::size_t in_entry_bucket = counts_[static_cast<std::size_t>(at) & kMask];
    if (counted_ + in_entry_bucket < needed_) return false;
    const double time = nth(at, needed_ - counted_);
    if (!(time < entry)) return false;
    time_ = time;
    return true;
  }
  std::vector<double>& deaths_; // the first size_ are the observed deaths
  std::size_t size_ = 0, first_ = 0;
  std::array<std::uint32_t, kRing> counts_; // pending deaths per bucket (ring)
  double per_month_;
  std::int64_t front_ = 0; // buckets before front_ are counted
  std::size_t counted_ = 0, needed_ = 1;
  double time_ = 0.0;
};

// The calendar time of the patient's death (entry + death day), and whether
// it counts towards the looks: observed (by the end of follow-up) in a
// patient of the primary hypothesis. Both computed in any case: a branch on
// whether the patient died is mispredicted half the time.
struct DeathMonth {
  double month;
  bool counts;
};
DeathMonth death_month(const Design& design, const Hypothesis& hyp, const PatientRecord& p,
                       double entry) {
  const double day = p.death_day;
  // Both evaluated, combined without a branch (Clang's
  // -Wbitwise-instead-of-logical asks for that when a side is a call).
  const bool followed = day <= follow_up_end(design, p);
  const bool included = in_hypothesis(hyp, p);
  const bool counts = followed & included;
  return {entry + day / kDaysPerMonth, counts};
}

double last_follow_up_month(const Design& design, const std::vector<PatientRecord>& records,
                            const std::vector<double>& entry_months) {
  double last_follow_up = 0.0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const double day = records[i].death_day;
    const double end = follow_up_end(design, records[i]);
    last_follow_up =
        std::max(last_follow_up, entry_months[i] + (day <= end ? day : end) / kDaysPerMonth);
  }
  return last_follow_up;
}

// The looks from `first` on, over fully simulated records whose observed
// deaths are the `counted` earliest ones and those at the calendar times
// `deaths` (in any order: reordered here); when a look's deaths are never
// reached, the final analysis is held when everyone's follow-up has ended.
EventLookResult hold_looks(const Design& design, LookStatistic& statistic,
                           const std::vector<PatientRecord>& records,
                           const std::vector<double>& entry_months, std::vector<double>& deaths,
                           std::size_t counted, std::size_t first) {
  const Looks& looks = *design.looks;
  EventLookResult out;
  const std::size_t last = looks.count() - 1;
  for (std::size_t k = first; k <= last; ++k) {
    const auto needed = static_cast<std::size_t>(looks.events[k]) - counted; // > 0
    out.not_reached = needed > deaths.size();
    // Planned deaths never reached: the final analysis at the end of follow-up.
    out.look = out.not_reached ? last : k;
    if (!out.not_reached) // the needed-th death in calendar time
      std::nth_element(deaths.begin(), deaths.begin() + static_cast<std::ptrdiff_t>(needed - 1),
                       deaths.end());
    out.time_months =
        out.not_reached ? last_follow_up_month(design, records, entry_months) : deaths[needed - 1];
    out.z = statistic.z(records, entry_months, out.time_months, &out.events);
    out.verdict = interim_decision(design, out.look, out.z);
    if (out.verdict != LookVerdict::continue_trial || out.look == last) break;
  }
  out.patients = static_cast<std::uint32_t>(
      std::count_if(entry_months.begin(), entry_months.end(),
                    [&](double entry) { return entry <= out.time_months; }));
  return out;
}

// The looks due before a patient entering at `entry` (the patients entered so
// far are every one entered by them), from look k on; true, with out, when
// one of them stops the trial.
bool look_before(const Design& design, LookStatistic& statistic,
                 const std::vector<PatientRecord>& records, const std::vector<double>& entry_months,
                 LookClock& clock, double entry, std::size_t& k, EventLookResult& out) {
  const Looks& looks = *design.looks;
  const std::size_t last = looks.count() - 1;
  for (; k <= last; ++k) {
    if (!clock.due(entry)) return false;
    const double time = clock.time();
    const double z = statistic.z(records, entry_months, time, &out.events);
    const LookVerdict verdict = interim_decision(design, k, z);
    if (verdict == LookVerdict::continue_trial && k != last) {
      clock.target(static_cast<std::size_t>(looks.events[k + 1]));
      continue;
    }
    out.look = k;
    out.verdict = verdict;
    out.time_months = time;
    out.z = z;
    out.patients = static_cast<std::uint32_t>(entry_months.size());
    return true;
  }
  return false;
}

void report_looks(const Design& design, const EventLookResult& looks, ReplicateResult& r) {
  r.duration_months = looks.time_months;
  r.events = looks.events;
  r.events_not_reached = looks.not_reached;
  record_arm_imbalance(design, r);
}

void decide_looks(const Design& design, const EventLookResult& looks, ReplicateResult& r) {
  SequentialDecision decision;
  decision.look = static_cast<std::uint8_t>(looks.look);
  decision.efficacy = looks.verdict == LookVerdict::efficacy;
  decision.futility = looks.verdict == LookVerdict::futility;
  decision.harm = looks.verdict == LookVerdict::harm;
  decide(design, decision, r);
}

} // namespace

EventLookResult run_event_looks(const Design& design, const std::vector<PatientRecord>& records,
                                const std::vector<double>& entry_months) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  // Calendar times of the observed deaths, and the end of everyone's follow-up.
  std::vector<double>& deaths = t_deaths;
  deaths.clear();
  for (std::size_t i = 0; i < records.size(); ++i) {
    const DeathMonth death = death_month(design, hyp, records[i], entry_months[i]);
    if (death.counts) deaths.push_back(death.month);
  }
  LookStatistic statistic(design);
  return hold_looks(design, statistic, records, entry_months, deaths, 0, 0);
}

EventLookResult run_event_looks_as_drawn(const Design& design, std::vector<PatientRecord>& records,
                                         std::vector<double>& entry_months, std::uint32_t planned,
                                         const DrawPatients& draw, LookStatistic& statistic) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  records.clear();
  entry_months.clear();
  LookClock clock(design, static_cast<std::size_t>(design.looks->events.front()));
  EventLookResult looks;
  std::size_t k = 0;
  constexpr std::size_t kChunk = 64;
  // A chunk's death months and buckets first (no patient's depends on the
  // looks), then the patients in order.
  std::array<double, kChunk> month;
  std::array<std::int64_t, kChunk> month_bucket, entry_bucket;
  std::array<bool, kChunk> counts;
  while (records.size() < planned) {
    const std::size_t from = records.size();
    draw(records, entry_months, std::min<std::size_t>(kChunk, planned - from));
    const std::size_t n = records.size() - from;
    for (std::size_t j = 0; j < n; ++j) {
      const DeathMonth death = death_month(design, hyp, records[from + j], entry_months[from + j]);
      month[j] = death.month;
      counts[j] = death.counts;
      month_bucket[j] = clock.bucket(death.month);
      entry_bucket[j] = clock.bucket(entry_months[from + j]);
    }
    clock.reserve(n);
    for (std::size_t j = 0; j < n; ++j) {
      // The looks due before patient i: the patients after it, drawn ahead,
      // are not seen by a look before their entry (LookStatistic skips them).
      const std::size_t i = from + j;
      if (clock.due(entry_months[i], entry_bucket[j]) &&
          look_before(design, statistic, records, entry_months, clock, entry_months[i], k, looks)) {
        records.resize(i); // the trial ends before patient i
        entry_months.resize(i);
        looks.patients = static_cast<std::uint32_t>(i);
        return looks;
      }
      clock.add(month[j], month_bucket[j], counts[j]);
    }
  }
  return hold_looks(design, statistic, records, entry_months, clock.pending(), clock.counted(), k);
}

namespace {

// Two passes: all sample_size patients, to find the look times, then again
// (the same draws) the patients entered by the stopping look. Kept for designs
// that exclude patients after randomisation (they have no record).
ReplicateResult simulate_two_passes(const Scenario& scenario, const Design& design,
                                    const ReplicateId& id) {
  const auto planned = static_cast<std::uint32_t>(design.sample_size);
  EventLookResult looks;
  { // Pass 1: every planned patient, with the entry times.
    Enrolment enrolment(scenario, design, id);
    Observation observation(scenario, design, id, &enrolment);
    ReplicateResult all;
    // Entry times of the analysed patients (one per record) and of everyone
    // enrolled (patients excluded after randomisation have no record).
    std::vector<double>& entries = t_entries;
    entries.clear();
    std::vector<double> enrolled;
    while (all.enrolled < planned) {
      const std::optional<Candidate> patient = enrolment.next(all);
      if (!patient) break;
      const std::size_t analysed = observation.records().size();
      observation.observe(*patient, all);
      enrolled.push_back(enrolment.entered_at());
      if (observation.records().size() > analysed) entries.push_back(enrolled.back());
    }
    looks = run_event_looks(design, observation.records(), entries);
    looks.patients = static_cast<std::uint32_t>(
        std::count_if(enrolled.begin(), enrolled.end(),
                      [&](double entry) { return entry <= looks.time_months; }));
  }
  // Pass 2: the same draws, for the patients entered by the stopping look
  // (entry times increase, so they are the first ones).
  Enrolment enrolment(scenario, design, id);
  Observation observation(scenario, design, id, &enrolment);
  ReplicateResult r;
  while (r.enrolled < looks.patients) {
    const std::optional<Candidate> patient = enrolment.next(r);
    if (!patient) break;
    observation.observe(*patient, r);
  }
  r.screened = enrolment.screened();
  report_looks(design, looks, r);
  observation.record_covariate_imbalance(r);
  analyse_replicate(scenario, design, r, observation.records());
  decide_looks(design, looks, r);
  return r;
}

// Whether a replicate needs the two passes to give what they give: patients
// excluded after randomisation have no record (the passes pair records and
// entry times by position), and screening may fail to fill the trial
// (EnrolmentError) after a stopping look, which only the first pass sees; that
// needs 1000 N screened patients to hold fewer than N eligible ones, a chance
// below e^-200 (Chernoff) with N >= 50, no quota and >= 1% eligible.
bool needs_two_passes(const Scenario& scenario, const Design& design) {
  return (design.dropout && design.dropout->excluded > 0.0) ||
         !needs_patient_records(design.analysis.test) || design.quota || design.sample_size < 50 ||
         eligible_share(scenario.population, design.eligible_label) < 0.01;
}

} // namespace

// One pass: each look is held as soon as a patient enters after its death
// (every patient entered by it is then simulated); the trial ends there when
// the look stops it, before that patient, with the tallies of the two-pass
// definition above (the same patients, the same draws).
ReplicateResult simulate_event_trial(const Scenario& scenario, std::size_t design_index,
                                     const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  if (needs_two_passes(scenario, design)) return simulate_two_passes(scenario, design, id);
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  const auto planned = static_cast<std::uint32_t>(design.sample_size);
  Enrolment enrolment(scenario, design, id);
  Observation observation(scenario, design, id, &enrolment);
  const std::vector<PatientRecord>& records = observation.records();
  std::vector<double>& entries = t_entries;
  entries.clear();
  LookClock clock(design, static_cast<std::size_t>(design.looks->events.front()));
  LookStatistic statistic(design);
  ReplicateResult r;
  EventLookResult looks;
  std::size_t k = 0;
  bool stopped = false;
  while (!stopped && r.enrolled < planned) {
    const std::uint32_t screened = enrolment.screened();
    const std::optional<Candidate> patient = enrolment.next(r);
    if (!patient) break;
    const double entry = enrolment.entered_at();
    stopped = look_before(design, statistic, records, entries, clock, entry, k, looks);
    if (stopped) { // the patient is not enrolled
      enrolment.withdraw(*patient, r);
      r.screened = screened;
      break;
    }
    observation.observe(*patient, r);
    entries.push_back(entry);
    const DeathMonth death = death_month(design, hyp, records.back(), entry);
    clock.add(death.month, death.counts);
  }
  if (!stopped) {
    looks = hold_looks(design, statistic, records, entries, clock.pending(), clock.counted(), k);
    r.screened = enrolment.screened();
    // Every patient is entered by the last look (see look_before).
    if (looks.patients != r.enrolled) return simulate_two_passes(scenario, design, id);
  }
  report_looks(design, looks, r);
  observation.record_covariate_imbalance(r);
  SortedFollowUp sorted[2];
  analyse_replicate(scenario, design, r, records,
                    statistic.final_follow_up(records, entries, sorted) ? sorted : nullptr);
  decide_looks(design, looks, r);
  return r;
}

} // namespace sepsim

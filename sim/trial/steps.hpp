// The steps of a patient-level replicate (sim/trial/trial.cpp runs them in
// order): enrolment, then observation of each randomised patient.
#pragma once

#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/binomial.hpp"
#include "sepsim/core/random.hpp"
#include "sepsim/core/select.hpp"
#include "sepsim/stats/survival.hpp"
#include "sepsim/trial/randomisation.hpp"
#include "sepsim/trial/trial.hpp"

#include <boost/random/exponential_distribution.hpp>

#include <algorithm>
#include <limits>
#include <numeric>
#include <optional>
#include <vector>

namespace sepsim {

// Enrolment times of a Poisson process whose rate ramps up linearly to
// patients_per_month over ramp_up_months, or of piecewise-constant rates.
class AccrualClock {
public:
  AccrualClock(const Accrual& accrual, Stream stream);
  // The next patient's enrolment time, in months.
  double next() { return next(boost::random::exponential_distribution<double>()(stream_)); }
  // The same with the unit exponential given (drawn by the caller, at the
  // count level by inversion of words read from stream()).
  double next(double unit_exponential) {
    hazard_ += unit_exponential;
    if (constant_) return hazard_ / rate_ + ramp_ / 2.0; // inline: it runs per patient
    return ramped_or_piecewise();
  }
  // n enrolment times from n unit exponentials (the time since the last
  // patient in a register, not reloaded after each store into out).
  void next(const double* unit_exponentials, double* out, std::size_t n) {
    if (!constant_) {
      for (std::size_t i = 0; i < n; ++i)
        out[i] = next(unit_exponentials[i]);
      return;
    }
    double hazard = hazard_;
    const double rate = rate_, shift = ramp_ / 2.0;
    for (std::size_t i = 0; i < n; ++i) {
      hazard += unit_exponentials[i];
      out[i] = hazard / rate + shift;
    }
    hazard_ = hazard;
  }
  Stream& stream() { return stream_; }

private:
  double ramped_or_piecewise() const;
  double piecewise() const;
  const Accrual& accrual_;
  double rate_, ramp_, hazard_ = 0.0;
  bool constant_; // one rate, no ramp-up
  Stream stream_;
};

// A screened patient who is to be enrolled.
struct Candidate {
  ScreenedPatient screened;
  std::uint32_t index = 0; // among the screened patients of the replicate
};

// Screening, eligibility, quotas and accrual: who is enrolled next.
class Enrolment {
public:
  Enrolment(const Scenario& scenario, const Design& design, const ReplicateId& id);
  // The next patient to enrol, counted in r's enrolment; none when a stopped
  // trial's pipeline has ended. Throws EnrolmentError when screening cannot
  // fill the trial.
  std::optional<Candidate> next(ReplicateResult& r);
  // Takes the patient next() returned last out of r's enrolment (the trial
  // ended before it entered).
  void withdraw(const Candidate& patient, ReplicateResult& r) const;
  // A look stopped the trial at the last enrolled patient. With accrual, the
  // patients enrolled until that patient's outcome is known (the pipeline) are
  // still followed (overrunning); returns whether enrolment ends now.
  bool stop_after_current();
  std::uint32_t screened() const { return patient_; }
  // The patients from `first` on (the last one enrolled, within the next
  // kLookAhead screened) whose label is eligible, at most kPhiloxBatch, into
  // out: the patients likely to be enrolled next (a quota may still refuse
  // one). Returns how many.
  std::uint32_t eligible_from(std::uint32_t first, std::uint32_t* out);
  // With accrual: the entry time of the last enrolled patient, in months.
  double entered_at() const { return enrolled_at_; }
  // With accrual: the time of the last outcome, in months; else NaN.
  double duration_months() const;

private:
  bool quota_full(const ReplicateResult& r, Phenotype label) const;
  const Scenario& scenario_;
  const Design& design_;
  ReplicateId id_;
  const ScreenedPatient& screened_at(std::uint32_t patient);
  EntityStreams screening_; // the screened patients' streams, sixteen at a time
  // Patients screened_until_ - kScreenedRing .. screened_until_ - 1 (patient
  // i at i % kScreenedRing), screened kScreenBatch at a time (their streams'
  // lanes fill three AVX-512 register sets), up to kLookAhead ahead.
  static constexpr std::uint32_t kScreenedRing = 64, kScreenBatch = 16, kLookAhead = 24;
  std::array<ScreenedPatient, kScreenedRing> screened_;
  std::uint32_t screened_until_ = 0;
  std::uint64_t eligible_ = 0; // bit i % kScreenedRing: patient i's label is eligible
  std::uint32_t next_eligible(std::uint32_t from);
  std::uint64_t max_screened_;
  std::uint32_t patient_ = 0;
  std::optional<AccrualClock> accrual_;
  double delay_months_ = 0.0, enrolled_at_ = 0.0, last_enrolled_at_ = 0.0;
  std::optional<double> stop_time_;
};

// Randomisation and observation of each enrolled patient: draws the shared
// noise, assigns the arm, reads every endpoint and tallies it, keeps the
// records the analysis needs and the covariate counts of the imbalance.
class Observation {
public:
  // With enrolment: each enrolled patient's streams are computed with those
  // of the next patients it is likely to enrol (Enrolment::eligible_from),
  // not with the next seven screened, most of whom are not enrolled.
  Observation(const Scenario& scenario, const Design& design, const ReplicateId& id,
              Enrolment* enrolment = nullptr);
  void observe(const Candidate& patient, ReplicateResult& r);
  // Imbalance within SOFA >= 10 and sites (NaN when covariates were not drawn).
  void record_covariate_imbalance(ReplicateResult& r) const;
  const std::vector<PatientRecord>& records() const { return records_; }

private:
  void tally_oracle(const Treatment& treatment, Phenotype phenotype, const PatientNoise& noise,
                    const Outcome& outcome, ArmCounts& arm) const;
  bool drop_out(std::uint32_t patient, std::uint32_t lane, std::size_t arm,
                TallyContext& context) const;
  std::uint32_t stream_lane(std::uint32_t patient);
  const Scenario& scenario_;
  const Design& design_;
  ReplicateId id_;
  Randomiser randomiser_;
  bool keep_records_, covariates_;
  // The patients' day-28 ordinal outcomes are computed and tallied: for
  // ordinal tests, patient records and per-trial rows only.
  bool ordinal_;
  Enrolment* enrolment_;
  EntityStreams outcomes_, survival_; // the patients' streams, eight at a time
  EntityStreams dropouts_;            // with a dropout: their first blocks' lanes too
  // With enrolment_: the patients whose streams were computed last (lane j:
  // ahead_[j]), and the lane of the next one.
  std::array<std::uint32_t, kPhiloxBatch> ahead_{};
  std::uint32_t ahead_count_ = 0, ahead_next_ = 0;
  // Their noise where noise_lanes drew it (bit j of noise_ready_: lane j's);
  // the last element: a patient drawn alone.
  std::array<PatientNoise, kPhiloxBatch + 1> noise_;
  std::uint32_t noise_ready_ = 0;
  // Reused across the replicates of a thread.
  std::vector<PatientRecord>& records_;
  std::vector<std::array<double, kMaxArms>>&by_sofa10_, &by_site_;
};

// Count level (sim/trial/trial_counts.cpp): a multinomial by sequential
// conditional binomials (core/binomial.hpp), and the outcomes of the m patients of
// one label x phenotype cell of an arm.
template <std::size_t K>
std::array<std::uint32_t, K> multinomial(Stream& stream, std::uint32_t n,
                                         const std::array<double, K>& p) {
  std::array<std::uint32_t, K> out{};
  double mass = std::accumulate(p.begin(), p.end(), 0.0);
  for (std::size_t k = 0; k < K && n > 0; ++k) {
    if (p[k] <= 0.0) continue;
    out[k] = mass > p[k] ? binomial_draw(stream, n, p[k] / mass) : n;
    n -= out[k];
    mass -= p[k];
  }
  return out;
}
void draw_cell(const Scenario& scenario, const Design& design, const Treatment& t, Phenotype label,
               int ph, std::uint32_t m, Stream& stream, Stream& survival, ArmCounts& arm);

// The end of a count-level replicate: the patients screened (a negative
// binomial number of ineligible ones when `eligible` < 1, from `stream`) and
// the arm imbalance (none within covariates: count level draws none).
void finish_count_level(const Design& design, double eligible, Stream& stream, ReplicateResult& r);

// A count-level replicate of a time-to-event design: each patient's arm, label
// and day of death only (sim/trial/trial_survival_counts.cpp).
ReplicateResult simulate_survival_counts(const Scenario& scenario, std::size_t design_index,
                                         const ReplicateId& id);

// A count-level replicate of a design whose looks test several hypotheses
// (sim/trial/staged.cpp).
ReplicateResult simulate_staged_counts(const Scenario& scenario, std::size_t design_index,
                                       const ReplicateId& id);

inline constexpr double kDaysPerMonth = 365.25 / 12.0; // as the accrual's endpoint delay

// Whether a patient counts in the primary hypothesis (its labels and arms).
inline bool in_hypothesis(const Hypothesis& hyp, const PatientRecord& p) {
  return hyp.labels[p.label] && (p.arm == hyp.treatment_arm || p.arm == hyp.control_arm);
}

// The day a patient's follow-up ends: follow_up_days, or its loss to follow-up.
inline double follow_up_end(const Design& design, const PatientRecord& p) {
  return std::min(design.follow_up_days, static_cast<double>(p.loss_day));
}

// A patient entered at entry_months as a look at look_months sees it: followed
// until min(death, follow_up_days, loss to follow-up, the look), a death when
// it happened by then (in the calendar time the look times are found from, so
// that the death that defines a look counts at it).
struct SeenAtLook {
  double time = 0; // days
  bool death = false;
};
inline SeenAtLook seen_at_look(const Design& design, const PatientRecord& p, double entry_months,
                               double look_months) {
  const double day = p.death_day;
  const double end = follow_up_end(design, p);
  const double seen_until = std::min(end, (look_months - entry_months) * kDaysPerMonth);
  // Both comparisons, and the time chosen by bits, not a branch: whether a
  // patient has died is as likely as not, so a branch on it is mispredicted
  // half the time.
  const bool death = (day <= end) & (entry_months + day / kDaysPerMonth <= look_months);
  return {bit_select(death, day, seen_until), death};
}

// The primary hypothesis's z at the successive event-driven looks of one
// replicate (sim/trial/look_statistic.cpp): event_look_z's numbers, and for
// the unstratified log-rank without revisiting, look after look, the patients
// whose follow-up had ended by an earlier look (their times no longer change)
// nor the deaths seen by one (kept sorted). Looks come in calendar order over
// one replicate's records, more of them appended between looks.
class LookStatistic {
public:
  explicit LookStatistic(const Design& design); // a replicate's first look next
  double z(const std::vector<PatientRecord>& records, const std::vector<double>& entry_months,
           double look_months, int* events);
  // After the looks: the primary hypothesis's patients among records (those
  // of the looks, or the first of them), each followed to its end (no look),
  // sorted as the final log-rank test sorts them: the settled patients' times
  // and the deaths seen kept from the looks, the others' sorted and merged
  // in. group[0] = control, group[1] = treatment, valid until the next call.
  // False (group untouched) when the looks kept no sorted times (not the
  // unstratified log-rank) or a time is not a number.
  bool final_follow_up(const std::vector<PatientRecord>& records,
                       const std::vector<double>& entry_months, SortedFollowUp group[2]);

private:
  void restart();
  void settle(const std::vector<PatientRecord>& records, const std::vector<double>& entry_months,
              double look_months, double previous);
  const Design& design_;
  std::size_t settled_ = 0; // records[0, settled_) are settled or outside the hypothesis
  double settled_at_risk_[2] = {0, 0};
  double last_look_ = -std::numeric_limits<double>::infinity();
};

// The looks over patients drawn in entry order, n at a time, by draw(records,
// entry_months, n) (appends n patients and their entry times): each look is
// held as soon as a patient enters after its death, and a stopping look ends
// the trial there (that patient and those drawn after it are not enrolled:
// drawing ahead changes no draw, each stream being the design's own).
// records and entry_months get the patients entered by the stopping look;
// statistic (new for the replicate) the looks' sorted times
// (LookStatistic::final_follow_up).
using DrawPatients =
    std::function<void(std::vector<PatientRecord>&, std::vector<double>&, std::size_t)>;
EventLookResult run_event_looks_as_drawn(const Design& design, std::vector<PatientRecord>& records,
                                         std::vector<double>& entry_months, std::uint32_t planned,
                                         const DrawPatients& draw, LookStatistic& statistic);

} // namespace sepsim

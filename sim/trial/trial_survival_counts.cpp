// Time-to-event designs at count level (simulation = "counts" with a log-rank
// test): a time-to-event test needs each patient's time, so each enrolled patient
// is still drawn, but only what the analysis and the reported counts need: its
// label x phenotype cell (as the count level's multinomial, one patient at a
// time), its arm from the patient level's randomisation list (Randomiser), its
// entry time (accrual) and its day of death from the same marginal model as the
// patient level:
// - the exponential validation model: an exponential day, and the time since
//   the last entry, by inversion of one word each (core/exponential.hpp), 64
//   patients at a time (generator version 2; PatientDraw);
// - the response model: early death (day uniform in 0-9), response among the
//   day-9 survivors, death by day 28 (uniform in 9-28) at the responder's or
//   the non-responder's risk, late death (uniform in 28-90): the cell's
//   probabilities, averaged over baseline SOFA as the count level's are.
// No biomarkers, covariates or noise of other endpoints are drawn; adverse
// events and harm are drawn per cell as at the count level. Event-driven looks
// run as at the patient level (run_event_looks) on these records.
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/exponential.hpp"
#include "sepsim/core/random.hpp"
#include "sepsim/core/select.hpp"
#include "sepsim/trial/randomisation.hpp"
#include "sepsim/trial/trial.hpp"

#include "steps.hpp"

#include <boost/random/exponential_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include <cmath>
#include <limits>
#include <numeric>

namespace sepsim {

namespace {

constexpr double kDay9 = 9.0, kDay28 = 28.0;
constexpr int kCells = kPhenotypes * kPhenotypes;

thread_local std::vector<PatientRecord> t_records;
thread_local std::vector<double> t_entries;
thread_local std::vector<std::uint32_t> t_bins;

// The patient's day of death (infinity if alive at day 90) and response.
void draw_outcome(const Scenario& scenario, const Treatment& t, int ph, Stream& stream,
                  PatientRecord& p) {
  boost::random::uniform_01<double> uniform;
  constexpr double kAlive = std::numeric_limits<double>::infinity();
  double day = kAlive;
  if (t.death_by_day_28) {
    const double hazard = t.death_hazard_per_day[ph];
    if (hazard > 0.0) day = boost::random::exponential_distribution<double>(hazard)(stream);
    p.response = uniform(stream) < t.response[ph];
    p.alive_day9 = day > kDay9;
  } else {
    const double early = t.early_death[ph];
    const bool early_death = early > 0.0 && uniform(stream) < early;
    p.alive_day9 = !early_death;
    p.response = !early_death && uniform(stream) < t.response[ph] / (1.0 - early);
    const double risk =
        p.response ? scenario.mortality28.responder[ph] : t.death28_if_alive_non_responder[ph];
    const double within = 1.0 - uniform(stream); // in (0, 1]
    if (early_death)
      day = kDay9 * within;
    else if (uniform(stream) < risk)
      day = kDay9 + (kDay28 - kDay9) * within;
    else if (uniform(stream) < t.late_death_if_alive28[ph])
      day = kDay28 + (kMaxFollowUpDays - kDay28) * within;
  }
  p.death_day = static_cast<float>(day <= kMaxFollowUpDays ? day : kAlive);
}

// A patient's cell: by inversion of the normalised shares (no draw when only one cell).
class CellDraw {
public:
  explicit CellDraw(const std::array<double, kCells>& shares) {
    const double total = std::accumulate(shares.begin(), shares.end(), 0.0);
    double sum = 0.0;
    int cells = 0;
    for (int c = 0; c < kCells; ++c) {
      sum += shares[c] / total;
      cumulative_[c] = sum;
      if (shares[c] > 0.0) {
        only_ = c;
        ++cells;
      }
    }
    if (cells > 1) only_ = -1;
  }
  bool draws() const { return only_ < 0; } // a word a patient
  int next(Stream& stream) const {
    if (only_ >= 0) return only_;
    return from_uniform(boost::random::uniform_01<double>()(stream));
  }
  // The first cell c < kCells - 1 with u < cumulative_[c], else the last: as
  // the cumulative shares never decrease, the number of them at or below u,
  // counted without a branch (a patient's label is a surprise 12% of the time
  // in the validation population).
  int from_uniform(double u) const {
    if (only_ >= 0) return only_;
    int c = 0;
    for (int k = 0; k + 1 < kCells; ++k)
      c += cumulative_[k] <= u;
    return c;
  }

private:
  std::array<double, kCells> cumulative_{};
  int only_ = -1;
};

// Whether every treatment the design gives draws its day of death from the
// exponential validation model (death_by_day_28).
bool exponential_model(const Scenario& scenario, const Design& design) {
  for (const auto& arm : design.arms)
    for (int l = 0; l < kPhenotypes; ++l) {
      const int t = arm.treatment_by_label[l];
      if (design.eligible_label[l] && t >= 0 && !scenario.treatments[t].death_by_day_28)
        return false;
    }
  return true;
}

// Patients in enrolment order, each with its entry time (months).
// With the exponential model, patients are drawn in groups of kGroup (from
// the first; generator version 2): the group's cell words (when there is
// more than one cell), day-of-death words and response words, each kind
// together, from the design's count stream, and one entry word a patient from
// the accrual stream; days of death and times between entries are unit
// exponentials by inversion (core/exponential.hpp), a group at a time in
// SIMD lanes. Otherwise (the response model) patient after patient, with
// Boost's distributions.
class PatientDraw {
public:
  static constexpr std::size_t kGroup = 64;
  PatientDraw(const Scenario& scenario, const Design& design, const ReplicateId& id)
      : scenario_(scenario), design_(design),
        stream_({id.seed, Purpose::arm_counts, id.grid_point, id.replicate, design.stream}),
        eligible_(design.enrolled_share), cells_(design.enrolled_cell),
        arms_(
            design, scenario.population.sites,
            Stream({id.seed, Purpose::randomisation, id.grid_point, id.replicate, design.stream})),
        inverted_(exponential_model(scenario, design)) {
    if (!(eligible_ * kMaxScreenedPerEnrolled > 1.0))
      throw EnrolmentError("design " + design.name + ": only " + std::to_string(eligible_) +
                           " of screened patients are eligible; the eligible labels are too "
                           "rare in this population");
    if (design.accrual)
      clock_.emplace(*design.accrual, Stream({id.seed, Purpose::accrual, id.grid_point,
                                              id.replicate, design.stream}));
    if (inverted_) prepare_tables();
  }
  // n more patients onto records, their entry times onto entries (n a
  // multiple of kGroup, or the last patients).
  void append(std::vector<PatientRecord>& records, std::vector<double>& entries, std::size_t n) {
    const std::size_t from = records.size();
    records.resize(from + n);
    entries.resize(from + n);
    if (inverted_) {
      for (std::size_t i = from; i < from + n; i += kGroup)
        append_group(&records[i], &entries[i], std::min(kGroup, from + n - i));
      return;
    }
    for (std::size_t i = from; i < from + n; ++i) {
      PatientRecord& p = records[i];
      place(p, cells_.next(stream_));
      draw_outcome(scenario_, treatment(p), p.phenotype, stream_, p);
    }
    for (std::size_t i = from; i < from + n; ++i)
      entries[i] = clock_ ? clock_->next() : 0.0;
  }
  double eligible() const { return eligible_; }

private:
  const Treatment& treatment(const PatientRecord& p) const {
    return scenario_.treatments[design_.arms[p.arm].treatment_by_label[p.label]];
  }
  // A new patient in cell c, with its arm.
  void place(PatientRecord& p, int c) {
    p = PatientRecord{};
    p.label = static_cast<Phenotype>(c / kPhenotypes);
    p.phenotype = static_cast<Phenotype>(c % kPhenotypes);
    p.arm = static_cast<std::uint8_t>(arms_.assign({p.label, false, 0}));
  }
  // The group's draws into local arrays, the records written last (a byte
  // stored into a record may alias anything, which forces reloads).
  void append_group(PatientRecord* group, double* entries, std::size_t n) {
    constexpr double kAlive = std::numeric_limits<double>::infinity();
    std::array<std::uint32_t, kGroup> words{};
    std::array<double, kGroup> unit, day;
    std::array<int, kGroup> cell, at; // at: arm * kCells + cell
    if (cells_.draws()) {
      stream_.read(words.data(), n);
      for (std::size_t i = 0; i < n; ++i)
        cell[i] = cells_.from_uniform(words[i] * 0x1p-32);
    } else {
      std::fill_n(cell.begin(), n, cells_.from_uniform(0.0)); // the only cell
    }
    for (std::size_t i = 0; i < n; ++i) {
      const auto label = static_cast<Phenotype>(cell[i] / kPhenotypes);
      at[i] = arms_.assign({label, false, 0}) * kCells + cell[i];
    }
    stream_.read(words.data(), n);
    unit_exponentials(words.data(), n, unit.data());
    for (std::size_t i = 0; i < n; ++i) {
      const double hazard = hazard_[static_cast<std::size_t>(at[i])];
      day[i] = hazard > 0.0 ? unit[i] / hazard : kAlive;
    }
    stream_.read(words.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      PatientRecord& p = group[i];
      p = PatientRecord{};
      p.label = static_cast<Phenotype>(cell[i] / kPhenotypes);
      p.phenotype = static_cast<Phenotype>(cell[i] % kPhenotypes);
      p.arm = static_cast<std::uint8_t>(at[i] / kCells);
      p.alive_day9 = day[i] > kDay9;
      p.death_day = static_cast<float>(bit_select(day[i] <= kMaxFollowUpDays, day[i], kAlive));
      p.response = words[i] * 0x1p-32 < response_[static_cast<std::size_t>(at[i])];
    }
    if (!clock_) {
      std::fill_n(entries, n, 0.0);
      return;
    }
    clock_->stream().read(words.data(), n);
    unit_exponentials(words.data(), n, unit.data());
    clock_->next(unit.data(), entries, n);
  }
  // Each (arm, cell)'s hazard of death per day and probability of response.
  void prepare_tables() {
    for (std::size_t a = 0; a < design_.arms.size(); ++a)
      for (int c = 0; c < kCells; ++c) {
        const int t = design_.arms[a].treatment_by_label[c / kPhenotypes];
        if (t < 0) continue; // a label the design does not enrol
        const Treatment& treatment = scenario_.treatments[static_cast<std::size_t>(t)];
        hazard_[a * kCells + static_cast<std::size_t>(c)] =
            treatment.death_hazard_per_day[c % kPhenotypes];
        response_[a * kCells + static_cast<std::size_t>(c)] = treatment.response[c % kPhenotypes];
      }
  }
  const Scenario& scenario_;
  const Design& design_;
  Stream stream_;
  double eligible_; // P(label, phenotype) of a screened patient, derived per design
  CellDraw cells_;  // (Design::enrolled_cell, enrolled_share)
  Randomiser arms_; // the patient level's list: unstratified at count level
  bool inverted_;   // the exponential model: groups, by inversion
  std::array<double, kMaxArms * kCells> hazard_{}, response_{}; // [arm * kCells + cell]
  std::optional<AccrualClock> clock_;
};

// A patient's outcomes as bits of its tally bin (arm, cell, outcomes).
enum : unsigned { kResponse = 1, kDeath28 = 2, kDeath90 = 4, kAliveAtFollowUp = 8, kEarly = 16 };
constexpr unsigned kOutcomes = 32;

// Tallies of the first n patients, and per cell their adverse events and harm:
// each patient counted once in its (arm, cell, outcomes) bin, the bins then
// added into the arms' tallies (integer counts: the same in any order).
void tally(const Scenario& scenario, const Design& design,
           const std::vector<PatientRecord>& records, std::uint32_t n, Stream& stream,
           ReplicateResult& r) {
  const std::size_t arms = design.arms.size();
  std::vector<std::uint32_t>& bins = t_bins;
  bins.assign(arms * kCells * kOutcomes, 0);
  const double follow_up = design.follow_up_days;
  for (std::uint32_t i = 0; i < n; ++i) {
    const PatientRecord& p = records[i];
    const unsigned outcomes = p.response * kResponse + (p.death_day <= kDay28) * kDeath28 +
                              (p.death_day <= kMaxFollowUpDays) * kDeath90 +
                              !(p.death_day <= follow_up) * kAliveAtFollowUp +
                              !p.alive_day9 * kEarly;
    ++bins[(p.arm * kCells + p.label * kPhenotypes + p.phenotype) * kOutcomes + outcomes];
  }
  r.enrolled = n;
  for (std::size_t a = 0; a < arms; ++a)
    for (int c = 0; c < kCells; ++c) {
      const auto label = static_cast<Phenotype>(c / kPhenotypes);
      const int ph = c % kPhenotypes;
      ArmCounts& arm = r.arms[a];
      std::uint32_t m = 0; // the cell's patients
      for (unsigned o = 0; o < kOutcomes; ++o) {
        const std::uint32_t count =
            bins[(a * kCells + static_cast<std::size_t>(c)) * kOutcomes + o];
        m += count;
        arm.response.add(label, o & kResponse ? count : 0);
        arm.death28.add(label, o & kDeath28 ? count : 0);
        arm.death90.add(label, o & kDeath90 ? count : 0);
        arm.alive_at_follow_up.add(label, o & kAliveAtFollowUp ? count : 0);
        arm.early_deaths += o & kEarly ? count : 0;
      }
      arm.add_patients(label, m);
      arm.death_known.add(label, m);
      r.enrolled_label_phenotype[label][ph] += m;
      if (m == 0) continue;
      const Treatment& t = scenario.treatments[design.arms[a].treatment_by_label[label]];
      for (int e = 0; e < kAdverseEvents; ++e)
        r.arms[a].adverse[e] += binomial_draw(stream, m, t.adverse_events[e]);
      r.arms[a].matched += t.matches_phenotype[ph] ? m : 0;
      if (scenario.placebo >= 0)
        r.arms[a].harmed += binomial_draw(stream, m, t.harm_vs_placebo[ph]);
    }
}

} // namespace

ReplicateResult simulate_survival_counts(const Scenario& scenario, std::size_t design_index,
                                         const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  std::vector<PatientRecord>& records = t_records;
  std::vector<double>& entries = t_entries;
  PatientDraw draw(scenario, design, id);
  const double eligible = draw.eligible();
  ReplicateResult r;
  SequentialDecision decision;
  LookStatistic statistic(design);
  bool sorted_by_looks = false;
  SortedFollowUp sorted[2];
  const auto planned = static_cast<std::uint32_t>(design.sample_size);
  if (design.looks) { // event-driven (the reader refuses other looks at count level)
    const EventLookResult looks = run_event_looks_as_drawn(
        design, records, entries, planned,
        [&](std::vector<PatientRecord>& to, std::vector<double>& entry_months, std::size_t n) {
          draw.append(to, entry_months, n);
        },
        statistic);
    records.resize(looks.patients);
    sorted_by_looks = statistic.final_follow_up(records, entries, sorted);
    r.duration_months = looks.time_months;
    r.events = looks.events;
    r.events_not_reached = looks.not_reached;
    decision.look = static_cast<std::uint8_t>(looks.look);
    decision.efficacy = looks.verdict == LookVerdict::efficacy;
    decision.futility = looks.verdict == LookVerdict::futility;
    decision.harm = looks.verdict == LookVerdict::harm;
  } else {
    records.clear();
    entries.clear();
    draw.append(records, entries, planned);
  }
  // Adverse events, harm and the screening count from a stream of their own.
  Stream stream({id.seed, Purpose::arm_counts, id.grid_point, id.replicate, ~design.stream});
  tally(scenario, design, records, static_cast<std::uint32_t>(records.size()), stream, r);
  finish_count_level(design, eligible, stream, r);
  analyse_replicate(scenario, design, r, records, sorted_by_looks ? sorted : nullptr);
  decide(design, decision, r);
  return r;
}

} // namespace sepsim

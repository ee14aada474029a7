// One replicate of one design, as a pipeline of steps:
//   enrol (screening, eligibility, quotas, accrual) -> randomise -> observe
//   (every endpoint of the patient, tallied per arm) -> look / re-estimate
//   -> analyse (every hypothesis, multiplicity) -> decide (in one place).
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/stats/tests.hpp"
#include "sepsim/trial/endpoints.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace sepsim {

// The analysis of one hypothesis in one replicate.
struct HypothesisResult {
  double z = 0;
  double p = 1;          // one-sided, in the direction favouring treatment
  bool reject = false;   // the design's decision (multiplicity, looks or combination test)
  bool failed = false;   // the analysis could not be done (separation, no data): not rejected
  double difference = 0; // estimated treatment - control response rate
  double ci_low = 0, ci_high = 0;
  // Expected treatment - control response probability over the hypothesis's
  // enrolled patients, from their true phenotypes (its estimand in this replicate).
  double true_difference = 0;
  // Secondary: 28-day mortality difference (treatment - control), its 95% Wald
  // interval and expected value, and the one-sided pooled z test of a
  // reduction at the design's alpha (no multiplicity adjustment).
  double mortality_difference = 0, mortality_ci_low = 0, mortality_ci_high = 0;
  double true_mortality_difference = 0;
  bool mortality_reject = false;
  // Treatment-by-label interaction: Cochran's Q of the per-label response
  // differences (labels with patients in both arms), chi-square at alpha.
  bool interaction_reject = false;
  bool interaction_tested = false;
  // Looks with several hypotheses: the stages in which the hypothesis was
  // tested (selection may drop it), and the look that rejected it (0-based;
  // kNever if none).
  static constexpr std::uint8_t kNever = 0xff;
  // Looks with one pooled_z or unpooled_z hypothesis: the estimate adjusted
  // for early stopping (stage-wise median-unbiased; the naive one after a
  // futility stop) and its 95% stage-wise interval.
  double adjusted_difference = std::numeric_limits<double>::quiet_NaN();
  double adjusted_ci_low = std::numeric_limits<double>::quiet_NaN();
  double adjusted_ci_high = std::numeric_limits<double>::quiet_NaN();
  std::uint8_t stages_tested = 0;
  std::uint8_t reject_look = kNever;
  // Harm bounds: the look at which the hypothesis's cumulative z fell to the
  // harm bound (dropped for harm, or the trial stopped for harm); kNever if none.
  std::uint8_t harm_look = kNever;
};

// Fixed-size, one slot per replicate; folded in replicate order.
struct ReplicateResult {
  std::array<ArmCounts, kMaxArms> arms{};
  std::uint32_t screened = 0;
  std::uint32_t enrolled = 0;
  std::uint32_t excluded = 0; // randomised, then excluded from every analysis (mITT)
  std::array<std::array<std::uint32_t, kPhenotypes>, kPhenotypes> enrolled_label_phenotype{};
  std::array<HypothesisResult, kMaxHypotheses> hypotheses{}; // the first is the primary
  std::array<double, kImbalanceKinds> imbalance{};           // indexed by ImbalanceKind
  // Group-sequential designs: the last look held (0-based) and its verdict
  // (efficacy, futility, or neither at the last look). With re-estimation,
  // efficacy_stop is the combination test's rejection.
  std::uint8_t stop_look = 0;
  bool increased = false; // sample-size re-estimation raised the sample size
  double duration_months = std::numeric_limits<double>::quiet_NaN(); // with accrual
  bool efficacy_stop = false, futility_stop = false;
  // Harm bounds: the trial stopped for harm at stop_look (the primary z, or
  // every hypothesis still tested, at or below the harm bound).
  bool harm_stop = false;
  // Event-driven looks: deaths observed at the stopping look, and whether the
  // planned deaths were never reached (final analysis at the end of follow-up).
  double events = std::numeric_limits<double>::quiet_NaN();
  bool events_not_reached = false;
};

// Identity of a replicate; the only inputs besides the frozen scenario.
struct ReplicateId {
  std::uint64_t seed = 1;
  std::uint32_t grid_point = 0;
  std::uint32_t replicate = 0;
};

// Thrown when screening cannot fill the trial (eligible labels too rare).
class EnrolmentError : public UserError {
public:
  using UserError::UserError;
  std::string report() const override { return UserError::report() + "\nNothing was written."; }
};

// One replicate, by the design's simulation mode (patients or counts).
ReplicateResult simulate_trial(const Scenario& scenario, std::size_t design_index,
                               const ReplicateId& id);

// The same replicate written into `out`, which holds an earlier replicate of
// the same design (or a value-initialised ReplicateResult): a count-level
// design then resets only the arms and hypotheses it uses, the others stay fresh.
void simulate_trial(const Scenario& scenario, std::size_t design_index, const ReplicateId& id,
                    ReplicateResult& out);

// Whether trials of `design` at different sample sizes are prefixes of one
// another: patient level, fixed (no looks, re-estimation, selection or
// quota) and no accrual. Patients, their noise and the randomisation list
// are drawn in enrolment order whatever the sample size, so a trial of N
// patients is the first N patients of a larger one.
bool shares_prefixes(const Design& design);

// The replicate `id` of design `design_index` of each of `scenarios` (the
// same scenario at different sample sizes of that design, every design
// shares_prefixes) from one pass over the patients of the largest: result k
// into *out[k], equal to simulate_trial(*scenarios[k], design_index, id).
void simulate_trial_prefixes(const std::vector<const Scenario*>& scenarios,
                             std::size_t design_index, const ReplicateId& id,
                             ReplicateResult* const* out);

// The count-level sampler (sim/trial/trial_counts.cpp): the same distribution
// of every ReplicateResult field, drawn from binomial and multinomial counts.
ReplicateResult simulate_trial_counts(const Scenario& scenario, std::size_t design_index,
                                      const ReplicateId& id);
void simulate_trial_counts(const Scenario& scenario, std::size_t design_index,
                           const ReplicateId& id, ReplicateResult& out);

// max over arms of |counts[a] - total * share[a]|.
double arm_imbalance(const std::array<double, kMaxArms>& counts, const Design& design);
// The overall and within-label imbalance, from the arm counts.
void record_arm_imbalance(const Design& design, ReplicateResult& r);

// The primary hypothesis's counts and z so far (interim analyses).
TwoArmCounts primary_counts(const Design& design, const ReplicateResult& r);
double interim_z(const Design& design, const ReplicateResult& r);
// The primary z of an ordinal test decided from the arms' counts
// (proportional_odds, wilcoxon) on the counts so far.
double ordinal_counts_z(const Design& design, const ReplicateResult& r);

// Sample size after re-estimation at the interim with stage-1 z (promising
// zone: raised only when cp_min <= conditional power < target_cp).
std::uint32_t reestimated_sample_size(const Design& design, double z1);

// What a group-sequential look decides, from the primary z at look k.
enum class LookVerdict { continue_trial, efficacy, futility, harm };
LookVerdict interim_decision(const Design& design, std::size_t k, double z);

// What the sequential part of a design (looks or re-estimation) decided.
struct SequentialDecision {
  std::uint8_t look = 0; // the last look held
  bool efficacy = false, futility = false;
  bool harm = false;      // stopped at a harm bound
  bool increased = false; // re-estimation raised the sample size
};

// Looks and sample-size re-estimation while a replicate enrols.
class SequentialMonitor {
public:
  explicit SequentialMonitor(const Design& design);
  // Patients to enrol (re-estimation may raise it at its interim).
  std::uint32_t target() const { return target_; }
  // After each enrolled patient is tallied (count level: each stage): runs the
  // re-estimation or look due at this number of patients; true when a look
  // stops the trial. Once stopped, no further look is held.
  bool after_enrolment(const ReplicateResult& r);
  // When enrolment has ended: the re-estimation's combination test.
  void finish(const ReplicateResult& r);
  const SequentialDecision& decision() const { return decision_; }

private:
  const Design& design_;
  std::uint32_t target_;
  std::size_t next_look_ = 0;
  bool stopped_ = false;
  bool interim_done_ = false;
  double stage1_z_ = 0;
  TwoArmCounts stage1_counts_;
  SequentialDecision decision_;
};

// Event-driven looks (sim/trial/event_looks.cpp): where a replicate stopped.
struct EventLookResult {
  std::size_t look = 0; // the stopping look (0-based; the last when not reached)
  LookVerdict verdict = LookVerdict::continue_trial;
  double time_months = 0;     // calendar time of the stopping look
  double z = 0;               // the test's z there (> 0 favours treatment)
  int events = 0;             // deaths observed there among the primary hypothesis's patients
  std::uint32_t patients = 0; // patients entered by then
  bool not_reached = false;   // the planned deaths were never reached
};

// The primary hypothesis's z with every patient entered by look_months (entry
// times entry_months, one per record), censored at min(follow_up_days, look
// time - entry); the observed deaths in *events.
double event_look_z(const Design& design, const std::vector<PatientRecord>& records,
                    const std::vector<double>& entry_months, double look_months,
                    int* events = nullptr);
// The looks at design.looks->events deaths over fully simulated records.
EventLookResult run_event_looks(const Design& design, const std::vector<PatientRecord>& records,
                                const std::vector<double>& entry_months);
// A patient-level replicate of a design with event-driven looks.
ReplicateResult simulate_event_trial(const Scenario& scenario, std::size_t design_index,
                                     const ReplicateId& id);

// Applies the design's analysis (every hypothesis, then the multiplicity
// procedure) to the tallies of a finished replicate.
// primary_follow_up: the primary hypothesis's follow-up of these records,
// sorted (HypothesisData::sorted_follow_up), when the caller has it.
void analyse_replicate(const Scenario& scenario, const Design& design, ReplicateResult& r,
                       const std::vector<PatientRecord>& records = {},
                       const SortedFollowUp* primary_follow_up = nullptr);

// The decision, made in one place: the sequential verdict where the design
// has looks or re-estimation, else the analysis's (multiplicity) verdict.
void decide(const Design& design, const SequentialDecision& sequential, ReplicateResult& r);

} // namespace sepsim

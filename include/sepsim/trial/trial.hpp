// One replicate of one design: screen, enrol, randomise, observe, analyse.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/stats/tests.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace sepsim {

struct ArmCounts {
  std::uint32_t n = 0;
  std::uint32_t responders = 0;
  std::uint32_t deaths28 = 0;
  std::array<std::uint32_t, kPhenotypes> deaths28_by_label{};
  std::uint32_t early_deaths = 0;
  std::array<std::uint32_t, kPhenotypes> n_by_label{};
  std::array<std::uint32_t, kPhenotypes> responders_by_label{};
  std::array<std::uint32_t, kAdverseEvents> adverse{};
  // Day-9 SOFA change among day-9 survivors, by label (continuous analyses).
  std::array<std::uint32_t, kPhenotypes> survivors_by_label{};
  std::array<double, kPhenotypes> change_sum_by_label{}, change_sum_sq_by_label{};
  std::uint32_t matched = 0; // given the best treatment for their true phenotype
  std::uint32_t harmed = 0;  // respond on placebo, not on the treatment given
};

// The analysis of one hypothesis in one replicate.
struct HypothesisResult {
  double z = 0;
  double p = 1;          // one-sided, in the direction favouring treatment
  bool reject = false;   // after the design's multiplicity procedure
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
};

// Fixed-size, one slot per replicate; folded in replicate order.
struct ReplicateResult {
  std::array<ArmCounts, kMaxArms> arms{};
  std::uint32_t screened = 0;
  std::uint32_t enrolled = 0;
  std::array<std::array<std::uint32_t, kPhenotypes>, kPhenotypes> enrolled_label_phenotype{};
  std::array<HypothesisResult, kMaxHypotheses> hypotheses{}; // the first is the primary
  // Achieved imbalance in patients: max over arms of |n_arm - n * share|,
  // overall, then summed over the levels of label, SOFA >= 10 and site (NaN
  // where the covariate was not drawn).
  std::array<double, 4> imbalance{};
  // Group-sequential designs: the look at which the trial ended (0-based) and
  // why (efficacy, futility, or neither at the last look).
  std::uint8_t stop_look = 0;
  bool increased = false; // sample-size re-estimation raised the sample size
  double duration_months = std::numeric_limits<double>::quiet_NaN(); // with accrual
  bool efficacy_stop = false, futility_stop = false;
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

// The count-level sampler (sim/trial_counts.cpp): the same distribution of
// every ReplicateResult field, drawn from binomial and multinomial counts.
ReplicateResult simulate_trial_counts(const Scenario& scenario, std::size_t design_index,
                                      const ReplicateId& id);

// max over arms of |counts[a] - total * share[a]|.
double arm_imbalance(const std::array<double, kMaxArms>& counts, const Design& design);

// The primary hypothesis's counts and z so far (interim analyses).
TwoArmCounts primary_counts(const Design& design, const ReplicateResult& r);
double interim_z(const Design& design, const ReplicateResult& r);

// Sample size after re-estimation at the interim with stage-1 z (promising
// zone: raised only when cp_min <= conditional power < target_cp).
std::uint32_t reestimated_sample_size(const Design& design, double z1);

// At look k: records an efficacy or futility stop; true when the trial stops.
bool interim_decision(const Design& design, std::size_t k, ReplicateResult& r);

// Applies the design's analysis (every hypothesis, then the multiplicity
// procedure) to the counts of a finished replicate.
void analyse_replicate(const Scenario& scenario, const Design& design, ReplicateResult& r,
                       const std::vector<PatientRecord>& records = {});

} // namespace sepsim

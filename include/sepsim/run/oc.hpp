// Operating characteristics: the accumulators that fold one design's
// replicate results, in replicate order, into its summary.
#pragma once

#include "sepsim/core/estimate.hpp"
#include "sepsim/run/summary.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/trial/trial.hpp"

#include <array>
#include <vector>

namespace sepsim {

// Folds one design's replicate results, in replicate order.
class DesignAccumulator {
public:
  explicit DesignAccumulator(const Design& design);
  void add(const ReplicateResult& r);
  DesignSummary summary(const Scenario& scenario) const;

private:
  void add_per_look(const ReplicateResult& r);
  void add_arms(const ReplicateResult& r);
  HypothesisSummary hypothesis_summary(std::size_t h) const;
  ArmSummary arm_summary(const Scenario& scenario, std::size_t a) const;
  // An arm's rates per patient (denominator: its patients), in per_patient,
  // and those of the secondary outcomes, in secondary (folded only when they
  // are drawn: secondary_outcomes; NaN in the summary otherwise).
  enum PerPatient : std::size_t { kResponse, kMatched, kPerPatient };
  enum SecondaryPerPatient : std::size_t {
    kMortality28,
    kEarlyDeath,
    kMortality90,
    kHarmed,
    kAdverse, // kAdverseEvents of them
    kSecondaryPerPatient = kAdverse + kAdverseEvents
  };
  struct Arm {
    MeanAccumulator patients, response_rate;
    SharedRatioAccumulator<kPerPatient> per_patient;
    SharedRatioAccumulator<kSecondaryPerPatient> secondary;
    std::array<RatioAccumulator, 2> mortality28_by_sofa10;
    std::array<RatioAccumulator, kPhenotypes> response_by_label;
  };
  // A hypothesis's means over replicates, in Hypothesis::means, and those of
  // its 28-day mortality analysis, in Hypothesis::mortality (secondary_outcomes).
  enum HypothesisMean : std::size_t {
    kPower,
    kEstimate,
    kTrueDifference,
    kError,
    kSquaredError,
    kCoverage,
    kFailures,
    kDroppedForHarm, // looks with several hypotheses and harm bounds
    kHypothesisMeans
  };
  enum MortalityMean : std::size_t {
    kMortality,
    kMortalityTrue,
    kMortalityCoverage,
    kMortalityPower,
    kMortalityMeans
  };
  struct Hypothesis {
    SharedMeanAccumulator<kHypothesisMeans> means;
    SharedMeanAccumulator<kMortalityMeans> mortality;
    RatioAccumulator interaction;
    // Looks with several hypotheses: P(tested in stage k), P(rejected at look k).
    std::vector<MeanAccumulator> selected, rejected;
    // Looks with one pooled_z or unpooled_z hypothesis: the adjusted estimate.
    MeanAccumulator adjusted, adjusted_error, adjusted_squared_error, adjusted_coverage;
  };
  // The design's means over replicates, in means_.
  enum DesignMean : std::size_t {
    kAnyRejection,
    kFamilyWiseError,
    kEnrolled,
    kDuration,
    kIncreased,
    kScreened,
    kExcluded,
    kHarmStop,
    kImbalance,                              // kImbalanceKinds of them
    kByLabel = kImbalance + kImbalanceKinds, // enrolled by label, then by phenotype
    kByPhenotype = kByLabel + kPhenotypes,
    kDesignMeans = kByPhenotype + kPhenotypes
  };
  static void add_mortality(Hypothesis& acc, const HypothesisResult& result);
  static void add_adjusted(Hypothesis& acc, const HypothesisResult& result);
  const Design& design_;
  std::vector<Hypothesis> hypotheses_;
  SharedMeanAccumulator<kDesignMeans> means_;
  MeanAccumulator events_, events_not_reached_;              // event-driven looks
  std::vector<MeanAccumulator> reject_look_, futility_look_; // per look
  std::vector<MeanAccumulator> harm_look_;                   // per look, with harm bounds
  RatioAccumulator screened_per_enrolled_;
  std::array<RatioAccumulator, kPhenotypes> purity_;
  std::vector<Arm> arms_;
};

// Folds one grid point's replicates (a result per design, in replicate
// order): each design's characteristics and the paired differences in power.
class PointAccumulator {
public:
  explicit PointAccumulator(const Scenario& scenario);
  // One replicate's results, design by design.
  void add(const ReplicateResult* const* replicate);
  PointSummary summary() const;

private:
  const Scenario* scenario_;
  std::size_t n_designs_;
  std::vector<DesignAccumulator> accumulators_;
  std::vector<MeanAccumulator> power_differences_;
};

} // namespace sepsim

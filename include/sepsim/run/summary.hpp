// The run summary: what a run reports, each estimate with its Monte Carlo
// standard error. The output layer (HDF5, JSON, table) sees only this.
#pragma once

#include "sepsim/core/estimate.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sepsim {

struct ArmSummary {
  std::string name;
  std::string policy; // e.g. "mals->anakinra, immunoparalysis->ifn_gamma"
  Estimate patients;  // mean enrolled per replicate
  Estimate response_rate;
  Estimate mortality28;
  Estimate early_death;
  Estimate mortality90; // death by day 90
  // 28-day mortality with baseline SOFA < 10 and >= 10 (NaN at count level).
  std::array<Estimate, 2> mortality28_by_sofa10{};
  // Oracle quantities from the potential outcomes (unknowable in a real trial):
  Estimate matched_drug;     // share given the best treatment for their true phenotype
  Estimate harmed_by_drug;   // share who would respond on placebo but not on their drug
  Estimate response_rate_sd; // replicate-to-replicate spread (a value, not tested)
  std::array<Estimate, kPhenotypes> response_by_label{};
  std::array<Estimate, kAdverseEvents> adverse_events{};
};

// One hypothesis of a design's family (after its multiplicity procedure).
struct HypothesisSummary {
  std::string name, treatment_arm, control_arm;
  std::string labels; // the subgroup tested, e.g. "mals, immunoparalysis"
  Estimate power;     // P(reject in favour of treatment)
  // Estimated risk difference (treatment - control response rate) in its patients.
  Estimate estimate_mean, true_difference, bias, rmse, ci_coverage;
  Estimate analysis_failures; // share of trials whose analysis could not be done
  // Secondary: 28-day mortality (treatment - control) and the one-sided test
  // of a reduction; treatment-by-label interaction (Cochran's Q over labels).
  Estimate mortality_estimate_mean, mortality_true_difference, mortality_ci_coverage,
      mortality_power;
  Estimate interaction_power; // among trials with two or more labels to compare
  // Looks with several hypotheses (visited only then): P(tested in the stage
  // ending at look k, after selection), P(rejected at look k).
  std::vector<Estimate> selected_per_look, rejected_per_look;
  // Looks with one pooled_z or unpooled_z hypothesis (visited only then): the
  // estimate adjusted for early stopping (stage-wise median-unbiased), its
  // bias and RMSE against the true difference, and its 95% interval's coverage.
  bool adjusted = false;
  Estimate adjusted_mean, adjusted_bias, adjusted_rmse, adjusted_ci_coverage;
  // Looks with several hypotheses and harm bounds (visited only then):
  // P(dropped at a look because its cumulative z fell to the harm bound).
  bool harm = false;
  Estimate dropped_for_harm;
};

struct DesignSummary {
  std::string name;
  std::string label; // the design's display label; empty (and not written) when not set
  std::string treatment_arm, control_arm, test; // arms of the primary hypothesis
  // What the primary test analyses: response_day9, sofa_change_day9 or
  // death_by_day_D (binary death, or time to death followed D days).
  std::string endpoint;
  std::string multiplicity;
  double alpha = 0;
  int sided = 2;
  int sample_size = 0;
  Estimate power; // primary hypothesis: P(reject for treatment); type I error under a null
  Estimate expected_n;
  std::vector<double> reject_per_look, futility_per_look;
  // Group-sequential: patients enrolled at each look and the boundaries.
  std::vector<double> look_patients, efficacy_z, futility_z;
  // Event-driven looks (looks.events): deaths at each look (look_patients is
  // then empty), the mean deaths observed at the stopping look and the share
  // of trials whose planned deaths were never reached. The two estimates are
  // visited (JSON, HDF5) only when event_driven, so other designs' output is
  // unchanged.
  std::vector<double> look_events;
  bool event_driven = false;
  Estimate expected_events, events_not_reached;
  // Harm bounds (looks/harm_z; -inf: none at a look): P(stop for harm at each
  // look) and P(stop for harm). Visited and written only when has_harm, so
  // other designs' output is unchanged.
  bool has_harm = false;
  std::vector<double> harm_z, harm_per_look;
  Estimate harm_stop;
  // Estimated risk difference (treatment - control response rate).
  Estimate estimate_mean, true_difference, bias, rmse, ci_coverage;
  // The primary's estimate adjusted for early stopping (looks; see HypothesisSummary).
  bool adjusted = false;
  Estimate adjusted_mean, adjusted_bias, adjusted_rmse, adjusted_ci_coverage;
  std::array<Estimate, kPhenotypes> enrolled_by_label{}, enrolled_by_phenotype{}, label_purity{};
  Estimate screened, screened_per_enrolled;
  Estimate excluded; // randomised, then excluded from every analysis (mITT), per trial
  // Final number enrolled (its spread: group-sequential stops and pipelines)
  // and, with an accrual model, the duration to the last outcome.
  Estimate final_n_sd, expected_duration_months;
  Estimate sample_size_increased; // share of trials whose re-estimation raised N
  std::vector<ArmSummary> arms;
  std::vector<HypothesisSummary> hypotheses; // the first is the primary (copied above)
  // Achieved imbalance (patients), indexed by ImbalanceKind.
  std::array<Estimate, kImbalanceKinds> imbalance{};
  Estimate any_rejection;     // P(at least one hypothesis rejected)
  Estimate family_wise_error; // P(rejecting a hypothesis whose true difference is <= 0)
};

// Two designs run on the same virtual patients (common random numbers): the
// difference of their powers with the paired Monte Carlo SE, which is far
// smaller than that of two independent runs.
struct DesignComparison {
  std::string design_a, design_b;
  Estimate power_difference; // power(a) - power(b)
};

struct PointSummary {
  std::vector<std::pair<std::string, double>> params; // sweep values; empty for one run
  std::vector<DesignSummary> designs;
  std::vector<DesignComparison> comparisons; // every pair of designs, in scenario order
};

struct Provenance {
  std::string sepsim_version, git_commit, compiler, boost_version, tbb_version, hdf5_version;
  std::string scenario_name, scenario_source, scenario_text;
  std::uint64_t seed = 1;
  std::uint64_t replicates = 0;
  bool null_hypothesis = false; // run with --null
  int generator_version = 1;    // of the draws (core/random.hpp); 1 in files that lack it
};

// One swept scenario key and its values.
struct Axis {
  std::string key; // dotted TOML path, e.g. designs.main.sample_size
  std::vector<double> values;
};

// The grid of a run: the axes in --vary order (the first varies slowest). A
// plain run has no axes and one point. A sweep also keeps what it was started
// with, so that `sepsim sweep --resume` can finish it.
struct Grid {
  std::vector<Axis> axes;
  std::string scenario_path;     // as given on the command line ("" = bundled default)
  std::vector<std::string> sets; // --set overrides, in order
  std::string output;            // the requested results path
  std::uint64_t points() const {
    std::uint64_t p = 1;
    for (const auto& a : axes)
      p *= a.values.size();
    return p;
  }
};

struct RunSummary {
  Provenance provenance;
  Grid grid;
  // Completed points in grid order: all of them, except in the partial file
  // of an interrupted sweep.
  std::vector<PointSummary> points;
  bool complete() const { return points.size() == grid.points(); }
};

// Per-trial results (run --trials): one row per design, grid point and
// replicate, appended to the results file's /trials/<design> table in
// replicate order as the run folds its chunks (results/FORMAT.md).
struct TrialArmRow {
  std::uint32_t patients = 0, responders = 0, deaths28 = 0, deaths90 = 0;
  // Mean day-28 ordinal status category (0 = death, higher is better) of the
  // patients whose status is known; NaN where it is not tallied (count level).
  double ordinal_mean = 0;
};

struct TrialRow {
  std::uint64_t replicate = 0;
  std::uint32_t grid_point = 0;
  // The primary hypothesis: z, one-sided p, estimate with its 95% CI, decision.
  double z = 0, p = 1, estimate = 0, ci_low = 0, ci_high = 0;
  std::uint8_t rejected = 0, stop_look = 0, efficacy_stop = 0, futility_stop = 0;
  std::uint32_t enrolled = 0, screened = 0;
  double events = 0; // deaths at the stopping look (event-driven looks), else NaN
  std::array<TrialArmRow, kMaxArms> arms{};
};

// The tables of a run: each design's name and arm names, in scenario order.
struct TrialTableDesign {
  std::string name;
  std::vector<std::string> arms;
};

// Where the engine puts the rows (the results file's writer).
class TrialSink {
public:
  virtual ~TrialSink() = default;
  // Rows of design `design` (scenario order), in replicate order.
  virtual void append(std::size_t design, const std::vector<TrialRow>& rows) = 0;
};

// Visits every estimate of a summary with a '/'-separated path; the HDF5
// writer and reader and the JSON writer share this one layout.
template <class F> void for_each_estimate(ArmSummary& a, F&& f) {
  f("patients", a.patients);
  f("response_rate", a.response_rate);
  f("mortality28", a.mortality28);
  f("early_death", a.early_death);
  f("mortality90", a.mortality90);
  f("mortality28_by_sofa/below_10", a.mortality28_by_sofa10[0]);
  f("mortality28_by_sofa/at_least_10", a.mortality28_by_sofa10[1]);
  f("oracle/matched_drug", a.matched_drug);
  f("oracle/harmed_by_drug", a.harmed_by_drug);
  f("response_rate_sd", a.response_rate_sd);
  for (int l = 0; l < kPhenotypes; ++l)
    f("response_by_label/" + std::string(kPhenotypeNames[l]), a.response_by_label[l]);
  for (int e = 0; e < kAdverseEvents; ++e)
    f("adverse_events/" + std::string(kAdverseEventNames[e]), a.adverse_events[e]);
}

template <class F> void for_each_estimate(DesignSummary& d, F&& f) {
  f("power", d.power);
  f("expected_n", d.expected_n);
  f("estimate/mean", d.estimate_mean);
  f("estimate/true_difference", d.true_difference);
  f("estimate/bias", d.bias);
  f("estimate/rmse", d.rmse);
  f("estimate/ci_coverage", d.ci_coverage);
  for (int l = 0; l < kPhenotypes; ++l) {
    const std::string name(kPhenotypeNames[l]);
    f("enrolled_by_label/" + name, d.enrolled_by_label[l]);
    f("enrolled_by_phenotype/" + name, d.enrolled_by_phenotype[l]);
    f("label_purity/" + name, d.label_purity[l]);
  }
  f("screened", d.screened);
  f("screened_per_enrolled", d.screened_per_enrolled);
  f("excluded", d.excluded);
  f("final_n_sd", d.final_n_sd);
  f("expected_duration_months", d.expected_duration_months);
  f("sample_size_increased", d.sample_size_increased);
  f("any_rejection", d.any_rejection);
  f("imbalance/overall", d.imbalance[imbalance_overall]);
  f("imbalance/within_label", d.imbalance[imbalance_within_label]);
  f("imbalance/within_sofa10", d.imbalance[imbalance_within_sofa10]);
  f("imbalance/within_site", d.imbalance[imbalance_within_site]);
  f("family_wise_error", d.family_wise_error);
  if (d.adjusted) {
    f("adjusted_estimate/mean", d.adjusted_mean);
    f("adjusted_estimate/bias", d.adjusted_bias);
    f("adjusted_estimate/rmse", d.adjusted_rmse);
    f("adjusted_estimate/ci_coverage", d.adjusted_ci_coverage);
  }
  if (d.event_driven) {
    f("expected_events", d.expected_events);
    f("events_not_reached", d.events_not_reached);
  }
  if (d.has_harm) f("harm_stop", d.harm_stop);
}

template <class F> void for_each_estimate(HypothesisSummary& h, F&& f) {
  f("power", h.power);
  f("estimate/mean", h.estimate_mean);
  f("estimate/true_difference", h.true_difference);
  f("estimate/bias", h.bias);
  f("estimate/rmse", h.rmse);
  f("estimate/ci_coverage", h.ci_coverage);
  f("analysis_failures", h.analysis_failures);
  f("mortality28/estimate_mean", h.mortality_estimate_mean);
  f("mortality28/true_difference", h.mortality_true_difference);
  f("mortality28/ci_coverage", h.mortality_ci_coverage);
  f("mortality28/power", h.mortality_power);
  f("interaction/power", h.interaction_power);
  if (h.adjusted) {
    f("adjusted_estimate/mean", h.adjusted_mean);
    f("adjusted_estimate/bias", h.adjusted_bias);
    f("adjusted_estimate/rmse", h.adjusted_rmse);
    f("adjusted_estimate/ci_coverage", h.adjusted_ci_coverage);
  }
  for (std::size_t k = 0; k < h.selected_per_look.size(); ++k) {
    f("selected_per_look/look_" + std::to_string(k + 1), h.selected_per_look[k]);
    f("rejected_per_look/look_" + std::to_string(k + 1), h.rejected_per_look[k]);
  }
  if (h.harm) f("dropped_for_harm", h.dropped_for_harm);
}

} // namespace sepsim

// Analyses of a binary endpoint between a treatment and a control arm.
#pragma once

#include "sepsim/scenario/scenario.hpp"

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

namespace sepsim {

struct SortedFollowUp; // sepsim/stats/survival.hpp

struct TwoArmCounts {
  int x_treatment = 0, n_treatment = 0;
  int x_control = 0, n_control = 0;
};

// One enrolled patient, kept when the analysis needs more than counts.
struct PatientRecord {
  std::uint8_t arm = 0;
  Phenotype label = unclassified, phenotype = unclassified;
  bool response = false, alive_day9 = false;
  std::uint8_t baseline_sofa = 0;
  float age_years = 0, sofa_change = 0;
  float death_day = 0; // day of death; infinity when alive at day 90
  // Lost to follow-up on this day; infinity when followed to the end.
  float loss_day = std::numeric_limits<float>::infinity();
  std::int8_t support_free_days = 28; // organ-support-free days to day 28; -1: dead by then
  std::uint8_t ordinal_status = 0;    // day-28 ordinal status, 0 = death (worst)
};

// What a hypothesis's test sees: counts overall and per label, continuous
// summaries, and (for regression analyses) the patient records.
struct HypothesisData {
  TwoArmCounts total;
  std::array<TwoArmCounts, kPhenotypes> by_label{};
  // Day-9 survivors' SOFA change: count, sum, sum of squares, per arm (t, c).
  double alive_t = 0, sum_t = 0, sum_sq_t = 0, alive_c = 0, sum_c = 0, sum_sq_c = 0;
  const std::vector<PatientRecord>* records = nullptr;
  // The records' follow-up as the log-rank test sorts it ([0] control, [1]
  // treatment), when the caller has it (event-driven looks): the test then
  // skips its own sort. Null otherwise.
  const SortedFollowUp* sorted_follow_up = nullptr;
  int treatment_arm = 0, control_arm = 1;
  std::array<bool, kPhenotypes> labels{};
  double follow_up_days = 28.0; // time-to-event tests: censoring day
  // Binary tests count survivors at follow_up_days instead of responders (the
  // logistic regression's outcome too).
  bool death_endpoint = false;
  bool worst_case = false; // a patient lost alive counts as a death (else dropped)
  // Ordinal tests: what they analyse, and its counts per arm (index =
  // category worst first, or organ-support-free days + 1), ordinal_size long.
  // Only entries [0, ordinal_size) are ever read, and whoever sets
  // ordinal_size sets them: the rest is left uninitialised (zeroing 480 bytes
  // for every binary test cost a count-level trial 3%).
  PrimaryEndpoint endpoint = PrimaryEndpoint::response;
  int ordinal_size = 0;
  std::array<double, kOrganSupportFreeValues> ordinal_t, ordinal_c;
};

struct TestResult {
  double z = 0;        // > 0 favours treatment
  bool reject = false; // rejected in favour of treatment (alone, no multiplicity)
  double p = 1; // one-sided p favouring treatment (Fisher two-sided: half R's p if ahead, else 1)
  double difference = 0;          // treatment minus control response rate
  double ci_low = 0, ci_high = 0; // 95% Wald interval of the difference
  bool failed = false;            // no valid analysis (separation, too few patients)
};

// Pooled two-proportion z (rpact's Farrington-Manning statistic at thetaH0 = 0).
// When the pooled rate is 0 or 1 the arms are identical and z = 0.
double pooled_z(const TwoArmCounts& c);
// Unpooled (Wald) z. With zero standard error z is 0 when the rates agree and
// +/- infinity otherwise.
double unpooled_z(const TwoArmCounts& c);

// Fisher's exact test on the 2x2 table, conditional on the margins.
// One-sided: P(X >= x_treatment) under the hypergeometric null. Two-sided:
// R's fisher.test rule, the sum over tables no more likely than the observed
// one (relative tolerance 1e-7).
double fisher_p_one_sided(const TwoArmCounts& c);
double fisher_p_two_sided(const TwoArmCounts& c);

// Treatment minus control rate with its 95% Wald interval.
struct RiskDifference {
  double estimate = 0, ci_low = 0, ci_high = 0;
};
RiskDifference risk_difference(const TwoArmCounts& c);

// Cochran-Mantel-Haenszel z over strata (no continuity correction); strata
// with one arm empty add nothing.
double cmh_z(const std::array<TwoArmCounts, kPhenotypes>& strata);

// Posterior P(p_treatment > p_control) with independent Beta(a, b) priors, by
// Gauss-Kronrod quadrature of the control's posterior density times the
// treatment's posterior upper tail (Boost.Math).
double posterior_superiority(const TwoArmCounts& c, double a, double b);

// The scale of an endpoint a test accepts.
enum class Scale : std::uint8_t { binary, continuous, time_to_event, ordinal };

// One row of the table of tests (sim/stats/tests.cpp): what the test needs
// and how it decides. To add a test: a name in TestKind and kTestNames
// (include/sepsim/scenario/scenario.hpp), one function and one row here.
struct TestSpec {
  TestKind kind;
  Scale scale;        // binary: the day-9 response; continuous: the day-9 SOFA change;
                      // time_to_event: the day of death, censored at the follow-up
  bool needs_records; // every enrolled patient's record (regression), not only counts
  bool needs_strata;  // per-label counts
  TestResult (*run)(const Analysis& analysis, const HypothesisData& data);
};
const TestSpec& test_spec(TestKind kind);

// Tests that need every enrolled patient's record (not only counts).
inline bool needs_patient_records(TestKind t) {
  return test_spec(t).needs_records;
}
inline bool continuous_endpoint(TestKind t) {
  return test_spec(t).scale == Scale::continuous;
}
inline bool time_to_event_endpoint(TestKind t) {
  return test_spec(t).scale == Scale::time_to_event;
}
// Time-to-event tests a count-level design may use: they need each patient's
// arm, label and day of death only (sim/trial/trial_survival_counts.cpp).
inline bool time_to_event_at_count_level(TestKind t) {
  return t == TestKind::logrank || t == TestKind::logrank_stratified ||
         t == TestKind::km_difference;
}
inline bool ordinal_endpoint(TestKind t) {
  return test_spec(t).scale == Scale::ordinal;
}

// The upper 2.5% point of the standard normal (95% intervals).
double z95();
// Rejects when the z statistic reaches the critical value (not when the
// analysis failed) and sets the one-sided p favouring treatment.
void decide_by_z(const Analysis& analysis, TestResult& r);

// Time-to-event tests (sim/stats/survival_tests.cpp). The estimate is the
// difference in mortality by the follow-up day (treatment - control, from
// Kaplan-Meier) with its 95% Greenwood interval; z > 0 favours treatment.
TestResult time_to_event_test(const Analysis& analysis, const HypothesisData& data);

// Ordinal tests (sim/stats/ordinal_tests.cpp) on HypothesisData::endpoint.
// The estimate is the test's own effect: the log common odds ratio of a
// better category (proportional odds), the Mann-Whitney / DOOR probability
// minus 1/2 (wilcoxon, door), log win ratio, log win odds, or net benefit,
// with its 95% Wald interval; z > 0 favours treatment.
TestResult ordinal_test(const Analysis& analysis, const HypothesisData& data);
// The population value of that estimate between two category distributions
// (worst first): NaN for proportional odds when their cumulative log odds
// ratios differ (the model does not hold).
double ordinal_effect(TestKind test, const std::vector<double>& treatment,
                      const std::vector<double>& control);

// The adjusted analyses' label dummies: one per label present besides the
// first (the reference).
std::vector<int> label_dummies(const std::array<bool, kPhenotypes>& present);
struct DesignMatrix;
// Appends a patient's row of the Cox and proportional-odds regressions (no
// intercept): treated, baseline SOFA, age, its label dummies.
void append_covariates(DesignMatrix& x, bool treated, const PatientRecord& p,
                       const std::vector<int>& dummies);

struct SurvivalRecord;
// Cox regression of the follow-up records on treatment (their group),
// baseline SOFA, age and a dummy per label present besides the first, from
// each record's patient (patients[i] is survival[i]'s): z = -log HR / SE, 0
// and failed when the fit fails (separation, no events, singular).
double adjusted_cox_z(const std::vector<SurvivalRecord>& survival,
                      const std::vector<const PatientRecord*>& patients, bool& failed);

// The test the analysis names against its critical value (one-sided alpha, or
// alpha/2 per side). The estimate is the unadjusted difference (response
// rates, or mean SOFA change for continuous tests) with its 95% Wald interval.
TestResult analyse(const Analysis& analysis, const HypothesisData& data);
// Two arms' counts alone (pooled_z, unpooled_z, fisher, bayes).
TestResult analyse(const Analysis& analysis, const TwoArmCounts& c);

} // namespace sepsim

// Time-to-event analyses: the log-rank test, Cox proportional hazards and
// Kaplan-Meier estimates, as R's survival package computes them (survdiff,
// coxph with Efron ties, survfit). Eigen inside, plain vectors at the interface.
#pragma once

#include "sepsim/stats/regression.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sepsim {

inline constexpr int kMaxStrata = 8;

// One patient's follow-up: time in days from randomisation to death (event)
// or censoring; group 1 = treatment, 0 = control; stratum 0..kMaxStrata-1.
struct SurvivalRecord {
  double time = 0;
  bool event = false;
  std::uint8_t group = 0;
  std::uint8_t stratum = 0;
};

struct LogrankResult {
  double z = 0; // (E_t - O_t) / sqrt(V): > 0 favours treatment (fewer deaths than expected)
  double observed_treatment = 0, expected_treatment = 0, variance = 0;
  int events = 0;
  bool failed = false; // no events, or zero variance
};

// Log-rank test with the hypergeometric variance; deaths at the same time form
// one risk set (censorings at that time are still at risk), as R's survdiff.
// stratified: O - E and V summed over strata (survdiff with strata()), the
// strata in ascending order, the death times ascending within each. A group
// other than 0 counts as treatment. Fails (events 0) when a time is NaN.
LogrankResult logrank(const std::vector<SurvivalRecord>& records, bool stratified);

// One group's follow-up, sorted: its death times ascending (tied deaths
// repeated), its censoring times ascending (those at or after the last death
// of both groups may be left out: they leave the risk set after every death),
// and how many are at risk at time 0 (everyone, left-out censorings included).
// With `ends_infinite`, deaths[death_count] and censored[censored_count] are
// +infinity (the walk's sentinels: it then reads the arrays in place instead
// of copying them).
struct SortedFollowUp {
  const double* deaths = nullptr;
  std::size_t death_count = 0;
  const double* censored = nullptr;
  std::size_t censored_count = 0;
  double at_risk = 0;
  bool ends_infinite = false;
};

// The unstratified log-rank test (control = group 0) from sorted follow-up:
// the numbers of logrank(records, false) on the same records.
LogrankResult logrank_sorted(const SortedFollowUp& control, const SortedFollowUp& treatment);

// Sorts times ascending as the log-rank test does (about linear in the times
// of a trial); finite or not.
void sort_times(double* first, double* last);

struct CoxFit {
  std::vector<double> coefficients, standard_errors;
  double log_likelihood = 0; // log partial likelihood at the estimate
  int iterations = 0;
  // No events, mismatched sizes, a time or covariate not finite, singular
  // information, not converged in 20 iterations, or a coefficient running away
  // to infinity (monotone likelihood: coxph's "coefficient may be infinite").
  bool failed = false;
};

// Cox proportional hazards by Newton-Raphson with Efron ties, as coxph: starts
// at 0, stops when |1 - previous / current log partial likelihood| <= 1e-9
// (at most 20 iterations), halves the step when the likelihood falls.
// covariates: rows = records, the first column the treatment indicator, no
// intercept column.
CoxFit fit_cox(const std::vector<double>& time, const std::vector<bool>& event,
               const DesignMatrix& covariates);

struct KaplanMeierPoint {
  double survival = 1, variance = 0; // Greenwood: survfit's std.err^2 * S^2
  int at_risk = 0;                   // follow-up time >= at
};

// Kaplan-Meier survival of one group at day `at` (deaths at `at` included);
// records with a NaN time are left out.
KaplanMeierPoint kaplan_meier_at(const std::vector<SurvivalRecord>& records, int group, double at);

// The unstratified log-rank test and each group's Kaplan-Meier at `at` from one
// pass over the records: the same numbers as logrank(records, false) and
// kaplan_meier_at(records, g, at) for g = 0 and 1.
struct LogrankKaplanMeier {
  LogrankResult logrank;
  KaplanMeierPoint km[2]; // by group
};
LogrankKaplanMeier logrank_and_kaplan_meier(const std::vector<SurvivalRecord>& records, double at);
// The same from sorted follow-up (group 0 = control) whose censorings before
// `at` are all listed: the numbers of logrank_and_kaplan_meier on the records
// they come from.
LogrankKaplanMeier logrank_and_kaplan_meier_sorted(const SortedFollowUp& control,
                                                   const SortedFollowUp& treatment, double at);

} // namespace sepsim

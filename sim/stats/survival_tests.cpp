// Time-to-event tests of a hypothesis: the day of death of its patients,
// censored at the design's follow-up, analysed by the log-rank test (plain or
// stratified by label), Cox regression, or the Kaplan-Meier difference.
#include "sepsim/stats/survival.hpp"
#include "sepsim/stats/tests.hpp"

#include <algorithm>
#include <cmath>

namespace sepsim {

namespace {

// Reused across the replicates a thread runs (no allocation per replicate).
thread_local std::vector<SurvivalRecord> t_records;
thread_local std::vector<const PatientRecord*> t_patients;
thread_local std::vector<double> t_time;
thread_local std::vector<bool> t_event;

// The hypothesis's patients as follow-up records: time = the day of death,
// of loss to follow-up or the follow-up day, whichever comes first; stratum =
// the label.
std::vector<SurvivalRecord>& follow_up(const HypothesisData& data) {
  std::vector<SurvivalRecord>& out = t_records;
  out.clear();
  t_patients.clear();
  for (const PatientRecord& p : *data.records) {
    if (!data.labels[p.label]) continue;
    if (p.arm != data.treatment_arm && p.arm != data.control_arm) continue;
    const double end = std::min(static_cast<double>(p.loss_day), data.follow_up_days);
    const bool death = p.death_day <= end;
    out.push_back({death ? static_cast<double>(p.death_day) : end, death,
                   static_cast<std::uint8_t>(p.arm == data.treatment_arm ? 1 : 0),
                   static_cast<std::uint8_t>(p.label)});
    t_patients.push_back(&p);
  }
  return out;
}

// The mortality difference by the follow-up day (treatment - control) from
// the Kaplan-Meier estimates of treatment (t) and control (c), with its 95%
// Greenwood interval; z > 0 when treatment survives better.
void km_difference(const KaplanMeierPoint& t, const KaplanMeierPoint& c, TestResult& r) {
  const double se = std::sqrt(t.variance + c.variance);
  r.difference = (1.0 - t.survival) - (1.0 - c.survival);
  r.ci_low = r.difference - z95() * se;
  r.ci_high = r.difference + z95() * se;
  r.z = se > 0.0 ? -r.difference / se : 0.0;
}

} // namespace

double adjusted_cox_z(const std::vector<SurvivalRecord>& survival,
                      const std::vector<const PatientRecord*>& patients, bool& failed) {
  std::array<bool, kPhenotypes> present{};
  for (const SurvivalRecord& s : survival)
    present[s.stratum] = true;
  const std::vector<int> dummies = label_dummies(present);
  DesignMatrix x;
  x.columns = 3 + dummies.size();
  t_time.clear();
  t_event.clear();
  for (std::size_t i = 0; i < survival.size(); ++i) {
    const PatientRecord& p = *patients[i];
    t_time.push_back(survival[i].time);
    t_event.push_back(survival[i].event);
    append_covariates(x, survival[i].group != 0, p, dummies);
  }
  const CoxFit fit = fit_cox(t_time, t_event, x);
  failed = fit.failed || fit.standard_errors.empty() || !(fit.standard_errors[0] > 0.0);
  return failed ? 0.0 : -fit.coefficients[0] / fit.standard_errors[0];
}

TestResult time_to_event_test(const Analysis& analysis, const HypothesisData& data) {
  TestResult r;
  if (analysis.test == TestKind::logrank && data.sorted_follow_up != nullptr) {
    const LogrankKaplanMeier both = logrank_and_kaplan_meier_sorted(
        data.sorted_follow_up[0], data.sorted_follow_up[1], data.follow_up_days);
    km_difference(both.km[1], both.km[0], r);
    r.failed = both.logrank.failed;
    r.z = both.logrank.failed ? 0.0 : both.logrank.z;
    decide_by_z(analysis, r);
    return r;
  }
  const std::vector<SurvivalRecord>& records = follow_up(data);
  if (analysis.test == TestKind::logrank) { // one pass for both
    const LogrankKaplanMeier both = logrank_and_kaplan_meier(records, data.follow_up_days);
    km_difference(both.km[1], both.km[0], r);
    r.failed = both.logrank.failed;
    r.z = both.logrank.failed ? 0.0 : both.logrank.z;
    decide_by_z(analysis, r);
    return r;
  }
  km_difference(kaplan_meier_at(records, 1, data.follow_up_days),
                kaplan_meier_at(records, 0, data.follow_up_days), r);
  switch (analysis.test) {
  case TestKind::logrank_stratified: {
    const LogrankResult test = logrank(records, true);
    r.failed = test.failed;
    r.z = test.failed ? 0.0 : test.z;
    break;
  }
  case TestKind::cox:
    r.z = adjusted_cox_z(records, t_patients, r.failed);
    break;
  default: // km_difference: z from the estimate above
    r.failed = !(std::isfinite(r.z)) || r.ci_high == r.ci_low;
    break;
  }
  decide_by_z(analysis, r);
  return r;
}

} // namespace sepsim

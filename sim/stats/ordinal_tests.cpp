// Ordinal and composite tests of a hypothesis: proportional odds (from the
// arms' category counts, or adjusted from the patient records), the
// Wilcoxon-Mann-Whitney test, and the win statistics of pairwise comparisons
// on the hierarchical composite (sim/stats/ordinal.cpp, win_statistics.cpp).
#include "sepsim/stats/ordinal.hpp"
#include "sepsim/stats/tests.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace sepsim {

namespace {

// Reused across the replicates a thread runs.
thread_local std::vector<CompositeKey> t_keys;
thread_local std::vector<std::uint8_t> t_group;
thread_local std::vector<int> t_category;

bool in_hypothesis(const HypothesisData& data, const PatientRecord& p) {
  return data.labels[p.label] && (p.arm == data.treatment_arm || p.arm == data.control_arm);
}

// The patient's value of an ordinal endpoint (category, or organ-support-free
// days + 1), -1 when it is not known (lost alive before day 28, complete
// cases); worst case: the worst value.
int ordinal_value(const HypothesisData& data, const PatientRecord& p) {
  const bool lost = p.loss_day < 28.0f && !(p.death_day <= p.loss_day);
  if (lost) return data.worst_case ? 0 : -1;
  return data.endpoint == PrimaryEndpoint::organ_support_free_days ? p.support_free_days + 1
                                                                   : p.ordinal_status;
}

// The hierarchical composite, higher better: the day of death by day 28
// (survivors +infinity), organ-support-free days, the day-9 SOFA change.
// Ordinal endpoints: their value alone. False when not known.
bool composite_key(const HypothesisData& data, const PatientRecord& p, CompositeKey& key) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (data.endpoint != PrimaryEndpoint::composite) {
    const int v = ordinal_value(data, p);
    key = {static_cast<double>(v), 0.0, 0.0};
    return v >= 0;
  }
  const bool lost = p.loss_day < 28.0f && !(p.death_day <= p.loss_day);
  if (lost && !data.worst_case) return false;
  if (lost) {
    key = {static_cast<double>(p.loss_day), -1.0, -inf}; // a death at the loss
  } else {
    const bool dead = p.death_day <= 28.0f;
    key = {dead ? static_cast<double>(p.death_day) : inf, static_cast<double>(p.support_free_days),
           p.alive_day9 ? static_cast<double>(p.sofa_change) : -inf};
  }
  return true;
}

void set_estimate(TestResult& r, double estimate, double se) {
  r.difference = estimate;
  const double half = std::isfinite(se) ? z95() * se : std::numeric_limits<double>::infinity();
  r.ci_low = estimate - half;
  r.ci_high = estimate + half;
}

void fail(TestResult& r) {
  r.failed = true;
  r.z = 0.0;
  r.difference = 0.0;
  r.ci_low = -std::numeric_limits<double>::infinity();
  r.ci_high = std::numeric_limits<double>::infinity();
}

void proportional_odds_result(const OrdinalFit& fit, TestResult& r) {
  if (fit.failed || fit.standard_errors.empty() || !(fit.standard_errors[0] > 0.0)) return fail(r);
  r.z = fit.coefficients[0] / fit.standard_errors[0];
  set_estimate(r, fit.coefficients[0], fit.standard_errors[0]);
}

// Adjusted for baseline SOFA, age and a dummy per label present besides the first.
OrdinalFit adjusted_fit(const HypothesisData& data) {
  std::array<bool, kPhenotypes> present{};
  for (const PatientRecord& p : *data.records)
    if (in_hypothesis(data, p)) present[p.label] = true;
  const std::vector<int> dummies = label_dummies(present);
  DesignMatrix x;
  x.columns = 3 + dummies.size();
  x.values.reserve(data.records->size() * x.columns);
  t_category.clear();
  for (const PatientRecord& p : *data.records) {
    if (!in_hypothesis(data, p)) continue;
    const int v = ordinal_value(data, p);
    if (v < 0) continue;
    t_category.push_back(v);
    append_covariates(x, p.arm == data.treatment_arm, p, dummies);
  }
  return fit_proportional_odds(t_category, data.ordinal_size, x);
}

// Keys of the hypothesis's patients: from the records, or (ordinal endpoints
// without records) from the category counts.
void collect_keys(const HypothesisData& data) {
  t_keys.clear();
  t_group.clear();
  if (data.records != nullptr && !data.records->empty()) {
    CompositeKey key{};
    for (const PatientRecord& p : *data.records)
      if (in_hypothesis(data, p) && composite_key(data, p, key)) {
        t_keys.push_back(key);
        t_group.push_back(p.arm == data.treatment_arm ? 1 : 0);
      }
    return;
  }
  for (int k = 0; k < data.ordinal_size; ++k) {
    for (int i = 0; i < static_cast<int>(data.ordinal_t[k]); ++i) {
      t_keys.push_back({double(k), 0.0, 0.0});
      t_group.push_back(1);
    }
    for (int i = 0; i < static_cast<int>(data.ordinal_c[k]); ++i) {
      t_keys.push_back({double(k), 0.0, 0.0});
      t_group.push_back(0);
    }
  }
}

void win_result(TestKind test, const WinStatistics& w, TestResult& r) {
  double estimate = 0.0, se = 0.0;
  switch (test) {
  case TestKind::win_ratio:
    estimate = std::log(w.win_ratio);
    se = w.se_log_win_ratio;
    break;
  case TestKind::win_odds:
    estimate = std::log(w.win_odds);
    se = w.se_log_win_odds;
    break;
  case TestKind::net_benefit:
    estimate = w.net_benefit;
    se = w.se_net_benefit;
    break;
  default: // door, and the wilcoxon's interval
    estimate = w.door - 0.5;
    se = w.se_door;
  }
  if (w.failed || !(se > 0.0) || !std::isfinite(estimate)) return fail(r);
  r.z = estimate / se;
  set_estimate(r, estimate, se);
}

} // namespace

double ordinal_effect(TestKind test, const std::vector<double>& pt, const std::vector<double>& pc) {
  const std::size_t k = std::min(pt.size(), pc.size());
  if (test == TestKind::proportional_odds || test == TestKind::proportional_odds_adjusted) {
    double log_or = std::nan(""), below_t = 0.0, below_c = 0.0;
    for (std::size_t j = 0; j + 1 < k; ++j) {
      below_t += pt[j];
      below_c += pc[j];
      if (below_t <= 0.0 || below_t >= 1.0 || below_c <= 0.0 || below_c >= 1.0) continue;
      const double here = std::log(below_c / (1.0 - below_c)) - std::log(below_t / (1.0 - below_t));
      if (std::isnan(log_or))
        log_or = here;
      else if (std::abs(here - log_or) > 1e-9)
        return std::nan("");
    }
    return log_or;
  }
  double better = 0.0, worse = 0.0, tie = 0.0, below_c = 0.0;
  for (std::size_t j = 0; j < k; ++j) {
    better += pt[j] * below_c;
    tie += pt[j] * pc[j];
    below_c += pc[j];
    worse += pt[j] * (1.0 - below_c);
  }
  switch (test) {
  case TestKind::win_ratio:
    return std::log(better / worse);
  case TestKind::win_odds:
    return std::log((better + tie / 2) / (worse + tie / 2));
  case TestKind::net_benefit:
    return better - worse;
  default:
    return better + tie / 2 - 0.5;
  }
}

TestResult ordinal_test(const Analysis& analysis, const HypothesisData& data) {
  TestResult r;
  const std::vector<double> t(data.ordinal_t.begin(), data.ordinal_t.begin() + data.ordinal_size);
  const std::vector<double> c(data.ordinal_c.begin(), data.ordinal_c.begin() + data.ordinal_size);
  switch (analysis.test) {
  case TestKind::proportional_odds:
    proportional_odds_result(fit_proportional_odds(t, c), r);
    break;
  case TestKind::proportional_odds_adjusted:
    proportional_odds_result(adjusted_fit(data), r);
    break;
  case TestKind::wilcoxon: {
    const WilcoxonResult w = wilcoxon(t, c);
    collect_keys(data); // the interval of P(better) + P(tie)/2 - 1/2
    win_result(TestKind::door, win_statistics(t_keys, t_group), r);
    if (w.failed) {
      fail(r);
    } else {
      r.failed = false;
      r.z = w.z;
    }
    break;
  }
  default:
    collect_keys(data);
    win_result(analysis.test, win_statistics(t_keys, t_group), r);
  }
  decide_by_z(analysis, r);
  return r;
}

} // namespace sepsim

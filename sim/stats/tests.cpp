#include "sepsim/stats/tests.hpp"

#include "sepsim/core/memo.hpp"
#include "sepsim/stats/regression.hpp"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/beta.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cassert>

#include <cmath>
#include <limits>

namespace sepsim {

namespace {
double rate(int x, int n) {
  return n > 0 ? static_cast<double>(x) / n : 0.0;
}
} // namespace

namespace {
double compute_pooled_z(const TwoArmCounts& c) {
  if (c.n_treatment == 0 || c.n_control == 0) return 0.0;
  const double p = rate(c.x_treatment + c.x_control, c.n_treatment + c.n_control);
  if (p <= 0.0 || p >= 1.0) return 0.0;
  const double se = std::sqrt(p * (1.0 - p) * (1.0 / c.n_treatment + 1.0 / c.n_control));
  return (rate(c.x_treatment, c.n_treatment) - rate(c.x_control, c.n_control)) / se;
}
} // namespace

// The last counts' z kept per thread: a group-sequential trial's final
// counts are tested at its last look, by its analysis and by the adjustment
// for stopping (the same number each time; its divisions and square root
// were a tenth of a three-look count-level run).
double pooled_z(const TwoArmCounts& c) {
  thread_local TwoArmCounts last{-1, -1, -1, -1};
  thread_local double last_z = 0.0;
  if (c.x_treatment == last.x_treatment && c.n_treatment == last.n_treatment &&
      c.x_control == last.x_control && c.n_control == last.n_control)
    return last_z;
  last_z = compute_pooled_z(c);
  last = c;
  return last_z;
}

double unpooled_z(const TwoArmCounts& c) {
  if (c.n_treatment == 0 || c.n_control == 0) return 0.0;
  const double pt = rate(c.x_treatment, c.n_treatment);
  const double pc = rate(c.x_control, c.n_control);
  const double se = std::sqrt(pt * (1.0 - pt) / c.n_treatment + pc * (1.0 - pc) / c.n_control);
  const double diff = pt - pc;
  if (se == 0.0) {
    if (diff == 0.0) return 0.0;
    return diff > 0.0 ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
  }
  return diff / se;
}

namespace {

// The hypergeometric null of a 2x2 table (responders among the treated, given
// both margins), as weights relative to the mode from the ratio recurrence
// p(x+1)/p(x) = (s-x)(n-x) / ((x+1)(N-s-n+x+1)). Boost's hypergeometric pdf is
// exact but costs ~20 us a call, too slow for 10^5 tables a run; the tests
// check these sums against Boost's.
class FisherNull {
public:
  explicit FisherNull(const TwoArmCounts& c)
      : s_(c.x_treatment + c.x_control), n_(c.n_treatment), total_(c.n_treatment + c.n_control),
        lo_(std::max(0, n_ + s_ - total_)), hi_(std::min(s_, n_)) {}

  // Calls f(x, weight) for every x of the support.
  template <class F> void for_each(F&& f) const {
    const int mode = std::clamp(
        static_cast<int>((static_cast<double>(n_ + 1) * (s_ + 1)) / (total_ + 2)), lo_, hi_);
    double w = 1.0;
    f(mode, w);
    for (int x = mode; x < hi_; ++x) {
      w *= static_cast<double>(s_ - x) * (n_ - x) / ((x + 1.0) * (total_ - s_ - n_ + x + 1.0));
      f(x + 1, w);
    }
    w = 1.0;
    for (int x = mode; x > lo_; --x) {
      w *= x * (total_ - s_ - n_ + x) / (static_cast<double>(s_ - x + 1) * (n_ - x + 1));
      f(x - 1, w);
    }
  }
  int lo() const { return lo_; }

private:
  int s_, n_, total_, lo_, hi_;
};

} // namespace

double fisher_p_one_sided(const TwoArmCounts& c) {
  const FisherNull null(c);
  if (c.x_treatment <= null.lo()) return 1.0;
  double tail = 0.0, all = 0.0;
  null.for_each([&](int x, double w) {
    all += w;
    if (x >= c.x_treatment) tail += w;
  });
  return std::min(1.0, tail / all);
}

double fisher_p_two_sided(const TwoArmCounts& c) {
  const FisherNull null(c);
  double observed = 0.0;
  null.for_each([&](int x, double w) {
    if (x == c.x_treatment) observed = w;
  });
  double tail = 0.0, all = 0.0;
  null.for_each([&](int, double w) {
    all += w;
    if (w <= observed * (1.0 + 1e-7)) tail += w;
  });
  return std::min(1.0, tail / all);
}

double cmh_z(const std::array<TwoArmCounts, kPhenotypes>& strata) {
  double observed_minus_expected = 0.0, variance = 0.0;
  for (const TwoArmCounts& k : strata) {
    const double n1 = k.n_treatment, n0 = k.n_control, n = n1 + n0;
    if (n1 == 0 || n0 == 0 || n < 2) continue;
    const double responders = k.x_treatment + k.x_control;
    observed_minus_expected += k.x_treatment - n1 * responders / n;
    variance += n1 * n0 * responders * (n - responders) / (n * n * (n - 1));
  }
  return variance > 0.0 ? observed_minus_expected / std::sqrt(variance) : 0.0;
}

double posterior_superiority(const TwoArmCounts& c, double a, double b) {
  const double at = a + c.x_treatment, bt = b + c.n_treatment - c.x_treatment;
  const boost::math::beta_distribution<double> control(a + c.x_control,
                                                       b + c.n_control - c.x_control);
  auto integrand = [&](double y) {
    return boost::math::pdf(control, y) * boost::math::ibetac(at, bt, y);
  };
  const double p =
      boost::math::quadrature::gauss_kronrod<double, 31>::integrate(integrand, 0.0, 1.0, 12, 1e-10);
  return std::clamp(p, 0.0, 1.0);
}

double z95() {
  static const double z =
      boost::math::quantile(boost::math::complement(boost::math::normal(), 0.025));
  return z;
}

namespace {

// One-sided p of a z statistic favouring treatment (double precision
// throughout: Boost's default promotion to long double costs a third of a
// count-level replicate), kept per thread by z (a z of counts repeats).
double upper_p(double z) {
  if (!std::isfinite(z)) return z > 0 ? 0.0 : 1.0;
  using Policy = boost::math::policies::policy<boost::math::policies::promote_double<false>>;
  thread_local Memo<std::uint64_t, double, 11> memo;
  const auto bits = std::bit_cast<std::uint64_t>(z);
  return memo.get(bits, bits ^ (bits >> 29), [z] {
    return boost::math::cdf(
        boost::math::complement(boost::math::normal_distribution<double, Policy>(), z));
  });
}

} // namespace

std::vector<int> label_dummies(const std::array<bool, kPhenotypes>& present) {
  std::vector<int> dummies;
  for (int l = 0, seen = 0; l < kPhenotypes; ++l)
    if (present[l] && seen++ > 0) dummies.push_back(l);
  return dummies;
}

void append_covariates(DesignMatrix& x, bool treated, const PatientRecord& p,
                       const std::vector<int>& dummies) {
  x.values.push_back(treated ? 1.0 : 0.0);
  x.values.push_back(p.baseline_sofa);
  x.values.push_back(p.age_years);
  for (const int l : dummies)
    x.values.push_back(p.label == l ? 1.0 : 0.0);
  ++x.rows;
}

void decide_by_z(const Analysis& analysis, TestResult& r) {
  r.reject = !r.failed && r.z >= analysis.critical_z;
  r.p = r.failed ? 1.0 : upper_p(r.z);
}

namespace {

// Regression of the hypothesis's patients: y on [1, treated, covariates...].
// Logistic: response ~ treated + baseline SOFA + age + label dummies.
// ANCOVA (survivors): SOFA change ~ treated + baseline SOFA.
void regression_test(const Analysis& analysis, const HypothesisData& data, TestResult& r) {
  std::vector<double> y;
  DesignMatrix x;
  const bool logistic = analysis.test == TestKind::logistic;
  // Label dummies for the labels present besides the first (reference).
  std::array<bool, kPhenotypes> present{};
  for (int l = 0; l < kPhenotypes; ++l)
    present[l] = data.labels[l] && data.by_label[l].n_treatment + data.by_label[l].n_control > 0;
  const std::vector<int> dummies = label_dummies(present);
  x.columns = logistic ? 4 + dummies.size() : 3;
  for (const PatientRecord& p : *data.records) {
    if (!data.labels[p.label]) continue;
    if (p.arm != data.treatment_arm && p.arm != data.control_arm) continue;
    if (!logistic && !p.alive_day9) continue;
    // Death by the follow-up day: a patient lost alive before it is left out
    // (complete cases) or counted as a death (worst case), as in the counts.
    const bool lost =
        data.death_endpoint && p.loss_day < data.follow_up_days && !(p.death_day <= p.loss_day);
    if (lost && !data.worst_case) continue;
    const bool success =
        data.death_endpoint ? !lost && !(p.death_day <= data.follow_up_days) : p.response;
    y.push_back(logistic ? (success ? 1.0 : 0.0) : p.sofa_change);
    x.values.push_back(1.0);
    x.values.push_back(p.arm == data.treatment_arm ? 1.0 : 0.0);
    x.values.push_back(p.baseline_sofa);
    if (logistic) {
      x.values.push_back(p.age_years);
      for (const int l : dummies)
        x.values.push_back(p.label == l ? 1.0 : 0.0);
    }
    ++x.rows;
  }
  const Fit fit = logistic ? fit_logistic(x, y) : fit_linear(x, y);
  if (fit.status != FitStatus::ok || !(fit.standard_errors[1] > 0.0)) {
    r.failed = true;
    r.z = 0.0;
  } else {
    r.z = fit.coefficients[1] / fit.standard_errors[1];
  }
  decide_by_z(analysis, r);
}

} // namespace

namespace {

// Tests decided from the two arms' counts alone.
TestResult counts_test(const Analysis& analysis, const HypothesisData& data) {
  return analyse(analysis, data.total);
}

TestResult cmh_test(const Analysis& analysis, const HypothesisData& data) {
  TestResult r = analyse(analysis, data.total); // the unadjusted risk difference
  r.z = cmh_z(data.by_label);
  decide_by_z(analysis, r);
  return r;
}

TestResult logistic_test(const Analysis& analysis, const HypothesisData& data) {
  TestResult r = analyse(analysis, data.total); // the unadjusted risk difference
  regression_test(analysis, data, r);
  return r;
}

// mean_difference and ancova: the estimate is the difference in mean SOFA
// change of survivors.
TestResult continuous_test(const Analysis& analysis, const HypothesisData& data) {
  TestResult r = analyse(analysis, data.total);
  if (data.alive_t < 2 || data.alive_c < 2) {
    r.failed = true;
    r.difference = r.ci_low = r.ci_high = 0.0;
    decide_by_z(analysis, r);
    return r;
  }
  const double mt = data.sum_t / data.alive_t, mc = data.sum_c / data.alive_c;
  const double vt = (data.sum_sq_t - data.alive_t * mt * mt) / (data.alive_t - 1);
  const double vc = (data.sum_sq_c - data.alive_c * mc * mc) / (data.alive_c - 1);
  const double se = std::sqrt(std::max(0.0, vt) / data.alive_t + std::max(0.0, vc) / data.alive_c);
  r.difference = mt - mc;
  r.ci_low = r.difference - z95() * se;
  r.ci_high = r.difference + z95() * se;
  if (analysis.test == TestKind::ancova) {
    regression_test(analysis, data, r);
  } else {
    r.z = se > 0.0 ? r.difference / se : 0.0;
    decide_by_z(analysis, r);
  }
  return r;
}

// In TestKind order.
constexpr std::array<TestSpec, kTestNames.size()> kTests = {{
    {TestKind::pooled_z, Scale::binary, false, false, counts_test},
    {TestKind::unpooled_z, Scale::binary, false, false, counts_test},
    {TestKind::fisher, Scale::binary, false, false, counts_test},
    {TestKind::cmh, Scale::binary, false, true, cmh_test},
    {TestKind::logistic, Scale::binary, true, true, logistic_test},
    {TestKind::bayes, Scale::binary, false, false, counts_test},
    {TestKind::mean_difference, Scale::continuous, false, false, continuous_test},
    {TestKind::ancova, Scale::continuous, true, false, continuous_test},
    {TestKind::logrank, Scale::time_to_event, true, false, time_to_event_test},
    {TestKind::logrank_stratified, Scale::time_to_event, true, false, time_to_event_test},
    {TestKind::cox, Scale::time_to_event, true, false, time_to_event_test},
    {TestKind::km_difference, Scale::time_to_event, true, false, time_to_event_test},
    {TestKind::proportional_odds, Scale::ordinal, false, false, ordinal_test},
    {TestKind::proportional_odds_adjusted, Scale::ordinal, true, false, ordinal_test},
    {TestKind::wilcoxon, Scale::ordinal, false, false, ordinal_test},
    {TestKind::win_ratio, Scale::ordinal, true, false, ordinal_test},
    {TestKind::win_odds, Scale::ordinal, true, false, ordinal_test},
    {TestKind::net_benefit, Scale::ordinal, true, false, ordinal_test},
    {TestKind::door, Scale::ordinal, true, false, ordinal_test},
}};

} // namespace

const TestSpec& test_spec(TestKind kind) {
  const TestSpec& spec = kTests[static_cast<std::size_t>(kind)];
  assert(spec.kind == kind);
  return spec;
}

TestResult analyse(const Analysis& analysis, const HypothesisData& data) {
  return test_spec(analysis.test).run(analysis, data);
}

TestResult analyse(const Analysis& analysis, const TwoArmCounts& c) {
  TestResult r;
  switch (analysis.test) {
  case TestKind::pooled_z:
  case TestKind::unpooled_z:
    r.z = analysis.test == TestKind::pooled_z ? pooled_z(c) : unpooled_z(c);
    r.reject = r.z >= analysis.critical_z;
    r.p = upper_p(r.z);
    break;
  case TestKind::bayes:
    // The posterior probability of superiority decides; p = 1 - it, so the
    // multiplicity procedures and alpha apply unchanged.
    r.z = pooled_z(c);
    r.p = 1.0 - posterior_superiority(c, analysis.prior_a, analysis.prior_b);
    r.reject = r.p <= analysis.alpha / analysis.sided;
    break;
  case TestKind::cmh:
  case TestKind::logistic:
  case TestKind::mean_difference:
  case TestKind::ancova:
  case TestKind::logrank:
  case TestKind::logrank_stratified:
  case TestKind::cox:
  case TestKind::km_difference:
  case TestKind::proportional_odds:
  case TestKind::proportional_odds_adjusted:
  case TestKind::wilcoxon:
  case TestKind::win_ratio:
  case TestKind::win_odds:
  case TestKind::net_benefit:
  case TestKind::door:
    // Need more than two counts: analyse(analysis, HypothesisData) handles them;
    // on counts alone they fall back to the pooled z.
    r.z = pooled_z(c);
    r.reject = r.z >= analysis.critical_z;
    r.p = upper_p(r.z);
    break;
  case TestKind::fisher:
    // z is reported for reference; the decision is the exact p-value's, and a
    // two-sided rejection counts only when it favours treatment.
    r.z = pooled_z(c);
    r.p =
        analysis.sided == 1 ? fisher_p_one_sided(c) : (r.z > 0 ? 0.5 * fisher_p_two_sided(c) : 1.0);
    r.reject = r.p <= analysis.alpha / analysis.sided;
    break;
  }
  const RiskDifference d = risk_difference(c);
  r.difference = d.estimate;
  r.ci_low = d.ci_low;
  r.ci_high = d.ci_high;
  return r;
}

RiskDifference risk_difference(const TwoArmCounts& c) {
  const double pt = rate(c.x_treatment, c.n_treatment);
  const double pc = rate(c.x_control, c.n_control);
  const double se = (c.n_treatment > 0 && c.n_control > 0)
                        ? std::sqrt(pt * (1 - pt) / c.n_treatment + pc * (1 - pc) / c.n_control)
                        : 0.0;
  return {pt - pc, pt - pc - z95() * se, pt - pc + z95() * se};
}

} // namespace sepsim

#include "sepsim/analysis.hpp"

#include <boost/math/distributions/normal.hpp>

#include <cmath>
#include <limits>

namespace sepsim {

namespace {
double rate(int x, int n) {
  return n > 0 ? static_cast<double>(x) / n : 0.0;
}
} // namespace

double pooled_z(const TwoArmCounts& c) {
  if (c.n_treatment == 0 || c.n_control == 0) return 0.0;
  const double p = rate(c.x_treatment + c.x_control, c.n_treatment + c.n_control);
  if (p <= 0.0 || p >= 1.0) return 0.0;
  const double se = std::sqrt(p * (1.0 - p) * (1.0 / c.n_treatment + 1.0 / c.n_control));
  return (rate(c.x_treatment, c.n_treatment) - rate(c.x_control, c.n_control)) / se;
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

TestResult analyse(const Analysis& analysis, const TwoArmCounts& c) {
  TestResult r;
  r.z = analysis.test == TestKind::pooled_z ? pooled_z(c) : unpooled_z(c);
  r.reject = r.z >= analysis.critical_z;
  const double pt = rate(c.x_treatment, c.n_treatment);
  const double pc = rate(c.x_control, c.n_control);
  r.difference = pt - pc;
  static const double z95 =
      boost::math::quantile(boost::math::complement(boost::math::normal(), 0.025));
  const double se = (c.n_treatment > 0 && c.n_control > 0)
                        ? std::sqrt(pt * (1 - pt) / c.n_treatment + pc * (1 - pc) / c.n_control)
                        : 0.0;
  r.ci_low = r.difference - z95 * se;
  r.ci_high = r.difference + z95 * se;
  return r;
}

} // namespace sepsim

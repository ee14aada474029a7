#include "sepsim/stats/multiplicity.hpp"

#include "sepsim/stats/closed_testing.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sepsim {

namespace {

// Indices of the m hypotheses sorted by p / weight (most significant first).
std::vector<int> by_significance(const Analysis& a, const HypothesisValues& p, int m) {
  std::vector<int> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) {
    return p[i] / a.hypotheses[i].weight < p[j] / a.hypotheses[j].weight;
  });
  return order;
}

// Largest z first, each against the critical value of the hypotheses not yet
// rejected; stop at the first that fails (closed testing shortcut).
HypothesisFlags dunnett_stepdown(const Analysis& a, const HypothesisValues& z, int m) {
  HypothesisFlags reject{};
  std::vector<int> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return z[i] > z[j]; });
  unsigned remaining = (1u << m) - 1;
  for (const int i : order) {
    if (z[i] < a.dunnett_critical_z[remaining]) break;
    reject[i] = true;
    remaining &= ~(1u << i);
  }
  return reject;
}

} // namespace

HypothesisFlags reject_family(const Analysis& a, double alpha, const HypothesisValues& p,
                              const HypothesisValues& z) {
  const int m = static_cast<int>(a.hypotheses.size());
  HypothesisFlags reject{};
  auto weight = [&](int i) { return a.hypotheses[i].weight; };
  switch (a.multiplicity) {
  case Multiplicity::none:
    for (int i = 0; i < m; ++i)
      reject[i] = p[i] <= alpha;
    break;
  case Multiplicity::bonferroni:
    for (int i = 0; i < m; ++i)
      reject[i] = p[i] <= weight(i) * alpha;
    break;
  case Multiplicity::holm: {
    // Weighted Holm: step down, each step at alpha * w_i / (remaining weight).
    double remaining = 0.0;
    for (int i = 0; i < m; ++i)
      remaining += weight(i);
    for (const int i : by_significance(a, p, m)) {
      if (p[i] > alpha * weight(i) / remaining) break;
      reject[i] = true;
      remaining -= weight(i);
    }
    break;
  }
  case Multiplicity::hochberg: {
    // Step up (equal weights): the largest k with p_(k) <= alpha / (m - k + 1)
    // rejects p_(1..k).
    const auto order = by_significance(a, p, m);
    for (int k = m; k >= 1; --k) {
      if (p[order[k - 1]] <= alpha / (m - k + 1)) {
        for (int j = 0; j < k; ++j)
          reject[order[j]] = true;
        break;
      }
    }
    break;
  }
  case Multiplicity::fixed_sequence:
    for (int i = 0; i < m && p[i] <= alpha; ++i)
      reject[i] = true;
    break;
  case Multiplicity::fallback: {
    // Wiens' fallback: H_i gets alpha * w_i plus the level of H_{i-1} if rejected.
    double carried = 0.0;
    for (int i = 0; i < m; ++i) {
      const double level = alpha * weight(i) + carried;
      reject[i] = p[i] <= level;
      carried = reject[i] ? level : 0.0;
    }
    break;
  }
  case Multiplicity::simes:
    reject = closed_test(a, IntersectionTest::simes, alpha, p, z);
    break;
  case Multiplicity::graphical:
    reject = closed_test(a, IntersectionTest::graphical, alpha, p, z);
    break;
  case Multiplicity::dunnett: {
    const double c = a.dunnett_critical_z[(1u << m) - 1];
    for (int i = 0; i < m; ++i)
      reject[i] = z[i] >= c;
    break;
  }
  case Multiplicity::dunnett_stepdown:
    reject = dunnett_stepdown(a, z, m);
    break;
  }
  return reject;
}

double dunnett_critical_z(const std::vector<double>& lambda, double alpha) {
  const boost::math::normal standard_normal;
  auto all_below = [&](double c) {
    auto integrand = [&](double x) {
      double product = boost::math::pdf(standard_normal, x);
      for (const double l : lambda)
        product *= boost::math::cdf(standard_normal, (c - l * x) / std::sqrt(1.0 - l * l));
      return product;
    };
    return boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        integrand, -std::numeric_limits<double>::infinity(),
        std::numeric_limits<double>::infinity(), 15, 1e-12);
  };
  auto excess = [&](double c) { return all_below(c) - (1.0 - alpha); };
  // Between the unadjusted and the Bonferroni critical values.
  const double lo = boost::math::quantile(boost::math::complement(standard_normal, alpha)) - 1e-9;
  const double hi =
      boost::math::quantile(boost::math::complement(standard_normal, alpha / lambda.size())) + 1e-9;
  std::uintmax_t iterations = 200;
  const auto root = boost::math::tools::toms748_solve(
      excess, lo, hi, boost::math::tools::eps_tolerance<double>(50), iterations);
  return 0.5 * (root.first + root.second);
}

} // namespace sepsim

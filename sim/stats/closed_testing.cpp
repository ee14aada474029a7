#include "sepsim/stats/closed_testing.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace sepsim {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Phi^{-1}(1 - p), bounded as rpact bounds it (p <= 0 and p = 1 stay finite).
double one_minus_qnorm(double p) {
  if (std::isnan(p)) return p;
  static const boost::math::normal standard_normal;
  p = std::clamp(p, 1e-100, 1.0);
  double z = p < 0.5 ? -boost::math::quantile(standard_normal, p)
                     : (p < 1.0 ? boost::math::quantile(standard_normal, 1.0 - p)
                                : -std::numeric_limits<double>::infinity());
  if (z > 21.0) z = 21.27345;
  if (z < -21.0) z = -21.27345;
  return z;
}

double normal_cdf(double x) {
  return 0.5 * std::erfc(-x / std::sqrt(2.0));
}

} // namespace

bool intersection_test_of(Multiplicity m, IntersectionTest* test) {
  switch (m) {
  case Multiplicity::bonferroni:
  case Multiplicity::holm:
    *test = IntersectionTest::bonferroni;
    return true;
  case Multiplicity::hochberg:
  case Multiplicity::simes:
    *test = IntersectionTest::simes;
    return true;
  case Multiplicity::dunnett:
  case Multiplicity::dunnett_stepdown:
    *test = IntersectionTest::dunnett;
    return true;
  case Multiplicity::fixed_sequence:
    *test = IntersectionTest::hierarchical;
    return true;
  case Multiplicity::graphical:
    *test = IntersectionTest::graphical;
    return true;
  case Multiplicity::none:
  case Multiplicity::fallback:
    return false;
  }
  return false;
}

std::vector<std::array<double, kMaxHypotheses>>
graph_intersection_weights(const std::vector<double>& weights,
                           const std::vector<std::vector<double>>& transitions) {
  const int m = static_cast<int>(weights.size());
  std::vector<std::array<double, kMaxHypotheses>> out(std::size_t{1} << m);
  for (unsigned mask = 1; mask < (1u << m); ++mask) {
    std::vector<double> w = weights;
    std::vector<std::vector<double>> g = transitions;
    unsigned left = (1u << m) - 1;
    for (int j = 0; j < m; ++j) {
      if ((mask >> j) & 1u) continue;
      // Remove H_j: its weight passes on; transitions bypass it.
      left &= ~(1u << j);
      std::vector<std::vector<double>> next = g;
      for (int l = 0; l < m; ++l) {
        if (!((left >> l) & 1u)) continue;
        w[l] += w[j] * g[j][l];
        for (int k = 0; k < m; ++k) {
          if (!((left >> k) & 1u) || k == l) {
            next[l][k] = 0.0;
            continue;
          }
          const double denominator = 1.0 - g[l][j] * g[j][l];
          next[l][k] = denominator > 1e-12 ? (g[l][k] + g[l][j] * g[j][k]) / denominator : 0.0;
        }
      }
      w[j] = 0.0;
      for (int k = 0; k < m; ++k)
        next[j][k] = next[k][j] = 0.0;
      g = std::move(next);
    }
    for (int h = 0; h < m; ++h)
      out[mask][h] = ((mask >> h) & 1u) ? w[h] : 0.0;
  }
  return out;
}

double dunnett_p(const std::vector<double>& lambda, double z) {
  if (lambda.size() == 1) return 1.0 - normal_cdf(z);
  // P(all Z_i <= z) = E_X prod_i Phi((z - lambda_i X) / sqrt(1 - lambda_i^2)),
  // by Gauss-Legendre on 16 panels of [-8.5, 8.5] (the tails add < 1e-16).
  auto integrand = [&](double x) {
    double product = std::exp(-0.5 * x * x) / std::sqrt(2.0 * M_PI);
    for (const double l : lambda)
      product *= normal_cdf((z - l * x) / std::sqrt(1.0 - l * l));
    return product;
  };
  constexpr int panels = 16;
  constexpr double lo = -8.5, hi = 8.5, width = (hi - lo) / panels;
  double below = 0.0;
  for (int i = 0; i < panels; ++i)
    below += boost::math::quadrature::gauss<double, 20>::integrate(integrand, lo + i * width,
                                                                   lo + (i + 1) * width);
  return std::clamp(1.0 - below, 0.0, 1.0);
}

double intersection_p(const Analysis& a, IntersectionTest test, unsigned mask, unsigned present,
                      const HypothesisValues& p, const HypothesisValues& z) {
  const unsigned members = mask & present;
  if (members == 0) return kNaN;
  const int m = static_cast<int>(a.hypotheses.size());
  std::vector<int> in;
  for (int h = 0; h < m; ++h)
    if ((members >> h) & 1u) in.push_back(h);
  const double count = static_cast<double>(in.size());
  switch (test) {
  case IntersectionTest::bonferroni: {
    // Weighted: min_i p_i / w_i with the weights of I renormalised to 1.
    double total = 0.0, best = std::numeric_limits<double>::infinity();
    for (const int h : in)
      total += a.hypotheses[h].weight;
    for (const int h : in)
      best = std::min(best, p[h] * total / a.hypotheses[h].weight);
    return std::min(best, 1.0);
  }
  case IntersectionTest::simes: {
    std::vector<double> sorted;
    for (const int h : in)
      sorted.push_back(p[h]);
    std::sort(sorted.begin(), sorted.end());
    double best = 1.0;
    for (std::size_t j = 0; j < sorted.size(); ++j)
      best = std::min(best, count / double(j + 1) * sorted[j]);
    return best;
  }
  case IntersectionTest::dunnett: {
    std::vector<double> lambda;
    double z_max = -std::numeric_limits<double>::infinity();
    for (const int h : in) {
      lambda.push_back(a.dunnett_lambda[h]);
      z_max = std::max(z_max, z[h]);
    }
    return dunnett_p(lambda, z_max);
  }
  case IntersectionTest::graphical: {
    // The graph's weights of the hypotheses of I with data (a valid test of
    // H_I, which implies their intersection, as for the other tests).
    const auto& w = a.graph_weights[members];
    double best = 1.0;
    for (const int h : in)
      if (w[h] > 0.0) best = std::min(best, p[h] / w[h]);
    return best;
  }
  case IntersectionTest::hierarchical:
    // The first hypothesis of I in testing order; a dropped one counts as p = 1.
    return ((present >> std::countr_zero(mask)) & 1u) ? p[std::countr_zero(mask)] : 1.0;
  }
  return kNaN;
}

HypothesisFlags closed_test(const Analysis& a, IntersectionTest test, double alpha,
                            const HypothesisValues& p, const HypothesisValues& z) {
  const int m = static_cast<int>(a.hypotheses.size());
  const unsigned all = (1u << m) - 1;
  HypothesisFlags reject{};
  for (int h = 0; h < m; ++h)
    reject[h] = true;
  for (unsigned mask = 1; mask <= all; ++mask) {
    if (intersection_p(a, test, mask, all, p, z) <= alpha) continue;
    for (int h = 0; h < m; ++h)
      if ((mask >> h) & 1u) reject[h] = false;
  }
  return reject;
}

ClosedCombinationTest::ClosedCombinationTest(const Analysis& analysis, IntersectionTest test,
                                             std::vector<double> weights)
    : analysis_(analysis), test_(test), weights_(std::move(weights)),
      m_(static_cast<int>(analysis.hypotheses.size())), sum_wz_(std::size_t{1} << m_, 0.0),
      sum_w2_(std::size_t{1} << m_, 0.0), rejected_(std::size_t{1} << m_, false) {}

HypothesisFlags ClosedCombinationTest::add_stage(unsigned present, const HypothesisValues& p,
                                                 const HypothesisValues& z, double efficacy_z,
                                                 double futility_z) {
  const double w = weights_[stage_++];
  const unsigned all = (1u << m_) - 1;
  futile_ = 0;
  for (unsigned mask = 1; mask <= all; ++mask) {
    // An intersection none of whose hypotheses is still tested has no
    // stage-wise p-value: it cannot be rejected any more (rpact: NA).
    const double p_stage = intersection_p(analysis_, test_, mask, present, p, z);
    sum_wz_[mask] += w * one_minus_qnorm(p_stage);
    sum_w2_[mask] += w * w;
    const double combined = sum_wz_[mask] / std::sqrt(sum_w2_[mask]);
    if (!std::isnan(combined) && combined >= efficacy_z) rejected_[mask] = true;
    if (!std::isnan(combined) && combined <= futility_z) futile_ |= mask;
  }
  HypothesisFlags reject{};
  for (int h = 0; h < m_; ++h) {
    reject[h] = true;
    for (unsigned mask = 1; mask <= all; ++mask)
      if (((mask >> h) & 1u) && !rejected_[mask]) reject[h] = false;
  }
  return reject;
}

} // namespace sepsim

#include "sepsim/stats/ordinal.hpp"

#include "eigen_blocking.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace sepsim {

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr int kMaxIterations = 30;
constexpr int kMaxHalvings = 30;
constexpr double kGradientTolerance = 1e-10;
constexpr double kRelativeTolerance = 1e-12;
constexpr double kStepTolerance = 1e-6; // largest |Newton step| at convergence
constexpr double kRunaway = 30.0;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

double logistic(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double e = std::exp(x);
  return e / (1.0 + e);
}

// logistic(x) and logistic(-x) from one exponential, each with the bits of
// its own call (both take the exponential of -|x|; at x = 0 both are 1/2).
void logistic_pair(double x, double& plus, double& minus) {
  if (x >= 0) {
    const double e = std::exp(-x);
    plus = 1.0 / (1.0 + e);
    minus = e / (1.0 + e);
    return;
  }
  const double e = std::exp(x);
  plus = e / (1.0 + e);
  minus = 1.0 / (1.0 + e);
}

// P(b < latent <= a) with a > b, from the tail that keeps the digits.
double cell_probability(double a, double b) {
  if (b > 0) return logistic(-b) - logistic(-a);
  return logistic(a) - logistic(b);
}

// The data with empty categories dropped: category[i] in 0..k-1.
struct Problem {
  explicit Problem(const DesignMatrix& covariates)
      : x(covariates.values.data(), static_cast<Eigen::Index>(covariates.rows),
          static_cast<Eigen::Index>(covariates.columns)) {}
  std::vector<int> category;
  std::vector<double> weight;
  Eigen::Map<const Matrix> x; // used only once prepare has checked the sizes
  int k = 0;
};

struct Evaluation {
  double log_likelihood = -kInfinity;
  Eigen::VectorXd gradient;
  Eigen::MatrixXd hessian;
};

// Log-likelihood at theta = (zeta_0..zeta_{k-2}, beta), with the gradient and
// Hessian when derivatives is set; -infinity when a cell probability is not
// positive (cut points out of order).
Evaluation evaluate(const Problem& pr, const Eigen::VectorXd& theta, bool derivatives) {
  const Eigen::Index cuts = pr.k - 1, p = pr.x.cols(), n = pr.x.rows();
  // Per-patient vectors reused across evaluations (no allocation a step).
  thread_local Eigen::VectorXd t_eta, t_beta_weight;
  Eigen::VectorXd& eta = t_eta;
  eta.noalias() = pr.x * theta.tail(p);
  Evaluation e;
  Eigen::VectorXd& beta_weight = t_beta_weight;
  beta_weight.setZero(n);
  if (derivatives) {
    e.gradient = Eigen::VectorXd::Zero(cuts + p);
    e.hessian = Eigen::MatrixXd::Zero(cuts + p, cuts + p);
  }
  double sum = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double w = pr.weight[static_cast<std::size_t>(i)];
    if (w == 0.0) continue;
    const int j = pr.category[static_cast<std::size_t>(i)];
    const double a = j < cuts ? theta[j] - eta[i] : kInfinity;
    const double b = j > 0 ? theta[j - 1] - eta[i] : -kInfinity;
    if (!derivatives) {
      const double prob = cell_probability(a, b);
      if (!(prob > 0.0) || !std::isfinite(eta[i])) return {};
      sum += w * std::log(prob);
      continue;
    }
    // The logistic density p (1 - p) at a and b and its slope p (1 - p)
    // (1 - 2 p), from logistic(a), (-a), (b), (-b); at a = +infinity (the top
    // category) and b = -infinity (the bottom one) the values logistic_pair
    // gives, unasked.
    double pa = 1, minus_a = 0, pb = 0, minus_b = 1;
    if (j < cuts) logistic_pair(a, pa, minus_a);
    if (j > 0) logistic_pair(b, pb, minus_b);
    const double prob = b > 0 ? minus_b - minus_a : pa - pb; // cell_probability
    if (!(prob > 0.0) || !std::isfinite(eta[i])) return {};
    sum += w * std::log(prob);
    const double da = pa * (1.0 - pa), db = pb * (1.0 - pb);
    const double la = da / prob, lb = -db / prob;
    const double laa = da * (1.0 - 2.0 * pa) / prob - la * la;
    const double lbb = -(db * (1.0 - 2.0 * pb)) / prob - lb * lb, lab = -la * lb;
    // Row i of x times a scalar taken from p entries of a column: element by
    // element as Eigen's `block -= scalar * row` (the same roundings), without
    // its set-up for a handful of covariates.
    const double* row = pr.x.data() + i * p;
    const auto subtract = [&](double* to, double scalar) {
      for (Eigen::Index c = 0; c < p; ++c)
        to[c] -= scalar * row[c];
    };
    if (j < cuts) {
      e.gradient[j] += w * la;
      e.hessian(j, j) += w * laa;
      subtract(&e.hessian(cuts, j), w * (laa + lab));
    }
    if (j > 0) {
      e.gradient[j - 1] += w * lb;
      e.hessian(j - 1, j - 1) += w * lbb;
      subtract(&e.hessian(cuts, j - 1), w * (lab + lbb));
    }
    if (j > 0 && j < cuts) e.hessian(j, j - 1) += w * lab;
    subtract(e.gradient.data() + cuts, w * (la + lb));
    beta_weight[i] = w * (laa + 2.0 * lab + lbb);
  }
  e.log_likelihood = sum;
  if (derivatives) {
    e.hessian.bottomRightCorner(p, p) = pr.x.transpose() * beta_weight.asDiagonal() * pr.x;
    // The lower triangle is filled: mirrored into the upper one in place.
    for (Eigen::Index c = 1; c < e.hessian.cols(); ++c)
      for (Eigen::Index r = 0; r < c; ++r)
        e.hessian(r, c) = e.hessian(c, r);
  }
  return e;
}

// Inverse of the observed information; false when it is not positive definite.
bool invert_information(const Eigen::MatrixXd& hessian, Eigen::MatrixXd& inverse) {
  const Eigen::MatrixXd information = -hessian;
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(information);
  if (ldlt.info() != Eigen::Success || !ldlt.isPositive()) return false;
  const double scale = information.diagonal().cwiseAbs().maxCoeff();
  if (!(ldlt.vectorD().minCoeff() > 1e-12 * scale)) return false;
  inverse = ldlt.solve(Eigen::MatrixXd::Identity(information.rows(), information.cols()));
  return inverse.allFinite();
}

// Checks the inputs and drops the empty categories; false when they are unusable.
bool prepare(const std::vector<int>& category, int categories, const DesignMatrix& covariates,
             const std::vector<double>* weights, Problem& pr) {
  const std::size_t n = category.size();
  if (categories < 2 || covariates.rows != n ||
      covariates.values.size() != covariates.rows * covariates.columns ||
      (weights != nullptr && weights->size() != n))
    return false;
  for (const double v : covariates.values)
    if (!std::isfinite(v)) return false;
  pr.weight = weights != nullptr ? *weights : std::vector<double>(n, 1.0);
  std::vector<double> total(static_cast<std::size_t>(categories), 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double w = pr.weight[i];
    if (!std::isfinite(w) || w < 0 || category[i] < 0 || category[i] >= categories) return false;
    total[static_cast<std::size_t>(category[i])] += w;
  }
  std::vector<int> compressed(static_cast<std::size_t>(categories), -1);
  for (std::size_t c = 0; c < total.size(); ++c)
    if (total[c] > 0) compressed[c] = pr.k++;
  if (pr.k < 2) return false;
  pr.category.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    pr.category[i] = compressed[static_cast<std::size_t>(category[i])];
  return true;
}

// Cut points at the logits of the marginal cumulative proportions, beta = 0.
Eigen::VectorXd start(const Problem& pr) {
  std::vector<double> total(static_cast<std::size_t>(pr.k), 0.0);
  for (std::size_t i = 0; i < pr.category.size(); ++i)
    total[static_cast<std::size_t>(pr.category[i])] += pr.weight[i];
  double all = 0;
  for (const double t : total)
    all += t;
  Eigen::VectorXd theta = Eigen::VectorXd::Zero(pr.k - 1 + pr.x.cols());
  double cumulative = 0;
  for (int j = 0; j + 1 < pr.k; ++j) {
    cumulative += total[static_cast<std::size_t>(j)];
    const double q = cumulative / all;
    theta[j] = std::log(q / (1.0 - q));
  }
  return theta;
}

bool runaway(const Eigen::VectorXd& theta, Eigen::Index p) {
  return p > 0 && !(theta.tail(p).cwiseAbs().maxCoeff() <= kRunaway);
}

// Newton-Raphson with step halving; false when it fails to converge. The
// gradient and likelihood criteria count only once the full Newton step is
// small too: under (quasi-)complete separation the likelihood flattens while
// the coefficient keeps moving by about 1 per step, towards |beta| > 30.
bool maximise(const Problem& pr, Eigen::VectorXd& theta, Evaluation& e, int& iterations) {
  const Eigen::Index p = pr.x.cols();
  e = evaluate(pr, theta, true);
  if (!std::isfinite(e.log_likelihood)) return false;
  for (iterations = 1; iterations <= kMaxIterations; ++iterations) {
    Eigen::MatrixXd inverse;
    if (!invert_information(e.hessian, inverse)) return false;
    Eigen::VectorXd step = inverse * e.gradient;
    const bool small = step.cwiseAbs().maxCoeff() < kStepTolerance;
    if (small && e.gradient.cwiseAbs().maxCoeff() < kGradientTolerance) return true;
    // The full step with its derivatives (kept when it is taken, as it mostly
    // is: the log-likelihood of a pass with derivatives is the same sum, bit
    // for bit); halved steps without.
    Eigen::VectorXd next = theta + step;
    Evaluation full = evaluate(pr, next, true);
    double value = full.log_likelihood;
    for (int h = 0; h < kMaxHalvings && !(value >= e.log_likelihood); ++h) {
      step /= 2.0;
      next = theta + step;
      value = evaluate(pr, next, false).log_likelihood;
    }
    if (!(value >= e.log_likelihood)) return small; // no ascent left: at the maximum
    const double change = (value - e.log_likelihood) / (std::abs(value) + 1e-300);
    const bool halved = !(full.log_likelihood >= e.log_likelihood);
    theta = next;
    e = halved ? evaluate(pr, theta, true) : std::move(full);
    if (runaway(theta, p)) return false;
    if (small && change < kRelativeTolerance) return true;
  }
  return false;
}

} // namespace

OrdinalFit fit_proportional_odds(const std::vector<int>& category, int categories,
                                 const DesignMatrix& covariates,
                                 const std::vector<double>* weights) {
  fix_eigen_blocking();
  OrdinalFit fit;
  fit.failed = true;
  Problem pr(covariates);
  if (!prepare(category, categories, covariates, weights, pr)) return fit;
  fit.categories_used = pr.k;
  Eigen::VectorXd theta = start(pr);
  Evaluation e;
  Eigen::MatrixXd covariance;
  const bool converged = maximise(pr, theta, e, fit.iterations);
  const Eigen::Index cuts = pr.k - 1, p = pr.x.cols();
  if (!converged || runaway(theta, p) || !invert_information(e.hessian, covariance)) return fit;
  fit.cut_points.assign(theta.data(), theta.data() + cuts);
  fit.coefficients.assign(theta.data() + cuts, theta.data() + cuts + p);
  for (Eigen::Index c = 0; c < p; ++c)
    fit.standard_errors.push_back(std::sqrt(covariance(cuts + c, cuts + c)));
  fit.log_likelihood = e.log_likelihood;
  fit.failed = false;
  return fit;
}

OrdinalFit fit_proportional_odds(const std::vector<double>& counts_treatment,
                                 const std::vector<double>& counts_control) {
  const std::size_t k = std::max(counts_treatment.size(), counts_control.size());
  std::vector<int> category;
  std::vector<double> weight, treated;
  for (std::size_t c = 0; c < k; ++c)
    for (int arm = 0; arm < 2; ++arm) {
      const auto& counts = arm == 1 ? counts_treatment : counts_control;
      const double w = c < counts.size() ? counts[c] : 0.0;
      if (w == 0.0) continue;
      category.push_back(static_cast<int>(c));
      weight.push_back(w);
      treated.push_back(arm);
    }
  const DesignMatrix x{category.size(), 1, treated};
  return fit_proportional_odds(category, static_cast<int>(k), x, &weight);
}

WilcoxonResult wilcoxon(const std::vector<double>& counts_treatment,
                        const std::vector<double>& counts_control) {
  WilcoxonResult r;
  const std::size_t k = std::max(counts_treatment.size(), counts_control.size());
  double n1 = 0, n0 = 0, u = 0, ties = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const double t = c < counts_treatment.size() ? counts_treatment[c] : 0.0;
    const double m = c < counts_control.size() ? counts_control[c] : 0.0;
    if (!std::isfinite(t) || !std::isfinite(m) || t < 0 || m < 0) {
      r.failed = true;
      return r;
    }
    u += t * (n0 + 0.5 * m); // n0 so far: controls in worse categories
    n1 += t;
    n0 += m;
    ties += (t + m) * (t + m) * (t + m) - (t + m);
  }
  const double n = n1 + n0;
  const double variance = n > 1 ? n1 * n0 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0))) : 0.0;
  if (!(n1 > 0) || !(n0 > 0) || !(variance > 1e-12 * n1 * n0)) {
    r.failed = true;
    return r;
  }
  r.z = (u - n1 * n0 / 2.0) / std::sqrt(variance);
  r.probability = u / (n1 * n0);
  return r;
}

} // namespace sepsim

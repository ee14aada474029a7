// Cox proportional hazards (fit_cox): coxph's Newton-Raphson with Efron ties.
#include "sepsim/stats/survival.hpp"

#include "eigen_blocking.hpp"

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace sepsim {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

constexpr double kCoxEps = 1e-9;        // coxph.control eps
constexpr int kCoxMaxIterations = 20;   // coxph.control iter.max
constexpr double kCholeskyTol = 1.8e-7; // ~ coxph.control toler.chol (eps^0.75)

// The records sorted by time descending, covariates centred (as coxph does;
// the partial likelihood does not change), and the running sums of one pass.
struct CoxData {
  std::vector<double> time;
  std::vector<char> event;
  RowMatrix x;
  Eigen::VectorXd eta, s1, d1, a;
  Eigen::MatrixXd s2, d2;
};

bool prepare(const std::vector<double>& time, const std::vector<bool>& event,
             const DesignMatrix& covariates, CoxData& data) {
  const std::size_t n = time.size(), p = covariates.columns;
  if (n == 0 || p == 0 || event.size() != n || covariates.rows != n ||
      covariates.values.size() != n * p ||
      !std::all_of(time.begin(), time.end(), [](double t) { return std::isfinite(t); }))
    return false;
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return time[a] > time[b]; });
  const auto ni = static_cast<Eigen::Index>(n), pi = static_cast<Eigen::Index>(p);
  data.time.resize(n);
  data.event.resize(n);
  data.x.resize(ni, pi);
  int events = 0;
  for (std::size_t r = 0; r < n; ++r) {
    const std::size_t from = order[r];
    data.time[r] = time[from];
    data.event[r] = event[from];
    events += event[from];
    for (std::size_t c = 0; c < p; ++c)
      data.x(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          covariates.values[from * p + c];
  }
  if (events == 0 || !data.x.allFinite()) return false;
  data.x.rowwise() -= data.x.colwise().mean();
  data.eta.resize(ni);
  data.s1.resize(pi);
  data.d1.resize(pi);
  data.a.resize(pi);
  data.s2.resize(pi, pi);
  data.d2.resize(pi, pi);
  return true;
}

// r x to v and r x x' to the lower triangle of m (p x p).
void add_weighted(double r, const double* x, Eigen::Index p, Eigen::VectorXd& v,
                  Eigen::MatrixXd& m) {
  for (Eigen::Index k = 0; k < p; ++k) {
    const double rx = r * x[k];
    v[k] += rx;
    for (Eigen::Index j = k; j < p; ++j)
      m(j, k) += rx * x[j];
  }
}

// The Efron terms of the deaths tied at one time: the k-th of d deaths sees
// the risk set less k/d of the dying (plain loops: p is small, Eigen's
// dynamic-size expressions cost more than the arithmetic here).
double add_tied_deaths(CoxData& data, int deaths, double s0, double d0, Eigen::VectorXd& u,
                       Eigen::MatrixXd& imat) {
  const Eigen::Index p = u.size();
  double minus_loglik = 0;
  for (int k = 0; k < deaths; ++k) {
    const double frac = static_cast<double>(k) / deaths, denom = s0 - frac * d0;
    minus_loglik += std::log(denom);
    for (Eigen::Index j = 0; j < p; ++j) {
      data.a[j] = (data.s1[j] - frac * data.d1[j]) / denom;
      u[j] -= data.a[j];
    }
    for (Eigen::Index c = 0; c < p; ++c)
      for (Eigen::Index j = c; j < p; ++j)
        imat(j, c) += (data.s2(j, c) - frac * data.d2(j, c)) / denom - data.a[j] * data.a[c];
  }
  return minus_loglik;
}

// Log partial likelihood with Efron ties at beta, its score u and information
// (minus the Hessian) imat, in one pass from the longest follow-up down: the
// risk set sums grow by the records of each time before its deaths are scored.
double efron(CoxData& data, const Eigen::VectorXd& beta, Eigen::VectorXd& u,
             Eigen::MatrixXd& imat) {
  const Eigen::Index n = data.x.rows(), p = data.x.cols();
  data.eta.noalias() = data.x * beta;
  u.setZero();
  imat.setZero();
  data.s1.setZero();
  data.s2.setZero();
  double s0 = 0, loglik = 0;
  for (Eigen::Index i = 0; i < n;) {
    const double t = data.time[static_cast<std::size_t>(i)];
    double d0 = 0;
    int deaths = 0;
    data.d1.setZero();
    data.d2.setZero();
    for (; i < n && data.time[static_cast<std::size_t>(i)] == t; ++i) {
      const double r = std::exp(data.eta[i]);
      const double* xi = data.x.data() + i * p; // row-major
      s0 += r;
      add_weighted(r, xi, p, data.s1, data.s2);
      if (!data.event[static_cast<std::size_t>(i)]) continue;
      ++deaths;
      d0 += r;
      add_weighted(r, xi, p, data.d1, data.d2);
      loglik += data.eta[i];
      for (Eigen::Index j = 0; j < p; ++j)
        u[j] += xi[j];
    }
    if (deaths > 0) loglik -= add_tied_deaths(data, deaths, s0, d0, u, imat);
  }
  for (Eigen::Index c = 1; c < p; ++c) // the upper triangle from the lower
    for (Eigen::Index j = 0; j < c; ++j)
      imat(j, c) = imat(c, j);
  return loglik;
}

// imat^-1 u (and imat^-1 when asked), from the Cholesky factor of imat scaled
// to unit diagonal; false when imat is not positive definite to the tolerance.
bool newton_solve(const Eigen::MatrixXd& imat, const Eigen::VectorXd& u, Eigen::VectorXd& step,
                  Eigen::MatrixXd* inverse) {
  const Eigen::ArrayXd diagonal = imat.diagonal().array();
  if (!(diagonal > 0).all() || !imat.allFinite()) return false;
  const Eigen::VectorXd scale = diagonal.rsqrt().matrix();
  const Eigen::MatrixXd scaled = scale.asDiagonal() * imat * scale.asDiagonal();
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(scaled);
  if (ldlt.info() != Eigen::Success || !(ldlt.vectorD().array() > kCholeskyTol).all()) return false;
  step = scale.asDiagonal() * ldlt.solve(scale.asDiagonal() * u);
  if (inverse) {
    const auto p = imat.rows();
    *inverse =
        scale.asDiagonal() * ldlt.solve(Eigen::MatrixXd::Identity(p, p)) * scale.asDiagonal();
  }
  return step.allFinite();
}

// coxph's estimate is infinite when the Newton step still due at convergence
// is large against the coefficient (coxph.fit's toler.inf = sqrt(eps) check).
bool runs_away(const Eigen::VectorXd& beta, const Eigen::VectorXd& step) {
  const double tolerance = std::sqrt(kCoxEps);
  for (Eigen::Index j = 0; j < beta.size(); ++j)
    if (std::abs(step[j]) > kCoxEps && std::abs(step[j]) > tolerance * std::abs(beta[j]))
      return true;
  return false;
}

} // namespace

// coxfit6's iteration: Newton steps from beta = 0, halving a step that lowers
// the likelihood; converged when the log likelihood changes by <= eps relative
// after a full (not halved) step; the variance is the inverse information there.
CoxFit fit_cox(const std::vector<double>& time, const std::vector<bool>& event,
               const DesignMatrix& covariates) {
  fix_eigen_blocking();
  CoxFit fit;
  CoxData data;
  if (!prepare(time, event, covariates, data)) {
    fit.failed = true;
    return fit;
  }
  const auto p = data.x.cols();
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(p), u(p), step(p), trial(p);
  Eigen::MatrixXd imat(p, p), inverse(p, p);
  double previous = efron(data, beta, u, imat), current = previous;
  bool ok = newton_solve(imat, u, step, nullptr), converged = false, halving = false;
  trial = beta + step;
  for (fit.iterations = 1; ok && fit.iterations <= kCoxMaxIterations; ++fit.iterations) {
    current = efron(data, trial, u, imat);
    const bool finite = std::isfinite(current);
    if (finite && !halving && std::abs(1.0 - previous / current) <= kCoxEps) {
      converged = true;
      break;
    }
    if (fit.iterations == kCoxMaxIterations) break;
    if (!finite || current < previous) {
      halving = true;
      trial = (beta + trial) / 2.0;
    } else {
      halving = false;
      previous = current;
      beta = trial;
      ok = newton_solve(imat, u, step, nullptr);
      trial = beta + step;
    }
  }
  ok = ok && converged && newton_solve(imat, u, step, &inverse);
  fit.failed = !ok || runs_away(trial, step) || !trial.allFinite();
  fit.log_likelihood = current;
  fit.coefficients.assign(trial.data(), trial.data() + p);
  fit.standard_errors.resize(static_cast<std::size_t>(p));
  for (Eigen::Index j = 0; j < p; ++j)
    fit.standard_errors[static_cast<std::size_t>(j)] = ok ? std::sqrt(inverse(j, j)) : 0.0;
  return fit;
}

} // namespace sepsim

#include "sepsim/stats/regression.hpp"

#include "eigen_blocking.hpp"

#include <Eigen/Dense>

#include <cmath>

namespace sepsim {

namespace {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Eigen::Map<const Matrix> as_matrix(const DesignMatrix& x) {
  return {x.values.data(), static_cast<Eigen::Index>(x.rows), static_cast<Eigen::Index>(x.columns)};
}

// Solves the normal equations; returns false when X'WX is singular.
bool solve(const Eigen::MatrixXd& information, const Eigen::VectorXd& score,
           Eigen::VectorXd& solution, Eigen::MatrixXd& inverse) {
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(information);
  if (ldlt.info() != Eigen::Success || !ldlt.isPositive()) return false;
  const double scale = information.diagonal().cwiseAbs().maxCoeff();
  if (!(ldlt.vectorD().cwiseAbs().minCoeff() > 1e-12 * scale)) return false;
  solution = ldlt.solve(score);
  inverse = ldlt.solve(Eigen::MatrixXd::Identity(information.rows(), information.cols()));
  return true;
}

void set_result(Fit& fit, const Eigen::VectorXd& beta, const Eigen::MatrixXd& covariance) {
  fit.coefficients.assign(beta.data(), beta.data() + beta.size());
  fit.standard_errors.resize(static_cast<std::size_t>(beta.size()));
  for (Eigen::Index i = 0; i < beta.size(); ++i)
    fit.standard_errors[static_cast<std::size_t>(i)] = std::sqrt(covariance(i, i));
}

} // namespace

Fit fit_logistic(const DesignMatrix& design, const std::vector<double>& outcome,
                 int max_iterations) {
  fix_eigen_blocking();
  Fit fit;
  const auto x = as_matrix(design);
  const Eigen::Map<const Eigen::VectorXd> y(outcome.data(),
                                            static_cast<Eigen::Index>(outcome.size()));
  const Eigen::Index n = x.rows();
  // Start as glm does: mu = (y + 0.5) / 2, eta = logit(mu).
  Eigen::VectorXd mu = (y.array() + 0.5) / 2.0;
  Eigen::VectorXd eta = (mu.array() / (1.0 - mu.array())).log();
  Eigen::VectorXd beta = Eigen::VectorXd::Zero(x.cols());
  Eigen::MatrixXd inverse;
  auto deviance = [&](const Eigen::VectorXd& m) {
    double d = 0.0;
    for (Eigen::Index i = 0; i < n; ++i)
      d -= 2.0 * (y[i] > 0.5 ? std::log(m[i]) : std::log(1.0 - m[i]));
    return d;
  };
  double previous = deviance(mu);
  for (fit.iterations = 1; fit.iterations <= max_iterations; ++fit.iterations) {
    const Eigen::VectorXd w = mu.array() * (1.0 - mu.array());
    const Eigen::VectorXd z = eta.array() + (y - mu).array() / w.array();
    const Eigen::MatrixXd information = x.transpose() * w.asDiagonal() * x;
    const Eigen::VectorXd score = x.transpose() * (w.array() * z.array()).matrix();
    if (!solve(information, score, beta, inverse)) {
      fit.status = FitStatus::singular;
      return fit;
    }
    eta = x * beta;
    mu = 1.0 / (1.0 + (-eta.array()).exp());
    const double current = deviance(mu);
    const bool converged = std::abs(current - previous) / (std::abs(current) + 0.1) < 1e-8;
    previous = current;
    if (converged) break;
  }
  // Refresh the covariance at the final estimate.
  const Eigen::VectorXd w = mu.array() * (1.0 - mu.array());
  Eigen::VectorXd unused;
  if (!solve(x.transpose() * w.asDiagonal() * x, Eigen::VectorXd::Zero(x.cols()), unused,
             inverse)) {
    fit.status = FitStatus::singular;
    return fit;
  }
  set_result(fit, beta, inverse);
  if (fit.iterations > max_iterations) fit.status = FitStatus::not_converged;
  // (Quasi-)complete separation: the MLE runs away and IRLS "converges" only
  // because the deviance reaches ~0, with fitted probabilities pinned at 0 or 1.
  const double eps = 1e-8;
  if ((mu.array() < eps).any() || (mu.array() > 1.0 - eps).any() || !beta.allFinite())
    fit.status = FitStatus::separation;
  return fit;
}

Fit fit_linear(const DesignMatrix& design, const std::vector<double>& outcome) {
  fix_eigen_blocking();
  Fit fit;
  const auto x = as_matrix(design);
  const Eigen::Map<const Eigen::VectorXd> y(outcome.data(),
                                            static_cast<Eigen::Index>(outcome.size()));
  Eigen::VectorXd beta;
  Eigen::MatrixXd inverse;
  if (x.rows() <= x.cols() || !solve(x.transpose() * x, x.transpose() * y, beta, inverse)) {
    fit.status = FitStatus::singular;
    return fit;
  }
  const Eigen::VectorXd residual = y - x * beta;
  const double sigma2 = residual.squaredNorm() / static_cast<double>(x.rows() - x.cols());
  set_result(fit, beta, sigma2 * inverse);
  fit.iterations = 1;
  return fit;
}

} // namespace sepsim

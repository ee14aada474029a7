// Regression fits for the adjusted analyses (Eigen inside, plain vectors at the
// interface so that model code never sees Eigen).
#pragma once

#include <cstddef>
#include <vector>

namespace sepsim {

// Design matrix in row-major order: rows x columns, the first column usually 1.
struct DesignMatrix {
  std::size_t rows = 0, columns = 0;
  std::vector<double> values;
  double& at(std::size_t r, std::size_t c) { return values[r * columns + c]; }
};

enum class FitStatus {
  ok,
  not_converged, // iteration limit reached
  separation,    // fitted probabilities within 1e-8 of 0 or 1: the MLE does not exist
  singular,      // collinear columns (e.g. a label present in one arm only)
};

struct Fit {
  FitStatus status = FitStatus::ok;
  std::vector<double> coefficients, standard_errors;
  int iterations = 0;
};

// Logistic regression by iteratively reweighted least squares, as R's glm
// (binomial, logit link): stops when |deviance change| / (|deviance| + 0.1) < 1e-8.
Fit fit_logistic(const DesignMatrix& x, const std::vector<double>& y, int max_iterations = 25);

// Ordinary least squares with the usual standard errors (ANCOVA).
Fit fit_linear(const DesignMatrix& x, const std::vector<double>& y);

} // namespace sepsim

// An estimate with its Monte Carlo standard error, and the accumulators that
// fold per-replicate values into estimates (in replicate order).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace sepsim {

struct Estimate {
  double value = 0;
  double mcse = 0; // Monte Carlo standard error
};

// Mean of a per-replicate quantity.
class MeanAccumulator {
public:
  void add(double x) {
    sum_ += x;
    sum_sq_ += x * x;
    ++m_;
  }
  Estimate estimate() const;
  double sd() const;
  std::uint64_t count() const { return m_; }

private:
  double sum_ = 0, sum_sq_ = 0;
  std::uint64_t m_ = 0;
};

// Ratio of sums, sum(x) / sum(n) over replicates, with the delta-method MCSE:
// pooled rates stay defined when some replicates have no patients in a cell.
class RatioAccumulator {
public:
  void add(double x, double n) {
    sx_ += x;
    sn_ += n;
    sxx_ += x * x;
    snn_ += n * n;
    sxn_ += x * n;
    ++m_;
  }
  Estimate estimate() const;

private:
  double sx_ = 0, sn_ = 0, sxx_ = 0, snn_ = 0, sxn_ = 0;
  std::uint64_t m_ = 0;
};

// The mean and SD of sums over m replicates (MeanAccumulator's).
Estimate mean_estimate(double sum, double sum_sq, std::uint64_t m);
double mean_sd(double sum, double sum_sq, std::uint64_t m);

// K means over the same replicates: MeanAccumulator's sums and estimates, the
// count kept once (the same numbers).
template <std::size_t K> class SharedMeanAccumulator {
public:
  void add(const std::array<double, K>& x) {
    for (std::size_t k = 0; k < K; ++k) {
      sum_[k] += x[k];
      sum_sq_[k] += x[k] * x[k];
    }
    ++m_;
  }
  Estimate estimate(std::size_t k) const { return mean_estimate(sum_[k], sum_sq_[k], m_); }
  double sd(std::size_t k) const { return mean_sd(sum_[k], sum_sq_[k], m_); }
  std::uint64_t count() const { return m_; }

private:
  std::array<double, K> sum_{}, sum_sq_{};
  std::uint64_t m_ = 0;
};

// The ratio estimate of sums over m replicates (RatioAccumulator's).
Estimate ratio_estimate(double sx, double sn, double sxx, double snn, double sxn, std::uint64_t m);

// K ratios whose replicates share the denominator n: RatioAccumulator's sums
// and estimates, the denominator's sums kept once (the same numbers).
template <std::size_t K> class SharedRatioAccumulator {
public:
  void add(const std::array<double, K>& x, double n) {
    for (std::size_t k = 0; k < K; ++k) {
      sx_[k] += x[k];
      sxx_[k] += x[k] * x[k];
      sxn_[k] += x[k] * n;
    }
    sn_ += n;
    snn_ += n * n;
    ++m_;
  }
  Estimate estimate(std::size_t k) const {
    return ratio_estimate(sx_[k], sn_, sxx_[k], snn_, sxn_[k], m_);
  }

private:
  std::array<double, K> sx_{}, sxx_{}, sxn_{};
  double sn_ = 0, snn_ = 0;
  std::uint64_t m_ = 0;
};

} // namespace sepsim

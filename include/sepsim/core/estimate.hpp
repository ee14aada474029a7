// An estimate with its Monte Carlo standard error, and the accumulators that
// fold per-replicate values into estimates (in replicate order).
#pragma once

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

} // namespace sepsim

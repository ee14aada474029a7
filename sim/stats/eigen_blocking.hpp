// Eigen's matrix products split their sums into blocks sized by the CPU's
// caches (Eigen::l1CacheSize() and the others, read from CPUID), so one
// product rounds differently on CPUs with other cache sizes: the adjusted
// proportional-odds design of scenarios/followup-endpoints.toml had a mean
// estimate of 0.41525162294506374 on a CPU with a 48 KiB L1 data cache and
// 0.415251622994322 on one with 32 KiB (tests/golden). Every fit that uses
// Eigen calls fix_eigen_blocking() first: the blocking of one cache size on
// every machine, so a seed gives the same bits everywhere.
#pragma once

#include <Eigen/Core>

namespace sepsim {

inline constexpr std::ptrdiff_t kEigenL1Bytes = 48 * 1024, kEigenL2Bytes = 1024 * 1024,
                                kEigenL3Bytes = 32 * 1024 * 1024;

// Sets Eigen's cache sizes once, before any fit's first product (a static:
// threads that arrive meanwhile wait for it).
inline void fix_eigen_blocking() {
  static const bool fixed = [] {
    Eigen::setCpuCacheSizes(kEigenL1Bytes, kEigenL2Bytes, kEigenL3Bytes);
    return true;
  }();
  (void)fixed;
}

} // namespace sepsim

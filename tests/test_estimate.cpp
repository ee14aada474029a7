// The accumulators that fold replicates (core/estimate.hpp): the shared rows
// the fold keeps (one count, or one denominator, for several quantities) give
// bit for bit what one accumulator per quantity gives.
#include "sepsim/core/estimate.hpp"
#include "sepsim/core/random.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>

using namespace sepsim;

namespace {

// The same bits (NaN equals NaN of the same bits).
bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}
bool same(const Estimate& a, const Estimate& b) {
  return same_bits(a.value, b.value) && same_bits(a.mcse, b.mcse);
}

// Values as the fold sees them: counts, indicators, fractions, negatives.
double value(Stream& stream, int kind) {
  const double u = static_cast<double>(stream()) / 4294967296.0;
  switch (kind) {
  case 0:
    return std::floor(300.0 * u); // a count
  case 1:
    return u < 0.3 ? 1.0 : 0.0; // an indicator
  case 2:
    return u - 0.5; // an estimate's error
  default:
    return 1e-3 * u * u; // a squared error
  }
}

} // namespace

TEST_CASE("A shared mean row equals one mean accumulator a quantity", "[estimate]") {
  Stream stream({41, Purpose::arm_counts, 0, 0, 0});
  SharedMeanAccumulator<5> row;
  std::array<MeanAccumulator, 5> alone;
  for (int m = 0; m < 3; ++m) { // estimates from no, one and two replicates
    for (int k = 0; k < 5; ++k) {
      CHECK(same(row.estimate(k), alone[k].estimate()));
      CHECK(same_bits(row.sd(k), alone[k].sd()));
    }
    std::array<double, 5> x{};
    for (int k = 0; k < 5; ++k)
      alone[k].add(x[k] = value(stream, k % 4));
    row.add(x);
  }
  for (int i = 0; i < 10000; ++i) {
    std::array<double, 5> x{};
    for (int k = 0; k < 5; ++k)
      alone[k].add(x[k] = value(stream, k % 4));
    x[4] = std::nan(""); // a quantity a design does not have (NaN in the summary)
    row.add(x);
  }
  CHECK(row.count() == alone[0].count());
  for (int k = 0; k < 4; ++k) {
    INFO("quantity " << k);
    CHECK(same(row.estimate(k), alone[k].estimate()));
    CHECK(same_bits(row.sd(k), alone[k].sd()));
  }
  CHECK(std::isnan(row.estimate(4).value));
}

TEST_CASE("A shared-denominator ratio row equals one ratio accumulator a rate", "[estimate]") {
  Stream stream({42, Purpose::arm_counts, 0, 0, 0});
  SharedRatioAccumulator<3> row;
  std::array<RatioAccumulator, 3> alone;
  for (int k = 0; k < 3; ++k) // no replicates: NaN
    CHECK(same(row.estimate(k), alone[k].estimate()));
  for (int i = 0; i < 10000; ++i) {
    const double n = i % 7 == 0 ? 0.0 : std::floor(value(stream, 0)); // some arms empty
    std::array<double, 3> x{};
    for (int k = 0; k < 3; ++k) {
      x[k] = n > 0 ? std::floor(n * static_cast<double>(stream()) / 4294967296.0) : 0.0;
      alone[k].add(x[k], n);
    }
    row.add(x, n);
    if (i < 2)
      for (int k = 0; k < 3; ++k)
        CHECK(same(row.estimate(k), alone[k].estimate()));
  }
  for (int k = 0; k < 3; ++k) {
    INFO("rate " << k);
    CHECK(same(row.estimate(k), alone[k].estimate()));
  }
}

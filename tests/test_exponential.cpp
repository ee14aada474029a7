// The pinned unit exponential (core/exponential.hpp): the same bits on every
// path (AVX-512, AVX2 and scalar, whichever this CPU has), within one ulp of
// the correctly rounded -log(u), and the Stream's bulk read.
#include "sepsim/core/exponential.hpp"
#include "sepsim/core/random.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <vector>

using namespace sepsim;

namespace {

// Words that probe the reduction: the ends, powers of two, either side of
// sqrt(2) and of sqrt(1/2) in the mantissa, then Philox words.
std::vector<std::uint32_t> probe_words(std::size_t random) {
  std::vector<std::uint32_t> words = {0u,          1u,          2u,          3u,
                                      0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu,
                                      0xb504f332u, 0xb504f333u, 0xb504f334u, 0x5a827998u,
                                      0x5a827999u, 0x5a82799au, 0x3fffffffu, 0x40000000u};
  for (std::uint32_t k = 0; k < 32; ++k)
    words.push_back((1u << k) - 1u);
  Stream stream({11, Purpose::arm_counts, 0, 0, 0});
  while (words.size() < random)
    words.push_back(stream());
  return words;
}

} // namespace

TEST_CASE("Unit exponentials are the same bits on every path", "[exponential]") {
  const std::vector<std::uint32_t> words = probe_words(100003); // not a multiple of the lanes
  std::vector<double> fastest(words.size()), avx2(words.size()), scalar(words.size());
  unit_exponentials(words.data(), words.size(), fastest.data(), ExponentialPath::fastest);
  unit_exponentials(words.data(), words.size(), avx2.data(), ExponentialPath::avx2);
  unit_exponentials(words.data(), words.size(), scalar.data(), ExponentialPath::scalar);
  std::size_t differ = 0;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto bits = std::bit_cast<std::uint64_t>(unit_exponential(words[i]));
    differ += std::bit_cast<std::uint64_t>(fastest[i]) != bits;
    differ += std::bit_cast<std::uint64_t>(avx2[i]) != bits;
    differ += std::bit_cast<std::uint64_t>(scalar[i]) != bits;
  }
  CHECK(differ == 0);
}

TEST_CASE("Unit exponentials are within one ulp of -log(u)", "[exponential]") {
  // u = (word + 1) 2^-32 is exact; libm's log is within an ulp of the truth,
  // so within 2 ulp of ours when ours is within one.
  double worst = 0.0;
  for (const std::uint32_t w : probe_words(200000)) {
    const double u = (static_cast<double>(w) + 1.0) * 0x1p-32;
    const double reference = -std::log(u), ours = unit_exponential(w);
    if (w == 0xffffffffu) {
      CHECK(std::bit_cast<std::uint64_t>(ours) == 0u); // u = 1: +0, not -0
      continue;
    }
    const double ulp = std::nextafter(reference, 1e300) - reference;
    worst = std::max(worst, std::abs(ours - reference) / ulp);
  }
  CHECK(worst <= 2.0);
  // The ends: u = 2^-32 gives 32 ln 2.
  CHECK(unit_exponential(0) == Approx(32.0 * std::log(2.0)).epsilon(1e-15));
}

TEST_CASE("Unit exponentials have the exponential's moments", "[exponential]") {
  // Mean 1, variance 1, P(E > 3) = e^-3, over 10^6 Philox words: 4 SE.
  Stream stream({3, Purpose::accrual, 0, 0, 0});
  std::vector<std::uint32_t> words(1000000);
  stream.read(words.data(), words.size());
  std::vector<double> e(words.size());
  unit_exponentials(words.data(), words.size(), e.data());
  double sum = 0, sum_sq = 0, tail = 0;
  for (const double x : e) {
    sum += x;
    sum_sq += x * x;
    tail += x > 3.0;
  }
  const double n = static_cast<double>(e.size());
  CHECK(std::abs(sum / n - 1.0) < 4.0 * 1.0 / std::sqrt(n));
  CHECK(std::abs(sum_sq / n - 2.0) < 4.0 * std::sqrt(20.0) / std::sqrt(n)); // Var(E^2) = 20
  const double p = std::exp(-3.0);
  CHECK(std::abs(tail / n - p) < 4.0 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("A stream's bulk read gives the words one at a time", "[random]") {
  Stream a({5, Purpose::arm_counts, 1, 2, 3}), b({5, Purpose::arm_counts, 1, 2, 3});
  // Reads of varied lengths across the one-block and batched refills.
  for (const std::size_t n : {1u, 3u, 4u, 5u, 63u, 64u, 65u, 200u, 7u}) {
    std::vector<std::uint32_t> bulk(n);
    a.read(bulk.data(), n);
    for (std::size_t i = 0; i < n; ++i)
      REQUIRE(bulk[i] == b());
  }
  CHECK(a() == b());
}

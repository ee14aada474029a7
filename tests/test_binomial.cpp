// The count level's binomial tables (core/binomial.hpp): thresholds against
// Boost.Math's exact binomial distribution function, the guide table against
// a plain search, one word a draw, and the draws' moments; the huge-page
// allocator of its hash sets (core/huge_pages.hpp).
#include "sepsim/core/binomial.hpp"
#include "sepsim/core/huge_pages.hpp"
#include "sepsim/core/random.hpp"

#include "support.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

using namespace sepsim;

namespace {

constexpr double kTwo32 = 4294967296.0;

// The (n, p) the tests use: tiny and huge n, p at both ends, and the count
// level's typical cells.
const std::vector<std::pair<std::uint32_t, double>> kCases = {
    {1, 0.5},     {1, 1e-12}, {2, 0.999999}, {7, 0.3},     {40, 0.02},     {138, 0.351},
    {138, 0.179}, {276, 0.5}, {1000, 0.001}, {1000, 0.97}, {5000, 0.4353}, {100000, 0.2},
    {3, 1e-300},  {50, 1e-9}, {60, 0.75},    {9, 0.5}};

// The outcome by a plain search of the thresholds.
std::uint32_t plain_search(const BinomialTable& t, std::uint32_t word) {
  std::uint32_t k = t.first();
  while (word >= t.threshold(k))
    ++k;
  return k;
}

} // namespace

TEST_CASE("Binomial table thresholds are 2^32 times the exact distribution function",
          "[binomial]") {
  for (const auto& [n, p] : kCases) {
    INFO("n = " << n << ", p = " << p);
    const BinomialTable table(n, p);
    const boost::math::binomial exact(n, p);
    REQUIRE(table.first() <= table.last());
    REQUIRE(table.last() <= n);
    REQUIRE(table.threshold(table.last()) == std::uint64_t{1} << 32);
    // Below first(): under one word of the 2^32 in all.
    if (table.first() > 0) CHECK(boost::math::cdf(exact, table.first() - 1) * kTwo32 < 1.0 + 1e-6);
    std::uint64_t before = 0;
    for (std::uint32_t k = table.first(); k <= table.last(); ++k) {
      const std::uint64_t t = table.threshold(k);
      CHECK(t >= before); // never decreasing
      before = t;
      // Each threshold within 2 words of 2^32 F(k) (the floor, and the double
      // arithmetic of the weights): every outcome's probability within 2^-31.
      const double want = k == n ? kTwo32 : boost::math::cdf(exact, k) * kTwo32;
      CHECK(std::abs(double(t) - want) <= 2.0 + 1e-9 * want);
    }
  }
}

TEST_CASE("Binomial table draws equal a plain search of the thresholds", "[binomial]") {
  Stream stream({17, Purpose::arm_counts, 0, 0, 0});
  for (const auto& [n, p] : kCases) {
    INFO("n = " << n << ", p = " << p);
    const BinomialTable table(n, p);
    std::vector<std::uint32_t> words = {0u, 1u, 0xfffffffeu, 0xffffffffu};
    // Either side of every threshold, and random words.
    for (std::uint32_t k = table.first(); k < table.last(); ++k) {
      const std::uint64_t t = table.threshold(k);
      for (std::uint64_t w : {t - 1, t, t + 1})
        if (w <= 0xffffffffu) words.push_back(static_cast<std::uint32_t>(w));
    }
    for (int i = 0; i < 20000; ++i)
      words.push_back(stream());
    for (const std::uint32_t w : words) {
      INFO("word " << w);
      REQUIRE(table(w) == plain_search(table, w));
    }
  }
}

TEST_CASE("Binomial tables rebuilt for another (n, p) equal fresh ones", "[binomial]") {
  BinomialTable reused;
  Stream stream({18, Purpose::arm_counts, 0, 0, 0});
  for (const auto& [n, p] : kCases) {
    reused.build(n, p);
    const BinomialTable fresh(n, p);
    REQUIRE(reused.first() == fresh.first());
    REQUIRE(reused.last() == fresh.last());
    for (int i = 0; i < 2000; ++i) {
      const std::uint32_t w = stream();
      REQUIRE(reused(w) == fresh(w));
    }
  }
  CHECK_THROWS_AS(BinomialTable(0, 0.5), std::invalid_argument);
  CHECK_THROWS_AS(BinomialTable(5, 0.0), std::invalid_argument);
  CHECK_THROWS_AS(BinomialTable(5, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(BinomialTable(5, std::nan("")), std::invalid_argument);
}

TEST_CASE("binomial_draw reads one word a draw, none at the ends", "[binomial]") {
  Stream a({19, Purpose::arm_counts, 0, 0, 0}), b({19, Purpose::arm_counts, 0, 0, 0});
  CHECK(binomial_draw(a, 0, 0.5) == 0);
  CHECK(binomial_draw(a, 10, 0.0) == 0);
  CHECK(binomial_draw(a, 10, 1.0) == 10);
  // Alternating (n, p), as two arms of a design do: the cache holds both.
  for (int i = 0; i < 1000; ++i) {
    const std::uint32_t n = i % 2 ? 138 : 91;
    const double p = i % 2 ? 0.351 : 0.179;
    REQUIRE(binomial_draw(a, n, p) == BinomialTable(n, p)(b()));
  }
}

TEST_CASE("binomial_draw gives the fresh table's draw however the cache's sets fill and evict",
          "[binomial]") {
  // 40,000 (n, p) in rotation overflow the cache's 16,384 slots, two a set:
  // sets fill, their tables move between the two slots, and are evicted and
  // rebuilt for other (n, p); every draw must still be its own table's.
  Stream a({21, Purpose::arm_counts, 0, 0, 0}), b({21, Purpose::arm_counts, 0, 0, 0});
  for (int i = 0; i < 80000; ++i) {
    const auto k = static_cast<std::uint32_t>((i * 7919) % 40000);
    const std::uint32_t n = 1 + k % 300;
    const double p = 0.01 + 0.98 * static_cast<double>(k / 300) / 200.0;
    REQUIRE(binomial_draw(a, n, p) == BinomialTable(n, p)(b()));
  }
}

TEST_CASE("Binomial draws have the binomial's mean and variance (4 SE)", "[binomial]") {
  Stream stream({20, Purpose::arm_counts, 0, 0, 0});
  const std::uint64_t draws = test::replicates(400000);
  for (const auto& [n, p] : std::vector<std::pair<std::uint32_t, double>>{
           {138, 0.351}, {20, 0.05}, {5000, 0.4353}, {3, 0.9}}) {
    INFO("n = " << n << ", p = " << p);
    double sum = 0.0, sum_sq = 0.0;
    for (std::uint64_t i = 0; i < draws; ++i) {
      const double x = binomial_draw(stream, n, p);
      sum += x;
      sum_sq += x * x;
    }
    const double mean = n * p, var = n * p * (1.0 - p);
    const double m = sum / double(draws);
    CHECK(std::abs(m - mean) <= 4.0 * std::sqrt(var / double(draws)));
    // Var of (X - mean)^2 = mu4 - var^2, mu4 = var (1 + 3 (n - 2) p q) for Bin(n, p).
    const double mu4 = var * (1.0 + 3.0 * (n - 2.0) * p * (1.0 - p));
    const double second = sum_sq / double(draws) - 2.0 * mean * m + mean * mean;
    CHECK(std::abs(second - var) <= 4.0 * std::sqrt((mu4 - var * var) / double(draws)));
  }
}

TEST_CASE("Each thread's binomial tables give the draws of one table", "[binomial]") {
  // Two threads drawing the same (n, p) from their own caches: each draw is
  // that of a fresh table on the same word, whichever thread draws.
  const auto draws = [](std::uint64_t seed, std::vector<std::uint32_t>& out) {
    Stream stream({seed, Purpose::arm_counts, 0, 0, 0});
    for (int i = 0; i < 20000; ++i)
      out.push_back(binomial_draw(stream, 100 + i % 60, i % 3 ? 0.351 : 0.179));
  };
  std::vector<std::uint32_t> first, second;
  std::thread a(draws, 21, std::ref(first)), b(draws, 22, std::ref(second));
  a.join();
  b.join();
  for (const auto& [seed, got] : {std::pair{21, &first}, std::pair{22, &second}}) {
    Stream words({static_cast<std::uint64_t>(seed), Purpose::arm_counts, 0, 0, 0});
    for (int i = 0; i < 20000; ++i)
      REQUIRE((*got)[i] == BinomialTable(100 + i % 60, i % 3 ? 0.351 : 0.179)(words()));
  }
}

TEST_CASE("Large buffers come zeroed and 2 MiB-aligned from the huge-page allocator; small ones "
          "from the default allocator") {
  using Results = std::vector<std::uint64_t, sepsim::HugePageAllocator<std::uint64_t>>;
  const std::size_t big = (3u << 20) / sizeof(std::uint64_t); // 3 MiB: two 2 MiB pages
  Results results(big);
  const auto address = reinterpret_cast<std::uintptr_t>(results.data());
  if (sepsim::huge_pages_for(big * sizeof(std::uint64_t))) // not in sanitizer builds
    CHECK(address % (std::size_t{2} << 20) == 0);
  CHECK(std::all_of(results.begin(), results.end(), [](std::uint64_t x) { return x == 0; }));
  for (std::size_t i = 0; i < big; ++i)
    results[i] = i;
  Results copy = results; // a second mapping, then both returned
  CHECK(copy.back() == big - 1);
  CHECK_FALSE(sepsim::huge_pages_for(4096));
  Results small(16, 7);
  CHECK(small[15] == 7);
}

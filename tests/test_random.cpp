// Known answers and basic statistics of the counter-based streams.
#include "sepsim/core/random.hpp"

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

TEST_CASE("Philox4x32-10 reproduces Random123's known-answer vectors", "[random]") {
  // From Random123's kat_vectors (philox4x32 10 rounds).
  CHECK(philox4x32_10({0, 0, 0, 0}, {0, 0}) ==
        std::array<std::uint32_t, 4>{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}) ==
        std::array<std::uint32_t, 4>{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}) ==
        std::array<std::uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("A stream is a pure function of its identity", "[random]") {
  const StreamId id{42, Purpose::patient_screening, 3, 17, 99};
  Stream a(id), b(id);
  for (int i = 0; i < 100; ++i)
    REQUIRE(a() == b());

  // Changing any one component of the identity changes the draws.
  const StreamId variants[] = {{43, Purpose::patient_screening, 3, 17, 99},
                               {42, Purpose::patient_outcomes, 3, 17, 99},
                               {42, Purpose::patient_screening, 4, 17, 99},
                               {42, Purpose::patient_screening, 3, 18, 99},
                               {42, Purpose::patient_screening, 3, 17, 100}};
  for (const auto& v : variants) {
    Stream base(id), other(v);
    int same = 0;
    for (int i = 0; i < 8; ++i)
      same += base() == other();
    CHECK(same == 0);
  }
}

TEST_CASE("The first words of a stream are Philox of its counter layout", "[random]") {
  // Layout: key = seed; counter = (block, entity, replicate, purpose << 24 | grid).
  Stream s({0x0000000500000007ull, Purpose::randomisation, 9, 11, 13});
  const auto expected = philox4x32_10({0, 13, 11, (3u << 24) | 9u}, {7, 5});
  for (int i = 0; i < 4; ++i)
    CHECK(s() == expected[i]);
  const auto second = philox4x32_10({1, 13, 11, (3u << 24) | 9u}, {7, 5});
  CHECK(s() == second[0]);
}

TEST_CASE("Boost distributions over a stream have the right moments", "[random]") {
  // 200,000 draws: mean and variance within 4 Monte Carlo SE.
  constexpr int n = 200000;
  Stream s({7, Purpose::patient_outcomes, 0, 0, 0});
  boost::random::uniform_01<double> uniform;
  boost::random::normal_distribution<double> normal;
  double su = 0, sn = 0, snn = 0;
  for (int i = 0; i < n; ++i) {
    su += uniform(s);
    const double z = normal(s);
    sn += z;
    snn += z * z;
  }
  CHECK(std::abs(su / n - 0.5) < 4 * std::sqrt(1.0 / 12 / n));
  CHECK(std::abs(sn / n) < 4 * std::sqrt(1.0 / n));
  CHECK(std::abs(snn / n - 1.0) < 4 * std::sqrt(2.0 / n));
}

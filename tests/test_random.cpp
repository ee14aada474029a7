// Known answers and basic statistics of the counter-based streams.
#include "sepsim/core/normal.hpp"
#include "sepsim/core/random.hpp"

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <stdexcept>
#include <utility>
#include <vector>

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

TEST_CASE("Batched Philox gives philox4x32_10's words on every path", "[random]") {
  // Every path (AVX-512, AVX2 where this CPU has them, one block at a time) against
  // Random123, on varied counters and keys, the block counter wrapping included.
  const std::uint32_t firsts[] = {0, 1, 7, 0x12345678, 0xfffffffau};
  const std::array<std::uint32_t, 2> keys[] = {{0, 0}, {7, 5}, {0xffffffff, 0x9e3779b9}};
  std::uint32_t words[4 * kPhiloxStreamBatch];
  int checked = 0;
  for (const PhiloxPath path : {PhiloxPath::fastest, PhiloxPath::avx2, PhiloxPath::scalar})
    for (const std::uint32_t first : firsts)
      for (const auto& key : keys) {
        const std::array<std::uint32_t, 4> counter{0, first ^ 13, 11, (3u << 24) | 9u};
        philox4x32_10_batch(first, counter, key, words, path);
        for (std::uint32_t b = 0; b < kPhiloxStreamBatch; ++b) {
          const auto expected = philox4x32_10({first + b, counter[1], counter[2], counter[3]}, key);
          for (int w = 0; w < 4; ++w) {
            CHECK(words[4 * b + w] == expected[static_cast<std::size_t>(w)]);
            ++checked;
          }
        }
      }
  CHECK(checked == 3 * 5 * 3 * 4 * static_cast<int>(kPhiloxStreamBatch));
  INFO("SIMD path on this CPU: " << (philox_simd_available() ? "yes" : "no"));
  SUCCEED();
}

TEST_CASE("Philox on arbitrary lanes, several sets, gives philox4x32_10's words", "[random]") {
  // 1 to 16 sets of eight unrelated counters (on the SIMD paths: one set
  // alone, two, four and six interleaved, an odd count leaving half a
  // register set unused), every path; nothing written past the sets' words.
  std::array<PhiloxLanes, 16> lanes;
  std::uint32_t x = 12345;
  for (auto& set : lanes)
    for (auto& word : set)
      for (auto& lane : word)
        lane = x = x * 1664525u + 1013904223u;
  const std::array<std::uint32_t, 2> key{0xdeadbeef, 42};
  constexpr std::uint32_t kGuard = 0x5a5a5a5au;
  for (std::size_t sets = 1; sets <= lanes.size(); ++sets)
    for (const PhiloxPath path : {PhiloxPath::fastest, PhiloxPath::avx2, PhiloxPath::scalar}) {
      std::vector<std::uint32_t> out(4 * kPhiloxBatch * (lanes.size() + 1), kGuard);
      philox4x32_10_lanes(lanes.data(), sets, key, out.data(), path);
      for (std::size_t s = 0; s < sets; ++s)
        for (std::size_t j = 0; j < kPhiloxBatch; ++j) {
          const auto expected =
              philox4x32_10({lanes[s][0][j], lanes[s][1][j], lanes[s][2][j], lanes[s][3][j]}, key);
          for (std::size_t w = 0; w < 4; ++w)
            REQUIRE(out[4 * (kPhiloxBatch * s + j) + w] == expected[w]);
        }
      for (std::size_t k = 4 * kPhiloxBatch * sets; k < out.size(); ++k)
        REQUIRE(out[k] == kGuard);
    }
}

TEST_CASE("A stream's words run on across batched refills", "[random]") {
  // The first four blocks one at a time, then batches: word i is always word i % 4 of block i / 4.
  Stream s({0x0000000500000007ull, Purpose::accrual, 2, 3, 4});
  for (std::uint32_t i = 0; i < 4 * (4 + 3 * kPhiloxStreamBatch); ++i) {
    const auto block = philox4x32_10({i / 4, 4, 3, (5u << 24) | 2u}, {7, 5});
    REQUIRE(s() == block[i % 4]);
  }
}

TEST_CASE("Entity streams give each entity's own stream, eight entities at a time", "[random]") {
  // Entities in and out of order, across groups of eight (and of sixteen), each
  // read past the blocks computed ahead: the words of Stream(id with that entity).
  const StreamId id{0x0000000500000007ull, Purpose::patient_screening, 9, 11, 0};
  for (const std::uint32_t group : {8u, 16u})
    for (const std::uint32_t blocks : {3u, 1u, 8u}) {
      EntityStreams streams(id, blocks, group);
      for (const std::uint32_t entity :
           {0u, 1u, 7u, 8u, 3u, 15u, 17u, 16u, 31u, 30u, 1000u, 0xfffffffeu}) {
        Stream fast = streams.stream(entity);
        StreamId own = id;
        own.entity = entity;
        Stream plain(own);
        for (std::uint32_t i = 0; i < 4 * blocks + 40; ++i)
          REQUIRE(fast() == plain());
      }
    }
  REQUIRE_THROWS_AS(EntityStreams(id, 3, 12), std::invalid_argument);
}

TEST_CASE("Entity streams of any eight entities give each its own stream", "[random]") {
  // Gathered sets (2, 8 and 1 entities, in any order, spare lanes repeating
  // the last), each lane's stream read past the blocks computed ahead, then
  // an entity of no set: the words of Stream(id with that entity).
  const StreamId id{0x0000000500000007ull, Purpose::patient_outcomes, 9, 11, 0};
  EntityStreams streams(id, 4);
  const std::vector<std::vector<std::uint32_t>> sets = {
      {5, 900}, {3, 4, 12, 13, 40, 41, 77, 0xfffffff0u}, {6}};
  const auto same = [&](Stream fast, std::uint32_t entity) {
    StreamId own = id;
    own.entity = entity;
    Stream plain(own);
    for (int i = 0; i < 4 * 4 + 40; ++i)
      REQUIRE(fast() == plain());
  };
  for (const auto& set : sets) {
    streams.fill_entities(set.data(), static_cast<std::uint32_t>(set.size()));
    for (std::uint32_t lane = 0; lane < set.size(); ++lane) {
      same(streams.lane_stream(lane, set[lane]), set[lane]);
      same(streams.stream(set[lane]), set[lane]);
    }
  }
  same(streams.stream(1000), 1000);
  REQUIRE_THROWS_AS(streams.fill_entities(sets[0].data(), 0), std::invalid_argument);
}

#ifdef SEPSIM_CHECKED_STREAMS
TEST_CASE("A borrowed stream read after its lender computed others throws (checked builds)",
          "[random]") {
  // Consecutive and gathered fills; a moved stream keeps the check; words
  // read past the borrowed blocks (the stream's own) are not checked.
  EntityStreams streams({7, Purpose::patient_outcomes, 0, 0, 0}, 2);
  Stream early = streams.stream(3);
  REQUIRE_NOTHROW(early());
  Stream moved = streams.stream(4);
  Stream other = streams.stream(11); // another eight: a fill
  REQUIRE_NOTHROW(other());
  REQUIRE_THROWS_AS(early(), std::logic_error);
  Stream kept = std::move(moved);
  REQUIRE_THROWS_AS(kept(), std::logic_error);
  const std::uint32_t set[] = {5, 40};
  streams.fill_entities(set, 2);
  Stream lane = streams.lane_stream(1, 40);
  Stream own = streams.lane_stream(0, 5);
  for (int i = 0; i < 8; ++i) // its two borrowed blocks, then its own words
    own();
  streams.fill_entities(set, 1);
  REQUIRE_THROWS_AS(lane(), std::logic_error);
  REQUIRE_NOTHROW(own());
}
#endif

TEST_CASE("Two purposes' entity streams filled in one call give each its own stream", "[random]") {
  // Outcome (4 blocks) and survival (2 blocks) streams of the same entities,
  // then block counts giving 2 to 16 sets in all (every way the sets share
  // SIMD register sets), and two seeds (one call each): every lane's stream,
  // read past its blocks, is Stream(id with that entity).
  const std::vector<std::uint32_t> set = {3, 4, 12, 13, 40, 41, 77, 0xfffffff0u};
  const auto same = [](Stream fast, StreamId id, std::uint32_t entity, std::uint32_t blocks) {
    id.entity = entity;
    Stream plain(id);
    for (std::uint32_t i = 0; i < 4 * blocks + 20; ++i)
      REQUIRE(fast() == plain());
  };
  const std::uint32_t block_pairs[][2] = {{4, 2}, {1, 1}, {2, 3}, {3, 3}, {8, 8}, {5, 2}, {8, 1}};
  for (const auto& blocks : block_pairs)
    for (const std::uint64_t other_seed : {31ull, 32ull}) {
      const StreamId a_id{31, Purpose::patient_outcomes, 2, 5, 0};
      const StreamId b_id{other_seed, Purpose::patient_survival, 2, 5, 0};
      EntityStreams a(a_id, blocks[0]), b(b_id, blocks[1]);
      for (const std::uint32_t n : {8u, 3u}) {
        EntityStreams::fill_entities(a, b, set.data(), n);
        for (std::uint32_t lane = 0; lane < n; ++lane) {
          same(a.lane_stream(lane, set[lane]), a_id, set[lane], blocks[0]);
          same(b.lane_stream(lane, set[lane]), b_id, set[lane], blocks[1]);
        }
      }
    }
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

TEST_CASE("UniformBelow draws what Boost's uniform_int_distribution draws", "[random]") {
  // Small n (block shuffles), n near powers of two, where a bucket rounds up,
  // and the largest n allowed; two streams with the same identity, one read
  // by Boost and one by UniformBelow, must give the same values and stay in step.
  const std::uint32_t sizes[] = {1,
                                 2,
                                 3,
                                 5,
                                 7,
                                 10,
                                 64,
                                 100,
                                 255,
                                 256,
                                 257,
                                 1000,
                                 65535,
                                 65536,
                                 65537,
                                 1u << 30,
                                 (1u << 30) + 1,
                                 3000000019u / 2,
                                 0x7fffffffu,
                                 0x80000000u};
  std::uint32_t replicate = 0;
  for (const std::uint32_t n : sizes) {
    const StreamId id{99, Purpose::randomisation, 0, replicate++, 0};
    Stream a(id), b(id);
    const UniformBelow below(n);
    boost::random::uniform_int_distribution<std::size_t> boost_draw(0, n - 1);
    for (int i = 0; i < 2000; ++i) {
      const std::size_t expected = boost_draw(a);
      REQUIRE(below(b) == expected);
    }
    REQUIRE(a() == b()); // the same words consumed, rejections included
  }
  CHECK_THROWS_AS(UniformBelow(0), std::invalid_argument);
  CHECK_THROWS_AS(UniformBelow(0x80000001u), std::invalid_argument);
}

TEST_CASE("normal_draw draws what Boost's normal_distribution draws, word for word", "[random]") {
  // Streams of their own and borrowed from EntityStreams; a uniform now and
  // then shifts the normals' words across the buffer's ends (where the first
  // try is Boost's) and means and SDs other than 0 and 1: the same bits, and
  // the streams in step after each patient. Boost's wedges and tail (first
  // tries rejected) come up thousands of times.
  EntityStreams borrowed({31, Purpose::patient_outcomes, 2, 5, 0}, 4);
  for (std::uint32_t entity = 0; entity < 600; ++entity) {
    const StreamId id{31, Purpose::patient_outcomes, 2, 5, entity};
    Stream a(id), b = entity % 2 ? borrowed.stream(entity) : Stream(id);
    for (int i = 0; i < 300; ++i) {
      if ((i + entity) % 7 == 0) REQUIRE(a() == b());
      const double mean = (i % 3) * 1.5, sd = 1.0 + (i % 5) * 0.25;
      const double expected = boost::random::normal_distribution<double>(mean, sd)(a);
      const double drawn = normal_draw(b, mean, sd);
      REQUIRE(std::bit_cast<std::uint64_t>(drawn) == std::bit_cast<std::uint64_t>(expected));
    }
    REQUIRE(a() == b());
  }
}

TEST_CASE("Boost's first try is rejected as often as its table says", "[random]") {
  // A first try takes box i (of 128) and a uniform r, and is kept when
  // r x[i] < x[i + 1]: rejected with P = mean over boxes of 1 - x[i+1] / x[i].
  const double* table_x = boost::random::detail::normal_table<double>::table_x;
  double p = 0.0;
  for (int i = 0; i < 128; ++i)
    p += (1.0 - table_x[i + 1] / table_x[i]) / 128.0;
  constexpr int kPairs = 400000;
  Stream words({32, Purpose::patient_screening, 0, 0, 0});
  int rejected = 0;
  double sum = 0.0, sum2 = 0.0;
  for (int i = 0; i < kPairs; ++i) {
    double z = 0;
    const std::uint32_t first = words(), second = words();
    if (!normal_first_try(first, second, z)) {
      ++rejected;
      continue;
    }
    sum += z;
    sum2 += z * z;
  }
  INFO("rejected " << rejected << " of " << kPairs << ", expected P " << p);
  CHECK(std::abs(rejected - kPairs * p) <= 4.0 * std::sqrt(kPairs * p * (1 - p)));
  // The kept first tries are the normal without its wedges and tail: mean 0.
  const double kept = kPairs - rejected;
  CHECK(std::abs(sum / kept) <= 4.0 * std::sqrt(sum2 / kept / kept));
}

// Philox4x32-10 of sets of eight counter blocks at once: sixteen consecutive
// blocks of one stream in heavy use (philox4x32_10_batch), or any counters, such as the
// first blocks of eight patients' streams (philox4x32_10_lanes, in sets of
// eight). The same words as Random123's Philox4x32_R<10> (integer arithmetic
// only, so every instruction set gives the same bits); on CPUs with AVX2 each
// set of eight runs in the lanes of one register set, two sets interleaved,
// and with AVX-512 a stream's sixteen blocks, or two sets of eight lanes, run
// in one register set of sixteen lanes, up to three register sets
// interleaved (chosen at run time, so one binary runs everywhere); elsewhere
// one block at a time.
#include "sepsim/core/random.hpp"

#include <Random123/philox.h>

#include "sepsim/core/cpu_features.hpp"

#ifdef SEPSIM_X86_SIMD
#include <immintrin.h>
#endif

namespace sepsim {

namespace {

using Lanes = PhiloxLanes;

void lanes_scalar(const Lanes& counters, const std::array<std::uint32_t, 2>& key,
                  std::uint32_t* out) {
  const r123::Philox4x32_R<10> philox;
  const r123::Philox4x32_R<10>::key_type k = {{key[0], key[1]}};
  for (std::uint32_t b = 0; b < kPhiloxBatch; ++b) {
    const auto words =
        philox({{counters[0][b], counters[1][b], counters[2][b], counters[3][b]}}, k);
    for (int w = 0; w < 4; ++w)
      out[4 * b + w] = words[w];
  }
}

#ifdef SEPSIM_X86_SIMD
static_assert(kPhiloxBatch == 8, "the AVX2 path runs one block a lane");

__attribute__((target("avx2"))) inline __m256i splat(std::uint32_t v) {
  return _mm256_set1_epi32(static_cast<int>(v));
}

__attribute__((target("avx2"))) inline __m256i
load(const std::array<std::uint32_t, kPhiloxBatch>& lane) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lane.data()));
}

// hi and lo words of the 64-bit products m * x in each 32-bit lane.
__attribute__((target("avx2"))) inline void mulhilo(__m256i x, __m256i m, __m256i& hi,
                                                    __m256i& lo) {
  const __m256i even = _mm256_mul_epu32(x, m);                       // lanes 0, 2, 4, 6
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(x, 32), m); // lanes 1, 3, 5, 7
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

// Ten rounds on lane j's counter (x[s][0][j], ..., x[s][3][j]) of each of
// the N register sets s into block 8 s + j of out. Several sets interleave
// their rounds: one set alone waits on each round's multiplications.
template <int N>
__attribute__((target("avx2"))) inline void
rounds_avx2(__m256i (&x)[N][4], const std::array<std::uint32_t, 2>& key, std::uint32_t* out) {
  const __m256i m0 = splat(0xD2511F53u), m1 = splat(0xCD9E8D57u);
  std::uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { // Random123's key schedule (the Weyl constants)
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const __m256i key0 = splat(k0), key1 = splat(k1);
    for (int set = 0; set < N; ++set) {
      __m256i hi0, lo0, hi1, lo1;
      mulhilo(x[set][0], m0, hi0, lo0);
      mulhilo(x[set][2], m1, hi1, lo1);
      x[set][0] = _mm256_xor_si256(_mm256_xor_si256(hi1, x[set][1]), key0);
      x[set][1] = lo1;
      x[set][2] = _mm256_xor_si256(_mm256_xor_si256(hi0, x[set][3]), key1);
      x[set][3] = lo0;
    }
  }
  for (int set = 0; set < N; ++set) {
    // Lanes to blocks: a 4 x 4 transpose in each 128-bit half, then the halves.
    const __m256i t0 = _mm256_unpacklo_epi32(x[set][0], x[set][1]);
    const __m256i t1 = _mm256_unpackhi_epi32(x[set][0], x[set][1]);
    const __m256i t2 = _mm256_unpacklo_epi32(x[set][2], x[set][3]);
    const __m256i t3 = _mm256_unpackhi_epi32(x[set][2], x[set][3]);
    const __m256i b04 = _mm256_unpacklo_epi64(t0, t2), b15 = _mm256_unpackhi_epi64(t0, t2);
    const __m256i b26 = _mm256_unpacklo_epi64(t1, t3), b37 = _mm256_unpackhi_epi64(t1, t3);
    auto* to = reinterpret_cast<__m256i*>(out + 32 * set);
    _mm256_storeu_si256(to + 0, _mm256_permute2x128_si256(b04, b15, 0x20)); // blocks 0, 1
    _mm256_storeu_si256(to + 1, _mm256_permute2x128_si256(b26, b37, 0x20)); // blocks 2, 3
    _mm256_storeu_si256(to + 2, _mm256_permute2x128_si256(b04, b15, 0x31)); // blocks 4, 5
    _mm256_storeu_si256(to + 3, _mm256_permute2x128_si256(b26, b37, 0x31)); // blocks 6, 7
  }
}

template <int N>
__attribute__((target("avx2"))) void
lanes_avx2(const Lanes* counters, const std::array<std::uint32_t, 2>& key, std::uint32_t* out) {
  __m256i x[N][4];
  for (int set = 0; set < N; ++set)
    for (int w = 0; w < 4; ++w)
      x[set][w] = load(counters[set][static_cast<std::size_t>(w)]);
  rounds_avx2<N>(x, key, out);
}

__attribute__((target("avx2"))) void blocks_avx2(std::uint32_t first,
                                                 const std::array<std::uint32_t, 4>& counter,
                                                 const std::array<std::uint32_t, 2>& key,
                                                 std::uint32_t* out) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i x[2][4];
  for (int set = 0; set < 2; ++set) {
    x[set][0] = _mm256_add_epi32(splat(first + 8u * static_cast<std::uint32_t>(set)), lane);
    for (int w = 1; w < 4; ++w)
      x[set][w] = splat(counter[static_cast<std::size_t>(w)]);
  }
  rounds_avx2<2>(x, key, out);
}

// GCC 12's AVX-512 headers pass an undefined vector as the unused merge input
// of unmasked intrinsics, and its warnings then fire in our code (GCC bug
// 105593, fixed in GCC 13): silenced for the AVX-512 functions only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// The sixteen blocks of a refill in the sixteen lanes of one AVX-512 register
// set: one set's rounds wait on its multiplications, but each does twice the
// lanes of an AVX2 set (2.8 ns a block here against 3.9 with two AVX2 sets).
__attribute__((target("avx512f"))) inline void mulhilo512(__m512i x, __m512i m, __m512i& hi,
                                                          __m512i& lo) {
  const __m512i even = _mm512_mul_epu32(x, m);
  const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(x, 32), m);
  lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
  hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
}

// Ten rounds on the counters in the sixteen lanes of each of the N register
// sets x[c] into blocks 16 c .. 16 c + 15 of out; the last set's blocks 8-15
// are stored only when last_full (an odd number of eight-lane sets leaves
// them unused, and out has no room for them). Two sets interleave their
// rounds: one set alone waits on each round's multiplications.
template <int N>
__attribute__((target("avx512f"))) inline void
rounds_avx512(__m512i (&x)[N][4], const std::array<std::uint32_t, 2>& key, std::uint32_t* out,
              bool last_full = true) {
  const __m512i m0 = _mm512_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m512i m1 = _mm512_set1_epi32(static_cast<int>(0xCD9E8D57u));
  std::uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    const __m512i key0 = _mm512_set1_epi32(static_cast<int>(k0));
    const __m512i key1 = _mm512_set1_epi32(static_cast<int>(k1));
    for (int c = 0; c < N; ++c) {
      __m512i hi0, lo0, hi1, lo1;
      mulhilo512(x[c][0], m0, hi0, lo0);
      mulhilo512(x[c][2], m1, hi1, lo1);
      x[c][0] = _mm512_xor_si512(_mm512_xor_si512(hi1, x[c][1]), key0);
      x[c][1] = lo1;
      x[c][2] = _mm512_xor_si512(_mm512_xor_si512(hi0, x[c][3]), key1);
      x[c][3] = lo0;
    }
  }
  for (int c = 0; c < N; ++c) {
    // Lanes to blocks: 4 x 4 transposes in each 128-bit quarter (quarter q of
    // bj holds block 4q + j), then the quarters gathered block after block.
    const __m512i t0 = _mm512_unpacklo_epi32(x[c][0], x[c][1]);
    const __m512i t1 = _mm512_unpackhi_epi32(x[c][0], x[c][1]);
    const __m512i t2 = _mm512_unpacklo_epi32(x[c][2], x[c][3]);
    const __m512i t3 = _mm512_unpackhi_epi32(x[c][2], x[c][3]);
    const __m512i b0 = _mm512_unpacklo_epi64(t0, t2), b1 = _mm512_unpackhi_epi64(t0, t2);
    const __m512i b2 = _mm512_unpacklo_epi64(t1, t3), b3 = _mm512_unpackhi_epi64(t1, t3);
    const __m512i q01a = _mm512_shuffle_i64x2(b0, b1, 0x44),
                  q01b = _mm512_shuffle_i64x2(b2, b3, 0x44);
    auto* to = reinterpret_cast<__m512i*>(out + 64 * c);
    _mm512_storeu_si512(to + 0, _mm512_shuffle_i64x2(q01a, q01b, 0x88)); // blocks 0-3
    _mm512_storeu_si512(to + 1, _mm512_shuffle_i64x2(q01a, q01b, 0xDD)); // blocks 4-7
    if (c == N - 1 && !last_full) break;
    const __m512i q23a = _mm512_shuffle_i64x2(b0, b1, 0xEE),
                  q23b = _mm512_shuffle_i64x2(b2, b3, 0xEE);
    _mm512_storeu_si512(to + 2, _mm512_shuffle_i64x2(q23a, q23b, 0x88)); // blocks 8-11
    _mm512_storeu_si512(to + 3, _mm512_shuffle_i64x2(q23a, q23b, 0xDD)); // blocks 12-15
  }
}

__attribute__((target("avx512f"))) void blocks_avx512(std::uint32_t first,
                                                      const std::array<std::uint32_t, 4>& counter,
                                                      const std::array<std::uint32_t, 2>& key,
                                                      std::uint32_t* out) {
  static_assert(kPhiloxStreamBatch == 16, "one block a lane");
  __m512i x[1][4];
  x[0][0] =
      _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(first)),
                       _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
  for (int w = 1; w < 4; ++w)
    x[0][w] = _mm512_set1_epi32(static_cast<int>(counter[static_cast<std::size_t>(w)]));
  rounds_avx512<1>(x, key, out);
}

// Sets of eight lanes in the sixteen lanes of N register sets, two in each
// (counters[2c], counters[2c + 1] in set c; sets = 2N, or 2N - 1 and the last
// register set's upper half repeats its lower): blocks 0 .. 8 sets - 1 of
// out, as AVX2 sets would give them.
template <int N>
__attribute__((target("avx512f"))) void lanes_avx512(const Lanes* counters, std::size_t sets,
                                                     const std::array<std::uint32_t, 2>& key,
                                                     std::uint32_t* out) {
  __m512i x[N][4];
  for (std::size_t c = 0; c < N; ++c) {
    const Lanes& low_set = counters[2 * c];
    const Lanes& high_set = 2 * c + 1 < sets ? counters[2 * c + 1] : low_set;
    for (std::size_t w = 0; w < 4; ++w) {
      const auto low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(low_set[w].data()));
      const auto high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(high_set[w].data()));
      x[c][w] = _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
    }
  }
  rounds_avx512<N>(x, key, out, sets == 2 * N);
}

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif

} // namespace

void philox4x32_10_lanes(const PhiloxLanes* counters, std::size_t sets,
                         const std::array<std::uint32_t, 2>& key, std::uint32_t* out,
                         PhiloxPath path) {
#ifdef SEPSIM_X86_SIMD
  if (path != PhiloxPath::scalar && cpu_has_avx2()) {
    if (path == PhiloxPath::fastest && cpu_has_avx512f()) {
      // Six sets at a time in three AVX-512 register sets, then four in two
      // (five or three: the last register set's upper half unused).
      for (; sets >= 6; sets -= 6, counters += 6, out += 6 * 4 * kPhiloxBatch)
        lanes_avx512<3>(counters, 6, key, out);
      if (sets == 5) lanes_avx512<3>(counters, 5, key, out);
      if (sets == 3 || sets == 4) lanes_avx512<2>(counters, sets, key, out);
      if (sets == 2) lanes_avx512<1>(counters, 2, key, out);
      if (sets == 1) lanes_avx2<1>(counters, key, out);
      return;
    }
    for (; sets >= 2; sets -= 2, counters += 2, out += 2 * 4 * kPhiloxBatch)
      lanes_avx2<2>(counters, key, out);
    if (sets == 1) lanes_avx2<1>(counters, key, out);
    return;
  }
#else
  (void)path;
#endif
  for (std::size_t set = 0; set < sets; ++set)
    lanes_scalar(counters[set], key, out + 4 * kPhiloxBatch * set);
}

void philox4x32_10_batch(std::uint32_t first_block, const std::array<std::uint32_t, 4>& counter,
                         const std::array<std::uint32_t, 2>& key, std::uint32_t* out,
                         PhiloxPath path) {
#ifdef SEPSIM_X86_SIMD
  if (path == PhiloxPath::fastest && cpu_has_avx512f())
    return blocks_avx512(first_block, counter, key, out);
  if (path != PhiloxPath::scalar && cpu_has_avx2())
    return blocks_avx2(first_block, counter, key, out);
#endif
  for (std::uint32_t set = 0; set < kPhiloxStreamBatch / kPhiloxBatch; ++set) {
    Lanes lanes;
    for (std::uint32_t j = 0; j < kPhiloxBatch; ++j) {
      lanes[0][j] = first_block + kPhiloxBatch * set + j;
      for (std::size_t w = 1; w < 4; ++w)
        lanes[w][j] = counter[w];
    }
    lanes_scalar(lanes, key, out + 4 * kPhiloxBatch * set);
  }
}

bool philox_simd_available() {
#ifdef SEPSIM_X86_SIMD
  return cpu_has_avx2();
#else
  return false;
#endif
}

} // namespace sepsim

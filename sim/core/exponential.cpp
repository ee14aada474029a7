// Unit exponentials by inversion with a logarithm of our own
// (include/sepsim/core/exponential.hpp). u = m 2^e with m in (sqrt(1/2),
// sqrt(2)]; log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.1716, by its
// series to s^19 (the first term left out, s^21 / 21 < 1e-17, is below half
// an ulp), the polynomial in s^2 by Estrin's scheme (short dependency chains);
// log u = e ln 2 + log m, ln 2 in two parts (fdlibm's) so that e ln 2 is exact
// to 2^-60. The scalar and SIMD paths share that arithmetic (one template,
// for doubles and for GCC's vectors of them) after the same exact reduction,
// and this file is built with -ffp-contract=off: the same bits on every path.
#include "sepsim/core/exponential.hpp"

#include <bit>

#include "sepsim/core/cpu_features.hpp"

#ifdef SEPSIM_X86_SIMD
#include <immintrin.h>
#endif

namespace sepsim {

namespace {

constexpr double kTwo52 = 4503599627370496.0;
constexpr std::uint64_t kTwo52Bits = 0x4330000000000000u; // the bits of 2^52
constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
constexpr double kSqrt2 = 1.4142135623730951;
// 2 / (2k + 1), k = 1 .. 9: log m = 2 s + s z (c[0] + z (c[1] + ... z c[8])), z = s^2.
constexpr double kSeries[9] = {2.0 / 3.0,  2.0 / 5.0,  2.0 / 7.0,  2.0 / 9.0, 2.0 / 11.0,
                               2.0 / 13.0, 2.0 / 15.0, 2.0 / 17.0, 2.0 / 19.0};

// -log(m 2^e) into out from the reduced m in [1, 2) and e, m halved (e
// raised) where high is 1: the same operations on a double or on each lane of
// a vector. Vectors by reference, never by value: a by-value vector argument
// of a function compiled without that instruction set is an ABI change
// (an error for Clang); always inlined into the SIMD functions.
template <class V>
[[gnu::always_inline]] inline void negative_log(const V& e_reduced, const V& m_reduced,
                                                const V& high, V& out) {
  const V m = m_reduced * (1.0 - 0.5 * high);
  const V e = e_reduced + high;
  const V s = (m - 1.0) / (m + 1.0), z = s * s;
  const V z2 = z * z, z4 = z2 * z2, z8 = z4 * z4;
  const V low = (kSeries[0] + kSeries[1] * z) + (kSeries[2] + kSeries[3] * z) * z2;
  const V mid = (kSeries[4] + kSeries[5] * z) + (kSeries[6] + kSeries[7] * z) * z2;
  const V p = (low + mid * z4) + kSeries[8] * z8;
  const V log_m = 2.0 * s + s * z * p;
  out = 0.0 - (e * kLn2Hi + (log_m + e * kLn2Lo));
}

} // namespace

double unit_exponential(std::uint32_t word) {
  // The word as a double, exactly: (2^52 + word) - 2^52.
  const double w = std::bit_cast<double>(kTwo52Bits | word) - kTwo52;
  const double u = (w + 1.0) * 0x1p-32; // exact: 33 bits
  const auto bits = std::bit_cast<std::uint64_t>(u);
  // u = m 2^e, m in [1, 2); m is halved (e raised) when above sqrt(2).
  const double e = std::bit_cast<double>((bits >> 52) | kTwo52Bits) - (kTwo52 + 1023.0);
  const double m = std::bit_cast<double>((bits & 0x000fffffffffffffu) | 0x3ff0000000000000u);
  const double high = m > kSqrt2 ? 1.0 : 0.0;
  double out = 0.0;
  negative_log(e, m, high, out);
  return out;
}

#ifdef SEPSIM_X86_SIMD
namespace {

// Four lanes of unit_exponential, operation for operation.
__attribute__((target("avx2"))) void exponentials_avx2(const std::uint32_t* words, std::size_t n,
                                                       double* out) {
  const __m256i two52_bits = _mm256_set1_epi64x(static_cast<long long>(kTwo52Bits));
  const __m256d two52 = _mm256_set1_pd(kTwo52), one = _mm256_set1_pd(1.0);
  for (std::size_t i = 0; i + 4 <= n; i += 4) {
    const __m256i word =
        _mm256_cvtepu32_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(words + i)));
    const __m256d w = _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(word, two52_bits)), two52);
    const __m256d u = _mm256_mul_pd(_mm256_add_pd(w, one), _mm256_set1_pd(0x1p-32));
    const __m256i bits = _mm256_castpd_si256(u);
    __m256d e =
        _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(_mm256_srli_epi64(bits, 52), two52_bits)),
                      _mm256_set1_pd(kTwo52 + 1023.0));
    const __m256d m = _mm256_castsi256_pd(
        _mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi64x(0x000fffffffffffff)),
                        _mm256_set1_epi64x(0x3ff0000000000000)));
    const __m256d high = _mm256_and_pd(_mm256_cmp_pd(m, _mm256_set1_pd(kSqrt2), _CMP_GT_OQ), one);
    __m256d log_u;
    negative_log(e, m, high, log_u);
    _mm256_storeu_pd(out + i, log_u);
  }
}

// Eight lanes of unit_exponential, operation for operation (the maskz forms
// with every lane kept: GCC 12's unmasked ones warn of an undefined input).
__attribute__((target("avx512f"))) void exponentials_avx512(const std::uint32_t* words,
                                                            std::size_t n, double* out) {
  const __m512i two52_bits = _mm512_set1_epi64(static_cast<long long>(kTwo52Bits));
  const __m512d two52 = _mm512_set1_pd(kTwo52), one = _mm512_set1_pd(1.0);
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const __m512i word = _mm512_maskz_cvtepu32_epi64(
        0xff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(words + i)));
    const __m512d w = _mm512_sub_pd(_mm512_castsi512_pd(_mm512_or_si512(word, two52_bits)), two52);
    const __m512d u = _mm512_mul_pd(_mm512_add_pd(w, one), _mm512_set1_pd(0x1p-32));
    const __m512i bits = _mm512_castpd_si512(u);
    const __m512d e = _mm512_sub_pd(
        _mm512_castsi512_pd(_mm512_or_si512(_mm512_maskz_srli_epi64(0xff, bits, 52), two52_bits)),
        _mm512_set1_pd(kTwo52 + 1023.0));
    const __m512d m = _mm512_castsi512_pd(
        _mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi64(0x000fffffffffffff)),
                        _mm512_set1_epi64(0x3ff0000000000000)));
    const __m512d high =
        _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(m, _mm512_set1_pd(kSqrt2), _CMP_GT_OQ), one);
    __m512d log_u;
    negative_log(e, m, high, log_u);
    _mm512_storeu_pd(out + i, log_u);
  }
}

} // namespace
#endif

void unit_exponentials(const std::uint32_t* words, std::size_t n, double* out,
                       ExponentialPath path) {
  std::size_t done = 0;
#ifdef SEPSIM_X86_SIMD
  if (path == ExponentialPath::fastest && cpu_has_avx512f()) {
    exponentials_avx512(words, n, out);
    done = n - n % 8;
  } else if (path != ExponentialPath::scalar && cpu_has_avx2()) {
    exponentials_avx2(words, n, out);
    done = n - n % 4;
  }
#else
  (void)path;
#endif
  for (std::size_t i = done; i < n; ++i)
    out[i] = unit_exponential(words[i]);
}

} // namespace sepsim

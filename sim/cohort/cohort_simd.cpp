// Eight patients at once on the lanes of AVX-512 registers: their streams'
// words transposed into lanes (8 x 8; gathers cost as much as the scalar code
// on Zen 5), Boost's first try of each normal (core/normal.hpp), then the
// screening (phenotype, biomarkers, label) or an enrolled patient's noise
// (uniforms, normals, truncated covariates, rounded SOFA, site), with the
// scalar code's operations in its order (IEEE additions, multiplications and
// comparisons, compiled without fused multiply-adds), so each lane has the
// scalar code's bits. A lane whose normal Boost would draw further, or whose
// covariate falls outside its bounds, is left to the scalar code.
#include "cohort_simd.hpp"

#include "sepsim/core/cpu_features.hpp"

#include <boost/random/normal_distribution.hpp>

#ifdef SEPSIM_X86_SIMD
#include <immintrin.h>
#endif

namespace sepsim {

#ifdef SEPSIM_X86_SIMD
namespace {
static_assert(kPhiloxBatch == 8 && kPhenotypes == 3 && kScreeningWords == 9,
              "one patient a lane of eight doubles; three phenotypes; nine words");

// Conversions and a gather of all eight lanes (their masked forms: the plain
// ones start from an undefined register, which GCC 12 warns of).
__attribute__((target("avx512f"))) inline __m512d to_double(__m256i x) {
  return _mm512_maskz_cvtepu32_pd(0xff, x);
}
__attribute__((target("avx512f"))) inline __m512d signed_to_double(__m256i x) {
  return _mm512_maskz_cvtepi32_pd(0xff, x);
}
__attribute__((target("avx512f"))) inline __m512d gather(__m256i i, const double* table) {
  return _mm512_mask_i32gather_pd(_mm512_setzero_pd(), 0xff, i, table, 8);
}

// The value of x for each lane's phenotype (masks of phenotypes 0 and 1).
__attribute__((target("avx512f"))) inline __m512d by_phenotype(const PerPhenotype& x, __mmask8 is0,
                                                               __mmask8 is1) {
  const __m512d v = _mm512_mask_blend_pd(is1, _mm512_set1_pd(x[2]), _mm512_set1_pd(x[1]));
  return _mm512_mask_blend_pd(is0, v, _mm512_set1_pd(x[0]));
}

// normal_first_try on each lane: the normal, and its lane cleared in
// `accepted` where Boost would draw further words.
__attribute__((target("avx512f"))) inline __m512d first_try(__m256i first, __m256i second,
                                                            __mmask8& accepted) {
  const double* table_x = boost::random::detail::normal_table<double>::table_x;
  const __m256i box = _mm256_and_si256(first, _mm256_set1_epi32(0xff));
  const __m256i i = _mm256_srli_epi32(box, 1);
  const __m512d x_i = gather(i, table_x);
  const __m512d x_next = gather(i, table_x + 1);
  __m512d r = _mm512_mul_pd(to_double(_mm256_srli_epi32(first, 8)), _mm512_set1_pd(0x1p-24));
  r = _mm512_add_pd(r, to_double(_mm256_and_si256(second, _mm256_set1_epi32(0x1fffffff))));
  r = _mm512_mul_pd(r, _mm512_set1_pd(0x1p-29));
  const __m512d x = _mm512_mul_pd(r, x_i);
  accepted &= _mm512_cmp_pd_mask(x, x_next, _CMP_LT_OQ);
  // (box & 1) * 2 - 1 as a double: +1 or -1.
  const __m256i sign = _mm256_sub_epi32(
      _mm256_slli_epi32(_mm256_and_si256(box, _mm256_set1_epi32(1)), 1), _mm256_set1_epi32(1));
  return _mm512_mul_pd(x, signed_to_double(sign));
}

constexpr std::size_t kLaneStride = 4 * kPhiloxBatch; // words from one lane's to the next

// Words 0 .. 7 from `words` on of eight lanes (kLaneStride words apart) as
// eight vectors of a word each, lane j in element j: an 8 x 8 transpose.
__attribute__((target("avx2"))) inline void transpose8(const std::uint32_t* words, __m256i* w) {
  __m256i t[8], u[8];
  for (std::size_t j = 0; j < 8; j += 2) {
    const auto* a = reinterpret_cast<const __m256i*>(words + kLaneStride * j);
    const auto* b = reinterpret_cast<const __m256i*>(words + kLaneStride * (j + 1));
    t[j] = _mm256_unpacklo_epi32(_mm256_loadu_si256(a), _mm256_loadu_si256(b));
    t[j + 1] = _mm256_unpackhi_epi32(_mm256_loadu_si256(a), _mm256_loadu_si256(b));
  }
  // u[k] (k < 4): words k and k + 4 of lanes 0-3, u[4 + k] of lanes 4-7.
  for (std::size_t h = 0; h < 8; h += 4)
    for (std::size_t k = 0; k < 2; ++k) {
      u[h + 2 * k] = _mm256_unpacklo_epi64(t[h + k], t[h + 2 + k]);
      u[h + 2 * k + 1] = _mm256_unpackhi_epi64(t[h + k], t[h + 2 + k]);
    }
  for (std::size_t k = 0; k < 4; ++k) {
    w[k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x20);
    w[k + 4] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x31);
  }
}

// uniform_01<double> of each lane's word: word / 2^32.
__attribute__((target("avx512f"))) inline __m512d uniform(__m256i word) {
  return _mm512_mul_pd(to_double(word), _mm512_set1_pd(0x1p-32));
}

// biomarker() of cohort.cpp on the lanes.
struct BiomarkerLanes {
  __m512d log_true, log_measured;
};
__attribute__((target("avx512f"))) inline BiomarkerLanes
biomarker_lanes(const Biomarker& b, __mmask8 is0, __mmask8 is1, __m512d z_true, __m512d z_error) {
  const __m512d log_true = _mm512_add_pd(by_phenotype(b.log_median, is0, is1),
                                         _mm512_mul_pd(by_phenotype(b.sd_log, is0, is1), z_true));
  const __m512d shifted = _mm512_add_pd(log_true, _mm512_set1_pd(b.assay_mean_log));
  return {log_true, _mm512_add_pd(shifted, _mm512_mul_pd(_mm512_set1_pd(b.assay_sd_log), z_error))};
}

__attribute__((target("avx512f"))) std::uint32_t screen_avx512(const Population& population,
                                                               const Classifier& classifier,
                                                               const std::uint32_t* words,
                                                               ScreenedPatient* out) {
  __m256i w[kScreeningWords];
  transpose8(words, w);
  alignas(32) std::uint32_t last[kPhiloxBatch];
  for (std::size_t j = 0; j < kPhiloxBatch; ++j)
    last[j] = words[kLaneStride * j + 8];
  w[8] = _mm256_load_si256(reinterpret_cast<const __m256i*>(last));
  // draw_phenotype: cumulative prevalences, first u below them.
  const double below0 = 0.0 + population.prevalence[0];
  const double below1 = below0 + population.prevalence[1];
  const __m512d u = uniform(w[0]);
  const __mmask8 is0 = _mm512_cmp_pd_mask(u, _mm512_set1_pd(below0), _CMP_LT_OQ);
  const __mmask8 is1 =
      static_cast<__mmask8>(~is0) & _mm512_cmp_pd_mask(u, _mm512_set1_pd(below1), _CMP_LT_OQ);
  __mmask8 accepted = 0xff;
  __m512d z[4];
  for (std::size_t k = 0; k < 4; ++k)
    z[k] = first_try(w[1 + 2 * k], w[2 + 2 * k], accepted);
  const BiomarkerLanes ferritin = biomarker_lanes(population.ferritin, is0, is1, z[0], z[1]);
  const BiomarkerLanes hla_dr = biomarker_lanes(population.hla_dr, is0, is1, z[2], z[3]);
  const __mmask8 is_mals = _mm512_cmp_pd_mask(
      ferritin.log_measured, _mm512_set1_pd(classifier.log_mals_ferritin_above), _CMP_GT_OQ);
  const __mmask8 is_paralysed = _mm512_cmp_pd_mask(
      hla_dr.log_measured, _mm512_set1_pd(classifier.log_immunoparalysis_hla_dr_below), _CMP_LT_OQ);
  alignas(64) double values[4][kPhiloxBatch];
  _mm512_store_pd(values[0], ferritin.log_true);
  _mm512_store_pd(values[1], ferritin.log_measured);
  _mm512_store_pd(values[2], hla_dr.log_true);
  _mm512_store_pd(values[3], hla_dr.log_measured);
  for (std::uint32_t j = 0; j < kPhiloxBatch; ++j) {
    const auto phenotype = static_cast<Phenotype>(is0 >> j & 1   ? mals
                                                  : is1 >> j & 1 ? immunoparalysis
                                                                 : unclassified);
    const auto label = static_cast<Phenotype>(is_mals >> j & 1        ? mals
                                              : is_paralysed >> j & 1 ? immunoparalysis
                                                                      : unclassified);
    out[j] = {phenotype, label, values[0][j], values[1][j], values[2][j], values[3][j]};
  }
  return accepted;
}

// normal_draw(stream, mean, sd) on the lanes: Boost's first try, z sd + mean.
__attribute__((target("avx512f"))) inline __m512d normal_lanes(__m256i first, __m256i second,
                                                               __mmask8& accepted,
                                                               double mean = 0.0, double sd = 1.0) {
  return _mm512_add_pd(_mm512_mul_pd(first_try(first, second, accepted), _mm512_set1_pd(sd)),
                       _mm512_set1_pd(mean));
}

// truncated_normal's first try on the lanes (lanes outside [lo, hi] cleared).
__attribute__((target("avx512f"))) inline __m512d truncated_lanes(__m256i first, __m256i second,
                                                                  __mmask8& accepted, double mean,
                                                                  double sd, double lo, double hi) {
  const __m512d x = normal_lanes(first, second, accepted, mean, sd);
  accepted &= _mm512_cmp_pd_mask(x, _mm512_set1_pd(lo), _CMP_GE_OQ) &
              _mm512_cmp_pd_mask(x, _mm512_set1_pd(hi), _CMP_LE_OQ);
  return x;
}

// The draws of draw_patient_noise, a row of eight lanes each.
enum NoiseRow {
  row_sofa_change_z,
  row_early_death_u,
  row_mortality_u,
  row_death_day_u,
  row_late_death_u,
  row_late_day_u,
  row_support_u,
  row_support_z,
  row_ordinal_u,
  row_adverse_u,
  row_age = row_adverse_u + kAdverseEvents,
  kNoiseRows
};

// The covariates (draw_covariates) on the lanes: age into v's row, sex
// into `female`, baseline SOFA into sofa_points and the site's words into
// site_words.
__attribute__((target("avx512f"))) inline void
covariate_lanes(const Population& p, const __m256i* w, __mmask8& accepted,
                double (&v)[kNoiseRows][kPhiloxBatch], __mmask8& female, std::int32_t* sofa_points,
                std::uint32_t* site_words) {
  female = _mm512_cmp_pd_mask(uniform(w[8]), _mm512_set1_pd(p.female_share), _CMP_LT_OQ);
  _mm512_store_pd(v[row_age], truncated_lanes(w[9], w[10], accepted, p.age_mean_years,
                                              p.age_sd_years, p.age_min_years, p.age_max_years));
  const __m512d sofa =
      truncated_lanes(w[11], w[12], accepted, p.baseline_sofa_mean, p.baseline_sofa_sd,
                      p.baseline_sofa_min - 0.5, p.baseline_sofa_max + 0.5);
  // std::round (halves away from zero): the truncation t, and t -+ 1 where
  // x - t (exact) is at least a half; then the clamp to the SOFA range.
  const __m512d t = _mm512_maskz_roundscale_pd(0xff, sofa, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
  const __m512d fraction = _mm512_sub_pd(sofa, t), one = _mm512_set1_pd(1.0);
  __m512d rounded =
      _mm512_mask_add_pd(t, _mm512_cmp_pd_mask(fraction, _mm512_set1_pd(0.5), _CMP_GE_OQ), t, one);
  rounded = _mm512_mask_sub_pd(
      rounded, _mm512_cmp_pd_mask(fraction, _mm512_set1_pd(-0.5), _CMP_LE_OQ), rounded, one);
  const __m256i clamped =
      _mm256_min_epi32(_mm256_max_epi32(_mm512_maskz_cvttpd_epi32(0xff, rounded),
                                        _mm256_set1_epi32(p.baseline_sofa_min)),
                       _mm256_set1_epi32(p.baseline_sofa_max));
  _mm256_store_si256(reinterpret_cast<__m256i*>(sofa_points), clamped);
  _mm256_store_si256(reinterpret_cast<__m256i*>(site_words), w[13]);
}

__attribute__((target("avx512f"))) std::uint32_t noise_avx512(const Population& population,
                                                              const std::uint32_t* outcome_words,
                                                              const std::uint32_t* survival_words,
                                                              bool covariates, PatientNoise* out) {
  __m256i w[16], s[8];
  transpose8(outcome_words, w);
  if (covariates) transpose8(outcome_words + 8, w + 8);
  transpose8(survival_words, s);
  __mmask8 accepted = 0xff, female = 0;
  alignas(64) double v[kNoiseRows][kPhiloxBatch];
  alignas(32) std::uint32_t site_words[kPhiloxBatch];
  alignas(32) std::int32_t sofa_points[kPhiloxBatch];
  _mm512_store_pd(v[row_sofa_change_z], normal_lanes(w[0], w[1], accepted));
  _mm512_store_pd(v[row_early_death_u], uniform(w[2]));
  _mm512_store_pd(v[row_mortality_u], uniform(w[3]));
  for (int a = 0; a < kAdverseEvents; ++a)
    _mm512_store_pd(v[row_adverse_u + a], uniform(w[4 + a]));
  for (int k = 0; k < 4; ++k) // death day, late death, late day, support: uniforms
    _mm512_store_pd(v[row_death_day_u + k], uniform(s[k]));
  _mm512_store_pd(v[row_support_z], normal_lanes(s[4], s[5], accepted));
  _mm512_store_pd(v[row_ordinal_u], uniform(s[6]));
  if (covariates) covariate_lanes(population, w, accepted, v, female, sofa_points, site_words);
  const UniformBelow site(covariates ? static_cast<std::uint32_t>(population.sites) : 1u);
  for (std::uint32_t j = 0; j < kPhiloxBatch; ++j) {
    std::uint32_t at_site = 0;
    if (covariates) {
      if (!site.from_word(site_words[j], at_site)) accepted &= static_cast<__mmask8>(~(1u << j));
    }
    std::array<double, kAdverseEvents> adverse_u;
    for (int a = 0; a < kAdverseEvents; ++a)
      adverse_u[static_cast<std::size_t>(a)] = v[row_adverse_u + a][j];
    out[j] = {covariates ? v[row_age][j] : 0.0,
              (female >> j & 1) != 0,
              covariates ? sofa_points[j] : 0,
              static_cast<int>(at_site),
              v[row_sofa_change_z][j],
              v[row_early_death_u][j],
              v[row_mortality_u][j],
              v[row_death_day_u][j],
              v[row_late_death_u][j],
              v[row_late_day_u][j],
              v[row_support_u][j],
              v[row_support_z][j],
              v[row_ordinal_u][j],
              adverse_u};
  }
  return accepted;
}
} // namespace
#endif

bool screen_lanes(const Population& population, const Classifier& classifier,
                  EntityStreams& streams, std::uint32_t base, ScreenedPatient* out,
                  std::uint32_t& done) {
#ifdef SEPSIM_X86_SIMD
  if (!cpu_has_avx512f()) return false;
  const std::uint32_t* first = base % kPhiloxBatch == 0 ? streams.words_of_eight(base) : nullptr;
  if (first == nullptr) return false;
  done = screen_avx512(population, classifier, first, out);
  return true;
#else
  (void)population, (void)classifier, (void)streams, (void)base, (void)out, (void)done;
  return false;
#endif
}

std::uint32_t noise_lanes(const Population& population, const EntityStreams& outcomes,
                          const EntityStreams& survival, bool covariates, PatientNoise* out) {
#ifdef SEPSIM_X86_SIMD
  if (!cpu_has_avx512f() ||
      outcomes.blocks() < (covariates ? kOutcomeBlocksWithCovariates : kOutcomeBlocks) ||
      survival.blocks() < kSurvivalBlocks)
    return 0;
  return noise_avx512(population, outcomes.lane_words(0), survival.lane_words(0), covariates, out);
#else
  (void)population, (void)outcomes, (void)survival, (void)covariates, (void)out;
  return 0;
#endif
}

} // namespace sepsim

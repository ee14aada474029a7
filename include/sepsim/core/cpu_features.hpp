// Which SIMD instruction sets this CPU has, asked once (core's SIMD paths
// choose at run time, so one binary runs everywhere with the same results).
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define SEPSIM_X86_SIMD 1

namespace sepsim {

inline bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

inline bool cpu_has_avx512f() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}

} // namespace sepsim
#endif

// Unit exponentials by inversion of one 32-bit word each, the same bits on
// every machine and instruction set: -log(u), u = (word + 1) 2^-32 in (0, 1],
// from a logarithm of our own (IEEE-754 additions, multiplications and one
// division in a fixed order: no libm, whose logarithms differ between builds
// and CPUs, and no fused multiply-add). Within one unit in the last place of
// the correctly rounded -log(u) (tests/test_exponential.cpp). Batches run in
// SIMD lanes where the CPU has them (chosen at run time), with the same bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sepsim {

double unit_exponential(std::uint32_t word);

// fastest: AVX-512 or AVX2 lanes where the CPU has them; avx2: at most AVX2.
enum class ExponentialPath { fastest, avx2, scalar };
// out[i] = unit_exponential(words[i]) for i < n.
void unit_exponentials(const std::uint32_t* words, std::size_t n, double* out,
                       ExponentialPath path = ExponentialPath::fastest);

} // namespace sepsim

// A choice between two doubles without a branch.
#pragma once

#include <bit>
#include <cstdint>

namespace sepsim {

// c ? a : b, the bits of a or b, by masks: a compiler may branch on a plain
// ?:, which is mispredicted half the time when c is a coin flip (whether a
// patient responds, dies or is on placebo).
inline double bit_select(bool c, double a, double b) {
  const std::uint64_t mask = 0 - static_cast<std::uint64_t>(c);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & mask) |
                               (std::bit_cast<std::uint64_t>(b) & ~mask));
}

} // namespace sepsim

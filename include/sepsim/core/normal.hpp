// Normal draws from a Stream: Boost's normal_distribution, with the same
// words and the same bits, its common case inline. Boost's ziggurat (Boost
// 1.74, random/normal_distribution.hpp) takes two 32-bit words a try: the
// low 8 bits of the first give the sign and one of 128 boxes, its high 24
// bits and the low 29 of the second a 53-bit fraction r, and x = r table_x[i]
// is accepted when below table_x[i + 1] (97.2% of tries). That try is
// done here when both words are in the stream's buffer; otherwise, or when
// it is rejected, the words are given back and Boost draws (its wedges, its
// tail), so every draw is Boost's own (tests/test_random.cpp compares them).
#pragma once

#include "sepsim/core/random.hpp"

#include <boost/random/normal_distribution.hpp>

#include <cstdint>

namespace sepsim {

// The first try of Boost's unit normal on the words (first, second): true and
// the normal in z when it is accepted; false (z untouched) when Boost would
// draw further words.
[[gnu::always_inline]] inline bool normal_first_try(std::uint32_t first, std::uint32_t second,
                                                    double& z) {
  const double* table_x = boost::random::detail::normal_table<double>::table_x;
  const auto box = static_cast<int>(first & 0xffu);
  const int i = box >> 1;
  double r = static_cast<double>(first >> 8) * 0x1p-24;
  r += static_cast<double>(second & 0x1fffffffu);
  r *= 0x1p-29;
  const double x = r * table_x[i];
  if (!(x < table_x[i + 1])) return false;
  z = x * static_cast<double>((box & 1) * 2 - 1);
  return true;
}

// Boost's own draw, out of line (the rare case).
[[gnu::noinline]] inline double boost_normal_draw(Stream& stream, double mean, double sd) {
  return boost::random::normal_distribution<double>(mean, sd)(stream);
}

// normal_distribution<double>(mean, sd)(stream), the same words and bits.
[[gnu::always_inline]] inline double normal_draw(Stream& stream, double mean = 0.0,
                                                 double sd = 1.0) {
  std::uint32_t first = 0, second = 0;
  if (stream.take_two(first, second)) {
    double z = 0.0;
    if (normal_first_try(first, second, z)) return z * sd + mean;
    stream.give_back_two();
  }
  return boost_normal_draw(stream, mean, sd);
}

} // namespace sepsim

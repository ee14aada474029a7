// Numbers typed by the user (command-line lists, spending parameters).
#pragma once

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace sepsim {

// The whole of `text` as a finite number, or nothing (trailing characters,
// NaN, infinity, out of range or not a number at all).
inline std::optional<double> parse_finite(const std::string& text) {
  try {
    std::size_t used = 0;
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

} // namespace sepsim

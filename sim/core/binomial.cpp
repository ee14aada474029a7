// Binomial tables (include/sepsim/core/binomial.hpp). Built with
// -ffp-contract=off (CMakeLists.txt): the thresholds must not depend on
// whether the compiler fuses a multiplication and an addition.
#include "sepsim/core/binomial.hpp"

#include "sepsim/core/random.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace sepsim {

namespace {
constexpr std::uint64_t kTwo32 = std::uint64_t{1} << 32;
// Relative to the mode's probability, outcomes below 2^-80 are left out: the
// whole tail beyond them is far below the table's 2^-32 resolution.
constexpr double kNegligible = 0x1p-80;
constexpr std::uint32_t kPadding = 4; // words 2^32 - 1 after the thresholds
} // namespace

void BinomialTable::build(std::uint32_t n, double p) {
  if (n == 0 || !(p > 0.0 && p < 1.0))
    throw std::invalid_argument("BinomialTable: needs n >= 1 and 0 < p < 1, got n = " +
                                std::to_string(n) + ", p = " + std::to_string(p));
  thread_local std::vector<double> weights;      // scratch, reused
  thread_local std::vector<std::uint64_t> upper; // scratch, reused
  const double q = 1.0 - p;
  const double nd = n;
  const auto mode = static_cast<std::uint32_t>(std::min(nd, std::floor((nd + 1.0) * p)));

  // Weights P(k) / P(mode) from the mode down, then up: the ratio of
  // neighbours is exact arithmetic of n, k, p and q (no powers, no lgamma).
  weights.assign(1, 1.0);
  double w = 1.0;
  for (std::uint32_t k = mode; k > 0; --k) {
    w *= (double(k) * q) / (double(n - k + 1) * p);
    if (w < kNegligible) break;
    weights.push_back(w);
  }
  first_ = mode - static_cast<std::uint32_t>(weights.size() - 1);
  std::reverse(weights.begin(), weights.end());
  w = 1.0;
  for (std::uint32_t k = mode; k < n; ++k) {
    w *= (double(n - k) * p) / (double(k + 1) * q);
    if (w < kNegligible) break;
    weights.push_back(w);
  }

  double total = 0.0;
  for (const double x : weights)
    total += x;
  const double scale = double(kTwo32) / total;
  upper.clear();
  double sum = 0.0;
  for (const double x : weights) {
    sum += x;
    const double scaled = sum * scale;
    const std::uint64_t t = scaled >= double(kTwo32) ? kTwo32 : static_cast<std::uint64_t>(scaled);
    if (t == 0) { // below 2^-32 in all: never drawn
      ++first_;
      continue;
    }
    upper.push_back(t);
    if (t == kTwo32) break;
  }
  upper.back() = kTwo32; // the total is 1 whatever the rounding
  last_index_ = static_cast<std::uint32_t>(upper.size() - 1);

  // Guide: 2^bits >= the outcomes' count, entry j the first outcome whose
  // threshold lies above the smallest word with top bits j.
  const int bits = std::bit_width(upper.size());
  shift_ = 32 - bits;
  guide_size_ = std::uint32_t{1} << bits;
  data_.resize(guide_size_ + last_index_ + kPadding);
  std::uint32_t i = 0;
  for (std::uint32_t j = 0; j < guide_size_; ++j) {
    const std::uint64_t word = std::uint64_t{j} << shift_;
    while (upper[i] <= word)
      ++i;
    data_[j] = i;
  }
  for (std::uint32_t k = 0; k < last_index_; ++k)
    data_[guide_size_ + k] = static_cast<std::uint32_t>(upper[k]);
  for (std::uint32_t k = 0; k < kPadding; ++k) // read by the draw's four comparisons
    data_[guide_size_ + last_index_ + k] = ~0u;
}

BinomialCache::BinomialCache() : slots_(std::size_t{1} << kBits) {}

const BinomialTable& BinomialCache::second(Slot* set, std::uint32_t n, double p) {
  std::swap(set[0], set[1]);
  if (set[0].p_bits != std::bit_cast<std::uint64_t>(p) || set[0].n != n) rebuild(set[0], n, p);
  return *set[0].table;
}

void BinomialCache::rebuild(Slot& slot, std::uint32_t n, double p) {
  if (slot.table)
    slot.table->build(n, p);
  else
    slot.table.emplace(n, p);
  slot.p_bits = std::bit_cast<std::uint64_t>(p);
  slot.n = n;
}

BinomialCache& new_binomial_cache() {
  thread_local std::unique_ptr<BinomialCache> owner; // freed when the thread ends
  owner = std::make_unique<BinomialCache>();
  t_binomial_cache = owner.get();
  return *owner;
}

} // namespace sepsim

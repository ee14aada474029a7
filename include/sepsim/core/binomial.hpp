// Binomial draws by table inversion of one 32-bit word (generator version 3,
// the count level's binomials): for Bin(n, p) the table holds the cumulative
// probabilities scaled to 2^32 and rounded down, and a draw is the smallest k
// whose threshold lies above the word. Each outcome's probability is within
// 2^-32 of the exact one (the table is built from the exact probability
// ratios, from the mode outwards, in double precision), every draw reads
// exactly one word, and the same word gives the same k on every machine:
// the table comes from IEEE-754 additions, multiplications and divisions in a
// fixed order, the draw from integer comparisons. A guide table indexed by
// the word's top bits starts the search next to its answer (Chen and Asau,
// 1974): about one comparison a draw, whatever n is.
#pragma once

#include "sepsim/core/huge_pages.hpp"
#include "sepsim/core/random.hpp"

#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace sepsim {

class BinomialTable {
public:
  BinomialTable() = default;
  // 1 <= n, 0 < p < 1 (std::invalid_argument otherwise).
  BinomialTable(std::uint32_t n, double p) { build(n, p); }
  // Rebuilds this table for Bin(n, p), reusing its memory.
  void build(std::uint32_t n, double p);

  // The outcome of the word `word`: the smallest k with word < 2^32 P(X <= k)
  // (rounded down).
  std::uint32_t operator()(std::uint32_t word) const {
    // From the guide's candidate, the next four thresholds compared without
    // branches (the word is random: a branch on it is mispredicted often);
    // only a word beyond all four (rare: the tails' dense thresholds) goes on.
    const std::uint32_t* upper = data_.data() + guide_size_;
    std::uint32_t i = data_[static_cast<std::uint64_t>(word) >> shift_];
    const std::uint32_t* u = upper + i;
    const std::uint32_t c = std::uint32_t{word >= u[0]} + std::uint32_t{word >= u[1]} +
                            std::uint32_t{word >= u[2]} + std::uint32_t{word >= u[3]};
    i += c;
    if (c == 4)
      while (i < last_index_ && word >= upper[i])
        ++i;
    return first_ + (i < last_index_ ? i : last_index_);
  }
  // The table's outcomes first() .. last(); the others have probability 0
  // (below 2^-32) in it.
  std::uint32_t first() const { return first_; }
  std::uint32_t last() const { return first_ + last_index_; }
  // 2^32 P(X <= k) rounded down (2^32 from last() on), for k >= first().
  std::uint64_t threshold(std::uint32_t k) const {
    return k >= last() ? std::uint64_t{1} << 32 : data_[guide_size_ + (k - first_)];
  }

private:
  std::uint32_t first_ = 0;
  std::uint32_t last_index_ = 0; // last() - first()
  std::uint32_t guide_size_ = 1;
  int shift_ = 32;
  // The guide, then the thresholds of first() .. last() - 1 (that of last()
  // is 2^32), then four words 2^32 - 1: data_[j], j < guide_size_, is the
  // first i with threshold(first() + i) > j << shift_; data_[guide_size_ + i]
  // is threshold(first() + i).
  std::vector<std::uint32_t> data_{0, ~0u, ~0u, ~0u, ~0u};
};

// The tables of the (n, p) last drawn on a thread, two to a hash set (the
// one used last first): a count-level trial draws its cells from a few
// hundred (n, p), a sweep's trials from thousands. Which are kept changes the
// speed, never the numbers.
class BinomialCache {
public:
  BinomialCache();
  // The table of Bin(n, p), 1 <= n, 0 < p < 1, built if it is not kept.
  const BinomialTable& table(std::uint32_t n, double p) {
    const auto bits = std::bit_cast<std::uint64_t>(p);
    const std::uint64_t hash =
        (bits ^ (bits >> 32) ^ (std::uint64_t{n} << 40)) * 0x9E3779B97F4A7C15ull;
    Slot* set = &slots_[(hash >> (64 - kBits)) & ~std::uint64_t{1}];
    if (set[0].p_bits == bits && set[0].n == n) [[likely]]
      return *set[0].table;
    return second(set, n, p);
  }

private:
  static constexpr int kBits = 14; // 16,384 tables
  struct alignas(64) Slot {
    std::uint64_t p_bits = 0; // 0: empty (p = 0 never reaches the cache)
    std::uint32_t n = 0;
    std::optional<BinomialTable> table; // built on the slot's first use
  };
  // The set's other slot, or a table built into the one used longer ago;
  // either way moved first.
  static const BinomialTable& second(Slot* set, std::uint32_t n, double p);
  static void rebuild(Slot& slot, std::uint32_t n, double p);
  std::vector<Slot, HugePageAllocator<Slot>> slots_; // 1 MiB: huge pages
};

// This thread's cache (created on its first draw, freed when it ends).
inline thread_local BinomialCache* t_binomial_cache = nullptr;
BinomialCache& new_binomial_cache();

// Bin(n, p) from one word of `stream` (none when n == 0, p <= 0 or p >= 1:
// then 0, 0 and n), by this thread's table of (n, p). Inline: a count-level
// trial is mostly these draws.
inline std::uint32_t binomial_draw(Stream& stream, std::uint32_t n, double p) {
  if (n == 0 || p <= 0.0) return 0;
  if (p >= 1.0) return n;
  BinomialCache* cache = t_binomial_cache;
  if (cache == nullptr) [[unlikely]]
    cache = &new_binomial_cache();
  return cache->table(n, p)(stream());
}

} // namespace sepsim

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

#include <cstdint>
#include <vector>

namespace sepsim {

class Stream;

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
    const std::uint32_t* upper = data_.data() + guide_size_;
    std::uint32_t i = data_[static_cast<std::uint64_t>(word) >> shift_];
    while (i < last_index_ && word >= upper[i])
      ++i;
    return first_ + i;
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
  // is 2^32): data_[j], j < guide_size_, is the first i with threshold(first()
  // + i) > j << shift_; data_[guide_size_ + i] is threshold(first() + i).
  std::vector<std::uint32_t> data_{0};
};

// Bin(n, p) from one word of `stream` (none when n == 0, p <= 0 or p >= 1:
// then 0, 0 and n). The tables of the (n, p) last drawn are kept per thread;
// which are kept changes the speed, never the numbers.
std::uint32_t binomial_draw(Stream& stream, std::uint32_t n, double p);

} // namespace sepsim

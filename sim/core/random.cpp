#include "sepsim/core/random.hpp"

#include <Random123/philox.h>

#include <algorithm>

namespace sepsim {

namespace {
constexpr std::uint32_t kGridBits = 24;
// Blocks computed one at a time before a stream is taken to be in heavy use.
constexpr std::uint32_t kSingleBlocks = 4;
} // namespace

std::array<std::uint32_t, 4> philox4x32_10(const std::array<std::uint32_t, 4>& counter,
                                           const std::array<std::uint32_t, 2>& key) {
  r123::Philox4x32_R<10> philox;
  const r123::Philox4x32_R<10>::ctr_type c = {{counter[0], counter[1], counter[2], counter[3]}};
  const r123::Philox4x32_R<10>::key_type k = {{key[0], key[1]}};
  const auto out = philox(c, k);
  return {out[0], out[1], out[2], out[3]};
}

// Layout: key = the 64-bit seed; counter = (block, entity, replicate,
// purpose << 24 | grid point). Distinct identities never share a counter.
Stream::Stream(const StreamId& id)
    : key_{static_cast<std::uint32_t>(id.seed), static_cast<std::uint32_t>(id.seed >> 32)},
      counter_{0, id.entity, id.replicate,
               (static_cast<std::uint32_t>(id.purpose) << kGridBits) |
                   (id.grid_point & ((1u << kGridBits) - 1))} {}

void Stream::refill() {
  next_ = 0;
  if (block_ < kSingleBlocks) {
    counter_[0] = block_++;
    const auto words = philox4x32_10(counter_, key_);
    std::copy(words.begin(), words.end(), buffer_.begin());
    filled_ = 4;
    return;
  }
  philox4x32_10_batch(block_, counter_, key_, buffer_.data());
  block_ += kPhiloxBatch;
  filled_ = static_cast<int>(buffer_.size());
}

} // namespace sepsim

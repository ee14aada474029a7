#include "sepsim/core/random.hpp"

#include <Random123/philox.h>

#include <algorithm>
#include <stdexcept>
#include <string>

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

Stream::Stream(const StreamId& id, const std::uint32_t* first_words, std::uint32_t blocks,
               [[maybe_unused]] const std::uint32_t* lender_fills)
    : Stream(id) {
  words_ = first_words;
  block_ = blocks;
  filled_ = static_cast<int>(4 * blocks);
#ifdef SEPSIM_CHECKED_STREAMS
  lender_fills_ = lender_fills;
  borrowed_at_ = *lender_fills;
#endif
}

void Stream::lender_refilled() {
  throw std::logic_error("Stream: borrowed words read after their EntityStreams computed other "
                         "entities' words (a stream from EntityStreams must be used up before "
                         "its next fill)");
}

EntityStreams::EntityStreams(const StreamId& id, std::uint32_t blocks, std::uint32_t group)
    : id_(id), blocks_(std::min(blocks, kPhiloxBatch)), group_(group) {
  if (group != kPhiloxBatch && group != 2 * kPhiloxBatch)
    throw std::invalid_argument("EntityStreams: a group of " + std::to_string(group) +
                                " entities, not 8 or 16");
}

Stream EntityStreams::stream(std::uint32_t entity) {
  const std::uint32_t* first_words = words(entity);
  StreamId id = id_;
  id.entity = entity;
  return Stream(id, first_words, blocks_, &fills_);
}

// Blocks 0 .. blocks_ - 1 of entities base .. base + group_ - 1, in one call.
void EntityStreams::fill(std::uint32_t base) {
  if (group_ == kPhiloxBatch) {
    Entities entities;
    for (std::uint32_t j = 0; j < kPhiloxBatch; ++j)
      entities[j] = base + j;
    compute(entities);
  } else { // two eights: their sets of lanes interleave
    std::array<Entities, 2> eights;
    for (std::uint32_t half = 0; half < 2; ++half)
      for (std::uint32_t j = 0; j < kPhiloxBatch; ++j)
        eights[half][j] = base + kPhiloxBatch * half + j;
    compute_two(*this, eights[0], 0, *this, eights[1], kPhiloxBatch);
  }
  base_ = base;
  filled_ = true;
  gathered_ = false;
}

void EntityStreams::fill_entities(const std::uint32_t* entities, std::uint32_t n) {
  gather(entities, n);
  compute(entities_);
}

void EntityStreams::fill_entities(EntityStreams& a, EntityStreams& b, const std::uint32_t* entities,
                                  std::uint32_t n) {
  if (a.id_.seed != b.id_.seed) { // different keys: one call each
    a.fill_entities(entities, n);
    b.fill_entities(entities, n);
    return;
  }
  a.gather(entities, n);
  b.gather(entities, n);
  compute_two(a, a.entities_, 0, b, b.entities_, 0);
}

// Eight entities of `a` into its lanes a_lane .. a_lane + 7 and eight of `b`
// into its lanes b_lane .. b_lane + 7 (a and b may be one), in one call: the
// two sets of lanes interleave. The same key (seed) for both.
void EntityStreams::compute_two(EntityStreams& a, const Entities& a_entities, std::uint32_t a_lane,
                                EntityStreams& b, const Entities& b_entities,
                                std::uint32_t b_lane) {
  std::array<PhiloxLanes, 2 * kPhiloxBatch> lanes;
  a.set_lanes(a_entities, lanes.data());
  b.set_lanes(b_entities, lanes.data() + a.blocks_);
  std::array<std::uint32_t, 2 * 4 * kPhiloxBatch * kPhiloxBatch> out; // [block][entity][word]
  philox4x32_10_lanes(lanes.data(), a.blocks_ + b.blocks_, Stream(a.id_).key_, out.data());
  ++a.fills_;
  ++b.fills_;
  a.take_words(out.data(), a_lane);
  b.take_words(out.data() + 4 * kPhiloxBatch * a.blocks_, b_lane);
}

void EntityStreams::gather(const std::uint32_t* entities, std::uint32_t n) {
  if (n == 0 || n > kPhiloxBatch)
    throw std::invalid_argument("EntityStreams: " + std::to_string(n) + " entities, not 1 .. 8");
  for (std::uint32_t j = 0; j < kPhiloxBatch; ++j)
    entities_[j] = entities[std::min(j, n - 1)]; // spare lanes repeat the last
  count_ = n;
  filled_ = gathered_ = true;
}

Stream EntityStreams::lane_stream(std::uint32_t lane, std::uint32_t entity) const {
  StreamId id = id_;
  id.entity = entity;
  return Stream(id, words_.data() + 4 * kPhiloxBatch * lane, blocks_, &fills_);
}

const std::uint32_t* EntityStreams::find_or_fill(std::uint32_t entity) {
  if (filled_ && gathered_)
    for (std::uint32_t j = 0; j < count_; ++j)
      if (entities_[j] == entity) return words_.data() + 4 * kPhiloxBatch * j;
  const std::uint32_t base = entity & ~(group_ - 1);
  fill(base);
  return words_.data() + 4 * kPhiloxBatch * (entity - base);
}

// Blocks 0 .. blocks_ - 1 of the eight entities into lanes 0 .. 7, in one call.
void EntityStreams::compute(const Entities& entities) {
  std::array<PhiloxLanes, kPhiloxBatch> lanes;
  set_lanes(entities, lanes.data());
  std::array<std::uint32_t, 4 * kPhiloxBatch * kPhiloxBatch> out; // [block][entity][word]
  philox4x32_10_lanes(lanes.data(), blocks_, Stream(id_).key_, out.data());
  ++fills_;
  take_words(out.data(), 0);
}

// Set b of `lanes`: block b of the eight entities' streams.
void EntityStreams::set_lanes(const Entities& entities, PhiloxLanes* lanes) const {
  const Stream first(id_); // its counter layout
  for (std::uint32_t b = 0; b < blocks_; ++b)
    for (std::uint32_t j = 0; j < kPhiloxBatch; ++j) {
      lanes[b][0][j] = b;
      lanes[b][1][j] = entities[j];
      lanes[b][2][j] = first.counter_[2];
      lanes[b][3][j] = first.counter_[3];
    }
}

// Philox's words of set_lanes' lanes ([block][entity][word]) into words_'
// lanes first_lane .. first_lane + 7.
void EntityStreams::take_words(const std::uint32_t* out, std::uint32_t first_lane) {
  auto* to = words_.data() + 4 * kPhiloxBatch * first_lane;
  for (std::uint32_t b = 0; b < blocks_; ++b)
    for (std::uint32_t j = 0; j < kPhiloxBatch; ++j)
      std::copy_n(out + 4 * (kPhiloxBatch * b + j), 4, to + 4 * (kPhiloxBatch * j + b));
}

void Stream::refill() {
  next_ = 0;
  words_ = buffer_.data();
  if (block_ < kSingleBlocks) {
    counter_[0] = block_++;
    const auto words = philox4x32_10(counter_, key_);
    std::copy(words.begin(), words.end(), buffer_.begin());
    filled_ = 4;
    return;
  }
  philox4x32_10_batch(block_, counter_, key_, buffer_.data());
  block_ += kPhiloxStreamBatch;
  filled_ = static_cast<int>(buffer_.size());
}

UniformBelow::UniformBelow(std::uint32_t n) : last_(n - 1) {
  if (n < 1 || n > 0x80000000u)
    throw std::invalid_argument("UniformBelow: n = " + std::to_string(n) + " is outside 1 .. 2^31");
  if (n == 1) return;
  // Boost's bucket: floor((2^32 - 1) / n), plus one when n divides 2^32; at
  // least 2 for n <= 2^31, so the reciprocal fits in 64 bits.
  constexpr std::uint32_t kMax = 0xffffffffu;
  std::uint32_t bucket = kMax / n;
  if (kMax % n == n - 1) ++bucket;
  reciprocal_ = ~std::uint64_t{0} / bucket + 1;
}

} // namespace sepsim

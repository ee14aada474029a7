// Counter-based random streams: every draw is a pure function of its identity
// (seed, purpose, grid point, replicate, entity, section), never of a thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

namespace sepsim {

// The version of the definitions of the draws (which words of which stream
// become which value), recorded with every result: the same seed gives the
// same numbers under the same version. 1: until 2026-12-06. 2: count-level
// time-to-event designs with the exponential model draw each patient's day of
// death and time since the last entry by inversion (core/exponential.hpp), a
// word each, in groups of 64 patients (sim/trial/trial_survival_counts.cpp);
// everything else draws as in version 1. 3: every count-level binomial is one
// word by table inversion (core/binomial.hpp) instead of Boost's
// binomial_distribution; the patient level draws as in version 2. 4: a
// count-level design with looks on the response (sim/trial/trial_counts.cpp)
// draws each stage's responders alone, Bin(m, response), and each cell's
// other outcomes once after its last stage, given its patients and
// responders; everything else draws as in version 3.
inline constexpr int kGeneratorVersion = 4;

// Separate purposes keep the patients fixed when a design changes.
enum class Purpose : std::uint32_t {
  patient_screening = 1, // phenotype, biomarkers and assay error of patient i
  patient_outcomes = 2,  // covariates and the shared noise of the potential outcomes
  randomisation = 3,     // arm assignment of design d
  arm_counts = 4,        // count-level simulation of design d
  accrual = 5,           // enrolment times of design d
  patient_survival = 6,  // day of death of patient i (shared by all its potential outcomes)
  patient_dropout = 7,   // exclusion and loss to follow-up of patient i
};

struct StreamId {
  std::uint64_t seed = 0;
  Purpose purpose = Purpose::patient_screening;
  std::uint32_t grid_point = 0; // < 2^24
  std::uint32_t replicate = 0;
  std::uint32_t entity = 0; // patient index or design index
};

// Philox4x32-10 of kPhiloxStreamBatch consecutive blocks from counter
// (first_block, counter[1..3]) into out (4 words a block, block after block):
// the words of philox4x32_10, by SIMD lanes where the CPU has them unless path
// is scalar. Two sets of kPhiloxBatch lanes: one set alone waits on each
// round's multiplications.
constexpr std::uint32_t kPhiloxBatch = 8;
constexpr std::uint32_t kPhiloxStreamBatch = 2 * kPhiloxBatch;
// fastest: AVX-512 or AVX2 where the CPU has them; avx2: at most AVX2.
enum class PhiloxPath { fastest, avx2, scalar };
void philox4x32_10_batch(std::uint32_t first_block, const std::array<std::uint32_t, 4>& counter,
                         const std::array<std::uint32_t, 2>& key, std::uint32_t* out,
                         PhiloxPath path = PhiloxPath::fastest);
// The same for any counters, kPhiloxBatch a set: lane j of set s has the
// counter (counters[s][0][j], ..., counters[s][3][j]), block 8 s + j of out.
using PhiloxLanes = std::array<std::array<std::uint32_t, kPhiloxBatch>, 4>;
void philox4x32_10_lanes(const PhiloxLanes* counters, std::size_t sets,
                         const std::array<std::uint32_t, 2>& key, std::uint32_t* out,
                         PhiloxPath path = PhiloxPath::fastest);
bool philox_simd_available(); // whether philox4x32_10_batch has a SIMD path here

// A move-only uniform random bit generator over Philox4x32-10 (Random123).
// It satisfies the UniformRandomBitGenerator requirements, so Boost.Random
// distributions draw from it. Each counter block yields four 32-bit words.
class Stream {
public:
  using result_type = std::uint32_t;

  explicit Stream(const StreamId& id);
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // Moves copy the unread words only: the rest of the buffer is never written
  // before it is read (zeroing it on construction cost 10% at the patient level).
  Stream(Stream&& other) noexcept { take(other); }
  Stream& operator=(Stream&& other) noexcept {
    take(other);
    return *this;
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return 0xffffffffu; }

  result_type operator()() {
    if (next_ == filled_) refill();
    check_lender();
    return words_[next_++];
  }
  // The next n words, those n calls would give.
  void read(std::uint32_t* out, std::size_t n) {
    while (n > 0) {
      if (next_ == filled_) refill();
      check_lender();
      const auto take = std::min(n, static_cast<std::size_t>(filled_ - next_));
      std::copy_n(words_ + next_, take, out);
      next_ += static_cast<int>(take);
      out += take;
      n -= take;
    }
  }

  // The next two words when both are in the buffer (then read; false and
  // nothing read otherwise), and giving those two back (core/normal.hpp).
  bool take_two(std::uint32_t& first, std::uint32_t& second) {
    if (filled_ - next_ < 2) return false;
    check_lender();
    first = words_[next_];
    second = words_[next_ + 1];
    next_ += 2;
    return true;
  }
  void give_back_two() { next_ -= 2; }

  // Blocks computed so far (counter blocks 0 .. blocks_used() - 1).
  std::uint32_t blocks_used() const { return block_; }

private:
  friend class EntityStreams;
  // Its first `blocks` blocks (4 words each, <= kPhiloxBatch) computed
  // elsewhere: borrowed, not copied (valid while first_words is: the
  // EntityStreams until its next fill; lender_fills counts its fills).
  Stream(const StreamId& id, const std::uint32_t* first_words, std::uint32_t blocks,
         const std::uint32_t* lender_fills);
  void refill();
  // With SEPSIM_CHECKED_STREAMS (the sanitizer builds): a read of borrowed
  // words after their EntityStreams computed others throws std::logic_error
  // (it would give another entity's words). Nothing otherwise.
  void check_lender() const {
#ifdef SEPSIM_CHECKED_STREAMS
    if (words_ != buffer_.data() && lender_fills_ != nullptr && *lender_fills_ != borrowed_at_)
      lender_refilled();
#endif
  }
  [[noreturn]] static void lender_refilled();
  void take(const Stream& other) {
    key_ = other.key_;
    counter_ = other.counter_;
    block_ = other.block_;
    next_ = other.next_;
    filled_ = other.filled_;
#ifdef SEPSIM_CHECKED_STREAMS
    lender_fills_ = other.lender_fills_;
    borrowed_at_ = other.borrowed_at_;
#endif
    if (other.words_ != other.buffer_.data()) { // borrowed words stay where they are
      words_ = other.words_;
      return;
    }
    words_ = buffer_.data();
    for (int i = next_; i < filled_; ++i)
      buffer_[static_cast<std::size_t>(i)] = other.buffer_[static_cast<std::size_t>(i)];
  }

  std::array<std::uint32_t, 2> key_{};
  std::array<std::uint32_t, 4> counter_{};
  // The first four refills compute one block each (most streams need a few
  // words), the later ones kPhiloxStreamBatch blocks at once (random.cpp).
  std::array<std::uint32_t, 4 * kPhiloxStreamBatch> buffer_;
  const std::uint32_t* words_ = buffer_.data(); // words_[next_ .. filled_ - 1] unread
  std::uint32_t block_ = 0;
  int next_ = 0, filled_ = 0;
#ifdef SEPSIM_CHECKED_STREAMS
  const std::uint32_t* lender_fills_ = nullptr; // the lender's fill count, and
  std::uint32_t borrowed_at_ = 0;               // its value when borrowed
#endif
};

// A uniform integer in [0, n) drawn exactly as Boost's
// uniform_int_distribution(0, n - 1) draws it from a Stream (one word split
// into n buckets of floor(2^32 / n) words, rejecting the rest), with the
// bucket size and its reciprocal computed once: no division per draw.
// 1 <= n <= 2^31 (the constructor throws std::invalid_argument otherwise).
class UniformBelow {
public:
  UniformBelow() = default;
  explicit UniformBelow(std::uint32_t n);
  // The draw from one word: false where Boost would reject it and draw again.
  bool from_word(std::uint32_t word, std::uint32_t& q) const {
    if (last_ == 0) return q = 0, true;
    q = quotient(word);
    return q <= last_;
  }
  std::uint32_t operator()(Stream& stream) const {
    if (last_ == 0) return 0;
    for (;;) {
      const std::uint32_t q = quotient(stream());
      if (q <= last_) return q;
    }
  }

private:
  // word / bucket_, exactly for every 32-bit word: the high 64 bits of
  // reciprocal_ * word (Lemire, Kaser and Kurz 2019, "Faster remainder by
  // direct computation"), from two 64-bit products that cannot overflow.
  std::uint32_t quotient(std::uint64_t word) const {
    const std::uint64_t low = (reciprocal_ & 0xffffffffu) * word;
    return static_cast<std::uint32_t>(((reciprocal_ >> 32) * word + (low >> 32)) >> 32);
  }
  std::uint64_t reciprocal_ = 0; // ceil(2^64 / bucket)
  std::uint32_t last_ = 0;       // n - 1
};

// The streams of one purpose for consecutive entities (patients): the first
// `blocks` blocks of eight (or sixteen: `group`) entities' streams at a time,
// computed together in SIMD lanes. stream(e) gives the words of Stream(id with entity e); it
// reads the words computed here, so it is to be used up before stream() is
// asked for an entity of another eight (the sanitizer builds check it:
// Stream::check_lender).
class EntityStreams {
public:
  // id.entity is ignored; group: the consecutive entities a fill computes,
  // kPhiloxBatch or twice that (std::invalid_argument otherwise).
  EntityStreams(const StreamId& id, std::uint32_t blocks, std::uint32_t group = kPhiloxBatch);
  Stream stream(std::uint32_t entity);
  // The first 4 x blocks() words of entity's stream, valid as stream()'s.
  const std::uint32_t* words(std::uint32_t entity) {
    const std::uint32_t base = entity & ~(group_ - 1);
    if (filled_ && !gathered_ && base == base_)
      return words_.data() + 4 * kPhiloxBatch * (entity - base);
    return find_or_fill(entity);
  }
  std::uint32_t blocks() const { return blocks_; }
  // The words of entities base .. base + 7 (base a multiple of 8), lane j's
  // 4 kPhiloxBatch words after lane 0's, valid as words()'.
  const std::uint32_t* words_of_eight(std::uint32_t base) {
    const std::uint32_t* first = words(base);
    return gathered_ ? nullptr : first; // a group of 8 or 16 holds all eight
  }
  // The streams of up to kPhiloxBatch entities of any numbers (those about to
  // be read), computed together instead of the next eight; an entity of
  // neither set is computed with its eight as before.
  void fill_entities(const std::uint32_t* entities, std::uint32_t n);
  // The same for two purposes' streams of the same entities (one seed), in
  // one call: their sets of lanes interleave.
  static void fill_entities(EntityStreams& a, EntityStreams& b, const std::uint32_t* entities,
                            std::uint32_t n);
  // The stream of entities[lane] of the last fill_entities (entity: that one).
  Stream lane_stream(std::uint32_t lane, std::uint32_t entity) const;
  // The first 4 x blocks() words of that stream (valid until the next fill).
  const std::uint32_t* lane_words(std::uint32_t lane) const {
    return words_.data() + 4 * kPhiloxBatch * lane;
  }

private:
  using Entities = std::array<std::uint32_t, kPhiloxBatch>;
  void fill(std::uint32_t base);
  const std::uint32_t* find_or_fill(std::uint32_t entity);
  void gather(const std::uint32_t* entities, std::uint32_t n);
  void compute(const Entities& entities);
  static void compute_two(EntityStreams& a, const Entities& a_entities, std::uint32_t a_lane,
                          EntityStreams& b, const Entities& b_entities, std::uint32_t b_lane);
  void set_lanes(const Entities& entities, PhiloxLanes* lanes) const;
  void take_words(const std::uint32_t* out, std::uint32_t first_lane);
  StreamId id_;
  std::uint32_t blocks_, group_;
  std::uint32_t base_ = 0;
  bool filled_ = false, gathered_ = false;
  std::array<std::uint32_t, kPhiloxBatch> entities_{}; // gathered: lane j's entity
  std::uint32_t count_ = 0;                            // gathered: lanes in use
  std::uint32_t fills_ = 0; // computations so far (SEPSIM_CHECKED_STREAMS)
  // [lane (entity - base_, or its place in entities_)][block][word]
  std::array<std::uint32_t, 4 * kPhiloxBatch * 2 * kPhiloxBatch> words_;
};

// Philox4x32-10 of one block, exposed for the known-answer test.
std::array<std::uint32_t, 4> philox4x32_10(const std::array<std::uint32_t, 4>& counter,
                                           const std::array<std::uint32_t, 2>& key);

} // namespace sepsim

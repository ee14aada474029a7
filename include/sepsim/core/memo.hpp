// A per-thread memo of a pure function: the values of the keys last asked
// for, one per hash slot (direct mapped). A hit returns the value computed
// before for the same key, bit for bit, so what the memo holds changes the
// speed, never a number. For functions of discrete statistics (a z of
// binomial counts), which repeat across trials.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sepsim {

// Key: equality-comparable, hashed by the caller; Bits: log2 of the slots.
template <class Key, class Value, int Bits> class Memo {
public:
  Memo() : slots_(std::size_t{1} << Bits) {}

  // The value of `key` (whose hash is `hash`), computed by compute() unless held.
  template <class Compute> const Value& get(const Key& key, std::uint64_t hash, Compute&& compute) {
    Slot& slot = slots_[(hash * 0x9E3779B97F4A7C15ull) >> (64 - Bits)];
    if (!slot.filled || !(slot.key == key)) {
      slot.value = compute();
      slot.key = key;
      slot.filled = true;
    }
    return slot.value;
  }

private:
  struct Slot {
    Key key{};
    Value value{};
    bool filled = false;
  };
  std::vector<Slot> slots_;
};

} // namespace sepsim

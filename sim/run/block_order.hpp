// Blocks of replicates computed in parallel and folded in order, each folded
// by the thread that computed it (sim/run/block_order.cpp).
#pragma once

#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cstdint>
#include <functional>

namespace sepsim {

// step(block, buffer): a block's computation into buffer 0 .. workers *
// kBlockBuffersPerWorker - 1, or its fold from there.
using BlockStep = std::function<void(std::uint64_t, int)>;
inline constexpr int kBlockBuffersPerWorker = 2;

// Blocks [0, blocks) on `workers` tasks of `arena`: each task takes the next
// block and computes it into one of its buffers, and folds its blocks itself
// once every earlier block is folded (its results still in its core's cache:
// a fold on another core read every result line from there, and the next
// block written into that buffer took them back: at 2 threads the
// count-level trial's writes and the fold took 53-270% more CPU than at 1
// thread); while the block before its first is
// being folded elsewhere it computes the next one into its other buffer.
// Stops taking blocks when *cancel is set; the first exception of a task
// stops the others and is rethrown here. Returns the blocks folded (in order,
// from 0).
std::uint64_t fold_blocks_in_order(oneapi::tbb::task_arena& arena, int workers,
                                   std::uint64_t blocks, const BlockStep& compute,
                                   const BlockStep& fold, const std::atomic<bool>* cancel);

} // namespace sepsim

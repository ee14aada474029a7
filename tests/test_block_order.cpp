// The local run's scheduler (sim/run/block_order.hpp): blocks folded in order,
// each by the worker that computed it from the buffer it computed into; a
// failure or a cancel stops every worker without a hang.
#include "../sim/run/block_order.hpp"

#include <catch2/catch.hpp>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace sepsim;

namespace {
constexpr int kWorkers = 4; // more than the cores of a CI machine: workers wait
constexpr std::uint64_t kBlocks = 500;

struct Record {
  std::thread::id computed_by;
  std::uint64_t block = 0;
};
} // namespace

TEST_CASE("Blocks are folded in order, each by the thread that computed it, from its buffer",
          "[engine]") {
  const oneapi::tbb::global_control allow(oneapi::tbb::global_control::max_allowed_parallelism,
                                          kWorkers);
  oneapi::tbb::task_arena arena(kWorkers);
  std::vector<Record> buffers(kWorkers * kBlockBuffersPerWorker);
  std::vector<std::uint64_t> order;
  int wrong_thread = 0, wrong_buffer = 0;
  const auto compute = [&](std::uint64_t k, int buffer) {
    buffers.at(buffer) = {std::this_thread::get_id(), k};
  };
  const auto fold = [&](std::uint64_t k, int buffer) {
    wrong_buffer += buffers.at(buffer).block != k;
    wrong_thread += buffers.at(buffer).computed_by != std::this_thread::get_id();
    order.push_back(k);
  };
  CHECK(fold_blocks_in_order(arena, kWorkers, kBlocks, compute, fold, nullptr) == kBlocks);
  REQUIRE(order.size() == kBlocks);
  for (std::uint64_t k = 0; k < kBlocks; ++k)
    CHECK(order[k] == k);
  CHECK(wrong_buffer == 0);
  CHECK(wrong_thread == 0);
}

TEST_CASE("A failing block stops every worker and its error reaches the caller", "[engine]") {
  oneapi::tbb::task_arena arena(kWorkers);
  std::atomic<std::uint64_t> folds{0};
  const auto compute = [](std::uint64_t k, int) {
    if (k == 37) throw std::runtime_error("block 37 failed");
  };
  const auto fold = [&](std::uint64_t, int) { ++folds; };
  CHECK_THROWS_WITH(fold_blocks_in_order(arena, kWorkers, kBlocks, compute, fold, nullptr),
                    "block 37 failed");
  CHECK(folds.load() <= 37); // never past the failed block
}

TEST_CASE("A cancel stops the run at a block boundary, every earlier block folded", "[engine]") {
  oneapi::tbb::task_arena arena(kWorkers);
  std::atomic<bool> cancel{false};
  std::uint64_t folds = 0;
  const auto compute = [](std::uint64_t, int) {};
  const auto fold = [&](std::uint64_t k, int) {
    ++folds;
    if (k == 100) cancel = true;
  };
  const std::uint64_t folded =
      fold_blocks_in_order(arena, kWorkers, kBlocks, compute, fold, &cancel);
  CHECK(folded == folds);
  CHECK(folded >= 101);
  CHECK(folded < kBlocks);
}

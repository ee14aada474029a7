// Blocks folded in order by the threads that computed them (block_order.hpp).
#include "block_order.hpp"

#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <exception>
#include <mutex>
#include <thread>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sepsim {

namespace {
// Set in the fold counter when a worker failed or saw the cancel: the others
// stop, waiting or not.
constexpr std::uint64_t kStopped = std::uint64_t{1} << 63;
// Pauses before a waiting worker sleeps (a few microseconds: about a fold).
constexpr int kSpins = 2000;
constexpr int kBuffers = kBlockBuffersPerWorker;

void pause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Block k is taken only by a running worker, which folds it once k - 1 is
// folded: the worker holding the first unfolded block never waits for
// another. A worker keeps up to kBuffers blocks computed and not yet folded:
// while the block before its first is folded elsewhere it computes the next.
class InOrder {
public:
  InOrder(std::uint64_t blocks, const BlockStep& compute, const BlockStep& fold,
          const std::atomic<bool>* cancel)
      : blocks_(blocks), compute_(compute), fold_(fold), cancel_(cancel) {}

  void work(int worker) {
    (void)started_.load(std::memory_order_acquire);
    try {
      std::uint64_t pending[kBuffers]; // blocks computed here, unfolded: a ring
      int first = 0, held = 0;
      for (;;) {
        while (held > 0 && folded_.load(std::memory_order_acquire) == pending[first]) {
          step(fold_, pending[first], worker * kBuffers + first);
          folded_.fetch_add(1, std::memory_order_acq_rel); // keeps a kStopped set meanwhile
          folded_.notify_all();
          first = (first + 1) % kBuffers;
          --held;
        }
        if ((folded_.load(std::memory_order_acquire) & kStopped) != 0 ||
            (cancel_ != nullptr && cancel_->load()))
          return stop(); // a block held here stays unfolded: the others stop too
        const std::uint64_t k =
            held < kBuffers ? next_.fetch_add(1, std::memory_order_relaxed) : blocks_;
        if (k < blocks_) {
          const int slot = (first + held) % kBuffers;
          step(compute_, k, worker * kBuffers + slot);
          pending[slot] = k;
          ++held;
        } else if (held == 0 || !wait_for(pending[first])) {
          return;
        }
      }
    } catch (...) {
      {
        const std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      stop();
    }
  }
  // Before the workers start: they start through oneTBB, whose
  // synchronisation ThreadSanitizer cannot see, so each also acquires what
  // the caller released here (what it wrote before, such as the scenario).
  void release() { started_.store(true, std::memory_order_release); }
  // After they all returned: the blocks folded, or the first error thrown.
  std::uint64_t result() const {
    if (error_) std::rethrow_exception(error_);
    return folded_.load(std::memory_order_acquire) & ~kStopped;
  }

private:
  // Isolated: a nested oneTBB wait inside (a collaborative once, a
  // parallel_for) must not take another worker's task here, which could wait
  // for a block this frame holds.
  static void step(const BlockStep& f, std::uint64_t k, int buffer) {
    oneapi::tbb::this_task_arena::isolate([&] { f(k, buffer); });
  }
  void stop() {
    folded_.fetch_or(kStopped, std::memory_order_acq_rel);
    folded_.notify_all();
  }
  // Whether block k is next to fold (false: stopped).
  bool wait_for(std::uint64_t k) {
    std::uint64_t seen = folded_.load(std::memory_order_acquire);
    for (int spin = 0; seen != k && (seen & kStopped) == 0;
         seen = folded_.load(std::memory_order_acquire)) {
      if (spin++ < kSpins)
        pause();
      else
        folded_.wait(seen, std::memory_order_acquire);
    }
    return seen == k;
  }

  std::uint64_t blocks_;
  const BlockStep& compute_;
  const BlockStep& fold_;
  const std::atomic<bool>* cancel_;
  std::atomic<bool> started_{false};
  std::atomic<std::uint64_t> next_{0};   // the next block to take
  std::atomic<std::uint64_t> folded_{0}; // blocks folded (| kStopped)
  std::exception_ptr error_;
  std::mutex error_mutex_;
};
} // namespace

std::uint64_t fold_blocks_in_order(oneapi::tbb::task_arena& arena, int workers,
                                   std::uint64_t blocks, const BlockStep& compute,
                                   const BlockStep& fold, const std::atomic<bool>* cancel) {
  InOrder in_order(blocks, compute, fold, cancel);
  in_order.release();
  arena.execute([&] {
    oneapi::tbb::task_group group;
    for (int w = 1; w < workers; ++w)
      group.run([&in_order, w] { in_order.work(w); });
    in_order.work(0);
    group.wait();
  });
  return in_order.result();
}

} // namespace sepsim

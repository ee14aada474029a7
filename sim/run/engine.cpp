#include "sepsim/run/engine.hpp"
#include "sepsim/run/oc.hpp"
#include "sepsim/run/trial_rows.hpp"

#include "block_order.hpp"

#include "sepsim/core/build_info.hpp"
#include "sepsim/core/huge_pages.hpp"
#include "sepsim/core/random.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <malloc.h>
#include <pthread.h>

#include <algorithm>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <system_error>

namespace sepsim {

namespace {
extern "C" void* touch_heap(void*) {
  // A first allocation gives the thread its malloc arena, as a worker's would.
  void* block = std::malloc(64 * 1024);
  std::free(block);
  return block == nullptr ? nullptr : reinterpret_cast<void*>(1);
}

// oneTBB creates its workers on its own threads, where a failure to create
// one (under ulimit -v, or a thread limit) ends the process with
// std::terminate. So start and join as many threads as the run will use, with
// TBB's stack size, first: if they cannot be created, say so and stop. Twice:
// the first round creates the malloc arenas (address space that stays taken),
// the second needs the stacks beside them, as the workers will.
void probe_threads(int workers) {
  const auto stack =
      oneapi::tbb::global_control::active_value(oneapi::tbb::global_control::thread_stack_size);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, stack);
  std::vector<pthread_t> started;
  int error = 0;
  bool allocated = true;
  for (int i = 0; i < 2 * workers && error == 0; ++i) {
    if (i == workers) {
      for (const pthread_t thread : started) {
        void* result = nullptr;
        pthread_join(thread, &result);
        allocated = allocated && result != nullptr;
      }
      started.clear();
    }
    pthread_t thread;
    error = pthread_create(&thread, &attr, touch_heap, nullptr);
    if (error == 0) started.push_back(thread);
  }
  for (const pthread_t thread : started) {
    void* result = nullptr;
    pthread_join(thread, &result);
    allocated = allocated && result != nullptr;
  }
  pthread_attr_destroy(&attr);
  if (error != 0 || !allocated)
    throw MemoryError("could not start " + std::to_string(workers + 1) + " threads (" +
                      (error != 0 ? std::strerror(error) : "out of memory") +
                      "): use fewer --threads, or raise the memory or process limits "
                      "(ulimit -v, ulimit -u)");
}
} // namespace

namespace {
using ResultBuffer = std::vector<ReplicateResult, HugePageAllocator<ReplicateResult>>;
// Computes chunks of replicates into preallocated slots with oneTBB, in the
// background: two sets of slots, so that the next chunk is computed while the
// caller folds this one (the fold's order, and so every number, stays the same).
class ChunkComputer {
public:
  // fill computes one replicate's `width` results (a design each, or more).
  using ReplicateFill = std::function<void(const ReplicateId&, ReplicateResult*)>;
  ChunkComputer(const RunOptions& options, std::size_t width, ReplicateFill fill)
      : options_(options), width_(width), fill_(std::move(fill)), threads_(run_threads(options)) {
    // More threads than cores is allowed (for determinism tests); lift TBB's
    // default worker limit for this run only.
    if (threads_ > oneapi::tbb::info::default_concurrency())
      allow_more_.emplace(oneapi::tbb::global_control::max_allowed_parallelism,
                          static_cast<std::size_t>(threads_));
    probe_threads(threads_ - 1);
    arena_.emplace(threads_);
  }
  ChunkComputer(const ChunkComputer&) = delete;
  ChunkComputer& operator=(const ChunkComputer&) = delete;
  // A chunk still computing when the run stops (an error, an interrupt) is
  // cancelled and waited for: its slots and the workers' buffers outlive it.
  ~ChunkComputer() {
    if (!pending_) return;
    try {
      arena_->execute([&] {
        group_.cancel();
        group_.wait();
      });
    } catch (...) { // the run is already stopping with its own error
    }
  }

  // Starts replicates [start, start + count) of the point, design by design,
  // into slots(set).
  void launch(std::uint64_t start, std::uint64_t count, int set) {
    // The slots pass from the main thread to the workers and back. oneTBB's
    // own synchronisation lives inside libtbb, which ThreadSanitizer cannot
    // see into, so the hand-off is also made explicit with release/acquire.
    if (slots_[set].empty()) slots_[set].resize(kChunkReplicates * width_);
    handoff_.store(start, std::memory_order_release);
    pending_ = true;
    arena_->execute(
        [&] { group_.run([this, start, count, set] { fill(start, count, slots_[set]); }); });
  }
  // Waits for the launched chunk; its slots.
  ResultBuffer& finish(int set) {
    pending_ = false; // wait() returns or throws once every task of the group has ended
    try {
      arena_->execute([&] { group_.wait(); });
    } catch (const std::bad_alloc&) {
      throw resources_error("out of memory");
    } catch (const std::system_error& e) {
      throw resources_error(e.what()); // a thread that could not be created
    }
    (void)handoff_.load(std::memory_order_acquire);
    return slots_[set];
  }

  // Replicates [0, count) in blocks (block_replicates): blocks computed in
  // parallel, each then passed to fold(slots, start, count) in replicate
  // order by the thread that computed it (fold_blocks_in_order).
  using BlockFold = std::function<void(const ReplicateResult*, std::uint64_t, std::uint64_t)>;
  void compute_in_order(std::uint64_t count, const BlockFold& fold,
                        const std::atomic<bool>* cancel) {
    // Two blocks' buffers a thread, no more threads than blocks, no more
    // slots than the run has (a fuzz input, a small sweep point).
    const std::uint64_t block = block_replicates(count);
    const std::uint64_t blocks = (count + block - 1) / block;
    const int workers = static_cast<int>(std::min<std::uint64_t>(threads_, blocks));
    const std::size_t per_buffer = std::min(block, count) * width_;
    // A worker's buffers, allocated and filled with fresh results by that
    // worker on its first block (the workers do it at once, each on its own
    // core, rather than the caller before any of them starts); a worker
    // computes and folds only into its own.
    std::vector<ResultBuffer> own(static_cast<std::size_t>(workers));
    const auto at = [&](int buffer) {
      ResultBuffer& mine = own[static_cast<std::size_t>(buffer / kBlockBuffersPerWorker)];
      if (mine.empty()) mine.resize(kBlockBuffersPerWorker * per_buffer);
      return mine.data() + (buffer % kBlockBuffersPerWorker) * per_buffer;
    };
    const auto size = [&](std::uint64_t k) { return std::min(block, count - k * block); };
    const auto compute = [&](std::uint64_t k, int buffer) {
      fill_range(k * block, 0, size(k), at(buffer));
    };
    const auto fold_block = [&](std::uint64_t k, int buffer) {
      fold(at(buffer), k * block, size(k));
    };
    std::uint64_t folded = 0;
    try {
      folded = fold_blocks_in_order(*arena_, workers, blocks, compute, fold_block, cancel);
    } catch (const std::bad_alloc&) {
      throw resources_error("out of memory");
    } catch (const std::system_error& e) {
      throw resources_error(e.what());
    }
    if (folded < blocks) throw Interrupted(); // stopped by `cancel` before the last block
  }
  // Replicates a block: about kBlockReplicates results, whatever the width (a
  // shared pass of a sweep has a result per point: its blocks were ten times
  // the memory, allocated and faulted in afresh for every group of points),
  // and at least 64 blocks a thread (a power of two: the last block of a run
  // of slow trials kept one thread busy while the other had finished).
  std::uint64_t block_replicates(std::uint64_t count) const {
    const std::uint64_t by_width =
        kBlockReplicates / std::bit_ceil(std::max<std::size_t>(width_, 1));
    const std::uint64_t by_count = std::bit_floor(count / (64 * std::uint64_t(threads_)));
    return std::max<std::uint64_t>(1, std::min(by_width, by_count));
  }
  ResultBuffer& compute(std::uint64_t start, std::uint64_t count) {
    launch(start, count, 0);
    return finish(0);
  }
  ResultBuffer& slots(int set) { return slots_[set]; }

private:
  MemoryError resources_error(const std::string& why) const {
    return MemoryError("the run could not get the memory or threads it needs (" + why + ", " +
                       std::to_string(threads_) +
                       " threads): use fewer --threads, or raise the memory limit (ulimit -v)");
  }

  void fill(std::uint64_t start, std::uint64_t count, ResultBuffer& slots) {
    // One acquire and one release per range of replicates, not per replicate:
    // the counter's cache line is shared by the threads.
    using Range = oneapi::tbb::blocked_range<std::uint64_t>;
    oneapi::tbb::parallel_for(Range(0, count), [&](const Range& range) {
      (void)handoff_.load(std::memory_order_acquire);
      fill_range(start, range.begin(), range.end(), slots.data());
      handoff_.fetch_add(1, std::memory_order_acq_rel);
    });
  }
  // Replicates start + [begin, end) into slots [begin, end) (width_ each).
  void fill_range(std::uint64_t start, std::uint64_t begin, std::uint64_t end,
                  ReplicateResult* slots) const {
    for (std::uint64_t i = begin; i != end; ++i)
      fill_(ReplicateId{options_.seed, options_.grid_point, static_cast<std::uint32_t>(start + i)},
            &slots[i * width_]);
  }

  const RunOptions& options_;
  std::size_t width_;
  ReplicateFill fill_;
  int threads_;
  std::optional<oneapi::tbb::global_control> allow_more_;
  std::optional<oneapi::tbb::task_arena> arena_;
  oneapi::tbb::task_group group_;
  bool pending_ = false;
  ResultBuffer slots_[2];
  std::atomic<std::uint64_t> handoff_{0};
};

// A folded block's rows of the per-trial tables, design by design, handed to
// the sink a chunk at a time (`done`: the replicates folded with this block).
void append_trials(const Scenario& scenario, const RunOptions& options,
                   const ReplicateResult* slots, std::uint64_t start, std::uint64_t count,
                   std::uint64_t done, std::vector<std::vector<TrialRow>>& rows) {
  const std::size_t n_designs = scenario.designs.size();
  rows.resize(n_designs);
  for (std::size_t d = 0; d < n_designs; ++d)
    for (std::uint64_t i = 0; i < count; ++i)
      rows[d].push_back(
          trial_row(scenario.designs[d], slots[i * n_designs + d], start + i, options.trial_point));
  if (done % kChunkReplicates != 0 && done != options.replicates) return;
  for (std::size_t d = 0; d < n_designs; ++d) {
    options.trials->append(d, rows[d]);
    rows[d].clear();
  }
}

// Chunk `chunk` of a distributed run is computed by rank chunk % ranks.
bool computed_here(const RunOptions& options, std::uint64_t chunk) {
  return options.exchange == nullptr ||
         chunk % static_cast<std::uint64_t>(options.exchange->ranks()) ==
             static_cast<std::uint64_t>(options.exchange->rank());
}
} // namespace

namespace {
using BlockFold = std::function<void(const ReplicateResult*, std::uint64_t, std::uint64_t)>;

// Replicates [0, options.replicates), `width` results each, computed by
// `computer` and passed to fold(slots, start, count) in replicate order
// whoever computed them, so the numbers do not depend on threads or processes.
void compute_and_fold(ChunkComputer& computer, const RunOptions& options, std::size_t width,
                      const BlockFold& fold, const std::atomic<bool>* cancel) {
  if (options.exchange == nullptr) {
    computer.compute_in_order(options.replicates, fold, cancel);
    return;
  }
  // Distributed: chunk k (from the first) goes to slot set k % 2; the next
  // one computed here is launched before this one is folded.
  const std::uint64_t chunks = (options.replicates + kChunkReplicates - 1) / kChunkReplicates;
  const auto count_of = [&](std::uint64_t k) {
    return std::min(kChunkReplicates, options.replicates - k * kChunkReplicates);
  };
  const auto launch = [&](std::uint64_t k) {
    if (k < chunks && computed_here(options, options.first_chunk + k))
      computer.launch(k * kChunkReplicates, count_of(k), static_cast<int>(k % 2));
  };
  launch(0);
  for (std::uint64_t k = 0; k < chunks; ++k) {
    if (cancel != nullptr && cancel->load()) throw Interrupted();
    const std::uint64_t count = count_of(k);
    const int set = static_cast<int>(k % 2);
    ResultBuffer* slots = &computer.slots(set);
    if (computed_here(options, options.first_chunk + k)) {
      slots = &computer.finish(set);
    } else {
      if (slots->empty()) slots->resize(kChunkReplicates * width);
      options.exchange->receive(options.first_chunk + k, slots->data(), count * width);
    }
    launch(k + 1);
    fold(slots->data(), k * kChunkReplicates, count);
  }
}

ChunkComputer::ReplicateFill every_design(const Scenario& scenario) {
  return [&scenario](const ReplicateId& id, ReplicateResult* out) {
    for (std::size_t d = 0; d < scenario.designs.size(); ++d)
      simulate_trial(scenario, d, id, out[d]);
  };
}
} // namespace

namespace {
// With per-trial rows, the point's scenario with every design computing its
// patients' ordinal outcomes (the rows report their mean); nullopt when it
// already does, or without rows.
std::optional<Scenario> with_ordinal_outcomes(const Scenario& scenario, const RunOptions& options) {
  const auto computed = [](const Design& d) { return d.ordinal_outcomes; };
  if ((options.trials == nullptr && !options.trial_rows) ||
      std::all_of(scenario.designs.begin(), scenario.designs.end(), computed))
    return std::nullopt;
  std::optional<Scenario> out(scenario);
  for (Design& d : out->designs)
    d.ordinal_outcomes = true;
  return out;
}
} // namespace

PointSummary run_point(const Scenario& scenario, const RunOptions& options,
                       const ProgressFn& progress, const std::atomic<bool>* cancel) {
  if (const auto rows = with_ordinal_outcomes(scenario, options))
    return run_point(*rows, options, progress, cancel);
  check_memory(scenario, options);
  const std::size_t n_designs = scenario.designs.size();
  PointAccumulator point(scenario);
  ChunkComputer computer(options, n_designs, every_design(scenario));
  std::vector<std::vector<TrialRow>> rows; // per design, the chunk's per-trial rows so far
  std::vector<const ReplicateResult*> replicate(n_designs);
  const auto fold = [&](const ReplicateResult* slots, std::uint64_t start, std::uint64_t count) {
    for (std::uint64_t i = 0; i < count; ++i) {
      for (std::size_t d = 0; d < n_designs; ++d)
        replicate[d] = &slots[i * n_designs + d];
      point.add(replicate.data());
    }
    const std::uint64_t done = start + count;
    if (options.trials != nullptr)
      append_trials(scenario, options, slots, start, count, done, rows);
    if (progress && (done % kChunkReplicates == 0 || done == options.replicates))
      progress(done, options.replicates);
  };
  compute_and_fold(computer, options, n_designs, fold, cancel);
  return point.summary();
}

namespace {
// The replicates of points that share patients: results [0, n_designs) are
// the first point's designs, then the varying design of each later point.
class SharedPoints {
public:
  SharedPoints(const std::vector<const Scenario*>& points, std::size_t design_index)
      : points_(points), design_(design_index), n_designs_(points.front()->designs.size()) {}
  std::size_t width() const { return n_designs_ + points_.size() - 1; }
  template <class Result> Result* at(Result* slots, std::size_t k, std::size_t d) const {
    return d == design_ && k > 0 ? slots + n_designs_ + k - 1 : slots + d;
  }
  // The varying design from one pass over the largest trial's patients; the
  // others are the same at every point: simulated once.
  ChunkComputer::ReplicateFill fill() const {
    return [this](const ReplicateId& id, ReplicateResult* out) {
      for (std::size_t d = 0; d < n_designs_; ++d)
        if (d != design_) simulate_trial(*points_.front(), d, id, out[d]);
      std::vector<ReplicateResult*> varying(points_.size());
      for (std::size_t k = 0; k < points_.size(); ++k)
        varying[k] = at(out, k, design_);
      simulate_trial_prefixes(points_, design_, id, varying.data());
    };
  }
  void check_memory(const RunOptions& options) const {
    for (const Scenario* s : points_)
      sepsim::check_memory(*s, options, width());
  }

private:
  const std::vector<const Scenario*>& points_;
  std::size_t design_, n_designs_;
};
} // namespace

std::vector<PointSummary> run_points_sharing_patients(const std::vector<const Scenario*>& points,
                                                      std::size_t design_index,
                                                      const RunOptions& options,
                                                      const ProgressFn& progress,
                                                      const std::atomic<bool>* cancel) {
  if (points.empty() || options.trials != nullptr)
    throw std::logic_error("run_points_sharing_patients: points, without --trials");
  const SharedPoints shared(points, design_index);
  shared.check_memory(options);
  const std::size_t width = shared.width(), n_designs = points.front()->designs.size();
  std::vector<PointAccumulator> folds;
  for (const Scenario* s : points)
    folds.emplace_back(*s);
  ChunkComputer computer(options, width, shared.fill());
  std::vector<const ReplicateResult*> replicate(n_designs);
  const auto fold = [&](const ReplicateResult* slots, std::uint64_t start, std::uint64_t count) {
    for (std::uint64_t i = 0; i < count; ++i)
      for (std::size_t k = 0; k < points.size(); ++k) {
        for (std::size_t d = 0; d < n_designs; ++d)
          replicate[d] = shared.at(slots + i * width, k, d);
        folds[k].add(replicate.data());
      }
    const std::uint64_t done = start + count;
    if (progress && (done % kChunkReplicates == 0 || done == options.replicates))
      progress(done, options.replicates);
  };
  compute_and_fold(computer, options, width, fold, cancel);
  std::vector<PointSummary> out;
  for (const auto& f : folds)
    out.push_back(f.summary());
  return out;
}

namespace {
// A rank other than 0: its chunks of the point(s), `width` results a replicate, to rank 0.
void serve_chunks(ChunkComputer& computer, const RunOptions& options, std::size_t width) {
  std::uint64_t chunk = options.first_chunk;
  for (std::uint64_t start = 0; start < options.replicates; start += kChunkReplicates, ++chunk) {
    if (!computed_here(options, chunk)) continue;
    const std::uint64_t count = std::min(kChunkReplicates, options.replicates - start);
    options.exchange->send(chunk, computer.compute(start, count).data(), count * width);
  }
}
} // namespace

void serve_point(const Scenario& scenario, const RunOptions& options) {
  if (const auto rows = with_ordinal_outcomes(scenario, options))
    return serve_point(*rows, options);
  check_memory(scenario, options);
  ChunkComputer computer(options, scenario.designs.size(), every_design(scenario));
  serve_chunks(computer, options, scenario.designs.size());
}

void serve_points_sharing_patients(const std::vector<const Scenario*>& points,
                                   std::size_t design_index, const RunOptions& options) {
  const SharedPoints shared(points, design_index);
  shared.check_memory(options);
  ChunkComputer computer(options, shared.width(), shared.fill());
  serve_chunks(computer, options, shared.width());
}

Provenance make_provenance(const Scenario& scenario, const RunOptions& options) {

  const BuildInfo& b = build_info();
  Provenance p;
  p.sepsim_version = b.version;
  p.git_commit = b.git_commit;
  p.compiler = b.compiler;
  p.boost_version = b.boost_version;
  p.tbb_version = b.tbb_version;
  p.hdf5_version = b.hdf5_version;
  p.scenario_name = scenario.name;
  p.scenario_source = scenario.source;
  p.scenario_text = scenario.text;
  p.seed = options.seed;
  p.replicates = options.replicates;
  p.null_hypothesis = scenario.null_hypothesis;
  p.generator_version = kGeneratorVersion;
  return p;
}

RunSummary run(const Scenario& scenario, const RunOptions& options, const ProgressFn& progress,
               const std::atomic<bool>* cancel) {
  RunSummary summary;
  summary.provenance = make_provenance(scenario, options);
  summary.points.push_back(run_point(scenario, options, progress, cancel));
  return summary;
}

} // namespace sepsim

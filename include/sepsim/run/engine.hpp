// The parallel engine: replicates in fixed-size chunks, each chunk run with
// oneTBB into preallocated slots and folded in replicate order, so results
// are bitwise identical for any number of threads.
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/run/summary.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/trial/trial.hpp"

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>

namespace sepsim {

class ChunkExchange;

struct RunOptions {
  std::uint64_t seed = 1;
  std::uint64_t replicates = 10000;
  int threads = 0; // 0: all cores
  std::uint32_t grid_point = 0;
  // Distributed runs (MPI): the exchange between processes, and the number of
  // the point's first chunk among all chunks of the run (a sweep numbers its
  // points' chunks one after another).
  ChunkExchange* exchange = nullptr;
  std::uint64_t first_chunk = 0;
  // Per-trial results (--trials): every replicate's row goes here, design by
  // design in replicate order, numbered with grid point `trial_point` (where
  // the replicates are folded: rank 0 of a distributed run).
  TrialSink* trials = nullptr;
  std::uint32_t trial_point = 0;
  // Per-trial rows are written (`trials` on rank 0; set on every rank of a
  // distributed run): every design then computes its patients' day-28 ordinal
  // outcomes, whose mean the rows report (Design::ordinal_outcomes).
  bool trial_rows = false;
  // Sweeps and `size`: run every grid point on its own, even where points
  // could share one pass over the patients (the same numbers, slower). A
  // distributed sweep with `trials` must set it on every rank (the ranks
  // other than 0 have no sink and must group the points as rank 0 does).
  bool separate_points = false;
};

// A distributed run's processes: chunk g of the run is computed by rank
// g % ranks(). Rank 0 folds every chunk in order, receiving the others'
// replicate results, so the numbers are the same for any number of processes
// (and threads). The MPI implementation lives with the executable.
class ChunkExchange {
public:
  virtual ~ChunkExchange() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  // Rank 0: the results of chunk `chunk` from the rank that computed it.
  virtual void receive(std::uint64_t chunk, ReplicateResult* results, std::size_t count) = 0;
  // Other ranks: the results of chunk `chunk` to rank 0.
  virtual void send(std::uint64_t chunk, const ReplicateResult* results, std::size_t count) = 0;
};

// Called after each chunk with (replicates done, replicates in total).
using ProgressFn = std::function<void(std::uint64_t, std::uint64_t)>;

// Replicates run in chunks of this many; the fold order depends on it, the
// results do not depend on the thread count.
inline constexpr std::uint64_t kChunkReplicates = 1024;
// A local run computes and folds blocks of at most this many results: this
// many replicates of one design, fewer (a power of two) of several designs
// or points or in a short run (ChunkComputer::block_replicates); the results
// do not depend on it either. (Each block's fold moves the accumulators to
// the core that computed it: 256 rather than 64 made the count-level fixed
// design 5% faster at 2 threads.)
inline constexpr std::uint64_t kBlockReplicates = 256;
static_assert(kChunkReplicates % kBlockReplicates == 0);

// The threads a run uses (options.threads, or all cores when 0).
int run_threads(const RunOptions& options);

// The memory a run holds at once, in bytes: per thread, the patient records
// and regression matrices of the largest design whose analysis needs them,
// plus the result slots in flight. It does not grow with the replicates.
// width: results a replicate holds (0: one a design).
std::uint64_t estimated_memory_bytes(const Scenario& scenario, int threads, std::size_t width = 0);

// A run that would not fit in the memory available (MemAvailable).
class MemoryError : public UserError {
public:
  using UserError::UserError;
  std::string report() const override { return UserError::report() + ".\nNothing was written."; }
};

// Throws MemoryError, before any work, when the estimate exceeds what is free.
void check_memory(const Scenario& scenario, const RunOptions& options, std::size_t width = 0);

PointSummary run_point(const Scenario& scenario, const RunOptions& options,

                       const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr);

// Grid points that are the same scenario but for the sample size of design
// `design_index` (shares_prefixes at every point; trial/trial.hpp): every
// point's replicates from one pass over the patients of its largest trial,
// the other designs simulated once. The same summaries as run_point at each
// point, in the order given, for the cost of about one point. Without
// per-trial rows (options.trials null); distributed like run_point, the other
// ranks calling serve_points_sharing_patients with the same points.
std::vector<PointSummary> run_points_sharing_patients(const std::vector<const Scenario*>& points,
                                                      std::size_t design_index,
                                                      const RunOptions& options,
                                                      const ProgressFn& progress = {},
                                                      const std::atomic<bool>* cancel = nullptr);

// A rank other than 0 of a distributed run_points_sharing_patients.
void serve_points_sharing_patients(const std::vector<const Scenario*>& points,
                                   std::size_t design_index, const RunOptions& options);

// A rank other than 0 of a distributed run: computes this point's chunks that
// fall to it and sends them to rank 0.
void serve_point(const Scenario& scenario, const RunOptions& options);

RunSummary run(const Scenario& scenario, const RunOptions& options, const ProgressFn& progress = {},

               const std::atomic<bool>* cancel = nullptr);

Provenance make_provenance(const Scenario& scenario, const RunOptions& options);

} // namespace sepsim

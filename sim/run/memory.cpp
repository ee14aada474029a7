// What a run needs in memory, address space and threads, checked before any
// work so that a run too large for the machine is refused with a message.
#include "sepsim/run/engine.hpp"

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace sepsim {

int run_threads(const RunOptions& options) {
  return options.threads > 0 ? options.threads : oneapi::tbb::info::default_concurrency();
}

namespace {
// MemAvailable from /proc/meminfo, in bytes (0 if unknown).
std::uint64_t available_memory_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::uint64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

} // namespace

std::uint64_t estimated_memory_bytes(const Scenario& scenario, int threads,
                                     std::size_t results_per_replicate) {
  // A patient record and its share of the regression (design matrix, its
  // copy, weights and working vectors): about 160 bytes.
  constexpr std::uint64_t kBytesPerRecord = 160;
  std::uint64_t per_thread = 0;
  for (const auto& d : scenario.designs)
    if (needs_patient_records(d.analysis.test))
      per_thread = std::max<std::uint64_t>(
          per_thread, static_cast<std::uint64_t>(d.max_enrolment()) * kBytesPerRecord);
  // Result slots: two chunks (distributed: one computed while the other is
  // folded) or two blocks a thread (local, run/block_order), whichever is more.
  const std::uint64_t slots =
      std::max<std::uint64_t>(2 * kChunkReplicates, 2 * kBlockReplicates * std::uint64_t(threads)) *
      (results_per_replicate > 0 ? results_per_replicate : scenario.designs.size()) *
      sizeof(ReplicateResult);
  return static_cast<std::uint64_t>(threads) * per_thread + slots;
}

namespace {
// Address space this process already holds (VmSize), in bytes.
std::uint64_t address_space_in_use() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  statm >> pages;
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

// Under an address-space limit (ulimit -v) every thread needs its stack and,
// by glibc's default, a 64 MiB malloc arena; oneTBB ends the process when it
// cannot start a worker. So cap the arenas and refuse a run whose threads
// cannot fit, before any starts.
void check_address_space(const Scenario& scenario, int threads, std::size_t width) {
  rlimit limit{};
  if (getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return;
  constexpr int kArenas = 2;
  constexpr std::uint64_t kArenaBytes = 64ull << 20, kMarginBytes = 64ull << 20;
  mallopt(M_ARENA_MAX, kArenas);
  const auto stack =
      oneapi::tbb::global_control::active_value(oneapi::tbb::global_control::thread_stack_size);
  const std::uint64_t needed = address_space_in_use() + kArenas * kArenaBytes + kMarginBytes +
                               static_cast<std::uint64_t>(threads) * stack +
                               estimated_memory_bytes(scenario, threads, width);
  if (needed <= limit.rlim_cur) return;
  char text[400];
  std::snprintf(text, sizeof text,
                "%d threads need about %.0f MiB of address space and the limit (ulimit -v) is "
                "%.0f MiB: use fewer --threads, or raise the limit",
                threads, static_cast<double>(needed) / (1 << 20),
                static_cast<double>(limit.rlim_cur) / (1 << 20));
  throw MemoryError(text);
}
} // namespace

void check_memory(const Scenario& scenario, const RunOptions& options, std::size_t width) {
  const int threads = run_threads(options);
  check_address_space(scenario, threads, width);
  const std::uint64_t needed = estimated_memory_bytes(scenario, threads, width);
  const std::uint64_t available = available_memory_bytes();
  if (available == 0 || needed <= available) return;
  char text[400];
  std::snprintf(text, sizeof text,
                "this run needs about %.1f GiB (%d threads, each holding the patient records of "
                "the largest regression analysis) and %.1f GiB is available: use fewer "
                "--threads or a smaller sample size",
                static_cast<double>(needed) / (1 << 30), threads,
                static_cast<double>(available) / (1 << 30));
  throw MemoryError(text);
}

} // namespace sepsim

// oneTBB set up in the background (include/sepsim/run/warm_up.hpp).
#include "sepsim/run/warm_up.hpp"

#include <oneapi/tbb/task_arena.h>

#include <system_error>

namespace sepsim {

ThreadPoolWarmUp::ThreadPoolWarmUp() {
  try {
    thread_ = std::thread([] {
      try {
        oneapi::tbb::task_arena one(1);
        one.initialize(); // the global set-up; no worker thread is started
      } catch (...) {     // the run's own arena meets (and reports) the same failure
      }
    });
  } catch (const std::system_error&) { // no thread: the set-up waits for the run
  }
}

ThreadPoolWarmUp::~ThreadPoolWarmUp() {
  if (thread_.joinable()) thread_.join();
}

} // namespace sepsim

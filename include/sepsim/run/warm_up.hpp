// oneTBB's one-time set-up (its scheduler, and the allocator library it
// loads: 2-4 ms on the 2-core machine, a tenth of a short run) started on a
// thread of its own while the caller reads the scenario, instead of when the
// first replicates start. Construct it first thing in a command that runs
// replicates; the destructor waits for it. Where no thread can be started it
// does nothing (the set-up then happens at the first run, as before).
#pragma once

#include <thread>

namespace sepsim {

class ThreadPoolWarmUp {
public:
  ThreadPoolWarmUp();
  ~ThreadPoolWarmUp();
  ThreadPoolWarmUp(const ThreadPoolWarmUp&) = delete;
  ThreadPoolWarmUp& operator=(const ThreadPoolWarmUp&) = delete;

private:
  std::thread thread_;
};

} // namespace sepsim

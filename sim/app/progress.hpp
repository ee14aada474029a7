// A progress bar with ETA on stderr, shown only on a terminal and only once a
// run has taken longer than a second, so that pipes, logs and quick runs
// stay clean.
#pragma once

#include <chrono>
#include <cstdint>

namespace sepsim::app {

class ProgressBar {
public:
  explicit ProgressBar(bool enabled);
  // A sweep: replicates come in grid points of `per_point`, the first being
  // point `first` (0-based) of `points`.
  void grid(std::uint64_t per_point, std::uint64_t first, std::uint64_t points);
  // A ProgressFn (run/engine.hpp): replicates done of those in this call.
  void operator()(std::uint64_t done, std::uint64_t total);

private:
  double seconds() const;
  bool enabled_;
  bool shown_ = false;
  std::uint64_t per_point_ = 0, first_point_ = 0, points_ = 0;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

} // namespace sepsim::app

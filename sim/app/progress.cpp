#include "progress.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace sepsim::app {

ProgressBar::ProgressBar(bool enabled) : enabled_(enabled && ::isatty(STDERR_FILENO)) {}

void ProgressBar::grid(std::uint64_t per_point, std::uint64_t first, std::uint64_t points) {
  per_point_ = per_point;
  first_point_ = first;
  points_ = points;
}

void ProgressBar::operator()(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const double elapsed = seconds();
  if (elapsed < 1.0 && done < total) return;
  if (!shown_ && done == total) return; // finished within a second: stay quiet
  shown_ = true;
  const double fraction = static_cast<double>(done) / static_cast<double>(total);
  const int width = 30;
  const int filled = static_cast<int>(fraction * width);
  const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : 0.0;
  std::string where;
  if (per_point_ > 0) {
    const std::uint64_t point = std::min(first_point_ + done / per_point_ + 1, points_);
    where = "grid point " + std::to_string(point) + "/" + std::to_string(points_);
  } else {
    where = std::to_string(done) + "/" + std::to_string(total) + " replicates";
  }
  std::fprintf(stderr, "\r[%s%s] %3.0f%%  %s  elapsed %.0fs  ETA %.0fs ",
               std::string(static_cast<std::size_t>(filled), '#').c_str(),
               std::string(static_cast<std::size_t>(width - filled), '.').c_str(), 100.0 * fraction,
               where.c_str(), elapsed, eta);
  if (done == total) std::fprintf(stderr, "\n");
  std::fflush(stderr);
}

double ProgressBar::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

} // namespace sepsim::app

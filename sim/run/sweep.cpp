#include "sepsim/run/sweep.hpp"

#include "sepsim/core/numbers.hpp"
#include "sepsim/stats/tests.hpp"

#include <boost/math/distributions/normal.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace sepsim {

namespace {
ScenarioError vary_error(const std::string& text, const std::string& rule) {
  return ScenarioError({Problem{"--vary", 1, 1, text, "", rule}});
}

double parse_number(const std::string& text, const std::string& item) {
  if (const auto v = parse_finite(item)) return *v;
  throw vary_error(text, "'" + item + "' is not a number");
}
} // namespace

Axis parse_axis(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw vary_error(text, "--vary needs KEY=V1,V2,... or KEY=START:STOP:STEP");
  Axis axis;
  axis.key = text.substr(0, eq);
  const std::string spec = text.substr(eq + 1);
  if (spec.find(':') != std::string::npos) {
    std::vector<double> parts;
    std::stringstream in(spec);
    std::string item;
    while (std::getline(in, item, ':'))
      parts.push_back(parse_number(text, item));
    if (parts.size() != 3 || !(parts[2] > 0) || parts[1] < parts[0])
      throw vary_error(text, "START:STOP:STEP needs START <= STOP and STEP > 0");
    // Counted in a double first: a huge range would overflow the integer (UB).
    const double count = std::floor((parts[1] - parts[0]) / parts[2] + 1e-9);
    if (!(count <= 100000.0)) throw vary_error(text, "more than 100,000 values");
    const auto steps = static_cast<long>(count);
    for (long i = 0; i <= steps; ++i)
      axis.values.push_back(parts[0] + i * parts[2]);
  } else {
    std::stringstream in(spec);
    std::string item;
    while (std::getline(in, item, ','))
      axis.values.push_back(parse_number(text, item));
  }
  if (axis.values.empty()) throw vary_error(text, "no values");
  return axis;
}

std::string toml_number(double value) {
  char text[40];
  if (value == std::floor(value) && std::abs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);
    return text;
  }
  // The shortest text that reads back as the same double (0.065, not 0.065000000000000002).
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}

RunSummary start_sweep(const ScenarioLoader& load, const std::vector<Axis>& axes,
                       const RunOptions& options) {
  RunSummary sweep;
  sweep.provenance = make_provenance(load({}), options);
  sweep.grid.axes = axes;
  double points = 1.0; // in a double: a product of many axes overflows std::size_t
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (axes[a].values.empty()) throw vary_error(axes[a].key, "no values");
    for (std::size_t b = 0; b < a; ++b)
      if (axes[b].key == axes[a].key)
        throw vary_error(axes[a].key, "this key is given to --vary twice: give it once, with "
                                      "all its values");
    points *= static_cast<double>(axes[a].values.size());
  }
  if (points > 10'000'000)
    throw vary_error(axes.front().key, "the grid has more than 10,000,000 points");
  return sweep;
}

namespace {
// The scenarios of the grid points `sweep` does not hold yet, each loaded
// (and so validated, and its memory checked) before any simulation, with the
// values of its axes.
struct RemainingPoints {
  std::vector<Scenario> scenarios;
  std::vector<std::vector<std::pair<std::string, double>>> params;
};

RemainingPoints remaining_points(const ScenarioLoader& load, const RunSummary& sweep,
                                 const RunOptions& options) {
  RemainingPoints out;
  const auto& axes = sweep.grid.axes;
  for (std::size_t p = sweep.points.size(); p < sweep.grid.points(); ++p) {
    std::vector<Override> overrides;
    std::vector<std::pair<std::string, double>> values;
    std::size_t rest = p;
    for (std::size_t a = axes.size(); a-- > 0;) {
      const double v = axes[a].values[rest % axes[a].values.size()];
      rest /= axes[a].values.size();
      overrides.insert(overrides.begin(), Override{axes[a].key + "=" + toml_number(v)});
      values.insert(values.begin(), {axes[a].key, v});
    }
    out.scenarios.push_back(load(overrides));
    check_memory(out.scenarios.back(), options);
    out.params.push_back(std::move(values));
  }
  return out;
}

std::uint64_t chunks_per_point(const RunOptions& options) {
  return (options.replicates + kChunkReplicates - 1) / kChunkReplicates;
}
} // namespace

void continue_sweep(const ScenarioLoader& load, RunSummary& sweep, const RunOptions& options,
                    const ProgressFn& progress, const std::atomic<bool>* cancel,
                    const PointDoneFn& point_done) {
  const std::size_t points = sweep.grid.points(), first = sweep.points.size();
  auto [scenarios, params] = remaining_points(load, sweep, options);
  const std::uint64_t total = options.replicates * (points - first);
  const std::uint64_t chunks = chunks_per_point(options);
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    auto point_progress = [&](std::uint64_t done, std::uint64_t) {
      if (progress) progress(i * options.replicates + done, total);
    };
    RunOptions point_options = options;
    point_options.first_chunk = i * chunks;
    point_options.trial_point = static_cast<std::uint32_t>(first + i);
    PointSummary point = run_point(scenarios[i], point_options, point_progress, cancel);
    point.params = params[i];
    sweep.points.push_back(std::move(point));
    if (point_done) point_done(sweep);
  }
}

void serve_sweep(const ScenarioLoader& load, const RunSummary& sweep, const RunOptions& options) {
  const auto remaining = remaining_points(load, sweep, options);
  for (std::size_t i = 0; i < remaining.scenarios.size(); ++i) {
    RunOptions point_options = options;
    point_options.first_chunk = i * chunks_per_point(options);
    serve_point(remaining.scenarios[i], point_options);
  }
}

RunSummary run_sweep(const ScenarioLoader& load, const std::vector<Axis>& axes,
                     const RunOptions& options, const ProgressFn& progress,
                     const std::atomic<bool>* cancel) {
  RunSummary sweep = start_sweep(load, axes, options);
  continue_sweep(load, sweep, options, progress, cancel);
  return sweep;
}

namespace {

// Normal approximation (two proportions, pooled variance under H0) for the
// simulated arm response rates at N: total N = 2 n per arm. Only for a
// two-arm design; NaN otherwise, or when treatment is not better.
double analytic_two_arm_n(const DesignSummary& d, double target) {
  // Only for the day-9 response under a binary test: the other endpoints'
  // designs are not two response rates.
  bool binary = false;
  for (std::size_t t = 0; t < kTestNames.size(); ++t)
    if (kTestNames[t] == d.test)
      binary = test_spec(static_cast<TestKind>(t)).scale == Scale::binary;
  if (d.arms.size() != 2 || d.endpoint != "response_day9" || !binary) return std::nan("");
  double pt = 0.0, pc = 0.0;
  for (const auto& arm : d.arms) {
    if (arm.name == d.treatment_arm) pt = arm.response_rate.value;
    if (arm.name == d.control_arm) pc = arm.response_rate.value;
  }
  const boost::math::normal z;
  const double za = boost::math::quantile(boost::math::complement(z, d.alpha / d.sided));
  const double zb = boost::math::quantile(z, target);
  const double pbar = 0.5 * (pt + pc);
  const double root =
      za * std::sqrt(2 * pbar * (1 - pbar)) + zb * std::sqrt(pt * (1 - pt) + pc * (1 - pc));
  return pt > pc ? 2.0 * root * root / ((pt - pc) * (pt - pc)) : std::nan("");
}

} // namespace

SizeResult find_sample_size(const ScenarioLoader& load, const std::string& design, double target,
                            int min_n, int max_n, int step, const RunOptions& options) {
  if (step < 1 || min_n > max_n)
    throw UserError("size: the grid --min " + std::to_string(min_n) + ", --max " +
                    std::to_string(max_n) + ", --step " + std::to_string(step) +
                    " is empty: need --min <= --max and --step >= 1");
  SizeResult result;
  const std::string key = "designs." + design + ".sample_size";
  std::map<int, DesignSummary> done; // each N simulated once
  auto at = [&](int n) -> const DesignSummary& {
    if (auto it = done.find(n); it != done.end()) return it->second;
    const Scenario s = load({{key + "=" + std::to_string(n)}});
    std::size_t index = s.designs.size();
    for (std::size_t d = 0; d < s.designs.size(); ++d)
      if (s.designs[d].name == design) index = d;
    if (index == s.designs.size())
      throw ScenarioError(
          {Problem{"--design", 1, 1, design, "", "no such design in the scenario"}});
    const DesignSummary summary = run_point(s, options).designs[index];
    result.evaluated.emplace_back(n, summary.power);
    return done.emplace(n, summary).first->second;
  };
  // The grid min, min + step, ..., <= max; bisect on its index for the
  // smallest N whose simulated power reaches the target (with common random
  // numbers the curve is close to monotone).
  auto grid = [&](int i) { return min_n + i * step; };
  int lo = 0, hi = (max_n - min_n) / step;
  if (at(grid(hi)).power.value < target)
    throw ScenarioError({Problem{"--max", 1, 1, std::to_string(max_n), "",
                                 "power " + std::to_string(at(grid(hi)).power.value) +
                                     " at N = " + std::to_string(grid(hi)) +
                                     ", the largest N of the grid, is below the target; "
                                     "no N of the grid reaches it: raise --max"}});
  if (at(grid(lo)).power.value >= target) hi = lo;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    (at(grid(mid)).power.value >= target ? hi : lo) = mid;
  }
  result.n = grid(hi);
  const DesignSummary& final_design = at(result.n);
  result.power_at_n = final_design.power;
  // The grid point below the answer; none when the answer is --min.
  result.power_below = hi > 0 ? at(grid(hi - 1)).power : Estimate{std::nan(""), std::nan("")};
  result.analytic_n = analytic_two_arm_n(final_design, target);
  return result;
}

} // namespace sepsim

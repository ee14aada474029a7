#include "sepsim/run/sweep.hpp"

#include <boost/math/distributions/normal.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace sepsim {

namespace {
ScenarioError vary_error(const std::string& text, const std::string& rule) {
  return ScenarioError({Problem{"--vary", 1, 1, text, "", rule}});
}

double parse_number(const std::string& text, const std::string& item) {
  try {
    std::size_t used = 0;
    const double v = std::stod(item, &used);
    if (used != item.size() || !std::isfinite(v)) throw std::invalid_argument("");
    return v;
  } catch (const std::exception&) {
    throw vary_error(text, "'" + item + "' is not a number");
  }
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
    const auto steps = static_cast<long>(std::floor((parts[1] - parts[0]) / parts[2] + 1e-9));
    if (steps > 100000) throw vary_error(text, "more than 100,000 values");
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
  for (const auto& axis : axes)
    if (axis.values.empty()) throw vary_error(axis.key, "no values");
  if (sweep.grid.points() > 10'000'000)
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

SizeResult find_sample_size(const ScenarioLoader& load, const std::string& design, double target,
                            int min_n, int max_n, int step, const RunOptions& options) {
  SizeResult result;
  const std::string key = "designs." + design + ".sample_size";
  auto power_at = [&](int n) {
    const Scenario s = load({{key + "=" + std::to_string(n)}});
    std::size_t index = s.designs.size();
    for (std::size_t d = 0; d < s.designs.size(); ++d)
      if (s.designs[d].name == design) index = d;
    if (index == s.designs.size())
      throw ScenarioError(
          {Problem{"--design", 1, 1, design, "", "no such design in the scenario"}});
    const DesignSummary summary = run_point(s, options).designs[index];
    result.evaluated.emplace_back(n, summary.power);
    return summary;
  };
  // Round the bracket to the step; bisect on the simulated power (with
  // common random numbers the curve is close to monotone).
  int lo = std::max(step, min_n / step * step), hi = (max_n + step - 1) / step * step;
  const DesignSummary at_hi = power_at(hi);
  if (at_hi.power.value < target)
    throw ScenarioError({Problem{"--max", 1, 1, std::to_string(max_n), "",
                                 "power " + std::to_string(at_hi.power.value) +
                                     " at the maximum N is below the target; raise --max"}});
  if (power_at(lo).power.value >= target) hi = lo;
  while (hi - lo > step) {
    const int mid = (lo + hi) / 2 / step * step;
    if (power_at(mid).power.value >= target)
      hi = mid;
    else
      lo = mid;
  }
  result.n = hi;
  const DesignSummary final_design = power_at(hi);
  result.power_at_n = final_design.power;
  result.power_below = power_at(std::max(step, hi - step)).power;
  // Normal approximation (two proportions, pooled variance under H0) for the
  // simulated arm response rates at N: total N = 2 n per arm.
  double pt = 0.0, pc = 0.0;
  for (const auto& arm : final_design.arms) {
    if (arm.name == final_design.treatment_arm) pt = arm.response_rate.value;
    if (arm.name == final_design.control_arm) pc = arm.response_rate.value;
  }
  const boost::math::normal z;
  const double za =
      boost::math::quantile(boost::math::complement(z, final_design.alpha / final_design.sided));
  const double zb = boost::math::quantile(z, target);
  const double pbar = 0.5 * (pt + pc);
  const double root =
      za * std::sqrt(2 * pbar * (1 - pbar)) + zb * std::sqrt(pt * (1 - pt) + pc * (1 - pc));
  result.analytic_n = pt > pc ? 2.0 * root * root / ((pt - pc) * (pt - pc)) : std::nan("");
  return result;
}

} // namespace sepsim

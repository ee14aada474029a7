#include "sepsim/run/sweep.hpp"

#include "sepsim/core/numbers.hpp"
#include "sepsim/stats/tests.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
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

namespace {
// Points that share patients: at most this many at once (each replicate holds
// a result per point and design in flight).
constexpr std::size_t kMaxSharedPoints = 10;

// The grid points (indices into `remaining`, from grid point `first`) in the
// groups they are run in, each group in grid order, groups by their first
// point: points that differ only in the value of an axis `designs.NAME.
// sample_size`, whose design shares_prefixes at each of them, are one group
// (up to kMaxSharedPoints); every other point is a group of its own.
std::vector<std::vector<std::size_t>> point_groups(const RunSummary& sweep,
                                                   const RemainingPoints& remaining,
                                                   const RunOptions& options, std::size_t* design) {
  const auto& axes = sweep.grid.axes;
  const std::size_t first = sweep.points.size(), n = remaining.scenarios.size();
  std::vector<std::vector<std::size_t>> alone(n);
  for (std::size_t i = 0; i < n; ++i)
    alone[i] = {i};
  if (n == 0 || options.separate_points || options.trials != nullptr) return alone;
  std::size_t axis = axes.size();
  const auto& designs = remaining.scenarios.front().designs;
  for (std::size_t a = 0; a < axes.size() && axis == axes.size(); ++a) {
    const std::string& key = axes[a].key;
    const std::string head = "designs.", tail = ".sample_size";
    if (key.size() <= head.size() + tail.size() || key.compare(0, head.size(), head) != 0 ||
        key.compare(key.size() - tail.size(), tail.size(), tail) != 0)
      continue;
    const std::string name = key.substr(head.size(), key.size() - head.size() - tail.size());
    for (std::size_t d = 0; d < designs.size(); ++d)
      if (designs[d].name == name) axis = a, *design = d;
  }
  if (axis == axes.size()) return alone;
  // A point's place on the other axes: its index with the sample size's digit at 0.
  std::size_t below = 1; // points between successive values of the axis
  for (std::size_t a = axis + 1; a < axes.size(); ++a)
    below *= axes[a].values.size();
  const std::size_t values = axes[axis].values.size();
  std::vector<std::vector<std::size_t>> groups;
  std::map<std::size_t, std::size_t> group_of; // place -> open group
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t p = first + i;
    const std::size_t place = p - (p / below % values) * below;
    if (!shares_prefixes(remaining.scenarios[i].designs[*design])) {
      groups.push_back({i});
      continue;
    }
    auto it = group_of.find(place);
    if (it == group_of.end() || groups[it->second].size() == kMaxSharedPoints) {
      group_of[place] = groups.size();
      groups.push_back({});
      it = group_of.find(place);
    }
    groups[it->second].push_back(i);
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}
// The memory of each group's shared pass (points' results held together),
// checked with the points' own before any simulation.
void check_groups_memory(const std::vector<std::vector<std::size_t>>& groups,
                         const RemainingPoints& remaining, const RunOptions& options) {
  for (const auto& group : groups)
    if (group.size() > 1)
      for (const std::size_t i : group)
        check_memory(remaining.scenarios[i], options,
                     remaining.scenarios[i].designs.size() + group.size() - 1);
}
} // namespace

void continue_sweep(const ScenarioLoader& load, RunSummary& sweep, const RunOptions& options,
                    const ProgressFn& progress, const std::atomic<bool>* cancel,
                    const PointDoneFn& point_done) {
  const std::size_t points = sweep.grid.points(), first = sweep.points.size();
  RemainingPoints remaining = remaining_points(load, sweep, options);
  const std::uint64_t total = options.replicates * (points - first);
  const std::uint64_t chunks = chunks_per_point(options);
  std::size_t design = 0;
  const auto groups = point_groups(sweep, remaining, options, &design);
  check_groups_memory(groups, remaining, options);
  // Points finish group by group and are added to `sweep` in grid order.
  std::vector<std::optional<PointSummary>> done(remaining.scenarios.size());
  std::size_t next = 0;
  std::uint64_t finished = 0; // replicates of the groups done
  for (const auto& group : groups) {
    auto group_progress = [&](std::uint64_t replicates, std::uint64_t) {
      if (progress) progress(finished + replicates * group.size(), total);
    };
    // A group's chunks are numbered as its first point's (distributed runs).
    RunOptions point_options = options;
    point_options.first_chunk = group.front() * chunks;
    if (group.size() == 1) {
      const std::size_t i = group.front();
      point_options.trial_point = static_cast<std::uint32_t>(first + i);
      done[i] = run_point(remaining.scenarios[i], point_options, group_progress, cancel);
    } else {
      std::vector<const Scenario*> scenarios;
      for (const std::size_t i : group)
        scenarios.push_back(&remaining.scenarios[i]);
      auto summaries =
          run_points_sharing_patients(scenarios, design, point_options, group_progress, cancel);
      for (std::size_t k = 0; k < group.size(); ++k)
        done[group[k]] = std::move(summaries[k]);
    }
    finished += options.replicates * group.size();
    for (; next < done.size() && done[next]; ++next) {
      done[next]->params = remaining.params[next];
      sweep.points.push_back(std::move(*done[next]));
      if (point_done) point_done(sweep);
    }
  }
}

void serve_sweep(const ScenarioLoader& load, const RunSummary& sweep, const RunOptions& options) {
  const auto remaining = remaining_points(load, sweep, options);
  std::size_t design = 0;
  const auto groups = point_groups(sweep, remaining, options, &design);
  check_groups_memory(groups, remaining, options);
  for (const auto& group : groups) {
    RunOptions point_options = options;
    point_options.first_chunk = group.front() * chunks_per_point(options);
    if (group.size() == 1) {
      serve_point(remaining.scenarios[group.front()], point_options);
      continue;
    }
    std::vector<const Scenario*> scenarios;
    for (const std::size_t i : group)
      scenarios.push_back(&remaining.scenarios[i]);
    serve_points_sharing_patients(scenarios, design, point_options);
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

namespace {
// The simulated summaries of `design` at candidate sample sizes, each N
// simulated once. Where the design shares prefixes, prefetch() simulates
// several N in one pass over the largest one's patients; at(N) then reads
// what was prefetched (the same numbers as simulating N alone).
class SizeEvaluator {
public:
  SizeEvaluator(const ScenarioLoader& load, const std::string& design, const RunOptions& options,
                SizeResult& result)
      : load_(load), key_("designs." + design + ".sample_size"), design_(design), options_(options),
        result_(result) {}

  const DesignSummary& at(int n) {
    if (auto it = done_.find(n); it != done_.end()) return it->second;
    auto ready = prefetched_.find(n);
    if (ready == prefetched_.end()) {
      const Scenario s = load_at(n);
      ready = prefetched_.emplace(n, run_point(s, options_).designs[index(s)]).first;
    }
    result_.evaluated.emplace_back(n, ready->second.power);
    auto it = done_.emplace(n, std::move(ready->second)).first;
    prefetched_.erase(ready);
    return it->second;
  }

  bool has(int n) const { return done_.count(n) > 0 || prefetched_.count(n) > 0; }

  // The sizes in `ns` not simulated yet, in one pass where the design allows
  // (a size that does not load is left to at(), which reports it if reached).
  void prefetch(const std::vector<int>& ns) {
    if (options_.separate_points) return;
    std::vector<Scenario> scenarios;
    for (const int n : ns)
      if (!has(n)) try {
          scenarios.push_back(load_at(n));
        } catch (const UserError&) {
        }
    if (scenarios.size() < 2) return;
    const std::size_t d = index(scenarios.front());
    for (const auto& s : scenarios)
      if (!shares_prefixes(s.designs[d])) return;
    std::vector<const Scenario*> points;
    for (const auto& s : scenarios)
      points.push_back(&s);
    // Sizes simulated ahead may fail where bisection would never go (a small N
    // that cannot be filled, the memory of the pass): then each N alone, as
    // bisection reaches it, with the error it would give.
    std::vector<PointSummary> summaries;
    try {
      summaries = run_points_sharing_patients(points, d, options_);
    } catch (const UserError&) {
      return;
    }
    for (std::size_t k = 0; k < scenarios.size(); ++k)
      prefetched_.emplace(scenarios[k].designs[d].sample_size, std::move(summaries[k].designs[d]));
  }

private:
  Scenario load_at(int n) const { return load_({{key_ + "=" + std::to_string(n)}}); }
  std::size_t index(const Scenario& s) const {
    for (std::size_t d = 0; d < s.designs.size(); ++d)
      if (s.designs[d].name == design_) return d;
    throw ScenarioError({Problem{"--design", 1, 1, design_, "", "no such design in the scenario"}});
  }

  const ScenarioLoader& load_;
  std::string key_, design_;
  const RunOptions& options_;
  SizeResult& result_;
  std::map<int, DesignSummary> done_, prefetched_;
};

// The grid indices bisection may try next from (lo, hi), `depth` steps deep.
void bisection_tree(int lo, int hi, int depth, const std::function<int(int)>& grid,
                    std::vector<int>& out) {
  if (hi - lo <= 1 || depth == 0) return;
  const int mid = lo + (hi - lo) / 2;
  out.push_back(grid(mid));
  bisection_tree(lo, mid, depth - 1, grid, out);
  bisection_tree(mid, hi, depth - 1, grid, out);
}
} // namespace

SizeResult find_sample_size(const ScenarioLoader& load, const std::string& design, double target,
                            int min_n, int max_n, int step, const RunOptions& options) {
  if (step < 1 || min_n > max_n)
    throw UserError("size: the grid --min " + std::to_string(min_n) + ", --max " +
                    std::to_string(max_n) + ", --step " + std::to_string(step) +
                    " is empty: need --min <= --max and --step >= 1");
  SizeResult result;
  SizeEvaluator eval(load, design, options, result);
  // The grid min, min + step, ..., <= max; bisect on its index for the
  // smallest N whose simulated power reaches the target (with common random
  // numbers the curve is close to monotone). Each pass simulates the sizes of
  // the next three steps at once (7 of them, where the design allows): the
  // same answer as one size at a time.
  const std::function<int(int)> grid = [&](int i) { return min_n + i * step; };
  int lo = 0, hi = (max_n - min_n) / step;
  std::vector<int> next = {grid(hi), grid(lo)};
  bisection_tree(lo, hi, 3, grid, next);
  eval.prefetch(next);
  if (eval.at(grid(hi)).power.value < target)
    throw ScenarioError({Problem{"--max", 1, 1, std::to_string(max_n), "",
                                 "power " + std::to_string(eval.at(grid(hi)).power.value) +
                                     " at N = " + std::to_string(grid(hi)) +
                                     ", the largest N of the grid, is below the target; "
                                     "no N of the grid reaches it: raise --max"}});
  if (eval.at(grid(lo)).power.value >= target) hi = lo;
  while (hi - lo > 1) {
    const int mid = lo + (hi - lo) / 2;
    if (!eval.has(grid(mid))) {
      next.clear();
      bisection_tree(lo, hi, 3, grid, next);
      eval.prefetch(next);
    }
    (eval.at(grid(mid)).power.value >= target ? hi : lo) = mid;
  }
  result.n = grid(hi);
  const DesignSummary& final_design = eval.at(result.n);
  result.power_at_n = final_design.power;
  // The grid point below the answer; none when the answer is --min.
  result.power_below = hi > 0 ? eval.at(grid(hi - 1)).power : Estimate{std::nan(""), std::nan("")};
  result.analytic_n = analytic_two_arm_n(final_design, target);
  return result;
}

} // namespace sepsim

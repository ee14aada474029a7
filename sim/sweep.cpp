#include "sepsim/sweep.hpp"

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
  if (value == std::floor(value) && std::abs(value) < 1e15)
    std::snprintf(text, sizeof text, "%.0f", value);
  else
    std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

RunSummary run_sweep(const ScenarioLoader& load, const std::vector<Axis>& axes,
                     const RunOptions& options, const ProgressFn& progress,
                     const std::atomic<bool>* cancel) {
  std::size_t points = 1;
  for (const auto& axis : axes)
    points *= axis.values.size();
  // Every point is loaded (and so validated) before any simulation.
  std::vector<Scenario> scenarios;
  std::vector<std::vector<std::pair<std::string, double>>> params;
  for (std::size_t p = 0; p < points; ++p) {
    std::vector<Override> overrides;
    std::vector<std::pair<std::string, double>> values;
    std::size_t rest = p;
    for (std::size_t a = axes.size(); a-- > 0;) {
      const double v = axes[a].values[rest % axes[a].values.size()];
      rest /= axes[a].values.size();
      overrides.insert(overrides.begin(), Override{axes[a].key + "=" + toml_number(v)});
      values.insert(values.begin(), {axes[a].key, v});
    }
    scenarios.push_back(load(overrides));
    params.push_back(std::move(values));
  }
  RunSummary summary;
  summary.provenance = make_provenance(load({}), options);
  const std::uint64_t total = options.replicates * points;
  for (std::size_t p = 0; p < points; ++p) {
    auto point_progress = [&](std::uint64_t done, std::uint64_t) {
      if (progress) progress(p * options.replicates + done, total);
    };
    PointSummary point = run_point(scenarios[p], options, point_progress, cancel);
    point.params = params[p];
    summary.points.push_back(std::move(point));
  }
  return summary;
}

} // namespace sepsim

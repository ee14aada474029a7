// Sweeps: the same scenario over a grid of values of its numeric keys, every
// grid point on the same virtual patients (common random numbers).
#pragma once

#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/run/engine.hpp"

#include <functional>
#include <string>
#include <vector>

namespace sepsim {

// "KEY=V1,V2,..." or "KEY=START:STOP:STEP" (STOP included when reached).
// Problems are ScenarioErrors naming --vary.
Axis parse_axis(const std::string& text);

// The TOML text of a grid value: integral values as integers (sample sizes).
std::string toml_number(double value);

// Loads the scenario with the given extra overrides (the caller's --set and
// --null stay inside the loader).
using ScenarioLoader = std::function<Scenario(const std::vector<Override>&)>;

// A new sweep over the product grid of `axes` (first axis slowest): its
// provenance and grid, no points yet.
RunSummary start_sweep(const ScenarioLoader& load, const std::vector<Axis>& axes,
                       const RunOptions& options);

// Called after each completed grid point (e.g. to write a checkpoint).
using PointDoneFn = std::function<void(const RunSummary&)>;

// Runs the grid points `sweep` does not hold yet (all of a new sweep, the
// rest of a resumed one), each with the same seed and streams as a plain run,
// so points are paired. Points that differ only in a patient-level fixed
// design's sample_size (an axis designs.NAME.sample_size) are simulated
// together, up to ten, in one pass over the largest trial's patients
// (run_points_sharing_patients; not with options.separate_points or trials;
// distributed too, serve_sweep grouping the points alike): the same numbers. Points are added to
// `sweep` in grid order as soon as all before them are done. Every point is loaded, and so
// validated, before any simulation. On cancel it throws Interrupted and `sweep` keeps the points
// added so far. Progress counts the replicates of this call.
void continue_sweep(const ScenarioLoader& load, RunSummary& sweep, const RunOptions& options,
                    const ProgressFn& progress = {}, const std::atomic<bool>* cancel = nullptr,
                    const PointDoneFn& point_done = {});

// A rank other than 0 of a distributed sweep: computes its share of the
// chunks of the points continue_sweep runs on rank 0, in the same order.
void serve_sweep(const ScenarioLoader& load, const RunSummary& sweep, const RunOptions& options);

// start_sweep and continue_sweep in one call.

RunSummary run_sweep(const ScenarioLoader& load, const std::vector<Axis>& axes,
                     const RunOptions& options, const ProgressFn& progress = {},
                     const std::atomic<bool>* cancel = nullptr);

// Simulation-based sample size: the smallest sample_size of `design` whose
// simulated power reaches `target`, by bisection over [min_n, max_n] on common
// random numbers (every candidate N sees the same patients; a patient-level
// fixed design simulates the candidates of three bisection steps in one pass
// unless options.separate_points). The power at the
// answer and at N - step carry their Monte Carlo SEs; `analytic_n` is the
// normal-approximation total N for the arms' simulated response rates.
struct SizeResult {
  int n = 0;
  Estimate power_at_n, power_below; // at n and at n - step
  double analytic_n = 0;
  std::vector<std::pair<int, Estimate>> evaluated; // every N tried, in order
};

SizeResult find_sample_size(const ScenarioLoader& load, const std::string& design, double target,
                            int min_n, int max_n, int step, const RunOptions& options);

} // namespace sepsim

// Grid points that differ only in a design's sample size share one pass over
// the patients of the largest trial: the same numbers as each point run alone.
#include "sepsim/output/json.hpp"
#include "sepsim/run/sweep.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace sepsim;

namespace {
std::string json_of(std::vector<PointSummary> points) {
  RunSummary summary;
  summary.points = std::move(points);
  return to_json(summary);
}

// The scenario with only design `name` (drawing as in the full scenario) and
// the overrides `extra`, at each of `sizes`.
std::vector<Scenario> at_sizes(const std::string& file, const std::string& name,
                               const std::vector<int>& sizes,
                               const std::vector<Override>& extra = {}) {
  std::vector<Scenario> out;
  for (const int n : sizes) {
    std::vector<Override> all = {designs_override({name}),
                                 {"designs." + name + ".sample_size=" + std::to_string(n)}};
    all.insert(all.end(), extra.begin(), extra.end());
    out.push_back(load_scenario(test::source_path(file), all));
  }
  return out;
}

// Each scenario's shared pass against every point alone (and the chunked path
// of distributed runs, with one rank).
void check_shared_equals_alone(const std::vector<Scenario>& scenarios, const RunOptions& options) {
  std::vector<const Scenario*> points;
  std::vector<PointSummary> alone;
  for (const auto& s : scenarios) {
    points.push_back(&s);
    alone.push_back(run_point(s, options));
  }
  std::uint64_t last_progress = 0;
  const auto progress = [&](std::uint64_t done, std::uint64_t) { last_progress = done; };
  CHECK(json_of(run_points_sharing_patients(points, 0, options, progress)) == json_of(alone));
  CHECK(last_progress == options.replicates);
  test::SingleRank one_rank;
  RunOptions chunked = options;
  chunked.exchange = &one_rank;
  CHECK(json_of(run_points_sharing_patients(points, 0, chunked)) == json_of(alone));
}
} // namespace

TEST_CASE("One pass over the largest trial's patients gives every sample size's results",
          "[sweep][prefix]") {
  RunOptions options;
  options.replicates = 70; // a block of 64 and a partial one
  options.threads = 2;
  options.seed = 23;
  int shared = 0;
  for (const char* file :
       {"scenarios/immunosep.toml", "scenarios/followup-designs.toml",
        "scenarios/followup-endpoints.toml", "scenarios/followup-mortality.toml",
        "scenarios/validation/ordinal_two_arm.toml", "scenarios/validation/survival_two_arm.toml",
        "scenarios/validation/enrichment_rates.toml"}) {
    const Scenario base = load_scenario(test::source_path(file), {});
    for (std::size_t d = 0; d < base.designs.size(); ++d) {
      const Design& design = base.designs[d];
      INFO(file << ", design " << design.name);
      if (!shares_prefixes(design)) continue;
      ++shared;
      // Out of order and repeated (small trials: the test runs under the sanitizers).
      check_shared_equals_alone(at_sizes(file, design.name, {120, 80, 134, 80, 90}), options);
    }
  }
  CHECK(shared >= 18); // every patient-level fixed design above
  // Randomisation methods, strata, dropout and a regression the scenarios above do not use.
  const std::string d = "designs.immunosep.";
  for (const std::vector<Override>& extra : std::vector<std::vector<Override>>{
           {{d + "randomisation.method=\"minimisation\""},
            {d + "randomisation.stratify_by=\"none\""},
            {d + "randomisation.factors=[\"label\", \"sofa10\", \"site\"]"}},
           {{d + "randomisation.method=\"simple\""}, {d + "randomisation.stratify_by=\"none\""}},
           {{d + "randomisation.stratify_by=[\"sofa10\", \"site\"]"}},
           {{d + "dropout={ lost = 0.1, excluded = 0.05 }"}},
           {{d + "analysis.test=\"logistic\""}}}) {
    INFO(extra.front().text);
    const auto scenarios = at_sizes("scenarios/immunosep.toml", "immunosep", {120, 80, 134}, extra);
    REQUIRE(shares_prefixes(scenarios.front().designs.front()));
    check_shared_equals_alone(scenarios, options);
  }
}

TEST_CASE("A sweep over N shares patients and gives the numbers of separate points",
          "[sweep][prefix]") {
  const ScenarioLoader load = [](const std::vector<Override>& extra) {
    return load_scenario(test::source_path("scenarios/followup-designs.toml"), extra);
  };
  const std::vector<Axis> axes = {parse_axis("population.prevalence.mals=0.05,0.12"),
                                  parse_axis("designs.osfa_ifn_gamma.sample_size=200,120,260"),
                                  parse_axis("designs.three_arm.analysis.alpha=0.05,0.025")};
  RunOptions options;
  options.replicates = 50;
  options.threads = 2;
  // Progress shows the grouping: points sharing patients finish together.
  const auto run_with = [&](bool separate, std::set<std::uint64_t>& seen) {
    RunOptions o = options;
    o.separate_points = separate;
    return run_sweep(load, axes, o, [&](std::uint64_t done, std::uint64_t) { seen.insert(done); });
  };
  std::set<std::uint64_t> shared_progress, separate_progress;
  const RunSummary shared = run_with(false, shared_progress);
  const RunSummary separate = run_with(true, separate_progress);
  REQUIRE(shared.points.size() == 12);
  CHECK(to_json(shared) == to_json(separate));
  // Four groups of three sample sizes; twelve points one by one.
  CHECK(shared_progress == std::set<std::uint64_t>{150, 300, 450, 600});
  CHECK(separate_progress.size() == 12);

  // Resumed after five points: the rest share what they can, the same numbers.
  RunSummary resumed = start_sweep(load, axes, options);
  resumed.points.assign(separate.points.begin(), separate.points.begin() + 5);
  continue_sweep(load, resumed, options);
  CHECK(to_json(resumed) == to_json(separate));
}

TEST_CASE("Designs with looks, quotas or accrual do not share prefixes", "[sweep][prefix]") {
  // Each of these makes a trial depend on N beyond its first N patients: the
  // arms' counts drawn from N, looks and re-estimation at fractions of N,
  // quotas as shares of N, accrual's analysis time, selection at a look.
  const Design plain = load_scenario(test::source_path("scenarios/immunosep.toml"), {}).designs[0];
  CHECK(shares_prefixes(plain));
  std::vector<Design> changed(6, plain);
  changed[0].simulation = Simulation::counts;
  changed[1].looks.emplace();
  changed[2].reestimation.emplace();
  changed[3].quota.emplace();
  changed[4].accrual.emplace();
  changed[5].selection.emplace();
  for (std::size_t i = 0; i < changed.size(); ++i) {
    INFO("change " << i);
    CHECK_FALSE(shares_prefixes(changed[i]));
  }
  // The scenarios' designs with looks, quotas or accrual.
  for (const char* file : {"scenarios/followup-gsd.toml", "scenarios/followup-mortality.toml",
                           "scenarios/validation/enrichment_rates.toml"})
    for (const auto& d : load_scenario(test::source_path(file), {}).designs)
      if (d.looks || d.quota || d.accrual) CHECK_FALSE(shares_prefixes(d));
}

TEST_CASE("sepsim size simulates several candidate N in one pass, with the same answer",
          "[sweep][size][prefix]") {
  int loads = 0;
  const ScenarioLoader load = [&](const std::vector<Override>& extra) {
    ++loads;
    return load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"), extra);
  };
  RunOptions options;
  options.replicates = 300;
  options.seed = 2;
  const auto size_with = [&](bool separate) {
    RunOptions o = options;
    o.separate_points = separate;
    loads = 0;
    return find_sample_size(load, "main", 0.8, 100, 400, 10, o);
  };
  const SizeResult separate = size_with(true);
  const int separate_loads = loads;
  const SizeResult shared = size_with(false);
  CHECK(shared.n == separate.n);
  CHECK(shared.power_at_n.value == separate.power_at_n.value);
  CHECK(shared.power_below.value == separate.power_below.value);
  CHECK(shared.analytic_n == separate.analytic_n);
  REQUIRE(shared.evaluated.size() == separate.evaluated.size());
  for (std::size_t i = 0; i < shared.evaluated.size(); ++i) {
    CHECK(shared.evaluated[i].first == separate.evaluated[i].first);
    CHECK(shared.evaluated[i].second.value == separate.evaluated[i].second.value);
  }
  // One load per size tried alone; the shared passes load the sizes of the
  // next three steps ahead.
  CHECK(separate_loads == static_cast<int>(separate.evaluated.size()));
  CHECK(loads > separate_loads);
}

TEST_CASE("A sweep sharing patients, cancelled, keeps its points in grid order and resumes",
          "[sweep][prefix]") {
  const ScenarioLoader load = [](const std::vector<Override>& extra) {
    return load_scenario(test::source_path("scenarios/immunosep.toml"), extra);
  };
  const std::vector<Axis> axes = {parse_axis("designs.immunosep.sample_size=100,140,180"),
                                  parse_axis("population.prevalence.mals=0.05,0.1")};
  RunOptions options;
  options.replicates = 40;
  const RunSummary full = run_sweep(load, axes, options);
  // Cancelled after the first group (prevalence 0.05: points 0, 2, 4): only
  // point 0 can be kept, point 1 being in the second group.
  RunSummary partial = start_sweep(load, axes, options);
  std::atomic<bool> cancel{false};
  std::uint64_t seen = 0;
  const auto stop_after_a_group = [&](std::uint64_t done, std::uint64_t) {
    seen = done;
    cancel = done >= 3 * options.replicates;
  };
  CHECK_THROWS_AS(continue_sweep(load, partial, options, stop_after_a_group, &cancel), Interrupted);
  CHECK(seen == 3 * options.replicates);
  REQUIRE(partial.points.size() == 1);
  continue_sweep(load, partial, options);
  CHECK(to_json(partial) == to_json(full));
}

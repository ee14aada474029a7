// Sweeps: a grid of scenario values on the same virtual patients.
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/output/table.hpp"
#include "sepsim/run/sweep.hpp"
#include "sepsim/stats/tests.hpp"

#include "support.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <set>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>

using namespace sepsim;

namespace {
double exact_power(int n, double pt, double pc) {
  return test::exact_pooled_power(n, pt, pc);
}

// The two-arm rates design of references.md at count level, with the
// overrides of a grid point or candidate N.
ScenarioLoader rates_at_count_level() {
  return [](const std::vector<Override>& extra) {
    std::vector<Override> all = {{"designs.main.simulation=\"counts\""}};
    all.insert(all.end(), extra.begin(), extra.end());
    return load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"), all);
  };
}
} // namespace

TEST_CASE("A sample-size sweep reproduces the exact power at every N", "[sweep]") {
  const ScenarioLoader load = rates_at_count_level();
  RunOptions options;
  options.replicates = 40000;
  options.seed = 17;
  const RunSummary sweep =
      run_sweep(load, {parse_axis("designs.main.sample_size=100,150,200,276")}, options);
  REQUIRE(sweep.points.size() == 4);
  for (const auto& point : sweep.points) {
    const double n = point.params.at(0).second;
    const double exact = exact_power(static_cast<int>(n / 2), 0.351, 0.179);
    const Estimate power = point.designs.at(0).power;
    INFO("N " << n << ": simulated " << power.value << " ± " << power.mcse << ", exact " << exact);
    CHECK(std::abs(power.value - exact) < 4 * std::sqrt(exact * (1 - exact) / options.replicates));
  }
  // Every point uses a plain run's streams: N = 276 equals it exactly.
  const DesignSummary plain =
      test::only_design(run(load({{"designs.main.sample_size=276"}}), options));
  CHECK(sweep.points.back().designs.at(0).power.value == plain.power.value);

  // The file keeps the grid and reads back to the same summary.
  const auto file = std::filesystem::temp_directory_path() / "sepsim-sweep-test.h5";
  write_results(file.string(), sweep);
  CHECK(to_json(read_results(file.string())) == to_json(sweep));
  std::filesystem::remove(file);
}

TEST_CASE("Grid axes parse and refuse bad specifications", "[sweep]") {
  CHECK(parse_axis("population.prevalence.mals=0.04:0.2:0.04").values.size() == 5);
  CHECK(parse_axis("a=1,2,3").values == std::vector<double>{1, 2, 3});
  CHECK(toml_number(276.0) == "276");
  CHECK(toml_number(0.065) == "0.065");
  CHECK(toml_number(0.1 + 0.2) == "0.30000000000000004");
  CHECK_THROWS_AS(parse_axis("a"), ScenarioError);
  CHECK_THROWS_AS(parse_axis("a=1,x"), ScenarioError);
  CHECK_THROWS_AS(parse_axis("a=5:1:1"), ScenarioError);
}

TEST_CASE("sepsim size finds an N whose exact power brackets the target", "[sweep][size]") {
  const ScenarioLoader load = rates_at_count_level();
  RunOptions options;
  options.replicates = 40000;
  options.seed = 90;
  const SizeResult r = find_sample_size(load, "main", 0.9, 20, 2000, 2, options);
  const double se = std::sqrt(0.9 * 0.1 / options.replicates);
  const double exact_at = exact_power(r.n / 2, 0.351, 0.179);
  const double exact_below = exact_power(r.n / 2 - 1, 0.351, 0.179);
  INFO("N " << r.n << ": exact " << exact_at << ", at N - 2: " << exact_below);
  CHECK(exact_at >= 0.9 - 4 * se);
  CHECK(exact_below <= 0.9 + 4 * se);
  // references.md: getSampleSizeRates gives 272.54 for 90% power.
  CHECK(r.analytic_n == Approx(272.54).margin(3.0));
  CHECK_THROWS_AS(find_sample_size(load, "main", 0.9, 20, 100, 2, options), ScenarioError);
  CHECK_THROWS_AS(find_sample_size(load, "nope", 0.9, 20, 300, 2, options), ScenarioError);
}

TEST_CASE("sepsim size stays on the grid min, min + step, ..., <= max", "[sweep][size]") {
  const ScenarioLoader load = rates_at_count_level();
  RunOptions options;
  options.replicates = 2000;
  options.seed = 7;
  // The grid 22, 26, ..., 62: never a multiple of the step, never past --max.
  const SizeResult r = find_sample_size(load, "main", 0.2, 22, 62, 4, options);
  for (const auto& [n, power] : r.evaluated) {
    INFO("evaluated N " << n);
    CHECK((n - 22) % 4 == 0);
    CHECK(n >= 22);
    CHECK(n <= 62);
  }
  // The answer is the smallest evaluated N whose power reaches the target, and
  // the grid point below it (evaluated) does not.
  CHECK((r.n - 22) % 4 == 0);
  CHECK(r.power_at_n.value >= 0.2);
  for (const auto& [n, power] : r.evaluated)
    if (n < r.n) CHECK(power.value < 0.2);
  if (r.n > 22) CHECK(r.power_below.value < 0.2);
  // Every N is simulated once.
  std::set<int> distinct;
  for (const auto& [n, power] : r.evaluated)
    CHECK(distinct.insert(n).second);
  // An answer at --min has no grid point below it; an empty grid is refused.
  const SizeResult at_min = find_sample_size(load, "main", 0.02, 302, 306, 4, options);
  CHECK(at_min.n == 302);
  CHECK(std::isnan(at_min.power_below.value));
  CHECK_THROWS_AS(find_sample_size(load, "main", 0.2, 300, 200, 4, options), UserError);
}

TEST_CASE("Each point of a count-level prevalence sweep enrols its own phenotypes", "[sweep]") {
  // The count level draws cells from each design's derived probabilities
  // (Design::enrolled_cell): a point must not keep another point's.
  const ScenarioLoader base = rates_at_count_level();
  const ScenarioLoader load = [&](const std::vector<Override>& extra) {
    std::vector<Override> all = {{"population.prevalence={mals=0.1, immunoparalysis=0.0}"}};
    all.insert(all.end(), extra.begin(), extra.end());
    return base(all);
  };
  RunOptions options;
  options.replicates = 2000;
  options.seed = 5;
  const RunSummary sweep =
      run_sweep(load, {parse_axis("population.prevalence.mals=0.05,0.3")}, options);
  REQUIRE(sweep.points.size() == 2);
  for (const auto& point : sweep.points) {
    const double p = point.params.at(0).second;
    const Estimate enrolled = point.designs.at(0).enrolled_by_phenotype[Phenotype::mals];
    const double expected = 276 * p, se = std::sqrt(276 * p * (1 - p) / options.replicates);
    INFO("prevalence " << p << ": MALS enrolled " << enrolled.value << ", expected " << expected);
    CHECK(std::abs(enrolled.value - expected) < 4 * se);
  }
}

TEST_CASE("A --vary key given twice is refused before any simulation", "[sweep]") {
  const ScenarioLoader load = rates_at_count_level();
  RunOptions options;
  options.replicates = 10;
  const std::vector<Axis> axes = {parse_axis("designs.main.sample_size=100,200"),
                                  parse_axis("designs.main.sample_size=300")};
  CHECK_THROWS_AS(start_sweep(load, axes, options), ScenarioError);
}

TEST_CASE("An interrupted sweep, saved and resumed, equals the uninterrupted one", "[sweep]") {
  const ScenarioLoader load = rates_at_count_level();
  RunOptions options;
  options.replicates = 3000;
  const std::vector<Axis> axes = {parse_axis("designs.main.sample_size=100:200:50"),
                                  parse_axis("designs.main.analysis.alpha=0.025,0.05")};
  const RunSummary full = run_sweep(load, axes, options);
  REQUIRE(full.points.size() == 6);
  CHECK(full.complete());
  // The second axis varies fastest.
  CHECK(full.points[1].params ==
        std::vector<std::pair<std::string, double>>{{"designs.main.sample_size", 100},
                                                    {"designs.main.analysis.alpha", 0.05}});

  RunSummary partial = start_sweep(load, axes, options);
  std::atomic<bool> cancel{false};
  const auto stop_after_two = [&](const RunSummary& s) { cancel = s.points.size() == 2; };
  CHECK_THROWS_AS(continue_sweep(load, partial, options, {}, &cancel, stop_after_two), Interrupted);
  REQUIRE(partial.points.size() == 2);
  CHECK_FALSE(partial.complete());

  // The partial file reads back as two of six points and finishes to the same
  // summary and, with the time of writing pinned, the same bytes.
  ::setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
  const auto dir = std::filesystem::temp_directory_path();
  const std::string partial_file = (dir / "sepsim-partial-test.h5").string();
  write_results(partial_file, partial);
  RunSummary resumed = read_results(partial_file);
  REQUIRE(resumed.points.size() == 2);
  REQUIRE(resumed.grid.points() == 6);
  continue_sweep(load, resumed, options);
  CHECK(to_json(resumed) == to_json(full));
  const std::string a = (dir / "sepsim-resumed-test.h5").string(),
                    b = (dir / "sepsim-full-test.h5").string();
  write_results(a, resumed);
  write_results(b, full);
  CHECK(test::file_bytes(a) == test::file_bytes(b));
  for (const auto& f : {partial_file, a, b})
    std::filesystem::remove(f);
  ::unsetenv("SOURCE_DATE_EPOCH");
}

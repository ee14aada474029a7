// The ordinal and composite endpoints as the simulator reads them off the
// virtual patient: organ-support-free days and the day-28 ordinal status, the
// validation model's categories and true effects, type I error under --null
// on every candidate endpoint, and the scenario rules. The statistics
// themselves are checked against R in test_ordinal.cpp and
// tests/ordinal_test.sh.
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/errors.hpp"
#include "sepsim/output/json.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/stats/tests.hpp"
#include "sepsim/trial/trial.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using namespace sepsim;

namespace {
const std::string kEndpointsScenario = "scenarios/followup-endpoints.toml";
const std::string kOrdinalScenario = "scenarios/validation/ordinal_two_arm.toml";
} // namespace

TEST_CASE("Organ-support-free days and the ordinal status follow the patient", "[ordinal]") {
  const Scenario s = load_scenario(test::source_path(kEndpointsScenario));
  const Treatment& placebo = s.treatments.at(s.placebo);
  const int n = 20000;
  double survivors = 0, free_28 = 0, responders = 0, free_responders = 0, free_others = 0;
  for (int i = 0; i < n; ++i) {
    const PatientNoise noise = draw_patient_noise(s.population, 7, 0, 0, i);
    const Outcome o = outcome_under(s, placebo, immunoparalysis, noise);
    INFO("patient " << i);
    REQUIRE((o.organ_support_free_days == -1) == o.dies_by(28.0));
    REQUIRE(o.organ_support_free_days <= 28);
    // Status: 0 dead, then by the cut points [1, 15, 22].
    const int d = o.organ_support_free_days;
    const int expected = d < 0 ? 0 : d < 1 ? 1 : d < 15 ? 2 : d < 22 ? 3 : 4;
    REQUIRE(o.ordinal_status == expected);
    if (d < 0) continue;
    ++survivors;
    free_28 += d == 28;
    (o.response ? free_responders : free_others) += d;
    responders += o.response;
  }
  // Off support at baseline (11.5%) gives all 28 days; a day of support or more loses some.
  const double off = free_28 / survivors, se = std::sqrt(0.115 * 0.885 / survivors);
  INFO("share of survivors with 28 free days " << off);
  CHECK(off >= 0.115 - 4 * se);
  CHECK(off < 0.115 + 0.05);
  // A day-9 responder's SOFA fell: shorter support, more free days.
  CHECK(free_responders / responders > free_others / (survivors - responders) + 2.0);
}

namespace {
// Patients whose day-28 ordinal status an arm tallied.
std::uint64_t ordinal_tallied(const ArmCounts& arm) {
  std::uint64_t n = 0;
  for (const auto& by_category : arm.ordinal_status)
    for (const std::uint32_t count : by_category)
      n += count;
  return n;
}

struct OrdinalMeans : TrialSink {
  std::vector<double> means;
  void append(std::size_t, const std::vector<TrialRow>& rows) override {
    for (const TrialRow& row : rows)
      means.push_back(row.arms[0].ordinal_mean);
  }
};
} // namespace

TEST_CASE("Only trials that analyse or report the ordinal outcome compute it; nothing else changes",
          "[ordinal][engine]") {
  const Scenario s = load_scenario(test::source_path(kEndpointsScenario));
  Scenario every = s; // every design computing it, as with per-trial rows
  for (Design& d : every.designs)
    d.ordinal_outcomes = true;
  int skipped = 0;
  for (std::size_t d = 0; d < s.designs.size(); ++d) {
    const TestKind test = s.designs[d].analysis.test;
    const bool reads = ordinal_endpoint(test) || needs_patient_records(test);
    skipped += !reads;
    for (std::uint32_t i = 0; i < 5; ++i) {
      const ReplicateResult own = simulate_trial(s, d, {3, 0, i});
      const ReplicateResult all = simulate_trial(every, d, {3, 0, i});
      for (std::size_t a = 0; a < s.designs[d].arms.size(); ++a) {
        INFO(s.designs[d].name << ", trial " << i << ", arm " << a);
        CHECK(ordinal_tallied(all.arms[a]) == all.arms[a].n); // no dropout here
        CHECK(ordinal_tallied(own.arms[a]) == (reads ? all.arms[a].n : 0));
      }
    }
  }
  CHECK(skipped >= 3); // the pooled z designs
  // Every reported number is the same; per-trial rows get the mean status.
  RunOptions options;
  options.replicates = test::replicates(300);
  options.seed = 5;
  const std::string json = to_json(run(s, options));
  CHECK(json == to_json(run(every, options)));
  OrdinalMeans rows;
  options.trials = &rows;
  CHECK(json == to_json(run(s, options)));
  REQUIRE(rows.means.size() == options.replicates * s.designs.size());
  for (const double mean : rows.means)
    REQUIRE(std::isfinite(mean));
}

TEST_CASE("The ordinal validation model: categories, true effects and coverage", "[ordinal]") {
  RunOptions options;
  options.replicates = test::replicates(4000);
  options.seed = 18;
  const Scenario s = load_scenario(test::source_path(kOrdinalScenario));
  // Proportional odds with odds ratio 1.8 against the control's probabilities.
  const Treatment& control = s.treatments.at(s.placebo);
  const Treatment& active = s.treatments.at(s.placebo == 0 ? 1 : 0);
  const std::vector<double> p = {0.25, 0.15, 0.2, 0.2, 0.2};
  double below = 0;
  for (std::size_t j = 0; j + 1 < p.size(); ++j) {
    below += p[j];
    CHECK(control.ordinal_cumulative[unclassified][j] == Approx(below).margin(1e-12));
    const double odds = below / (1 - below) / 1.8;
    CHECK(active.ordinal_cumulative[unclassified][j] == Approx(odds / (1 + odds)).margin(1e-12));
  }
  const DesignSummary po = test::only_design(run(s, options));
  INFO("power " << po.power.value << ", estimate " << po.estimate_mean.value << ", coverage "
                << po.ci_coverage.value);
  CHECK(po.endpoint == "ordinal_status_day28");
  CHECK(po.true_difference.value == Approx(std::log(1.8)).margin(1e-9));
  const double coverage_se = std::sqrt(0.95 * 0.05 / options.replicates);
  CHECK(std::abs(po.ci_coverage.value - 0.95) < 4 * coverage_se + 0.005);
  // The DOOR / Mann-Whitney probability is a U-statistic: unbiased.
  for (const std::string test : {"wilcoxon", "door"}) {
    const DesignSummary d =
        test::only_design(run(load_scenario(test::source_path(kOrdinalScenario),
                                            {{"designs.main.analysis.test=\"" + test + "\""}}),
                              options));
    INFO(test << ": estimate " << d.estimate_mean.value << ", true " << d.true_difference.value);
    CHECK(d.true_difference.value > 0.05);
    CHECK(std::abs(d.bias.value) < 4 * d.bias.mcse);
    CHECK(d.power.value > 0.5);
  }
}

TEST_CASE("Under --null every candidate endpoint keeps its type I error", "[ordinal][null]") {
  RunOptions options;
  options.replicates = test::replicates(4000);
  options.seed = 28;
  const RunSummary summary =
      run(load_scenario(test::source_path(kEndpointsScenario), {}, true), options);
  for (const auto& d : summary.points.at(0).designs) {
    INFO(d.name << " (" << d.test << " on " << d.endpoint << "): type I " << d.power.value << " ± "
                << d.power.mcse);
    CHECK(d.power.value <= 0.025 + 3 * d.power.mcse);
    CHECK(d.true_difference.value == Approx(0.0).margin(1e-12));
    CHECK(d.hypotheses.at(0).analysis_failures.value == 0.0);
  }
}

TEST_CASE("Ordinal tests at group-sequential looks keep their type I error", "[ordinal][gsd]") {
  // Two looks (half and all 240 patients), O'Brien-Fleming spending, on the
  // proportional-odds and Wilcoxon z of the counts so far.
  RunOptions options;
  options.replicates = test::replicates(10000);
  options.seed = 240;
  for (const std::string test : {"proportional_odds", "wilcoxon"}) {
    const std::vector<Override> looks = {
        {"designs.main.analysis.test=\"" + test + "\""},
        {"designs.main.looks={ information = [0.5, 1.0], efficacy = \"obf\" }"}};
    const DesignSummary null = test::only_design(
        run(load_scenario(test::source_path(kOrdinalScenario), looks, true), options));
    const DesignSummary power =
        test::only_design(run(load_scenario(test::source_path(kOrdinalScenario), looks), options));
    INFO(test << ": type I " << null.power.value << " ± " << null.power.mcse << ", power "
              << power.power.value << ", E[N] " << power.expected_n.value);
    CHECK(null.power.value <= 0.025 + 3 * null.power.mcse);
    REQUIRE(power.reject_per_look.size() == 2);
    CHECK(power.reject_per_look[0] > 0.05); // some trials stop at the interim
    CHECK(power.expected_n.value < 240);
    CHECK(power.power.value > 0.65); // the fixed design's 0.72, less a little
  }
}

TEST_CASE("Ordinal scenarios are validated", "[ordinal]") {
  const std::string e = test::source_path(kEndpointsScenario),
                    o = test::source_path(kOrdinalScenario);
  CHECK_THROWS_AS(load_scenario(e, {{"ordinal_status.osfd_cut_points=[15, 1]"}}), ScenarioError);
  CHECK_THROWS_AS(load_scenario(e, {{"ordinal_status.osfd_cut_points=[0]"}}), ScenarioError);
  CHECK_THROWS_AS(load_scenario(e, {{"organ_support.at_baseline=1.5"}}), ScenarioError);
  CHECK_THROWS_AS(load_scenario(e, {{"designs.ordinal_status.analysis.endpoint=\"composite\""}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(e, {{"designs.response.analysis.endpoint=\"ordinal_status\""}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(o, {{"treatments.control.ordinal.all=[0.5, 0.4]"}}), ScenarioError);
  CHECK_THROWS_AS(load_scenario(o, {{"treatments.control.ordinal.all=[1.0]"}}), ScenarioError);
  CHECK_THROWS_AS(load_scenario(o, {{"placebo=\"active\""}}), ScenarioError);
  CHECK_THROWS_AS(load_scenario(o, {{"designs.main.simulation=\"counts\""}}), ScenarioError);
  CHECK_NOTHROW(load_scenario(o, {}, true)); // --null copies the control's categories
}

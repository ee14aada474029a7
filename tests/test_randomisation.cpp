// Randomisation procedures and the imbalance they achieve.
#include "sepsim/run/engine.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

namespace {
DesignSummary run_with(std::vector<Override> overrides, std::uint64_t reps = 2000,
                       bool null_hypothesis = false) {
  RunOptions options;
  options.replicates = reps;
  options.seed = 4;
  return test::only_design(run(load_default_scenario(overrides, null_hypothesis), options));
}
const std::string R = "designs.immunosep.randomisation.";
} // namespace

TEST_CASE("Permuted blocks bound the imbalance within each stratum", "[randomisation]") {
  // Blocks of 4 within labels: at most 2 per label, 4 over the two labels.
  const DesignSummary by_label = run_with({});
  CHECK(by_label.imbalance[1].value <= 4.0);
  CHECK(by_label.imbalance[0].value <= 4.0);
  // No strata, 276 = 69 blocks of 4: exact balance.
  const DesignSummary plain = run_with({{R + "stratify_by=\"none\""}});
  CHECK(plain.imbalance[0].value == 0.0);
  // Random block sizes 4 or 8: at most 4 per label.
  const DesignSummary random = run_with({{R + "block_size=[4, 8]"}});
  CHECK(random.imbalance[1].value <= 8.0);
  CHECK(random.imbalance[1].value > by_label.imbalance[1].value);
  // Strata by SOFA >= 10 and site: balance within each, covariates reported.
  const DesignSummary sofa = run_with({{R + "stratify_by=[\"sofa10\", \"site\"]"}});
  REQUIRE(std::isfinite(sofa.imbalance[2].value));
  CHECK(sofa.imbalance[3].value <= 2.0 * 33);
  // Baseline SOFA is prognostic in the default scenario, so it is drawn; when
  // nothing needs the covariates they are not drawn and not reported.
  CHECK(std::isfinite(by_label.imbalance[2].value));
  const DesignSummary no_covariates = run_with({{"mortality_28d.sofa_log_odds_per_point=0"}});
  CHECK(std::isnan(no_covariates.imbalance[2].value));
}

TEST_CASE("Simple randomisation has the binomial imbalance", "[randomisation]") {
  // E|n_t - N/2| for Bin(276, 1/2) = 6.6 (exact sum; normal approximation 6.63).
  const DesignSummary d = run_with({{R + "method=\"simple\""}}, 4000);
  double expected = 0.0;
  {
    // Exact expectation by summing the binomial pmf (log scale).
    const int n = 276;
    for (int k = 0; k <= n; ++k) {
      const double log_pmf = std::lgamma(n + 1.0) - std::lgamma(k + 1.0) -
                             std::lgamma(n - k + 1.0) - n * std::log(2.0);
      expected += std::exp(log_pmf) * std::abs(k - n / 2.0);
    }
  }
  INFO("simulated " << d.imbalance[0].value << " ± " << d.imbalance[0].mcse << ", exact "
                    << expected);
  CHECK(std::abs(d.imbalance[0].value - expected) < 4 * d.imbalance[0].mcse);
}

TEST_CASE("Minimisation balances its factors far better than chance", "[randomisation]") {
  const std::vector<Override> minimisation = {{R + "method=\"minimisation\""},
                                              {R + "stratify_by=\"none\""},
                                              {R + "factors=[\"label\", \"sofa10\"]"},
                                              {R + "p_best=1.0"}};
  const DesignSummary deterministic = run_with(minimisation);
  // Deterministic minimisation keeps each factor level within one patient.
  CHECK(deterministic.imbalance[1].value <= 2.0);
  CHECK(deterministic.imbalance[2].value <= 2.0);
  std::vector<Override> random_element = minimisation;
  random_element.back() = {R + "p_best=0.8"};
  const DesignSummary pocock_simon = run_with(random_element);
  const DesignSummary simple = run_with({{R + "method=\"simple\""}, {R + "stratify_by=\"none\""}});
  CHECK(pocock_simon.imbalance[1].value < simple.imbalance[1].value / 2);
  // Type I error under --null stays at nominal.
  const DesignSummary null = run_with(random_element, 8000, true);
  CHECK(null.power.value <= 0.025 + 3 * null.power.mcse);
}

TEST_CASE("Randomisation settings are validated", "[randomisation]") {
  CHECK_THROWS_AS(load_default_scenario({{R + "block_size=[4, 5]"}}), ScenarioError);
  CHECK_THROWS_AS(load_default_scenario({{R + "stratify_by=\"hospital\""}}), ScenarioError);
  CHECK_THROWS_AS(load_default_scenario({{R + "method=\"minimisation\""}, {R + "p_best=0.3"}}),
                  ScenarioError);
}

TEST_CASE("Enrolment quotas fix the number enrolled per label", "[randomisation][quota]") {
  const DesignSummary d =
      run_with({{"designs.immunosep.quota={ mals = 0.25, immunoparalysis = 0.75 }"}}, 300);
  CHECK(d.enrolled_by_label[mals].value == 69.0); // round(0.25 x 276)
  CHECK(d.enrolled_by_label[immunoparalysis].value == 207.0);
  CHECK(d.enrolled_by_label[mals].mcse == 0.0);
  // Screening runs longer to fill the rarer label's quota (MALS is ~17% of eligible).
  CHECK(d.screened_per_enrolled.value > 2.175);
  CHECK_THROWS_AS(load_default_scenario({{"designs.immunosep.quota={ mals = 0.5 }"}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_default_scenario({{"designs.immunosep.quota={ unclassified = 1.0 }"}}),
                  ScenarioError);
}

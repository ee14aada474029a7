// Numerical edge cases: each gives a defined result (documented in
// results/FORMAT.md), never a crash and never an unexplained NaN.
#include "sepsim/run/engine.hpp"
#include "sepsim/stats/boundaries.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

using namespace sepsim;

namespace {
// One response (or early-death) probability for every phenotype.
std::string everyone(const std::string& key, double p) {
  const std::string v = std::to_string(p);
  return key + "={ mals = " + v + ", immunoparalysis = " + v + ", unclassified = " + v + " }";
}

DesignSummary run_default(std::vector<Override> overrides, std::uint64_t replicates = 400) {
  RunOptions options;
  options.replicates = replicates;
  return test::only_design(run(load_default_scenario(overrides), options));
}

// Every design-level estimate that must always be a number.
void check_defined(const DesignSummary& d) {
  for (const Estimate* e : {&d.power, &d.expected_n, &d.estimate_mean, &d.true_difference, &d.bias,
                            &d.rmse, &d.ci_coverage, &d.screened, &d.any_rejection}) {
    CHECK(std::isfinite(e->value));
    CHECK(std::isfinite(e->mcse));
  }
  for (const auto& arm : d.arms) {
    CHECK(std::isfinite(arm.response_rate.value));
    CHECK(std::isfinite(arm.mortality28.value));
  }
}
} // namespace

TEST_CASE("No responders, or only responders, in both arms: z = 0, never a rejection", "[edge]") {
  for (const double p : {0.0, 1.0}) {
    std::vector<Override> o;
    for (const char* t : {"placebo", "anakinra", "ifn_gamma"}) {
      o.push_back({everyone(std::string("treatments.") + t + ".response", p)});
      o.push_back({everyone(std::string("treatments.") + t + ".early_death", 0.0)});
    }
    const DesignSummary d = run_default(o);
    INFO("response probability " << p);
    check_defined(d);
    CHECK(d.power.value == 0.0);
    CHECK(d.estimate_mean.value == 0.0);
    CHECK(d.hypotheses.at(0).analysis_failures.value == 0.0);
  }
}

TEST_CASE("Certain response on the drug and none on placebo: power 1, estimate 1", "[edge]") {
  std::vector<Override> o = {{everyone("treatments.placebo.response", 0.0)},
                             {everyone("treatments.anakinra.response", 1.0)},
                             {everyone("treatments.ifn_gamma.response", 1.0)}};
  for (const char* t : {"placebo", "anakinra", "ifn_gamma"})
    o.push_back({everyone(std::string("treatments.") + t + ".early_death", 0.0)});
  const DesignSummary d = run_default(o);
  check_defined(d);
  CHECK(d.power.value == 1.0);
  CHECK(d.estimate_mean.value == 1.0);

  // Logistic regression is completely separated: every trial's analysis fails,
  // is counted as a failure, and does not reject (FORMAT.md: analysis_failures).
  o.push_back({"designs.immunosep.analysis.test=\"logistic\""});
  const DesignSummary logistic = run_default(o, 100);
  CHECK(logistic.hypotheses.at(0).analysis_failures.value == 1.0);
  CHECK(logistic.power.value == 0.0);
}

TEST_CASE("One patient per arm runs and cannot reject at 5%", "[edge]") {
  const DesignSummary d = run_default(
      {{"designs.immunosep.sample_size=2"}, {"designs.immunosep.randomisation.block_size=2"}});
  check_defined(d);
  CHECK(d.expected_n.value == 2.0);
  // With one patient an arm the largest pooled z is sqrt(2) < 1.96.
  CHECK(d.power.value == 0.0);
}

TEST_CASE("A phenotype of prevalence 0 is never enrolled; its label keeps only false positives",
          "[edge]") {
  const DesignSummary d =
      run_default({{"population.prevalence={ mals = 0.0, immunoparalysis = 0.4 }"}});
  check_defined(d);
  CHECK(d.enrolled_by_phenotype[mals].value == 0.0);
  CHECK(d.label_purity[mals].value == 0.0); // everyone labelled MALS is truly something else
}

TEST_CASE("Boundaries stay finite at extreme alpha; alpha 0.5 one-sided is refused", "[edge]") {
  for (const double alpha : {1e-10, 0.4999}) {
    BoundaryRequest request;
    request.alpha = alpha;
    request.sided = 1;
    request.efficacy = parse_spending("obf");
    request.information = {1.0 / 3, 2.0 / 3, 1.0};
    const Boundaries b = compute_boundaries(request);
    INFO("alpha " << alpha);
    for (const double z : b.efficacy_z)
      CHECK(std::isfinite(z));
    CHECK(b.alpha_spent.back() == Approx(alpha).epsilon(1e-6));
  }
  BoundaryRequest half;
  half.alpha = 0.5;
  half.sided = 1;
  half.efficacy = parse_spending("obf");
  half.information = {0.5, 1.0};
  CHECK_THROWS_AS(compute_boundaries(half), BoundaryError);
}

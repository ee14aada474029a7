// Designs side by side on the same virtual patients: the teaching scenario
// (one-size-fits-all anakinra in all-comers vs precision) and the oracle.
#include "sepsim/run/engine.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

namespace {
const DesignSummary& design(const PointSummary& p, const std::string& name) {
  for (const auto& d : p.designs)
    if (d.name == name) return d;
  throw std::runtime_error("no design " + name);
}
} // namespace

TEST_CASE("Teaching: one-size-fits-all anakinra has power near alpha, precision high power",
          "[designs][teaching]") {
  const Scenario s = load_scenario(test::source_path("scenarios/teaching/opal-vs-immunosep.toml"));
  REQUIRE(s.designs.size() == 2);
  RunOptions options;
  options.replicates = 10000;
  options.seed = 1997;
  const PointSummary p = run(s, options).points.at(0);
  const DesignSummary& osfa = design(p, "osfa_anakinra");
  const DesignSummary& precision = design(p, "immunosep");

  // The all-comers effect is +0.019 (0.065 x 0.41 - 0.40 x 0.02): two-sided
  // 0.05 power (rejections favouring anakinra) ~0.056 against nominal 0.025.
  CHECK(osfa.true_difference.value == Approx(0.0186).margin(0.002));
  CHECK(osfa.power.value < 0.10);
  CHECK(osfa.power.value > 0.025);
  CHECK(precision.power.value > 0.85);

  // The paired comparison is the difference of the two powers, on the same replicates.
  REQUIRE(p.comparisons.size() == 1);
  const DesignComparison& c = p.comparisons[0];
  CHECK(c.design_a == "immunosep");
  CHECK(c.design_b == "osfa_anakinra");
  CHECK(c.power_difference.value == Approx(precision.power.value - osfa.power.value).margin(1e-12));
  CHECK(c.power_difference.mcse > 0.0);

  // Oracle: precision gives ~97% the drug that matches their true phenotype
  // (misclassified MALS/immunoparalysis do not); everyone on placebo with a
  // true phenotype for which a drug works is "unmatched".
  CHECK(test::arm(precision, "precision").matched_drug.value > 0.95);
  CHECK(test::arm(osfa, "anakinra").matched_drug.value ==
        Approx(0.065 + 0.535).margin(0.01)); // MALS, and unclassified (no drug helps)
  CHECK(test::arm(osfa, "placebo").harmed_by_drug.value == 0.0);
  CHECK(test::arm(osfa, "anakinra").harmed_by_drug.value > 0.0);
}

TEST_CASE("Oracle harm agrees between the patient and the count level", "[designs][oracle]") {
  // Harm comes from realised potential outcomes at the patient level and from
  // the coupled closed form at the count level.
  auto harm = [](const std::string& mode) {
    RunOptions options;
    options.replicates = 20000;
    options.seed = mode == "counts" ? 5 : 6;
    const Scenario s =
        load_default_scenario({{"designs.immunosep.randomisation.stratify_by=\"none\""},
                               {"designs.immunosep.policy.precision={ mals = \"ifn_gamma\", "
                                "immunoparalysis = \"anakinra\" }"},
                               {"designs.immunosep.simulation=\"" + mode + "\""}});
    return test::arm(test::only_design(run(s, options)), "precision").harmed_by_drug;
  };
  // The wrong drug for every label: harm is now substantial.
  const Estimate patients = harm("patients");
  const Estimate counts = harm("counts");
  INFO("patients " << patients.value << " ± " << patients.mcse << ", counts " << counts.value
                   << " ± " << counts.mcse);
  CHECK(patients.value > 0.01);
  CHECK(std::abs(patients.value - counts.value) < 4 * std::hypot(patients.mcse, counts.mcse));
}

TEST_CASE("Under --null every candidate design keeps its error rates", "[designs][null]") {
  // Each design of the follow-up and teaching scenarios, every treatment equal
  // to placebo: primary type I error and family-wise error at most nominal
  // (0.025, the favourable tail of a two-sided 0.05) within 3 MC SE.
  for (const std::string file :
       {"scenarios/followup-designs.toml", "scenarios/teaching/opal-vs-immunosep.toml"}) {
    RunOptions options;
    options.replicates = test::replicates(6000);
    options.seed = 99;
    const PointSummary p =
        run(load_scenario(test::source_path(file), {}, true), options).points.at(0);
    for (const auto& d : p.designs) {
      INFO(file << " / " << d.name << ": type I " << d.power.value << ", FWER "
                << d.family_wise_error.value);
      CHECK(d.power.value <= 0.025 + 3 * d.power.mcse);
      CHECK(d.family_wise_error.value <= 0.025 + 3 * d.family_wise_error.mcse);
    }
  }
}

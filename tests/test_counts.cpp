// The count-level sampler draws the same distribution as the patient-level
// simulation: every operating characteristic agrees within Monte Carlo error.
#include "sepsim/run/engine.hpp"
#include "sepsim/trial/trial.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <new>
#include <string>
#include <utility>
#include <vector>

using namespace sepsim;

namespace {

// What needs the patients' covariates, which count level does not draw
// (results/FORMAT.md: NaN there).
bool needs_covariates(const std::string& path) {
  return path.find("within_sofa10") != std::string::npos ||
         path.find("within_site") != std::string::npos ||
         path.find("mortality28_by_sofa") != std::string::npos;
}

// Two independent estimates agree within 4 combined Monte Carlo SE.
void agree(const std::string& what, const Estimate& a, const Estimate& b) {
  INFO(what << ": patients " << a.value << " ± " << a.mcse << ", counts " << b.value << " ± "
            << b.mcse);
  if (needs_covariates(what)) {
    CHECK(std::isnan(b.value));
    return;
  }
  if (std::isnan(a.value) || std::isnan(b.value)) {
    CHECK(std::isnan(a.value) == std::isnan(b.value));
    return;
  }
  CHECK(std::abs(a.value - b.value) <= 4.0 * std::hypot(a.mcse, b.mcse) + 1e-12);
}

DesignSummary run_mode(const std::string& mode, const std::vector<Override>& extra,
                       std::uint64_t replicates = 20000) {
  std::vector<Override> overrides = extra;
  overrides.push_back({"designs.immunosep.simulation=\"" + mode + "\""});
  RunOptions options;
  options.replicates = replicates;
  options.seed = mode == "counts" ? 11 : 12;
  return test::only_design(run(load_default_scenario(overrides), options));
}

// ImmunoSep without label strata (counts needs unstratified randomisation),
// with a partial last block (N = 277, blocks of 4) and all three labels.
std::vector<Override> unstratified_immunosep() {
  return {{"designs.immunosep.randomisation.stratify_by=\"none\""},
          {"designs.immunosep.sample_size=277"},
          {"designs.immunosep.eligible_labels=[\"mals\", \"immunoparalysis\", \"unclassified\"]"},
          {"designs.immunosep.policy.precision.unclassified=\"placebo\""}};
}

// Every operating characteristic of the design and of its arms agrees between
// the patient and the count level.
void compare_levels(const std::vector<Override>& design, std::uint64_t replicates = 20000) {
  DesignSummary patients = run_mode("patients", design, replicates);
  DesignSummary counts = run_mode("counts", design, replicates);
  for_each_estimate(patients, [&](const std::string& path, Estimate& e) {
    Estimate other;
    for_each_estimate(counts, [&](const std::string& q, Estimate& f) {
      if (q == path) other = f;
    });
    agree(path, e, other);
  });
  REQUIRE(patients.arms.size() == counts.arms.size());
  for (std::size_t a = 0; a < patients.arms.size(); ++a) {
    ArmSummary& pa = patients.arms[a];
    ArmSummary& ca = counts.arms[a];
    std::vector<Estimate> others;
    for_each_estimate(ca, [&](const std::string&, Estimate& f) { others.push_back(f); });
    std::size_t k = 0;
    for_each_estimate(pa, [&](const std::string& path, Estimate& e) {
      agree(pa.name + "/" + path, e, others[k++]);
    });
  }
}

} // namespace

TEST_CASE("Counts and patients agree on every operating characteristic", "[counts]") {
  compare_levels(unstratified_immunosep());
}

TEST_CASE("Counts and patients agree with looks (secondary outcomes drawn after the last stage)",
          "[counts]") {
  // Generator version 4: each stage draws its responders, the deaths,
  // adverse events and harm come once after the look that ends the trial; a
  // larger effect than ImmunoSep's so that the early looks stop often.
  std::vector<Override> design = unstratified_immunosep();
  design.push_back({"designs.immunosep.sample_size=276"}); // stages of whole blocks: 92 each
  design.push_back({"designs.immunosep.looks={ information = [0.3333333333333333, "
                    "0.6666666666666666, 1.0], efficacy = \"obf\", futility_z = [0.0, 0.0] }"});
  design.push_back({"treatments.ifn_gamma.response.immunoparalysis=0.6"});
  compare_levels(design, test::replicates(20000));
}

TEST_CASE("Counts need unstratified randomisation", "[counts]") {
  CHECK_THROWS_AS(load_default_scenario({{"designs.immunosep.simulation=\"counts\""}}),
                  ScenarioError);
}

TEST_CASE("A fresh ArmCounts is all zero bytes (count level resets arms with memset)", "[counts]") {
  // Constructed over zero bytes (padding stays zero): every member is zero.
  alignas(ArmCounts) unsigned char buffer[sizeof(ArmCounts)] = {};
  const ArmCounts* arm = new (buffer) ArmCounts{};
  const unsigned char zeros[sizeof(ArmCounts)] = {};
  CHECK(std::memcmp(arm, zeros, sizeof zeros) == 0);
}

TEST_CASE("Count-level replicates never write the arms' patient-only tallies", "[counts]") {
  // The count level resets, in each arm, only what it writes: the tallies by
  // baseline SOFA, of the SOFA change and of the ordinal outcomes (from
  // n_by_sofa10 up to early_deaths) must stay as fresh, zero bytes.
  constexpr std::size_t from = offsetof(ArmCounts, n_by_sofa10);
  constexpr std::size_t to = offsetof(ArmCounts, early_deaths);
  const unsigned char zeros[to - from] = {};
  const std::vector<std::pair<std::string, std::vector<Override>>> cases = {
      {"scenarios/validation/rates_two_arm.toml", {{"designs.main.simulation=\"counts\""}}},
      {"scenarios/validation/gsd_rates.toml", {}},
      {"scenarios/validation/multiarm_rates.toml", {{"designs.main.simulation=\"counts\""}}},
      {"", // ImmunoSep: three labels, early deaths, adverse events
       {{"designs.immunosep.simulation=\"counts\""},
        {"designs.immunosep.randomisation.stratify_by=\"none\""},
        {"designs.immunosep.eligible_labels=[\"mals\", \"immunoparalysis\", \"unclassified\"]"},
        {"designs.immunosep.policy.precision.unclassified=\"placebo\""}}}};
  for (const auto& [path, overrides] : cases) {
    INFO(path);
    const Scenario s = path.empty() ? load_default_scenario(overrides)
                                    : load_scenario(test::source_path(path), overrides);
    alignas(ReplicateResult) static unsigned char buffer[sizeof(ReplicateResult)];
    std::memset(buffer, 0, sizeof buffer);
    auto* r = new (buffer) ReplicateResult{};
    for (std::uint32_t rep = 0; rep < 200; ++rep) {
      simulate_trial(s, 0, {5, 0, rep}, *r);
      REQUIRE(r->enrolled > 0);
      for (const ArmCounts& arm : r->arms)
        REQUIRE(std::memcmp(reinterpret_cast<const char*>(&arm) + from, zeros, sizeof zeros) == 0);
    }
  }
}

TEST_CASE("secondary_outcomes = false keeps the power and leaves the secondary measures out",
          "[counts]") {
  auto run_with = [](const std::vector<Override>& extra, std::uint64_t seed) {
    std::vector<Override> overrides = {{"designs.main.simulation=\"counts\""}};
    overrides.insert(overrides.end(), extra.begin(), extra.end());
    RunOptions options;
    options.replicates = 20000;
    options.seed = seed;
    return test::only_design(
        run(load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"), overrides),
            options));
  };
  const DesignSummary all = run_with({}, 21);
  const DesignSummary primary = run_with({{"designs.main.secondary_outcomes=false"}}, 22);
  // Independent runs: the powers agree within 4 Monte Carlo SE of their difference.
  INFO("power: all outcomes " << all.power.value << " ± " << all.power.mcse << ", primary only "
                              << primary.power.value << " ± " << primary.power.mcse);
  CHECK(std::abs(all.power.value - primary.power.value) <=
        4.0 * std::hypot(all.power.mcse, primary.power.mcse));
  CHECK(std::isfinite(all.hypotheses[0].mortality_power.value));
  const HypothesisSummary& h = primary.hypotheses[0];
  for (const Estimate* e : {&h.mortality_estimate_mean, &h.mortality_true_difference,
                            &h.mortality_ci_coverage, &h.mortality_power})
    CHECK((std::isnan(e->value) && std::isnan(e->mcse)));
  CHECK(std::isfinite(h.interaction_power.value)); // from the responders
  for (const ArmSummary& arm : primary.arms) {
    CHECK(std::isfinite(arm.response_rate.value));
    for (const Estimate* e : {&arm.mortality28, &arm.mortality90, &arm.early_death,
                              &arm.harmed_by_drug, &arm.adverse_events[0]})
      CHECK(std::isnan(e->value));
  }
  // Patient level draws every outcome: the key is refused there.
  CHECK_THROWS_AS(load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"),
                                {{"designs.main.secondary_outcomes=false"}}),
                  ScenarioError);
}

TEST_CASE("Count level keeps an unequal allocation's permuted blocks", "[counts]") {
  // 2:1 in blocks of 3 (Design::block_per_arm = {2, 1}): N = 276 fills 92
  // blocks exactly; N = 277 adds one patient, to the first arm with P = 2/3.
  auto patients = [](int n) {
    RunOptions options;
    options.replicates = 4000;
    options.seed = 23;
    const DesignSummary d = test::only_design(
        run(load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"),
                          {{"designs.main.simulation=\"counts\""},
                           {"designs.main.allocation=[2,1]"},
                           {"designs.main.randomisation.block_size=3"},
                           {"designs.main.sample_size=" + std::to_string(n)}}),
            options));
    return std::pair{d.arms.at(0).patients, d.arms.at(1).patients};
  };
  const auto [full_a, full_b] = patients(276);
  CHECK(full_a.value == 184.0);
  CHECK(full_b.value == 92.0);
  CHECK(full_a.mcse == 0.0);
  const auto [partial_a, partial_b] = patients(277);
  const double se = std::sqrt(2.0 / 9.0 / 4000);
  INFO("first arm " << partial_a.value << ", expected 184.667 ± " << se);
  CHECK(std::abs(partial_a.value - (184.0 + 2.0 / 3.0)) < 4 * se);
  CHECK(partial_a.value + partial_b.value == Approx(277.0).margin(1e-9));
}

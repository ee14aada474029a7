// Mortality endpoints: the day of death of every virtual patient against its
// model probabilities, death by day D as a binary endpoint against exact
// enumeration, and the power gain of covariate adjustment on the same patients.
#include "sepsim/cohort/calibration.hpp"
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/stats/tests.hpp"

#include "support.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace sepsim;

TEST_CASE("Each patient's day of death follows the model's probabilities", "[mortality]") {
  const Scenario s = load_default_scenario();
  constexpr std::uint32_t kPatients = 100000;
  for (const Treatment& t : s.treatments) {
    for (const double day : {5.0, 9.0, 20.0, 28.0, 60.0, 90.0}) {
      double observed = 0.0, expected = 0.0;
      for (std::uint32_t i = 0; i < kPatients; ++i) {
        const ScreenedPatient p = screen_patient(s.population, s.classifier, 7, 0, 0, i);
        const PatientNoise noise = draw_patient_noise(s.population, 7, 0, 0, i);
        observed += outcome_under(s, t, p.phenotype, noise).dies_by(day);
        expected += death_probability_by(s, t, p.phenotype, day);
      }
      const double rate = observed / kPatients, target = expected / kPatients;
      const double se = std::sqrt(target * (1 - target) / kPatients);
      INFO(t.name << " by day " << day << ": simulated " << rate << ", model " << target);
      CHECK(std::abs(rate - target) <= 4 * se + 1e-12);
    }
  }
}

TEST_CASE("Deaths by day 28 keep their mean over baseline SOFA; 90-day deaths add to them",
          "[mortality]") {
  const Scenario s = load_default_scenario();
  REQUIRE(s.mortality28.sofa_log_odds_per_point > 0.0);
  const Treatment& placebo = s.treatments[s.placebo];
  for (int ph = 0; ph < kPhenotypes; ++ph) {
    const auto p = static_cast<Phenotype>(ph);
    // The model's 28-day mortality is the scenario's (mortality_28d), whatever the SOFA slope.
    const double by28 = placebo.response[ph] * s.mortality28.responder[ph] +
                        (1 - placebo.response[ph]) * s.mortality28.non_responder[ph];
    CHECK(death_probability_by(s, placebo, p, 28.0) == Approx(by28).epsilon(1e-12));
    CHECK(death_probability_by(s, placebo, p, 90.0) > by28);
    // Non-responders die more with a higher baseline SOFA.
    CHECK(death28_alive_non_responder(s, placebo, p, 14) >
          death28_alive_non_responder(s, placebo, p, 6));
  }
}

TEST_CASE("The SOFA risk tables hold the logistic's bits and follow a recalibration",
          "[mortality]") {
  Scenario s = load_default_scenario();
  const auto check_tables = [](const Scenario& sc) {
    const Population& pop = sc.population;
    for (int ph = 0; ph < kPhenotypes; ++ph)
      for (int sofa = pop.baseline_sofa_min; sofa <= pop.baseline_sofa_max; ++sofa) {
        const auto p = static_cast<Phenotype>(ph);
        for (const Treatment& t : sc.treatments)
          REQUIRE(death28_alive_non_responder(sc, t, p, sofa) ==
                  logistic_risk(t.death28_logit_intercept[ph],
                                sc.mortality28.sofa_log_odds_per_point, sofa));
        if (sc.mortality90.sofa_log_odds_per_point != 0.0)
          REQUIRE(late_death_risk(sc.mortality90, p, sofa) ==
                  logistic_risk(sc.mortality90.late_death_logit_intercept[ph],
                                sc.mortality90.sofa_log_odds_per_point, sofa));
      }
  };
  REQUIRE(s.mortality28.sofa_log_odds_per_point != 0.0);
  REQUIRE(s.mortality90.late_death_by_sofa[0].empty()); // no late-death slope by default
  REQUIRE(s.treatments[0].death28_by_sofa[0].size() ==
          static_cast<std::size_t>(s.population.baseline_sofa_max - s.population.baseline_sofa_min +
                                   1));
  check_tables(s);
  // Calibrated again with other slopes and SOFA range: no stale entry is read.
  s.mortality28.sofa_log_odds_per_point = 0.3;
  s.mortality90.sofa_log_odds_per_point = 0.2;
  s.population.baseline_sofa_min = 4;
  s.population.baseline_sofa_max = 18;
  calibrate(s);
  REQUIRE(s.treatments[0].death28_by_sofa[0].size() == 15u);
  REQUIRE(s.mortality90.late_death_by_sofa[2].size() == 15u);
  REQUIRE(s.treatments[1].death28_by_sofa.from == 4);
  REQUIRE(s.mortality90.late_death_by_sofa.from == 4);
  REQUIRE(s.treatments[0].death28_by_sofa.at(0, 3) == nullptr); // outside: the logistic
  REQUIRE(s.treatments[0].death28_by_sofa.at(0, 19) == nullptr);
  check_tables(s);
}

namespace {
// Exact power of the one-sided pooled z at 1.959964 on survivors at day D,
// n per arm, each death time exponential with these 28-day mortalities.
double exact_survival_power(int n, double death28_t, double death28_c, double day) {
  return test::exact_pooled_power(n, std::pow(1 - death28_t, day / 28.0),
                                  std::pow(1 - death28_c, day / 28.0));
}
} // namespace

TEST_CASE("Death by day D as a binary endpoint matches exact enumeration", "[mortality]") {
  struct Case {
    const char* mode;
    double day;
  };
  for (const Case c : {Case{"patients", 28.0}, Case{"patients", 14.0}, Case{"counts", 28.0},
                       Case{"counts", 90.0}}) {
    const Scenario s =
        load_scenario(test::source_path("scenarios/validation/survival_two_arm.toml"),
                      {{"designs.main.analysis.test=\"pooled_z\""},
                       {"designs.main.analysis.endpoint=\"death\""},
                       {"designs.main.sample_size=400"},
                       {"designs.main.simulation=\"" + std::string(c.mode) + "\""},
                       {"designs.main.follow_up_days=" + std::to_string(c.day)}});
    RunOptions options;
    options.replicates = test::replicates(20000);
    options.seed = 11;
    const DesignSummary d = test::only_design(run(s, options));
    const double exact = exact_survival_power(200, 0.43, 0.497, c.day);
    const double se = std::sqrt(exact * (1 - exact) / static_cast<double>(options.replicates));
    INFO(c.mode << ", day " << c.day << ": simulated " << d.power.value << ", exact " << exact);
    CHECK(std::abs(d.power.value - exact) <= 4 * se);
    CHECK(d.endpoint == "death_by_day_" + std::to_string(static_cast<int>(c.day)));
    // The estimate is the mortality difference, unbiased for its true value.
    const double truth = (1 - std::pow(0.57, c.day / 28)) - (1 - std::pow(0.503, c.day / 28));
    CHECK(d.true_difference.value == Approx(truth).epsilon(1e-9));
    CHECK(std::abs(d.estimate_mean.value - truth) <= 4 * d.estimate_mean.mcse);
  }
}

TEST_CASE("Adjusting for prognostic baseline SOFA gains power on the same patients",
          "[mortality]") {
  Scenario s = load_scenario(test::source_path("scenarios/followup-mortality.toml"), {});
  s.designs.erase(std::remove_if(s.designs.begin(), s.designs.end(),
                                 [](const Design& d) {
                                   return d.name != "mortality28" &&
                                          d.name != "mortality28_adjusted";
                                 }),
                  s.designs.end());
  REQUIRE(s.designs.size() == 2);
  // The same randomisation stream: the same patients in the same arms, so the
  // difference is the analysis's alone.
  s.designs[1].stream = s.designs[0].stream;
  RunOptions options;
  options.replicates = test::replicates(3000);
  options.seed = 3;
  const PointSummary point = run(s, options).points.at(0);
  const DesignComparison& gain = point.comparisons.at(0);
  INFO("power " << gain.design_a << " - " << gain.design_b << ": " << gain.power_difference.value
                << " ± " << gain.power_difference.mcse);
  // Logistic regression adjusted for baseline SOFA and age vs the pooled z.
  CHECK(gain.design_a == "mortality28");
  CHECK(gain.power_difference.value < 0.0);
#ifndef SEPSIM_SANITIZED
  CHECK(gain.power_difference.value < -4 * gain.power_difference.mcse);
#endif
}

TEST_CASE("Dropout: losses censor time to death, exclusions leave every analysis", "[mortality]") {
  const auto with = [](const std::string& test, const std::string& binary) {
    return load_scenario(test::source_path("scenarios/validation/survival_two_arm.toml"),
                         {{"designs.main.analysis.test=\"" + test + "\""},
                          {"designs.main.analysis.endpoint=\"death\""},
                          {"designs.main.dropout={ lost = { active = 0.1, control = 0.3 }, "
                           "excluded = 0.05, binary = \"" +
                           binary + "\" }"}});
  };
  RunOptions options;
  options.replicates = test::replicates(4000);
  options.seed = 5;
  const double n = static_cast<double>(options.replicates);
  for (const std::string test : {"km_difference", "logrank"}) {
    const DesignSummary d = test::only_design(run(with(test, "complete_cases"), options));
    INFO(test << ": excluded " << d.excluded.value << ", estimate " << d.estimate_mean.value
              << ", true " << d.true_difference.value);
    // 5% of 600 randomised are excluded; the others are analysed.
    CHECK(std::abs(d.excluded.value - 30.0) <= 4 * d.excluded.mcse);
    CHECK(d.arms[0].patients.value + d.arms[1].patients.value + d.excluded.value == Approx(600.0));
    // Random losses: Kaplan-Meier and complete cases stay unbiased, coverage ~95%.
    CHECK(std::abs(d.estimate_mean.value - d.true_difference.value) <= 4 * d.estimate_mean.mcse);
    CHECK(std::abs(d.ci_coverage.value - 0.95) <= 4 * std::sqrt(0.95 * 0.05 / n));
  }
  // The binary endpoint cannot be unbiased under losses: complete cases keep
  // the deaths seen before a loss and drop the survivors lost, and the worst
  // case counts the lost as deaths; with more lost on control both favour
  // active (a documented property of the rules, not of the simulator).
  for (const std::string binary : {"complete_cases", "worst_case"}) {
    const DesignSummary d = test::only_design(run(with("pooled_z", binary), options));
    INFO(binary << ": estimate " << d.estimate_mean.value << ", true " << d.true_difference.value);
    CHECK(d.estimate_mean.value < d.true_difference.value - 4 * d.estimate_mean.mcse);
  }
}

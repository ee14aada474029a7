// Simulated group-sequential trials against the exact dynamic-programming
// values of scenarios/validation/REFERENCES.md: three looks at 92, 184, 276 patients
// (46 an arm a stage), p = 0.351 vs 0.179, one-sided alpha 0.025.
#include "sepsim/run/engine.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

namespace {

struct Reference {
  std::string name;
  std::vector<Override> looks;
  double power;
  std::vector<double> per_look;
  std::vector<double> futility; // empty: none
  double expected_n;
  double type_one;
};

void check_probability(const std::string& what, double simulated, double exact, double n) {
  INFO(what << ": simulated " << simulated << ", exact " << exact);
  CHECK(std::abs(simulated - exact) < 4 * std::sqrt(exact * (1 - exact) / n) + 1e-12);
}

} // namespace

TEST_CASE("Three-look designs reproduce the exact power, per-look rejection and E[N]",
          "[gsd][simulation]") {
  const std::string L = "designs.main.looks.";
  const std::vector<Reference> references = {
      {"OF",
       {{L + "efficacy=\"OF\""}},
       0.901807,
       {0.046783, 0.538730, 0.316294},
       {},
       217.83,
       0.025314},
      {"asOF",
       {{L + "efficacy=\"obf\""}},
       0.904023,
       {0.025276, 0.532513, 0.346234},
       {},
       222.36,
       0.024746},
      {"asP",
       {{L + "efficacy=\"pocock\""}},
       0.859982,
       {0.341827, 0.328773, 0.189382},
       {},
       182.86,
       0.024753},
      {"asOF, futility z <= 0, non-binding",
       {{L + "efficacy=\"obf\""}, {L + "futility_z=[0.0, 0.0]"}},
       0.884852,
       {},
       {0.037250, 0.001614},
       215.45,
       0.023146},
      {"asOF, futility z <= 0, binding",
       {{L + "efficacy=\"obf\""}, {L + "futility_z=[0.0, 0.0]"}, {L + "binding_futility=true"}},
       0.888162,
       {},
       {},
       215.45,
       0.024713},
  };
  const auto mode = GENERATE(as<std::string>(), "counts", "patients");
  RunOptions options;
  options.replicates = test::replicates(mode == "counts" ? 100000 : 40000);
  options.seed = 20240601;
  const double n = static_cast<double>(options.replicates);
  for (const auto& ref : references) {
    INFO(ref.name << " at the " << mode << " level");
    std::vector<Override> overrides = ref.looks;
    overrides.push_back({"designs.main.simulation=\"" + mode + "\""});
    const Scenario s =
        load_scenario(test::source_path("scenarios/validation/gsd_rates.toml"), overrides);
    const DesignSummary d = test::only_design(run(s, options));
    check_probability("power", d.power.value, ref.power, n);
    for (std::size_t k = 0; k < ref.per_look.size(); ++k)
      check_probability("rejection at look " + std::to_string(k + 1), d.reject_per_look[k],
                        ref.per_look[k], n);
    for (std::size_t k = 0; k < ref.futility.size(); ++k)
      check_probability("futility at look " + std::to_string(k + 1), d.futility_per_look[k],
                        ref.futility[k], n);
    // references.md gives E[N] to 2 decimals.
    CHECK(std::abs(d.expected_n.value - ref.expected_n) < 4 * d.expected_n.mcse + 0.005);

    std::vector<Override> null = overrides;
    null.push_back({"treatments.active.response.all=0.179"});
    const DesignSummary h0 = test::only_design(run(
        load_scenario(test::source_path("scenarios/validation/gsd_rates.toml"), null), options));
    check_probability("type I error", h0.power.value, ref.type_one, n);
  }
}

TEST_CASE("Looks are validated", "[gsd]") {
  const std::string path = test::source_path("scenarios/validation/gsd_rates.toml");
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.looks.information=[0.5, 0.9]"}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.looks.efficacy=\"nonsense\""}}),
                  ScenarioError);
  // Count level: a stage must fill whole blocks of 2 (0.3 x 276 = 83 patients).
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.looks.information=[0.3, 1.0]"}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.analysis.test=\"fisher\""}}), ScenarioError);
}

TEST_CASE("The follow-up with two interims stops early and keeps its type I error", "[gsd]") {
  const std::string path = test::source_path("scenarios/followup-gsd.toml");
  RunOptions options;
  options.replicates = 8000;
  options.seed = 360;
  auto design = [](const RunSummary& s) {
    for (const auto& d : s.points.at(0).designs)
      if (d.name == "followup_gsd") return d;
    throw std::runtime_error("no followup_gsd design");
  };
  const DesignSummary d = design(run(load_scenario(path), options));
  REQUIRE(d.look_patients == std::vector<double>{120, 240, 360});
  CHECK(d.power.value > 0.9);
  CHECK(d.expected_n.value < 300); // most trials stop at the second look
  double total = 0.0;
  for (double p : d.reject_per_look)
    total += p;
  CHECK(total == Approx(d.power.value).margin(1e-12));
  // Naive estimate after early stopping is biased upwards (a known effect).
  CHECK(d.bias.value > 2 * d.bias.mcse);
  const DesignSummary null = design(run(load_scenario(path, {}, true), options));
  CHECK(null.power.value <= 0.025 + 3 * null.power.mcse);
}

TEST_CASE("Accrual: duration and overrunning pipeline patients", "[gsd][accrual]") {
  const std::string path = test::source_path("scenarios/followup-gsd.toml");
  RunOptions options;
  options.replicates = 4000;
  options.seed = 9;
  auto design = [](const RunSummary& s, const std::string& name) {
    for (const auto& d : s.points.at(0).designs)
      if (d.name == name) return d;
    throw std::runtime_error("no design " + name);
  };
  // A fixed design: the last of N patients enrols at Lambda^-1(Gamma(N, 1));
  // past the ramp-up Lambda^-1 is linear, so E[duration] = N / R + a / 2 + delay.
  const DesignSummary fixed =
      design(run(load_scenario(path, {{"designs.immunosep.accrual={ patients_per_month = 15.0, "
                                       "ramp_up_months = 6.0 }"}}),
                 options),
             "immunosep");
  const double expected = 276.0 / 15.0 + 3.0 + 9.0 / (365.25 / 12.0);
  INFO("duration " << fixed.expected_duration_months.value << " ± "
                   << fixed.expected_duration_months.mcse << ", expected " << expected);
  CHECK(std::abs(fixed.expected_duration_months.value - expected) <
        4 * fixed.expected_duration_months.mcse);
  // Piecewise rates 5, 10, 15 a month from months 0, 3, 6: 45 patients by
  // month 6, then linear: E[duration] = 6 + (276 - 45) / 15 + delay.
  const DesignSummary piecewise = design(
      run(load_scenario(path, {{"designs.immunosep.accrual={ patients_per_month = [5.0, 10.0, "
                                "15.0], from_month = [0.0, 3.0, 6.0] }"}}),
          options),
      "immunosep");
  CHECK(std::abs(piecewise.expected_duration_months.value -
                 (6.0 + 231.0 / 15.0 + 9.0 / (365.25 / 12.0))) <
        4 * piecewise.expected_duration_months.mcse);
  CHECK_THROWS_AS(load_scenario(path, {{"designs.immunosep.accrual={ patients_per_month = [5.0, "
                                        "10.0], from_month = [1.0, 3.0] }"}}),
                  ScenarioError);

  // The same group-sequential design with and without accrual: the same
  // interim decisions (same patients), more patients (the pipeline) with it.
  const DesignSummary with = design(run(load_scenario(path), options), "followup_gsd");
  const DesignSummary without = design(
      run(load_scenario(path, {{"designs.followup_gsd.accrual.endpoint_delay_days=0.0"}}), options),
      "followup_gsd");
  CHECK(with.reject_per_look == without.reject_per_look);
  CHECK(with.futility_per_look == without.futility_per_look);
  // About R x delay = 15 x 0.3 = 4.4 pipeline patients per early stop.
  const double early = with.reject_per_look[0] + with.reject_per_look[1] +
                       with.futility_per_look[0] + with.futility_per_look[1];
  CHECK(with.expected_n.value - without.expected_n.value == Approx(4.4 * early).margin(1.0));
  CHECK(std::isnan(
      design(run(load_scenario(path), options), "immunosep").expected_duration_months.value));
}

TEST_CASE("Sample-size re-estimation keeps the type I error and raises power", "[gsd][ssr]") {
  const std::vector<Override> ssr = {
      {"designs.immunosep.sample_size=200"},
      {"designs.immunosep.reestimation={ interim_fraction = 0.5, max_sample_size = 552, "
       "cp_min = 0.36, target_cp = 0.9 }"}};
  const Scenario s = load_default_scenario(ssr);
  const Design& d = s.designs.front();
  REQUIRE(d.reestimation);
  REQUIRE(d.reestimation->interim_patients == 100);

  // Promising zone: the new size gives conditional power 0.9 (to the ceiling).
  const double w1 = std::sqrt(0.5), w2 = std::sqrt(0.5);
  auto conditional_power = [&](double z1, double n2) {
    const double theta = z1 / std::sqrt(100.0);
    return 1.0 - 0.5 * std::erfc(-((d.analysis.critical_z - w1 * z1) / w2 - theta * std::sqrt(n2)) /
                                 std::sqrt(2.0));
  };
  const double promising = 1.3; // CP at the planned 100 more patients ~0.5
  REQUIRE(conditional_power(promising, 100) > 0.36);
  REQUIRE(conditional_power(promising, 100) < 0.9);
  const std::uint32_t n = reestimated_sample_size(d, promising);
  CHECK(n > 200);
  CHECK(n <= 552);
  if (n < 552) CHECK(conditional_power(promising, n - 100.0) >= 0.9 - 1e-9);
  CHECK(reestimated_sample_size(d, 3.0) == 200);  // already likely to win
  CHECK(reestimated_sample_size(d, 0.2) == 200);  // unpromising
  CHECK(reestimated_sample_size(d, -1.0) == 200); // wrong direction

  RunOptions options;
  options.replicates = 20000;
  options.seed = 552;
  const DesignSummary adaptive = test::only_design(run(s, options));
  const DesignSummary fixed = test::only_design(
      run(load_default_scenario({{"designs.immunosep.sample_size=200"}}), options));
  CHECK(adaptive.power.value > fixed.power.value + 4 * adaptive.power.mcse);
  CHECK(adaptive.expected_n.value > 200);
  CHECK(adaptive.expected_n.value < 552);
  CHECK(adaptive.final_n_sd.value > 0);
  const DesignSummary null = test::only_design(run(load_default_scenario(ssr, true), options));
  INFO("type I " << null.power.value << " ± " << null.power.mcse);
  CHECK(null.power.value <= 0.025 + 3 * null.power.mcse);
}

TEST_CASE("Looks by patient count and conditional-power futility", "[gsd]") {
  const std::string path = test::source_path("scenarios/validation/gsd_rates.toml");
  RunOptions options;
  options.replicates = 20000;
  options.seed = 3;
  const DesignSummary by_fraction = test::only_design(run(load_scenario(path), options));
  const DesignSummary by_patients = test::only_design(
      run(load_scenario(path,
                        {{"designs.main.looks={ patients = [92, 184, 276], efficacy = \"obf\" }"}}),
          options));
  CHECK(by_patients.look_patients == by_fraction.look_patients);
  CHECK(by_patients.reject_per_look == by_fraction.reject_per_look);
  CHECK_THROWS_AS(
      load_scenario(path,
                    {{"designs.main.looks={ patients = [92, 184, 270], efficacy = \"obf\" }"}}),
      ScenarioError); // the last look must be the sample size

  // Under the null, a trend-based conditional power below 0.2 stops most
  // trials at the first look; non-binding, it can only lower the type I error.
  const std::vector<Override> cp = {{"designs.main.looks.futility_conditional_power=0.2"},
                                    {"treatments.active.response.all=0.179"}};
  const DesignSummary null = test::only_design(run(load_scenario(path, cp), options));
  CHECK(null.futility_per_look[0] > 0.5);
  CHECK(null.power.value <= 0.024746 + 3 * null.power.mcse);
  const DesignSummary alternative = test::only_design(
      run(load_scenario(path, {{"designs.main.looks.futility_conditional_power=0.2"}}), options));
  CHECK(alternative.expected_n.value < by_fraction.expected_n.value);
}

// Harm (lower) bounds of group-sequential looks against independent
// calculations: an exact dynamic-programming enumeration over the binomial
// counts at each look (gsd_rates.toml: 46 patients an arm a stage, three
// looks), and the normal approximation by numerical integration
// (crossing_probabilities on -Z).
#include "sepsim/run/engine.hpp"
#include "sepsim/stats/boundaries.hpp"

#include "support.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

namespace {

const std::string kPath = "scenarios/validation/gsd_rates.toml";
constexpr int kPerArmStage = 46;

struct ExactLooks {
  std::vector<double> reject, harm;
};

// P(efficacy stop) and P(harm stop) at each look, exactly: the joint law of
// the cumulative responders (x_t, x_c) of the trials still running, stage by
// stage (each stage Bin(46, pt) x Bin(46, pc)), stopping where the pooled z
// reaches the efficacy bound or falls to the harm bound.
ExactLooks exact_looks(double pt, double pc, const std::vector<double>& efficacy,
                       const std::vector<double>& harm) {
  const boost::math::binomial bt(kPerArmStage, pt), bc(kPerArmStage, pc);
  std::vector<double> stage_t(kPerArmStage + 1), stage_c(kPerArmStage + 1);
  for (int x = 0; x <= kPerArmStage; ++x) {
    stage_t[x] = boost::math::pdf(bt, x);
    stage_c[x] = boost::math::pdf(bc, x);
  }
  ExactLooks out;
  std::vector<double> running{1.0}; // (x_t, x_c) -> probability, row-major
  int n = 0;
  for (std::size_t k = 0; k < efficacy.size(); ++k) {
    const int size = n + 1, next_n = n + kPerArmStage, next_size = next_n + 1;
    std::vector<double> next(static_cast<std::size_t>(next_size) * next_size, 0.0);
    for (int xt = 0; xt <= n; ++xt)
      for (int xc = 0; xc <= n; ++xc) {
        const double p = running[xt * size + xc];
        if (p == 0.0) continue;
        for (int dt = 0; dt <= kPerArmStage; ++dt)
          for (int dc = 0; dc <= kPerArmStage; ++dc)
            next[(xt + dt) * next_size + xc + dc] += p * stage_t[dt] * stage_c[dc];
      }
    n = next_n;
    double reject = 0.0, harmed = 0.0;
    for (int xt = 0; xt <= n; ++xt)
      for (int xc = 0; xc <= n; ++xc) {
        double& p = next[xt * next_size + xc];
        const double z = pooled_z({xt, n, xc, n});
        if (z >= efficacy[k]) {
          reject += p;
          p = 0.0;
        } else if (z <= harm[k]) {
          harmed += p;
          p = 0.0;
        }
      }
    out.reject.push_back(reject);
    out.harm.push_back(harmed);
    running = std::move(next);
  }
  return out;
}

double sum(const std::vector<double>& v) {
  double s = 0.0;
  for (const double x : v)
    s += x;
  return s;
}

// |simulated - reference| within 4 binomial SEs of n replicates, plus allowance.
void check_within(const std::string& what, double simulated, double reference, double n,
                  double allowance = 0.0) {
  const double se = std::sqrt(reference * (1.0 - reference) / n);
  INFO(what << ": simulated " << simulated << ", reference " << reference << ", SE " << se);
  CHECK(std::abs(simulated - reference) <= 4.0 * se + allowance + 1e-12);
}

DesignSummary run_gsd(const std::vector<Override>& overrides, std::uint64_t replicates,
                      bool null = false) {
  RunOptions options;
  options.replicates = replicates;
  options.seed = 20260101;
  return test::only_design(run(load_scenario(test::source_path(kPath), overrides, null), options));
}

} // namespace

TEST_CASE("A fixed harm bound stops a harmful treatment as often as the exact enumeration",
          "[gsd][harm]") {
  // Treatment response 0.10 against control 0.179: the treatment is worse.
  const double pt = 0.10, pc = 0.179;
  const std::vector<Override> overrides = {{"treatments.active.response.all=0.10"},
                                           {"designs.main.looks.harm_z=[-2.5, -2.0, -1.8]"}};
  const Scenario s = load_scenario(test::source_path(kPath), overrides);
  const Boundaries& b = s.designs.at(0).looks->boundaries;
  REQUIRE(b.harm_z == std::vector<double>{-2.5, -2.0, -1.8});
  const ExactLooks exact = exact_looks(pt, pc, b.efficacy_z, b.harm_z);

  // The normal approximation: -Z has drift (pc - pt) / SE at full information
  // (pooled SE of 138 an arm), upper bound -h_k and lower bound -c_k.
  const double pbar = (pt + pc) / 2.0;
  const double drift = (pc - pt) / std::sqrt(pbar * (1 - pbar) * 2.0 / (3 * kPerArmStage));
  std::vector<double> upper, lower;
  for (std::size_t k = 0; k < b.harm_z.size(); ++k) {
    upper.push_back(-b.harm_z[k]);
    lower.push_back(-b.efficacy_z[k]);
  }
  const Crossing normal = crossing_probabilities({1.0 / 3.0, 2.0 / 3.0, 1.0}, upper, lower, drift);

  const auto n = test::replicates(100000);
  const DesignSummary d = run_gsd(overrides, n);
  REQUIRE(d.has_harm);
  REQUIRE(d.harm_per_look.size() == 3);
  const double reps = static_cast<double>(n);
  check_within("P(stop for harm)", d.harm_stop.value, sum(exact.harm), reps);
  for (std::size_t k = 0; k < 3; ++k) {
    check_within("harm at look " + std::to_string(k + 1), d.harm_per_look[k], exact.harm[k], reps);
    // The normal approximation of binomial data, within 0.01 more.
    check_within("harm at look " + std::to_string(k + 1) + " (normal approximation)",
                 d.harm_per_look[k], normal.reject[k], reps, 0.01);
  }
  check_within("P(stop for harm), normal approximation", d.harm_stop.value, sum(normal.reject),
               reps, 0.01);
  CHECK(d.harm_stop.mcse ==
        Approx(std::sqrt(d.harm_stop.value * (1 - d.harm_stop.value) / reps)).epsilon(0.01));
  // Harm stops leave no rejection, and shorten the trial.
  CHECK(d.power.value == Approx(sum(d.reject_per_look)).margin(1e-12));
  const double exact_n =
      276 - 184 * (exact.harm[0] + exact.reject[0]) - 92 * (exact.harm[1] + exact.reject[1]);
  CHECK(std::abs(d.expected_n.value - exact_n) < 4 * d.expected_n.mcse);
  WARN("harm: simulated " << d.harm_stop.value << " ± " << d.harm_stop.mcse << ", exact "
                          << sum(exact.harm) << ", normal approximation " << sum(normal.reject)
                          << "; per look " << d.harm_per_look[0] << "/" << exact.harm[0] << ", "
                          << d.harm_per_look[1] << "/" << exact.harm[1] << ", "
                          << d.harm_per_look[2] << "/" << exact.harm[2]);
}

TEST_CASE("Two-sided looks stop for harm at the lower alpha under the null", "[gsd][harm]") {
  const std::vector<Override> overrides = {{"designs.main.analysis.sided=2"},
                                           {"designs.main.analysis.alpha=0.05"}};
  const Scenario s = load_scenario(test::source_path(kPath), overrides, true);
  const Boundaries& b = s.designs.at(0).looks->boundaries;
  REQUIRE(b.harm_z.size() == 3);
  for (std::size_t k = 0; k < 3; ++k)
    CHECK(b.harm_z[k] == -b.efficacy_z[k]); // symmetric by default
  const ExactLooks exact = exact_looks(0.179, 0.179, b.efficacy_z, b.harm_z);

  const auto n = test::replicates(100000);
  const double reps = static_cast<double>(n);
  const DesignSummary d = run_gsd(overrides, n, true);
  check_within("P(stop for harm) under H0, exact", d.harm_stop.value, sum(exact.harm), reps);
  // The lower alpha is 0.025; binomial data cross it a little less often.
  check_within("P(stop for harm) under H0, alpha / 2", d.harm_stop.value, 0.025, reps, 0.001);
  CHECK(d.power.value <= 0.025 + 4 * d.power.mcse);
  check_within("type I error, exact", d.power.value, sum(exact.reject), reps);
  WARN("under H0: harm " << d.harm_stop.value << " ± " << d.harm_stop.mcse << " (exact "
                         << sum(exact.harm) << "), type I error " << d.power.value << " ± "
                         << d.power.mcse << " (exact " << sum(exact.reject) << ")");

  // harm = "none" opts out: the bounds and the harm output are gone.
  std::vector<Override> none = overrides;
  none.push_back({"designs.main.looks.harm=\"none\""});
  const DesignSummary off = run_gsd(none, 2000, true);
  CHECK_FALSE(off.has_harm);
  CHECK(off.harm_per_look.empty());
}

TEST_CASE("Harm spending mirrors a one-sided design's bounds", "[gsd][harm]") {
  const Scenario s =
      load_scenario(test::source_path(kPath), {{"designs.main.looks.harm_spending=\"pocock\""},
                                               {"designs.main.looks.harm_alpha=0.1"}});
  BoundaryRequest request;
  request.information = {1.0 / 3.0, 2.0 / 3.0, 1.0};
  request.alpha = 0.1;
  request.efficacy = parse_spending("pocock");
  const Boundaries mirror = compute_boundaries(request);
  const Boundaries& b = s.designs.at(0).looks->boundaries;
  REQUIRE(b.harm_z.size() == 3);
  for (std::size_t k = 0; k < 3; ++k)
    CHECK(b.harm_z[k] == Approx(-mirror.efficacy_z[k]).margin(1e-9));
  // One-sided designs have none by default.
  CHECK(load_scenario(test::source_path(kPath)).designs.at(0).looks->boundaries.harm_z.empty());
}

TEST_CASE("Harm bounds are validated", "[gsd][harm]") {
  const std::string path = test::source_path(kPath);
  const std::string L = "designs.main.looks.";
  for (const std::vector<Override>& bad : std::vector<std::vector<Override>>{
           {{L + "harm_z=[-2.0, -2.0]"}},      // wrong length
           {{L + "harm_z=[-2.0, 2.6, -2.0]"}}, // not below efficacy (2.51)
           {{L + "harm_z=[-2.0, -2.0, -2.0]"}, {L + "harm_spending=\"obf\""}}, // both
           {{L + "harm_alpha=0.05"}}, // without harm_spending
           {{L + "harm_spending=\"nonsense\""}},
           {{L + "harm=\"none\""}, {L + "harm_z=[-2.0, -2.0, -2.0]"}},
           {{L + "harm=\"maybe\""}},
       })
    CHECK_THROWS_AS(load_scenario(path, bad), ScenarioError);
}

TEST_CASE("Looks with several hypotheses drop a harmful arm", "[gsd][harm][staged]") {
  // multiarm_gsd with both arms going on: arm1 harmful (0.08 against 0.179).
  const std::string path = test::source_path("scenarios/validation/multiarm_gsd.toml");
  const std::vector<Override> overrides = {{"designs.main.looks.harm_z=[-1.5, -1.5, -1.5]"},
                                           {"designs.main.selection.rule=\"all\""}};
  std::vector<Override> harmful = overrides;
  harmful.push_back({"treatments.active1.response.all=0.08"});
  const Scenario s = load_scenario(path, harmful);
  REQUIRE(s.designs.at(0).staged());
  RunOptions options;
  options.replicates = test::replicates(4000);
  options.seed = 7;
  const DesignSummary d = test::only_design(run(s, options));
  REQUIRE(d.has_harm);
  REQUIRE(d.hypotheses.size() == 2);
  CHECK(d.hypotheses[0].harm);
  CHECK(d.hypotheses[0].dropped_for_harm.value > 0.3);
  CHECK(d.hypotheses[1].dropped_for_harm.value < 0.05);
  // The dropped arm enrols no more patients.
  CHECK(test::arm(d, "active1").patients.value < test::arm(d, "active2").patients.value - 10);
  // Under the null for every arm: each is dropped now and then, and the trial
  // stops for harm only when both are.
  const DesignSummary null = test::only_design(run(load_scenario(path, overrides, true), options));
  CHECK(null.hypotheses[0].dropped_for_harm.value > 0.03);
  CHECK(null.hypotheses[1].dropped_for_harm.value > 0.03);
  CHECK(null.harm_stop.value > 0.0);
  CHECK(null.harm_stop.value <= null.hypotheses[0].dropped_for_harm.value);
  CHECK(null.harm_stop.value == Approx(sum(null.harm_per_look)).margin(1e-12));
}

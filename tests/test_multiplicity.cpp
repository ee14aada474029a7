// Multiple testing procedures on hand-checked p-values, Dunnett's critical
// value against published tables and a Monte Carlo check, and family-wise
// error under --null.
#include "sepsim/core/random.hpp"
#include "sepsim/run/engine.hpp"
#include "sepsim/stats/closed_testing.hpp"
#include "sepsim/stats/multiplicity.hpp"

#include "support.hpp"

#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

namespace {

Analysis family(Multiplicity m, std::vector<double> weights = {0.5, 0.5}) {
  Analysis a;
  a.multiplicity = m;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    Hypothesis h;
    h.name = std::to_string(i + 1); // (GCC 12 -Wrestrict false positives on "H" + ...)
    h.weight = weights[i];
    a.hypotheses.push_back(h);
  }
  return a;
}

std::vector<bool> decide(Multiplicity m, std::vector<double> p,
                         std::vector<double> w = {0.5, 0.5}) {
  HypothesisValues pv{}, z{};
  for (std::size_t i = 0; i < p.size(); ++i)
    pv[i] = p[i];
  const auto r = reject_family(family(m, w), 0.025, pv, z);
  return std::vector<bool>(r.begin(), r.begin() + static_cast<long>(p.size()));
}

using V = std::vector<bool>;

} // namespace

TEST_CASE("Multiplicity procedures on hand-checked p-values (alpha 0.025)", "[multiplicity]") {
  CHECK(decide(Multiplicity::none, {0.02, 0.03}) == V{true, false});
  CHECK(decide(Multiplicity::bonferroni, {0.01, 0.02}) == V{true, false});
  CHECK(decide(Multiplicity::bonferroni, {0.01, 0.02}, {0.2, 0.8}) == V{false, true});
  // Holm: 0.01 <= 0.0125, then 0.02 <= 0.025.
  CHECK(decide(Multiplicity::holm, {0.01, 0.02}) == V{true, true});
  CHECK(decide(Multiplicity::holm, {0.024, 0.02}) == V{false, false});
  // Hochberg steps up: 0.024 <= 0.025 rejects both, where Holm rejects none.
  CHECK(decide(Multiplicity::hochberg, {0.024, 0.02}) == V{true, true});
  CHECK(decide(Multiplicity::hochberg, {0.03, 0.012}) == V{false, true});
  CHECK(decide(Multiplicity::hochberg, {0.03, 0.02}) == V{false, false});
  // Fixed sequence stops at the first failure.
  CHECK(decide(Multiplicity::fixed_sequence, {0.03, 0.001}) == V{false, false});
  CHECK(decide(Multiplicity::fixed_sequence, {0.01, 0.03}) == V{true, false});
  // Fallback: H1 at 0.0125; H2 at 0.0125, or 0.025 once H1 is rejected.
  CHECK(decide(Multiplicity::fallback, {0.01, 0.02}) == V{true, true});
  CHECK(decide(Multiplicity::fallback, {0.02, 0.02}) == V{false, false});
  CHECK(decide(Multiplicity::fallback, {0.02, 0.01}) == V{false, true});
}

TEST_CASE("Dunnett's critical value matches the tables and a Monte Carlo check",
          "[multiplicity][dunnett]") {
  // Dunnett (1955), one-sided, infinite df, equal allocation (rho = 0.5):
  // alpha 0.05: k = 2 -> 1.916, k = 3 -> 2.062, k = 4 -> 2.160; one arm is
  // the plain normal quantile.
  const double half = std::sqrt(0.5);
  CHECK(dunnett_critical_z({half}, 0.05) == Approx(1.6448536).margin(1e-6));
  CHECK(dunnett_critical_z({half, half}, 0.05) == Approx(1.916).margin(0.001));
  CHECK(dunnett_critical_z({half, half, half}, 0.05) == Approx(2.062).margin(0.001));
  CHECK(dunnett_critical_z({half, half, half, half}, 0.05) == Approx(2.160).margin(0.001));

  // Unequal allocation (2:2:1 with the control smallest): P(max Z <= c) by
  // simulation within 4 MC SE of 1 - alpha.
  const double lambda = std::sqrt(2.0 / 3.0);
  const double c = dunnett_critical_z({lambda, lambda}, 0.025);
  Stream stream({2024, Purpose::randomisation, 0, 0, 0});
  boost::random::normal_distribution<double> normal;
  constexpr int n = 1000000;
  int below = 0;
  for (int i = 0; i < n; ++i) {
    const double shared = normal(stream);
    const double z1 = lambda * shared + std::sqrt(1 - lambda * lambda) * normal(stream);
    const double z2 = lambda * shared + std::sqrt(1 - lambda * lambda) * normal(stream);
    below += std::max(z1, z2) <= c;
  }
  CHECK(std::abs(below / double(n) - 0.975) < 4 * std::sqrt(0.975 * 0.025 / n));
}

TEST_CASE("Step-down Dunnett rejects more than single step, never less",
          "[multiplicity][dunnett]") {
  Analysis a = family(Multiplicity::dunnett_stepdown);
  const double half = std::sqrt(0.5);
  a.dunnett_critical_z = {0.0, dunnett_critical_z({half}, 0.025), dunnett_critical_z({half}, 0.025),
                          dunnett_critical_z({half, half}, 0.025)};
  HypothesisValues p{}, z{};
  // z2 = 2.1 lies between the one-arm (1.96) and the two-arm (~2.21) values.
  z[0] = 2.5;
  z[1] = 2.1;
  CHECK(reject_family(a, 0.025, p, z)[1]);
  a.multiplicity = Multiplicity::dunnett;
  CHECK(reject_family(a, 0.025, p, z)[0]);
  CHECK_FALSE(reject_family(a, 0.025, p, z)[1]);
  // Step down stops at the first failure: neither passes the two-arm value.
  a.multiplicity = Multiplicity::dunnett_stepdown;
  z[0] = 2.15;
  z[1] = 2.1;
  CHECK_FALSE(reject_family(a, 0.025, p, z)[0]);
  CHECK_FALSE(reject_family(a, 0.025, p, z)[1]);
}

TEST_CASE("Family-wise error stays at nominal under --null for every procedure",
          "[multiplicity][null]") {
  // The three-arm design of scenarios/followup-designs.toml: precision and
  // one-size-fits-all anakinra, each against placebo, everyone equal to placebo.
  const auto procedure = GENERATE(as<std::string>(), "bonferroni", "holm", "hochberg",
                                  "fixed_sequence", "fallback", "dunnett", "dunnett_stepdown");
  const Scenario s =
      load_scenario(test::source_path("scenarios/followup-designs.toml"),
                    {{"designs.three_arm.analysis.multiplicity=\"" + procedure + "\""}},
                    /*null_hypothesis=*/true);
  RunOptions options;
  options.replicates = test::replicates(8000);
  options.seed = 77;
  const PointSummary p = run(s, options).points.at(0);
  for (const auto& d : p.designs) {
    if (d.name != "three_arm") continue;
    INFO(procedure << ": FWER " << d.family_wise_error.value << " ± " << d.family_wise_error.mcse);
    CHECK(d.multiplicity == procedure);
    CHECK(d.family_wise_error.value == d.any_rejection.value); // every null is true
    CHECK(d.family_wise_error.value <= 0.025 + 3 * d.family_wise_error.mcse);
  }
}

TEST_CASE("Without adjustment two hypotheses inflate the family-wise error",
          "[multiplicity][null]") {
  const Scenario s = load_scenario(test::source_path("scenarios/followup-designs.toml"),
                                   {{"designs.three_arm.analysis.multiplicity=\"none\""}}, true);
  RunOptions options;
  options.replicates = 8000;
  options.seed = 78;
  // Keep the summary alive: a range-for over run(...).points.at(0).designs
  // would iterate a destroyed temporary.
  const RunSummary summary = run(s, options);
  for (const auto& d : summary.points.at(0).designs)
    if (d.name == "three_arm") {
      INFO("FWER " << d.family_wise_error.value << " ± " << d.family_wise_error.mcse);
      CHECK(d.family_wise_error.value > 0.025 + 4 * d.family_wise_error.mcse);
    }
}

TEST_CASE("simes: closed testing with Simes intersection tests (Hommel)", "[multiplicity]") {
  // At one-sided 0.025: p = (0.015, 0.02) rejects both (the intersection's
  // Simes p is 0.02), where Holm rejects neither (0.015 > 0.0125).
  CHECK(decide(Multiplicity::simes, {0.015, 0.02}) == V{true, true});
  CHECK(decide(Multiplicity::holm, {0.015, 0.02}) == V{false, false});
  // The intersection fails (min(2 x 0.02, 0.03) = 0.03): nothing is rejected.
  CHECK(decide(Multiplicity::simes, {0.02, 0.03}) == V{false, false});
  // Three hypotheses, p = (0.005, 0.03, 0.02): every intersection holding H1
  // has a Simes p <= 0.025, but {2, 3} has min(2 x 0.02, 0.03) = 0.03, so H3
  // stands with H2.
  CHECK(decide(Multiplicity::simes, {0.005, 0.03, 0.02}, {1.0 / 3, 1.0 / 3, 1.0 / 3}) ==
        V{true, false, false});
}

TEST_CASE("dunnett_p is the tail of the maximum at Dunnett's critical value", "[multiplicity]") {
  const std::vector<double> lambda{std::sqrt(0.5), std::sqrt(0.5)};
  const double c = dunnett_critical_z(lambda, 0.025);
  CHECK(dunnett_p(lambda, c) == Approx(0.025).margin(1e-9));
  // One comparison: the normal tail.
  CHECK(dunnett_p({std::sqrt(0.5)}, 1.959963984540054) == Approx(0.025).margin(1e-12));
}

TEST_CASE("the closed combination test rejects as the inverse-normal test of each intersection",
          "[multiplicity]") {
  Analysis a = family(Multiplicity::bonferroni);
  ClosedCombinationTest test(a, IntersectionTest::bonferroni, {std::sqrt(0.5), std::sqrt(0.5)});
  HypothesisValues p{}, z{};
  // Stage 1: p = (0.001, 0.4); the intersection's Bonferroni p is 0.002
  // (z 2.878), H1's z 3.090: neither reaches the first bound 3.0 alone...
  p[0] = 0.001;
  p[1] = 0.4;
  auto r = test.add_stage(0b11, p, z, 3.1, -INFINITY);
  CHECK_FALSE(r[0]);
  // ...stage 2 with p = (0.01, 0.5): intersection combines
  // (2.878 + 2.054) / sqrt(2) = 3.487 >= 2.0, H1 (3.090 + 2.326) / sqrt(2)
  // = 3.830: H1 rejected; H2 (0.253 + 0) / sqrt(2) is not.
  p[0] = 0.01;
  p[1] = 0.5;
  r = test.add_stage(0b11, p, z, 2.0, -INFINITY);
  CHECK(r[0]);
  CHECK_FALSE(r[1]);
}

namespace {

// A graph's decisions: closed testing with the graph's intersection weights.
std::vector<bool> graph_decide(std::vector<double> w, std::vector<std::vector<double>> g,
                               const std::vector<double>& p) {
  Analysis a = family(Multiplicity::graphical, w);
  a.transitions = std::move(g);
  a.graph_weights = graph_intersection_weights(w, a.transitions);
  HypothesisValues pv{}, z{};
  for (std::size_t i = 0; i < p.size(); ++i)
    pv[i] = p[i];
  const auto r = reject_family(a, 0.025, pv, z);
  return std::vector<bool>(r.begin(), r.begin() + static_cast<long>(p.size()));
}

} // namespace

TEST_CASE("graphical: the graphs of Holm, the fixed sequence and the fallback procedure "
          "decide as those procedures do",
          "[multiplicity]") {
  Stream stream({99, Purpose::arm_counts, 0, 0, 0});
  boost::random::normal_distribution<double> normal;
  const std::vector<double> third(3, 1.0 / 3);
  const std::vector<std::vector<double>> holm_graph = {{0, 0.5, 0.5}, {0.5, 0, 0.5}, {0.5, 0.5, 0}};
  const std::vector<std::vector<double>> chain = {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}};
  const std::vector<double> fallback_w = {0.5, 0.25, 0.25};
  int differences = 0, rejections = 0;
  for (int i = 0; i < 4000; ++i) {
    // p-values of z statistics around 2 (about half reject at 0.025 alone).
    std::vector<double> p;
    for (int h = 0; h < 3; ++h)
      p.push_back(0.5 * std::erfc((2.0 + 0.8 * normal(stream)) / std::sqrt(2.0)));
    const auto holm = decide(Multiplicity::holm, p, third);
    differences += graph_decide(third, holm_graph, p) != holm;
    differences +=
        graph_decide({1, 0, 0}, chain, p) != decide(Multiplicity::fixed_sequence, p, third);
    differences +=
        graph_decide(fallback_w, chain, p) != decide(Multiplicity::fallback, p, fallback_w);
    for (const bool r : holm)
      rejections += r;
  }
  CHECK(differences == 0);
  CHECK(rejections > 1000); // the comparison covers rejections, not only p > alpha
}

TEST_CASE("graphical: removing a hypothesis passes its weight on and bypasses it",
          "[multiplicity]") {
  // Bretz et al. (2009), the update on removing H1 from H1 -> H2 -> H3 with
  // weights (1/2, 1/2, 0) and H3 -> H1: H2 gets all of H1's weight.
  const auto w = graph_intersection_weights({0.5, 0.5, 0.0}, {{0, 1, 0}, {0, 0, 1}, {1, 0, 0}});
  CHECK(w[0b110][1] == Approx(1.0));
  CHECK(w[0b110][2] == Approx(0.0));
  // Removing H2 instead: H1 keeps 1/2, H3 gets H2's 1/2.
  CHECK(w[0b101][0] == Approx(0.5));
  CHECK(w[0b101][2] == Approx(0.5));
  // The full set keeps the initial weights.
  CHECK(w[0b111][0] == Approx(0.5));
}

// Two-arm binary analyses against exact enumeration and the published values of
// scenarios/validation/REFERENCES.md, then the simulator against the exact power.
#include "sepsim/run/engine.hpp"
#include "sepsim/stats/tests.hpp"

#include "support.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/hypergeometric.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <thread>
#include <vector>

using namespace sepsim;

namespace {

std::vector<double> binomial_pmf(int n, double p) {
  const boost::math::binomial dist(n, p);
  std::vector<double> pmf(n + 1);
  for (int k = 0; k <= n; ++k)
    pmf[k] = boost::math::pdf(dist, k);
  return pmf;
}

// Exact P(reject) by enumerating every (x_treatment, x_control) of two arms of n.
double exact_rejection(int n, double p_treatment, double p_control,
                       const std::function<bool(const TwoArmCounts&)>& reject) {
  const auto pt = binomial_pmf(n, p_treatment);
  const auto pc = binomial_pmf(n, p_control);
  double power = 0.0;
  for (int xt = 0; xt <= n; ++xt)
    for (int xc = 0; xc <= n; ++xc)
      if (reject({xt, n, xc, n})) power += pt[xt] * pc[xc];
  return power;
}

// Exact P(z >= critical).
double exact_upper_tail(int n, double p_treatment, double p_control, double critical,
                        const std::function<double(const TwoArmCounts&)>& statistic) {
  return exact_rejection(n, p_treatment, p_control,
                         [&](const TwoArmCounts& c) { return statistic(c) >= critical; });
}

// The critical value the rates scenario derives (one-sided alpha 0.025).
double rates_critical_z() {
  return load_scenario(test::source_path("scenarios/validation/rates_two_arm.toml"))
      .designs[0]
      .analysis.critical_z;
}

} // namespace

TEST_CASE("Test statistics on hand-checked tables", "[analysis]") {
  // 46/131 vs 26/145 (ImmunoSep): pooled p = 72/276.
  const TwoArmCounts immunosep{46, 131, 26, 145};
  const double p = 72.0 / 276;
  const double pooled =
      (46.0 / 131 - 26.0 / 145) / std::sqrt(p * (1 - p) * (1.0 / 131 + 1.0 / 145));
  CHECK(pooled_z(immunosep) == Approx(pooled).epsilon(1e-12));
  CHECK(pooled_z({0, 10, 0, 10}) == 0.0); // identical arms, pooled rate 0
  CHECK(pooled_z({10, 10, 10, 10}) == 0.0);
  // pooled_z keeps the last counts' z per thread: each of these tables
  // asked again, after the others and on another thread, gives its own z.
  const std::vector<TwoArmCounts> tables{immunosep, {26, 145, 46, 131}, {46, 131, 26, 146}};
  std::vector<double> first;
  for (const TwoArmCounts& c : tables)
    first.push_back(pooled_z(c));
  CHECK(first[0] == Approx(pooled).epsilon(1e-12));
  CHECK(first[1] == -first[0]);
  CHECK(first[2] != first[0]);
  std::vector<double> again(tables.size());
  std::thread other([&] {
    for (std::size_t i = tables.size(); i-- > 0;)
      again[i] = pooled_z(tables[i]);
  });
  other.join();
  for (std::size_t i = 0; i < tables.size(); ++i) {
    CHECK(pooled_z(tables[i]) == first[i]);
    CHECK(again[i] == first[i]);
  }
  CHECK(unpooled_z({5, 10, 5, 10}) == 0.0);
  CHECK(std::isinf(unpooled_z({10, 10, 0, 10})));
  // One-sided 0.025 and two-sided 0.05 share the critical value; 0.1 two-sided
  // is 1.644854.
  CHECK(rates_critical_z() == Approx(1.959963984540054).epsilon(1e-14));
  CHECK(load_default_scenario().designs[0].analysis.critical_z ==
        Approx(1.959963984540054).epsilon(1e-14));
  CHECK(load_default_scenario({{"designs.immunosep.analysis.alpha=0.1"}})
            .designs[0]
            .analysis.critical_z == Approx(1.6448536269514722).epsilon(1e-12));
}

TEST_CASE("Exact power by enumeration reproduces references.md", "[analysis][exact]") {
  const double c = rates_critical_z();
  // references.md: exact pooled-z power 0.905711, one-sided size 0.024832;
  // unpooled (Wald) power 0.908612.
  CHECK(exact_upper_tail(138, 0.351, 0.179, c, pooled_z) == Approx(0.905711).margin(5e-7));
  CHECK(exact_upper_tail(138, 0.179, 0.179, c, pooled_z) == Approx(0.024832).margin(5e-7));
  CHECK(exact_upper_tail(138, 0.351, 0.179, c, unpooled_z) == Approx(0.908612).margin(5e-7));
}

TEST_CASE("Fisher's exact test: p-values and exact power of references.md", "[analysis][exact]") {
  const TwoArmCounts small{3, 5, 0, 5};
  // Margins 3 responders of 10, 5 treated: P(X >= 3) = C(5,3)C(5,0)/C(10,3) = 10/120.
  CHECK(fisher_p_one_sided(small) == Approx(10.0 / 120.0).epsilon(1e-12));
  // Two-sided: tables with X = 0 and X = 3 are the least likely (10/120 each).
  CHECK(fisher_p_two_sided(small) == Approx(20.0 / 120.0).epsilon(1e-12));
  CHECK(fisher_p_one_sided({0, 5, 3, 5}) == 1.0);

  // The fast recurrence against Boost's exact hypergeometric distribution.
  for (const TwoArmCounts t : {TwoArmCounts{46, 131, 26, 145}, TwoArmCounts{50, 138, 20, 138},
                               TwoArmCounts{1, 138, 0, 138}, TwoArmCounts{138, 138, 130, 138}}) {
    const boost::math::hypergeometric_distribution<double> h(
        static_cast<unsigned>(t.x_treatment + t.x_control), static_cast<unsigned>(t.n_treatment),
        static_cast<unsigned>(t.n_treatment + t.n_control));
    const double upper = t.x_treatment == 0 ? 1.0
                                            : boost::math::cdf(boost::math::complement(
                                                  h, static_cast<unsigned>(t.x_treatment - 1)));
    CHECK(fisher_p_one_sided(t) == Approx(upper).epsilon(1e-10));
    const double observed = boost::math::pdf(h, static_cast<unsigned>(t.x_treatment));
    double two = 0.0;
    for (auto x = static_cast<unsigned>(boost::math::support(h).first);
         x <= static_cast<unsigned>(boost::math::support(h).second); ++x)
      if (boost::math::pdf(h, x) <= observed * (1 + 1e-7)) two += boost::math::pdf(h, x);
    CHECK(fisher_p_two_sided(t) == Approx(std::min(1.0, two)).epsilon(1e-10));
  }

  // references.md: exact Fisher power 0.881781 (two-sided p < 0.05, and the
  // same for one-sided 0.025); size 0.017636 one-sided.
  auto one_sided = [](const TwoArmCounts& t) { return fisher_p_one_sided(t) <= 0.025; };
  auto two_sided = [](const TwoArmCounts& t) {
    return fisher_p_two_sided(t) <= 0.05 &&
           t.x_treatment * t.n_control > t.x_control * t.n_treatment;
  };
  CHECK(exact_rejection(138, 0.351, 0.179, one_sided) == Approx(0.881781).margin(5e-7));
  CHECK(exact_rejection(138, 0.351, 0.179, two_sided) == Approx(0.881781).margin(5e-7));
  CHECK(exact_rejection(138, 0.179, 0.179, one_sided) == Approx(0.017636).margin(5e-7));
}

TEST_CASE("Simulated power and type I error lie within 4 MC SE of the exact values",
          "[analysis][simulation]") {
  // rates_two_arm.toml at 100,000 replicates against exact enumeration.
  const std::string path = test::source_path("scenarios/validation/rates_two_arm.toml");
  const double c = rates_critical_z();
  RunOptions options;
  options.replicates = test::replicates(100000);
  options.seed = 20251208;

  struct Case {
    double p_active;
    double reference; // references.md: exact power, and exact one-sided size
  };
  const auto mode = GENERATE(as<std::string>(), "patients", "counts");
  {
    // The unpooled (Wald) z at count level: exact 0.908612.
    const Scenario wald = load_scenario(path, {{"designs.main.analysis.test=\"unpooled_z\""},
                                               {"designs.main.simulation=\"" + mode + "\""}});
    const DesignSummary d = test::only_design(run(wald, options));
    CHECK(std::abs(d.power.value - 0.908612) <
          4 * std::sqrt(0.908612 * (1 - 0.908612) / options.replicates));
  }
  for (const Case k : {Case{0.351, 0.905711}, Case{0.179, 0.024832}}) {
    const Scenario s =
        load_scenario(path, {{"treatments.active.response.all=" + std::to_string(k.p_active)},
                             {"designs.main.simulation=\"" + mode + "\""}});
    const double exact = exact_upper_tail(138, k.p_active, 0.179, c, pooled_z);
    CHECK(exact == Approx(k.reference).margin(5e-7));
    const DesignSummary d = test::only_design(run(s, options));
    const double se = std::sqrt(exact * (1 - exact) / options.replicates);
    INFO(mode << ", p_active " << k.p_active << ": simulated " << d.power.value << " exact "
              << exact);
    CHECK(std::abs(d.power.value - exact) < 4 * se);
    CHECK(d.power.mcse == Approx(se).epsilon(0.05));
    CHECK(test::arm(d, "active").patients.value == 138.0);
    CHECK(test::arm(d, "control").patients.value == 138.0);
    // The estimate is unbiased; the 95% Wald interval covers about 95% (Wald
    // intervals undercover slightly for small rates, hence 1 point, not MC SE).
    CHECK(std::abs(d.bias.value) < 4 * d.bias.mcse + 1e-12);
    CHECK(d.true_difference.value == Approx(k.p_active - 0.179).margin(1e-9));
    CHECK(std::abs(d.ci_coverage.value - 0.95) < 0.01);
  }
}

TEST_CASE("Simulated Fisher power lies within 4 MC SE of the exact 0.881781",
          "[analysis][simulation]") {
  const std::string path = test::source_path("scenarios/validation/rates_two_arm.toml");
  RunOptions options;
  options.replicates = 100000;
  options.seed = 881781;
  // One-sided 0.025 (rpact's Fisher) and two-sided 0.05 (R's fisher.test) at
  // count level, which the [counts] tests tie to the patient level.
  const auto sided = GENERATE(1, 2);
  const Scenario s = load_scenario(
      path, {{"designs.main.analysis.test=\"fisher\""},
             {"designs.main.analysis.sided=" + std::to_string(sided)},
             {"designs.main.analysis.alpha=" + std::string(sided == 1 ? "0.025" : "0.05")},
             {"designs.main.simulation=\"counts\""}});
  const DesignSummary d = test::only_design(run(s, options));
  const double exact = 0.881781;
  INFO("sided " << sided << ": simulated " << d.power.value << " ± " << d.power.mcse);
  CHECK(std::abs(d.power.value - exact) < 4 * std::sqrt(exact * (1 - exact) / options.replicates));
  CHECK(d.test == "fisher");
}

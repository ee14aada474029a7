// Estimates after early stopping: the stage-wise median-unbiased estimate and
// interval, on the Brownian motion they are built for and on the three-look
// rates designs of scenarios/validation/REFERENCES.md.
#include "sepsim/core/random.hpp"
#include "sepsim/stats/boundaries.hpp"
#include "sepsim/stats/stagewise.hpp"

#include "support.hpp"

#include <boost/random/normal_distribution.hpp>
#include <catch2/catch.hpp>

#include <cmath>
#include <thread>

using namespace sepsim;

TEST_CASE("The stage-wise estimate is median-unbiased and its interval covers 95% on the "
          "Brownian motion of a three-look design",
          "[stagewise][simulation]") {
  BoundaryRequest request;
  request.information = {1.0 / 3, 2.0 / 3, 1.0};
  request.alpha = 0.025;
  const Boundaries b = compute_boundaries(request); // Lan-DeMets O'Brien-Fleming
  const StagewiseOrdering ordering(b.information, b.efficacy_z);
  const auto n = test::replicates(20000);
  for (const double drift : {0.0, 2.0, 3.24}) {
    Stream stream({77, Purpose::arm_counts, 0, 0, static_cast<std::uint32_t>(drift * 100)});
    boost::random::normal_distribution<double> normal;
    double below = 0, covered = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      double score = 0.0, t_before = 0.0; // S(t) = Z sqrt(t), a Brownian motion with drift
      std::size_t k = 0;
      double z = 0.0;
      for (; k < 3; ++k) {
        const double dt = b.information[k] - t_before;
        score += drift * dt + std::sqrt(dt) * normal(stream);
        t_before = b.information[k];
        z = score / std::sqrt(t_before);
        if (z >= b.efficacy_z[k] || k == 2) break;
      }
      const DriftInference d = ordering.infer(k, z);
      below += d.median <= drift ? 1 : 0;
      covered += d.low <= drift && drift <= d.high ? 1 : 0;
    }
    const double se_half = std::sqrt(0.25 / n), se_cover = std::sqrt(0.95 * 0.05 / n);
    INFO("drift " << drift << ": P(estimate <= drift) " << below / n << ", coverage "
                  << covered / n);
    CHECK(std::abs(below / n - 0.5) < 4 * se_half + 0.005); // the grids' interpolation
    CHECK(std::abs(covered / n - 0.95) < 4 * se_cover + 0.002);
  }
}

TEST_CASE("The first look's estimate is the naive one; later looks pull it down", "[stagewise]") {
  const StagewiseOrdering ordering({1.0 / 3, 2.0 / 3, 1.0}, {3.710303, 2.511427, 1.993047});
  const DriftInference first = ordering.infer(0, 4.0);
  CHECK(first.median == Approx(4.0 / std::sqrt(1.0 / 3)));
  CHECK(first.low == Approx((4.0 - 1.959963984540054) / std::sqrt(1.0 / 3)));
  // Stopping at look 2 just above its bound: below the naive z / sqrt(t).
  const DriftInference second = ordering.infer(1, 2.6);
  CHECK(second.median < 2.6 / std::sqrt(2.0 / 3));
  CHECK(second.low < second.median);
  CHECK(second.median < second.high);
}

TEST_CASE("An ordering's kept inferences are its own, asked again or after another ordering",
          "[stagewise]") {
  // Two designs' orderings, one after the other (possibly at one address):
  // the second must not be given the first's kept values for the same (k, z).
  DriftInference a1, a2;
  {
    const StagewiseOrdering a({1.0 / 3, 2.0 / 3, 1.0}, {3.710303, 2.511427, 1.993047});
    a1 = a.infer(1, 2.6);
    a2 = a.infer(1, 2.6); // kept
    CHECK(a2.median == a1.median);
    CHECK(a2.low == a1.low);
    CHECK(a2.high == a1.high);
  }
  const StagewiseOrdering b({0.5, 1.0}, {2.0, 2.0});
  const DriftInference b1 = b.infer(1, 2.6);
  CHECK(b1.median != a1.median);
  // The same ordering asked afresh by another thread's memo: the same bits.
  DriftInference b2;
  std::thread([&] { b2 = b.infer(1, 2.6); }).join();
  CHECK(b2.median == b1.median);
  CHECK(b2.low == b1.low);
  CHECK(b2.high == b1.high);
}

TEST_CASE("On the three-look rates designs the adjusted estimate is less biased than the "
          "naive one, and its interval covers 95% within a point",
          "[stagewise][simulation]") {
  RunOptions options;
  options.replicates = test::replicates(20000);
  options.seed = 8401;
  const std::string path = test::source_path("scenarios/validation/gsd_rates.toml");
  for (const char* efficacy : {"OF", "obf", "pocock"}) {
    const DesignSummary d = test::only_design(run(
        load_scenario(path, {{std::string("designs.main.looks.efficacy=\"") + efficacy + "\""}}),
        options));
    REQUIRE(d.adjusted);
    INFO(efficacy << ": naive bias " << d.bias.value << " ± " << d.bias.mcse << ", adjusted "
                  << d.adjusted_bias.value << " ± " << d.adjusted_bias.mcse << ", coverage "
                  << d.adjusted_ci_coverage.value << " ± " << d.adjusted_ci_coverage.mcse);
    CHECK(std::abs(d.adjusted_bias.value) < std::abs(d.bias.value)); // paired: the same trials
    CHECK(std::abs(d.adjusted_ci_coverage.value - 0.95) <
          std::max(0.01, 4 * d.adjusted_ci_coverage.mcse));
  }
}

TEST_CASE("A stage-wise walk's tails are the bivariate normal probabilities of two looks",
          "[stagewise]") {
  // Two looks at t = 0.4, 1 with efficacy bound c1 at the first: the walk's
  // P(no crossing at look 1, Z_2 >= z) against the integral over z1 < c1 of
  // phi(z1 - theta sqrt(t1)) P(Z_2 >= z | z1), by the trapezoid rule on a
  // fine grid (independent of the walk's Simpson grid).
  const double t1 = 0.4, c1 = 2.5;
  const std::vector<double> information{t1, 1.0};
  const auto upper = [](double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); };
  for (const double theta : {-1.0, 0.0, 2.0, 3.5}) {
    const StagewiseWalk walk(information, {c1}, theta);
    CHECK(walk.crossed_before(0) == 0.0);
    CHECK(walk.crossed_before(1) == Approx(upper(c1 - theta * std::sqrt(t1))).margin(1e-12));
    for (const double z : {-1.0, 0.5, 1.96, 3.0}) {
      const double lo = theta * std::sqrt(t1) - 12.0, h = (c1 - lo) / 200000;
      double integral = 0.0;
      for (int i = 0; i <= 200000; ++i) {
        const double z1 = lo + i * h;
        const double mean = z1 * std::sqrt(t1) + theta * (1.0 - t1);
        const double f =
            std::exp(-0.5 * (z1 - theta * std::sqrt(t1)) * (z1 - theta * std::sqrt(t1))) /
            std::sqrt(2.0 * M_PI) * upper((z - mean) / std::sqrt(1.0 - t1));
        integral += (i == 0 || i == 200000 ? 0.5 : 1.0) * h * f;
      }
      INFO("theta " << theta << ", z " << z);
      CHECK(walk.tail(1, z) == Approx(integral).margin(1e-7));
    }
  }
}

// Group-sequential boundaries against the published values of
// scenarios/validation/REFERENCES.md (rpact 3.3.4 and gsDesign's own snapshots).
#include "sepsim/stats/boundaries.hpp"

#include <catch2/catch.hpp>

#include <cmath>

#include <vector>

using namespace sepsim;

namespace {

const std::vector<double> kThirds = {1.0 / 3, 2.0 / 3, 1.0};

Boundaries efficacy_only(const std::string& spending, std::vector<double> t = kThirds,
                         double alpha = 0.025, int sided = 1) {
  BoundaryRequest r;
  r.information = std::move(t);
  r.alpha = alpha;
  r.sided = sided;
  r.efficacy = parse_spending(spending);
  return compute_boundaries(r);
}

void check_bounds(const std::vector<double>& got, const std::vector<double>& expected,
                  double tolerance) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    INFO("look " << k + 1);
    CHECK(got[k] == Approx(expected[k]).margin(tolerance));
  }
}

} // namespace

TEST_CASE("Three-look boundaries of references.md to 1e-5", "[boundaries]") {
  // getDesignGroupSequential(kMax = 3, alpha = 0.025, sided = 1, typeOfDesign = ...)
  check_bounds(efficacy_only("OF").efficacy_z, {3.471091, 2.454432, 2.004036}, 1e-5);
  check_bounds(efficacy_only("obf").efficacy_z, {3.710303, 2.511427, 1.993047}, 1e-5);
  check_bounds(efficacy_only("pocock").efficacy_z, {2.279428, 2.294911, 2.295940}, 1e-5);
  check_bounds(efficacy_only("P").efficacy_z, {2.28948, 2.28948, 2.28948}, 1e-5);
  check_bounds(efficacy_only("HP").efficacy_z, {3.0, 3.0, 1.9751}, 1e-4);
  check_bounds(efficacy_only("kd:3").efficacy_z, {3.11302, 2.46193, 2.00871}, 1e-5);
  check_bounds(efficacy_only("hsd:-4").efficacy_z, {3.01074, 2.54653, 1.99923}, 1e-5);
  check_bounds(efficacy_only("hsd:1").efficacy_z, {2.28314, 2.28444, 2.30126}, 1e-5);
  check_bounds(efficacy_only("WT:0.25").efficacy_z, {2.74114, 2.30501, 2.08281}, 1e-5);
  // Two-sided 0.05 gives the one-sided 0.025 critical values.
  check_bounds(efficacy_only("OF", kThirds, 0.05, 2).efficacy_z, {3.471091, 2.454432, 2.004036},
               1e-4);
  check_bounds(efficacy_only("obf", kThirds, 0.05, 2).efficacy_z, {3.710303, 2.511427, 1.993047},
               1e-4);
  // Every alpha is spent: the cumulative alpha at the last look is alpha.
  CHECK(efficacy_only("obf").alpha_spent.back() == Approx(0.025).margin(1e-7));
}

TEST_CASE("Binding futility at z <= 0 lowers the later efficacy bounds", "[boundaries][futility]") {
  // asOF, futilityBounds = c(0, 0), bindingFutility = TRUE: 3.710303, 2.510358, 1.968276.
  BoundaryRequest r;
  r.information = kThirds;
  r.efficacy = parse_spending("obf");
  r.futility = FutilityKind::fixed_z;
  r.futility_z = {0.0, 0.0};
  r.binding = true;
  check_bounds(compute_boundaries(r).efficacy_z, {3.710303, 2.510358, 1.968276}, 1e-5);
  r.binding = false; // non-binding: the efficacy bounds of asOF alone
  check_bounds(compute_boundaries(r).efficacy_z, {3.710303, 2.511427, 1.993047}, 1e-5);
}

TEST_CASE("gsDesign's five-look HSD design with beta-spending futility", "[boundaries][futility]") {
  // gsDesign(k = 5, test.type = 4, n.fix = 1), reproduced by rpact:
  // efficacy asHSD gamma -4; futility bsHSD gamma -2, non-binding; beta 0.1.
  BoundaryRequest r;
  r.information = {0.2, 0.4, 0.6, 0.8, 1.0};
  r.efficacy = parse_spending("hsd:-4");
  r.futility = FutilityKind::beta_spending;
  r.futility_spending = parse_spending("hsd:-2");
  r.beta = 0.1;
  const Boundaries b = compute_boundaries(r);
  check_bounds(b.efficacy_z, {3.25267, 2.98605, 2.69166, 2.37367, 2.02532}, 1e-5);
  check_bounds(std::vector<double>(b.futility_z.begin(), b.futility_z.end() - 1),
               {-0.9016186, -0.0367488, 0.6945078, 1.3603223}, 1e-5);
  CHECK(b.futility_z.back() == b.efficacy_z.back());
  CHECK(b.inflation == Approx(1.10131).margin(1e-5));
}

TEST_CASE("Crossing probabilities give the exact three-look power", "[boundaries]") {
  // Under H0 the asOF bounds cross with probability alpha; at the drift of a
  // 90%-power fixed design (z_0.025 + z_0.1) the OF design's power is the
  // analytic 0.9 / 1.0161 inflation relation (rpact OF inflation 1.01610).
  const Boundaries of = efficacy_only("OF");
  double total = 0.0;
  for (double p : crossing_probabilities(kThirds, of.efficacy_z, {}, 0.0).reject)
    total += p;
  CHECK(total == Approx(0.025).margin(1e-7));
  const double fixed = 1.959963984540054 + 1.2815515655446004;
  const double drift = fixed * std::sqrt(1.01610);
  double power = 0.0;
  for (double p : crossing_probabilities(kThirds, of.efficacy_z, {}, drift).reject)
    power += p;
  CHECK(power == Approx(0.9).margin(2e-5));
}

TEST_CASE("Bad boundary requests are refused with a reason", "[boundaries]") {
  CHECK_THROWS_AS(parse_spending("obrien"), BoundaryError);
  CHECK_THROWS_AS(parse_spending("kd:abc"), BoundaryError);
  CHECK_THROWS_AS(efficacy_only("obf", {0.5, 0.4, 1.0}), BoundaryError);
  CHECK_THROWS_AS(efficacy_only("obf", {0.5, 0.9}), BoundaryError);
  CHECK_THROWS_AS(efficacy_only("obf", kThirds, 0.7), BoundaryError);
}

TEST_CASE("Spending parameters out of range are refused, never crash", "[boundaries]") {
  for (const char* text : {"hsd:-1000", "hsd:1000", "hsd:nan", "hsd:inf", "kd:0", "kd:-1", "kd:1e9",
                           "WT:1e6", "WT:-1", "WT:nan", "user:0.01,x,0.025"}) {
    INFO(text);
    CHECK_THROWS_AS(parse_spending(text), BoundaryError);
  }
  CHECK_NOTHROW(efficacy_only("hsd:-40"));
  CHECK_NOTHROW(efficacy_only("hsd:40"));
  CHECK_NOTHROW(efficacy_only("WT:-0.5"));
  CHECK_NOTHROW(efficacy_only("WT:1"));
  CHECK_NOTHROW(efficacy_only("kd:100"));
}

TEST_CASE("User spending must end at the one-sided alpha and never decrease", "[boundaries]") {
  // Ends at 0.05 under a one-sided 0.025: would spend twice the alpha.
  CHECK_THROWS_AS(efficacy_only("user:0.01,0.02,0.05"), BoundaryError);
  // Two-sided 0.05: 0.025 per tail.
  CHECK_THROWS_AS(efficacy_only("user:0.01,0.02,0.05", kThirds, 0.05, 2), BoundaryError);
  const Boundaries two = efficacy_only("user:0.01,0.02,0.025", kThirds, 0.05, 2);
  CHECK(two.alpha_spent.back() == Approx(0.05).epsilon(1e-3));
  CHECK_THROWS_AS(efficacy_only("user:0.02,0.01,0.025"), BoundaryError);
  CHECK_THROWS_AS(efficacy_only("user:0.01,0.025"), BoundaryError); // two values, three looks
  const Boundaries b = efficacy_only("user:0,0.01,0.025");
  CHECK(b.alpha_spent.back() == Approx(0.025).epsilon(1e-3));
}

TEST_CASE("Beta and futility bounds out of range are refused", "[boundaries]") {
  BoundaryRequest r;
  r.information = kThirds;
  r.futility = FutilityKind::beta_spending;
  r.futility_spending = parse_spending("hsd:-2");
  for (const double beta : {0.99, 0.5, 0.0, -0.1, std::nan("")}) {
    r.beta = beta;
    INFO("beta " << beta);
    CHECK_THROWS_AS(compute_boundaries(r), BoundaryError);
  }
  BoundaryRequest f;
  f.information = kThirds;
  f.futility = FutilityKind::fixed_z;
  f.futility_z = {std::nan(""), 0.0};
  CHECK_THROWS_AS(compute_boundaries(f), BoundaryError);
  f.futility_z = {5.0, 0.0}; // above the first efficacy bound (3.71)
  CHECK_THROWS_AS(compute_boundaries(f), BoundaryError);
}

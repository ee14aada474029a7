// Proportional odds, Wilcoxon-Mann-Whitney and win statistics against R on a
// fixed data set (tests/data/ordinal_fixture.csv, 400 patients in 5 ordered
// categories) whose reference numbers R wrote to tests/data/ordinal_reference.csv;
// both files come from scripts/ordinal_fixture.R (R 4.2.2, ordinal 2022.11.16,
// MASS 7.3.58.2; the win statistics there by brute force over all pairs). Then
// small cases checked by hand, failures, and the z statistics under the null.
#include "sepsim/stats/ordinal.hpp"
#include "sepsim/stats/tests.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>

using namespace sepsim;

namespace {

struct Fixture {
  std::vector<int> category, label;
  std::vector<double> group, sofa, age;
};

Fixture read_fixture() {
  std::ifstream in(test::source_path("tests/data/ordinal_fixture.csv"));
  REQUIRE(in);
  Fixture f;
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "category,group,baseline_sofa,age_years,label");
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string cell[5];
    for (auto& c : cell)
      std::getline(row, c, ',');
    f.category.push_back(std::stoi(cell[0]));
    f.group.push_back(std::stod(cell[1]));
    f.sofa.push_back(std::stod(cell[2]));
    f.age.push_back(std::stod(cell[3]));
    f.label.push_back(std::stoi(cell[4]));
  }
  return f;
}

std::map<std::string, double> read_reference() {
  std::ifstream in(test::source_path("tests/data/ordinal_reference.csv"));
  REQUIRE(in);
  std::map<std::string, double> ref;
  std::string line;
  std::getline(in, line); // header
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    ref[line.substr(0, comma)] = std::stod(line.substr(comma + 1));
  }
  return ref;
}

DesignMatrix design(const Fixture& f, bool adjusted) {
  const std::size_t n = f.category.size(), p = adjusted ? 5 : 1;
  DesignMatrix x{n, p, std::vector<double>(n * p)};
  for (std::size_t i = 0; i < n; ++i) {
    x.at(i, 0) = f.group[i];
    if (!adjusted) continue;
    x.at(i, 1) = f.sofa[i];
    x.at(i, 2) = f.age[i];
    x.at(i, 3) = f.label[i] == 1;
    x.at(i, 4) = f.label[i] == 2;
  }
  return x;
}

// Category counts per arm (index = category).
std::pair<std::vector<double>, std::vector<double>> counts(const Fixture& f) {
  std::vector<double> t(5, 0.0), c(5, 0.0);
  for (std::size_t i = 0; i < f.category.size(); ++i)
    (f.group[i] > 0 ? t : c)[static_cast<std::size_t>(f.category[i])] += 1;
  return {t, c};
}

double check(double value, double reference) {
  const double difference = std::abs(value - reference);
  CHECK(difference < 1e-6);
  return difference;
}

void check_fit(const OrdinalFit& fit, const std::map<std::string, double>& ref,
               const std::string& prefix, const std::vector<std::string>& names) {
  REQUIRE_FALSE(fit.failed);
  REQUIRE(fit.categories_used == 5);
  REQUIRE(fit.cut_points.size() == 4);
  REQUIRE(fit.coefficients.size() == names.size());
  double worst = 0;
  for (std::size_t j = 0; j < 4; ++j)
    worst =
        std::max(worst, check(fit.cut_points[j], ref.at(prefix + "_zeta_" + std::to_string(j))));
  for (std::size_t c = 0; c < names.size(); ++c) {
    worst = std::max(worst, check(fit.coefficients[c], ref.at(prefix + "_coef_" + names[c])));
    worst = std::max(worst, check(fit.standard_errors[c], ref.at(prefix + "_se_" + names[c])));
  }
  worst = std::max(worst, check(fit.log_likelihood, ref.at(prefix + "_loglik")));
  WARN(prefix << ": max |C++ - R| = " << worst << " after " << fit.iterations << " iterations");
}

// The three-tier key of scripts/ordinal_fixture.R: day of death (category 0 =
// died, on day 5, 10, 15 or 20 by SOFA; survivors +inf), organ-support-free
// days (0 for the dead, else 4 category + label), SOFA change (-inf for the
// dead, else round(age) mod 7 - 3, R's round: half to even).
std::vector<CompositeKey> fixture_keys(const Fixture& f) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  std::vector<CompositeKey> keys;
  for (std::size_t i = 0; i < f.category.size(); ++i) {
    if (f.category[i] == 0) {
      keys.push_back({5.0 + std::fmod(f.sofa[i], 4.0) * 5.0, 0.0, -inf});
      continue;
    }
    const double age = std::nearbyint(f.age[i]);
    keys.push_back(
        {inf, 4.0 * f.category[i] + f.label[i], std::fmod(std::fmod(age, 7) + 7, 7) - 3});
  }
  return keys;
}

std::vector<std::uint8_t> groups(const Fixture& f) {
  std::vector<std::uint8_t> g;
  for (const double v : f.group)
    g.push_back(static_cast<std::uint8_t>(v));
  return g;
}

} // namespace

TEST_CASE("Proportional odds fits match R's clm on the fixture", "[ordinal]") {
  const auto f = read_fixture();
  const auto ref = read_reference();
  check_fit(fit_proportional_odds(f.category, 5, design(f, false)), ref, "po1", {"group"});
  check_fit(fit_proportional_odds(f.category, 5, design(f, true)), ref, "po5",
            {"group", "sofa", "age", "label1", "label2"});
}

TEST_CASE("The grouped-count fit equals the per-patient fit", "[ordinal]") {
  const auto f = read_fixture();
  const auto [t, c] = counts(f);
  const auto grouped = fit_proportional_odds(t, c);
  const auto single = fit_proportional_odds(f.category, 5, design(f, false));
  REQUIRE_FALSE(grouped.failed);
  for (std::size_t j = 0; j < 4; ++j)
    CHECK(grouped.cut_points[j] == Approx(single.cut_points[j]).margin(1e-10));
  CHECK(grouped.coefficients[0] == Approx(single.coefficients[0]).margin(1e-10));
  CHECK(grouped.standard_errors[0] == Approx(single.standard_errors[0]).margin(1e-10));
  CHECK(grouped.log_likelihood == Approx(single.log_likelihood).margin(1e-9));
}

TEST_CASE("Wilcoxon-Mann-Whitney matches R's wilcox.test on the fixture", "[ordinal]") {
  const auto f = read_fixture();
  const auto ref = read_reference();
  const auto [t, c] = counts(f);
  const auto w = wilcoxon(t, c);
  REQUIRE_FALSE(w.failed);
  const double z = check(w.z, ref.at("wilcoxon_z"));
  const double p = check(w.probability, ref.at("wilcoxon_probability"));
  WARN("Wilcoxon: |z - R| = " << z << ", |probability - R| = " << p);
}

TEST_CASE("Win statistics match R's brute force over all pairs", "[ordinal]") {
  const auto f = read_fixture();
  const auto ref = read_reference();
  const auto s = win_statistics(fixture_keys(f), groups(f));
  REQUIRE_FALSE(s.failed);
  CHECK(s.wins == ref.at("win_wins"));
  CHECK(s.losses == ref.at("win_losses"));
  CHECK(s.ties == ref.at("win_ties"));
  double worst = 0;
  for (const auto& [value, name] : {std::pair{s.win_ratio, "win_ratio"},
                                    {s.win_odds, "win_odds"},
                                    {s.net_benefit, "win_net_benefit"},
                                    {s.door, "win_door"},
                                    {s.se_log_win_ratio, "win_se_log_win_ratio"},
                                    {s.se_log_win_odds, "win_se_log_win_odds"},
                                    {s.se_net_benefit, "win_se_net_benefit"},
                                    {s.se_door, "win_se_door"}})
    worst = std::max(worst, check(value, ref.at(name)));
  WARN("win statistics: max |C++ - R| = " << worst);
}

TEST_CASE("Wilcoxon on two categories is the pooled z times sqrt((N - 1) / N)", "[ordinal]") {
  for (const auto& c :
       {TwoArmCounts{30, 50, 20, 50}, TwoArmCounts{7, 40, 12, 35}, TwoArmCounts{1, 9, 0, 12}}) {
    const std::vector<double> t{double(c.n_treatment - c.x_treatment), double(c.x_treatment)};
    const std::vector<double> k{double(c.n_control - c.x_control), double(c.x_control)};
    const double n = c.n_treatment + c.n_control;
    const auto w = wilcoxon(t, k);
    REQUIRE_FALSE(w.failed);
    CHECK(w.z == Approx(pooled_z(c) * std::sqrt((n - 1) / n)).epsilon(1e-12));
  }
}

TEST_CASE("Win statistics with one tier are Mann-Whitney", "[ordinal]") {
  // Treatment 2, 1, 0 against control 1, 1, 0: wins 3 + 1, ties 2 + 1, losses 2.
  const std::vector<CompositeKey> keys{{2, 0, 0}, {1, 0, 0}, {0, 0, 0},
                                       {1, 0, 0}, {1, 0, 0}, {0, 0, 0}};
  const std::vector<std::uint8_t> group{1, 1, 1, 0, 0, 0};
  const auto s = win_statistics(keys, group);
  REQUIRE_FALSE(s.failed);
  CHECK(s.wins == 4);
  CHECK(s.losses == 2);
  CHECK(s.ties == 3);
  CHECK(s.win_ratio == Approx(2.0));
  CHECK(s.door == Approx(5.5 / 9));
  CHECK(s.win_odds == Approx(5.5 / 3.5));
  const auto w = wilcoxon({1, 1, 1}, {1, 2, 0});
  CHECK(s.door == Approx(w.probability));
  // On the fixture's categories: DOOR is the Mann-Whitney probability, and its
  // z (U-statistic variance) is close to the Wilcoxon z (permutation variance).
  const auto f = read_fixture();
  std::vector<CompositeKey> one_tier;
  for (const int c : f.category)
    one_tier.push_back({double(c), 0, 0});
  const auto d = win_statistics(one_tier, groups(f));
  const auto [t, k] = counts(f);
  const auto r = wilcoxon(t, k);
  CHECK(d.door == Approx(r.probability).epsilon(1e-14));
  CHECK((d.door - 0.5) / d.se_door == Approx(r.z).epsilon(0.03));
  CHECK(d.net_benefit / d.se_net_benefit == Approx((d.door - 0.5) / d.se_door));
}

TEST_CASE("Ordinal failures return failed without throwing", "[ordinal]") {
  const std::vector<double> none{0, 0, 0};
  CHECK(fit_proportional_odds({3, 4, 5}, none).failed);            // empty arm
  CHECK(fit_proportional_odds({0, 7, 0}, {0, 5, 0}).failed);       // one category
  CHECK(fit_proportional_odds({0, 0, 3, 5}, {5, 3, 0, 0}).failed); // complete separation
  CHECK(fit_proportional_odds({0, 0, 0, 5}, {5, 0, 0, 0}).failed); // separation, 2 used
  CHECK(fit_proportional_odds({0, 3, 5}, {5, 3, 0}).failed);       // quasi-complete separation
  CHECK_FALSE(fit_proportional_odds({0, 3, 5}, {5, 3, 1}).failed); // one empty cell: fine
  CHECK(wilcoxon({3, 4, 5}, none).failed);
  CHECK(wilcoxon({0, 4, 0}, {0, 6, 0}).failed); // all tie
  CHECK(wilcoxon({1, -1}, {2, 2}).failed);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(fit_proportional_odds({1, nan}, {2, 2}).failed);
  DesignMatrix x{4, 1, {0, 1, nan, 1}};
  CHECK(fit_proportional_odds({0, 1, 0, 1}, 2, x).failed);
  x.values[2] = 0;
  CHECK(fit_proportional_odds({0, 1, 0, 2}, 2, x).failed); // category out of range
  CHECK(fit_proportional_odds({0, 1, 0}, 2, x).failed);    // sizes
  const std::vector<CompositeKey> keys{{1, 0, 0}, {2, 0, 0}, {0, 0, 0}, {0, 0, 0}};
  CHECK(win_statistics(keys, {1, 1, 1, 1}).failed);       // empty arm
  CHECK(win_statistics(keys, {1, 1, 0, 0}).failed);       // no losses
  CHECK_FALSE(win_statistics(keys, {1, 0, 1, 0}).failed); // a win and a loss
  CHECK(win_statistics({{nan, 0, 0}, {1, 0, 0}, {0, 0, 0}, {2, 0, 0}}, {1, 1, 0, 0}).failed);
  CHECK(win_statistics(keys, {1, 0}).failed);
}

TEST_CASE("An empty middle category is dropped", "[ordinal]") {
  const auto gap = fit_proportional_odds({3, 0, 5, 4}, {5, 0, 4, 2});
  const auto packed = fit_proportional_odds({3, 5, 4}, {5, 4, 2});
  REQUIRE_FALSE(gap.failed);
  CHECK(gap.categories_used == 3);
  REQUIRE(gap.cut_points.size() == 2);
  for (std::size_t j = 0; j < 2; ++j)
    CHECK(gap.cut_points[j] == Approx(packed.cut_points[j]).margin(1e-12));
  CHECK(gap.coefficients[0] == Approx(packed.coefficients[0]).margin(1e-12));
  CHECK(gap.standard_errors[0] == Approx(packed.standard_errors[0]).margin(1e-12));
  CHECK(gap.log_likelihood == Approx(packed.log_likelihood).margin(1e-12));
}

namespace {

struct Moments {
  double n = 0, sum = 0, sum2 = 0, sum4 = 0;
  void add(double z) {
    n += 1;
    sum += z;
    sum2 += z * z;
    sum4 += z * z * z * z;
  }
  // Mean 0 and variance 1 within 4 Monte Carlo SE (the SE of the variance
  // from the fourth moment).
  void check(const char* what) const {
    const double mean = sum / n, m2 = sum2 / n, var = m2 - mean * mean;
    const double se_var = std::sqrt((sum4 / n - m2 * m2) / n);
    WARN(what << ": mean " << mean << ", variance " << var << " (n " << n << ")");
    CHECK(std::abs(mean) < 4 * std::sqrt(var / n));
    CHECK(std::abs(var - 1) < 4 * se_var);
  }
};

} // namespace

TEST_CASE("Under the null the ordinal z statistics are standard normal", "[ordinal]") {
  const auto started = std::chrono::steady_clock::now();
  std::mt19937_64 rng(20261204);
  std::discrete_distribution<int> category({0.2, 0.3, 0.15, 0.25, 0.1});
  const int per_arm = 60, trials = static_cast<int>(test::replicates(10000));
  Moments po, wmw, wo;
  for (int r = 0; r < trials; ++r) {
    std::vector<double> t(5, 0.0), c(5, 0.0);
    std::vector<CompositeKey> keys;
    std::vector<std::uint8_t> group;
    for (int i = 0; i < 2 * per_arm; ++i) {
      const int k = category(rng);
      (i % 2 ? t : c)[static_cast<std::size_t>(k)] += 1;
      keys.push_back({double(k), 0, 0});
      group.push_back(static_cast<std::uint8_t>(i % 2));
    }
    const auto fit = fit_proportional_odds(t, c);
    const auto w = wilcoxon(t, c);
    const auto s = win_statistics(keys, group);
    REQUIRE_FALSE(fit.failed);
    REQUIRE_FALSE(w.failed);
    REQUIRE_FALSE(s.failed);
    po.add(fit.coefficients[0] / fit.standard_errors[0]);
    wmw.add(w.z);
    wo.add(std::log(s.win_odds) / s.se_log_win_odds);
  }
  po.check("proportional odds Wald z");
  wmw.check("Wilcoxon z");
  wo.check("log win odds z");
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  WARN("null simulation: " << took.count() << " s");
}

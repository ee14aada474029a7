// Log-rank, Cox and Kaplan-Meier against R's survival package on a fixed data
// set (tests/data/survival_fixture.csv, 300 patients with tied times) whose
// reference numbers R wrote to tests/data/survival_reference.csv; both files
// come from scripts/survival_fixture.R (R 4.2.2, survival 3.5.3). Then small cases
// checked by hand, and the log-rank z under the null on simulated data.
#include "sepsim/stats/survival.hpp"

#include "check_survival.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>
#include <sstream>

using namespace sepsim;

namespace {

struct Fixture {
  std::vector<SurvivalRecord> records;
  std::vector<double> time, sofa, age;
  std::vector<bool> event;
};

Fixture read_fixture() {
  std::ifstream in(test::source_path("tests/data/survival_fixture.csv"));
  REQUIRE(in);
  Fixture f;
  std::string line;
  std::getline(in, line);
  REQUIRE(line == "time,event,group,stratum,baseline_sofa,age_years");
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string cell[6];
    for (auto& c : cell)
      std::getline(row, c, ',');
    SurvivalRecord r;
    r.time = std::stod(cell[0]);
    r.event = cell[1] == "1";
    r.group = static_cast<std::uint8_t>(std::stoi(cell[2]));
    r.stratum = static_cast<std::uint8_t>(std::stoi(cell[3]));
    f.records.push_back(r);
    f.time.push_back(r.time);
    f.event.push_back(r.event);
    f.sofa.push_back(std::stod(cell[4]));
    f.age.push_back(std::stod(cell[5]));
  }
  return f;
}

std::map<std::string, double> read_reference() {
  std::ifstream in(test::source_path("tests/data/survival_reference.csv"));
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

double relative(double value, double reference) {
  return std::abs(value - reference) / std::abs(reference);
}

DesignMatrix group_column(const std::vector<SurvivalRecord>& records) {
  DesignMatrix x{records.size(), 1, std::vector<double>(records.size())};
  for (std::size_t i = 0; i < records.size(); ++i)
    x.at(i, 0) = records[i].group;
  return x;
}

std::vector<double> times_of(const std::vector<SurvivalRecord>& records) {
  std::vector<double> t;
  for (const auto& r : records)
    t.push_back(r.time);
  return t;
}

std::vector<bool> events_of(const std::vector<SurvivalRecord>& records) {
  std::vector<bool> e;
  for (const auto& r : records)
    e.push_back(r.event);
  return e;
}

void check_logrank(const std::string& prefix, bool stratified) {
  const auto ref = read_reference();
  auto records = read_fixture().records;
  REQUIRE(records.size() == 300);
  const LogrankResult r = logrank(records, stratified);
  REQUIRE_FALSE(r.failed);
  CHECK(r.events == static_cast<int>(ref.at("logrank_events")));
  CHECK(r.observed_treatment == ref.at(prefix + "_obs_1"));
  CHECK(relative(r.z * r.z, ref.at(prefix + "_chisq")) < 1e-8);
  CHECK(relative(r.expected_treatment, ref.at(prefix + "_exp_1")) < 1e-8);
  CHECK(relative(r.variance, ref.at(prefix + "_var")) < 1e-8);
  // Fewer treated deaths than expected: z > 0.
  CHECK(r.z > 0);
}

} // namespace

TEST_CASE("Log-rank agrees with R's survdiff to 1e-8", "[survival]") {
  check_logrank("logrank", false);
}

TEST_CASE("Stratified log-rank agrees with R's survdiff + strata() to 1e-8", "[survival]") {
  check_logrank("strat", true);
}

TEST_CASE("Cox (Efron ties) agrees with R's coxph to 1e-6", "[survival]") {
  const auto ref = read_reference();
  const Fixture f = read_fixture();
  const std::size_t n = f.records.size();
  SECTION("group, baseline SOFA and age") {
    DesignMatrix x{n, 3, std::vector<double>(n * 3)};
    for (std::size_t i = 0; i < n; ++i) {
      x.at(i, 0) = f.records[i].group;
      x.at(i, 1) = f.sofa[i];
      x.at(i, 2) = f.age[i];
    }
    const CoxFit fit = fit_cox(f.time, f.event, x);
    REQUIRE_FALSE(fit.failed);
    const char* names[] = {"group", "sofa", "age"};
    for (std::size_t j = 0; j < 3; ++j) {
      INFO(names[j]);
      CHECK(relative(fit.coefficients[j], ref.at(std::string("cox3_coef_") + names[j])) < 1e-6);
      CHECK(relative(fit.standard_errors[j], ref.at(std::string("cox3_se_") + names[j])) < 1e-6);
    }
    CHECK(relative(fit.log_likelihood, ref.at("cox3_loglik")) < 1e-10);
    CHECK(fit.iterations == static_cast<int>(ref.at("cox3_iter")));
  }
  SECTION("group only") {
    const CoxFit fit = fit_cox(f.time, f.event, group_column(f.records));
    REQUIRE_FALSE(fit.failed);
    CHECK(relative(fit.coefficients[0], ref.at("cox1_coef_group")) < 1e-6);
    CHECK(relative(fit.standard_errors[0], ref.at("cox1_se_group")) < 1e-6);
    CHECK(relative(fit.log_likelihood, ref.at("cox1_loglik")) < 1e-10);
    CHECK(fit.iterations == static_cast<int>(ref.at("cox1_iter")));
  }
}

TEST_CASE("Kaplan-Meier at day 28 agrees with R's survfit to 1e-8", "[survival]") {
  const auto ref = read_reference();
  const Fixture f = read_fixture();
  for (int g = 0; g < 2; ++g) {
    INFO("group " << g);
    const std::string s = std::to_string(g);
    const KaplanMeierPoint km = kaplan_meier_at(f.records, g, 28.0);
    CHECK(relative(km.survival, ref.at("km_surv_" + s)) < 1e-8);
    CHECK(relative(std::sqrt(km.variance), ref.at("km_se_" + s)) < 1e-8);
    const double from_log = ref.at("km_stderr_log_" + s) * ref.at("km_surv_" + s);
    CHECK(relative(km.variance, from_log * from_log) < 1e-8);
    CHECK(km.at_risk == static_cast<int>(ref.at("km_nrisk_" + s)));
  }
}

TEST_CASE("Log-rank by hand: four deaths, no ties", "[survival]") {
  // Risk sets (n, treated): (4,2) (3,2) (2,1) (1,1); E_t = 1/2 + 2/3 + 1/2 + 1,
  // V = 1/4 + 2/9 + 1/4 (the last death, alone at risk, adds nothing).
  std::vector<SurvivalRecord> records{
      {3, true, 0, 0}, {1, true, 0, 0}, {4, true, 1, 0}, {2, true, 1, 0}};
  const LogrankResult r = logrank(records, false);
  REQUIRE_FALSE(r.failed);
  CHECK(r.events == 4);
  CHECK(r.observed_treatment == 2);
  CHECK(r.expected_treatment == Approx(8.0 / 3.0).epsilon(1e-14));
  CHECK(r.variance == Approx(13.0 / 18.0).epsilon(1e-14));
  CHECK(r.z == Approx((2.0 / 3.0) / std::sqrt(13.0 / 18.0)).epsilon(1e-14));
  // One stratum per record pair: each stratum (2 at risk, 1 treated) then (1, 1) or (1, 0).
  std::vector<SurvivalRecord> strata{
      {1, true, 0, 0}, {2, true, 1, 0}, {1, true, 1, 1}, {2, true, 0, 1}};
  const LogrankResult s = logrank(strata, true);
  CHECK(s.expected_treatment == Approx(0.5 + 1.0 + 0.5).epsilon(1e-14));
  CHECK(s.variance == Approx(0.5).epsilon(1e-14));
  CHECK(s.z == Approx((2.0 - 2.0) / std::sqrt(0.5)).margin(1e-14));
}

TEST_CASE("Identical records: ties in one risk set", "[survival]") {
  // Both groups: two deaths and two censorings at day 5. n = 8, 4 treated,
  // 4 deaths: E_t = 2 = O_t, V = 4 (1/2)(1/2)(8 - 4)/7 = 4/7.
  std::vector<SurvivalRecord> records;
  for (std::uint8_t g = 0; g < 2; ++g)
    for (int k = 0; k < 4; ++k)
      records.push_back({5.0, k < 2, g, 0});
  const LogrankResult r = logrank(records, true);
  REQUIRE_FALSE(r.failed);
  CHECK(r.expected_treatment == Approx(2.0).epsilon(1e-14));
  CHECK(r.variance == Approx(4.0 / 7.0).epsilon(1e-14));
  CHECK(r.z == Approx(0.0).margin(1e-14));
  // coxph: coefficient 0, standard error 1 (R 4.2.2, survival 3.5.3).
  const CoxFit fit = fit_cox(times_of(records), events_of(records), group_column(records));
  REQUIRE_FALSE(fit.failed);
  CHECK(fit.coefficients[0] == Approx(0.0).margin(1e-12));
  CHECK(fit.standard_errors[0] == Approx(1.0).epsilon(1e-12));
  // All of them identical (everyone dies at once, control only): the log-rank
  // has no variance; Kaplan-Meier falls to 0 at day 5 with variance 0, not NaN.
  std::vector<SurvivalRecord> same(4, SurvivalRecord{5.0, true, 0, 0});
  CHECK(logrank(same, false).failed);
  const KaplanMeierPoint at5 = kaplan_meier_at(same, 0, 5.0),
                         before = kaplan_meier_at(same, 0, 4.9);
  CHECK(at5.survival == 0);
  CHECK(at5.variance == 0);
  CHECK(at5.at_risk == 4);
  CHECK(before.survival == 1);
  CHECK(before.at_risk == 4);
}

TEST_CASE("Kaplan-Meier and Greenwood by hand", "[survival]") {
  // Deaths at 1, 3, 4, censored at 2: S(3) = 3/4 * 1/2, Greenwood
  // 1/(4*3) + 1/(2*1); survfit: survival 0.375, std.err 0.286411, 2 at risk.
  const std::vector<SurvivalRecord> records{
      {1, true, 0, 0}, {2, false, 0, 0}, {3, true, 0, 0}, {4, true, 0, 0}, {1, true, 1, 0}};
  const KaplanMeierPoint km = kaplan_meier_at(records, 0, 3.0);
  CHECK(km.survival == Approx(0.375).epsilon(1e-15));
  CHECK(km.variance == Approx(0.375 * 0.375 * 7.0 / 12.0).epsilon(1e-14));
  CHECK(km.at_risk == 2);
  CHECK(kaplan_meier_at(records, 1, 3.0).survival == 0);
  const KaplanMeierPoint empty = kaplan_meier_at(records, 2, 3.0);
  CHECK(empty.survival == 1);
  CHECK(empty.at_risk == 0);
}

TEST_CASE("Degenerate data fail instead of giving NaN", "[survival]") {
  auto finite = [](const CoxFit& fit) {
    for (std::size_t j = 0; j < fit.coefficients.size(); ++j)
      if (std::isnan(fit.coefficients[j]) || std::isnan(fit.standard_errors[j])) return false;
    return !std::isnan(fit.log_likelihood);
  };
  SECTION("two patients, both censored") {
    std::vector<SurvivalRecord> records{{10, false, 0, 0}, {12, false, 1, 0}};
    const LogrankResult r = logrank(records, false);
    CHECK(r.failed);
    CHECK(r.events == 0);
    CHECK(r.z == 0);
    const CoxFit fit = fit_cox(times_of(records), events_of(records), group_column(records));
    CHECK(fit.failed);
    CHECK(finite(fit));
  }
  SECTION("one group empty") {
    std::vector<SurvivalRecord> records{{1, true, 0, 0}, {2, false, 0, 0}, {3, true, 0, 0}};
    const LogrankResult r = logrank(records, false);
    CHECK(r.failed);
    CHECK(r.events == 2);
    const CoxFit fit = fit_cox(times_of(records), events_of(records), group_column(records));
    CHECK(fit.failed); // singular: the treatment column is constant
    CHECK(finite(fit));
  }
  SECTION("monotone likelihood: every death in control") {
    // coxph warns "coefficient may be infinite" (beta -21, se 1.3e4 on such data).
    std::vector<SurvivalRecord> records;
    for (int i = 0; i < 20; ++i)
      records.push_back({1.0 + i, i % 2 == 0, static_cast<std::uint8_t>(i % 2), 0});
    const CoxFit fit = fit_cox(times_of(records), events_of(records), group_column(records));
    CHECK(fit.failed);
    CHECK(finite(fit));
    CHECK_FALSE(logrank(records, false).failed); // the log-rank test is still defined
  }
  SECTION("sizes that do not match, empty data") {
    CHECK(fit_cox({1, 2}, {true}, DesignMatrix{2, 1, {0, 1}}).failed);
    CHECK(fit_cox({}, {}, DesignMatrix{}).failed);
    std::vector<SurvivalRecord> none;
    CHECK(logrank(none, true).failed);
  }
  SECTION("a NaN time") {
    std::vector<SurvivalRecord> records{
        {1, true, 0, 0}, {std::nan(""), true, 1, 0}, {3, true, 1, 0}, {4, false, 0, 0}};
    CHECK(logrank(records, false).failed);
    CHECK(fit_cox(times_of(records), events_of(records), group_column(records)).failed);
    const KaplanMeierPoint km = kaplan_meier_at(records, 1, 3.0);
    CHECK(km.survival == 0);
    CHECK(km.at_risk == 1);
  }
}

TEST_CASE("Log-rank z is standard normal under equal hazards", "[survival]") {
  // 2000 trials of 200 patients, exponential deaths (median ~35 days) in both
  // groups, censored at day 60, half the times rounded up to whole days (ties).
  std::mt19937_64 rng(20261129);
  std::exponential_distribution<double> death(0.02);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const int trials = 2000;
  std::vector<SurvivalRecord> records(200);
  double sum = 0, sum_squares = 0;
  for (int t = 0; t < trials; ++t) {
    for (std::size_t i = 0; i < records.size(); ++i) {
      double time = std::min(death(rng), 60.0);
      if (unit(rng) < 0.5) time = std::ceil(time);
      records[i] = {time, time < 60.0, static_cast<std::uint8_t>(i % 2),
                    static_cast<std::uint8_t>(i % 3)};
    }
    const LogrankResult r = logrank(records, t % 2 == 1);
    REQUIRE_FALSE(r.failed);
    sum += r.z;
    sum_squares += r.z * r.z;
  }
  const double mean = sum / trials;
  const double sd = std::sqrt((sum_squares - trials * mean * mean) / (trials - 1));
  INFO("mean " << mean << " sd " << sd);
  CHECK(std::abs(mean) < 4.0 / std::sqrt(trials));
  CHECK(std::abs(sd - 1.0) < 4.0 / std::sqrt(2.0 * (trials - 1)));
}

TEST_CASE("Log-rank and Kaplan-Meier from sorted follow-up equal those from the records",
          "[survival]") {
  // Random records with tied times (whole days), losses before day 28 and
  // administrative censorings at day 28; the sorted form lists the deaths and
  // the censorings before day 28 only, copied by the walk or, with +infinity
  // after each array, read in place. Every number must be identical.
  std::mt19937_64 rng(20261205);
  std::exponential_distribution<double> death(0.03), loss(0.01);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const double at = 28.0;
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<SurvivalRecord> records;
    std::vector<double> times[4]; // [2 * death + group]
    double at_risk[2] = {0, 0};
    const int n = 20 + trial * 3;
    for (int i = 0; i < n; ++i) {
      double day = death(rng), end = std::min(loss(rng), at);
      if (unit(rng) < 0.3) day = std::ceil(day);
      const bool died = day <= end;
      const double time = died ? day : end;
      const auto group = static_cast<std::uint8_t>(unit(rng) < 0.5);
      records.push_back({time, died, group, 0});
      at_risk[group] += 1;
      if (died || time < at) times[2 * died + group].push_back(time);
    }
    for (auto& t : times)
      std::sort(t.begin(), t.end());
    SortedFollowUp g[2];
    for (int k = 0; k < 2; ++k)
      g[k] = {times[2 + k].data(), times[2 + k].size(), times[k].data(), times[k].size(),
              at_risk[k]};
    // The same arrays with +infinity after each, read in place (ends_infinite).
    std::vector<double> ended[4];
    for (int k = 0; k < 4; ++k) {
      ended[k] = times[k];
      ended[k].push_back(std::numeric_limits<double>::infinity());
    }
    SortedFollowUp in_place[2];
    for (int k = 0; k < 2; ++k)
      in_place[k] = {ended[2 + k].data(), times[2 + k].size(), ended[k].data(),
                     times[k].size(),     at_risk[k],          true};
    const LogrankKaplanMeier a = logrank_and_kaplan_meier(records, at);
    for (const LogrankKaplanMeier& b :
         {logrank_and_kaplan_meier_sorted(g[0], g[1], at),
          logrank_and_kaplan_meier_sorted(in_place[0], in_place[1], at)})
      test::check_identical(a, b);
  }
}

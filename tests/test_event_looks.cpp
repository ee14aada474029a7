// Event-driven looks (sim/trial/event_looks.cpp) on hand-made records: look
// times at the k-th observed death in calendar time, censoring at the look,
// the patients entered by the stopping look, and the final analysis at the
// end of follow-up when the planned deaths are never reached.
#include "sepsim/input/scenario_reader.hpp"
#include "sepsim/trial/trial.hpp"

#include "../sim/trial/steps.hpp"
#include "check_survival.hpp"
#include "support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace sepsim;

namespace {

constexpr double kMonth = 365.25 / 12.0; // days

// Six patients entering every 0.1 month, alternating arms. Calendar deaths
// (months): patient 1 at 0.2, 4 at 0.45, 3 at 0.5, 5 at 0.8; patient 0 dies on
// day 30.4 (after the 28-day follow-up: not observed), patient 2 survives.
std::vector<PatientRecord> records() {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> death_month = {1.0, 0.1, inf, 0.2, 0.05, 0.3};
  std::vector<PatientRecord> out;
  for (std::size_t i = 0; i < death_month.size(); ++i) {
    PatientRecord p;
    p.arm = static_cast<std::uint8_t>(i % 2);
    p.death_day = static_cast<float>(death_month[i] * kMonth);
    out.push_back(p);
  }
  return out;
}

const std::vector<double> kEntries = {0.0, 0.1, 0.2, 0.3, 0.4, 0.5};

// A logrank design with looks at `events` deaths; efficacy bounds as given.
Design design(std::vector<int> events, std::vector<double> efficacy_z) {
  Design d;
  d.sample_size = 6;
  d.follow_up_days = 28.0;
  d.analysis.test = TestKind::logrank;
  d.analysis.hypotheses.push_back(Hypothesis{});
  Looks looks;
  looks.events = std::move(events);
  looks.boundaries.efficacy_z = std::move(efficacy_z);
  looks.boundaries.futility_z.assign(looks.events.size(), -std::numeric_limits<double>::infinity());
  d.looks = looks;
  return d;
}

// Records for the looks' tests: arms 0 and 1, and 2 outside the hypothesis;
// deaths on whole days (ties), at any time, or none; losses to follow-up on odd
// trials; entries every 0.004 months (ties in entry too) on every third trial,
// else at random. Returns the last entry.
double random_follow_up(std::mt19937& rng, int trial, std::vector<PatientRecord>& recs,
                        std::vector<double>& entries) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double clock = 0.0;
  for (std::size_t i = 0; i < recs.size(); ++i) {
    PatientRecord& p = recs[i];
    p.arm = static_cast<std::uint8_t>(unit(rng) < 0.1 ? 2 : unit(rng) < 0.5);
    const double u = unit(rng);
    p.death_day = static_cast<float>(u < 0.2   ? std::ceil(40.0 * unit(rng))
                                     : u < 0.6 ? 40.0 * unit(rng)
                                               : std::numeric_limits<double>::infinity());
    if (trial % 2 == 1 && unit(rng) < 0.3) p.loss_day = static_cast<float>(28.0 * unit(rng));
    clock += trial % 3 == 0 ? 0.004 : 0.01 * unit(rng);
    entries[i] = clock;
  }
  return clock;
}

} // namespace

TEST_CASE("Event-driven looks fall at the k-th observed death", "[event_looks]") {
  const auto recs = records();
  SECTION("no stop: the final look at the 4th death, everyone entered") {
    const EventLookResult r = run_event_looks(design({2, 4}, {100.0, 100.0}), recs, kEntries);
    CHECK(r.look == 1);
    CHECK(r.time_months == Approx(0.8).epsilon(1e-6));
    CHECK(r.events == 4);
    CHECK(r.patients == 6);
    CHECK_FALSE(r.not_reached);
    CHECK(r.verdict == LookVerdict::continue_trial);
  }
  SECTION("efficacy at the first look: the 2nd death, five patients entered") {
    const EventLookResult r = run_event_looks(design({2, 4}, {-100.0, 100.0}), recs, kEntries);
    CHECK(r.look == 0);
    CHECK(r.verdict == LookVerdict::efficacy);
    CHECK(r.time_months == Approx(0.45).epsilon(1e-6));
    // Patient 3's death (0.5) comes after the look: censored there.
    CHECK(r.events == 2);
    CHECK(r.patients == 5);
  }
  SECTION("planned deaths never reached: final analysis when follow-up ends") {
    const EventLookResult r = run_event_looks(design({2, 5}, {100.0, 100.0}), recs, kEntries);
    CHECK(r.not_reached);
    CHECK(r.look == 1);
    // The last follow-up to end: patient 2, alive, entered at 0.2, 28 days.
    CHECK(r.time_months == Approx(0.2 + 28.0 / kMonth).epsilon(1e-9));
    CHECK(r.events == 4);
    CHECK(r.patients == 6);
  }
}

TEST_CASE("The look's log-rank censors at the look time", "[event_looks]") {
  const auto recs = records();
  const Design d = design({2, 4}, {100.0, 100.0});
  int events = -1;
  // Before any death: no events, the test fails and gives z = 0.
  CHECK(event_look_z(d, recs, kEntries, 0.15, &events) == 0.0);
  CHECK(events == 0);
  // At 0.46: deaths of patients 1 and 4 (patient 4's at 0.45). Times since
  // entry: 0 -> 14.0 days (censored), 1 -> 3.04 (death), 2 -> 7.9, 3 -> 4.9
  // (censored), 4 -> 1.52 (death). Risk sets: day 1.52 {all five}, one death in arm 0 (patient 4);
  // day 3.04 {0, 1, 2, 3}, one death in arm 1 (patient 1). Arm 0 is treatment:
  // O - E = (1 - 3/5) + (0 - 2/4) = -0.1; V = 3*2/25 + 2*2/16 = 0.49.
  const double z = event_look_z(d, recs, kEntries, 0.46, &events);
  CHECK(events == 2);
  CHECK(z == Approx(0.1 / std::sqrt(0.49)).epsilon(1e-9));
}

// The looks reuse, from one look to the next, the patients whose follow-up had
// ended (sim/trial/look_statistic.cpp): the z of every look must be the one
// computed afresh over all records, with deaths tied on a day, losses to
// follow-up, patients outside the hypothesis and entries after the look.
TEST_CASE("Each look's log-rank equals the one computed afresh", "[event_looks]") {
  std::mt19937 rng(5);
  for (int trial = 0; trial < 30; ++trial) {
    std::vector<PatientRecord> recs(400);
    std::vector<double> entries(recs.size());
    random_follow_up(rng, trial, recs, entries);
    const int last = static_cast<int>(std::count_if(recs.begin(), recs.end(), [](auto& p) {
      return p.arm < 2 && p.death_day <= std::min(28.0f, p.loss_day);
    }));
    const std::vector<int> events = {last / 4, last / 2, 3 * last / 4, last};
    for (std::size_t stop = 0; stop < events.size(); ++stop) {
      std::vector<double> bounds(events.size(), 100.0);
      bounds[stop] = -100.0; // stops there, after the looks before it
      Design d = design(events, bounds);
      d.sample_size = static_cast<int>(recs.size());
      const EventLookResult r = run_event_looks(d, recs, entries);
      INFO("trial " << trial << ", stopping look " << stop);
      REQUIRE(r.look == stop);
      int afresh_events = -1;
      CHECK(r.z == event_look_z(d, recs, entries, r.time_months, &afresh_events));
      CHECK(r.events == afresh_events);
    }
  }
}

// After the looks, final_follow_up takes the deaths the looks saw and the
// settled patients' censorings from them, and sorts and merges in the rest:
// the final log-rank and Kaplan-Meier from it must be those of the records of
// the patients entered by the last look, each followed to its end, with
// deaths tied on a day, losses to follow-up, patients outside the hypothesis,
// looks at any time (some after the last entry, some going back, which starts
// the looks afresh) and deaths seen by a look or not yet.
TEST_CASE("The final follow-up after the looks equals the records'", "[event_looks]") {
  std::mt19937 rng(11);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 60; ++trial) {
    std::vector<PatientRecord> recs(300);
    std::vector<double> entries(recs.size());
    const double clock = random_follow_up(rng, trial, recs, entries);
    Design d = design({1, 2}, {100.0, 100.0});
    d.sample_size = static_cast<int>(recs.size());
    const Hypothesis& hyp = d.analysis.hypotheses.front();
    LookStatistic statistic(d);
    double look = 0.0;
    for (int k = 0; k <= trial % 4; ++k) {
      look += 0.4 * clock * unit(rng);
      if (trial % 5 == 4 && k == 1) look *= 0.5;
      statistic.z(recs, entries, look, nullptr);
    }
    const auto entered = static_cast<std::size_t>(
        std::count_if(entries.begin(), entries.end(), [&](double e) { return e <= look; }));
    const std::vector<PatientRecord> by_look(recs.begin(),
                                             recs.begin() + static_cast<std::ptrdiff_t>(entered));
    std::vector<SurvivalRecord> survival;
    for (const PatientRecord& p : by_look) {
      if (!in_hypothesis(hyp, p)) continue;
      const double day = p.death_day, end = follow_up_end(d, p);
      survival.push_back({day <= end ? day : end, day <= end,
                          static_cast<std::uint8_t>(p.arm == hyp.treatment_arm), 0});
    }
    SortedFollowUp g[2];
    INFO("trial " << trial << ": " << entered << " patients entered by the last look");
    REQUIRE(statistic.final_follow_up(by_look, entries, g));
    test::check_identical(logrank_and_kaplan_meier(survival, d.follow_up_days),
                          logrank_and_kaplan_meier_sorted(g[0], g[1], d.follow_up_days));
  }
}

// The looks found as patients are drawn (run_event_looks_as_drawn: deaths
// counted per calendar bucket as patients enter) must be those found over all
// patients at once (run_event_looks: the k-th death of all), with deaths tied
// in calendar time, entries tied, deaths after the follow-up, losses, patients
// outside the hypothesis, slow and fast accrual, and deaths never reached.
TEST_CASE("Looks found as patients are drawn equal those over all patients", "[event_looks]") {
  std::mt19937 rng(9);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<PatientRecord> all(300);
    std::vector<double> all_entries(all.size());
    double clock = 0.0;
    const double gap = trial % 4 == 0 ? 0.5 : trial % 4 == 1 ? 0.0005 : 0.01; // months
    for (std::size_t i = 0; i < all.size(); ++i) {
      PatientRecord& p = all[i];
      p.arm = static_cast<std::uint8_t>(unit(rng) < 0.1 ? 2 : unit(rng) < 0.5);
      const double u = unit(rng);
      // Deaths on the day of entry (at another patient's tied entry), on whole
      // days, at any time, or none.
      p.death_day = static_cast<float>(u < 0.05  ? 0.0
                                       : u < 0.2 ? std::ceil(40.0 * unit(rng))
                                       : u < 0.6 ? 40.0 * unit(rng)
                                                 : std::numeric_limits<double>::infinity());
      if (trial % 2 == 1 && unit(rng) < 0.3) p.loss_day = static_cast<float>(28.0 * unit(rng));
      if (trial % 3 != 2 || unit(rng) < 0.5) clock += gap * unit(rng); // ties in entry
      all_entries[i] = trial % 5 == 4 ? std::round(clock * 10.0) / 10.0 : clock;
    }
    const int last = static_cast<int>(std::count_if(all.begin(), all.end(), [](auto& p) {
      return p.arm < 2 && p.death_day <= std::min(28.0f, p.loss_day);
    }));
    const std::vector<int> events = {last / 4, last / 2, 3 * last / 4, last + trial % 2};
    for (std::size_t stop = 0; stop <= events.size(); ++stop) {
      std::vector<double> bounds(events.size(), 100.0);
      if (stop < events.size()) bounds[stop] = -100.0; // stops there
      Design d = design(events, bounds);
      d.sample_size = static_cast<int>(all.size());
      const EventLookResult whole = run_event_looks(d, all, all_entries);
      std::vector<PatientRecord> records;
      std::vector<double> entries;
      LookStatistic statistic(d);
      const EventLookResult drawn = run_event_looks_as_drawn(
          d, records, entries, static_cast<std::uint32_t>(all.size()),
          [&](std::vector<PatientRecord>& to, std::vector<double>& to_entries, std::size_t n) {
            const std::size_t from = to.size();
            to.insert(to.end(), all.begin() + from, all.begin() + from + n);
            to_entries.insert(to_entries.end(), all_entries.begin() + from,
                              all_entries.begin() + from + n);
          },
          statistic);
      INFO("trial " << trial << ", stopping look " << stop);
      CHECK(drawn.look == whole.look);
      CHECK(drawn.time_months == whole.time_months);
      CHECK(drawn.z == whole.z);
      CHECK(drawn.events == whole.events);
      CHECK(drawn.patients == whole.patients);
      CHECK(drawn.not_reached == whole.not_reached);
      CHECK(drawn.verdict == whole.verdict);
    }
  }
}

TEST_CASE("Event-driven replicates stop at a planned death count", "[event_looks]") {
  const std::string path = test::source_path("scenarios/validation/survival_events.toml");
  const Scenario s = load_scenario(path);
  REQUIRE(s.designs[0].looks->events == std::vector<int>{150, 300, 450});
  int early = 0;
  for (std::uint32_t rep = 0; rep < 40; ++rep) {
    const ReplicateResult r = simulate_trial(s, 0, ReplicateId{7, 0, rep});
    const int planned = s.designs[0].looks->events[r.stop_look];
    INFO("replicate " << rep << ", stopped at look " << int(r.stop_look));
    CHECK_FALSE(r.events_not_reached);
    CHECK(r.events == planned);
    CHECK(r.enrolled <= 1200u);
    CHECK(r.arms[0].n + r.arms[1].n == r.enrolled);
    // 450 deaths take about two months of accrual at 600 a month.
    CHECK(r.duration_months > 0.5);
    CHECK(r.duration_months < 3.0);
    CHECK(r.hypotheses[0].reject == r.efficacy_stop);
    early += r.stop_look < 2;
  }
  CHECK(early < 40);
}

// Patients excluded after randomisation have no record: the looks must pair
// each analysed patient with its own entry time. With 20% excluded the deaths
// come 20% slower, so the looks fall later (they fell at the same times when
// the entry times of the excluded patients were paired with later records).
TEST_CASE("Event-driven looks with exclusions fall later", "[event_looks]") {
  const std::string path = test::source_path("scenarios/validation/survival_events.toml");
  Scenario s = load_scenario(path);
  s.designs[0].sample_size = 1500;
  double without = 0.0, with = 0.0;
  for (std::uint32_t rep = 0; rep < 40; ++rep)
    without += simulate_trial(s, 0, ReplicateId{11, 0, rep}).duration_months;
  s.designs[0].dropout.emplace().excluded = 0.2;
  for (std::uint32_t rep = 0; rep < 40; ++rep) {
    const ReplicateResult r = simulate_trial(s, 0, ReplicateId{11, 0, rep});
    CHECK(r.events == s.designs[0].looks->events[r.stop_look]);
    CHECK(r.arms[0].n + r.arms[1].n + r.excluded == r.enrolled);
    with += r.duration_months;
  }
  CHECK(with / without > 1.1); // 1.20 measured; 1.00 with the pairing off
}

TEST_CASE("Event-driven looks are validated", "[event_looks]") {
  const std::string path = test::source_path("scenarios/validation/survival_events.toml");
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.looks.events=[300, 150, 450]"}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.looks.events=[150, 300, 1201]"}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.analysis.test=\"pooled_z\""}}),
                  ScenarioError);
  CHECK_THROWS_AS(load_scenario(path, {{"designs.main.looks.patients=[600, 1200]"}}),
                  ScenarioError);
  CHECK_NOTHROW(load_scenario(path, {{"designs.main.analysis.test=\"cox\""}}));
}

// The seams a new endpoint, test or adaptation plugs into: the table of
// tests, the table of endpoints, and the decision made in one place.
#include "sepsim/trial/trial.hpp"

#include "support.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace sepsim;

TEST_CASE("The table of tests has one row per test, in TestKind order", "[seams]") {
  for (std::size_t k = 0; k < kTestNames.size(); ++k) {
    const auto kind = static_cast<TestKind>(k);
    INFO(kTestNames[k]);
    CHECK(test_spec(kind).kind == kind);
    CHECK(test_spec(kind).run != nullptr);
  }
  CHECK(continuous_endpoint(TestKind::mean_difference));
  CHECK(continuous_endpoint(TestKind::ancova));
  CHECK_FALSE(continuous_endpoint(TestKind::logistic));
  CHECK(needs_patient_records(TestKind::logistic));
  CHECK(needs_patient_records(TestKind::ancova));
  CHECK_FALSE(needs_patient_records(TestKind::cmh));
  CHECK(test_spec(TestKind::cmh).needs_strata);
}

TEST_CASE("Every endpoint reads the same patient into its own tally", "[seams]") {
  for (std::size_t e = 0; e < kEndpoints.size(); ++e)
    CHECK(static_cast<std::size_t>(kEndpoints[e].id) == e);
  Analysis analysis;
  analysis.test = TestKind::ancova;
  CHECK(primary_endpoint(analysis) == EndpointId::sofa_change_day9);
  analysis.test = TestKind::fisher;
  CHECK(primary_endpoint(analysis) == EndpointId::response_day9);
  analysis.endpoint = PrimaryEndpoint::death;
  CHECK(primary_endpoint(analysis) == EndpointId::death_by_follow_up);
  analysis.test = TestKind::logrank;
  CHECK(primary_endpoint(analysis) == EndpointId::death_by_follow_up);

  ArmCounts arm;
  Outcome responder;
  responder.response = true;
  responder.sofa_change = 2.5;
  responder.adverse[anaemia] = true;
  Outcome early_death;
  early_death.early_death = true;
  early_death.death28 = true;
  early_death.sofa_change = std::nan("");
  early_death.death_day = 4.5;
  responder.death_day = 40.0; // dies after day 28, before day 90
  tally_patient(arm, mals, responder, {28.0});
  tally_patient(arm, immunoparalysis, early_death, {28.0});
  CHECK(arm.n == 2);
  CHECK(arm.n_by_label[mals] == 1);
  CHECK(arm.response.total == 1);
  CHECK(arm.response.by_label[mals] == 1);
  CHECK(arm.death28.total == 1);
  CHECK(arm.death28.by_label[immunoparalysis] == 1);
  CHECK(arm.early_deaths == 1);
  CHECK(arm.death90.total == 2);
  CHECK(arm.alive_at_follow_up.total == 1); // the responder, alive at day 28
  CHECK(arm.alive_at_follow_up.by_label[mals] == 1);
  CHECK(arm.sofa_change.n[mals] == 1);
  CHECK(arm.sofa_change.n[immunoparalysis] == 0); // only day-9 survivors have a change
  CHECK(arm.sofa_change.sum[mals] == 2.5);
  CHECK(arm.adverse[anaemia] == 1);

  ArmCounts control;
  control.add_patients(mals, 4);
  control.response.add(mals, 1);
  const TwoArmCounts c = two_arm_counts(&ArmCounts::response, arm, control, {true, false, false});
  CHECK(c.x_treatment == 1);
  CHECK(c.n_treatment == 1);
  CHECK(c.x_control == 1);
  CHECK(c.n_control == 4);
}

TEST_CASE("A look's verdict follows its boundaries", "[seams][gsd]") {
  const Scenario s = load_scenario(test::source_path("scenarios/validation/gsd_rates.toml"),
                                   {{"designs.main.looks.futility_z=[0.0, 0.0]"}});
  const Design& d = s.designs.at(0);
  REQUIRE(d.looks);
  const auto& b = d.looks->boundaries;
  CHECK(interim_decision(d, 0, b.efficacy_z[0] + 1e-9) == LookVerdict::efficacy);
  CHECK(interim_decision(d, 0, 0.0) == LookVerdict::futility); // inclusive, as rpact
  CHECK(interim_decision(d, 0, 0.5 * b.efficacy_z[0]) == LookVerdict::continue_trial);
  // No futility stop at the last look: the trial simply ends.
  CHECK(interim_decision(d, 2, -1.0) == LookVerdict::continue_trial);
}

TEST_CASE("The decision is made in one place: looks decide the primary hypothesis",
          "[seams][gsd]") {
  for (const char* level : {"patients", "counts"}) {
    const Scenario s = load_scenario(test::source_path("scenarios/validation/gsd_rates.toml"),
                                     {{"designs.main.looks.futility_z=[0.0, 0.0]"},
                                      {std::string("designs.main.simulation=\"") + level + "\""}});
    const Design& d = s.designs.at(0);
    int efficacy = 0, futility = 0, early = 0;
    for (std::uint32_t rep = 0; rep < 400; ++rep) {
      const ReplicateResult r = simulate_trial(s, 0, {7, 0, rep});
      INFO(level << " replicate " << rep);
      CHECK(r.hypotheses[0].reject == r.efficacy_stop);
      CHECK_FALSE((r.efficacy_stop && r.futility_stop));
      CHECK(r.stop_look < d.looks->count());
      // A trial that ended before the last look stopped for a reason.
      if (r.stop_look + 1u < d.looks->count()) {
        CHECK((r.efficacy_stop || r.futility_stop));
        CHECK(r.enrolled == static_cast<std::uint32_t>(d.looks->patients[r.stop_look]));
        ++early;
      }
      efficacy += r.efficacy_stop;
      futility += r.futility_stop;
    }
    CHECK(efficacy > 0);
    CHECK(futility > 0);
    CHECK(early > 0);
  }
}

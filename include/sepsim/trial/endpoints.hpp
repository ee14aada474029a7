// Endpoints: what is observed on an enrolled patient, when it becomes known,
// how it is tallied per arm and label, and which tests accept it. Every
// endpoint reads the same simulated patient (its Outcome), so designs and
// endpoints are compared on the same virtual patients.
//
// To add an endpoint: a field in Outcome (sim/cohort), a tally in ArmTallies,
// a row in kEndpoints with its tally function, and the tests that accept its
// scale (include/sepsim/stats/tests.hpp).
#pragma once

#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/select.hpp"
#include "sepsim/scenario/scenario.hpp"
#include "sepsim/stats/tests.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>
#include <utility>

namespace sepsim {

// Events of a binary endpoint, per label.
struct BinaryTally {
  std::array<std::uint32_t, kPhenotypes> by_label{};
  std::uint32_t total = 0;
  void add(Phenotype label, std::uint32_t events) {
    by_label[label] += events;
    total += events;
  }
};

// A continuous endpoint among the patients who have it (day-9 survivors for
// the SOFA change), per label: count, sum and sum of squares.
struct ContinuousTally {
  std::array<std::uint32_t, kPhenotypes> n{};
  std::array<double, kPhenotypes> sum{}, sum_sq{};
  void add(Phenotype label, double value) {
    ++n[label];
    sum[label] += value;
    sum_sq[label] += value * value;
  }
  // add(label, value) when keep, else nothing, without a branch on keep.
  void add_if(bool keep, Phenotype label, double value) {
    n[label] += keep;
    sum[label] = bit_select(keep, sum[label] + value, sum[label]);
    sum_sq[label] = bit_select(keep, sum_sq[label] + value * value, sum_sq[label]);
  }
};

// One arm of one replicate: its patients and every endpoint's tally.
struct ArmCounts {
  std::uint32_t n = 0;
  std::array<std::uint32_t, kPhenotypes> n_by_label{};
  BinaryTally response;           // primary: responder at day 9
  BinaryTally death28;            // death by day 28 (early deaths included)
  BinaryTally death90;            // death by day 90
  BinaryTally alive_at_follow_up; // alive at the design's follow_up_days (binary death endpoint)
  BinaryTally death_known;        // whose death by follow_up_days is known (its denominator)
  // Patients and deaths by day 28 with baseline SOFA < 10 and >= 10 (patient
  // level, when the covariates are drawn).
  std::array<std::uint32_t, 2> n_by_sofa10{}, death28_by_sofa10{};
  ContinuousTally sofa_change; // day-9 SOFA change of day-9 survivors
  // Day-28 ordinal status (index = category, worst first) and
  // organ-support-free days to day 28 (index = days + 1), per label, of the
  // patients whose day-28 outcome is known (OrdinalTally).
  std::array<std::array<std::uint32_t, kMaxOrdinalCategories>, kPhenotypes> ordinal_status{};
  std::array<std::array<std::uint32_t, kOrganSupportFreeValues>, kPhenotypes> support_free{};
  std::uint32_t early_deaths = 0;
  std::array<std::uint32_t, kAdverseEvents> adverse{};
  std::uint32_t matched = 0; // given the best treatment for their true phenotype
  std::uint32_t harmed = 0;  // respond on placebo, not on the treatment given
  void add_patients(Phenotype label, std::uint32_t count) {
    n += count;
    n_by_label[label] += count;
  }
};

enum class EndpointId : std::uint8_t {
  response_day9,
  sofa_change_day9,
  death_day28,
  death_day90,
  death_by_follow_up,
  ordinal_day28
};

// What a tally needs of the design.
struct TallyContext {
  double follow_up_days = 28.0;
  // Lost to follow-up on this day (infinity: followed to the end), and whether
  // a patient lost alive counts as a death (worst case) or is dropped.
  double loss_day = std::numeric_limits<double>::infinity();
  bool worst_case = false;
  // Whether the patients' day-28 ordinal outcomes were computed (else they
  // are not tallied: Observation's ordinal_).
  bool ordinal = true;
};

struct EndpointSpec {
  EndpointId id;
  std::string_view name;
  Scale scale;
  double known_after_days; // after enrolment
  // Tallies one patient's outcome (the patient is already counted in the arm).
  void (*tally)(ArmCounts& arm, Phenotype label, const Outcome& outcome,
                const TallyContext& context);
};

namespace endpoint_tally {
inline void response(ArmCounts& arm, Phenotype label, const Outcome& o, const TallyContext&) {
  arm.response.add(label, o.response); // no branch: a coin flip
}
inline void sofa_change(ArmCounts& arm, Phenotype label, const Outcome& o, const TallyContext&) {
  const bool finite = std::isfinite(o.sofa_change);
  arm.sofa_change.add_if(!o.early_death & finite, label, o.sofa_change);
}
inline void death28(ArmCounts& arm, Phenotype label, const Outcome& o, const TallyContext&) {
  arm.death28.add(label, o.death28);
  arm.early_deaths += o.early_death;
  if (o.baseline_sofa > 0) {
    const int severe = o.baseline_sofa >= 10 ? 1 : 0;
    ++arm.n_by_sofa10[severe];
    arm.death28_by_sofa10[severe] += o.death28;
  }
}
inline void death90(ArmCounts& arm, Phenotype label, const Outcome& o, const TallyContext&) {
  arm.death90.add(label, o.dies_by(90.0));
}
// The day-28 ordinal status and organ-support-free days: a patient lost alive
// before day 28 is left out (complete cases) or takes the worst value (worst
// case: death).
inline bool lost_before_day28(const Outcome& o, const TallyContext& context) {
  return context.loss_day < 28.0 && !o.dies_by(context.loss_day);
}
inline void ordinal(ArmCounts& arm, Phenotype label, const Outcome& o,
                    const TallyContext& context) {
  if (!context.ordinal) return;
  const bool lost = lost_before_day28(o, context);
  if (lost && !context.worst_case) return;
  ++arm.ordinal_status[label][lost ? 0 : o.ordinal_status];
  ++arm.support_free[label][lost ? 0 : o.organ_support_free_days + 1];
}
inline void death_follow_up(ArmCounts& arm, Phenotype label, const Outcome& o,
                            const TallyContext& context) {
  const double day = context.follow_up_days;
  const bool lost = context.loss_day < day && !o.dies_by(context.loss_day);
  if (lost && !context.worst_case) return; // complete cases: not known
  arm.death_known.add(label, 1);
  arm.alive_at_follow_up.add(label, !lost & !o.dies_by(day));
}
} // namespace endpoint_tally

inline constexpr std::array<EndpointSpec, 6> kEndpoints = {{
    {EndpointId::response_day9, "response_day9", Scale::binary, 9.0, endpoint_tally::response},
    {EndpointId::sofa_change_day9, "sofa_change_day9", Scale::continuous, 9.0,
     endpoint_tally::sofa_change},
    {EndpointId::death_day28, "death_day28", Scale::binary, 28.0, endpoint_tally::death28},
    {EndpointId::death_day90, "death_day90", Scale::binary, 90.0, endpoint_tally::death90},
    // Known follow_up_days after enrolment (28 by default).
    {EndpointId::death_by_follow_up, "death_by_follow_up", Scale::binary, 28.0,
     endpoint_tally::death_follow_up},
    // The day-28 ordinal status, organ-support-free days and the composite.
    {EndpointId::ordinal_day28, "ordinal_day28", Scale::ordinal, 28.0, endpoint_tally::ordinal},
}};

inline const EndpointSpec& endpoint_spec(EndpointId id) {
  return kEndpoints[static_cast<std::size_t>(id)];
}

// The endpoint a design's primary test analyses: the SOFA change for
// continuous tests, the day of death for time-to-event tests, else the day-9
// response or death by the follow-up day.
inline EndpointId primary_endpoint(const Analysis& analysis) {
  switch (test_spec(analysis.test).scale) {
  case Scale::continuous:
    return EndpointId::sofa_change_day9;
  case Scale::time_to_event:
    return EndpointId::death_by_follow_up;
  case Scale::ordinal:
    return EndpointId::ordinal_day28;
  default:
    return analysis.endpoint == PrimaryEndpoint::death ? EndpointId::death_by_follow_up
                                                       : EndpointId::response_day9;
  }
}

// The binary tally a design's binary tests count as successes: responders,
// or survivors at the follow-up day.
inline BinaryTally ArmCounts::*primary_tally(const Analysis& analysis) {
  return analysis.endpoint == PrimaryEndpoint::death ? &ArmCounts::alive_at_follow_up
                                                     : &ArmCounts::response;
}

// Every endpoint's tally, each called by its constant index (inlined; a loop
// over kEndpoints called them through pointers).
template <std::size_t... I>
inline void tally_endpoints(ArmCounts& arm, Phenotype label, const Outcome& outcome,
                            const TallyContext& context, std::index_sequence<I...>) {
  (std::get<I>(kEndpoints).tally(arm, label, outcome, context), ...);
}

// Counts one enrolled patient in its arm and every endpoint's tally.
inline void tally_patient(ArmCounts& arm, Phenotype label, const Outcome& outcome,
                          const TallyContext& context) {
  arm.add_patients(label, 1);
  tally_endpoints(arm, label, outcome, context, std::make_index_sequence<kEndpoints.size()>{});
  for (int a = 0; a < kAdverseEvents; ++a)
    arm.adverse[a] += outcome.adverse[a];
}

// A binary endpoint's two-arm counts over the labels of a hypothesis.
TwoArmCounts two_arm_counts(const BinaryTally ArmCounts::*endpoint, const ArmCounts& treatment,
                            const ArmCounts& control, const std::array<bool, kPhenotypes>& labels);

} // namespace sepsim

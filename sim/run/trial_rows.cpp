#include "sepsim/run/trial_rows.hpp"

#include <cmath>

namespace sepsim {

namespace {
// The mean category of the day-28 ordinal status over every label; NaN
// where no patient's status was tallied (count level).
double ordinal_mean(const ArmCounts& arm) {
  double sum = 0.0, n = 0.0;
  for (const auto& by_category : arm.ordinal_status)
    for (std::size_t k = 0; k < by_category.size(); ++k) {
      sum += static_cast<double>(k) * by_category[k];
      n += by_category[k];
    }
  return n > 0.0 ? sum / n : std::nan("");
}
} // namespace

TrialRow trial_row(const Design& design, const ReplicateResult& r, std::uint64_t replicate,
                   std::uint32_t grid_point) {
  TrialRow row;
  row.replicate = replicate;
  row.grid_point = grid_point;
  const HypothesisResult& primary = r.hypotheses[0];
  row.z = primary.z;
  row.p = primary.p;
  row.estimate = primary.difference;
  row.ci_low = primary.ci_low;
  row.ci_high = primary.ci_high;
  row.rejected = primary.reject ? 1 : 0;
  row.stop_look = r.stop_look;
  row.efficacy_stop = r.efficacy_stop ? 1 : 0;
  row.futility_stop = r.futility_stop ? 1 : 0;
  row.enrolled = r.enrolled;
  row.screened = r.screened;
  row.events = design.looks && design.looks->by_events() ? r.events : std::nan("");
  for (std::size_t a = 0; a < design.arms.size(); ++a) {
    const ArmCounts& c = r.arms[a];
    TrialArmRow& arm = row.arms[a];
    arm.patients = c.n;
    arm.responders = c.response.total;
    arm.deaths28 = c.death28.total;
    arm.deaths90 = c.death90.total;
    arm.ordinal_mean = ordinal_mean(c);
  }
  return row;
}

std::vector<TrialTableDesign> trial_tables(const Scenario& scenario) {
  std::vector<TrialTableDesign> tables;
  for (const Design& d : scenario.designs) {
    TrialTableDesign t{d.name, {}};
    for (const Arm& arm : d.arms)
      t.arms.push_back(arm.name);
    tables.push_back(std::move(t));
  }
  return tables;
}

} // namespace sepsim

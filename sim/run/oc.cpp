#include "sepsim/run/oc.hpp"

#include <cmath>
#include <cstddef>
#include <cstdio>

namespace sepsim {

double mean_sd(double sum, double sum_sq, std::uint64_t m) {
  if (m < 2) return 0.0;
  const double mean = sum / m;
  const double var = (sum_sq - m * mean * mean) / (m - 1);
  return var > 0.0 ? std::sqrt(var) : 0.0;
}

Estimate mean_estimate(double sum, double sum_sq, std::uint64_t m) {
  if (m == 0) return {};
  return {sum / m, mean_sd(sum, sum_sq, m) / std::sqrt(static_cast<double>(m))};
}

double MeanAccumulator::sd() const {
  return mean_sd(sum_, sum_sq_, m_);
}

Estimate MeanAccumulator::estimate() const {
  return mean_estimate(sum_, sum_sq_, m_);
}

Estimate ratio_estimate(double sx, double sn, double sxx, double snn, double sxn, std::uint64_t m) {
  if (m == 0 || sn <= 0.0) return {std::nan(""), std::nan("")};
  const double ratio = sx / sn;
  if (m < 2) return {ratio, 0.0};
  const double residual_ss = sxx - 2.0 * ratio * sxn + ratio * ratio * snn;
  const double mean_n = sn / m;
  const double var = std::max(0.0, residual_ss) / (m - 1) / m / (mean_n * mean_n);
  return {ratio, std::sqrt(var)};
}

Estimate RatioAccumulator::estimate() const {
  return ratio_estimate(sx_, sn_, sxx_, snn_, sxn_, m_);
}

namespace {
// RMSE = sqrt(mean squared error); its MCSE by the delta method.
Estimate root_mean(const Estimate& mse) {
  const double rmse = std::sqrt(mse.value);
  return {rmse, rmse > 0.0 ? mse.mcse / (2.0 * rmse) : 0.0};
}

// Looks with several hypotheses: tested in the stage ending at look k, and
// rejected at look k.
void add_looks(std::vector<MeanAccumulator>& selected, std::vector<MeanAccumulator>& rejected,
               const HypothesisResult& result) {
  for (std::size_t k = 0; k < selected.size(); ++k) {
    selected[k].add(result.stages_tested > k ? 1.0 : 0.0);
    rejected[k].add(result.reject_look == k ? 1.0 : 0.0);
  }
}
} // namespace

DesignAccumulator::DesignAccumulator(const Design& design)
    : design_(design), hypotheses_(design.analysis.hypotheses.size()),
      reject_look_(design.look_count()), futility_look_(design.look_count()),
      harm_look_(design.looks && design.looks->has_harm() ? design.look_count() : 0),
      arms_(design.arms.size()) {
  if (design.staged())
    for (Hypothesis& h : hypotheses_) {
      h.selected.resize(design.look_count());
      h.rejected.resize(design.look_count());
    }
}

// Stops (and, with several hypotheses, the primary's rejection) per look.
void DesignAccumulator::add_per_look(const ReplicateResult& r) {
  for (std::size_t k = 0; k < reject_look_.size(); ++k) {
    const bool here = !design_.looks || r.stop_look == k;
    // Several hypotheses: the look that rejected the primary, stopping or not.
    const bool rejected_here =
        design_.staged() ? r.hypotheses[0].reject_look == k : here && r.hypotheses[0].reject;
    reject_look_[k].add(rejected_here ? 1.0 : 0.0);
    futility_look_[k].add(here && r.futility_stop ? 1.0 : 0.0);
    if (k < harm_look_.size()) harm_look_[k].add(here && r.harm_stop ? 1.0 : 0.0);
  }
}

// Each arm's patients and rates.
void DesignAccumulator::add_arms(const ReplicateResult& r) {
  for (std::size_t a = 0; a < arms_.size(); ++a) {
    const ArmCounts& c = r.arms[a];
    Arm& acc = arms_[a];
    acc.patients.add(c.n);
    acc.response_rate.add(c.n ? static_cast<double>(c.response.total) / c.n : 0.0);
    acc.per_patient.add({double(c.response.total), double(c.matched)}, c.n);
    if (design_.secondary_outcomes) {
      std::array<double, kSecondaryPerPatient> rates{};
      rates[kMortality28] = c.death28.total;
      rates[kEarlyDeath] = c.early_deaths;
      rates[kMortality90] = c.death90.total;
      rates[kHarmed] = c.harmed;
      for (int e = 0; e < kAdverseEvents; ++e)
        rates[kAdverse + e] = c.adverse[e];
      acc.secondary.add(rates, c.n);
    }
    for (int g = 0; g < 2; ++g)
      acc.mortality28_by_sofa10[g].add(c.death28_by_sofa10[g], c.n_by_sofa10[g]);
    for (int l = 0; l < kPhenotypes; ++l)
      acc.response_by_label[l].add(c.response.by_label[l], c.n_by_label[l]);
  }
}

void DesignAccumulator::add(const ReplicateResult& r) {
  bool any = false, false_rejection = false;
  for (std::size_t h = 0; h < hypotheses_.size(); ++h) {
    const HypothesisResult& result = r.hypotheses[h];
    Hypothesis& acc = hypotheses_[h];
    const double error = result.difference - result.true_difference;
    std::array<double, kHypothesisMeans> x;
    x[kPower] = result.reject ? 1.0 : 0.0;
    x[kFailures] = result.failed ? 1.0 : 0.0;
    x[kEstimate] = result.difference;
    x[kTrueDifference] = result.true_difference;
    x[kError] = error;
    x[kSquaredError] = error * error;
    x[kCoverage] =
        result.ci_low <= result.true_difference && result.true_difference <= result.ci_high ? 1.0
                                                                                            : 0.0;
    x[kDroppedForHarm] = result.harm_look != HypothesisResult::kNever ? 1.0 : 0.0;
    acc.means.add(x);
    if (design_.secondary_outcomes) add_mortality(acc, result);
    acc.interaction.add(result.interaction_reject ? 1.0 : 0.0,
                        result.interaction_tested ? 1.0 : 0.0);
    add_looks(acc.selected, acc.rejected, result);
    if (h == 0 && design_.looks && design_.looks->stagewise) add_adjusted(acc, result);
    any = any || result.reject;
    false_rejection = false_rejection || (result.reject && result.true_difference <= 1e-12);
  }
  add_per_look(r);
  std::array<double, kDesignMeans> x;
  x[kAnyRejection] = any ? 1.0 : 0.0;
  x[kHarmStop] = r.harm_stop ? 1.0 : 0.0;
  for (std::size_t i = 0; i < kImbalanceKinds; ++i)
    x[kImbalance + i] = r.imbalance[i];
  x[kFamilyWiseError] = false_rejection ? 1.0 : 0.0;
  x[kEnrolled] = r.enrolled;
  x[kDuration] = r.duration_months;
  if (design_.looks && design_.looks->by_events()) {
    events_.add(r.events);
    events_not_reached_.add(r.events_not_reached ? 1.0 : 0.0);
  }
  x[kIncreased] = r.increased ? 1.0 : 0.0;
  x[kScreened] = r.screened;
  x[kExcluded] = r.excluded;
  screened_per_enrolled_.add(r.screened, r.enrolled);
  for (int l = 0; l < kPhenotypes; ++l) {
    double label_total = 0.0, phenotype_total = 0.0;
    for (int p = 0; p < kPhenotypes; ++p) {
      label_total += r.enrolled_label_phenotype[l][p];
      phenotype_total += r.enrolled_label_phenotype[p][l];
    }
    x[kByLabel + l] = label_total;
    x[kByPhenotype + l] = phenotype_total;
    purity_[l].add(r.enrolled_label_phenotype[l][l], label_total);
  }
  means_.add(x);
  add_arms(r);
}

namespace {
std::string policy_text(const Scenario& s, const Design& d, const sepsim::Arm& arm) {
  int first = -2;
  bool same = true;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!d.eligible_label[l]) continue;
    if (first == -2) first = arm.treatment_by_label[l];
    same = same && arm.treatment_by_label[l] == first;
  }
  if (same && first >= 0) return s.treatments[first].name;
  std::string out;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!d.eligible_label[l]) continue;
    out += (out.empty() ? "" : ", ") + std::string(kPhenotypeNames[l]) + "->" +
           s.treatments[arm.treatment_by_label[l]].name;
  }
  return out;
}
} // namespace

namespace {
// A replicate-to-replicate SD with the SE of a normal-theory SD, sd / sqrt(2 (m - 1)).
Estimate spread(double sd, std::uint64_t count) {
  const auto m = static_cast<double>(count);
  return {sd, m > 1 ? sd / std::sqrt(2.0 * (m - 1)) : 0.0};
}
} // namespace

void DesignAccumulator::add_mortality(Hypothesis& acc, const HypothesisResult& result) {
  std::array<double, kMortalityMeans> x;
  x[kMortality] = result.mortality_difference;
  x[kMortalityTrue] = result.true_mortality_difference;
  x[kMortalityCoverage] = result.mortality_ci_low <= result.true_mortality_difference &&
                                  result.true_mortality_difference <= result.mortality_ci_high
                              ? 1.0
                              : 0.0;
  x[kMortalityPower] = result.mortality_reject ? 1.0 : 0.0;
  acc.mortality.add(x);
}

void DesignAccumulator::add_adjusted(Hypothesis& acc, const HypothesisResult& result) {
  const double error = result.adjusted_difference - result.true_difference;
  acc.adjusted.add(result.adjusted_difference);
  acc.adjusted_error.add(error);
  acc.adjusted_squared_error.add(error * error);
  acc.adjusted_coverage.add(result.adjusted_ci_low <= result.true_difference &&
                                    result.true_difference <= result.adjusted_ci_high
                                ? 1.0
                                : 0.0);
}

HypothesisSummary DesignAccumulator::hypothesis_summary(std::size_t h) const {
  const Hypothesis& acc = hypotheses_[h];
  const sepsim::Hypothesis& spec = design_.analysis.hypotheses[h];
  HypothesisSummary out;
  out.name = spec.name;
  out.treatment_arm = design_.arms[spec.treatment_arm].name;
  out.control_arm = design_.arms[spec.control_arm].name;
  for (int l = 0; l < kPhenotypes; ++l)
    if (spec.labels[l] && design_.eligible_label[l])
      out.labels += (out.labels.empty() ? "" : ", ") + std::string(kPhenotypeNames[l]);
  out.power = acc.means.estimate(kPower);
  out.estimate_mean = acc.means.estimate(kEstimate);
  out.true_difference = acc.means.estimate(kTrueDifference);
  out.bias = acc.means.estimate(kError);
  // RMSE = sqrt(mean squared error); its MCSE by the delta method.
  out.rmse = root_mean(acc.means.estimate(kSquaredError));
  out.ci_coverage = acc.means.estimate(kCoverage);
  out.analysis_failures = acc.means.estimate(kFailures);
  out.mortality_estimate_mean = acc.mortality.estimate(kMortality);
  out.mortality_true_difference = acc.mortality.estimate(kMortalityTrue);
  out.mortality_ci_coverage = acc.mortality.estimate(kMortalityCoverage);
  out.mortality_power = acc.mortality.estimate(kMortalityPower);
  if (!design_.secondary_outcomes) // not simulated
    out.mortality_estimate_mean = out.mortality_true_difference = out.mortality_ci_coverage =
        out.mortality_power = Estimate{std::nan(""), std::nan("")};
  out.interaction_power = acc.interaction.estimate();
  if (h == 0 && design_.looks && design_.looks->stagewise) {
    out.adjusted = true;
    out.adjusted_mean = acc.adjusted.estimate();
    out.adjusted_bias = acc.adjusted_error.estimate();
    out.adjusted_rmse = root_mean(acc.adjusted_squared_error.estimate());
    out.adjusted_ci_coverage = acc.adjusted_coverage.estimate();
  }
  for (std::size_t k = 0; k < acc.selected.size(); ++k) {
    out.selected_per_look.push_back(acc.selected[k].estimate());
    out.rejected_per_look.push_back(acc.rejected[k].estimate());
  }
  out.harm = design_.staged() && design_.looks->has_harm();
  out.dropped_for_harm = acc.means.estimate(kDroppedForHarm);
  return out;
}

ArmSummary DesignAccumulator::arm_summary(const Scenario& scenario, std::size_t a) const {
  const Arm& acc = arms_[a];
  ArmSummary s;
  s.name = design_.arms[a].name;
  s.policy = policy_text(scenario, design_, design_.arms[a]);
  s.patients = acc.patients.estimate();
  s.response_rate = acc.per_patient.estimate(kResponse);
  s.response_rate_sd = spread(acc.response_rate.sd(), acc.response_rate.count());
  s.mortality28 = acc.secondary.estimate(kMortality28);
  s.early_death = acc.secondary.estimate(kEarlyDeath);
  s.mortality90 = acc.secondary.estimate(kMortality90);
  for (int g = 0; g < 2; ++g)
    s.mortality28_by_sofa10[g] = acc.mortality28_by_sofa10[g].estimate();
  s.matched_drug = acc.per_patient.estimate(kMatched);
  s.harmed_by_drug = scenario.placebo >= 0 ? acc.secondary.estimate(kHarmed)
                                           : Estimate{std::nan(""), std::nan("")};
  for (int l = 0; l < kPhenotypes; ++l)
    s.response_by_label[l] = acc.response_by_label[l].estimate();
  for (int e = 0; e < kAdverseEvents; ++e)
    s.adverse_events[e] = acc.secondary.estimate(kAdverse + e);
  if (!design_.secondary_outcomes) { // not simulated
    const Estimate none{std::nan(""), std::nan("")};
    s.mortality28 = s.early_death = s.mortality90 = s.harmed_by_drug = none;
    s.adverse_events.fill(none);
  }
  return s;
}

namespace {
std::string endpoint_name(const Design& design) {
  const EndpointId id = primary_endpoint(design.analysis);
  if (id == EndpointId::ordinal_day28)
    return std::string(kPrimaryEndpointNames[static_cast<int>(design.analysis.endpoint)]) +
           "_day28";
  if (id != EndpointId::death_by_follow_up) return std::string(endpoint_spec(id).name);
  char text[48];
  std::snprintf(text, sizeof text, "death_by_day_%g", design.follow_up_days);
  return text;
}
} // namespace

DesignSummary DesignAccumulator::summary(const Scenario& scenario) const {
  DesignSummary d;
  d.name = design_.name;
  d.label = design_.label;
  const Analysis& analysis = design_.analysis;
  d.test = kTestNames[static_cast<int>(analysis.test)];
  d.endpoint = endpoint_name(design_);
  d.multiplicity = kMultiplicityNames[static_cast<int>(analysis.multiplicity)];
  d.alpha = analysis.alpha;
  d.sided = analysis.sided;
  d.sample_size = design_.sample_size;
  for (std::size_t h = 0; h < hypotheses_.size(); ++h)
    d.hypotheses.push_back(hypothesis_summary(h));
  const HypothesisSummary& primary = d.hypotheses.front();
  d.treatment_arm = primary.treatment_arm;
  d.control_arm = primary.control_arm;
  d.power = primary.power;
  d.estimate_mean = primary.estimate_mean;
  d.true_difference = primary.true_difference;
  d.bias = primary.bias;
  d.rmse = primary.rmse;
  d.ci_coverage = primary.ci_coverage;
  d.adjusted = primary.adjusted;
  d.adjusted_mean = primary.adjusted_mean;
  d.adjusted_bias = primary.adjusted_bias;
  d.adjusted_rmse = primary.adjusted_rmse;
  d.adjusted_ci_coverage = primary.adjusted_ci_coverage;
  d.any_rejection = means_.estimate(kAnyRejection);
  for (std::size_t i = 0; i < kImbalanceKinds; ++i)
    d.imbalance[i] = means_.estimate(kImbalance + i);
  d.family_wise_error = means_.estimate(kFamilyWiseError);
  d.expected_n = means_.estimate(kEnrolled);
  d.final_n_sd = spread(means_.sd(kEnrolled), means_.count());
  d.expected_duration_months = means_.estimate(kDuration);
  d.sample_size_increased = means_.estimate(kIncreased);
  if (const auto& looks = design_.looks; looks && looks->by_events()) {
    d.event_driven = true;
    d.expected_events = events_.estimate();
    d.events_not_reached = events_not_reached_.estimate();
  }
  if (const auto& looks = design_.looks)
    for (std::size_t k = 0; k < looks->count(); ++k) {
      if (looks->by_events())
        d.look_events.push_back(looks->events[k]);
      else
        d.look_patients.push_back(looks->patients[k]);
      d.efficacy_z.push_back(looks->boundaries.efficacy_z[k]);
      d.futility_z.push_back(looks->boundaries.futility_z[k]);
    }
  if (const auto& looks = design_.looks; looks && looks->has_harm()) {
    d.has_harm = true;
    d.harm_z = looks->boundaries.harm_z;
    for (const MeanAccumulator& acc : harm_look_)
      d.harm_per_look.push_back(acc.estimate().value);
    d.harm_stop = means_.estimate(kHarmStop);
  }
  for (std::size_t k = 0; k < reject_look_.size(); ++k) {
    d.reject_per_look.push_back(reject_look_[k].estimate().value);
    d.futility_per_look.push_back(futility_look_[k].estimate().value);
  }
  for (int l = 0; l < kPhenotypes; ++l) {
    d.enrolled_by_label[l] = means_.estimate(kByLabel + l);
    d.enrolled_by_phenotype[l] = means_.estimate(kByPhenotype + l);
    d.label_purity[l] = purity_[l].estimate();
  }
  d.screened = means_.estimate(kScreened);
  d.excluded = means_.estimate(kExcluded);
  d.screened_per_enrolled = screened_per_enrolled_.estimate();
  for (std::size_t a = 0; a < arms_.size(); ++a)
    d.arms.push_back(arm_summary(scenario, a));
  return d;
}

PointAccumulator::PointAccumulator(const Scenario& scenario)
    : scenario_(&scenario), n_designs_(scenario.designs.size()),
      power_differences_(n_designs_ * (n_designs_ - 1) / 2) {
  for (const auto& d : scenario.designs)
    accumulators_.emplace_back(d);
}

void PointAccumulator::add(const ReplicateResult* const* replicate) {
  for (std::size_t d = 0; d < n_designs_; ++d)
    accumulators_[d].add(*replicate[d]);
  std::size_t pair = 0;
  for (std::size_t a = 0; a < n_designs_; ++a)
    for (std::size_t b = a + 1; b < n_designs_; ++b)
      power_differences_[pair++].add(double(replicate[a]->hypotheses[0].reject) -
                                     double(replicate[b]->hypotheses[0].reject));
}

PointSummary PointAccumulator::summary() const {
  PointSummary point;
  for (const auto& acc : accumulators_)
    point.designs.push_back(acc.summary(*scenario_));
  std::size_t pair = 0;
  for (std::size_t a = 0; a < n_designs_; ++a)
    for (std::size_t b = a + 1; b < n_designs_; ++b)
      point.comparisons.push_back({scenario_->designs[a].name, scenario_->designs[b].name,
                                   power_differences_[pair++].estimate()});
  return point;
}

} // namespace sepsim

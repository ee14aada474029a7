#include "sepsim/oc.hpp"

#include <cmath>

namespace sepsim {

double MeanAccumulator::sd() const {
  if (m_ < 2) return 0.0;
  const double mean = sum_ / m_;
  const double var = (sum_sq_ - m_ * mean * mean) / (m_ - 1);
  return var > 0.0 ? std::sqrt(var) : 0.0;
}

Estimate MeanAccumulator::estimate() const {
  if (m_ == 0) return {};
  return {sum_ / m_, sd() / std::sqrt(static_cast<double>(m_))};
}

Estimate RatioAccumulator::estimate() const {
  if (m_ == 0 || sn_ <= 0.0) return {std::nan(""), std::nan("")};
  const double ratio = sx_ / sn_;
  if (m_ < 2) return {ratio, 0.0};
  const double residual_ss = sxx_ - 2.0 * ratio * sxn_ + ratio * ratio * snn_;
  const double mean_n = sn_ / m_;
  const double var = std::max(0.0, residual_ss) / (m_ - 1) / m_ / (mean_n * mean_n);
  return {ratio, std::sqrt(var)};
}

DesignAccumulator::DesignAccumulator(const Design& design)
    : design_(design), arms_(design.arms.size()) {}

void DesignAccumulator::add(const ReplicateResult& r) {
  power_.add(r.reject ? 1.0 : 0.0);
  enrolled_.add(r.enrolled);
  estimate_.add(r.difference);
  true_difference_.add(r.true_difference);
  error_.add(r.difference - r.true_difference);
  squared_error_.add((r.difference - r.true_difference) * (r.difference - r.true_difference));
  coverage_.add(r.ci_low <= r.true_difference && r.true_difference <= r.ci_high ? 1.0 : 0.0);
  screened_.add(r.screened);
  screened_per_enrolled_.add(r.screened, r.enrolled);
  for (int l = 0; l < kPhenotypes; ++l) {
    double label_total = 0.0, phenotype_total = 0.0;
    for (int p = 0; p < kPhenotypes; ++p) {
      label_total += r.enrolled_label_phenotype[l][p];
      phenotype_total += r.enrolled_label_phenotype[p][l];
    }
    by_label_[l].add(label_total);
    by_phenotype_[l].add(phenotype_total);
    purity_[l].add(r.enrolled_label_phenotype[l][l], label_total);
  }
  for (std::size_t a = 0; a < arms_.size(); ++a) {
    const ArmCounts& c = r.arms[a];
    Arm& acc = arms_[a];
    acc.patients.add(c.n);
    acc.response_rate.add(c.n ? static_cast<double>(c.responders) / c.n : 0.0);
    acc.response.add(c.responders, c.n);
    acc.mortality28.add(c.deaths28, c.n);
    acc.early_death.add(c.early_deaths, c.n);
    acc.matched.add(c.matched, c.n);
    acc.harmed.add(c.harmed, c.n);
    for (int l = 0; l < kPhenotypes; ++l)
      acc.response_by_label[l].add(c.responders_by_label[l], c.n_by_label[l]);
    for (int e = 0; e < kAdverseEvents; ++e)
      acc.adverse[e].add(c.adverse[e], c.n);
  }
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

DesignSummary DesignAccumulator::summary(const Scenario& scenario) const {
  DesignSummary d;
  d.name = design_.name;
  d.treatment_arm = design_.arms[design_.analysis.treatment_arm].name;
  d.control_arm = design_.arms[design_.analysis.control_arm].name;
  d.test = kTestNames[static_cast<int>(design_.analysis.test)];
  d.alpha = design_.analysis.alpha;
  d.sided = design_.analysis.sided;
  d.sample_size = design_.sample_size;
  d.power = power_.estimate();
  d.expected_n = enrolled_.estimate();
  d.reject_per_look = {d.power.value};
  d.futility_per_look = {0.0};
  d.estimate_mean = estimate_.estimate();
  d.true_difference = true_difference_.estimate();
  d.bias = error_.estimate();
  // RMSE = sqrt(mean squared error); its MCSE by the delta method.
  const Estimate mse = squared_error_.estimate();
  const double rmse = std::sqrt(mse.value);
  d.rmse = {rmse, rmse > 0.0 ? mse.mcse / (2.0 * rmse) : 0.0};
  d.ci_coverage = coverage_.estimate();
  for (int l = 0; l < kPhenotypes; ++l) {
    d.enrolled_by_label[l] = by_label_[l].estimate();
    d.enrolled_by_phenotype[l] = by_phenotype_[l].estimate();
    d.label_purity[l] = purity_[l].estimate();
  }
  d.screened = screened_.estimate();
  d.screened_per_enrolled = screened_per_enrolled_.estimate();
  for (std::size_t a = 0; a < arms_.size(); ++a) {
    const Arm& acc = arms_[a];
    ArmSummary s;
    s.name = design_.arms[a].name;
    s.policy = policy_text(scenario, design_, design_.arms[a]);
    s.patients = acc.patients.estimate();
    s.response_rate = acc.response.estimate();
    // SE of a normal-theory SD: sd / sqrt(2 (m - 1)).
    const double sd = acc.response_rate.sd();
    const auto m = static_cast<double>(acc.response_rate.count());
    s.response_rate_sd = {sd, m > 1 ? sd / std::sqrt(2.0 * (m - 1)) : 0.0};
    s.mortality28 = acc.mortality28.estimate();
    s.early_death = acc.early_death.estimate();
    s.matched_drug = acc.matched.estimate();
    s.harmed_by_drug =
        scenario.placebo >= 0 ? acc.harmed.estimate() : Estimate{std::nan(""), std::nan("")};
    for (int l = 0; l < kPhenotypes; ++l)
      s.response_by_label[l] = acc.response_by_label[l].estimate();
    for (int e = 0; e < kAdverseEvents; ++e)
      s.adverse_events[e] = acc.adverse[e].estimate();
    d.arms.push_back(std::move(s));
  }
  return d;
}

} // namespace sepsim

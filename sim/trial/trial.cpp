#include "sepsim/trial/trial.hpp"

#include "sepsim/cohort/cohort.hpp"
#include "sepsim/stats/multiplicity.hpp"
#include "sepsim/stats/tests.hpp"
#include "sepsim/trial/randomisation.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/random/exponential_distribution.hpp>

#include <algorithm>
#include <cmath>
#include <optional>

namespace sepsim {

namespace {

// The hypothesis's estimand in this replicate, from the true phenotypes of its
// enrolled patients: the expected difference in response probability, or for
// continuous tests in the mean SOFA change of day-9 survivors.
double true_difference(const Scenario& scenario, const Design& design, const Hypothesis& hyp,
                       const ReplicateResult& r) {
  const bool continuous = continuous_endpoint(design.analysis.test);
  double t_sum = 0.0, t_weight = 0.0, c_sum = 0.0, c_weight = 0.0;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l] || !design.eligible_label[l]) continue;
    const Treatment& on_t =
        scenario.treatments[design.arms[hyp.treatment_arm].treatment_by_label[l]];
    const Treatment& on_c = scenario.treatments[design.arms[hyp.control_arm].treatment_by_label[l]];
    for (int ph = 0; ph < kPhenotypes; ++ph) {
      const double n = r.enrolled_label_phenotype[l][ph];
      if (n == 0) continue;
      if (!continuous) {
        t_sum += n * on_t.response[ph];
        c_sum += n * on_c.response[ph];
        t_weight += n;
        c_weight += n;
        continue;
      }
      const double alive_t = n * (1.0 - on_t.early_death[ph]);
      const double alive_c = n * (1.0 - on_c.early_death[ph]);
      t_sum += alive_t * on_t.sofa_change_mean[ph];
      c_sum += alive_c * on_c.sofa_change_mean[ph];
      t_weight += alive_t;
      c_weight += alive_c;
    }
  }
  if (t_weight <= 0.0 || c_weight <= 0.0) return 0.0;
  return t_sum / t_weight - c_sum / c_weight;
}

// Secondary analyses of a hypothesis: 28-day mortality and the
// treatment-by-label interaction of the primary response.
void secondary_analyses(const Scenario& scenario, const Design& design, const Hypothesis& hyp,
                        const ReplicateResult& r, HypothesisResult& out) {
  const ArmCounts& t = r.arms[hyp.treatment_arm];
  const ArmCounts& c = r.arms[hyp.control_arm];
  TwoArmCounts deaths; // "treatment" = control here: a reduction is the success
  double true_sum = 0.0, patients = 0.0;
  double q = 0.0, weight_sum = 0.0, weighted_sum = 0.0, weighted_sq = 0.0;
  int strata = 0;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l]) continue;
    deaths.x_treatment += static_cast<int>(c.deaths28_by_label[l]);
    deaths.n_treatment += static_cast<int>(c.n_by_label[l]);
    deaths.x_control += static_cast<int>(t.deaths28_by_label[l]);
    deaths.n_control += static_cast<int>(t.n_by_label[l]);
    if (t.n_by_label[l] > 0 && c.n_by_label[l] > 0) {
      const double pt = double(t.responders_by_label[l]) / t.n_by_label[l];
      const double pc = double(c.responders_by_label[l]) / c.n_by_label[l];
      // Pooled within the label: the Wald variance is anti-conservative in
      // small labels (MALS has ~23 patients an arm).
      const double pooled = double(t.responders_by_label[l] + c.responders_by_label[l]) /
                            (t.n_by_label[l] + c.n_by_label[l]);
      const double variance =
          pooled * (1 - pooled) * (1.0 / t.n_by_label[l] + 1.0 / c.n_by_label[l]);
      if (variance > 0.0) {
        const double w = 1.0 / variance, d = pt - pc;
        weight_sum += w;
        weighted_sum += w * d;
        weighted_sq += w * d * d;
        ++strata;
      }
    }
    if (!design.eligible_label[l]) continue;
    const Treatment& on_t =
        scenario.treatments[design.arms[hyp.treatment_arm].treatment_by_label[l]];
    const Treatment& on_c = scenario.treatments[design.arms[hyp.control_arm].treatment_by_label[l]];
    for (int ph = 0; ph < kPhenotypes; ++ph) {
      auto mortality = [&](const Treatment& tr) {
        return tr.response[ph] * scenario.mortality28.responder[ph] +
               (1.0 - tr.response[ph]) * scenario.mortality28.non_responder[ph];
      };
      const double n = r.enrolled_label_phenotype[l][ph];
      true_sum += n * (mortality(on_t) - mortality(on_c));
      patients += n;
    }
  }
  const RiskDifference m =
      risk_difference({deaths.x_control, deaths.n_control, deaths.x_treatment, deaths.n_treatment});
  out.mortality_difference = m.estimate;
  out.mortality_ci_low = m.ci_low;
  out.mortality_ci_high = m.ci_high;
  out.true_mortality_difference = patients > 0 ? true_sum / patients : 0.0;
  out.mortality_reject = pooled_z(deaths) >= design.analysis.critical_z;
  out.interaction_tested = strata >= 2;
  if (out.interaction_tested) {
    q = weighted_sq - weighted_sum * weighted_sum / weight_sum;
    out.interaction_reject = q >= design.analysis.interaction_critical[strata - 1];
  }
}

HypothesisData hypothesis_data(const Hypothesis& hyp, const ReplicateResult& r,
                               const std::vector<PatientRecord>& records) {
  HypothesisData data;
  data.records = &records;
  data.treatment_arm = hyp.treatment_arm;
  data.control_arm = hyp.control_arm;
  data.labels = hyp.labels;
  const ArmCounts& t = r.arms[hyp.treatment_arm];
  const ArmCounts& c = r.arms[hyp.control_arm];
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l]) continue;
    const TwoArmCounts k{
        static_cast<int>(t.responders_by_label[l]), static_cast<int>(t.n_by_label[l]),
        static_cast<int>(c.responders_by_label[l]), static_cast<int>(c.n_by_label[l])};
    data.by_label[l] = k;
    data.total.x_treatment += k.x_treatment;
    data.total.n_treatment += k.n_treatment;
    data.total.x_control += k.x_control;
    data.total.n_control += k.n_control;
    data.alive_t += t.survivors_by_label[l];
    data.sum_t += t.change_sum_by_label[l];
    data.sum_sq_t += t.change_sum_sq_by_label[l];
    data.alive_c += c.survivors_by_label[l];
    data.sum_c += c.change_sum_by_label[l];
    data.sum_sq_c += c.change_sum_sq_by_label[l];
  }
  return data;
}

} // namespace

double arm_imbalance(const std::array<double, kMaxArms>& counts, const Design& design) {
  double total = 0.0, allocation = 0.0;
  for (std::size_t a = 0; a < design.arms.size(); ++a) {
    total += counts[a];
    allocation += design.arms[a].allocation;
  }
  double worst = 0.0;
  for (std::size_t a = 0; a < design.arms.size(); ++a)
    worst = std::max(worst, std::abs(counts[a] - total * design.arms[a].allocation / allocation));
  return worst;
}

namespace {

// Enrolment times of a Poisson process whose rate ramps up linearly to
// patients_per_month over ramp_up_months: the cumulative intensity is
// R t^2 / (2a) before a and R (t - a/2) after, inverted at sums of unit
// exponential draws.
class AccrualClock {
public:
  AccrualClock(const Accrual& accrual, Stream stream)
      : accrual_(accrual), rate_(accrual.patients_per_month), ramp_(accrual.ramp_up_months),
        stream_(std::move(stream)) {}
  double next() {
    hazard_ += boost::random::exponential_distribution<double>()(stream_);
    if (accrual_.rates.size() > 1) return piecewise();
    if (ramp_ > 0.0 && hazard_ < rate_ * ramp_ / 2.0)
      return std::sqrt(2.0 * ramp_ * hazard_ / rate_);
    return hazard_ / rate_ + ramp_ / 2.0;
  }

private:
  // Piecewise-constant rates: walk the pieces' cumulative intensity.
  double piecewise() const {
    const auto& rates = accrual_.rates;
    const auto& from = accrual_.from_month;
    double cumulative = 0.0;
    for (std::size_t i = 0; i + 1 < rates.size(); ++i) {
      const double piece = rates[i] * (from[i + 1] - from[i]);
      if (hazard_ < cumulative + piece) return from[i] + (hazard_ - cumulative) / rates[i];
      cumulative += piece;
    }
    return from.back() + (hazard_ - cumulative) / rates.back();
  }

  const Accrual& accrual_;
  double rate_, ramp_, hazard_ = 0.0;
  Stream stream_;
};

} // namespace

TwoArmCounts primary_counts(const Design& design, const ReplicateResult& r) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  TwoArmCounts c;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l]) continue;
    c.x_treatment += static_cast<int>(r.arms[hyp.treatment_arm].responders_by_label[l]);
    c.n_treatment += static_cast<int>(r.arms[hyp.treatment_arm].n_by_label[l]);
    c.x_control += static_cast<int>(r.arms[hyp.control_arm].responders_by_label[l]);
    c.n_control += static_cast<int>(r.arms[hyp.control_arm].n_by_label[l]);
  }
  return c;
}

double interim_z(const Design& design, const ReplicateResult& r) {
  const TwoArmCounts c = primary_counts(design, r);
  return design.analysis.test == TestKind::unpooled_z ? unpooled_z(c) : pooled_z(c);
}

std::uint32_t reestimated_sample_size(const Design& design, double z1) {
  const Reestimation& re = *design.reestimation;
  // Conditional power of the combination test under the observed effect
  // theta = z1 / sqrt(n1) (per patient): stage 2 of n2 patients gives
  // Z2 ~ N(theta sqrt(n2), 1) and CP = P(w1 z1 + w2 Z2 >= c).
  const double n1 = re.interim_patients;
  const double planned = design.sample_size - n1;
  const double w1 = std::sqrt(n1 / design.sample_size), w2 = std::sqrt(1.0 - w1 * w1);
  const double theta = z1 / std::sqrt(n1);
  const double needed = (design.analysis.critical_z - w1 * z1) / w2;
  const boost::math::normal standard_normal;
  const double cp = boost::math::cdf(
      boost::math::complement(standard_normal, needed - theta * std::sqrt(planned)));
  const auto keep = static_cast<std::uint32_t>(design.sample_size);
  if (theta <= 0.0 || cp < re.cp_min || cp >= re.target_cp) return keep;
  const double root =
      (needed - boost::math::quantile(boost::math::complement(standard_normal, re.target_cp))) /
      theta;
  const double n2 = std::min(std::ceil(root * root), double(re.max_sample_size) - n1);
  return std::max(keep, static_cast<std::uint32_t>(n1 + n2));
}

// rpact's rule: efficacy if z >= c_k; futility stop if z <= f_k (inclusive).
bool interim_decision(const Design& design, std::size_t k, ReplicateResult& r) {
  const Looks& looks = *design.looks;
  const double z = interim_z(design, r);
  r.stop_look = static_cast<std::uint8_t>(k);
  if (z >= looks.boundaries.efficacy_z[k]) {
    r.efficacy_stop = true;
    return true;
  }
  if (k + 1 < looks.count() && z <= looks.boundaries.futility_z[k]) {
    r.futility_stop = true;
    return true;
  }
  if (k + 1 < looks.count() && looks.futility_cp > 0.0) {
    // Conditional power at the final bound under the current trend: the
    // score moves on by theta (1 - t) with variance 1 - t, theta = z / sqrt(t).
    const double t = double(looks.patients[k]) / design.sample_size;
    const double theta = z / std::sqrt(t);
    const double needed = looks.boundaries.efficacy_z.back() - z * std::sqrt(t) - theta * (1.0 - t);
    const double cp = 0.5 * std::erfc(needed / std::sqrt(1.0 - t) / std::sqrt(2.0));
    if (cp < looks.futility_cp) {
      r.futility_stop = true;
      return true;
    }
  }
  return false;
}

void analyse_replicate(const Scenario& scenario, const Design& design, ReplicateResult& r,
                       const std::vector<PatientRecord>& records) {
  // Imbalance overall and within labels, from the arm counts.
  std::array<double, kMaxArms> overall{};
  std::array<std::array<double, kMaxArms>, kPhenotypes> by_label{};
  for (std::size_t a = 0; a < design.arms.size(); ++a) {
    overall[a] = r.arms[a].n;
    for (int l = 0; l < kPhenotypes; ++l)
      by_label[l][a] = r.arms[a].n_by_label[l];
  }
  r.imbalance[0] = arm_imbalance(overall, design);
  r.imbalance[1] = 0.0;
  for (const auto& label : by_label)
    r.imbalance[1] += arm_imbalance(label, design);

  const Analysis& analysis = design.analysis;
  HypothesisValues p{}, z{};
  HypothesisFlags single{};
  for (std::size_t h = 0; h < analysis.hypotheses.size(); ++h) {
    const Hypothesis& hyp = analysis.hypotheses[h];
    const TestResult test = analyse(analysis, hypothesis_data(hyp, r, records));
    HypothesisResult& out = r.hypotheses[h];
    out.z = test.z;
    out.p = test.p;
    out.difference = test.difference;
    out.ci_low = test.ci_low;
    out.ci_high = test.ci_high;
    out.true_difference = true_difference(scenario, design, hyp, r);
    secondary_analyses(scenario, design, hyp, r, out);
    out.failed = test.failed;
    p[h] = test.p;
    z[h] = test.z;
    single[h] = test.reject;
  }
  // Alone, a hypothesis keeps its test's own decision (z >= critical value).
  const HypothesisFlags reject = reject_family(analysis, analysis.alpha / analysis.sided, p, z);
  for (std::size_t h = 0; h < analysis.hypotheses.size(); ++h)
    r.hypotheses[h].reject = analysis.multiplicity == Multiplicity::none ? single[h] : reject[h];
  // Group-sequential boundaries, or the re-estimation's combination test, decided.
  if (design.looks || design.reestimation) r.hypotheses[0].reject = r.efficacy_stop;
}

ReplicateResult simulate_trial(const Scenario& scenario, std::size_t design_index,
                               const ReplicateId& id) {
  const Design& design = scenario.designs[design_index];
  if (design.simulation == Simulation::counts)
    return simulate_trial_counts(scenario, design_index, id);
  Randomiser randomiser(design, scenario.population.sites,
                        Stream({id.seed, Purpose::randomisation, id.grid_point, id.replicate,
                                static_cast<std::uint32_t>(design_index)}));
  const auto max_screened =
      static_cast<std::uint64_t>(design.max_enrolment()) * kMaxScreenedPerEnrolled;

  // Patient records only when the analysis needs them; the buffer is reused.
  const bool keep_records = needs_patient_records(design.analysis.test);
  thread_local std::vector<PatientRecord> records;
  records.clear();
  const bool covariates = keep_records || design.randomisation.uses_covariates();
  // Arm counts by SOFA >= 10 and by site, for the imbalance (with covariates).
  thread_local std::vector<std::array<double, kMaxArms>> by_sofa10, by_site;
  if (covariates) {
    by_sofa10.assign(2, {});
    by_site.assign(static_cast<std::size_t>(scenario.population.sites), {});
  }

  ReplicateResult r;
  std::uint32_t patient = 0;
  std::size_t look = 0;
  std::optional<AccrualClock> accrual;
  if (design.accrual)
    accrual.emplace(*design.accrual, Stream({id.seed, Purpose::accrual, id.grid_point, id.replicate,
                                             static_cast<std::uint32_t>(design_index)}));
  const double delay_months =
      (design.accrual ? design.accrual->endpoint_delay_days : 9.0) / (365.25 / 12.0);
  double enrolled_at = 0.0, last_enrolled_at = 0.0;
  std::optional<double> stop_time;
  // Sample-size re-estimation may raise the target at its interim.
  auto target = static_cast<std::uint32_t>(design.sample_size);
  std::optional<std::pair<double, TwoArmCounts>> stage1; // z and counts at the interim
  while (r.enrolled < target) {
    if (patient >= max_screened)
      throw EnrolmentError("design " + design.name + ": screened " + std::to_string(patient) +
                           " patients without enrolling " + std::to_string(design.sample_size) +
                           "; the eligible labels are too rare in this population");
    const ScreenedPatient screened = screen_patient(scenario.population, scenario.classifier,
                                                    id.seed, id.grid_point, id.replicate, patient);
    const std::uint32_t index = patient++;
    if (!design.eligible_label[screened.label]) continue;
    if (design.quota && r.enrolled_label_phenotype[screened.label][0] +
                                r.enrolled_label_phenotype[screened.label][1] +
                                r.enrolled_label_phenotype[screened.label][2] >=
                            static_cast<std::uint32_t>(design.quota->patients[screened.label]))
      continue;
    // Accrual: this patient's enrolment time; after a stopping decision only
    // the patients already enrolled by then (the pipeline) are followed up.
    if (accrual) {
      enrolled_at = accrual->next();
      if (stop_time && enrolled_at > *stop_time) break;
      last_enrolled_at = enrolled_at;
    }
    ++r.enrolled;
    ++r.enrolled_label_phenotype[screened.label][screened.phenotype];

    const PatientNoise noise = draw_patient_noise(scenario.population, id.seed, id.grid_point,
                                                  id.replicate, index, covariates);
    const int arm_index =
        randomiser.assign({screened.label, noise.baseline_sofa >= 10, noise.site});
    const Treatment& treatment =
        scenario.treatments[design.arms[arm_index].treatment_by_label[screened.label]];
    if (covariates) {
      by_sofa10[noise.baseline_sofa >= 10 ? 1 : 0][static_cast<std::size_t>(arm_index)] += 1.0;
      by_site[static_cast<std::size_t>(noise.site)][static_cast<std::size_t>(arm_index)] += 1.0;
    }
    const Outcome o = outcome_under(scenario, treatment, screened.phenotype, noise);

    ArmCounts& arm = r.arms[arm_index];
    ++arm.n;
    ++arm.n_by_label[screened.label];
    if (o.response) {
      ++arm.responders;
      ++arm.responders_by_label[screened.label];
    }
    arm.deaths28 += o.death28;
    arm.deaths28_by_label[screened.label] += o.death28;
    arm.early_deaths += o.early_death;
    if (!o.early_death && std::isfinite(o.sofa_change)) {
      ++arm.survivors_by_label[screened.label];
      arm.change_sum_by_label[screened.label] += o.sofa_change;
      arm.change_sum_sq_by_label[screened.label] += o.sofa_change * o.sofa_change;
    }
    if (keep_records)
      records.push_back({static_cast<std::uint8_t>(arm_index), screened.label, screened.phenotype,
                         o.response, !o.early_death, static_cast<std::uint8_t>(noise.baseline_sofa),
                         static_cast<float>(noise.age_years), static_cast<float>(o.sofa_change)});
    for (int a = 0; a < kAdverseEvents; ++a)
      arm.adverse[a] += o.adverse[a];
    arm.matched += treatment.matches_phenotype[screened.phenotype];
    // Harm needs the outcome on placebo: only for non-responders on another drug.
    if (scenario.placebo >= 0 && !o.response &&
        &treatment != &scenario.treatments[scenario.placebo])
      arm.harmed +=
          outcome_under(scenario, scenario.treatments[scenario.placebo], screened.phenotype, noise)
              .response;
    // Interim (and final) looks of a group-sequential design, once the look's
    // patients are in (outcomes observed without delay).
    if (design.reestimation &&
        r.enrolled == static_cast<std::uint32_t>(design.reestimation->interim_patients)) {
      stage1.emplace(interim_z(design, r), primary_counts(design, r));
      target = reestimated_sample_size(design, stage1->first);
      r.increased = target > static_cast<std::uint32_t>(design.sample_size);
    }
    if (!stop_time && design.looks &&
        r.enrolled == static_cast<std::uint32_t>(design.looks->patients[look]) &&
        interim_decision(design, look++, r)) {
      if (!design.accrual) break;
      // The look happens when this patient's outcome is known; patients
      // enrolled meanwhile are followed to the end (overrunning).
      stop_time = enrolled_at + delay_months;
    }
  }
  if (design.accrual) r.duration_months = last_enrolled_at + delay_months;
  if (stage1) {
    // Inverse-normal combination with the planned weights (Cui-Hung-Wang).
    const TwoArmCounts all = primary_counts(design, r);
    const TwoArmCounts& first = stage1->second;
    const TwoArmCounts second{all.x_treatment - first.x_treatment,
                              all.n_treatment - first.n_treatment, all.x_control - first.x_control,
                              all.n_control - first.n_control};
    const double w1 = std::sqrt(double(design.reestimation->interim_patients) / design.sample_size);
    const double w2 = std::sqrt(1.0 - w1 * w1);
    const double z2 =
        design.analysis.test == TestKind::unpooled_z ? unpooled_z(second) : pooled_z(second);
    r.efficacy_stop = w1 * stage1->first + w2 * z2 >= design.analysis.critical_z;
  }
  r.screened = patient;
  r.imbalance[2] = r.imbalance[3] = std::nan("");
  if (covariates) {
    r.imbalance[2] = arm_imbalance(by_sofa10[0], design) + arm_imbalance(by_sofa10[1], design);
    r.imbalance[3] = 0.0;
    for (const auto& site : by_site)
      r.imbalance[3] += arm_imbalance(site, design);
  }

  analyse_replicate(scenario, design, r, records);
  return r;
}

} // namespace sepsim

// The analysis step of a replicate: every hypothesis's test on its
// endpoint's tallies, its estimand from the enrolled patients' true
// phenotypes, the secondary analyses and the multiplicity procedure.
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/stats/multiplicity.hpp"
#include "sepsim/trial/trial.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sepsim {

namespace {

// Visits the hypothesis's enrolled patients by eligible label x true
// phenotype: f(treatment on its arm, on the control arm, phenotype, patients).
template <class F>
void for_each_enrolled_cell(const Scenario& scenario, const Design& design, const Hypothesis& hyp,
                            const ReplicateResult& r, F&& f) {
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l] || !design.eligible_label[l]) continue;
    const Treatment& on_t =
        scenario.treatments[design.arms[hyp.treatment_arm].treatment_by_label[l]];
    const Treatment& on_c = scenario.treatments[design.arms[hyp.control_arm].treatment_by_label[l]];
    for (int ph = 0; ph < kPhenotypes; ++ph)
      f(on_t, on_c, static_cast<Phenotype>(ph), double(r.enrolled_label_phenotype[l][ph]));
  }
}

// The expected mortality by `day` (treatment - control) of the hypothesis's
// enrolled patients, from their true phenotypes. Cells without patients are
// passed over: they would add +0 or -0 to a sum that is never -0.
double true_mortality_difference(const Scenario& scenario, const Design& design,
                                 const Hypothesis& hyp, const ReplicateResult& r, double day) {
  double sum = 0.0, patients = 0.0;
  for_each_enrolled_cell(scenario, design, hyp, r,
                         [&](const Treatment& on_t, const Treatment& on_c, Phenotype ph, double n) {
                           if (n == 0) return;
                           sum += n * (death_probability_by(scenario, on_t, ph, day) -
                                       death_probability_by(scenario, on_c, ph, day));
                           patients += n;
                         });
  return patients > 0 ? sum / patients : 0.0;
}

// Whether two treatments give a patient of this phenotype the same outcomes.
bool same_outcomes(const Treatment& a, const Treatment& b, int ph) {
  return a.response[ph] == b.response[ph] && a.early_death[ph] == b.early_death[ph] &&
         a.death28_if_alive_non_responder[ph] == b.death28_if_alive_non_responder[ph] &&
         a.death28_logit_intercept[ph] == b.death28_logit_intercept[ph] &&
         a.death_hazard_per_day[ph] == b.death_hazard_per_day[ph] &&
         a.death_by_day_28.has_value() == b.death_by_day_28.has_value() &&
         a.ordinal_cumulative[ph] == b.ordinal_cumulative[ph];
}

// The estimand of an ordinal test over the hypothesis's enrolled patients: 0
// when both arms give every patient the same outcomes; from the category
// probabilities of the validation model (day-28 ordinal status) otherwise
// (the log odds ratio only when the arms' mixtures keep proportional odds);
// NaN where the organ-support model has no closed form.
double true_ordinal_effect(const Scenario& scenario, const Design& design, const Hypothesis& hyp,
                           const ReplicateResult& r) {
  const int k = scenario.ordinal_categories;
  std::vector<double> pt(k, 0.0), pc(k, 0.0);
  bool same = true, closed_form = design.analysis.endpoint == PrimaryEndpoint::ordinal_status;
  double patients = 0.0;
  for_each_enrolled_cell(scenario, design, hyp, r,
                         [&](const Treatment& on_t, const Treatment& on_c, Phenotype ph, double n) {
                           if (n == 0) return;
                           same = same && same_outcomes(on_t, on_c, ph);
                           closed_form =
                               closed_form && on_t.ordinal_model() && on_c.ordinal_model();
                           if (!closed_form) return;
                           patients += n;
                           for (int j = 0; j < k; ++j) {
                             const double below_t = j ? on_t.ordinal_cumulative[ph][j - 1] : 0.0;
                             const double below_c = j ? on_c.ordinal_cumulative[ph][j - 1] : 0.0;
                             pt[j] += n * (on_t.ordinal_cumulative[ph][j] - below_t);
                             pc[j] += n * (on_c.ordinal_cumulative[ph][j] - below_c);
                           }
                         });
  if (same) return 0.0;
  if (!closed_form || patients <= 0.0) return std::nan("");
  for (int j = 0; j < k; ++j) {
    pt[j] /= patients;
    pc[j] /= patients;
  }
  return ordinal_effect(design.analysis.test, pt, pc);
}

// The hypothesis's estimand in this replicate, from the true phenotypes of its
// enrolled patients: the expected difference in response probability, or for
// continuous tests in the mean SOFA change of day-9 survivors.
double true_difference(const Scenario& scenario, const Design& design, const Hypothesis& hyp,
                       const ReplicateResult& r) {
  if (ordinal_endpoint(design.analysis.test)) return true_ordinal_effect(scenario, design, hyp, r);
  if (time_to_event_endpoint(design.analysis.test) ||
      design.analysis.endpoint == PrimaryEndpoint::death)
    return true_mortality_difference(scenario, design, hyp, r, design.follow_up_days);
  const bool continuous = continuous_endpoint(design.analysis.test);
  double t_sum = 0.0, t_weight = 0.0, c_sum = 0.0, c_weight = 0.0;
  for_each_enrolled_cell(scenario, design, hyp, r,
                         [&](const Treatment& on_t, const Treatment& on_c, Phenotype ph, double n) {
                           if (n == 0) return;
                           if (!continuous) {
                             t_sum += n * on_t.response[ph];
                             c_sum += n * on_c.response[ph];
                             t_weight += n;
                             c_weight += n;
                             return;
                           }
                           const double alive_t = n * (1.0 - on_t.early_death[ph]);
                           const double alive_c = n * (1.0 - on_c.early_death[ph]);
                           t_sum += alive_t * on_t.sofa_change_mean[ph];
                           c_sum += alive_c * on_c.sofa_change_mean[ph];
                           t_weight += alive_t;
                           c_weight += alive_c;
                         });
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
  double q = 0.0, weight_sum = 0.0, weighted_sum = 0.0, weighted_sq = 0.0;
  int strata = 0, both_arms = 0;
  for (int l = 0; l < kPhenotypes; ++l)
    both_arms += hyp.labels[l] && t.n_by_label[l] > 0 && c.n_by_label[l] > 0;
  // The interaction needs two labels with patients on both arms.
  const bool interaction = both_arms >= 2;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l]) continue;
    deaths.x_treatment += static_cast<int>(c.death28.by_label[l]);
    deaths.n_treatment += static_cast<int>(c.n_by_label[l]);
    deaths.x_control += static_cast<int>(t.death28.by_label[l]);
    deaths.n_control += static_cast<int>(t.n_by_label[l]);
    if (interaction && t.n_by_label[l] > 0 && c.n_by_label[l] > 0) {
      const double pt = double(t.response.by_label[l]) / t.n_by_label[l];
      const double pc = double(c.response.by_label[l]) / c.n_by_label[l];
      // Pooled within the label: the Wald variance is anti-conservative in
      // small labels (MALS has ~23 patients an arm).
      const double pooled = double(t.response.by_label[l] + c.response.by_label[l]) /
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
  }
  if (design.secondary_outcomes) { // else no deaths were drawn (NaN in the summary)
    const RiskDifference m = risk_difference(
        {deaths.x_control, deaths.n_control, deaths.x_treatment, deaths.n_treatment});
    out.mortality_difference = m.estimate;
    out.mortality_ci_low = m.ci_low;
    out.mortality_ci_high = m.ci_high;
    out.true_mortality_difference = true_mortality_difference(scenario, design, hyp, r, 28.0);
    out.mortality_reject = pooled_z(deaths) >= design.analysis.critical_z;
  }
  out.interaction_tested = strata >= 2;
  if (out.interaction_tested) {
    q = weighted_sq - weighted_sum * weighted_sum / weight_sum;
    out.interaction_reject = q >= design.analysis.interaction_critical[strata - 1];
  }
}

// Ordinal tests: the endpoint's counts per arm over the hypothesis's labels
// (every category of the tally: the tests drop the empty ones).
void ordinal_counts(const Design& design, const Hypothesis& hyp, const ReplicateResult& r,
                    HypothesisData& data) {
  data.endpoint = design.analysis.endpoint;
  const bool days = data.endpoint == PrimaryEndpoint::organ_support_free_days;
  data.ordinal_size = days ? kOrganSupportFreeValues : kMaxOrdinalCategories;
  const ArmCounts& t = r.arms[hyp.treatment_arm];
  const ArmCounts& c = r.arms[hyp.control_arm];
  std::fill_n(data.ordinal_t.begin(), data.ordinal_size, 0.0);
  std::fill_n(data.ordinal_c.begin(), data.ordinal_size, 0.0);
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l]) continue;
    for (int k = 0; k < data.ordinal_size; ++k) {
      data.ordinal_t[k] += days ? t.support_free[l][k] : t.ordinal_status[l][k];
      data.ordinal_c[k] += days ? c.support_free[l][k] : c.ordinal_status[l][k];
    }
  }
}

HypothesisData hypothesis_data(const Design& design, const Hypothesis& hyp,
                               const ReplicateResult& r,
                               const std::vector<PatientRecord>& records) {
  HypothesisData data;
  data.records = &records;
  data.treatment_arm = hyp.treatment_arm;
  data.control_arm = hyp.control_arm;
  data.labels = hyp.labels;
  data.follow_up_days = design.follow_up_days;
  const ArmCounts& t = r.arms[hyp.treatment_arm];
  const ArmCounts& c = r.arms[hyp.control_arm];
  // Binary tests count responders, or survivors at the follow-up day.
  const BinaryTally ArmCounts::*success = primary_tally(design.analysis);
  data.death_endpoint = design.analysis.endpoint == PrimaryEndpoint::death;
  data.worst_case = design.dropout && design.dropout->worst_case;
  data.total = two_arm_counts(success, t, c, hyp.labels);
  if (ordinal_endpoint(design.analysis.test)) ordinal_counts(design, hyp, r, data);
  if (test_spec(design.analysis.test).needs_strata)
    for (int l = 0; l < kPhenotypes; ++l)
      if (hyp.labels[l]) {
        std::array<bool, kPhenotypes> only{};
        only[l] = true;
        data.by_label[l] = two_arm_counts(success, t, c, only);
      }
  // The day-9 SOFA change of survivors (continuous tests).
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!hyp.labels[l]) continue;
    data.alive_t += t.sofa_change.n[l];
    data.sum_t += t.sofa_change.sum[l];
    data.sum_sq_t += t.sofa_change.sum_sq[l];
    data.alive_c += c.sofa_change.n[l];
    data.sum_c += c.sofa_change.sum[l];
    data.sum_sq_c += c.sofa_change.sum_sq[l];
  }
  return data;
}

} // namespace

double ordinal_counts_z(const Design& design, const ReplicateResult& r) {
  static const std::vector<PatientRecord> no_records;
  HypothesisData data = hypothesis_data(design, design.analysis.hypotheses.front(), r, no_records);
  data.records = nullptr;
  return ordinal_test(design.analysis, data).z;
}

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

void record_arm_imbalance(const Design& design, ReplicateResult& r) {
  std::array<double, kMaxArms> counts{};
  for (std::size_t a = 0; a < design.arms.size(); ++a)
    counts[a] = r.arms[a].n;
  r.imbalance[imbalance_overall] = arm_imbalance(counts, design);
  // A label no arm has adds arm_imbalance's +0.0: skipped (the same sum).
  double within = 0.0;
  for (int l = 0; l < kPhenotypes; ++l) {
    bool any = false;
    for (std::size_t a = 0; a < design.arms.size(); ++a) {
      counts[a] = r.arms[a].n_by_label[l];
      any = any || counts[a] > 0.0;
    }
    if (any) within += arm_imbalance(counts, design);
  }
  r.imbalance[imbalance_within_label] = within;
}

void analyse_replicate(const Scenario& scenario, const Design& design, ReplicateResult& r,
                       const std::vector<PatientRecord>& records,
                       const SortedFollowUp* primary_follow_up) {
  const Analysis& analysis = design.analysis;
  HypothesisValues p{}, z{};
  HypothesisFlags single{};
  for (std::size_t h = 0; h < analysis.hypotheses.size(); ++h) {
    const Hypothesis& hyp = analysis.hypotheses[h];
    HypothesisData data = hypothesis_data(design, hyp, r, records);
    if (h == 0) data.sorted_follow_up = primary_follow_up;
    const TestResult test = analyse(analysis, data);
    HypothesisResult& out = r.hypotheses[h];
    out.z = test.z;
    out.p = test.p;
    out.difference = test.difference;
    out.ci_low = test.ci_low;
    out.ci_high = test.ci_high;
    if (analysis.endpoint == PrimaryEndpoint::death && !time_to_event_endpoint(analysis.test)) {
      // The test counted survivors: report the mortality difference.
      out.difference = -test.difference;
      out.ci_low = -test.ci_high;
      out.ci_high = -test.ci_low;
    }
    out.true_difference = true_difference(scenario, design, hyp, r);
    secondary_analyses(scenario, design, hyp, r, out);
    out.failed = test.failed;
    p[h] = test.p;
    z[h] = test.z;
    single[h] = test.reject;
  }
  // Alone, a hypothesis keeps its test's own decision (z >= critical value).
  const bool alone = analysis.multiplicity == Multiplicity::none;
  const HypothesisFlags reject =
      alone ? single : reject_family(analysis, analysis.alpha / analysis.sided, p, z);
  for (std::size_t h = 0; h < analysis.hypotheses.size(); ++h)
    r.hypotheses[h].reject = reject[h];
}

} // namespace sepsim

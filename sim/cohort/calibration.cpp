#include "sepsim/cohort/calibration.hpp"

#include "sepsim/cohort/cohort.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

namespace sepsim {

namespace {

void calibrate_screening(Scenario& s) {
  for (Biomarker* b : {&s.population.ferritin, &s.population.hla_dr}) {
    for (int p = 0; p < kPhenotypes; ++p)
      b->log_median[p] = std::log(b->median[p]);
    const double s2 = std::log1p(b->assay_cv * b->assay_cv);
    b->assay_sd_log = std::sqrt(s2);
    b->assay_mean_log = -0.5 * s2;
  }
  s.classifier.log_mals_ferritin_above = std::log(s.classifier.mals_ferritin_above_ng_per_ml);
  s.classifier.log_immunoparalysis_hla_dr_below =
      std::log(s.classifier.immunoparalysis_hla_dr_below_per_monocyte);
  s.population.label_given_phenotype = label_given_phenotype(s.population, s.classifier);
}

// The SOFA-change mean that makes P(response) what the scenario says, and the
// death rate of day-9 survivors who did not respond.
void calibrate_outcomes(Scenario& s, std::vector<CalibrationIssue>& issues) {
  const boost::math::normal standard_normal;
  const double threshold = s.endpoint.response_threshold_sofa_points;
  const double sd = s.endpoint.sofa_change_sd;
  for (auto& tr : s.treatments) {
    for (int p = 0; p < kPhenotypes; ++p) {
      const double survive = 1.0 - tr.early_death[p];
      const double respond_if_alive = survive > 0.0 ? std::min(1.0, tr.response[p] / survive) : 0.0;
      if (respond_if_alive <= 0.0)
        tr.sofa_change_mean[p] = -std::numeric_limits<double>::infinity();
      else if (respond_if_alive >= 1.0)
        tr.sofa_change_mean[p] = std::numeric_limits<double>::infinity();
      else
        tr.sofa_change_mean[p] =
            threshold - sd * boost::math::quantile(standard_normal, 1.0 - respond_if_alive);
      // P(death | non-responder) includes the early deaths, so the alive
      // non-responders carry the rest.
      const double non_responders = 1.0 - tr.response[p];
      const double alive_non_responders = non_responders - tr.early_death[p];
      double q = 0.0;
      if (alive_non_responders > 1e-12) {
        q = (s.mortality28.non_responder[p] * non_responders - tr.early_death[p]) /
            alive_non_responders;
        if (q < -1e-12) {
          std::ostringstream v;
          v << s.mortality28.non_responder[p];
          issues.push_back({"mortality_28d.non_responder." + std::string(kPhenotypeNames[p]),
                            v.str(),
                            "too low to include the early deaths of treatment \"" + tr.name +
                                "\" (needs >= early_death / (1 - response))",
                            "mortality_28d.non_responder"});
        }
      }
      tr.death28_if_alive_non_responder[p] = std::clamp(q, 0.0, 1.0);
    }
  }
}

// P(baseline SOFA = k), k = min..max: round(Normal(mean, sd)) truncated to
// [min - 0.5, max + 0.5], as the patients draw it.
std::vector<double> baseline_sofa_distribution(const Population& pop) {
  const int lo = pop.baseline_sofa_min, hi = pop.baseline_sofa_max;
  std::vector<double> pmf(static_cast<std::size_t>(std::max(0, hi - lo) + 1), 0.0);
  double total = 0.0;
  if (pop.baseline_sofa_sd > 0.0 && std::isfinite(pop.baseline_sofa_sd)) {
    const boost::math::normal normal(pop.baseline_sofa_mean, pop.baseline_sofa_sd);
    for (int k = lo; k <= hi; ++k)
      total += pmf[static_cast<std::size_t>(k - lo)] =
          boost::math::cdf(normal, k + 0.5) - boost::math::cdf(normal, k - 0.5);
  }
  if (total > 0.0) {
    for (double& p : pmf)
      p /= total;
    return pmf;
  }
  // No spread (SD 0), or all the mass outside [min, max]: every patient gets
  // the mean, rounded and clamped, as their draw does.
  const auto k =
      static_cast<int>(std::round(std::clamp(pop.baseline_sofa_mean, 1.0 * lo, 1.0 * hi)));
  pmf[static_cast<std::size_t>(std::clamp(k, lo, hi) - lo)] = 1.0;
  return pmf;
}

// The intercept a with mean over SOFA of 1 / (1 + exp(-(a + beta k))) equal
// to q (bisection: the mean rises with a).
double logit_intercept(const std::vector<double>& pmf, int sofa_min, double beta, double q) {
  if (q <= 0.0) return -std::numeric_limits<double>::infinity();
  if (q >= 1.0) return std::numeric_limits<double>::infinity();
  auto mean = [&](double a) {
    double m = 0.0;
    for (std::size_t i = 0; i < pmf.size(); ++i)
      m += pmf[i] / (1.0 + std::exp(-(a + beta * (sofa_min + static_cast<double>(i)))));
    return m;
  };
  double lo = -60.0 - std::abs(beta) * 30.0, hi = 60.0 + std::abs(beta) * 30.0;
  for (int i = 0; i < 200 && hi - lo > 1e-13; ++i) {
    const double mid = 0.5 * (lo + hi);
    (mean(mid) < q ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

// P(late death | alive at day 28): the day-28 survivors' baseline SOFA
// distribution weights each SOFA's late-death risk.
double late_death_if_alive28(const Scenario& s, const Treatment& tr, Phenotype p,
                             const std::vector<double>& pmf) {
  if (tr.death_by_day_28) return -std::expm1(-tr.death_hazard_per_day[p] * (90.0 - 28.0));
  const double respond_if_alive =
      tr.early_death[p] < 1.0 ? tr.response[p] / (1.0 - tr.early_death[p]) : 0.0;
  double alive = 0.0, late = 0.0;
  for (std::size_t i = 0; i < pmf.size(); ++i) {
    const int sofa = s.population.baseline_sofa_min + static_cast<int>(i);
    const double q = death28_alive_non_responder(s, tr, p, sofa);
    const double alive28 =
        (1.0 - tr.early_death[p]) * (respond_if_alive * (1.0 - s.mortality28.responder[p]) +
                                     (1.0 - respond_if_alive) * (1.0 - q));
    const double risk = late_death_risk(s.mortality90, p, sofa);
    alive += pmf[i] * alive28;
    late += pmf[i] * alive28 * risk;
  }
  return alive > 0.0 ? late / alive : s.mortality90.late_death[p];
}

void clear_risk_tables(Scenario& s) {
  for (auto& tr : s.treatments)
    tr.death28_by_sofa.clear();
  s.mortality90.late_death_by_sofa.clear();
}

// The SOFA-shifted risks by baseline SOFA (a logistic a patient, otherwise).
void fill_risk_tables(Scenario& s) {
  const Population& pop = s.population;
  const double beta = s.mortality28.sofa_log_odds_per_point;
  Mortality90& late = s.mortality90;
  late.late_death_by_sofa.from = pop.baseline_sofa_min;
  for (auto& tr : s.treatments)
    tr.death28_by_sofa.from = pop.baseline_sofa_min;
  for (int sofa = pop.baseline_sofa_min; sofa <= pop.baseline_sofa_max; ++sofa)
    for (std::size_t p = 0; p < kPhenotypes; ++p) {
      if (late.sofa_log_odds_per_point != 0.0)
        late.late_death_by_sofa.by_phenotype[p].push_back(
            logistic_risk(late.late_death_logit_intercept[p], late.sofa_log_odds_per_point, sofa));
      if (beta == 0.0) continue;
      for (auto& tr : s.treatments)
        tr.death28_by_sofa.by_phenotype[p].push_back(
            logistic_risk(tr.death28_logit_intercept[p], beta, sofa));
    }
}

// Deaths by day 28 of alive non-responders shifted by baseline SOFA (their
// mean kept), and the hazards of the exponential validation model.
void calibrate_mortality(Scenario& s) {
  const double beta = s.mortality28.sofa_log_odds_per_point;
  const auto pmf = baseline_sofa_distribution(s.population);
  const int sofa_min = s.population.baseline_sofa_min;
  Mortality90& late = s.mortality90;
  clear_risk_tables(s); // the formula until the intercepts are known
  for (int p = 0; p < kPhenotypes; ++p)
    late.late_death_logit_intercept[p] =
        late.sofa_log_odds_per_point != 0.0
            ? logit_intercept(pmf, sofa_min, late.sofa_log_odds_per_point, late.late_death[p])
            : 0.0;
  for (auto& tr : s.treatments)
    for (int p = 0; p < kPhenotypes; ++p) {
      if (beta != 0.0)
        tr.death28_logit_intercept[p] = logit_intercept(pmf, s.population.baseline_sofa_min, beta,
                                                        tr.death28_if_alive_non_responder[p]);
      if (tr.death_by_day_28)
        tr.death_hazard_per_day[p] = -std::log1p(-(*tr.death_by_day_28)[p]) / 28.0;
      tr.late_death_if_alive28[p] = late_death_if_alive28(s, tr, static_cast<Phenotype>(p), pmf);
    }
  fill_risk_tables(s);
}

// Oracle constants from the potential outcomes: whether a treatment is the
// best for a true phenotype, and P(responds on placebo but not on it), with
// early death and SOFA change coupled through the same noise.
void calibrate_oracle(Scenario& s) {
  const boost::math::normal standard_normal;
  const double threshold = s.endpoint.response_threshold_sofa_points;
  const double sd = s.endpoint.sofa_change_sd;
  for (int p = 0; p < kPhenotypes; ++p) {
    double best = 0.0;
    for (const auto& t : s.treatments)
      best = std::max(best, t.response[p]);
    for (auto& t : s.treatments) {
      t.matches_phenotype[p] = t.response[p] >= best - 1e-12;
      if (s.placebo < 0) {
        t.harm_vs_placebo[p] = std::nan("");
        continue;
      }
      const Treatment& placebo = s.treatments[s.placebo];
      const double both_alive = 1.0 - std::max(placebo.early_death[p], t.early_death[p]);
      const double z_needed = std::max((threshold - placebo.sofa_change_mean[p]) / sd,
                                       (threshold - t.sofa_change_mean[p]) / sd);
      const double both_respond =
          std::isfinite(z_needed)
              ? both_alive * boost::math::cdf(boost::math::complement(standard_normal, z_needed))
              : (z_needed < 0 ? both_alive : 0.0);
      t.harm_vs_placebo[p] = std::max(0.0, placebo.response[p] - both_respond);
    }
  }
}

// Each design's count-level constants (Design::enrolled_cell and what
// follows it), once rather than in every replicate: the cells in label-major
// order, summed in that order.
void calibrate_count_level(Scenario& s) {
  const auto& p_label = s.population.label_given_phenotype;
  for (Design& d : s.designs) {
    d.enrolled_cell = {};
    d.enrolled_share = 0.0;
    for (int l = 0; l < kPhenotypes; ++l) {
      if (!d.eligible_label[l]) continue;
      for (int ph = 0; ph < kPhenotypes; ++ph) {
        d.enrolled_cell[l * kPhenotypes + ph] = s.population.prevalence[ph] * p_label[ph][l];
        d.enrolled_share += d.enrolled_cell[l * kPhenotypes + ph];
      }
    }
    d.enrolled_cells = 0;
    for (int k = 0; k < kPhenotypes * kPhenotypes; ++k)
      if (d.enrolled_cell[k] > 0.0) d.enrolled_cell_index[d.enrolled_cells++] = std::uint8_t(k);
    d.block_per_arm = {};
    if (d.randomisation.block_sizes.empty()) continue;
    const double block = d.randomisation.block_sizes.front();
    double total = 0.0;
    for (const Arm& arm : d.arms)
      total += arm.allocation;
    for (std::size_t a = 0; a < d.arms.size() && a < kMaxArms; ++a)
      d.block_per_arm[a] =
          static_cast<std::uint32_t>(std::lround(block * d.arms[a].allocation / total));
  }
}

} // namespace

std::vector<CalibrationIssue> calibrate(Scenario& scenario) {
  std::vector<CalibrationIssue> issues;
  calibrate_screening(scenario);
  calibrate_outcomes(scenario, issues);
  calibrate_mortality(scenario);
  calibrate_oracle(scenario);
  calibrate_count_level(scenario);
  return issues;
}

double eligible_share(const Population& population,
                      const std::array<bool, kPhenotypes>& eligible_label) {
  double eligible = 0.0;
  for (int ph = 0; ph < kPhenotypes; ++ph)
    for (int label = 0; label < kPhenotypes; ++label)
      if (eligible_label[label])
        eligible += population.prevalence[ph] * population.label_given_phenotype[ph][label];
  return eligible;
}

} // namespace sepsim

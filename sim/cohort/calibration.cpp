#include "sepsim/cohort/calibration.hpp"

#include "sepsim/cohort/cohort.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

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

} // namespace

std::vector<CalibrationIssue> calibrate(Scenario& scenario) {
  std::vector<CalibrationIssue> issues;
  calibrate_screening(scenario);
  calibrate_outcomes(scenario, issues);
  calibrate_oracle(scenario);
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

// Calibration: the model constants a scenario implies, derived once when it
// is read, so that the hot path works on logs and precomputed rates.
#pragma once

#include "sepsim/scenario/scenario.hpp"

#include <array>
#include <string>
#include <vector>

namespace sepsim {

// Values the model cannot honour together, found while calibrating: the key
// at fault, its value and the rule it breaks, as the scenario's problems are
// phrased. `at` is the key whose place in the scenario file the problem points
// at; cohort knows keys, only the input layer knows files.
struct CalibrationIssue {
  std::string key;
  std::string value;
  std::string rule;
  std::string at;
};

// Fills the derived fields of a validated scenario: biomarker log medians and
// assay error, the classifier's log thresholds and label_given_phenotype, each
// treatment's SOFA-change mean and 28-day death rate of alive non-responders,
// and the oracle (matches_phenotype, harm_vs_placebo).
std::vector<CalibrationIssue> calibrate(Scenario& scenario);

// The share of screened patients whose label is eligible, from the
// prevalences and the calibrated label_given_phenotype.
double eligible_share(const Population& population,
                      const std::array<bool, kPhenotypes>& eligible_label);

} // namespace sepsim

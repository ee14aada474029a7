// The model constants of a scenario read without problems, from sim/cohort's
// calibration, and the problems only they reveal, placed in the file.
#include "read.hpp"

#include "sepsim/cohort/calibration.hpp"

#include <iomanip>
#include <sstream>

namespace sepsim::input {

namespace {

// An eligibility that (almost) no one meets is refused now, not after a
// trial has screened a thousand patients per place.
void check_eligibility(Reader& r, const toml::table& root, const Scenario& s) {
  for (const auto& d : s.designs) {
    const double eligible = eligible_share(s.population, d.eligible_label);
    if (eligible * kMaxScreenedPerEnrolled >= 1.0) continue;
    std::ostringstream rule;
    rule
        << "these labels go to " << std::setprecision(3) << 100.0 * eligible
        << "% of screened patients (from the prevalences, biomarkers and classifier), fewer than 1 "
           "in "
        << kMaxScreenedPerEnrolled << ": the trial could not enrol";
    const std::string path = "designs." + d.name + ".eligible_labels";
    if (const toml::node* node = root["designs"][d.name]["eligible_labels"].node())
      r.problem(*node, path, rule.str());
    else
      r.problem(root.source(), path, "", rule.str());
  }
}

} // namespace

void derive(Reader& r, const toml::table& root, Scenario& s) {
  const std::vector<CalibrationIssue> issues = calibrate(s);
  // Eligibility's problems go before calibration's: the report's sort by
  // place keeps this order among problems at the same place.
  check_eligibility(r, root, s);
  for (const auto& issue : issues) {
    const toml::node* n = root.at_path(issue.at).node();
    r.problem(n ? n->source() : root.source(), issue.key, issue.value, issue.rule);
  }
}

} // namespace sepsim::input

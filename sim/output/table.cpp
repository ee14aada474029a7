#include "sepsim/output/table.hpp"

#include <boost/math/special_functions/beta.hpp>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

namespace sepsim {

namespace {
// What the design's estimate measures, by its test (results/FORMAT.md).
std::string estimate_label(const std::string& test) {
  if (test == "mean_difference" || test == "ancova") return "SOFA change difference (survivors)";
  if (test == "proportional_odds" || test == "proportional_odds_adjusted")
    return "Log odds ratio, better category";
  if (test == "wilcoxon" || test == "door") return "P(better) + P(tie)/2 - 1/2";
  if (test == "win_ratio") return "Log win ratio";
  if (test == "win_odds") return "Log win odds";
  if (test == "net_benefit") return "Net benefit";
  return "Risk difference, estimated";
}

std::string fmt(const char* format, double a, double b = 0.0) {
  char text[64];
  std::snprintf(text, sizeof text, format, a, b);
  return text;
}

// A rate in percent with its Monte Carlo SE, or "-" where no patient counted.
std::string pct(const Estimate& e) {
  if (!std::isfinite(e.value)) return "-";
  return fmt("%5.1f%% ±%.2f", 100.0 * e.value, 100.0 * e.mcse);
}

// A power of exactly 0 or 1 has a Monte Carlo SE of 0, which says nothing:
// show the exact (Clopper-Pearson) 95% interval from `n` replicates instead.
bool at_edge(const Estimate& e, std::uint64_t n) {
  return n > 0 && e.mcse == 0.0 && (e.value == 0.0 || e.value == 1.0);
}
std::pair<double, double> clopper_pearson(const Estimate& e, std::uint64_t n) {
  const auto nd = static_cast<double>(n);
  if (e.value == 0.0) return {0.0, boost::math::ibeta_inv(1.0, nd, 0.975)};
  return {boost::math::ibeta_inv(nd, 1.0, 0.025), 1.0};
}
std::string power(const Estimate& e, std::uint64_t n) {
  if (!at_edge(e, n)) return fmt("%.4f ± %.4f", e.value, e.mcse);
  const auto [low, high] = clopper_pearson(e, n);
  return fmt("%.4f (95%% CI ", e.value) + fmt("%.4f-%.4f)", low, high);
}
std::string power_pct(const Estimate& e, std::uint64_t n) {
  if (!at_edge(e, n)) return pct(e);
  const auto [low, high] = clopper_pearson(e, n);
  return fmt("%5.1f%% ", 100.0 * e.value) + fmt("[%.1f-%.1f]", 100.0 * low, 100.0 * high);
}

std::string pad(const std::string& s, std::size_t width) {
  // Count UTF-8 code points so that "±" lines up.
  std::size_t shown = 0;
  for (const char c : s)
    shown += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return shown >= width ? s + " " : s + std::string(width - shown, ' ');
}

// The design line, its power, looks and sequential outcomes.
// Looks with several hypotheses: each hypothesis's chance to be tested in
// each stage (selection) and to be rejected at each look.
void print_selection(std::ostream& out, const DesignSummary& d) {
  if (d.hypotheses.front().selected_per_look.empty()) return;
  out << "  Per look (stage 1, 2, ...): P(tested in the stage) / P(rejected at the look)\n";
  for (const auto& h : d.hypotheses) {
    std::string tested, rejected;
    for (std::size_t k = 0; k < h.selected_per_look.size(); ++k) {
      tested += fmt(k ? ", %.4f" : "%.4f", h.selected_per_look[k].value);
      rejected += fmt(k ? ", %.4f" : "%.4f", h.rejected_per_look[k].value);
    }
    out << "    " << pad(h.name, 22) << "tested " << tested << "  rejected " << rejected
        << (h.harm ? fmt("  dropped for harm %.4f", h.dropped_for_harm.value) : "") << "\n";
  }
}

void print_design_header(std::ostream& out, const DesignSummary& d, std::uint64_t n) {
  out << "Design " << d.name << ": " << d.treatment_arm << " vs " << d.control_arm
      << ", N = " << d.sample_size << ", " << d.test << " test, alpha " << d.alpha
      << (d.sided == 2 ? " two-sided" : " one-sided") << "\n";
  out << "  " << pad("Power (reject for " + d.treatment_arm + ")", 34) << power(d.power, n) << "\n";
  const bool by_events = !d.look_events.empty();
  const std::vector<double>& at = by_events ? d.look_events : d.look_patients;
  if (!at.empty()) {
    // Harm bounds add two columns (only then: other tables unchanged).
    const bool harm = d.has_harm && d.harm_z.size() == at.size();
    out << "  " << pad("Looks", 10) << pad(by_events ? "deaths" : "patients", 10)
        << pad("efficacy z", 12) << pad("futility z", 12) << (harm ? pad("harm z", 12) : "")
        << pad("P(reject here)", 16)
        << (harm ? "P(stop for futility here)  P(stop for harm here)\n"
                 : "P(stop for futility here)\n");
    for (std::size_t k = 0; k < at.size(); ++k) {
      out << "  " << pad(fmt("%.0f", k + 1.0), 10) << pad(fmt("%.0f", at[k]), 10)
          << pad(std::isfinite(d.efficacy_z[k]) ? fmt("%.4f", d.efficacy_z[k]) : "-", 12)
          << pad(std::isfinite(d.futility_z[k]) ? fmt("%.4f", d.futility_z[k]) : "-", 12);
      if (harm) out << pad(std::isfinite(d.harm_z[k]) ? fmt("%.4f", d.harm_z[k]) : "-", 12);
      out << pad(fmt("%.4f", d.reject_per_look[k]), 16);
      if (harm && k < d.harm_per_look.size())
        out << pad(fmt("%.4f", d.futility_per_look[k]), 27) << fmt("%.4f", d.harm_per_look[k]);
      else
        out << fmt("%.4f", d.futility_per_look[k]);
      out << "\n";
    }
    if (harm)
      out << "  " << pad("P(stop for harm)", 34)
          << fmt("%.4f ± %.4f", d.harm_stop.value, d.harm_stop.mcse) << "\n";
    out << "  " << pad("Expected patients enrolled", 34)
        << fmt("%.1f ± %.1f", d.expected_n.value, d.expected_n.mcse)
        << fmt(" of %.0f", d.sample_size) << fmt(" (SD %.1f)", d.final_n_sd.value) << "\n";
    if (by_events)
      out << "  " << pad("Expected deaths at the stop", 34)
          << fmt("%.1f ± %.1f", d.expected_events.value, d.expected_events.mcse)
          << fmt(" (planned deaths not reached: %.4f)", d.events_not_reached.value) << "\n";
  }
  if (d.sample_size_increased.value > 0.0)
    out << "  " << pad("Sample size re-estimated upwards", 34)
        << fmt("%.4f ± %.4f", d.sample_size_increased.value, d.sample_size_increased.mcse)
        << fmt("   (expected N %.1f, SD %.1f)\n", d.expected_n.value, d.final_n_sd.value);
  if (std::isfinite(d.expected_duration_months.value))
    out << "  " << pad("Expected duration (months)", 34)
        << fmt("%.2f ± %.2f", d.expected_duration_months.value, d.expected_duration_months.mcse)
        << (d.look_events.empty() ? "   (to the last patient's day-9 outcome)\n"
                                  : "   (to the stopping look)\n");
}

// The family of hypotheses (when more than one) and the primary's estimates.
void print_estimates(std::ostream& out, const DesignSummary& d, std::uint64_t n) {
  if (d.hypotheses.size() > 1) {
    out << "  Hypotheses (" << d.multiplicity << "):\n";
    for (const auto& h : d.hypotheses)
      out << "    "
          << pad(h.name + ": " + h.treatment_arm + " vs " + h.control_arm + " in " + h.labels, 52)
          << "power " << power(h.power, n)
          << fmt("   difference %+.4f (true %+.4f)\n", h.estimate_mean.value,
                 h.true_difference.value);
    print_selection(out, d);
    out << "  " << pad("Any hypothesis rejected", 34)
        << fmt("%.4f ± %.4f", d.any_rejection.value, d.any_rejection.mcse) << "\n";
    out << "  " << pad("Family-wise error", 34)
        << fmt("%.4f ± %.4f", d.family_wise_error.value, d.family_wise_error.mcse)
        << "   (rejecting a hypothesis with true difference <= 0)\n";
  }
  out << "  " << pad(estimate_label(d.test), 34)
      << fmt("%+.4f ± %.4f", d.estimate_mean.value, d.estimate_mean.mcse)
      << (std::isnan(d.true_difference.value)
              ? std::string("   (true: no closed form for this endpoint)")
              : fmt("   (true in enrolled %+.4f)", d.true_difference.value))
      << "\n";
  out << "  " << pad("  bias / RMSE", 34) << fmt("%+.4f ± %.4f", d.bias.value, d.bias.mcse)
      << fmt("   RMSE %.4f ± %.4f", d.rmse.value, d.rmse.mcse) << "\n";
  out << "  " << pad("  95% CI coverage", 34)
      << fmt("%.4f ± %.4f", d.ci_coverage.value, d.ci_coverage.mcse) << "\n";
  if (d.adjusted) {
    out << "  " << pad("Adjusted for early stopping", 34)
        << fmt("%+.4f ± %.4f", d.adjusted_mean.value, d.adjusted_mean.mcse)
        << "   (stage-wise median-unbiased)\n";
    out << "  " << pad("  bias / RMSE", 34)
        << fmt("%+.4f ± %.4f", d.adjusted_bias.value, d.adjusted_bias.mcse)
        << fmt("   RMSE %.4f ± %.4f", d.adjusted_rmse.value, d.adjusted_rmse.mcse) << "\n";
    out << "  " << pad("  95% stage-wise CI coverage", 34)
        << fmt("%.4f ± %.4f", d.adjusted_ci_coverage.value, d.adjusted_ci_coverage.mcse) << "\n";
  }
  const HypothesisSummary& primary = d.hypotheses.front();
  if (std::isnan(primary.mortality_estimate_mean.value)) {
    out << "  " << pad("28-day mortality difference", 34)
        << "not simulated (secondary_outcomes = false)\n";
  } else {
    out << "  " << pad("28-day mortality difference", 34)
        << fmt("%+.4f ± %.4f", primary.mortality_estimate_mean.value,
               primary.mortality_estimate_mean.mcse)
        << fmt("   (true %+.4f; 95%% CI coverage %.3f)\n", primary.mortality_true_difference.value,
               primary.mortality_ci_coverage.value);
    out << "  " << pad("  power to show a reduction", 34)
        << fmt("%.4f ± %.4f", primary.mortality_power.value, primary.mortality_power.mcse) << "\n";
  }
  if (std::isfinite(primary.interaction_power.value))
    out << "  " << pad("Treatment-by-label interaction", 34)
        << fmt("power %.4f ± %.4f", primary.interaction_power.value, primary.interaction_power.mcse)
        << "   (Cochran's Q over labels)\n";
}

// Imbalance, screening and who was enrolled.
void print_enrolment(std::ostream& out, const DesignSummary& d) {
  out << "  " << pad("Achieved imbalance (patients)", 34)
      << fmt("overall %.2f, within labels %.2f", d.imbalance[imbalance_overall].value,
             d.imbalance[imbalance_within_label].value);
  if (std::isfinite(d.imbalance[imbalance_within_sofa10].value))
    out << fmt(", SOFA>=10 %.2f, sites %.2f", d.imbalance[imbalance_within_sofa10].value,
               d.imbalance[imbalance_within_site].value);
  out << "\n";
  out << "  " << pad("Screened per enrolled", 34)
      << fmt("%.3f ± %.3f", d.screened_per_enrolled.value, d.screened_per_enrolled.mcse)
      << fmt("   (%.1f screened per trial)", d.screened.value) << "\n";

  out << "\n  " << pad("Enrolled (mean per trial)", 28);
  for (auto name : kPhenotypeNames)
    out << pad(std::string(name), 18);
  out << "\n  " << pad("  by label", 28);
  for (const auto& e : d.enrolled_by_label)
    out << pad(fmt("%.1f", e.value), 18);
  out << "\n  " << pad("  by true phenotype", 28);
  for (const auto& e : d.enrolled_by_phenotype)
    out << pad(fmt("%.1f", e.value), 18);
  out << "\n  " << pad("  label purity", 28);
  for (const auto& e : d.label_purity)
    out << pad(pct(e), 18);
  out << "\n\n";
}

// Per arm: deaths by day 90 and 28-day deaths by baseline SOFA (where the
// covariates were drawn).
void print_mortality(std::ostream& out, const DesignSummary& d) {
  const bool by_sofa = !d.arms.empty() && std::isfinite(d.arms[0].mortality28_by_sofa10[0].value);
  out << "\n  " << pad("Mortality", 20) << pad("by day 90", 16);
  if (by_sofa) out << pad("day 28, SOFA < 10", 20) << "day 28, SOFA >= 10";
  out << "\n";
  for (const auto& a : d.arms) {
    out << "  " << pad(a.name, 20) << pad(pct(a.mortality90), 16);
    if (by_sofa) out << pad(pct(a.mortality28_by_sofa10[0]), 20) << pct(a.mortality28_by_sofa10[1]);
    out << "\n";
  }
}

// Per arm: outcomes, response by label, adverse events and the oracle.
void print_arms(std::ostream& out, const DesignSummary& d) {
  out << "  " << pad("Arm", 12) << pad("n", 8) << pad("response", 16) << pad("28-day mortality", 18)
      << pad("death by day 9", 16) << "policy\n";
  for (const auto& a : d.arms)
    out << "  " << pad(a.name, 12) << pad(fmt("%.1f", a.patients.value), 8)
        << pad(pct(a.response_rate), 16) << pad(pct(a.mortality28), 18)
        << pad(pct(a.early_death), 16) << a.policy << "\n";

  print_mortality(out, d);
  out << "\n  " << pad("Response by label", 20);
  for (auto name : kPhenotypeNames)
    out << pad(std::string(name), 18);
  out << "\n";
  for (const auto& a : d.arms) {
    out << "  " << pad(a.name, 20);
    for (const auto& e : a.response_by_label)
      out << pad(pct(e), 18);
    out << "\n";
  }

  out << "\n  " << pad("Adverse events", 20);
  for (auto name : kAdverseEventNames)
    out << pad(std::string(name), 16);
  out << "\n";
  for (const auto& a : d.arms) {
    out << "  " << pad(a.name, 20);
    for (const auto& e : a.adverse_events)
      out << pad(pct(e), 16);
    out << "\n";
  }
  out << "\n  " << pad("Oracle (true phenotype)", 20) << pad("best drug for it", 18)
      << "harmed: responds on placebo, not on the drug given\n";
  for (const auto& a : d.arms)
    out << "  " << pad(a.name, 20) << pad(pct(a.matched_drug), 18) << pct(a.harmed_by_drug) << "\n";
  out << "\n  Replicate-to-replicate SD of the response rate:";
  for (const auto& a : d.arms)
    out << " " << a.name << fmt(" %.1f%%", 100.0 * a.response_rate_sd.value);
  out << "\n";
}

void print_design(std::ostream& out, const DesignSummary& d, std::uint64_t n) {
  print_design_header(out, d, n);
  print_estimates(out, d, n);
  print_enrolment(out, d);
  print_arms(out, d);
}

// A sweep: one row per grid point, the power of each design (in percent, ±
// Monte Carlo SE, or [exact 95% interval] at 0 or 100%) and its expected sample size. Everything
// else is in the file.
void print_sweep(std::ostream& out, const RunSummary& summary) {
  out << "Power in percent ± Monte Carlo SE ([exact 95% interval] at 0 or 100%); E[N] in patients. "
         "One row per grid point ("
      << summary.points.size() << " of " << summary.grid.points() << ").\n\n";
  std::vector<int> widths;
  for (const auto& axis : summary.grid.axes) {
    widths.push_back(std::max<int>(12, static_cast<int>(axis.key.size()) + 2));
    out << pad(axis.key, static_cast<std::size_t>(widths.back()));
  }
  if (summary.points.empty()) return;
  for (const auto& d : summary.points.front().designs)
    out << pad(d.name + " power", 22) << pad("E[N]", 9);
  for (const auto& c : summary.points.front().comparisons)
    out << pad("power " + c.design_a + " - " + c.design_b, 26);
  out << "\n";
  for (const auto& point : summary.points) {
    for (std::size_t a = 0; a < point.params.size(); ++a)
      out << pad(fmt("%g", point.params[a].second), static_cast<std::size_t>(widths[a]));
    for (const auto& d : point.designs)
      out << pad(power_pct(d.power, summary.provenance.replicates), 22)
          << pad(fmt("%.1f", d.expected_n.value), 9);
    for (const auto& c : point.comparisons)
      out << pad(fmt("%+.2f ± %.2f", 100 * c.power_difference.value, 100 * c.power_difference.mcse),
                 26);
    out << "\n";
  }
}

} // namespace

void print_table(std::ostream& out, const RunSummary& summary) {

  const Provenance& p = summary.provenance;
  out << "sepsim " << p.sepsim_version << " | scenario " << p.scenario_name << " | " << p.replicates
      << " replicates | seed " << p.seed
      << (p.null_hypothesis ? " | NULL: every treatment = placebo; power is the type I error" : "")
      << "\n";
  if (!summary.grid.axes.empty()) {
    print_sweep(out, summary);
    return;
  }
  out << "Rates are per patient, in percent ± Monte Carlo SE.\n";
  for (const auto& point : summary.points) {

    if (!point.params.empty()) {
      out << "\nGrid point:";
      for (const auto& [key, value] : point.params)
        out << " " << key << " = " << value;
      out << "\n";
    }
    for (const auto& d : point.designs) {
      out << "\n";
      print_design(out, d, p.replicates);
    }
    if (!point.comparisons.empty()) {
      out << "\nDesigns compared on the same virtual patients (paired Monte Carlo SE):\n";
      for (const auto& c : point.comparisons)
        out << "  power " << c.design_a << " - " << c.design_b << ": "
            << fmt("%+.4f ± %.4f", c.power_difference.value, c.power_difference.mcse) << "\n";
    }
  }
}

} // namespace sepsim

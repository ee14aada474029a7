// The screened population and what the treatments do to it.
#include "read.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace sepsim::input {

namespace {

// Prevalence: one phenotype may be left out and takes the remainder.
void read_prevalence(Reader& r, const toml::table& t, Population& pop) {
  const toml::table* prev = r.table(t, "prevalence", "population");
  if (prev == nullptr) return;
  double sum = 0.0;
  int missing = -1, n_missing = 0;
  for (int p = 0; p < kPhenotypes; ++p) {
    auto v = r.number(*prev, kPhenotypeNames[p], "population.prevalence", probability, false);
    if (!prev->contains(kPhenotypeNames[p])) {
      missing = p;
      ++n_missing;
    }
    pop.prevalence[p] = v.value_or(0.0);
    sum += pop.prevalence[p];
  }
  std::ostringstream sum_text;
  sum_text << sum;
  if (sum > 1.0 + 1e-9) {
    r.problem(prev->source(), "population.prevalence", "sum " + sum_text.str(),
              "prevalences must not sum above 1");
  } else if (n_missing == 1) {
    pop.prevalence[missing] = std::max(0.0, 1.0 - sum);
  } else if (std::abs(sum - 1.0) > 1e-9) {
    r.problem(prev->source(), "population.prevalence", "sum " + sum_text.str(),
              n_missing == 0 ? "prevalences must sum to 1 when all three are given (leave one "
                               "out to take the remainder)"
                             : "prevalences must sum to 1; only one phenotype may be left out "
                               "to take the remainder");
  }
}

void read_biomarker(Reader& r, const toml::table& population, std::string_view key,
                    const std::string& path, Biomarker& out) {
  const toml::table* t = r.table(population, key, path);
  if (t == nullptr) return;
  const std::string full = join(path, key);
  if (auto v = r.per_phenotype(*t, "median", full, positive)) out.median = *v;
  if (auto v = r.per_phenotype(*t, "sd_log", full, non_negative)) out.sd_log = *v;
  r.number_into(out.assay_cv, *t, "assay_cv", full, non_negative);
}

// Optional, each key too: the defaults are ImmunoSep's.
void read_covariates(Reader& r, const toml::table& t, Population& pop) {
  const toml::table* cov = r.table(t, "covariates", "population", false);
  if (cov == nullptr) return;
  const std::string cp = "population.covariates";
  r.number_into(pop.age_mean_years, *cov, "age_mean_years", cp, in_range(0, 120), false);
  r.number_into(pop.age_sd_years, *cov, "age_sd_years", cp, non_negative, false);
  r.number_into(pop.age_min_years, *cov, "age_min_years", cp, in_range(0, 120), false);
  r.number_into(pop.age_max_years, *cov, "age_max_years", cp, in_range(0, 120), false);
  r.number_into(pop.female_share, *cov, "female_share", cp, probability, false);
  r.number_into(pop.baseline_sofa_mean, *cov, "baseline_sofa_mean", cp, in_range(0, 24), false);
  r.number_into(pop.baseline_sofa_sd, *cov, "baseline_sofa_sd", cp, non_negative, false);
  if (auto v = r.integer(*cov, "baseline_sofa_min", cp, in_range(0, 24), false))
    pop.baseline_sofa_min = static_cast<int>(*v);
  if (auto v = r.integer(*cov, "baseline_sofa_max", cp, in_range(0, 24), false))
    pop.baseline_sofa_max = static_cast<int>(*v);
  if (auto v = r.integer(*cov, "sites", cp, in_range(1, kMaxSites), false))
    pop.sites = static_cast<int>(*v);
  if (pop.age_min_years > pop.age_max_years)
    r.problem(r.conflict(*cov, "age_min_years", "age_max_years"), cp + ".age_min_years", "",
              "must not exceed age_max_years");
  if (pop.baseline_sofa_min > pop.baseline_sofa_max)
    r.problem(r.conflict(*cov, "baseline_sofa_min", "baseline_sofa_max"), cp + ".baseline_sofa_min",
              "", "must not exceed baseline_sofa_max");
}

void read_screened_population(Reader& r, const toml::table& root, Population& pop) {
  const toml::table* t = r.table(root, "population", "");
  if (t == nullptr) return;
  read_prevalence(r, *t, pop);
  read_biomarker(r, *t, "ferritin_ng_per_ml", "population", pop.ferritin);
  read_biomarker(r, *t, "hla_dr_per_monocyte", "population", pop.hla_dr);
  read_covariates(r, *t, pop);
}

void read_classifier_and_outcomes(Reader& r, const toml::table& root, Scenario& s) {
  if (const toml::table* c = r.table(root, "classifier", "")) {
    r.number_into(s.classifier.mals_ferritin_above_ng_per_ml, *c, "mals_ferritin_above_ng_per_ml",
                  "classifier", positive);
    r.number_into(s.classifier.immunoparalysis_hla_dr_below_per_monocyte, *c,
                  "immunoparalysis_hla_dr_below_per_monocyte", "classifier", positive);
  }
  if (const toml::table* e = r.table(root, "endpoint", "")) {
    r.number_into(s.endpoint.response_threshold_sofa_points, *e, "response_threshold_sofa_points",
                  "endpoint", any_value);
    r.number_into(s.endpoint.sofa_change_sd, *e, "sofa_change_sd", "endpoint", positive);
  }
  if (const toml::table* m = r.table(root, "mortality_28d", "")) {
    if (auto v = r.per_phenotype(*m, "responder", "mortality_28d", probability))
      s.mortality28.responder = *v;
    if (auto v = r.per_phenotype(*m, "non_responder", "mortality_28d", probability))
      s.mortality28.non_responder = *v;
    r.number_into(s.mortality28.sofa_log_odds_per_point, *m, "sofa_log_odds_per_point",
                  "mortality_28d", in_range(-3.0, 3.0), false);
  }
  r.accept("mortality_90d");
  if (const toml::table* m = r.table(root, "mortality_90d", "", false)) {
    if (auto v = r.per_phenotype(*m, "late_death", "mortality_90d", probability))
      s.mortality90.late_death = *v;
    r.number_into(s.mortality90.sofa_log_odds_per_point, *m, "sofa_log_odds_per_point",
                  "mortality_90d", in_range(-3.0, 3.0), false);
  }
}

Treatment read_treatment(Reader& r, const toml::table& tt, const std::string& path,
                         std::string name) {
  Treatment tr;
  tr.name = std::move(name);
  if (auto v = r.per_phenotype(tt, "response", path, probability)) tr.response = *v;
  if (auto v = r.per_phenotype(tt, "early_death", path, probability)) tr.early_death = *v;
  r.accept(join(path, "death_by_day_28"));
  if (tt.contains("death_by_day_28"))
    tr.death_by_day_28 = r.per_phenotype(tt, "death_by_day_28", path, probability);
  read_treatment_ordinal(r, tt, path, tr);
  if (const toml::table* ae = r.table(tt, "adverse_events", path)) {
    for (int a = 0; a < kAdverseEvents; ++a)
      r.number_into(tr.adverse_events[a], *ae, kAdverseEventNames[a], path + ".adverse_events",
                    probability);
  }
  for (int p = 0; p < kPhenotypes; ++p) {
    if (tr.response[p] > 1.0 - tr.early_death[p] + 1e-12) {
      std::ostringstream v;
      v << tr.response[p] << " with early_death " << tr.early_death[p];
      r.problem(tt.source(), path + ".response." + std::string(kPhenotypeNames[p]), v.str(),
                "response cannot exceed the chance of surviving to day 9 (1 - early_death)");
    }
  }
  return tr;
}

void read_treatments(Reader& r, const toml::table& root, Scenario& s) {
  const toml::table* t = r.table(root, "treatments", "");
  if (t == nullptr) return;
  if (t->empty()) r.problem(t->source(), "treatments", "", "at least one treatment is required");
  for (auto&& [key, node] : *t) {
    const std::string path = join("treatments", key.str());
    r.use(path);
    check_name(r, node.source(), path, std::string(key.str()));
    if (const toml::table* tt = node.as_table())
      s.treatments.push_back(read_treatment(r, *tt, path, std::string(key.str())));
    else
      r.problem(node, path, "must be a table");
  }
}

// The placebo: the `placebo` key, or a treatment named "placebo" (optional).
void read_placebo(Reader& r, const toml::table& root, Scenario& s) {
  const auto name = r.string(root, "placebo", "", {}, false);
  for (std::size_t t = 0; t < s.treatments.size(); ++t)
    if (s.treatments[t].name == name.value_or("placebo")) s.placebo = static_cast<int>(t);
  if (name && s.placebo < 0)
    r.problem(root.get("placebo")->source(), "placebo", '"' + *name + '"',
              "must name a treatment defined under [treatments]");
}

} // namespace

void read_population(Reader& r, const toml::table& root, Scenario& s) {
  read_screened_population(r, root, s.population);
  read_classifier_and_outcomes(r, root, s);
  read_organ_support(r, root, s);
  read_treatments(r, root, s);
  read_placebo(r, root, s);
  check_ordinal_model(r, root, s);
}

} // namespace sepsim::input

// [organ_support], [ordinal_status], and the validation model of the day-28
// ordinal status: treatments.NAME.ordinal (category probabilities, worst
// first) and treatments.NAME.ordinal_odds_ratio (against the placebo's).
#include "read.hpp"

#include <cmath>
#include <sstream>

namespace sepsim::input {

namespace {

void read_cut_points(Reader& r, const toml::table& t, Scenario& s) {
  const std::string key = "ordinal_status.osfd_cut_points";
  const toml::node* node = r.find(t, "osfd_cut_points", "ordinal_status", false);
  if (node == nullptr) return;
  const toml::array* a = node->as_array();
  std::vector<int> cuts;
  bool ok = a != nullptr && !a->empty() &&
            a->size() <= static_cast<std::size_t>(kMaxOrdinalCategories - 2);
  for (std::size_t i = 0; ok && i < a->size(); ++i) {
    const auto v = (*a)[i].value<std::int64_t>();
    ok = (*a)[i].is_integer() && v && *v >= 1 && *v <= 28 && (cuts.empty() || *v > cuts.back());
    if (ok) cuts.push_back(static_cast<int>(*v));
  }
  if (!ok) {
    r.problem(*node, key,
              "must list 1 to " + std::to_string(kMaxOrdinalCategories - 2) +
                  " strictly increasing whole numbers of organ-support-free days from 1 to 28");
    return;
  }
  s.ordinal_status.osfd_cut_points = std::move(cuts);
}

} // namespace

void read_organ_support(Reader& r, const toml::table& root, Scenario& s) {
  r.accept("organ_support");
  if (const toml::table* t = r.table(root, "organ_support", "", false)) {
    OrganSupport& m = s.organ_support;
    r.number_into(m.at_baseline, *t, "at_baseline", "organ_support", probability, false);
    r.number_into(m.median_days, *t, "median_days", "organ_support", in_range(0.01, 1000.0), false);
    r.number_into(m.log_days_per_sofa_point, *t, "log_days_per_sofa_point", "organ_support",
                  in_range(-5.0, 5.0), false);
    r.number_into(m.sd_log_days, *t, "sd_log_days", "organ_support", in_range(0.0, 5.0), false);
  }
  r.accept("ordinal_status");
  if (const toml::table* t = r.table(root, "ordinal_status", "", false)) read_cut_points(r, *t, s);
  s.ordinal_categories = 2 + static_cast<int>(s.ordinal_status.osfd_cut_points.size());
}

void read_treatment_ordinal(Reader& r, const toml::table& tt, const std::string& path,
                            Treatment& tr) {
  r.accept(join(path, "ordinal_odds_ratio"));
  if (tt.contains("ordinal_odds_ratio"))
    tr.ordinal_odds_ratio = r.per_phenotype(tt, "ordinal_odds_ratio", path, in_range(1e-6, 1e6));
  r.accept(join(path, "ordinal"));
  const toml::table* t = r.table(tt, "ordinal", path, false);
  if (t == nullptr) return;
  const std::string full = join(path, "ordinal");
  if (tr.ordinal_odds_ratio)
    r.problem(t->source(), full, "", "give ordinal or ordinal_odds_ratio, not both");
  for (const auto& name : label_names_with_all())
    r.accept(join(full, name));
  for (int p = 0; p < kPhenotypes; ++p) {
    const bool all = t->contains("all");
    const std::string name = all ? "all" : std::string(kPhenotypeNames[p]);
    const toml::node* node = r.find(*t, name, full, true);
    if (node == nullptr) return;
    const toml::array* a = node->as_array();
    std::vector<double> probabilities;
    double sum = 0.0;
    bool ok = a != nullptr && a->size() >= 2 && a->size() <= kMaxOrdinalCategories;
    for (std::size_t i = 0; ok && i < a->size(); ++i) {
      const auto v = (*a)[i].value<double>();
      ok = v && *v >= 0.0 && *v <= 1.0;
      if (ok) probabilities.push_back(*v), sum += *v;
    }
    if (!ok || std::abs(sum - 1.0) > 1e-6) {
      r.problem(*node, join(full, name),
                "must list 2 to " + std::to_string(kMaxOrdinalCategories) +
                    " category probabilities in [0, 1], worst first, summing to 1");
      return;
    }
    tr.ordinal[p] = std::move(probabilities);
  }
}

// Every treatment of the validation model gives its categories (or an odds
// ratio against the placebo's); the cumulative probabilities are derived.
void check_ordinal_model(Reader& r, const toml::table& root, Scenario& s) {
  bool any = false;
  for (const Treatment& tr : s.treatments)
    any = any || !tr.ordinal[0].empty() || tr.ordinal_odds_ratio;
  if (!any) return;
  const Treatment* reference = s.placebo >= 0 ? &s.treatments[s.placebo] : nullptr;
  std::size_t categories = 0;
  for (Treatment& tr : s.treatments) {
    const std::string path = "treatments." + tr.name;
    const toml::node* node = root.at_path(path).node();
    const toml::source_region where = node ? node->source() : root.source();
    if (tr.ordinal_odds_ratio && (reference == nullptr || reference->ordinal[0].empty())) {
      r.problem(where, path + ".ordinal_odds_ratio", "",
                "needs a placebo treatment (key placebo) with ordinal category probabilities");
      continue;
    }
    if (tr.ordinal[0].empty() && !tr.ordinal_odds_ratio) {
      r.problem(where, path + ".ordinal", "",
                "when one treatment gives the ordinal model, every treatment must (ordinal or "
                "ordinal_odds_ratio)");
      continue;
    }
    for (int p = 0; p < kPhenotypes; ++p) {
      const std::vector<double>& base =
          tr.ordinal[0].empty() ? reference->ordinal[p] : tr.ordinal[p];
      if (categories == 0) categories = base.size();
      if (base.size() != categories) {
        r.problem(where, path + ".ordinal", "",
                  "every treatment and phenotype needs the same number of categories");
        return;
      }
      std::vector<double>& cumulative = tr.ordinal_cumulative[p];
      cumulative.clear();
      double below = 0.0;
      for (std::size_t j = 0; j < base.size(); ++j) {
        below = j + 1 == base.size() ? 1.0 : below + base[j];
        // Proportional odds: odds(Y <= j) divided by the odds ratio.
        double c = std::min(below, 1.0);
        if (tr.ordinal_odds_ratio && c > 0.0 && c < 1.0) {
          const double odds = c / (1.0 - c) / (*tr.ordinal_odds_ratio)[p];
          c = odds / (1.0 + odds);
        }
        cumulative.push_back(c);
      }
    }
  }
  s.ordinal_categories = static_cast<int>(categories);
}

} // namespace sepsim::input

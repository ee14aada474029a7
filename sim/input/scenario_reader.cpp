// Scenario parsing and validation: the only module that sees toml++.
#include "sepsim/input/scenario_reader.hpp"

#include "layers.hpp"

#include "sepsim/cohort/calibration.hpp"
#include "sepsim/stats/boundaries.hpp"
#include "sepsim/stats/critical_values.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <iomanip>
#include <optional>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace sepsim {

namespace {
// Levenshtein distance, for "did you mean" hints on misspelt keys.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1] ? 1 : 0)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

} // namespace

namespace {

constexpr int kFormatVersion = 1;

std::string show(const toml::node& node) {
  if (const auto* s = node.as_string()) return '"' + s->get() + '"';
  if (const auto* f = node.as_floating_point(); f != nullptr && std::isfinite(f->get())) {
    char text[32]; // the shortest text that reads back as the value: -0.1, not -0.10000000000000001
    return std::string(text, std::to_chars(text, text + sizeof text, f->get()).ptr);
  }
  std::ostringstream os;

  node.visit([&](auto&& v) { os << v; });
  return os.str();
}

std::string join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

// Reads values out of the TOML tree, remembering every key it consumed and
// every problem it met, so that all problems are reported at once.
class Reader {
public:
  explicit Reader(std::string fallback_file) : fallback_file_(std::move(fallback_file)) {}

  void problem(const toml::source_region& where, const std::string& key, const std::string& value,
               const std::string& rule) {
    Problem p;
    p.file = where.path ? *where.path : fallback_file_;
    p.line = static_cast<int>(where.begin.line);
    p.column = static_cast<int>(where.begin.column);
    p.key = key;
    p.value = value;
    p.rule = rule;
    problems_.push_back(std::move(p));
  }
  void problem(const toml::node& node, const std::string& key, const std::string& rule) {
    problem(node.source(), key, show(node), rule);
  }

  // Of two keys of `parent` that conflict, the place to point at: the one in
  // the scenario's own file rather than its base, else the later one.
  const toml::source_region& conflict(const toml::table& parent, std::string_view a,
                                      std::string_view b) const {
    const toml::node* na = parent.get(a);
    const toml::node* nb = parent.get(b);
    if (na == nullptr || nb == nullptr)
      return na ? na->source() : nb ? nb->source() : parent.source();
    auto own = [&](const toml::node* n) {
      return n->source().path && *n->source().path == fallback_file_;
    };
    if (own(na) != own(nb)) return own(na) ? na->source() : nb->source();
    return na->source().begin.line >= nb->source().begin.line ? na->source() : nb->source();
  }

  void use(const std::string& path) { used_.insert(path); }

  const toml::node* find(const toml::table& parent, std::string_view key, const std::string& path,
                         bool required) {
    const toml::node* node = parent.get(key);
    const std::string full = join(path, key);
    if (node == nullptr) {
      if (required) problem(parent.source(), full, "", "is required but missing");
      return nullptr;
    }
    use(full);
    return node;
  }

  const toml::table* table(const toml::table& parent, std::string_view key, const std::string& path,
                           bool required = true) {
    const toml::node* node = find(parent, key, path, required);
    if (node == nullptr) return nullptr;
    if (!node->is_table()) {
      problem(*node, join(path, key), "must be a table");
      return nullptr;
    }
    return node->as_table();
  }

  using Rule = std::function<std::string(double)>; // returns "" when the value is fine

  std::optional<double> number(const toml::table& parent, std::string_view key,
                               const std::string& path, const Rule& rule, bool required = true) {
    const toml::node* node = find(parent, key, path, required);
    if (node == nullptr) return std::nullopt;
    const auto value = node->value<double>();
    if (!node->is_number() || !value) {
      problem(*node, join(path, key), "must be a number");
      return std::nullopt;
    }
    if (!std::isfinite(*value)) { // nan and inf are TOML floats, never scenario values
      problem(*node, join(path, key), "must be a finite number (not nan or inf)");
      return std::nullopt;
    }
    if (const std::string broken = rule(*value); !broken.empty()) {

      problem(*node, join(path, key), broken);
      return std::nullopt;
    }
    return value;
  }

  void number_into(double& out, const toml::table& parent, std::string_view key,
                   const std::string& path, const Rule& rule, bool required = true) {
    if (auto v = number(parent, key, path, rule, required)) out = *v;
  }

  std::optional<std::int64_t> integer(const toml::table& parent, std::string_view key,
                                      const std::string& path, const Rule& rule,
                                      bool required = true) {
    const toml::node* node = find(parent, key, path, required);
    if (node == nullptr) return std::nullopt;
    if (!node->is_integer()) {
      problem(*node, join(path, key), "must be an integer");
      return std::nullopt;
    }
    const std::int64_t value = node->as_integer()->get();
    if (const std::string broken = rule(static_cast<double>(value)); !broken.empty()) {
      problem(*node, join(path, key), broken);
      return std::nullopt;
    }
    return value;
  }

  std::optional<std::string> string(const toml::table& parent, std::string_view key,
                                    const std::string& path,
                                    const std::vector<std::string>& choices, bool required = true) {
    const toml::node* node = find(parent, key, path, required);
    if (node == nullptr) return std::nullopt;
    if (!node->is_string()) {
      problem(*node, join(path, key), "must be a string");
      return std::nullopt;
    }
    std::string value = node->as_string()->get();
    if (!choices.empty() && std::find(choices.begin(), choices.end(), value) == choices.end()) {
      std::string list;
      for (const auto& c : choices)
        list += (list.empty() ? "" : ", ") + c;
      problem(*node, join(path, key), "must be one of: " + list);
      return std::nullopt;
    }
    return value;
  }

  // A value per phenotype: a table with keys mals/immunoparalysis/unclassified,
  // or "all" for one value shared by every phenotype.
  std::optional<PerPhenotype> per_phenotype(const toml::table& parent, std::string_view key,
                                            const std::string& path, const Rule& rule) {
    const toml::table* t = table(parent, key, path);
    if (t == nullptr) return std::nullopt;
    const std::string full = join(path, key);
    PerPhenotype out{};
    bool ok = true;
    if (t->contains("all")) {
      auto v = number(*t, "all", full, rule);
      ok = v.has_value();
      out.fill(v.value_or(0.0));
      for (auto name : kPhenotypeNames)
        if (t->contains(name))
          problem(t->get(name)->source(), join(full, name), show(*t->get(name)),
                  "cannot be combined with \"all\"");
    } else {
      for (int p = 0; p < kPhenotypes; ++p) {
        auto v = number(*t, kPhenotypeNames[p], full, rule);
        ok = ok && v.has_value();
        out[p] = v.value_or(0.0);
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // Every key that no reader consumed is unknown: report it with the known
  // keys beside it, to catch misspellings.
  void report_unknown(const toml::table& t, const std::string& path) {
    for (auto&& [k, node] : t) {
      const std::string full = join(path, k.str());
      if (used_.count(full) == 0) {
        std::string known, closest;
        std::size_t best = std::max<std::size_t>(2, k.str().size() / 3) + 1;
        for (const auto& u : used_) {
          const auto dot = u.rfind('.');
          const std::string parent = dot == std::string::npos ? "" : u.substr(0, dot);
          if (parent != path) continue;
          const std::string name = u.substr(dot + 1);
          known += (known.empty() ? "" : ", ") + name;
          const std::size_t d = edit_distance(k.str(), name);
          if (d < best) best = d, closest = name;
        }
        problem(k.source(), full, "",
                "unknown key" + (closest.empty() ? "" : "; did you mean " + closest + "?") +
                    (known.empty() ? std::string() : " (known here: " + known + ")"));
        continue;
      }

      if (const toml::table* child = node.as_table()) report_unknown(*child, full);
    }
  }

  std::vector<Problem>& problems() { return problems_; }

private:
  std::string fallback_file_;
  std::vector<Problem> problems_;
  std::set<std::string> used_;
};

// Rules, each phrased as what the value must be.
std::string probability(double v) {
  return (v >= 0.0 && v <= 1.0) ? "" : "must be a probability in [0, 1]";
}
std::string positive(double v) {
  return v > 0.0 ? "" : "must be > 0";
}
std::string non_negative(double v) {
  return v >= 0.0 ? "" : "must be >= 0";
}
std::string any_value(double v) {
  return std::isfinite(v) ? "" : "must be finite";
}
std::string positive_integer(double v) {
  return v >= 1.0 ? "" : "must be a positive integer";
}

Reader::Rule in_range(double lo, double hi) {
  return [lo, hi](double v) {
    return (v >= lo && v <= hi)
               ? std::string()
               : "must lie in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  };
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

void read_population(Reader& r, const toml::table& root, Population& pop) {
  const toml::table* t = r.table(root, "population", "");
  if (t == nullptr) return;
  // Prevalence: one phenotype may be left out and takes the remainder.
  if (const toml::table* prev = r.table(*t, "prevalence", "population")) {
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
  read_biomarker(r, *t, "ferritin_ng_per_ml", "population", pop.ferritin);
  read_biomarker(r, *t, "hla_dr_per_monocyte", "population", pop.hla_dr);

  const toml::table* cov = r.table(*t, "covariates", "population", false);
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

void read_treatments(Reader& r, const toml::table& root, Scenario& s) {
  const toml::table* t = r.table(root, "treatments", "");
  if (t == nullptr) return;
  if (t->empty()) r.problem(t->source(), "treatments", "", "at least one treatment is required");
  for (auto&& [key, node] : *t) {
    const std::string path = join("treatments", key.str());
    r.use(path);
    const toml::table* tt = node.as_table();
    if (tt == nullptr) {
      r.problem(node, path, "must be a table");
      continue;
    }
    Treatment tr;
    tr.name = std::string(key.str());
    if (auto v = r.per_phenotype(*tt, "response", path, probability)) tr.response = *v;
    if (auto v = r.per_phenotype(*tt, "early_death", path, probability)) tr.early_death = *v;
    if (const toml::table* ae = r.table(*tt, "adverse_events", path)) {
      for (int a = 0; a < kAdverseEvents; ++a)
        r.number_into(tr.adverse_events[a], *ae, kAdverseEventNames[a], path + ".adverse_events",
                      probability);
    }
    for (int p = 0; p < kPhenotypes; ++p) {
      if (tr.response[p] > 1.0 - tr.early_death[p] + 1e-12) {
        std::ostringstream v;
        v << tr.response[p] << " with early_death " << tr.early_death[p];
        r.problem(tt->source(), path + ".response." + std::string(kPhenotypeNames[p]), v.str(),
                  "response cannot exceed the chance of surviving to day 9 (1 - early_death)");
      }
    }
    s.treatments.push_back(std::move(tr));
  }
}

int find_index(const std::vector<std::string>& names, const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> treatment_names(const Scenario& s) {
  std::vector<std::string> names;
  for (const auto& t : s.treatments)
    names.push_back(t.name);
  return names;
}

std::vector<std::string> label_names_with_all() {
  std::vector<std::string> names(kPhenotypeNames.begin(), kPhenotypeNames.end());
  names.emplace_back("all");
  return names;
}

// A policy maps each eligible label to a treatment; a string gives every label
// the same treatment (one-size-fits-all or placebo).
void read_policy(Reader& r, const toml::node& node, const std::string& path, const Scenario& s,
                 const std::array<bool, kPhenotypes>& eligible, Arm& arm) {
  const auto treatments = treatment_names(s);
  auto resolve = [&](const toml::node& n, const std::string& p) -> int {
    if (!n.is_string()) {
      r.problem(n, p, "must be the name of a treatment");
      return -1;
    }
    const int idx = find_index(treatments, n.as_string()->get());
    if (idx < 0) {
      std::string list;
      for (const auto& t : treatments)
        list += (list.empty() ? "" : ", ") + t;
      r.problem(n, p, "unknown treatment (defined under [treatments]: " + list + ")");
    }
    return idx;
  };
  if (node.is_string()) {
    const int idx = resolve(node, path);
    for (int l = 0; l < kPhenotypes; ++l)
      if (eligible[l]) arm.treatment_by_label[l] = idx;
    return;
  }
  const toml::table* t = node.as_table();
  if (t == nullptr) {
    r.problem(node, path, "must be a treatment name or a table label -> treatment");
    return;
  }
  for (int l = 0; l < kPhenotypes; ++l) {
    const toml::node* n = t->get(kPhenotypeNames[l]);
    if (n == nullptr) n = t->get("all");
    if (n == nullptr) {
      if (eligible[l])
        r.problem(t->source(), path + "." + std::string(kPhenotypeNames[l]), "",
                  "the policy must give a treatment for every eligible label");
      continue;
    }
    r.use(path + "." + std::string(t->contains(kPhenotypeNames[l]) ? kPhenotypeNames[l] : "all"));
    arm.treatment_by_label[l] = resolve(*n, path);
  }
}

std::vector<std::string> string_array(Reader& r, const toml::table& parent, std::string_view key,
                                      const std::string& path) {
  std::vector<std::string> out;
  const toml::node* node = r.find(parent, key, path, true);
  if (node == nullptr) return out;
  const toml::array* a = node->as_array();
  if (a == nullptr || a->empty()) {
    r.problem(*node, join(path, key), "must be a non-empty array of strings");
    return out;
  }
  for (const auto& e : *a) {
    if (!e.is_string()) {
      r.problem(e, join(path, key), "must contain only strings");
      continue;
    }
    out.push_back(e.as_string()->get());
  }
  return out;
}

// A factor list: "none", one factor name, or an array of them.
FactorSet read_factors(Reader& r, const toml::table& t, std::string_view key,
                       const std::string& path, FactorSet fallback) {
  const toml::node* node = r.find(t, key, path, false);
  if (node == nullptr) return fallback;
  FactorSet out{};
  std::vector<std::string> names;
  if (const auto* s = node->as_string()) {
    if (s->get() != "none") names.push_back(s->get());
  } else {
    names = string_array(r, t, key, path);
  }
  const std::vector<std::string> factors(kFactorNames.begin(), kFactorNames.end());
  for (const auto& name : names) {
    const int f = find_index(factors, name);
    if (f < 0)
      r.problem(*node, join(path, key), "must be \"none\", or any of label, sofa10, site");
    else
      out[f] = true;
  }
  return out;
}

// Simple, permuted blocks (fixed or random sizes, optional strata) or
// Pocock-Simon minimisation with a random element.
void read_randomisation(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  Randomisation& rd = d.randomisation;
  const std::vector<std::string> methods(kRandomisationNames.begin(), kRandomisationNames.end());
  if (auto m = r.string(t, "method", path, methods))
    rd.method = static_cast<RandomisationMethod>(find_index(methods, *m));
  rd.stratify = read_factors(r, t, "stratify_by", path, FactorSet{});
  if (rd.method == RandomisationMethod::minimisation) {
    rd.minimise = read_factors(r, t, "factors", path, FactorSet{true, false, false});
    r.number_into(
        rd.p_best, t, "p_best", path,
        [](double v) { return (v >= 0.5 && v <= 1.0) ? std::string() : "must lie in [0.5, 1]"; },
        false);
    if (rd.stratified())
      r.problem(t.get("stratify_by")->source(), path + ".stratify_by", "",
                "minimisation balances its `factors`; strata apply to permuted blocks");
  }
  // block_size = 4, or block_sizes = [4, 6, 8] drawn at random block by block;
  // validated whatever the method (so a sweep over methods may keep it), used
  // by permuted blocks only.
  rd.block_sizes.clear();
  const bool several = t.contains("block_sizes");
  const bool blocks = rd.method == RandomisationMethod::permuted_blocks;
  const toml::node* node = r.find(t, several ? "block_sizes" : "block_size", path, blocks);
  if (node == nullptr) return;
  const std::string key = path + (several ? ".block_sizes" : ".block_size");
  auto add = [&](const toml::node& n) {
    const auto v = n.value<std::int64_t>();
    if (!n.is_integer() || !v || *v < 1)
      r.problem(n, key, "block sizes must be positive integers");
    else
      rd.block_sizes.push_back(static_cast<int>(*v));
  };
  if (const toml::array* a = node->as_array())
    for (const auto& n : *a)
      add(n);
  else
    add(*node);
  double total = 0.0;
  bool integral = true;
  for (const auto& arm : d.arms) {
    total += arm.allocation;
    integral = integral && arm.allocation == std::floor(arm.allocation);
  }
  const auto sum = static_cast<int>(total);
  for (const int b : rd.block_sizes)
    if (!integral || sum == 0 || b % sum != 0)
      r.problem(*node, key,
                "permuted blocks need integer allocation ratios and block sizes that are "
                "multiples of their sum (" +
                    std::to_string(sum) + ")");
}

// Interim looks: `information` (fractions of sample_size, the last 1), the
// efficacy spending, optional futility (fixed z or beta spending) and whether
// futility binds. The boundaries are computed here, once.
void read_looks(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  BoundaryRequest request;
  Looks looks;
  // Looks by information fraction, or by the number of evaluable patients.
  const bool by_patients = t.contains("patients");
  const toml::node* info = r.find(t, by_patients ? "patients" : "information", path, true);
  if (info == nullptr) return;
  const toml::array* fractions = info->as_array();
  if (fractions == nullptr || fractions->size() < 2) {
    r.problem(*info, path + (by_patients ? ".patients" : ".information"),
              by_patients ? "must list at least two patient counts, the last sample_size"
                          : "must list at least two fractions, the last 1");
    return;
  }
  for (const auto& f : *fractions)
    request.information.push_back(f.value<double>().value_or(-1.0) /
                                  (by_patients ? d.sample_size : 1.0));
  r.number_into(looks.futility_cp, t, "futility_conditional_power", path, probability, false);
  // Only rejections favouring treatment count (as for fixed designs), so the
  // upper bounds are those of a one-sided design at alpha / sided.
  request.alpha = d.analysis.alpha / d.analysis.sided;
  request.sided = 1;
  try {
    request.efficacy = parse_spending(r.string(t, "efficacy", path, {}).value_or("obf"));
    if (const toml::node* fz = r.find(t, "futility_z", path, false)) {
      request.futility = FutilityKind::fixed_z;
      if (const toml::array* a = fz->as_array())
        for (const auto& z : *a)
          request.futility_z.push_back(z.value<double>().value_or(0.0));
    }
    if (auto fs = r.string(t, "futility_spending", path, {}, false)) {
      request.futility = FutilityKind::beta_spending;
      request.futility_spending = parse_spending(*fs);
      r.number_into(request.beta, t, "beta", path, [](double v) {
        return (v > 0.0 && v < 0.5) ? std::string() : "must lie in (0, 0.5)";
      });
    }
    if (const toml::node* b = r.find(t, "binding_futility", path, false))
      request.binding = b->value<bool>().value_or(false);
    looks.boundaries = compute_boundaries(request);
  } catch (const BoundaryError& e) {
    r.problem(info->source(), path, "", e.what());
    return;
  }
  for (const double f : request.information)
    looks.patients.push_back(static_cast<int>(std::lround(f * d.sample_size)));
  const std::vector<int>& look_n = looks.patients;
  for (std::size_t k = 1; k < look_n.size(); ++k)
    if (look_n[k] <= look_n[k - 1] || look_n[0] < 2)
      r.problem(*info, path + ".information", "looks must fall on distinct patient counts");
  if (d.analysis.test != TestKind::pooled_z && d.analysis.test != TestKind::unpooled_z)
    r.problem(info->source(), path, "",
              "group-sequential looks need test = pooled_z or unpooled_z");
  if (d.analysis.hypotheses.size() > 1)
    r.problem(info->source(), path, "", "group-sequential looks test one hypothesis");
  if (d.simulation == Simulation::counts &&
      d.randomisation.method == RandomisationMethod::permuted_blocks)
    for (std::size_t k = 0; k < look_n.size(); ++k)
      if ((look_n[k] - (k ? look_n[k - 1] : 0)) % d.randomisation.block_sizes.front() != 0)
        r.problem(*info, path + ".information",
                  "at count level each stage's patients must fill whole randomisation blocks");
  d.looks = std::move(looks);
}

// One hypothesis's arms (and optional subgroup) from a table with keys
// treatment, control and labels.
Hypothesis read_hypothesis(Reader& r, const toml::table& t, const std::string& path,
                           const std::vector<std::string>& arm_names, const Design& d) {
  Hypothesis h;
  if (auto arm = r.string(t, "treatment", path, arm_names))
    h.treatment_arm = find_index(arm_names, *arm);
  if (auto arm = r.string(t, "control", path, arm_names))
    h.control_arm = find_index(arm_names, *arm);
  if (h.treatment_arm == h.control_arm)
    r.problem(r.conflict(t, "treatment", "control"), path + ".control", "",
              "treatment and control must be different arms");
  h.labels = d.eligible_label;
  if (t.contains("labels")) {
    h.labels = {};
    const auto labels = label_names_with_all();
    for (const auto& label : string_array(r, t, "labels", path)) {
      const int idx = find_index(labels, label);
      if (idx < 0)
        r.problem(t.get("labels")->source(), path + ".labels", '"' + label + '"',
                  "must be mals, immunoparalysis, unclassified or all");
      else if (idx == kPhenotypes)
        h.labels = d.eligible_label;
      else
        h.labels[idx] = true;
    }
  }
  return h;
}

// The family of hypotheses: `analysis.hypotheses = [names]` in testing order,
// each defined under [designs.X.hypothesis.NAME]; without it, one hypothesis
// "primary" from analysis.treatment and analysis.control over all enrolled.
void read_hypotheses(Reader& r, const toml::table& design, const toml::table& at,
                     const std::string& path, const std::vector<std::string>& arm_names,
                     Design& d) {
  const std::string ap = path + ".analysis";
  Analysis& a = d.analysis;
  if (!at.contains("hypotheses")) {
    Hypothesis h = read_hypothesis(r, at, ap, arm_names, d);
    h.name = "primary";
    a.hypotheses.push_back(h);
  } else {
    const auto names = string_array(r, at, "hypotheses", ap);
    if (names.size() > static_cast<std::size_t>(kMaxHypotheses))
      r.problem(at.get("hypotheses")->source(), ap + ".hypotheses", "",
                "at most " + std::to_string(kMaxHypotheses) + " hypotheses");
    const toml::table* defs = r.table(design, "hypothesis", path);
    for (const auto& name : names) {
      if (defs == nullptr) break;
      if (const toml::table* ht = r.table(*defs, name, path + ".hypothesis")) {
        Hypothesis h = read_hypothesis(r, *ht, path + ".hypothesis." + name, arm_names, d);
        h.name = name;
        a.hypotheses.push_back(h);
      }
    }
  }
  const std::size_t m = a.hypotheses.size();
  for (auto& h : a.hypotheses)
    h.weight = 1.0 / static_cast<double>(std::max<std::size_t>(m, 1));
  if (const toml::node* w = r.find(at, "weights", ap, false)) {
    const toml::array* weights = w->as_array();
    double sum = 0.0;
    bool ok = weights != nullptr && weights->size() == m;
    for (std::size_t i = 0; ok && i < m; ++i) {
      const auto v = (*weights)[i].value<double>();
      ok = v && *v > 0.0;
      if (ok) {
        a.hypotheses[i].weight = *v;
        sum += *v;
      }
    }
    if (!ok || std::abs(sum - 1.0) > 1e-9)
      r.problem(*w, ap + ".weights",
                "must give one positive weight per hypothesis (" + std::to_string(m) +
                    "), summing to 1");
    if (a.multiplicity == Multiplicity::hochberg || a.multiplicity == Multiplicity::dunnett ||
        a.multiplicity == Multiplicity::dunnett_stepdown ||
        a.multiplicity == Multiplicity::fixed_sequence)
      r.problem(*w, ap + ".weights", "weights apply to bonferroni, holm and fallback only");
  }
  if (a.multiplicity == Multiplicity::dunnett || a.multiplicity == Multiplicity::dunnett_stepdown) {
    for (const auto& h : a.hypotheses)
      if (h.control_arm != a.hypotheses[0].control_arm || h.labels != a.hypotheses[0].labels)
        r.problem(at.source(), ap + ".multiplicity", "\"dunnett\"",
                  "Dunnett compares several arms with one shared control in one population: "
                  "every hypothesis needs the same control and labels");
  }
}

void read_design(Reader& r, const toml::table& t, const std::string& path, const std::string& name,
                 Scenario& s) {
  Design d;
  d.name = name;
  const auto labels = label_names_with_all();
  for (const auto& label : string_array(r, t, "eligible_labels", path)) {
    const int idx = find_index(labels, label);
    if (idx < 0) {
      r.problem(t.get("eligible_labels")->source(), path + ".eligible_labels", '"' + label + '"',
                "must be mals, immunoparalysis, unclassified or all");
    } else if (idx == kPhenotypes) {
      d.eligible_label.fill(true);
    } else {
      d.eligible_label[idx] = true;
    }
  }
  const auto arm_names = string_array(r, t, "arms", path);
  if (arm_names.size() == 1 || arm_names.size() > static_cast<std::size_t>(kMaxArms))
    r.problem(t.get("arms")->source(), path + ".arms", std::to_string(arm_names.size()) + " arms",
              "a design needs between 2 and " + std::to_string(kMaxArms) + " arms");
  if (std::set<std::string>(arm_names.begin(), arm_names.end()).size() != arm_names.size())
    r.problem(t.get("arms")->source(), path + ".arms", "", "arm names must be distinct");

  if (const toml::node* alloc = r.find(t, "allocation", path, true)) {
    const toml::array* a = alloc->as_array();
    if (a == nullptr || a->size() != arm_names.size()) {
      r.problem(*alloc, path + ".allocation",
                "must be an array with one positive number per arm (" +
                    std::to_string(arm_names.size()) + " arms)");
    } else {
      for (std::size_t i = 0; i < arm_names.size(); ++i) {
        Arm arm;
        arm.name = arm_names[i];
        const auto v = (*a)[i].value<double>();
        if (!v || !(*v > 0.0)) r.problem((*a)[i], path + ".allocation", "entries must be > 0");
        arm.allocation = v.value_or(1.0);
        d.arms.push_back(std::move(arm));
      }
    }
  }
  if (auto n = r.integer(t, "sample_size", path, positive_integer)) {
    if (*n > 10'000'000)
      r.problem(t.get("sample_size")->source(), path + ".sample_size", std::to_string(*n),
                "must be at most 10,000,000");
    else
      d.sample_size = static_cast<int>(*n);
  }
  // quota = { mals = 0.3, unclassified = 0.7 }: shares of sample_size per label.
  if (const toml::table* q = r.table(t, "quota", path, false)) {
    Quota& quota = d.quota.emplace();
    double total = 0.0;
    int assigned = 0, last = -1;
    for (int l = 0; l < kPhenotypes; ++l) {
      const auto share = r.number(*q, kPhenotypeNames[l], path + ".quota", probability, false);
      if (!share) continue;
      if (!d.eligible_label[l])
        r.problem(q->get(kPhenotypeNames[l])->source(),
                  path + ".quota." + std::string(kPhenotypeNames[l]), "",
                  "a quota needs the label among eligible_labels");
      total += *share;
      quota.patients[l] = static_cast<int>(std::lround(*share * d.sample_size));
      assigned += quota.patients[l];
      last = l;
    }
    if (std::abs(total - 1.0) > 1e-9 || last < 0)
      r.problem(q->source(), path + ".quota", "", "label shares must sum to 1");
    else
      quota.patients[last] += d.sample_size - assigned; // rounding goes to the last label
  }

  if (const toml::table* policy = r.table(t, "policy", path)) {
    for (auto& arm : d.arms) {
      const std::string p = path + ".policy." + arm.name;
      if (const toml::node* n = r.find(*policy, arm.name, path + ".policy", true))
        read_policy(r, *n, p, s, d.eligible_label, arm);
    }
  }

  if (const toml::table* rt = r.table(t, "randomisation", path))
    read_randomisation(r, *rt, path + ".randomisation", d);

  if (const toml::table* at = r.table(t, "analysis", path)) {
    const std::string ap = path + ".analysis";
    const std::vector<std::string> tests(kTestNames.begin(), kTestNames.end());
    if (auto test = r.string(*at, "test", ap, tests))
      d.analysis.test = static_cast<TestKind>(find_index(tests, *test));
    r.number_into(d.analysis.alpha, *at, "alpha", ap, [](double v) {
      return (v > 0.0 && v < 1.0) ? std::string() : "must lie strictly between 0 and 1";
    });
    if (auto sided = r.integer(*at, "sided", ap, [](double v) {
          return (v == 1.0 || v == 2.0) ? std::string() : "must be 1 or 2";
        }))
      d.analysis.sided = static_cast<int>(*sided);
    const std::vector<std::string> procedures(kMultiplicityNames.begin(), kMultiplicityNames.end());
    r.number_into(d.analysis.prior_a, *at, "prior_a", ap, positive, false);
    r.number_into(d.analysis.prior_b, *at, "prior_b", ap, positive, false);
    if (auto m = r.string(*at, "multiplicity", ap, procedures, false))
      d.analysis.multiplicity = static_cast<Multiplicity>(find_index(procedures, *m));
    read_hypotheses(r, t, *at, path, arm_names, d);
  }
  if (auto mode = r.string(t, "simulation", path, {"patients", "counts"}, false)) {
    d.simulation = *mode == "counts" ? Simulation::counts : Simulation::patients;
    if (d.simulation == Simulation::counts && d.quota)
      r.problem(t.get("simulation")->source(), path + ".simulation", "\"counts\"",
                "enrolment quotas need \"patients\"");
    if (d.simulation == Simulation::counts &&
        (needs_patient_records(d.analysis.test) || continuous_endpoint(d.analysis.test)))
      r.problem(t.get("simulation")->source(), path + ".simulation", "\"counts\"",
                "the " + std::string(kTestNames[static_cast<int>(d.analysis.test)]) +
                    " analysis needs every patient: use \"patients\"");
    if (d.simulation == Simulation::counts &&
        (d.randomisation.stratified() ||
         d.randomisation.method == RandomisationMethod::minimisation ||
         d.randomisation.block_sizes.size() > 1))
      r.problem(t.get("simulation")->source(), path + ".simulation", "\"counts\"",
                "needs simple randomisation or fixed-size permuted blocks without strata; use "
                "\"patients\" for stratified designs");
  }
  if (const toml::table* lt = r.table(t, "looks", path, false))
    read_looks(r, *lt, path + ".looks", d);
  if (const toml::table* st = r.table(t, "reestimation", path, false)) {
    const std::string sp = path + ".reestimation";
    Reestimation& re = d.reestimation.emplace();
    double fraction = 0.5;
    r.number_into(fraction, *st, "interim_fraction", sp, [](double v) {
      return (v > 0.0 && v < 1.0) ? std::string() : "must lie strictly between 0 and 1";
    });
    re.interim_patients = static_cast<int>(std::lround(fraction * d.sample_size));
    if (auto m = r.integer(*st, "max_sample_size", sp, positive_integer)) {
      re.max_sample_size = static_cast<int>(*m);
      if (re.max_sample_size < d.sample_size)
        r.problem(st->get("max_sample_size")->source(), sp + ".max_sample_size", std::to_string(*m),
                  "must be at least sample_size");
    }
    r.number_into(re.cp_min, *st, "cp_min", sp, probability, false);
    r.number_into(re.target_cp, *st, "target_cp", sp, probability, false);
    if (d.looks || d.simulation == Simulation::counts ||
        (d.analysis.test != TestKind::pooled_z && d.analysis.test != TestKind::unpooled_z) ||
        d.analysis.hypotheses.size() > 1)
      r.problem(st->source(), sp, "",
                "re-estimation needs a single pooled_z or unpooled_z hypothesis at the patient "
                "level, without looks");
  }
  if (const toml::table* at = r.table(t, "accrual", path, false)) {
    const std::string ap = path + ".accrual";
    Accrual& accrual = d.accrual.emplace();
    // patients_per_month = 15.0, or piecewise: [5.0, 10.0, 15.0] with
    // from_month = [0.0, 3.0, 6.0].
    if (const toml::node* rates = r.find(*at, "patients_per_month", ap, true)) {
      if (const toml::array* a = rates->as_array()) {
        for (const auto& v : *a)
          accrual.rates.push_back(v.value<double>().value_or(-1.0));
        if (const toml::node* from = r.find(*at, "from_month", ap, true))
          if (const toml::array* f = from->as_array())
            for (const auto& v : *f)
              accrual.from_month.push_back(v.value<double>().value_or(-1.0));
      } else {
        accrual.rates = {rates->value<double>().value_or(-1.0)};
        accrual.from_month = {0.0};
      }
      bool ok = !accrual.rates.empty() && accrual.rates.size() == accrual.from_month.size() &&
                accrual.from_month.front() == 0.0;
      for (std::size_t i = 0; ok && i < accrual.rates.size(); ++i)
        ok =
            accrual.rates[i] > 0.0 && (i == 0 || accrual.from_month[i] > accrual.from_month[i - 1]);
      if (!ok)
        r.problem(*rates, ap + ".patients_per_month",
                  "must be a positive rate, or positive rates with from_month = [0, ...] "
                  "increasing, one start per rate");
      accrual.patients_per_month = accrual.rates.empty() ? 0.0 : accrual.rates.back();
    }
    r.number_into(accrual.ramp_up_months, *at, "ramp_up_months", ap, non_negative, false);
    if (accrual.ramp_up_months > 0.0 && accrual.rates.size() > 1)
      r.problem(at->source(), ap + ".ramp_up_months", "",
                "give a ramp-up or piecewise rates, not both");
    r.number_into(accrual.endpoint_delay_days, *at, "endpoint_delay_days", ap, non_negative, false);
    if (d.simulation == Simulation::counts)
      r.problem(at->source(), ap, "",
                "accrual and the endpoint delay need simulation = \"patients\"");
  }
  // Dunnett's critical values index the arms through the hypotheses, so they
  // wait for a scenario read without problems (one with problems is never used).
  if (r.problems().empty()) derive_critical_values(d.analysis, d.arms);
  s.designs.push_back(std::move(d));
}

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

// The model constants (sim/cohort's calibration), and the problems only they
// reveal, placed in the file.
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

} // namespace

Scenario parse_scenario(std::string_view toml_text, const std::string& source,
                        const std::vector<Override>& overrides, bool null_hypothesis) {
  const toml::table root = input::layered_scenario(toml_text, source, overrides, null_hypothesis);

  Scenario s;
  s.source = source;
  std::ostringstream text;
  text << root;
  s.text = text.str();

  Reader r(source);
  if (auto v = r.integer(root, "format_version", "", [](double x) {
        return x == kFormatVersion
                   ? std::string()
                   : "this sepsim reads format_version = " + std::to_string(kFormatVersion);
      })) {
    (void)v;
  }
  s.name = r.string(root, "name", "", {}, false).value_or("");
  if (s.name.empty()) {
    const auto slash = source.find_last_of('/');
    s.name = source.substr(slash == std::string::npos ? 0 : slash + 1);
    if (const auto dot = s.name.rfind('.'); dot != std::string::npos) s.name.resize(dot);
  }
  s.description = r.string(root, "description", "", {}, false).value_or("");

  read_population(r, root, s.population);
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
  }
  read_treatments(r, root, s);
  s.null_hypothesis = null_hypothesis;
  {
    const auto name = r.string(root, "placebo", "", {}, false);
    for (std::size_t t = 0; t < s.treatments.size(); ++t)
      if (s.treatments[t].name == name.value_or("placebo")) s.placebo = static_cast<int>(t);
    if (name && s.placebo < 0)
      r.problem(root.get("placebo")->source(), "placebo", '"' + *name + '"',
                "must name a treatment defined under [treatments]");
  }
  if (const toml::table* designs = r.table(root, "designs", "")) {
    if (designs->empty())
      r.problem(designs->source(), "designs", "", "at least one design is required");
    for (auto&& [key, node] : *designs) {
      const std::string path = join("designs", key.str());
      r.use(path);
      if (const toml::table* t = node.as_table())
        read_design(r, *t, path, std::string(key.str()), s);
      else
        r.problem(node, path, "must be a table");
    }
  }
  if (r.problems().empty()) derive(r, root, s);
  r.report_unknown(root, "");
  if (!r.problems().empty()) {
    auto problems = std::move(r.problems());
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
      return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
    });
    throw ScenarioError(std::move(problems));
  }
  return s;
}

Scenario load_scenario(const std::string& path, const std::vector<Override>& overrides,
                       bool null_hypothesis) {
  return parse_scenario(input::read_text(path), path, overrides, null_hypothesis);
}

Scenario load_default_scenario(const std::vector<Override>& overrides, bool null_hypothesis) {
  return parse_scenario(default_scenario_text(), "scenarios/immunosep.toml (bundled)", overrides,
                        null_hypothesis);
}

} // namespace sepsim

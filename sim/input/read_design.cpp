// A design: who is eligible, the arms and the policies they give, sample size
// and quotas, randomisation, how a replicate is simulated, re-estimation and
// accrual. The analysis and looks are read by read_analysis.cpp.
#include "read.hpp"

#include "sepsim/stats/critical_values.hpp"
#include "sepsim/stats/tests.hpp"

#include <algorithm>
#include <cmath>
#include <set>

namespace sepsim::input {

namespace {

std::vector<std::string> treatment_names(const Scenario& s) {
  std::vector<std::string> names;
  for (const auto& t : s.treatments)
    names.push_back(t.name);
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

void read_policies(Reader& r, const toml::table& t, const std::string& path, const Scenario& s,
                   Design& d) {
  const toml::table* policy = r.table(t, "policy", path);
  if (policy == nullptr) return;
  for (auto& arm : d.arms) {
    const std::string p = path + ".policy." + arm.name;
    if (const toml::node* n = r.find(*policy, arm.name, path + ".policy", true))
      read_policy(r, *n, p, s, d.eligible_label, arm);
  }
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

// block_size = 4, or block_sizes = [4, 6, 8] drawn at random block by block;
// validated whatever the method (so a sweep over methods may keep it), used
// by permuted blocks only.
constexpr std::int64_t kMaxBlockSize = 100000;

void read_block_sizes(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  Randomisation& rd = d.randomisation;
  rd.block_sizes.clear();
  const bool several = t.contains("block_sizes");
  const bool blocks = rd.method == RandomisationMethod::permuted_blocks;
  const toml::node* node = r.find(t, several ? "block_sizes" : "block_size", path, blocks);
  if (node == nullptr) return;
  const std::string key = path + (several ? ".block_sizes" : ".block_size");
  auto add = [&](const toml::node& n) {
    const auto v = n.value<std::int64_t>();
    if (!n.is_integer() || !v || *v < 1 || *v > kMaxBlockSize)
      r.problem(n, key, "block sizes must be integers from 1 to " + std::to_string(kMaxBlockSize));
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
  integral = integral && total <= kMaxBlockSize;
  const int sum = integral ? static_cast<int>(total) : 0;
  for (const int b : rd.block_sizes)
    if (sum == 0 || b % sum != 0)
      r.problem(*node, key,
                "permuted blocks need integer allocation ratios summing to at most " +
                    std::to_string(kMaxBlockSize) +
                    " and block sizes that are multiples of their sum" +
                    (sum > 0 ? " (" + std::to_string(sum) + ")" : std::string()));
}

// Simple, permuted blocks (fixed or random sizes, optional strata) or
// Pocock-Simon minimisation with a random element.
void read_randomisation(Reader& r, const toml::table& design, const std::string& design_path,
                        Design& d) {
  const toml::table* rt = r.table(design, "randomisation", design_path);
  if (rt == nullptr) return;
  const toml::table& t = *rt;
  const std::string path = design_path + ".randomisation";
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
  read_block_sizes(r, t, path, d);
}

// label = "Precision (anakinra / IFN-γ)": the design's name in reports and
// figures; 1 to 80 characters (UTF-8 code points), not blank, no control characters.
void read_label(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  auto label = r.string(t, "label", path, {}, false);
  if (!label) return;
  std::size_t characters = 0;
  bool blank = true, control = false;
  for (const char c : *label) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte & 0xC0U) != 0x80U) ++characters; // not a UTF-8 continuation byte
    blank = blank && (byte == ' ' || byte == '\t');
    control = control || byte < 0x20U || byte == 0x7FU;
  }
  if (blank || control || characters > 80)
    r.problem(*t.get("label"), path + ".label",
              "must be a non-empty string of at most 80 characters, without control characters");
  else
    d.label = *label;
}

void read_eligible_labels(Reader& r, const toml::table& t, const std::string& path, Design& d) {
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
}

// The arms' names (returned, for the policies and hypotheses that name them)
// and their allocation; the arms exist only when the allocation fits them.
std::vector<std::string> read_arms(Reader& r, const toml::table& t, const std::string& path,
                                   Design& d) {
  const auto arm_names = string_array(r, t, "arms", path);
  if (arm_names.size() == 1 || arm_names.size() > static_cast<std::size_t>(kMaxArms))
    r.problem(t.get("arms")->source(), path + ".arms", std::to_string(arm_names.size()) + " arms",
              "a design needs between 2 and " + std::to_string(kMaxArms) + " arms");
  for (const auto& name : arm_names)
    check_name(r, t.get("arms")->source(), path + ".arms", name);
  if (std::set<std::string>(arm_names.begin(), arm_names.end()).size() != arm_names.size())
    r.problem(t.get("arms")->source(), path + ".arms", "", "arm names must be distinct");
  const toml::node* alloc = r.find(t, "allocation", path, true);
  if (alloc == nullptr) return arm_names;
  const toml::array* a = alloc->as_array();
  if (a == nullptr || a->size() != arm_names.size()) {
    r.problem(*alloc, path + ".allocation",
              "must be an array with one positive number per arm (" +
                  std::to_string(arm_names.size()) + " arms)");
    return arm_names;
  }
  for (std::size_t i = 0; i < arm_names.size(); ++i) {
    Arm arm;
    arm.name = arm_names[i];
    const auto v = (*a)[i].value<double>();
    // Bounded, so that the patients every arm needs and block lengths stay
    // finite integers.
    if (!v || !(*v >= 1e-6 && *v <= 1e6))
      r.problem((*a)[i], path + ".allocation", "entries must be numbers from 1e-6 to 1e6");
    arm.allocation = v.value_or(1.0);
    d.arms.push_back(std::move(arm));
  }
  return arm_names;
}

void read_sample_size(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  auto n = r.integer(t, "sample_size", path, positive_integer);
  if (!n) return;
  if (*n > 10'000'000)
    r.problem(t.get("sample_size")->source(), path + ".sample_size", std::to_string(*n),
              "must be at most 10,000,000");
  else
    d.sample_size = static_cast<int>(*n);
  if (d.arms.empty()) return;
  const std::int64_t needed = patients_for_every_arm(d);
  if (d.sample_size < needed)
    r.problem(t.get("sample_size")->source(), path + ".sample_size", std::to_string(*n),
              "cannot give every arm a patient at this allocation: needs at least " +
                  std::to_string(needed));
}

// quota = { mals = 0.3, unclassified = 0.7 }: shares of sample_size per label.
void read_quota(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  const toml::table* q = r.table(t, "quota", path, false);
  if (q == nullptr) return;
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

// Checked against the analysis and randomisation, so read after them.
void read_simulation(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  auto mode = r.string(t, "simulation", path, {"patients", "counts"}, false);
  if (!mode) return;
  d.simulation = *mode == "counts" ? Simulation::counts : Simulation::patients;
  if (d.simulation != Simulation::counts) return;
  const toml::source_region& where = t.get("simulation")->source();
  const std::string key = path + ".simulation";
  // Quotas at count level: only in the stage-wise sampler of looks with
  // several hypotheses (fixed label shares per stage, as rpact's prevalences).
  if (d.quota && !(t.contains("looks") && d.analysis.hypotheses.size() > 1))
    r.problem(where, key, "\"counts\"",
              "enrolment quotas need \"patients\" (or looks with several hypotheses)");
  const bool survival = time_to_event_at_count_level(d.analysis.test);
  if ((needs_patient_records(d.analysis.test) && !survival) ||
      continuous_endpoint(d.analysis.test) || ordinal_endpoint(d.analysis.test))
    r.problem(where, key, "\"counts\"",
              "the " + std::string(kTestNames[static_cast<int>(d.analysis.test)]) +
                  " analysis needs every patient: use \"patients\"");
  if (!survival && d.analysis.endpoint == PrimaryEndpoint::death && d.follow_up_days != 28.0 &&
      d.follow_up_days != 90.0)
    r.problem(where, key, "\"counts\"",
              "death by follow_up_days = " + std::to_string(static_cast<int>(d.follow_up_days)) +
                  " needs \"patients\" (count level knows deaths by day 28 and 90)");
  if (d.randomisation.stratified() || d.randomisation.method == RandomisationMethod::minimisation ||
      d.randomisation.block_sizes.size() > 1)
    r.problem(where, key, "\"counts\"",
              "needs simple randomisation or fixed-size permuted blocks without strata; use "
              "\"patients\" for stratified designs");
}

// secondary_outcomes = false: count level with a response endpoint only.
void read_secondary_outcomes(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  const toml::node* node = r.find(t, "secondary_outcomes", path, false);
  if (node == nullptr) return;
  const std::string key = path + ".secondary_outcomes";
  if (!node->is_boolean()) return r.problem(*node, key, "must be true or false");
  d.secondary_outcomes = node->value<bool>().value_or(true);
  if (d.secondary_outcomes) return;
  if (d.simulation != Simulation::counts)
    r.problem(*node, key,
              "false needs simulation = \"counts\" (the patient level draws every outcome)");
  else if (d.analysis.endpoint != PrimaryEndpoint::response)
    r.problem(*node, key,
              "false needs the response endpoint (the death endpoint draws the deaths anyway)");
}

void read_reestimation(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  const toml::table* st = r.table(t, "reestimation", path, false);
  if (st == nullptr) return;
  const std::string sp = path + ".reestimation";
  Reestimation& re = d.reestimation.emplace();
  double fraction = 0.5;
  r.number_into(fraction, *st, "interim_fraction", sp, [](double v) {
    return (v > 0.0 && v < 1.0) ? std::string() : "must lie strictly between 0 and 1";
  });
  re.interim_patients = static_cast<int>(std::lround(fraction * d.sample_size));
  if (auto m = r.integer(*st, "max_sample_size", sp, positive_integer)) {
    re.max_sample_size = static_cast<int>(*m);
    if (re.max_sample_size > 10'000'000)
      r.problem(st->get("max_sample_size")->source(), sp + ".max_sample_size", std::to_string(*m),
                "must be at most 10,000,000");
    else if (re.max_sample_size < d.sample_size)
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

// patients_per_month = 15.0, or piecewise: [5.0, 10.0, 15.0] with
// from_month = [0.0, 3.0, 6.0].
void read_accrual_rates(Reader& r, const toml::table& at, const std::string& ap, Accrual& accrual) {
  const toml::node* rates = r.find(at, "patients_per_month", ap, true);
  if (rates == nullptr) return;
  if (const toml::array* a = rates->as_array()) {
    for (const auto& v : *a)
      accrual.rates.push_back(v.value<double>().value_or(-1.0));
    if (const toml::node* from = r.find(at, "from_month", ap, true))
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
    ok = accrual.rates[i] > 0.0 && (i == 0 || accrual.from_month[i] > accrual.from_month[i - 1]);
  if (!ok)
    r.problem(*rates, ap + ".patients_per_month",
              "must be a positive rate, or positive rates with from_month = [0, ...] "
              "increasing, one start per rate");
  accrual.patients_per_month = accrual.rates.empty() ? 0.0 : accrual.rates.back();
}

// lost = 0.05 (every arm) or { precision = 0.05, placebo = 0.08 }; excluded;
// binary = "complete_cases" (default) or "worst_case".
void read_dropout(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  const toml::table* dt = r.table(t, "dropout", path, false);
  if (dt == nullptr) return;
  const std::string dp = path + ".dropout";
  Dropout& dropout = d.dropout.emplace();
  const Reader::Rule below_one = [](double v) {
    return (v >= 0.0 && v < 1.0) ? std::string() : "must lie in [0, 1)";
  };
  r.accept(dp + ".lost");
  if (const toml::node* lost = r.find(*dt, "lost", dp, false)) {
    if (const toml::table* per_arm = lost->as_table()) {
      r.use(dp + ".lost");
      for (std::size_t a = 0; a < d.arms.size(); ++a)
        if (auto v = r.number(*per_arm, d.arms[a].name, dp + ".lost", below_one))
          dropout.lost[a] = *v;
    } else if (auto v = r.number(*dt, "lost", dp, below_one)) {
      dropout.lost.fill(*v);
    }
  }
  r.number_into(dropout.excluded, *dt, "excluded", dp, below_one, false);
  if (auto rule = r.string(*dt, "binary", dp, {"complete_cases", "worst_case"}, false))
    dropout.worst_case = *rule == "worst_case";
  if (d.simulation == Simulation::counts)
    r.problem(dt->source(), dp, "", "dropout needs simulation = \"patients\"");
}

void read_accrual(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  const toml::table* at = r.table(t, "accrual", path, false);
  if (at == nullptr) return;
  const std::string ap = path + ".accrual";
  Accrual& accrual = d.accrual.emplace();
  read_accrual_rates(r, *at, ap, accrual);
  r.number_into(accrual.ramp_up_months, *at, "ramp_up_months", ap, non_negative, false);
  if (accrual.ramp_up_months > 0.0 && accrual.rates.size() > 1)
    r.problem(at->source(), ap + ".ramp_up_months", "",
              "give a ramp-up or piecewise rates, not both");
  r.number_into(accrual.endpoint_delay_days, *at, "endpoint_delay_days", ap, non_negative, false);
  if (d.simulation == Simulation::counts && !(d.looks && d.looks->by_events()))
    r.problem(at->source(), ap, "",
              "accrual and the endpoint delay need simulation = \"patients\" (at count level, "
              "only designs with looks at a number of deaths have accrual)");
}

// The order matters: later parts are checked against earlier ones (quotas
// against eligibility, the simulation mode against the analysis, looks and
// re-estimation against both).
void read_design(Reader& r, const toml::table& t, const std::string& path, const std::string& name,
                 Scenario& s) {
  Design d;
  d.name = name;
  d.stream = static_cast<std::uint32_t>(s.designs.size());
  if (auto stream = r.integer(t, "stream", path, in_range(0, 1000000), false))
    d.stream = static_cast<std::uint32_t>(*stream);
  read_label(r, t, path, d);
  read_eligible_labels(r, t, path, d);
  const auto arm_names = read_arms(r, t, path, d);
  read_sample_size(r, t, path, d);
  // Follow-up of time-to-event analyses: up to the 90 days the model simulates.
  r.number_into(d.follow_up_days, t, "follow_up_days", path, in_range(1.0, kMaxFollowUpDays),
                false);
  read_quota(r, t, path, d);
  read_policies(r, t, path, s, d);
  read_randomisation(r, t, path, d);
  read_analysis(r, t, path, arm_names, d);
  read_simulation(r, t, path, d);
  read_secondary_outcomes(r, t, path, d);
  read_looks(r, t, path, d);
  read_selection(r, t, path, d);
  read_reestimation(r, t, path, d);
  read_accrual(r, t, path, d);
  read_dropout(r, t, path, d);
  check_event_looks(r, t, path, d);
  // Dunnett's critical values index the arms through the hypotheses, so they
  // wait for a scenario read without problems (one with problems is never used).
  if (r.problems().empty()) derive_critical_values(d.analysis, d.arms);
  s.designs.push_back(std::move(d));
}

} // namespace

std::int64_t patients_for_every_arm(const Design& d) {
  double total = 0.0, smallest = 0.0;
  for (const auto& arm : d.arms) {
    total += arm.allocation;
    smallest = smallest == 0.0 ? arm.allocation : std::min(smallest, arm.allocation);
  }
  if (!(smallest > 0.0)) return 0;
  const double needed = std::ceil(total / smallest - 1e-9);
  return static_cast<std::int64_t>(needed); // at most 1e12 + 1: entries are within 1e-6..1e6
}

void read_designs(Reader& r, const toml::table& root, Scenario& s) {
  const toml::table* designs = r.table(root, "designs", "");
  if (designs == nullptr) return;
  if (designs->empty())
    r.problem(designs->source(), "designs", "", "at least one design is required");
  for (auto&& [key, node] : *designs) {
    const std::string path = join("designs", key.str());
    r.use(path);
    check_name(r, node.source(), path, std::string(key.str()));
    if (const toml::table* t = node.as_table())
      read_design(r, *t, path, std::string(key.str()), s);
    else
      r.problem(node, path, "must be a table");
  }
}

} // namespace sepsim::input

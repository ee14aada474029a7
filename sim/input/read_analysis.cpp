// A design's analysis: the test, its level, the family of hypotheses and how
// it controls multiplicity, and group-sequential looks with their boundaries.
#include "read.hpp"

#include "sepsim/stats/boundaries.hpp"
#include "sepsim/stats/stagewise.hpp"
#include "sepsim/stats/tests.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

namespace sepsim::input {

namespace {

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
    bool anyone = false;
    for (int l = 0; l < kPhenotypes; ++l)
      anyone = anyone || (h.labels[l] && d.eligible_label[l]);
    if (!anyone)
      r.problem(t.get("labels")->source(), path + ".labels", "",
                "no label of this hypothesis is eligible in the design: it would test nobody");
  }
  return h;
}

// Equal weights unless `weights` gives one per hypothesis.
void read_weights(Reader& r, const toml::table& at, const std::string& ap, Analysis& a) {
  const std::size_t m = a.hypotheses.size();
  for (auto& h : a.hypotheses)
    h.weight = 1.0 / static_cast<double>(std::max<std::size_t>(m, 1));
  const toml::node* w = r.find(at, "weights", ap, false);
  if (w == nullptr) return;
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
      check_name(r, at.get("hypotheses")->source(), ap + ".hypotheses", name);
      if (defs == nullptr) break;
      if (const toml::table* ht = r.table(*defs, name, path + ".hypothesis")) {
        Hypothesis h = read_hypothesis(r, *ht, path + ".hypothesis." + name, arm_names, d);
        h.name = name;
        a.hypotheses.push_back(h);
      }
    }
  }
  read_weights(r, at, ap, a);
  read_transitions(r, at, ap, a);
  if (a.multiplicity == Multiplicity::dunnett || a.multiplicity == Multiplicity::dunnett_stepdown) {
    for (const auto& h : a.hypotheses)
      if (h.control_arm != a.hypotheses[0].control_arm || h.labels != a.hypotheses[0].labels)
        r.problem(at.source(), ap + ".multiplicity", "\"dunnett\"",
                  "Dunnett compares several arms with one shared control in one population: "
                  "every hypothesis needs the same control and labels");
  }
}

// The boundaries of the looks at `request.information`, or why they cannot be
// computed (a BoundaryError, from the spending functions or the numerics);
// none when a spending text was refused (reported at its key).
std::optional<Boundaries> read_boundaries(Reader& r, const toml::table& t, const std::string& path,
                                          BoundaryRequest& request) {
  // Every key is read before a spending name can throw, so none looks unknown.
  const std::string efficacy = r.string(t, "efficacy", path, {}).value_or("obf");
  if (const toml::node* fz = r.find(t, "futility_z", path, false)) {
    request.futility = FutilityKind::fixed_z;
    if (const toml::array* a = fz->as_array())
      for (const auto& z : *a)
        request.futility_z.push_back(z.value<double>().value_or(0.0));
  }
  const auto futility_spending = r.string(t, "futility_spending", path, {}, false);
  if (futility_spending) {
    request.futility = FutilityKind::beta_spending;
    r.number_into(request.beta, t, "beta", path, [](double v) {
      return (v > 0.0 && v < 0.5) ? std::string() : "must lie in (0, 0.5)";
    });
  }
  if (const toml::node* b = r.find(t, "binding_futility", path, false))
    request.binding = b->value<bool>().value_or(false);
  // A spending text that does not parse is reported at its own key.
  bool parsed = true;
  auto parse_at = [&](const char* key, const std::string& text) {
    try {
      return parse_spending(text);
    } catch (const BoundaryError& e) {
      const toml::node* node = r.find(t, key, path, false);
      if (node == nullptr) throw;
      r.problem(*node, path + "." + key, e.what());
      parsed = false;
      return SpendingSpec{};
    }
  };
  request.efficacy = parse_at("efficacy", efficacy);
  if (futility_spending)
    request.futility_spending = parse_at("futility_spending", *futility_spending);
  if (!parsed) return std::nullopt;
  return compute_boundaries(request);
}

// What looks at these patient counts ask of the rest of the design.
void check_looks(Reader& r, const toml::node& info, const std::string& path, const Design& d,
                 const std::vector<int>& look_n) {
  if (const std::int64_t needed = patients_for_every_arm(d); !look_n.empty() && look_n[0] < needed)
    r.problem(info, path + ".information",
              "the first look, at " + std::to_string(look_n[0]) +
                  " patients, cannot give every arm a patient: it needs at least " +
                  std::to_string(needed));
  for (std::size_t k = 1; k < look_n.size(); ++k)
    if (look_n[k] <= look_n[k - 1] || look_n[0] < 2)
      r.problem(info, path + ".information", "looks must fall on distinct patient counts");
  const TestKind test = d.analysis.test;
  if (d.analysis.hypotheses.size() < 2 && test != TestKind::pooled_z &&
      test != TestKind::unpooled_z && test != TestKind::proportional_odds &&
      test != TestKind::wilcoxon)
    r.problem(info.source(), path, "",
              "group-sequential looks need test = pooled_z, unpooled_z, proportional_odds or "
              "wilcoxon");
  if (d.simulation == Simulation::counts &&
      d.randomisation.method == RandomisationMethod::permuted_blocks)
    for (std::size_t k = 0; k < look_n.size(); ++k)
      if ((look_n[k] - (k ? look_n[k - 1] : 0)) % d.randomisation.block_sizes.front() != 0)
        r.problem(info, path + ".information",
                  "at count level each stage's patients must fill whole randomisation blocks");
}

// Whether an ordinal-scale test accepts the endpoint: the ordinal status and
// organ-support-free days, and the composite for the win statistics.
bool ordinal_accepts(TestKind test, PrimaryEndpoint e) {
  if (e == PrimaryEndpoint::ordinal_status || e == PrimaryEndpoint::organ_support_free_days)
    return true;
  return e == PrimaryEndpoint::composite && test != TestKind::proportional_odds &&
         test != TestKind::proportional_odds_adjusted && test != TestKind::wilcoxon;
}

// endpoint = "response" (default) or "death" (death by follow_up_days) for
// binary tests; time-to-event tests analyse death whatever it says; ordinal
// tests the day-28 ordinal status (default), organ-support-free days, or
// (win statistics) the composite.
void read_endpoint(Reader& r, const toml::table& at, const std::string& ap, Design& d) {
  const std::vector<std::string> names(kPrimaryEndpointNames.begin(), kPrimaryEndpointNames.end());
  const Scale scale = test_spec(d.analysis.test).scale;
  const auto endpoint = r.string(at, "endpoint", ap, names, false);
  if (scale == Scale::time_to_event) d.analysis.endpoint = PrimaryEndpoint::death;
  if (scale == Scale::ordinal) d.analysis.endpoint = PrimaryEndpoint::ordinal_status;
  if (!endpoint) return;
  d.analysis.endpoint = static_cast<PrimaryEndpoint>(find_index(names, *endpoint));
  const bool ordinal = d.analysis.endpoint >= PrimaryEndpoint::ordinal_status;
  if (scale == Scale::ordinal && !ordinal_accepts(d.analysis.test, d.analysis.endpoint))
    r.problem(*at.get("endpoint"), ap + ".endpoint",
              "ordinal tests analyse \"ordinal_status\" or \"organ_support_free_days\"; the "
              "\"composite\" needs a win statistic (win_ratio, win_odds, net_benefit, door)");
  if (scale != Scale::ordinal && ordinal)
    r.problem(*at.get("endpoint"), ap + ".endpoint",
              "an ordinal or composite endpoint needs an ordinal test (proportional_odds, "
              "proportional_odds_adjusted, wilcoxon, win_ratio, win_odds, net_benefit, door)");
  if (scale == Scale::ordinal || ordinal) return;
  if (d.analysis.endpoint == PrimaryEndpoint::death && scale == Scale::continuous)
    r.problem(*at.get("endpoint"), ap + ".endpoint",
              "the continuous tests analyse the day-9 SOFA change: use a binary or "
              "time-to-event test for death");
  if (d.analysis.endpoint == PrimaryEndpoint::response && scale == Scale::time_to_event)
    r.problem(*at.get("endpoint"), ap + ".endpoint",
              "time-to-event tests analyse the day of death: endpoint must be \"death\"");
}

// Event-driven looks: deaths at each look, strictly increasing positive
// integers, the last at most sample_size; a single time-to-event hypothesis.
// The accrual they need is checked by check_event_looks, once it is read.
bool read_event_counts(Reader& r, const toml::array& events, const toml::node& node,
                       const std::string& path, const Design& d, Looks& looks) {
  bool ok = true;
  for (const auto& e : events) {
    const auto v = e.value<std::int64_t>();
    if (!e.is_integer() || !v || *v < 1 || *v > 10'000'000)
      ok = false;
    else
      looks.events.push_back(static_cast<int>(*v));
  }
  for (std::size_t k = 1; ok && k < looks.events.size(); ++k)
    ok = looks.events[k] > looks.events[k - 1];
  if (!ok) {
    r.problem(node, path + ".events", "must list strictly increasing positive integer deaths");
    return false;
  }
  if (looks.events.back() > d.sample_size)
    r.problem(node, path + ".events",
              "the final analysis's deaths (the last) cannot exceed sample_size");
  const TestKind test = d.analysis.test;
  if (test != TestKind::logrank && test != TestKind::logrank_stratified && test != TestKind::cox)
    r.problem(node.source(), path, "",
              "looks at a number of events need test = logrank, logrank_stratified or cox");
  if (d.analysis.hypotheses.size() > 1)
    r.problem(node.source(), path, "", "group-sequential looks test one hypothesis");
  if (d.simulation == Simulation::counts && !time_to_event_at_count_level(test))
    r.problem(node.source(), path, "",
              "looks at a number of events at count level need test = logrank or "
              "logrank_stratified (cox needs simulation = \"patients\")");
  return true;
}

} // namespace

void read_analysis(Reader& r, const toml::table& t, const std::string& path,
                   const std::vector<std::string>& arm_names, Design& d) {
  const toml::table* at = r.table(t, "analysis", path);
  if (at == nullptr) return;
  const std::string ap = path + ".analysis";
  const std::vector<std::string> tests(kTestNames.begin(), kTestNames.end());
  if (auto test = r.string(*at, "test", ap, tests))
    d.analysis.test = static_cast<TestKind>(find_index(tests, *test));
  read_endpoint(r, *at, ap, d);
  r.number_into(d.analysis.alpha, *at, "alpha", ap, [](double v) {
    return (v > 0.0 && v < 1.0) ? std::string() : "must lie strictly between 0 and 1";
  });
  if (auto sided = r.integer(*at, "sided", ap, [](double v) {
        return (v == 1.0 || v == 2.0) ? std::string() : "must be 1 or 2";
      }))
    d.analysis.sided = static_cast<int>(*sided);
  // A one-sided level of 0.5 or more rejects with no evidence (results/FORMAT.md).
  if (d.analysis.alpha / d.analysis.sided >= 0.5)
    if (const toml::node* alpha = r.find(*at, "alpha", ap, false))
      r.problem(*alpha, ap + ".alpha",
                "the one-sided level alpha / sided must be below 0.5 (alpha < 0.5 one-sided, "
                "< 1 two-sided)");
  const std::vector<std::string> procedures(kMultiplicityNames.begin(), kMultiplicityNames.end());
  // Beyond these a Beta prior is either improper in effect or outweighs any trial.
  const Reader::Rule prior = [](double v) {
    return (v >= 1e-3 && v <= 1e4) ? std::string() : "must lie within [0.001, 10000]";
  };
  r.number_into(d.analysis.prior_a, *at, "prior_a", ap, prior, false);
  r.number_into(d.analysis.prior_b, *at, "prior_b", ap, prior, false);
  if (auto m = r.string(*at, "multiplicity", ap, procedures, false))
    d.analysis.multiplicity = static_cast<Multiplicity>(find_index(procedures, *m));
  read_hypotheses(r, t, *at, path, arm_names, d);
}

// Interim looks: `information` (fractions of sample_size, the last 1), the
// efficacy spending, optional futility (fixed z or beta spending) and whether
// futility binds, and harm bounds (read_harm.cpp). The boundaries are
// computed here, once.
namespace {
// What the analyses at the looks derive from the boundaries: the inverse-normal
// weights of the planned stages (several hypotheses), and the stage-wise
// ordering of one pooled_z or unpooled_z hypothesis at patient counts.
void derive_inference(const Design& d, Looks& looks) {
  const std::vector<double>& t = looks.boundaries.information;
  for (std::size_t k = 0; k < t.size(); ++k)
    looks.combination_weights.push_back(std::sqrt(t[k] - (k ? t[k - 1] : 0.0)));
  if (!looks.by_events() && d.analysis.hypotheses.size() == 1 &&
      (d.analysis.test == TestKind::pooled_z || d.analysis.test == TestKind::unpooled_z))
    looks.stagewise = std::make_shared<const StagewiseCache>(t, looks.boundaries.efficacy_z);
}
} // namespace

void read_looks(Reader& r, const toml::table& design, const std::string& design_path, Design& d) {
  const toml::table* lt = r.table(design, "looks", design_path, false);
  if (lt == nullptr) return;
  const toml::table& t = *lt;
  const std::string path = design_path + ".looks";
  BoundaryRequest request;
  Looks looks;
  // Looks by information fraction, by the number of evaluable patients, or
  // by the number of deaths (event-driven).
  const bool by_events = t.contains("events");
  const bool by_patients = !by_events && t.contains("patients");
  if (by_events) // found (so not reported unknown) and refused
    for (const char* other : {"patients", "information"})
      if (const toml::node* n = r.find(t, other, path, false))
        r.problem(*n, path + "." + other,
                  "give looks by events, or by patients or information, not both");
  const toml::node* info = r.find(t,
                                  by_events     ? "events"
                                  : by_patients ? "patients"
                                                : "information",
                                  path, true);
  if (info == nullptr) return;
  const toml::array* fractions = info->as_array();
  if (fractions == nullptr || fractions->size() < 2) {
    r.problem(*info,
              path + (by_events     ? ".events"
                      : by_patients ? ".patients"
                                    : ".information"),
              by_events     ? "must list at least two death counts, the last the final analysis"
              : by_patients ? "must list at least two patient counts, the last sample_size"
                            : "must list at least two fractions, the last 1");
    return;
  }
  bool events_ok = true;
  if (by_events) {
    events_ok = read_event_counts(r, *fractions, *info, path, d, looks);
    // Refused counts: evenly spaced fractions, so that the other keys are
    // still read and checked (the design is not used).
    for (std::size_t k = 0; k < fractions->size(); ++k)
      request.information.push_back(events_ok ? double(looks.events[k]) / looks.events.back()
                                              : double(k + 1) / fractions->size());
  } else {
    for (const auto& f : *fractions)
      request.information.push_back(f.value<double>().value_or(-1.0) /
                                    (by_patients ? d.sample_size : 1.0));
  }
  // A threshold of 1 stops every trial for futility at the first look.
  r.number_into(
      looks.futility_cp, t, "futility_conditional_power", path,
      [](double v) { return (v >= 0.0 && v < 1.0) ? std::string() : "must lie in [0, 1)"; }, false);
  read_success(r, t, path, looks, d);
  // Only rejections favouring treatment count (as for fixed designs), so the
  // upper bounds are those of a one-sided design at alpha / sided.
  request.alpha = d.analysis.alpha / d.analysis.sided;
  request.sided = 1;
  try {
    auto boundaries = read_boundaries(r, t, path, request);
    if (!boundaries) return;
    looks.boundaries = std::move(*boundaries);
  } catch (const BoundaryError& e) {
    r.problem(info->source(), path, "", e.what());
    return;
  }
  read_harm(r, t, path, request.information, d, looks.boundaries);
  if (!events_ok) return;
  if (!by_events) {
    for (const double f : request.information)
      looks.patients.push_back(static_cast<int>(std::lround(f * d.sample_size)));
    check_looks(r, *info, path, d, looks.patients);
  }
  derive_inference(d, looks);
  d.looks = std::move(looks);
  if (d.analysis.hypotheses.size() > 1) check_staged_looks(r, design, t, path, d);
}

void check_event_looks(Reader& r, const toml::table& design, const std::string& design_path,
                       const Design& d) {
  if (!d.looks || !d.looks->by_events() || d.accrual) return;
  const toml::node* looks = design.get("looks");
  r.problem(looks->source(), design_path + ".looks.events", "",
            "looks at a number of events need an accrual table (designs.NAME.accrual): the "
            "looks fall at calendar times");
}

} // namespace sepsim::input

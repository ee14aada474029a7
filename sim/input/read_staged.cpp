// Group-sequential looks with several hypotheses: what they need of the rest
// of the design, and the selection of hypotheses at the interim looks
// ([designs.NAME.selection]).
#include "read.hpp"

#include "sepsim/stats/closed_testing.hpp"
#include "sepsim/stats/tests.hpp"

#include <cmath>
#include <string>

namespace sepsim::input {

namespace {

// Several hypotheses compare distinct treatment arms with shared controls in
// one population (multi-arm), or one treatment arm with one control in
// nested populations (enrichment).
bool multi_arm(const Design& d) {
  const auto& h = d.analysis.hypotheses;
  for (std::size_t i = 1; i < h.size(); ++i)
    if (h[i].treatment_arm == h[0].treatment_arm) return false;
  return true;
}

bool enrichment(const Design& d) {
  const auto& h = d.analysis.hypotheses;
  for (std::size_t i = 1; i < h.size(); ++i)
    if (h[i].treatment_arm != h[0].treatment_arm || h[i].control_arm != h[0].control_arm)
      return false;
  return true;
}

std::string bool_rule(const toml::node& n) {
  return n.is_boolean() ? std::string() : "must be true or false";
}

} // namespace

void check_staged_looks(Reader& r, const toml::table& design, const toml::table& looks,
                        const std::string& path, Design& d) {
  const toml::source_region& where = looks.source();
  // Problems of another key are shown where that key is set, if it is.
  auto at = [&](const toml::node* n) { return n != nullptr ? n->source() : where; };
  const toml::node* analysis = design.get("analysis");
  const toml::node* multiplicity =
      analysis && analysis->is_table() ? analysis->as_table()->get("multiplicity") : nullptr;
  IntersectionTest test{};
  if (!intersection_test_of(d.analysis.multiplicity, &test))
    r.problem(at(multiplicity), path, "",
              "looks with several hypotheses test them by closed testing: set "
              "analysis.multiplicity to dunnett_stepdown, holm, bonferroni, simes, hochberg or "
              "fixed_sequence");
  if (d.simulation != Simulation::counts)
    r.problem(at(design.get("simulation")), path, "",
              "looks with several hypotheses are simulated at count level: set simulation = "
              "\"counts\"");
  if (d.analysis.test != TestKind::pooled_z && d.analysis.test != TestKind::unpooled_z)
    r.problem(where, path, "", "looks with several hypotheses need test = pooled_z or unpooled_z");
  if (!multi_arm(d) && !enrichment(d))
    r.problem(where, path, "",
              "looks with several hypotheses compare distinct treatment arms with a control "
              "(multi-arm) or one treatment with one control in several populations "
              "(enrichment), not a mix");
  if (d.looks && d.looks->futility_cp > 0.0)
    r.problem(where, path + ".futility_conditional_power", "",
              "conditional-power futility applies to one hypothesis; use futility_z or "
              "futility_spending");
}

void read_success(Reader& r, const toml::table& looks, const std::string& path, Looks& l,
                  const Design& d) {
  const auto success = r.string(looks, "success", path, {"all", "any"}, false);
  if (!success) return;
  l.success_needs_all = *success == "all";
  if (d.analysis.hypotheses.size() < 2)
    r.problem(*looks.get("success"), path + ".success", "applies to looks with several hypotheses");
}

void read_selection(Reader& r, const toml::table& t, const std::string& path, Design& d) {
  const toml::table* st = r.table(t, "selection", path, false);
  if (st == nullptr) return;
  const std::string sp = path + ".selection";
  Selection& s = d.selection.emplace();
  const std::vector<std::string> rules(kSelectionRuleNames.begin(), kSelectionRuleNames.end());
  if (auto rule = r.string(*st, "rule", sp, rules, false))
    s.rule = static_cast<SelectionRule>(find_index(rules, *rule));
  const auto m = static_cast<double>(d.analysis.hypotheses.size());
  if (auto keep = r.integer(*st, "keep", sp, in_range(1, std::max(1.0, m - 1)), false)) {
    s.keep = static_cast<int>(*keep);
    if (s.rule != SelectionRule::r_best)
      r.problem(*st->get("keep"), sp + ".keep", "applies to rule = \"r_best\"");
  }
  if (auto eps = r.number(*st, "epsilon", sp, in_range(0.0, 1.0), false)) {
    s.epsilon = *eps;
    if (s.rule != SelectionRule::epsilon)
      r.problem(*st->get("epsilon"), sp + ".epsilon", "applies to rule = \"epsilon\"");
  }
  r.number_into(s.threshold, *st, "threshold_difference", sp, in_range(-1.0, 1.0), false);
  if (const toml::node* re = r.find(*st, "reallocate", sp, false)) {
    if (const std::string rule = bool_rule(*re); !rule.empty())
      r.problem(*re, sp + ".reallocate", rule);
    s.reallocate = re->value<bool>().value_or(false);
    if (s.reallocate && !multi_arm(d))
      r.problem(*re, sp + ".reallocate",
                "applies to multi-arm designs (a dropped population's share always goes to "
                "the populations that go on)");
  }
  if (!d.staged())
    r.problem(st->source(), sp, "",
              "selection happens at interim looks: it needs [" + path +
                  ".looks] and several hypotheses");
}

} // namespace sepsim::input

namespace sepsim::input {

// multiplicity = "graphical": `transitions`, one row per hypothesis (in the
// order of `hypotheses`), g[i][j] in [0, 1], zero diagonal, rows summing to
// at most 1; the initial weights are `weights`.
void read_transitions(Reader& r, const toml::table& at, const std::string& ap, Analysis& a) {
  const bool graphical = a.multiplicity == Multiplicity::graphical;
  const toml::node* node = r.find(at, "transitions", ap, graphical);
  if (node == nullptr) return;
  if (!graphical) {
    r.problem(*node, ap + ".transitions", "applies to multiplicity = \"graphical\"");
    return;
  }
  const std::size_t m = a.hypotheses.size();
  const toml::array* rows = node->as_array();
  bool ok = rows != nullptr && rows->size() == m;
  for (std::size_t i = 0; ok && i < m; ++i) {
    const toml::array* row = (*rows)[i].as_array();
    ok = row != nullptr && row->size() == m;
    std::vector<double> g;
    double sum = 0.0;
    for (std::size_t j = 0; ok && j < m; ++j) {
      const auto v = (*row)[j].value<double>();
      ok = v && *v >= 0.0 && *v <= 1.0 && (i != j || *v == 0.0);
      g.push_back(v.value_or(0.0));
      sum += g.back();
    }
    ok = ok && sum <= 1.0 + 1e-9;
    a.transitions.push_back(std::move(g));
  }
  if (!ok)
    r.problem(*node, ap + ".transitions",
              "must be " + std::to_string(m) + " rows of " + std::to_string(m) +
                  " numbers in [0, 1] (row i: the shares of H_i's weight passed to each "
                  "hypothesis when H_i is rejected), a zero diagonal, each row summing to at "
                  "most 1");
}

} // namespace sepsim::input

// The Reader and the rules values must follow: what every reading step of
// sim/input shares. Private to sim/input (toml++ stays inside it).
#pragma once

#include "sepsim/core/errors.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace sepsim::input {

// A value as the user wrote it, for messages.
std::string show(const toml::node& node);
// The dotted path of `key` under `path` ("" at the root).
std::string join(const std::string& path, std::string_view key);

// Reads values out of the TOML tree, remembering every key it consumed and
// every problem it met, so that all problems are reported at once.
class Reader {
public:
  explicit Reader(std::string fallback_file) : fallback_file_(std::move(fallback_file)) {}

  void problem(const toml::source_region& where, const std::string& key, const std::string& value,
               const std::string& rule);
  void problem(const toml::node& node, const std::string& key, const std::string& rule) {
    problem(node.source(), key, show(node), rule);
  }

  // Of two keys of `parent` that conflict, the place to point at: the one in
  // the scenario's own file rather than its base, else the later one.
  const toml::source_region& conflict(const toml::table& parent, std::string_view a,
                                      std::string_view b) const;

  void use(const std::string& path) { used_.insert(path); }
  // A key the reader accepts at `path`, present or not: a candidate for the
  // "did you mean" hint of an unknown key beside it.
  void accept(const std::string& path) { accepted_.insert(path); }

  const toml::node* find(const toml::table& parent, std::string_view key, const std::string& path,
                         bool required);
  const toml::table* table(const toml::table& parent, std::string_view key, const std::string& path,
                           bool required = true);

  using Rule = std::function<std::string(double)>; // returns "" when the value is fine

  std::optional<double> number(const toml::table& parent, std::string_view key,
                               const std::string& path, const Rule& rule, bool required = true);
  void number_into(double& out, const toml::table& parent, std::string_view key,
                   const std::string& path, const Rule& rule, bool required = true) {
    if (auto v = number(parent, key, path, rule, required)) out = *v;
  }
  std::optional<std::int64_t> integer(const toml::table& parent, std::string_view key,
                                      const std::string& path, const Rule& rule,
                                      bool required = true);
  std::optional<std::string> string(const toml::table& parent, std::string_view key,
                                    const std::string& path,
                                    const std::vector<std::string>& choices, bool required = true);

  // A value per phenotype: a table with keys mals/immunoparalysis/unclassified,
  // or "all" for one value shared by every phenotype.
  std::optional<PerPhenotype> per_phenotype(const toml::table& parent, std::string_view key,
                                            const std::string& path, const Rule& rule);

  // Every key that no reader consumed is unknown: report it with the nearest
  // key the reader accepts there (present or absent) and the keys present
  // beside it, to catch misspellings.
  void report_unknown(const toml::table& t, const std::string& path);

  std::vector<Problem>& problems() { return problems_; }

private:
  std::string fallback_file_;
  std::vector<Problem> problems_;
  std::set<std::string> used_;
  std::set<std::string> accepted_; // every key asked for, present or not
};

// Rules, each phrased as what the value must be.
std::string probability(double v);
std::string positive(double v);
std::string non_negative(double v);
std::string any_value(double v);
std::string positive_integer(double v);
Reader::Rule in_range(double lo, double hi);

// Shared by the reading steps.
int find_index(const std::vector<std::string>& names, const std::string& name);
std::vector<std::string> label_names_with_all();
std::vector<std::string> string_array(Reader& r, const toml::table& parent, std::string_view key,
                                      const std::string& path);

} // namespace sepsim::input

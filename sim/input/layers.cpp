#include "layers.hpp"

#include "select_designs.hpp"
#include "sepsim/core/files.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace sepsim::input {

namespace {

// toml++ builds the tables of a dotted key or header recursively, and a key of
// tens of thousands of parts (a.a.a...) overflows the stack. Refuse chains of
// more than kMaxDottedParts before parsing; strings and comments are skipped.
constexpr int kMaxDottedParts = 64;

void check_dotted_keys(std::string_view text, const std::string& source) {
  int line = 1, dots = 0;
  std::size_t i = 0;
  auto starts = [&](std::string_view s) { return text.substr(i, s.size()) == s; };
  while (i < text.size()) {
    const char c = text[i];
    if (starts("\"\"\"") || starts("'''")) { // multi-line string
      const std::string_view close = text.substr(i, 3);
      i += 3;
      while (i < text.size() && !starts(close)) {
        if (text[i] == '\\' && close[0] == '"') ++i;
        if (i < text.size() && text[i] == '\n') ++line;
        ++i;
      }
      i += 3;
    } else if (c == '"' || c == '\'') { // one-line string: a part of a key, or a value
      for (++i; i < text.size() && text[i] != c && text[i] != '\n'; ++i)
        if (text[i] == '\\' && c == '"') ++i;
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n')
        ++i;
    } else {
      if (c == '.' && ++dots >= kMaxDottedParts)
        throw ScenarioError({Problem{source, line, 1, "(syntax)", "",
                                     "a dotted key or table name has more than " +
                                         std::to_string(kMaxDottedParts) + " parts"}});
      // Bare-key characters and blanks continue a chain; anything else ends it.
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
            c == ' ' || c == '\t'))
        dots = 0;
      if (c == '\n') ++line;
      ++i;
    }
  }
}

toml::table parse_toml(std::string_view text, const std::string& source) {
  check_dotted_keys(text, source);
  try {
    return toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    Problem p;
    p.file = source;
    p.line = static_cast<int>(e.source().begin.line);
    p.column = static_cast<int>(e.source().begin.column);
    p.key = "(syntax)";
    p.rule = "not valid TOML: " + std::string(e.description());
    throw ScenarioError({p});
  }
}

} // namespace

// A scenario is a few kilobytes; anything above this is not one.
constexpr std::uintmax_t kMaxScenarioBytes = 1 << 20;

std::string read_text(const std::string& path) {
  std::string text = read_file(path, "scenario file", kMaxScenarioBytes, false);
  if (text.size() > kMaxScenarioBytes)
    throw ScenarioError({Problem{path, 1, 1, "(file)", "",
                                 "the file is over 1 MiB; a scenario is a few kilobytes"}});
  return text;
}

namespace {

// Tables merge key by key; any other value of the layer replaces the base's.
// An inline table of the layer (prevalence = { ... }) is taken whole, with the
// base's keys it lacks added. Nodes are moved, never copied: a copied toml++
// node forgets its place in the file, and problems must point at the layer.
void merge_into(toml::table& base, toml::table& layer) {
  for (auto&& entry : layer) {
    const toml::key& key = entry.first;
    toml::node& node = entry.second;
    toml::node* existing = base.get(key.str());
    if (existing != nullptr && existing->is_table() && node.is_table() &&
        !node.as_table()->is_inline()) {
      merge_into(*existing->as_table(), *node.as_table());
      continue;
    }
    if (existing != nullptr && existing->is_table() && node.is_table()) {
      toml::table& combined = *node.as_table();
      for (auto&& base_entry : *existing->as_table()) {
        const toml::key& base_key = base_entry.first;
        if (!combined.contains(base_key.str()))
          base_entry.second.visit(
              [&](auto&& value) { combined.insert(base_key, std::move(value)); });
      }
    }
    node.visit([&](auto&& value) { base.insert_or_assign(key, std::move(value)); });
  }
}

// `base = "other.toml"` (relative to this file): this file's values are laid
// over the base scenario's, so a scenario can add designs to ImmunoSep.
toml::table resolve_base(toml::table root, const std::string& source,
                         std::vector<std::string>& files, int depth = 0) {
  const auto* base = root.get_as<std::string>("base");
  if (base == nullptr) return root;
  const std::filesystem::path path =
      std::filesystem::path(source).parent_path() / std::string(base->get());
  // A missing base is the scenario's problem; one that exists but cannot be
  // read (a symlink loop, no permission) is read_text's IoError.
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (depth > 8 || status.type() == std::filesystem::file_type::not_found)
    throw ScenarioError(
        {Problem{source, static_cast<int>(base->source().begin.line),
                 static_cast<int>(base->source().begin.column), "base", '"' + base->get() + '"',
                 depth > 8 ? "bases nest more than 8 deep (a cycle?)"
                           : "no such file (the path is relative to " + source + ")"}});
  files.push_back(path.string());
  toml::table merged = resolve_base(parse_toml(read_text(path.string()), path.string()),
                                    path.string(), files, depth + 1);
  root.erase("base");
  drop_base_designs(root, merged, source);
  merge_into(merged, root);
  return merged;
}

// --set KEY=VALUE. Its problems point at "--set": the option, not a file, is at
// fault, and all of them are reported before any value is read.
void apply_override(toml::table& root, const Override& o, std::vector<Problem>& problems) {
  auto fail = [&](const std::string& key, const std::string& value, const std::string& rule) {
    problems.push_back(Problem{"--set", 1, 1, key, value, rule});
  };
  const auto eq = o.text.find('=');
  if (eq == std::string::npos || eq == 0) {
    fail(o.text, "", "--set needs KEY=VALUE, e.g. --set designs.immunosep.sample_size=400");
    return;
  }
  const std::string key = o.text.substr(0, eq);
  const std::string value_text = o.text.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + value_text, "--set " + key);
  } catch (const toml::parse_error& e) {
    fail(key, value_text,
         "is not a TOML value (" + std::string(e.description()) +
             "); strings need quotes, e.g. --set 'designs.main.analysis.test=\"pooled_z\"'");
    return;
  }
  // Walk to the parent table; every step must exist.
  toml::table* parent = &root;
  std::string walked;
  std::size_t start = 0;
  while (true) {
    const auto dot = key.find('.', start);
    const std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
    if (dot == std::string::npos) {
      // A key not in the file is added (optional keys can be set); one that is
      // not in the schema then fails validation as an unknown key at "--set".
      toml::node& value = *parsed.get("value");
      toml::source_region where = value.source();
      parent->insert_or_assign(toml::key(part, std::move(where)), std::move(value));
      return;
    }
    toml::node* next = parent->get(part);
    walked = walked.empty() ? part : walked + "." + part;
    if (next == nullptr || !next->is_table()) {
      // A missing table is added whole, its keys inside: say so, for this key.
      fail(key, value_text,
           next != nullptr ? walked + " is a value, not a table"
                           : "no such table in the scenario: " + walked +
                                 "; add it with its keys, e.g. --set '" + walked + "={ " +
                                 key.substr(walked.size() + 1) + " = " + value_text + " }'");
      return;
    }
    parent = next->as_table();
    start = dot + 1;
  }
}

// The placebo treatment: the `placebo` key, or a treatment named "placebo".
std::string placebo_name(const toml::table& root) {
  if (const auto* p = root.get_as<std::string>("placebo")) return p->get();
  return "placebo";
}

// Copies the placebo's outcome tables into every other treatment.
void apply_null(toml::table& root, const std::string& source) {
  const std::string placebo = placebo_name(root);
  toml::table* treatments = root["treatments"].as_table();
  const toml::table* reference =
      treatments != nullptr ? treatments->get_as<toml::table>(placebo) : nullptr;
  if (reference == nullptr)
    throw ScenarioError({Problem{source, 1, 1, "placebo", '"' + placebo + '"',
                                 "--null needs a placebo treatment: name it with "
                                 "placebo = \"<treatment>\" or call one [treatments.placebo]"}});
  for (auto&& [name, node] : *treatments) {
    toml::table* t = node.as_table();
    if (t == nullptr || name.str() == placebo) continue;
    for (const char* key : {"response", "early_death", "adverse_events", "death_by_day_28",
                            "ordinal", "ordinal_odds_ratio"})
      if (const toml::node* value = reference->get(key))
        value->visit([&](auto&& v) { t->insert_or_assign(key, v); });
      else if (std::string_view(key) != "response" && std::string_view(key) != "early_death" &&
               std::string_view(key) != "adverse_events")
        t->erase(key);
  }
}

} // namespace

toml::table layered_scenario(std::string_view text, const std::string& source,
                             const std::vector<Override>& overrides, bool null_hypothesis,
                             std::vector<std::string>* base_files) {
  std::vector<std::string> files;
  toml::table root = resolve_base(parse_toml(text, source), source, files);
  if (base_files != nullptr) *base_files = std::move(files);
  std::vector<Problem> override_problems;
  for (const auto& o : overrides)
    apply_override(root, o, override_problems);
  if (!override_problems.empty()) throw ScenarioError(override_problems);
  keep_designs(root, source);
  if (null_hypothesis) apply_null(root, source);
  return root;
}

} // namespace sepsim::input

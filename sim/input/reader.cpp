#include "reader.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace sepsim::input {

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

void Reader::problem(const toml::source_region& where, const std::string& key,
                     const std::string& value, const std::string& rule) {
  Problem p;
  p.file = where.path ? *where.path : fallback_file_;
  p.line = static_cast<int>(where.begin.line);
  p.column = static_cast<int>(where.begin.column);
  p.key = key;
  p.value = value;
  p.rule = rule;
  problems_.push_back(std::move(p));
}

const toml::source_region& Reader::conflict(const toml::table& parent, std::string_view a,
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

const toml::node* Reader::find(const toml::table& parent, std::string_view key,
                               const std::string& path, bool required) {
  const toml::node* node = parent.get(key);
  const std::string full = join(path, key);
  accept(full);
  // Keys the readers look for with contains() beside (or instead of) the one
  // asked for: valid here too.
  static constexpr std::pair<std::string_view, std::string_view> kAlternatives[] = {
      {"block_size", "block_sizes"},
      {"information", "patients"},
      {"test", "hypotheses"},
      {"treatment", "labels"}};
  for (const auto& [a, b] : kAlternatives)
    if (key == a || key == b) accept(join(path, key == a ? b : a));
  if (node == nullptr) {
    if (required) problem(parent.source(), full, "", "is required but missing");
    return nullptr;
  }
  use(full);
  return node;
}

const toml::table* Reader::table(const toml::table& parent, std::string_view key,
                                 const std::string& path, bool required) {
  const toml::node* node = find(parent, key, path, required);
  if (node == nullptr) return nullptr;
  if (!node->is_table()) {
    problem(*node, join(path, key), "must be a table");
    return nullptr;
  }
  return node->as_table();
}

std::optional<double> Reader::number(const toml::table& parent, std::string_view key,
                                     const std::string& path, const Rule& rule, bool required) {
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

std::optional<std::int64_t> Reader::integer(const toml::table& parent, std::string_view key,
                                            const std::string& path, const Rule& rule,
                                            bool required) {
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

std::optional<std::string> Reader::string(const toml::table& parent, std::string_view key,
                                          const std::string& path,
                                          const std::vector<std::string>& choices, bool required) {
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

std::optional<PerPhenotype> Reader::per_phenotype(const toml::table& parent, std::string_view key,
                                                  const std::string& path, const Rule& rule) {
  const toml::table* t = table(parent, key, path);
  if (t == nullptr) return std::nullopt;
  const std::string full = join(path, key);
  for (const auto& name : label_names_with_all())
    accept(join(full, name));
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

namespace {

// The keys of `names` directly under `path`.
std::vector<std::string> keys_under(const std::set<std::string>& names, const std::string& path) {
  std::vector<std::string> out;
  for (const auto& u : names) {
    const auto dot = u.rfind('.');
    if ((dot == std::string::npos ? std::string() : u.substr(0, dot)) == path)
      out.push_back(u.substr(dot == std::string::npos ? 0 : dot + 1));
  }
  return out;
}

} // namespace

void Reader::report_unknown(const toml::table& t, const std::string& path) {
  for (auto&& [k, node] : t) {
    const std::string full = join(path, k.str());
    if (used_.count(full) == 0) {
      // The nearest key the reader accepts here, even one the file lacks
      // (loks -> looks); the list shows the keys present.
      std::string known, closest;
      std::size_t best = std::max<std::size_t>(2, k.str().size() / 3) + 1;
      for (const auto& name : keys_under(accepted_, path)) {
        const std::size_t d = edit_distance(k.str(), name);
        if (d < best) best = d, closest = name;
      }
      for (const auto& name : keys_under(used_, path))
        known += (known.empty() ? "" : ", ") + name;
      problem(k.source(), full, "",
              "unknown key" + (closest.empty() ? "" : "; did you mean " + closest + "?") +
                  (known.empty() ? std::string() : " (known here: " + known + ")"));
      continue;
    }
    if (const toml::table* child = node.as_table()) report_unknown(*child, full);
  }
}

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

namespace {
// A bound as a user would write it: 90, 0.5, 1e-06.
std::string number_text(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", x);
  return text;
}
} // namespace

Reader::Rule in_range(double lo, double hi) {
  return [lo, hi](double v) {
    return (v >= lo && v <= hi)
               ? std::string()
               : "must lie within [" + number_text(lo) + ", " + number_text(hi) + "]";
  };
}

int find_index(const std::vector<std::string>& names, const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

std::vector<std::string> label_names_with_all() {
  std::vector<std::string> names(kPhenotypeNames.begin(), kPhenotypeNames.end());
  names.emplace_back("all");
  return names;
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

} // namespace sepsim::input

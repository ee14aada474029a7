// Scenario input, as a pipeline: the TOML layers (layers.cpp) are read with
// every problem collected and validated (read_*.cpp), a scenario without
// problems is derived (derive.cpp), and the result is returned frozen. The
// only module that sees toml++.
#include "sepsim/input/scenario_reader.hpp"

#include "layers.hpp"
#include "read.hpp"

#include <algorithm>
#include <sstream>
#include <tuple>

namespace sepsim {

namespace {

constexpr int kFormatVersion = 1;

// format_version, name (by default the file's name without its extension)
// and description.
void read_header(input::Reader& r, const toml::table& root, const std::string& source,
                 Scenario& s) {
  (void)r.integer(root, "format_version", "", [](double x) {
    return x == kFormatVersion
               ? std::string()
               : "this sepsim reads format_version = " + std::to_string(kFormatVersion);
  });
  s.name = r.string(root, "name", "", {}, false).value_or("");
  // An explicit name becomes the default results file's name.
  if (const toml::node* name = root.get("name"); name != nullptr && !input::valid_name(s.name))
    r.problem(name->source(), "name", '"' + s.name + '"', input::kNameRule);
  if (s.name.empty()) {
    const auto slash = source.find_last_of('/');
    s.name = source.substr(slash == std::string::npos ? 0 : slash + 1);
    if (const auto dot = s.name.rfind('.'); dot != std::string::npos) s.name.resize(dot);
  }
  s.description = r.string(root, "description", "", {}, false).value_or("");
}

// All problems at once, in the order of the files' lines.
[[noreturn]] void throw_problems(std::vector<Problem> problems) {
  std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) {
    return std::tie(a.file, a.line, a.column) < std::tie(b.file, b.line, b.column);
  });
  throw ScenarioError(std::move(problems));
}

} // namespace

Scenario parse_scenario(std::string_view toml_text, const std::string& source,
                        const std::vector<Override>& overrides, bool null_hypothesis) {
  Scenario s;
  const toml::table root =
      input::layered_scenario(toml_text, source, overrides, null_hypothesis, &s.base_files);
  s.source = source;
  std::ostringstream text;
  text << root;
  s.text = text.str();
  s.null_hypothesis = null_hypothesis;

  input::Reader r(source);
  read_header(r, root, source, s);
  input::read_population(r, root, s);
  input::read_designs(r, root, s);
  if (r.problems().empty()) input::derive(r, root, s);
  r.report_unknown(root, "");
  if (!r.problems().empty()) throw_problems(std::move(r.problems()));
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

#include "select_designs.hpp"

#include "reader.hpp"

#include <sstream>

namespace sepsim {

Override designs_override(const std::vector<std::string>& names) {
  toml::array list;
  for (const auto& n : names)
    list.push_back(n);
  std::ostringstream text;
  text << "designs_to_run=" << list;
  return {text.str()};
}

namespace input {

namespace {

Problem problem_at(const toml::node& node, const std::string& source, const std::string& key,
                   const std::string& rule) {
  const auto& where = node.source();
  if (where.path && where.path->rfind("--set designs_to_run", 0) == 0) // from --design
    return Problem{"--design", 1, 1, key, show(node), rule};
  return Problem{where.path ? *where.path : source,
                 static_cast<int>(where.begin.line),
                 static_cast<int>(where.begin.column),
                 key,
                 show(node),
                 rule};
}

std::string design_list(const toml::table* designs) {
  std::string list;
  if (designs != nullptr)
    for (auto&& [name, node] : *designs)
      list += (list.empty() ? "" : ", ") + std::string(name.str());
  return list.empty() ? "(none)" : list;
}

} // namespace

void drop_base_designs(toml::table& root, toml::table& base, const std::string& source) {
  const toml::node* flag = root.get("drop_base_designs");
  if (flag == nullptr) return;
  if (!flag->is_boolean())
    throw ScenarioError({problem_at(*flag, source, "drop_base_designs",
                                    "must be true or false (true: run only this file's designs)")});
  if (flag->as_boolean()->get()) base.erase("designs");
  root.erase("drop_base_designs");
}

void keep_designs(toml::table& root, const std::string& source) {
  if (const toml::node* flag = root.get("drop_base_designs"))
    throw ScenarioError({problem_at(*flag, source, "drop_base_designs",
                                    "needs base = \"FILE\" in the same file: it drops the base's "
                                    "designs")});
  const toml::node* wanted = root.get("designs_to_run");
  if (wanted == nullptr) return;
  toml::table* designs = root["designs"].as_table();
  const toml::array* names = wanted->as_array();
  std::vector<Problem> problems;
  if (names == nullptr || names->empty())
    problems.push_back(
        problem_at(*wanted, source, "designs_to_run", "must be a non-empty array of design names"));
  for (std::size_t i = 0; names != nullptr && i < names->size(); ++i) {
    const toml::node& n = *names->get(i);
    if (!n.is_string() || designs == nullptr || !designs->contains(n.as_string()->get()))
      problems.push_back(problem_at(n, source, "designs_to_run",
                                    "no such design; the scenario has: " + design_list(designs)));
  }
  if (!problems.empty()) throw ScenarioError(problems);
  std::vector<std::string> drop;
  std::int64_t position = 0;
  for (auto&& [name, node] : *designs) {
    bool keep = false;
    for (const auto& n : *names)
      keep = keep || n.as_string()->get() == name.str();
    // A kept design keeps its streams (its position among all the designs),
    // so it draws as in the full scenario, and the recorded text says so.
    if (toml::table* t = node.as_table(); keep && t != nullptr && !t->contains("stream"))
      t->insert("stream", position);
    ++position;
    if (!keep) drop.emplace_back(name.str());
  }
  for (const auto& name : drop)
    designs->erase(name);
  root.erase("designs_to_run");
}

} // namespace input

} // namespace sepsim

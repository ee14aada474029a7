#include "sepsim/core/errors.hpp"

#include <sstream>

namespace sepsim {

std::string Problem::to_string() const {
  std::ostringstream os;
  os << file << ':' << line << ':' << column << ": " << key;
  if (!value.empty()) os << " = " << value;
  os << ": " << rule;
  return os.str();
}

namespace {
std::string join_problems(const std::vector<Problem>& problems) {
  std::string out = std::to_string(problems.size()) + " problem(s) in the scenario:";
  for (const auto& p : problems)
    out += "\n  " + p.to_string();
  return out;
}
} // namespace

ScenarioError::ScenarioError(std::vector<Problem> problems)
    : UserError(join_problems(problems)), problems_(std::move(problems)) {}

} // namespace sepsim

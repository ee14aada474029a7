// The two kinds of failure a user can cause, and nothing else: the user's
// errors (a scenario, an option, a run that cannot be done as asked: exit 2)
// and input/output failures (exit 3). Every other exception is a bug in
// sepsim (exit 70). The executable maps these bases to exit codes; the
// library throws and never exits.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace sepsim {

// A user error (exit 2). report() is what the terminal shows.
class UserError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
  virtual std::string report() const { return std::string("sepsim: ") + what(); }
};

// A file that cannot be read or written (exit 3).
class IoError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// A run stopped by the user (SIGINT or SIGTERM; exit 130); what() says what
// was kept.
class Interrupted : public std::runtime_error {
public:
  Interrupted() : std::runtime_error("interrupted; no results file was written.") {}
  explicit Interrupted(const std::string& what) : std::runtime_error(what) {}
};

// One problem in a scenario (or an option standing for a scenario key):
// where, which key, what value, which rule.
struct Problem {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key;
  std::string value;
  std::string rule;
  std::string to_string() const;
};

// A scenario that cannot be run; carries every problem found, not just the first.
class ScenarioError : public UserError {
public:
  explicit ScenarioError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }
  std::string report() const override { return UserError::report() + "\nNothing was written."; }

private:
  std::vector<Problem> problems_;
};

} // namespace sepsim

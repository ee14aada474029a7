// The subcommands of sepsim, one file each (command_*.cpp). Each add_*
// declares its subcommand and options and returns what runs it once the
// command line is parsed; main.cpp dispatches and turns failures into exit
// codes, so a command only throws.
#pragma once

#include "distributed.hpp"
#include "sepsim/core/errors.hpp"

#include <functional>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace sepsim::app {

struct Command {
  CLI::App* cli = nullptr;             // the subcommand: chosen when *cli after parsing
  std::function<void(Processes&)> run; // the work, given this process among the job's
  bool distributed = false;            // every rank takes part; otherwise rank 0 alone
};

// In the order --help lists them.
Command add_run_command(CLI::App& app);
Command add_check_command(CLI::App& app);
Command add_show_command(CLI::App& app);
Command add_cohort_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_size_command(CLI::App& app);
Command add_boundaries_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_trials_command(CLI::App& app);

// A command line that cannot be carried out as given (exit 2); its message
// begins with the subcommand, e.g. "sweep: give --vary ...".
class UsageError : public UserError {
public:
  using UserError::UserError;
  std::string report() const override { return std::string("sepsim ") + what(); }
};

// A program a command ran (scripts/report.py) failed and said why on stderr:
// sepsim exits with its status.
class ExitStatus : public std::runtime_error {
public:
  explicit ExitStatus(int status)
      : std::runtime_error("exit status " + std::to_string(status)), status_(status) {}
  int status() const { return status_; }

private:
  int status_;
};

} // namespace sepsim::app

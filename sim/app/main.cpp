// The sepsim command line: the subcommands live in command_*.cpp
// (commands.hpp); here only the parsing, the dispatch, and the mapping of
// failures to exit codes: 0 ok, 2 the user's error, 3 input/output,
// 130 interrupted, 70 a bug in sepsim.
#include "commands.hpp"
#include "distributed.hpp"
#include "sepsim/core/build_info.hpp"
#include "sepsim/core/errors.hpp"
#include "sepsim/core/huge_pages.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <new>
#include <string>
#include <vector>

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitIo = 3;
constexpr int kExitInterrupted = 130;
constexpr int kExitInternal = 70;

std::string version_text() {
  const sepsim::BuildInfo& build = sepsim::build_info();
  return "sepsim " + std::string(build.version) + " (commit " + std::string(build.git_commit) + ")";
}

// What was printed must reach standard output: a full disk or a closed pipe
// there is an I/O failure, not a success with the output lost.
void flush_stdout() {
  const int earlier = errno;
  const bool failed = !std::cout || std::ferror(stdout) != 0;
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && !failed) return;
  const int reason = !flushed && errno != 0 ? errno : earlier;
  throw sepsim::IoError(std::string("cannot write to standard output: ") +
                        (reason != 0 ? std::strerror(reason) : "a write failed"));
}

// One clause per base of core/errors.hpp; the library throws, only this exits.
int run_command(const sepsim::app::Command& command, Processes& processes) {
  try {
    command.run(processes);
    // On the other ranks standard output is silenced.
    if (!processes.worker()) flush_stdout();
    return 0;
  } catch (const sepsim::UserError& e) {
    std::cerr << e.report() << "\n";
    return kExitUsage;
  } catch (const sepsim::IoError& e) {
    std::cerr << "sepsim: " << e.what() << "\n";
    return kExitIo;
  } catch (const sepsim::app::ExitStatus& e) {
    return e.status(); // the program it ran has said why
  } catch (const sepsim::Interrupted& e) {
    std::cerr << "\nsepsim: " << e.what() << "\n";
    return kExitInterrupted;
  } catch (const std::bad_alloc&) {
    // Out of memory (or of address space, under ulimit -v): the run is too big.
    std::fprintf(stderr, "sepsim: out of memory: use fewer --threads or --reps, a smaller sample "
                         "size, or raise the memory limit\n");
    return kExitUsage;
  } catch (const std::exception& e) {
    // stderr itself: on the other ranks std::cerr is silenced.
    std::fprintf(stderr, "sepsim%s: internal error (a bug in sepsim, please report it): %s\n",
                 processes.worker() ? (" rank " + std::to_string(processes.rank())).c_str() : "",
                 e.what());
    return kExitInternal;
  }
}

int sepsim_main(int argc, char** argv, Processes& processes) {
  // Past a file-size limit (ulimit -f) a write fails with EFBIG, like a full
  // disk, instead of killing the process: the error is then reported.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"sepsim: Monte Carlo simulator for precision immunotherapy trials in sepsis"};
  app.require_subcommand(1);
  app.set_version_flag("--version", version_text());
  using namespace sepsim::app;
  const std::vector<Command> commands = {
      add_run_command(app),        add_check_command(app),  add_show_command(app),
      add_cohort_command(app),     add_sweep_command(app),  add_size_command(app),
      add_boundaries_command(app), add_report_command(app), add_trials_command(app)};

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  for (const Command& command : commands) {
    if (!*command.cli) continue;
    // Only run and sweep are distributed; in a job of several processes the
    // other commands run on rank 0 alone.
    if (processes.worker() && !command.distributed) return 0;
    return run_command(command, processes);
  }
  return kExitInternal;
}

} // namespace

int main(int argc, char** argv) {
  sepsim::heap_on_huge_pages();
  Processes processes(argc, argv);
  // Rank 0 speaks for the job; the others print nothing (every rank meets the
  // same scenario problems, and only rank 0 writes results).
  if (processes.worker()) {
    std::cout.rdbuf(nullptr);
    std::cerr.rdbuf(nullptr);
  }
  const int code = sepsim_main(argc, argv, processes);
  // After a failure on rank 0 the others may be waiting to send: stop them.
  if (code != 0 && processes.ranks() > 1 && !processes.worker()) processes.abort(code);
  return code;
}

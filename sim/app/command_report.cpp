// sepsim report: a results file as one self-contained HTML page. The page is
// made by scripts/report.py (Python, h5py and matplotlib); this command only
// finds the script, runs it without a shell and passes its exit status on
// (2: not a readable sepsim results file, 3: the page could not be written).
#include "commands.hpp"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace sepsim::app {

namespace {

constexpr const char* kPython = "/usr/bin/python3";

struct ReportArgs {
  std::string path;
  std::string out;
};

// SEPSIM_SCRIPTS_DIR from the environment, else the source tree's scripts
// folder this binary was built from.
std::string scripts_dir() {
  if (const char* env = std::getenv("SEPSIM_SCRIPTS_DIR"); env != nullptr && *env != '\0')
    return env;
#ifdef SEPSIM_SCRIPTS_DIR
  return SEPSIM_SCRIPTS_DIR;
#else
  return "";
#endif
}

bool regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// Runs argv[0] with argv (no shell) and returns its exit status (128 + the
// signal if it was killed, as a shell reports it).
int run_program(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (spawned != 0) throw IoError("report: cannot run " + args[0] + ": " + std::strerror(spawned));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      throw IoError(std::string("report: waiting for ") + args[0] + ": " + std::strerror(errno));
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

void report(const ReportArgs& args) {
  const std::string dir = scripts_dir();
  const std::string script = dir + "/report.py";
  if (dir.empty() || !regular_file(script))
    throw IoError("report: cannot find the report script " +
                  (dir.empty() ? std::string("report.py") : script) +
                  " (set SEPSIM_SCRIPTS_DIR to the scripts folder of the sepsim source tree)");
  if (::access(kPython, X_OK) != 0)
    throw IoError(
        std::string("report: needs ") + kPython +
        " with python3-h5py and python3-matplotlib (scripts/setup.sh test installs them)");
  std::vector<std::string> argv = {kPython, script, args.path};
  if (!args.out.empty()) argv.insert(argv.end(), {"--out", args.out});
  // This binary, for the terminal table (`sepsim show`) in the report.
  char self[4096];
  const ssize_t length = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (length > 0)
    argv.insert(argv.end(), {"--sepsim", std::string(self, static_cast<std::size_t>(length))});
  const int status = run_program(argv);
  if (status != 0) throw ExitStatus(status);
}

} // namespace

Command add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  CLI::App* cmd =
      app.add_subcommand("report", "Write a results file as one self-contained HTML report");
  cmd->add_option("file", args->path, "Results file (.h5)")->required();
  cmd->add_option("--out", args->out,
                  "The HTML file to write (default: beside FILE, same stem, .html)");
  return {cmd, [args](Processes&) { report(*args); }};
}

} // namespace sepsim::app

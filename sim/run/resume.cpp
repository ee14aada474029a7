#include "sepsim/run/resume.hpp"

#include "sepsim/core/build_info.hpp"
#include "sepsim/core/files.hpp"
#include "sepsim/input/scenario_reader.hpp"

#include <filesystem>

namespace sepsim {

std::string partial_path(const std::string& output) {
  const std::string stem = output.size() > 3 && output.compare(output.size() - 3, 3, ".h5") == 0
                               ? output.substr(0, output.size() - 3)
                               : output;
  return stem + ".partial.h5";
}

std::string start_folder(const std::string& partial, const std::string& output) {
  namespace fs = std::filesystem;
  const fs::path out(output);
  if (output.empty() || out.is_absolute()) return "";
  std::error_code ec;
  fs::path folder = fs::weakly_canonical(partial, ec).parent_path();
  if (ec) return "";
  for (const auto& part : out.parent_path()) {
    if (part == "..") return "";
    if (part != "." && !part.empty()) folder = folder.parent_path();
  }
  return same_file((folder / partial_path(output)).string(), partial) ? folder.string() : "";
}

ScenarioLoader scenario_loader(const std::string& path, const std::vector<std::string>& sets,
                               bool null_hypothesis) {
  return [=](const std::vector<Override>& grid) {
    std::vector<Override> all;
    for (const auto& s : sets)
      all.push_back({s});
    all.insert(all.end(), grid.begin(), grid.end());
    return path.empty() ? load_default_scenario(all, null_hypothesis)
                        : load_scenario(path, all, null_hypothesis);
  };
}

ScenarioLoader prepare_resume(const RunSummary& sweep, const std::string& partial,
                              RunOptions& options) {
  const Provenance& p = sweep.provenance;
  if (sweep.grid.axes.empty())
    throw ResumeError(partial, "not a sweep file: there is nothing to resume");
  if (sweep.complete())
    throw ResumeError(partial, "the sweep is complete (" + std::to_string(sweep.points.size()) +
                                   " points): there is nothing to resume");
  // Another build may give other numbers: the finished sweep would mix them.
  const BuildInfo& build = build_info();
  if (p.git_commit != build.git_commit || p.sepsim_version != build.version)
    throw ResumeError(partial, "it was started by sepsim " + p.sepsim_version + " (commit " +
                                   p.git_commit + ") and this is " + std::string(build.version) +
                                   " (commit " + std::string(build.git_commit) +
                                   "): finish it with that build, or start the sweep again");
  ScenarioLoader loader =
      scenario_loader(sweep.grid.scenario_path, sweep.grid.sets, p.null_hypothesis);
  if (loader({}).text != p.scenario_text)
    throw ResumeError(partial, "the scenario " + p.scenario_source +
                                   " has changed since the sweep started: restore it, or start "
                                   "the sweep again");
  options.seed = p.seed;
  options.replicates = p.replicates;
  return loader;
}

} // namespace sepsim

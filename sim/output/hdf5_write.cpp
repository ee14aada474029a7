// Writing a results file: the layout of results/FORMAT.md built in memory,
// then written under a temporary name and renamed into place.
#include "sepsim/output/hdf5_file.hpp"

#include "hdf5_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <unistd.h>

namespace sepsim {

namespace {

using namespace hdf5;

// The time of writing, or SOURCE_DATE_EPOCH (seconds since 1970) when set:
// the reproducible-builds convention, which makes identical runs identical files.
std::string created_utc() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    const long long seconds = std::strtoll(epoch, &end, 10);
    // Up to 9999-12-31T23:59:59Z; gmtime fails past a four-digit year.
    if (end != epoch && *end == '\0' && seconds >= 0 && seconds <= 253402300799LL)
      now = static_cast<std::time_t>(seconds);
  }
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

void write_provenance(H5::Group& root, const Provenance& p) {
  attr(root, "format", kResultsFormat);
  {
    const hsize_t two[1] = {2};
    H5::Attribute a =
        root.createAttribute("format_version", H5::PredType::NATIVE_INT, H5::DataSpace(1, two));
    a.write(H5::PredType::NATIVE_INT, kResultsFormatVersion);
  }
  attr(root, "sepsim_version", p.sepsim_version);
  attr(root, "git_commit", p.git_commit);
  attr(root, "compiler", p.compiler);
  attr(root, "boost_version", p.boost_version);
  attr(root, "tbb_version", p.tbb_version);
  attr(root, "hdf5_version", p.hdf5_version);
  attr(root, "scenario_name", p.scenario_name);
  attr(root, "scenario_source", p.scenario_source);
  attr(root, "scenario_text", p.scenario_text);
  attr(root, "seed", H5::PredType::NATIVE_UINT64, p.seed);
  attr(root, "replicates", H5::PredType::NATIVE_UINT64, p.replicates);
  attr(root, "null_hypothesis", H5::PredType::NATIVE_INT, static_cast<int>(p.null_hypothesis));
  attr(root, "generator_version", H5::PredType::NATIVE_INT, p.generator_version);
  attr(root, "created_utc", created_utc());
}

void write_grid(H5::Group& root, const Grid& spec, std::size_t n_points) {
  H5::Group grid = new_group(root, "grid");
  attr(grid, "points", H5::PredType::NATIVE_UINT64, spec.points());
  attr(grid, "completed_points", H5::PredType::NATIVE_UINT64, static_cast<std::uint64_t>(n_points));
  std::vector<std::string> axis_keys;
  for (const auto& a : spec.axes)
    axis_keys.push_back(a.key);
  attr_strings(grid, "axes", axis_keys);
  for (const auto& a : spec.axes)
    write_vector(grid, a.key, a.values);
  if (!spec.axes.empty()) {
    // What `sepsim sweep --resume` needs besides the provenance.
    attr(grid, "scenario_path", spec.scenario_path);
    attr_strings(grid, "sets", spec.sets);
    attr(grid, "output", spec.output);
  }
}

// Every pair of designs: the paired power difference over the grid.
void write_comparisons(H5::Group& comparisons, const RunSummary& summary) {
  const Grid& spec = summary.grid;
  for (std::size_t c = 0; c < summary.points.front().comparisons.size(); ++c) {
    const DesignComparison& first = summary.points.front().comparisons[c];
    H5::Group g = new_group(comparisons, first.design_a + "-vs-" + first.design_b);
    attr(g, "index", H5::PredType::NATIVE_INT, static_cast<int>(c));
    attr(g, "design_a", first.design_a);
    attr(g, "design_b", first.design_b);
    std::vector<double> value, mcse;
    for (const auto& point : summary.points) {
      value.push_back(point.comparisons[c].power_difference.value);
      mcse.push_back(point.comparisons[c].power_difference.mcse);
    }
    write_grid_array(g, "power_difference", value, spec);
    write_grid_array(g, "power_difference_mcse", mcse, spec);
  }
}

// Per-look rejection, futility and harm, and the design settings a sweep may vary,
// one value per grid point.
void write_design_per_point(H5::Group& g, const RunSummary& summary, std::size_t d) {
  const Grid& spec = summary.grid;
  std::vector<std::vector<double>> reject, futility;
  for (const auto& point : summary.points) {
    reject.push_back(point.designs[d].reject_per_look);
    futility.push_back(point.designs[d].futility_per_look);
  }
  write_grid_matrix(g, "reject_per_look", reject, spec);
  write_grid_matrix(g, "futility_per_look", futility, spec);
  if (summary.points.front().designs[d].has_harm) { // only then: other files unchanged
    std::vector<std::vector<double>> harm;
    for (const auto& point : summary.points)
      harm.push_back(point.designs[d].harm_per_look);
    write_grid_matrix(g, "harm_per_look", harm, spec);
  }
  std::vector<double> n, alpha, sided;
  for (const auto& point : summary.points) {
    n.push_back(point.designs[d].sample_size);
    alpha.push_back(point.designs[d].alpha);
    sided.push_back(point.designs[d].sided);
  }
  write_grid_array(g, "sample_size", n, spec);
  write_grid_array(g, "alpha", alpha, spec);
  write_grid_array(g, "sided", sided, spec);
}

// Design d's group, its arms and its hypotheses (summary is a copy: the
// estimate visitors take references).
void write_design(H5::Group& designs, RunSummary& summary, std::size_t d) {
  const Grid& spec = summary.grid;
  const std::size_t n_points = summary.points.size();
  const DesignSummary& first = summary.points.front().designs[d];
  H5::Group g = new_group(designs, first.name);
  attr(g, "index", H5::PredType::NATIVE_INT, static_cast<int>(d));
  if (!first.label.empty()) attr(g, "label", first.label); // only when set: older files unchanged
  attr(g, "treatment_arm", first.treatment_arm);
  attr(g, "control_arm", first.control_arm);
  attr(g, "test", first.test);
  attr(g, "endpoint", first.endpoint);
  attr(g, "multiplicity", first.multiplicity);
  attr(g, "alpha", H5::PredType::NATIVE_DOUBLE, first.alpha);
  attr(g, "sided", H5::PredType::NATIVE_INT, first.sided);
  attr(g, "sample_size", H5::PredType::NATIVE_INT, first.sample_size);
  write_estimates<DesignSummary>(g, n_points, spec, [&](std::size_t pt) -> DesignSummary& {
    return summary.points[pt].designs[d];
  });
  write_design_per_point(g, summary, d);
  if (!first.look_patients.empty() || !first.look_events.empty()) {
    // The design's looks and boundaries (the same at every grid point).
    H5::Group looks = new_group(g, "looks");
    if (first.look_events.empty())
      write_vector(looks, "patients", first.look_patients);
    else
      write_vector(looks, "events", first.look_events);
    write_vector(looks, "efficacy_z", first.efficacy_z);
    write_vector(looks, "futility_z", first.futility_z);
    if (first.has_harm) write_vector(looks, "harm_z", first.harm_z);
  }
  H5::Group arms = new_group(g, "arms");
  for (std::size_t a = 0; a < first.arms.size(); ++a) {
    H5::Group ag = new_group(arms, first.arms[a].name);
    attr(ag, "index", H5::PredType::NATIVE_INT, static_cast<int>(a));
    attr(ag, "policy", first.arms[a].policy);
    write_estimates<ArmSummary>(ag, n_points, spec, [&](std::size_t pt) -> ArmSummary& {
      return summary.points[pt].designs[d].arms[a];
    });
  }
  H5::Group hypotheses = new_group(g, "hypotheses");
  for (std::size_t h = 0; h < first.hypotheses.size(); ++h) {
    const HypothesisSummary& hypothesis = first.hypotheses[h];
    H5::Group hg = new_group(hypotheses, hypothesis.name);
    attr(hg, "index", H5::PredType::NATIVE_INT, static_cast<int>(h));
    attr(hg, "treatment_arm", hypothesis.treatment_arm);
    attr(hg, "control_arm", hypothesis.control_arm);
    attr(hg, "labels", hypothesis.labels);
    write_estimates<HypothesisSummary>(hg, n_points, spec,
                                       [&](std::size_t pt) -> HypothesisSummary& {
                                         return summary.points[pt].designs[d].hypotheses[h];
                                       });
  }
}

} // namespace

void hdf5::write_layout(H5::H5File& file, RunSummary summary) {
  H5::Group root = file.openGroup("/");
  write_provenance(root, summary.provenance);
  write_grid(root, summary.grid, summary.points.size());
  H5::Group designs = new_group(root, "designs");
  H5::Group comparisons = new_group(root, "comparisons");
  if (summary.points.empty()) return;
  write_comparisons(comparisons, summary);
  for (std::size_t d = 0; d < summary.points.front().designs.size(); ++d)
    write_design(designs, summary, d);
}

namespace {

// The file is built in memory (HDF5's core driver) and its image written
// with plain system calls: every I/O error (a full disk, a file-size limit)
// is then ours to report, and HDF5 never holds a half-written file (after a
// failed flush to disk, libhdf5 1.10 crashes at exit). The image grows 64 KiB
// at a time: a results file is 80-400 KB, and a first 1 MiB was zeroed and
// faulted in, page by page, for nothing (the file's bytes do not depend on it).
std::vector<char> file_image(const RunSummary& summary) {
  H5::FileAccPropList fapl;
  H5Pset_fapl_core(fapl.getId(), std::size_t{1} << 16, false);
  H5::H5File file("sepsim-results.h5", H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, fapl);
  write_layout(file, summary);
  file.flush(H5F_SCOPE_GLOBAL);
  const ssize_t size = H5Fget_file_image(file.getId(), nullptr, 0);
  if (size < 0) throw H5::FileIException("H5Fget_file_image", "cannot take the file image");
  std::vector<char> image(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file.getId(), image.data(), image.size()) != size)
    throw H5::FileIException("H5Fget_file_image", "cannot take the file image");
  return image;
}

// Writes all bytes and syncs them to disk; the reason on failure.
std::string write_bytes(const std::string& path, const std::vector<char>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return std::strerror(errno);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string reason = std::strerror(n < 0 ? errno : ENOSPC);
      ::close(fd);
      return reason;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 && errno != EINVAL) {
    const std::string reason = std::strerror(errno);
    ::close(fd);
    return reason;
  }
  if (::close(fd) != 0) return std::strerror(errno);
  return "";
}

// Renames FROM to TO unless TO exists, atomically: a concurrent writer of TO
// is never replaced. False with errno (EEXIST: TO exists).
bool move_new(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return true;
  if (errno != EINVAL && errno != ENOSYS) return false;
  // A file system without RENAME_NOREPLACE: link(2) fails on an existing name too.
  if (::link(from.c_str(), to.c_str()) != 0) return false;
  ::unlink(from.c_str());
  return true;
}

// Another writer took PATH while these results were made: they are kept
// under a new name beside it rather than lost.
[[noreturn]] void keep_beside(const std::string& temp, const std::string& path) {
  const std::string stem = path.size() > 3 && path.compare(path.size() - 3, 3, ".h5") == 0
                               ? path.substr(0, path.size() - 3)
                               : path;
  const std::string kept = stem + ".kept-" + std::to_string(::getpid()) + ".h5";
  if (move_new(temp, kept))
    throw IoError("cannot write results to " + path +
                  ": another run wrote a results file there meanwhile (it is left as it was); "
                  "these results are kept in " +
                  kept);
  throw IoError("cannot write results to " + path +
                ": another run wrote a results file there meanwhile; these results are kept in " +
                temp);
}

} // namespace

void check_writable(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw IoError("cannot write results to " + path + ": folder " + dir.string() +
                  (ec && ec != std::errc::no_such_file_or_directory
                       ? ": " + ec.message()
                       : " does not exist (create it, or choose another --out)"));
  // The file is renamed into place, which would replace a device or a folder
  // (as root, even /dev/full): only a new name or a regular file is accepted.
  const auto status = std::filesystem::symlink_status(p, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw IoError("cannot write results to " + path +
                  ": it exists and is not a regular file (choose another --out)");
  const std::string probe = path + ".tmp-check-" + std::to_string(::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw IoError("cannot write results to " + path + ": " + std::strerror(errno) + " (in folder " +
                  dir.string() + ")");
  ::close(fd);
  std::filesystem::remove(probe, ec);
}

void write_results(const std::string& path, const RunSummary& summary, bool replace) {
  H5::Exception::dontPrint();
  std::vector<char> image;
  try {
    image = file_image(summary);
  } catch (const H5::Exception& e) {
    throw IoError("cannot write results to " + path + ": HDF5 " + e.getFuncName() + ": " +
                  e.getDetailMsg());
  }
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  if (const std::string reason = write_bytes(temp, image); !reason.empty()) {
    std::filesystem::remove(temp, ec);
    throw IoError("cannot write results to " + path + ": " + reason +
                  " (nothing was left there; free some space or choose another --out)");
  }
  hdf5::place_results(temp, path, replace);
}

void hdf5::place_results(const std::string& temp, const std::string& path, bool replace) {
  std::error_code ec;
  if (replace ? ::rename(temp.c_str(), path.c_str()) == 0 : move_new(temp, path)) return;
  if (!replace && errno == EEXIST) keep_beside(temp, path);
  const std::string reason = std::strerror(errno);
  std::filesystem::remove(temp, ec);
  throw IoError("cannot move results into place at " + path + ": " + reason);
}

} // namespace sepsim

#include "sepsim/output/hdf5_file.hpp"

#include "sepsim/run/summary.hpp"

#include <H5Cpp.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

namespace sepsim {

namespace {

const H5::StrType& string_type() {
  static const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  return type;
}

template <class Location>
void attr(Location& loc, const std::string& name, const std::string& value) {
  H5::Attribute a = loc.createAttribute(name, string_type(), H5::DataSpace(H5S_SCALAR));
  a.write(string_type(), value);
}

template <class Location, class T>
void attr(Location& loc, const std::string& name, const H5::PredType& type, const T& value) {
  H5::Attribute a = loc.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  a.write(type, &value);
}

template <class Location>
std::string read_string_attr(const Location& loc, const std::string& name) {
  if (!loc.attrExists(name)) return "";
  std::string value;
  H5::Attribute a = loc.openAttribute(name);
  a.read(string_type(), value);
  return value;
}

template <class Location, class T>
T read_attr(const Location& loc, const std::string& name, const H5::PredType& type) {
  T value{};
  if (loc.attrExists(name)) loc.openAttribute(name).read(type, &value);
  return value;
}

// Objects are created without modification times, so the same results give
// the same bytes.
H5::Group new_group(H5::Group& parent, const std::string& name) {
  static const hid_t gcpl = [] {
    const hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(p, false);
    return p;
  }();
  const hid_t id = H5Gcreate2(parent.getId(), name.c_str(), H5P_DEFAULT, gcpl, H5P_DEFAULT);
  if (id < 0) throw H5::GroupIException("new_group", "cannot create group " + name);
  H5::Group g(id);
  H5Gclose(id); // H5::Group holds its own reference
  return g;
}

// Opens or creates the groups along a '/'-separated path below `base`.
H5::Group group_at(H5::Group base, const std::string& path) {
  std::size_t start = 0;
  while (true) {
    const auto slash = path.find('/', start);
    if (slash == std::string::npos) return base;
    const std::string part = path.substr(start, slash - start);
    base = base.nameExists(part) ? base.openGroup(part) : new_group(base, part);
    start = slash + 1;
  }
}

std::string leaf(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void write_array(H5::Group& g, const std::string& name, const std::vector<double>& v,
                 const std::vector<hsize_t>& dims) {
  H5::DSetCreatPropList dcpl;
  H5Pset_obj_track_times(dcpl.getId(), false);
  H5::DataSet ds = g.createDataSet(name, H5::PredType::NATIVE_DOUBLE,
                                   H5::DataSpace(static_cast<int>(dims.size()), dims.data()), dcpl);
  ds.write(v.data(), H5::PredType::NATIVE_DOUBLE);
}

void write_vector(H5::Group& g, const std::string& name, const std::vector<double>& v) {
  write_array(g, name, v, {v.size()});
}

// Datasets over the grid are shaped by it: one dimension per axis (in --vary
// order), or [1] for a plain run. Points not yet run (a partial sweep) are NaN.
std::vector<hsize_t> grid_dims(const Grid& grid) {
  std::vector<hsize_t> dims;
  for (const auto& a : grid.axes)
    dims.push_back(a.values.size());
  if (dims.empty()) dims.push_back(1);
  return dims;
}

void write_grid_array(H5::Group& g, const std::string& name, std::vector<double> values,
                      const Grid& grid) {
  values.resize(grid.points(), std::nan(""));
  write_array(g, name, values, grid_dims(grid));
}

// One row per completed point: shaped [grid..., columns].
void write_grid_matrix(H5::Group& g, const std::string& name,
                       const std::vector<std::vector<double>>& rows, const Grid& grid) {
  const std::size_t cols = rows.empty() ? 0 : rows.front().size();
  std::vector<double> flat;
  for (const auto& r : rows)
    flat.insert(flat.end(), r.begin(), r.end());
  flat.resize(grid.points() * cols, std::nan(""));
  auto dims = grid_dims(grid);
  dims.push_back(cols);
  write_array(g, name, flat, dims);
}

void attr_strings(H5::Group& loc, const std::string& name, const std::vector<std::string>& values) {
  if (values.empty()) return;
  std::vector<const char*> pointers;
  for (const auto& v : values)
    pointers.push_back(v.c_str());
  const hsize_t dims[1] = {values.size()};
  H5::Attribute a = loc.createAttribute(name, string_type(), H5::DataSpace(1, dims));
  a.write(string_type(), pointers.data());
}

std::vector<std::string> read_strings_attr(const H5::Group& loc, const std::string& name) {
  if (!loc.attrExists(name)) return {};
  H5::Attribute a = loc.openAttribute(name);
  const auto n = static_cast<std::size_t>(a.getSpace().getSimpleExtentNpoints());
  std::vector<char*> pointers(n, nullptr);
  a.read(string_type(), pointers.data());
  std::vector<std::string> values;
  for (char* p : pointers)
    values.emplace_back(p != nullptr ? p : "");
  H5Dvlen_reclaim(string_type().getId(), a.getSpace().getId(), H5P_DEFAULT, pointers.data());
  return values;
}

std::vector<double> read_vector(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  const auto n = static_cast<std::size_t>(ds.getSpace().getSimpleExtentNpoints());
  std::vector<double> v(n);
  ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
  return v;
}

// A [grid..., columns] dataset as one row per grid point.
std::vector<std::vector<double>> read_matrix(const H5::Group& g, const std::string& name) {
  H5::DataSet ds = g.openDataSet(name);
  const H5::DataSpace space = ds.getSpace();
  std::vector<hsize_t> dims(static_cast<std::size_t>(space.getSimpleExtentNdims()));
  space.getSimpleExtentDims(dims.data());
  const hsize_t cols = dims.empty() ? 0 : dims.back();
  std::vector<double> flat(static_cast<std::size_t>(space.getSimpleExtentNpoints()));
  ds.read(flat.data(), H5::PredType::NATIVE_DOUBLE);
  std::vector<std::vector<double>> rows(cols == 0 ? 0 : flat.size() / cols);
  for (std::size_t r = 0; r < rows.size(); ++r)
    rows[r].assign(flat.begin() + r * cols, flat.begin() + (r + 1) * cols);
  return rows;
}

// Each estimate becomes two datasets shaped by the grid: NAME and NAME_mcse.
template <class Summary, class Get>
void write_estimates(H5::Group& g, std::size_t n_points, const Grid& grid, Get get) {

  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> columns;
  std::vector<std::string> order;
  for (std::size_t p = 0; p < n_points; ++p) {
    Summary& s = get(p);
    for_each_estimate(s, [&](const std::string& path, Estimate& e) {
      if (!columns.count(path)) order.push_back(path);
      columns[path].first.push_back(e.value);
      columns[path].second.push_back(e.mcse);
    });
  }
  for (const auto& path : order) {
    H5::Group parent = group_at(g, path);
    write_grid_array(parent, leaf(path), columns[path].first, grid);
    write_grid_array(parent, leaf(path) + "_mcse", columns[path].second, grid);
  }
}

template <class Summary, class Get>
void read_estimates(const H5::Group& g, std::size_t n_points, Get get) {
  std::vector<std::pair<std::vector<double>, std::vector<double>>> columns;
  Summary probe;
  for_each_estimate(probe, [&](const std::string& path, Estimate&) {
    columns.emplace_back(read_vector(g, path), read_vector(g, path + "_mcse"));
  });
  for (std::size_t p = 0; p < n_points; ++p) {
    std::size_t k = 0;
    for_each_estimate(get(p), [&](const std::string&, Estimate& e) {
      const auto& [value, mcse] = columns[k++];
      if (p < value.size() && p < mcse.size()) e = {value[p], mcse[p]};
    });
  }
}

// The time of writing, or SOURCE_DATE_EPOCH (seconds since 1970) when set:
// the reproducible-builds convention, which makes identical runs identical files.
std::string created_utc() {
  std::time_t now = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) {
    char* end = nullptr;
    const long long seconds = std::strtoll(epoch, &end, 10);
    if (end != epoch && *end == '\0' && seconds >= 0) now = static_cast<std::time_t>(seconds);
  }
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

void write_layout(H5::H5File& file, RunSummary summary) {
  H5::Group root = file.openGroup("/");
  const Provenance& p = summary.provenance;
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
  attr(root, "created_utc", created_utc());

  const std::size_t n_points = summary.points.size();
  const Grid& spec = summary.grid;
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

  H5::Group designs = new_group(root, "designs");
  H5::Group comparisons = new_group(root, "comparisons");
  if (n_points == 0) return;
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
  for (std::size_t d = 0; d < summary.points.front().designs.size(); ++d) {
    const DesignSummary& first = summary.points.front().designs[d];
    H5::Group g = new_group(designs, first.name);
    attr(g, "index", H5::PredType::NATIVE_INT, static_cast<int>(d));
    attr(g, "treatment_arm", first.treatment_arm);
    attr(g, "control_arm", first.control_arm);
    attr(g, "test", first.test);
    attr(g, "multiplicity", first.multiplicity);
    attr(g, "alpha", H5::PredType::NATIVE_DOUBLE, first.alpha);
    attr(g, "sided", H5::PredType::NATIVE_INT, first.sided);
    attr(g, "sample_size", H5::PredType::NATIVE_INT, first.sample_size);
    write_estimates<DesignSummary>(g, n_points, spec, [&](std::size_t pt) -> DesignSummary& {
      return summary.points[pt].designs[d];
    });
    std::vector<std::vector<double>> reject, futility;
    for (const auto& point : summary.points) {
      reject.push_back(point.designs[d].reject_per_look);
      futility.push_back(point.designs[d].futility_per_look);
    }
    write_grid_matrix(g, "reject_per_look", reject, spec);
    write_grid_matrix(g, "futility_per_look", futility, spec);
    {
      // Design settings a sweep may vary, one value per grid point.
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
    if (!first.look_patients.empty()) {
      // The design's looks and boundaries (the same at every grid point).
      H5::Group looks = new_group(g, "looks");
      write_vector(looks, "patients", first.look_patients);
      write_vector(looks, "efficacy_z", first.efficacy_z);
      write_vector(looks, "futility_z", first.futility_z);
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
}

// The file is built in memory (HDF5's core driver) and its image written
// with plain system calls: every I/O error (a full disk, a file-size limit)
// is then ours to report, and HDF5 never holds a half-written file (after a
// failed flush to disk, libhdf5 1.10 crashes at exit).
std::vector<char> file_image(const RunSummary& summary) {
  H5::FileAccPropList fapl;
  H5Pset_fapl_core(fapl.getId(), std::size_t{1} << 20, false);
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

std::vector<std::string> children_by_index(const H5::Group& g) {
  std::vector<std::pair<int, std::string>> items;
  for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
    const std::string name = g.getObjnameByIdx(i);
    if (g.childObjType(name) != H5O_TYPE_GROUP) continue;
    items.emplace_back(
        read_attr<H5::Group, int>(g.openGroup(name), "index", H5::PredType::NATIVE_INT), name);
  }
  std::sort(items.begin(), items.end());
  std::vector<std::string> names;
  for (auto& it : items)
    names.push_back(it.second);
  return names;
}

} // namespace

void check_writable(const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : ".";
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw IoError("cannot write results to " + path + ": folder " + dir.string() +
                  " does not exist (create it, or choose another --out)");
  // The file is renamed into place, which would replace a device or a folder
  // (as root, even /dev/full): only a new name or a regular file is accepted.
  const auto status = std::filesystem::symlink_status(p, ec);
  if (std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
    throw IoError("cannot write results to " + path +
                  ": it exists and is not a regular file (choose another --out)");
  const std::string probe = path + ".tmp-check-" + std::to_string(::getpid());
  std::ofstream out(probe);
  if (!out) throw IoError("cannot write results to " + path + ": " + std::strerror(errno));
  out.close();
  std::filesystem::remove(probe, ec);
}

void write_results(const std::string& path, const RunSummary& summary) {
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
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    throw IoError("cannot move results into place at " + path + ": " + ec.message());
  }
}

RunSummary read_results(const std::string& path) {
  H5::Exception::dontPrint();
  if (!std::filesystem::exists(path)) throw IoError("cannot read " + path + ": no such file");
  try {
    H5::H5File file(path, H5F_ACC_RDONLY);
    H5::Group root = file.openGroup("/");
    if (read_string_attr(root, "format") != kResultsFormat)
      throw IoError(path + " is not a sepsim results file (no format = \"sepsim-results\")");
    int version[2] = {0, 0};
    if (root.attrExists("format_version"))
      root.openAttribute("format_version").read(H5::PredType::NATIVE_INT, version);
    if (version[0] != kResultsFormatVersion[0])
      throw IoError(path + " has results format " + std::to_string(version[0]) + "." +
                    std::to_string(version[1]) + "; this sepsim reads format " +
                    std::to_string(kResultsFormatVersion[0]) + ".x (rerun the scenario)");

    RunSummary s;
    Provenance& p = s.provenance;
    p.sepsim_version = read_string_attr(root, "sepsim_version");
    p.git_commit = read_string_attr(root, "git_commit");
    p.compiler = read_string_attr(root, "compiler");
    p.boost_version = read_string_attr(root, "boost_version");
    p.tbb_version = read_string_attr(root, "tbb_version");
    p.hdf5_version = read_string_attr(root, "hdf5_version");
    p.scenario_name = read_string_attr(root, "scenario_name");
    p.scenario_source = read_string_attr(root, "scenario_source");
    p.scenario_text = read_string_attr(root, "scenario_text");
    p.seed = read_attr<H5::Group, std::uint64_t>(root, "seed", H5::PredType::NATIVE_UINT64);
    p.replicates =
        read_attr<H5::Group, std::uint64_t>(root, "replicates", H5::PredType::NATIVE_UINT64);
    p.null_hypothesis =
        read_attr<H5::Group, int>(root, "null_hypothesis", H5::PredType::NATIVE_INT) != 0;

    H5::Group grid = root.openGroup("grid");
    for (const auto& key : read_strings_attr(grid, "axes")) {
      s.grid.axes.push_back({key, read_vector(grid, key)});
      if (s.grid.axes.back().values.empty())
        throw IoError(path + ": the grid axis " + key + " has no values (a damaged file)");
    }

    s.grid.scenario_path = read_string_attr(grid, "scenario_path");
    s.grid.sets = read_strings_attr(grid, "sets");
    s.grid.output = read_string_attr(grid, "output");
    const auto n_points = static_cast<std::size_t>(
        read_attr<H5::Group, std::uint64_t>(grid, "completed_points", H5::PredType::NATIVE_UINT64));
    if (n_points > s.grid.points())
      throw IoError(path + ": /grid holds " + std::to_string(n_points) + " completed points of " +
                    std::to_string(s.grid.points()) + " (a damaged file)");
    s.points.resize(n_points);
    for (std::size_t pt = 0; pt < n_points; ++pt) {
      std::size_t rest = pt;
      for (std::size_t a = s.grid.axes.size(); a-- > 0;) {
        const auto& axis = s.grid.axes[a];
        s.points[pt].params.insert(s.points[pt].params.begin(),
                                   {axis.key, axis.values[rest % axis.values.size()]});
        rest /= axis.values.size();
      }
    }

    H5::Group designs = root.openGroup("designs");
    for (const auto& name : children_by_index(designs)) {
      H5::Group g = designs.openGroup(name);
      const auto reject = read_matrix(g, "reject_per_look");
      const auto futility = read_matrix(g, "futility_per_look");
      H5::Group arms = g.openGroup("arms");
      const auto arm_names = children_by_index(arms);
      H5::Group hypotheses = g.openGroup("hypotheses");
      const auto hypothesis_names = children_by_index(hypotheses);
      for (std::size_t pt = 0; pt < n_points; ++pt) {
        DesignSummary d;
        d.name = name;
        d.treatment_arm = read_string_attr(g, "treatment_arm");
        d.control_arm = read_string_attr(g, "control_arm");
        d.test = read_string_attr(g, "test");
        d.multiplicity = read_string_attr(g, "multiplicity");
        d.alpha = read_attr<H5::Group, double>(g, "alpha", H5::PredType::NATIVE_DOUBLE);
        d.sided = read_attr<H5::Group, int>(g, "sided", H5::PredType::NATIVE_INT);
        d.sample_size = read_attr<H5::Group, int>(g, "sample_size", H5::PredType::NATIVE_INT);
        if (pt < reject.size()) d.reject_per_look = reject[pt];
        if (pt < futility.size()) d.futility_per_look = futility[pt];
        if (g.nameExists("sample_size")) {
          d.sample_size = static_cast<int>(read_vector(g, "sample_size").at(pt));
          d.alpha = read_vector(g, "alpha").at(pt);
          d.sided = static_cast<int>(read_vector(g, "sided").at(pt));
        }
        if (g.nameExists("looks")) {
          const H5::Group looks = g.openGroup("looks");
          d.look_patients = read_vector(looks, "patients");
          d.efficacy_z = read_vector(looks, "efficacy_z");
          d.futility_z = read_vector(looks, "futility_z");
        }
        for (const auto& hypothesis_name : hypothesis_names) {
          const H5::Group hg = hypotheses.openGroup(hypothesis_name);
          HypothesisSummary h;
          h.name = hypothesis_name;
          h.treatment_arm = read_string_attr(hg, "treatment_arm");
          h.control_arm = read_string_attr(hg, "control_arm");
          h.labels = read_string_attr(hg, "labels");
          d.hypotheses.push_back(std::move(h));
        }
        for (const auto& arm_name : arm_names) {
          ArmSummary a;
          a.name = arm_name;
          a.policy = read_string_attr(arms.openGroup(arm_name), "policy");
          d.arms.push_back(std::move(a));
        }
        s.points[pt].designs.push_back(std::move(d));
      }
      const std::size_t d_index = s.points.empty() ? 0 : s.points[0].designs.size() - 1;
      read_estimates<DesignSummary>(g, n_points, [&](std::size_t pt) -> DesignSummary& {
        return s.points[pt].designs[d_index];
      });
      for (std::size_t h = 0; h < hypothesis_names.size(); ++h) {
        H5::Group hg = hypotheses.openGroup(hypothesis_names[h]);
        read_estimates<HypothesisSummary>(hg, n_points, [&](std::size_t pt) -> HypothesisSummary& {
          return s.points[pt].designs[d_index].hypotheses[h];
        });
      }
      for (std::size_t a = 0; a < arm_names.size(); ++a) {
        H5::Group ag = arms.openGroup(arm_names[a]);
        read_estimates<ArmSummary>(ag, n_points, [&](std::size_t pt) -> ArmSummary& {
          return s.points[pt].designs[d_index].arms[a];
        });
      }
    }
    if (root.nameExists("comparisons")) {
      H5::Group comparisons = root.openGroup("comparisons");
      for (const auto& name : children_by_index(comparisons)) {
        H5::Group g = comparisons.openGroup(name);
        const auto value = read_vector(g, "power_difference");
        const auto mcse = read_vector(g, "power_difference_mcse");
        for (std::size_t pt = 0; pt < n_points && pt < value.size(); ++pt)
          s.points[pt].comparisons.push_back({read_string_attr(g, "design_a"),
                                              read_string_attr(g, "design_b"),
                                              {value[pt], mcse[pt]}});
      }
    }
    return s;
  } catch (const H5::Exception& e) {
    throw IoError("cannot read " + path + ": HDF5 " + e.getFuncName() + ": " + e.getDetailMsg());
  }
}

} // namespace sepsim

// Reading a results file back (sepsim show, sweep --resume).
#include "sepsim/output/hdf5_file.hpp"

#include "hdf5_io.hpp"

#include "sepsim/core/files.hpp"

namespace sepsim {

namespace {

using namespace hdf5;

void check_format(const H5::Group& root, const std::string& path) {
  if (read_string_attr(root, "format") != kResultsFormat)
    throw IoError(path + " is not a sepsim results file (no format = \"sepsim-results\")");
  int version[2] = {0, 0};
  if (root.attrExists("format_version"))
    root.openAttribute("format_version").read(H5::PredType::NATIVE_INT, version);
  if (version[0] != kResultsFormatVersion[0])
    throw IoError(path + " has results format " + std::to_string(version[0]) + "." +
                  std::to_string(version[1]) + "; this sepsim reads format " +
                  std::to_string(kResultsFormatVersion[0]) + ".x (rerun the scenario)");
}

Provenance read_provenance(const H5::Group& root) {
  Provenance p;
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
  if (root.attrExists("generator_version")) // files before it have version 1
    p.generator_version =
        read_attr<H5::Group, int>(root, "generator_version", H5::PredType::NATIVE_INT);
  return p;
}

// The grid and the completed points with their parameters.
void read_grid(const H5::Group& root, const std::string& path, RunSummary& s) {
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
}

// Design `name` at grid point pt: its settings and names, estimates not yet read.
DesignSummary read_design_settings(const H5::Group& g, const std::string& name, std::size_t pt,
                                   const std::vector<std::string>& arm_names,
                                   const std::vector<std::string>& hypothesis_names) {
  DesignSummary d;
  d.name = name;
  if (g.attrExists("label")) d.label = read_string_attr(g, "label");
  d.treatment_arm = read_string_attr(g, "treatment_arm");
  d.control_arm = read_string_attr(g, "control_arm");
  d.test = read_string_attr(g, "test");
  // Files written before the endpoint was recorded analysed the day-9 outcome.
  d.endpoint = g.attrExists("endpoint")
                   ? read_string_attr(g, "endpoint")
                   : (d.test == "mean_difference" || d.test == "ancova" ? "sofa_change_day9"
                                                                        : "response_day9");
  d.multiplicity = read_string_attr(g, "multiplicity");
  d.alpha = read_attr<H5::Group, double>(g, "alpha", H5::PredType::NATIVE_DOUBLE);
  d.sided = read_attr<H5::Group, int>(g, "sided", H5::PredType::NATIVE_INT);
  d.sample_size = read_attr<H5::Group, int>(g, "sample_size", H5::PredType::NATIVE_INT);
  if (g.nameExists("sample_size")) {
    d.sample_size = static_cast<int>(read_vector(g, "sample_size").at(pt));
    d.alpha = read_vector(g, "alpha").at(pt);
    d.sided = static_cast<int>(read_vector(g, "sided").at(pt));
  }
  d.event_driven = dataset_exists(g, "expected_events");
  d.adjusted = g.nameExists("adjusted_estimate");
  d.has_harm = dataset_exists(g, "harm_stop");
  if (g.nameExists("looks")) {
    const H5::Group looks = g.openGroup("looks");
    if (looks.nameExists("patients")) d.look_patients = read_vector(looks, "patients");
    if (looks.nameExists("events")) d.look_events = read_vector(looks, "events");
    d.efficacy_z = read_vector(looks, "efficacy_z");
    d.futility_z = read_vector(looks, "futility_z");
    if (looks.nameExists("harm_z")) d.harm_z = read_vector(looks, "harm_z");
  }
  const H5::Group hypotheses = g.openGroup("hypotheses");
  for (const auto& hypothesis_name : hypothesis_names) {
    const H5::Group hg = hypotheses.openGroup(hypothesis_name);
    HypothesisSummary h;
    h.name = hypothesis_name;
    h.treatment_arm = read_string_attr(hg, "treatment_arm");
    h.control_arm = read_string_attr(hg, "control_arm");
    h.labels = read_string_attr(hg, "labels");
    h.adjusted = hg.nameExists("adjusted_estimate");
    h.harm = dataset_exists(hg, "dropped_for_harm");
    if (hg.nameExists("selected_per_look")) {
      const hsize_t looks = hg.openGroup("selected_per_look").getNumObjs();
      h.selected_per_look.resize(looks);
      h.rejected_per_look.resize(looks);
    }
    d.hypotheses.push_back(std::move(h));
  }
  const H5::Group arms = g.openGroup("arms");
  for (const auto& arm_name : arm_names) {
    ArmSummary a;
    a.name = arm_name;
    a.policy = read_string_attr(arms.openGroup(arm_name), "policy");
    d.arms.push_back(std::move(a));
  }
  return d;
}

void read_design(const H5::Group& designs, const std::string& name, RunSummary& s) {
  const std::size_t n_points = s.points.size();
  H5::Group g = designs.openGroup(name);
  const auto reject = read_matrix(g, "reject_per_look");
  const auto futility = read_matrix(g, "futility_per_look");
  const auto harm = dataset_exists(g, "harm_per_look") ? read_matrix(g, "harm_per_look")
                                                       : std::vector<std::vector<double>>{};
  H5::Group arms = g.openGroup("arms");
  const auto arm_names = children_by_index(arms);
  H5::Group hypotheses = g.openGroup("hypotheses");
  const auto hypothesis_names = children_by_index(hypotheses);
  for (std::size_t pt = 0; pt < n_points; ++pt) {
    DesignSummary d = read_design_settings(g, name, pt, arm_names, hypothesis_names);
    if (pt < reject.size()) d.reject_per_look = reject[pt];
    if (pt < futility.size()) d.futility_per_look = futility[pt];
    if (pt < harm.size()) d.harm_per_look = harm[pt];
    s.points[pt].designs.push_back(std::move(d));
  }
  const std::size_t d_index = s.points.empty() ? 0 : s.points[0].designs.size() - 1;
  read_estimates<DesignSummary>(
      g, n_points, [&](std::size_t pt) -> DesignSummary& { return s.points[pt].designs[d_index]; });
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

void read_comparisons(const H5::Group& root, RunSummary& s) {
  if (!root.nameExists("comparisons")) return;
  H5::Group comparisons = root.openGroup("comparisons");
  for (const auto& name : children_by_index(comparisons)) {
    H5::Group g = comparisons.openGroup(name);
    const auto value = read_vector(g, "power_difference");
    const auto mcse = read_vector(g, "power_difference_mcse");
    for (std::size_t pt = 0; pt < s.points.size() && pt < value.size(); ++pt)
      s.points[pt].comparisons.push_back({read_string_attr(g, "design_a"),
                                          read_string_attr(g, "design_b"),
                                          {value[pt], mcse[pt]}});
  }
}

constexpr std::size_t kMaxResultsBytes = std::size_t{64} << 30;

} // namespace

RunSummary read_results(const std::string& path) {
  H5::Exception::dontPrint();
  // Read through core/files (no hang on a FIFO, the reason on any failure),
  // then opened from memory: HDF5 never touches the path.
  const std::string bytes = read_file(path, "", kMaxResultsBytes, true);
  if (bytes.size() > kMaxResultsBytes) throw IoError("cannot read " + path + ": it is over 64 GiB");
  if (bytes.empty()) throw IoError(path + " is not a sepsim results file (it is empty)");
  try {
    H5::FileAccPropList fapl;
    H5Pset_fapl_core(fapl.getId(), std::size_t{1} << 20, false);
    H5Pset_file_image(fapl.getId(), const_cast<char*>(bytes.data()), bytes.size());
    // The core driver refuses an image whose name exists on disk; below a
    // regular file, no name can.
    H5::H5File file(path + "/(in memory)", H5F_ACC_RDONLY, H5::FileCreatPropList::DEFAULT, fapl);
    H5::Group root = file.openGroup("/");
    check_format(root, path);
    RunSummary s;
    s.provenance = read_provenance(root);
    read_grid(root, path, s);
    H5::Group designs = root.openGroup("designs");
    for (const auto& name : children_by_index(designs))
      read_design(designs, name, s);
    read_comparisons(root, s);
    return s;
  } catch (const H5::Exception& e) {
    throw IoError("cannot read " + path + ": HDF5 " + e.getFuncName() + ": " + e.getDetailMsg());
  }
}

} // namespace sepsim

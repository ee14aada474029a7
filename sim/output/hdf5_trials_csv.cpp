// Reading the per-trial tables back as CSV (sepsim trials), a block of rows
// at a time, so that memory does not grow with the table.
#include "sepsim/output/hdf5_file.hpp"
#include "sepsim/output/trials_file.hpp"

#include "hdf5_io.hpp"
#include "hdf5_trials.hpp"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <ostream>

namespace sepsim {

using namespace hdf5;

namespace {

constexpr hsize_t kBlockRows = 65536;

// One design's table opened for reading: its datasets in CSV order.
struct OpenTable {
  std::string name;
  std::vector<std::string> arms;
  std::vector<H5::DataSet> columns; // kTrialColumns, then each arm's kTrialArmColumns
  std::vector<ColumnType> types;
  hsize_t rows = 0;
};

OpenTable open_table(const H5::Group& trials, const std::string& name) {
  OpenTable t;
  t.name = name;
  const H5::Group g = trials.openGroup(name);
  for (const auto& c : kTrialColumns) {
    t.columns.push_back(g.openDataSet(c.name));
    t.types.push_back(c.type);
  }
  const H5::Group arms = g.openGroup("arms");
  t.arms = children_by_index(arms);
  for (const auto& arm : t.arms)
    for (const auto& c : kTrialArmColumns) {
      t.columns.push_back(arms.openGroup(arm).openDataSet(c.name));
      t.types.push_back(c.type);
    }
  hsize_t dims[1] = {0};
  t.columns.front().getSpace().getSimpleExtentDims(dims);
  t.rows = dims[0];
  return t;
}

void put_number(std::ostream& out, double value, ColumnType type) {
  char text[40];
  if (std::isnan(value)) {
    out << "NA";
    return;
  }
  const auto end =
      type == ColumnType::f64
          ? std::to_chars(text, text + sizeof text, value).ptr
          : std::to_chars(text, text + sizeof text, static_cast<std::uint64_t>(value)).ptr;
  out.write(text, end - text);
}

void write_header(std::ostream& out, std::size_t max_arms) {
  out << "design";
  for (const auto& c : kTrialColumns)
    out << ',' << c.name;
  for (std::size_t a = 1; a <= max_arms; ++a) {
    out << ",arm" << a << "_name";
    for (const auto& c : kTrialArmColumns)
      out << ",arm" << a << '_' << c.name;
  }
  out << '\n';
}

// The table's rows (those at `grid_point` when given), padded with NA to max_arms.
void write_rows(std::ostream& out, OpenTable& t, std::size_t max_arms,
                const std::optional<std::uint64_t>& grid_point) {
  const std::size_t n_design = kTrialColumns.size(), n_arm = kTrialArmColumns.size();
  std::vector<std::vector<double>> block(t.columns.size());
  for (hsize_t start = 0; start < t.rows; start += kBlockRows) {
    const hsize_t count[1] = {std::min(kBlockRows, t.rows - start)}, offset[1] = {start};
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      H5::DataSpace file_space = t.columns[c].getSpace();
      file_space.selectHyperslab(H5S_SELECT_SET, count, offset);
      block[c].resize(count[0]);
      t.columns[c].read(block[c].data(), H5::PredType::NATIVE_DOUBLE, H5::DataSpace(1, count),
                        file_space);
    }
    for (hsize_t i = 0; i < count[0]; ++i) {
      if (grid_point && block[1][i] != static_cast<double>(*grid_point)) continue;
      out << t.name;
      for (std::size_t c = 0; c < t.columns.size(); ++c) {
        if (c >= n_design && (c - n_design) % n_arm == 0)
          out << ',' << t.arms[(c - n_design) / n_arm];
        out << ',';
        put_number(out, block[c][i], t.types[c]);
      }
      for (std::size_t a = t.arms.size(); a < max_arms; ++a)
        for (std::size_t c = 0; c <= n_arm; ++c)
          out << ",NA";
      out << '\n';
    }
  }
}

} // namespace

void write_trials_csv(const std::string& path, std::ostream& out, const TrialsCsvOptions& options) {
  H5::Exception::dontPrint();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw IoError("cannot read " + path + ": " +
                  (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  try {
    if (H5Fis_hdf5(path.c_str()) <= 0)
      throw IoError(path + " is not a sepsim results file (not HDF5)");
    const H5::H5File file(path, H5F_ACC_RDONLY);
    const H5::Group root = file.openGroup("/");
    if (read_string_attr(root, "format") != kResultsFormat)
      throw IoError(path + " is not a sepsim results file (no format = \"sepsim-results\")");
    if (!root.nameExists("trials"))
      throw UserError("trials: " + path +
                      " has no per-trial table: run the scenario with --trials");
    const H5::Group trials = root.openGroup("trials");
    const std::uint64_t points = read_attr<H5::Group, std::uint64_t>(
        root.openGroup("grid"), "points", H5::PredType::NATIVE_UINT64);
    if (options.grid_point && *options.grid_point >= points)
      throw UserError("trials: --grid-point " + std::to_string(*options.grid_point) + ": " + path +
                      " has " + std::to_string(points) + " grid point(s), numbered from 0");
    std::vector<OpenTable> tables;
    std::string names;
    for (const auto& name : children_by_index(trials)) {
      names += (names.empty() ? "" : ", ") + name;
      if (options.design.empty() || options.design == name)
        tables.push_back(open_table(trials, name));
    }
    if (tables.empty())
      throw UserError("trials: --design " + options.design + ": no such design in " + path +
                      " (its designs: " + names + ")");
    std::size_t max_arms = 0;
    for (const auto& t : tables)
      max_arms = std::max(max_arms, t.arms.size());
    write_header(out, max_arms);
    for (auto& t : tables)
      write_rows(out, t, max_arms, options.grid_point);
  } catch (const H5::Exception& e) {
    throw IoError("cannot read the per-trial tables of " + path + ": HDF5 " + e.getFuncName() +
                  ": " + e.getDetailMsg());
  }
}

} // namespace sepsim

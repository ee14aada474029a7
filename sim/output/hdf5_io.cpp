#include "hdf5_io.hpp"

#include <algorithm>
#include <cmath>

namespace sepsim::hdf5 {

const H5::StrType& string_type() {
  static const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  return type;
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
  static const hid_t dcpl = [] {
    const hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(p, false);
    return p;
  }();
  const H5::DataSpace space(static_cast<int>(dims.size()), dims.data());
  const hid_t id = H5Dcreate2(g.getId(), name.c_str(), H5T_NATIVE_DOUBLE, space.getId(),
                              H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (id < 0) throw H5::DataSetIException("write_array", "cannot create dataset " + name);
  H5::DataSet ds(id);
  H5Dclose(id); // H5::DataSet holds its own reference
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

bool dataset_exists(const H5::Group& g, const std::string& path) {
  std::size_t slash = path.find('/');
  while (slash != std::string::npos) {
    if (!g.nameExists(path.substr(0, slash))) return false;
    slash = path.find('/', slash + 1);
  }
  return g.nameExists(path);
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

} // namespace sepsim::hdf5

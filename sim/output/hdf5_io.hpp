// HDF5 helpers of the results file (the only files that see the HDF5 API):
// attributes, groups and datasets created without modification times, arrays
// shaped by the grid, and each estimate as NAME and NAME_mcse.
#pragma once

#include "sepsim/run/summary.hpp"

#include <H5Cpp.h>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sepsim::hdf5 {

const H5::StrType& string_type();

// Objects are created without modification times, so the same results give
// the same bytes.
H5::Group new_group(H5::Group& parent, const std::string& name);

// Opens or creates the groups along a '/'-separated path below `base`.
H5::Group group_at(H5::Group base, const std::string& path);

std::string leaf(const std::string& path);

void write_array(H5::Group& g, const std::string& name, const std::vector<double>& v,
                 const std::vector<hsize_t>& dims);

void write_vector(H5::Group& g, const std::string& name, const std::vector<double>& v);

// Datasets over the grid are shaped by it: one dimension per axis (in --vary
// order), or [1] for a plain run. Points not yet run (a partial sweep) are NaN.
std::vector<hsize_t> grid_dims(const Grid& grid);

void write_grid_array(H5::Group& g, const std::string& name, std::vector<double> values,
                      const Grid& grid);

// One row per completed point: shaped [grid..., columns].
void write_grid_matrix(H5::Group& g, const std::string& name,
                       const std::vector<std::vector<double>>& rows, const Grid& grid);

void attr_strings(H5::Group& loc, const std::string& name, const std::vector<std::string>& values);

std::vector<std::string> read_strings_attr(const H5::Group& loc, const std::string& name);

std::vector<double> read_vector(const H5::Group& g, const std::string& name);
// Whether the '/'-separated path names a dataset under g (every group on the way existing).
bool dataset_exists(const H5::Group& g, const std::string& path);

// A [grid..., columns] dataset as one row per grid point.
std::vector<std::vector<double>> read_matrix(const H5::Group& g, const std::string& name);

std::vector<std::string> children_by_index(const H5::Group& g);

// The layout of results/FORMAT.md (provenance, grid, designs, comparisons)
// written into `file` (hdf5_write.cpp; summary is a copy: the estimate
// visitors take references).
void write_layout(H5::H5File& file, RunSummary summary);

// Moves the complete file TEMP to PATH: renamed over it when `replace`, else
// never over an existing file (the results are then kept beside it and the
// IoError names where). On failure TEMP is removed and an IoError thrown.
void place_results(const std::string& temp, const std::string& path, bool replace);

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
  // Keyed by path: a summary may visit some estimates only when it has them
  // (event-driven looks). A file written before an estimate was added lacks
  // its dataset: it reads as NaN.
  std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> columns;
  std::map<std::string, bool> present;
  for (std::size_t p = 0; p < n_points; ++p) {
    for_each_estimate(get(p), [&](const std::string& path, Estimate& e) {
      auto [at, added] = present.try_emplace(path, false);
      if (added) {
        at->second = dataset_exists(g, path) && dataset_exists(g, path + "_mcse");
        if (at->second) columns[path] = {read_vector(g, path), read_vector(g, path + "_mcse")};
      }
      if (!at->second) {
        e = {std::nan(""), std::nan("")};
        return;
      }
      const auto& [value, mcse] = columns[path];
      if (p < value.size() && p < mcse.size()) e = {value[p], mcse[p]};
    });
  }
}

} // namespace sepsim::hdf5

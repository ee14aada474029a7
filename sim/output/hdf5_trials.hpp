// The columns of the per-trial tables (/trials/<design>), shared by their
// writer (hdf5_trials.cpp) and the CSV reader (hdf5_trials_csv.cpp).
#pragma once

#include "sepsim/run/summary.hpp"

#include <H5Cpp.h>

#include <array>

namespace sepsim::hdf5 {

enum class ColumnType { u64, u32, u8, f64 };

inline const H5::PredType& storage_type(ColumnType type) {
  switch (type) {
  case ColumnType::u64:
    return H5::PredType::NATIVE_UINT64;
  case ColumnType::u32:
    return H5::PredType::NATIVE_UINT32;
  case ColumnType::u8:
    return H5::PredType::NATIVE_UINT8;
  default:
    return H5::PredType::NATIVE_DOUBLE;
  }
}

template <class Row> struct Column {
  const char* name;
  ColumnType type;
  const char* units; // the dataset's `units` attribute
  double (*get)(const Row&);
};

// The design's columns, in CSV order.
inline const std::array<Column<TrialRow>, 14> kTrialColumns = {{
    {"replicate", ColumnType::u64, "replicate number within the grid point (0-based)",
     [](const TrialRow& r) { return double(r.replicate); }},
    {"grid_point", ColumnType::u32, "grid point (0-based, first --vary key slowest)",
     [](const TrialRow& r) { return double(r.grid_point); }},
    {"z", ColumnType::f64, "primary test statistic (> 0 favours treatment)",
     [](const TrialRow& r) { return r.z; }},
    {"p", ColumnType::f64, "one-sided p-value favouring treatment",
     [](const TrialRow& r) { return r.p; }},
    {"estimate", ColumnType::f64, "primary effect estimate (units of estimate/mean)",
     [](const TrialRow& r) { return r.estimate; }},
    {"ci_low", ColumnType::f64, "95% interval lower bound, as estimate",
     [](const TrialRow& r) { return r.ci_low; }},
    {"ci_high", ColumnType::f64, "95% interval upper bound, as estimate",
     [](const TrialRow& r) { return r.ci_high; }},
    {"rejected", ColumnType::u8, "1 if the primary hypothesis was rejected for treatment",
     [](const TrialRow& r) { return double(r.rejected); }},
    {"stop_look", ColumnType::u8, "last look held (0-based; 0 for a fixed design)",
     [](const TrialRow& r) { return double(r.stop_look); }},
    {"efficacy_stop", ColumnType::u8, "1 if a look stopped for efficacy",
     [](const TrialRow& r) { return double(r.efficacy_stop); }},
    {"futility_stop", ColumnType::u8, "1 if a look stopped for futility",
     [](const TrialRow& r) { return double(r.futility_stop); }},
    {"enrolled", ColumnType::u32, "patients", [](const TrialRow& r) { return double(r.enrolled); }},
    {"screened", ColumnType::u32, "patients", [](const TrialRow& r) { return double(r.screened); }},
    {"events", ColumnType::f64, "deaths at the stopping look (NaN without event-driven looks)",
     [](const TrialRow& r) { return r.events; }},
}};

// Each arm's columns (/trials/<design>/arms/<arm>/), in CSV order.
inline const std::array<Column<TrialArmRow>, 5> kTrialArmColumns = {{
    {"patients", ColumnType::u32, "patients",
     [](const TrialArmRow& a) { return double(a.patients); }},
    {"responders", ColumnType::u32, "patients (day-9 response)",
     [](const TrialArmRow& a) { return double(a.responders); }},
    {"deaths28", ColumnType::u32, "patients (death by day 28)",
     [](const TrialArmRow& a) { return double(a.deaths28); }},
    {"deaths90", ColumnType::u32, "patients (death by day 90)",
     [](const TrialArmRow& a) { return double(a.deaths90); }},
    {"ordinal_mean", ColumnType::f64,
     "mean day-28 ordinal status category (0 = death; NaN where not tallied)",
     [](const TrialArmRow& a) { return a.ordinal_mean; }},
}};

// Rows per chunk of the tables' datasets.
inline constexpr hsize_t kTrialChunkRows = 8192;

} // namespace sepsim::hdf5

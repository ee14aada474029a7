// The vocabulary of phenotypes: true immune phenotypes and the classifier's
// labels, and quantities given per phenotype.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace sepsim {

// True immune phenotypes and the classifier's labels share one vocabulary.
enum Phenotype : std::uint8_t { mals = 0, immunoparalysis = 1, unclassified = 2 };
inline constexpr int kPhenotypes = 3;
inline constexpr std::array<std::string_view, kPhenotypes> kPhenotypeNames = {
    "mals", "immunoparalysis", "unclassified"};
using PerPhenotype = std::array<double, kPhenotypes>;

// Risks of death by baseline SOFA from, from + 1, ... for each true
// phenotype, tabulated by calibrate() (cohort/calibration.cpp) with the
// logistic a patient would otherwise compute; empty where the risk does not
// depend on baseline SOFA.
struct SofaRisks {
  int from = 0;
  std::array<std::vector<double>, kPhenotypes> by_phenotype{};
  const std::vector<double>& operator[](int phenotype) const {
    return by_phenotype[static_cast<std::size_t>(phenotype)];
  }
  // The risk of `phenotype` at `baseline_sofa`, or nullptr outside the table.
  const double* at(int phenotype, int baseline_sofa) const {
    const std::vector<double>& table = (*this)[phenotype];
    const auto i = static_cast<std::size_t>(baseline_sofa - from);
    return baseline_sofa >= from && i < table.size() ? &table[i] : nullptr;
  }
  void clear() {
    for (auto& table : by_phenotype)
      table.clear();
  }
};

} // namespace sepsim

// Arm assignment. Draws come from the design's own randomisation stream, so a
// change of design never changes the patients.
#pragma once

#include "sepsim/core/random.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <vector>

namespace sepsim {

// What randomisation may balance on.
struct PatientFactors {
  Phenotype label = unclassified;
  bool sofa10 = false; // baseline SOFA >= 10
  int site = 0;
};

class Randomiser {
public:
  Randomiser(const Design& design, int sites, Stream stream);
  // The arm of the next enrolled patient.
  int assign(const PatientFactors& patient) {
    if (one_block_list_) { // permuted blocks in one stratum: inline, it runs per patient
      std::vector<int>& block = blocks_.front();
      if (block.empty()) refill_block(block);
      const int arm = block.back();
      block.pop_back();
      return arm;
    }
    return assign_any(patient);
  }

private:
  int assign_any(const PatientFactors& patient);
  int simple();
  int from_block(const PatientFactors& patient);
  int minimise(const PatientFactors& patient);
  void prepare_blocks();
  void refill_block(std::vector<int>& block);

  const Design& design_;
  int sites_;
  Stream stream_;
  std::vector<double> weights_; // allocation shares, summing to 1
  std::vector<std::size_t> allocation_;
  std::size_t allocation_sum_ = 0;
  std::vector<std::vector<int>> blocks_; // per stratum, drawn from the back
  bool one_block_list_ = false;          // permuted blocks without strata
  // Permuted blocks: each block size's arms in order, the draw of a size,
  // and the draws of a shuffle's index below i (pick_below_[i], i >= 2).
  std::vector<std::vector<int>> block_templates_;
  UniformBelow block_size_pick_;
  std::vector<UniformBelow> pick_below_;
  // Minimisation: patients per (factor level, arm), levels: 3 labels, 2 SOFA
  // groups, up to kMaxSites sites.
  std::vector<std::array<int, kMaxArms>> label_counts_, sofa_counts_, site_counts_;
};

} // namespace sepsim

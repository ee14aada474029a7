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
      if (small_left_ == 0) refill_small();
      return small_block_[--small_left_];
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
  void refill_small();

  const Design& design_;
  int sites_;
  Stream stream_;
  std::vector<double> weights_; // allocation shares, summing to 1
  std::vector<std::size_t> allocation_;
  std::size_t allocation_sum_ = 0;
  std::vector<std::vector<int>> blocks_; // per stratum, drawn from the back
  // Permuted blocks without strata, each block at most kSmallBlock patients:
  // drawn as refill_block draws them, into a fixed array (no vector copy).
  static constexpr std::size_t kSmallBlock = 16;
  bool one_block_list_ = false;
  std::array<int, kSmallBlock> small_block_{};
  int small_left_ = 0;
  std::vector<std::array<int, kSmallBlock>> small_templates_;
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

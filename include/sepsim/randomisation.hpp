// Arm assignment. Draws come from the design's own randomisation stream, so a
// change of design never changes the patients.
#pragma once

#include "sepsim/random.hpp"
#include "sepsim/scenario.hpp"

#include <vector>

namespace sepsim {

class Randomiser {
public:
  Randomiser(const Design& design, Stream stream);
  // The arm of the next enrolled patient with this label.
  int assign(Phenotype label);

private:
  void refill_block(std::vector<int>& block);

  const Design& design_;
  Stream stream_;
  std::vector<double> cumulative_allocation_;
  std::vector<int> block_template_;
  std::array<std::vector<int>, kPhenotypes> blocks_; // per stratum, drawn from the back
};

} // namespace sepsim

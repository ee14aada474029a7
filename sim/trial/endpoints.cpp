#include "sepsim/trial/endpoints.hpp"

namespace sepsim {

TwoArmCounts two_arm_counts(const BinaryTally ArmCounts::*endpoint, const ArmCounts& treatment,
                            const ArmCounts& control, const std::array<bool, kPhenotypes>& labels) {
  TwoArmCounts c;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!labels[l]) continue;
    c.x_treatment += static_cast<int>((treatment.*endpoint).by_label[l]);
    c.n_treatment += static_cast<int>(treatment.n_by_label[l]);
    c.x_control += static_cast<int>((control.*endpoint).by_label[l]);
    c.n_control += static_cast<int>(control.n_by_label[l]);
  }
  return c;
}

} // namespace sepsim

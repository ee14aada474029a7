#include "sepsim/trial/endpoints.hpp"

namespace sepsim {

TwoArmCounts two_arm_counts(const BinaryTally ArmCounts::*endpoint, const ArmCounts& treatment,
                            const ArmCounts& control, const std::array<bool, kPhenotypes>& labels) {
  // Death by the follow-up day counts only the patients whose status is known.
  const bool death = endpoint == &ArmCounts::alive_at_follow_up;
  TwoArmCounts c;
  for (int l = 0; l < kPhenotypes; ++l) {
    if (!labels[l]) continue;
    c.x_treatment += static_cast<int>((treatment.*endpoint).by_label[l]);
    c.n_treatment +=
        static_cast<int>(death ? treatment.death_known.by_label[l] : treatment.n_by_label[l]);
    c.x_control += static_cast<int>((control.*endpoint).by_label[l]);
    c.n_control +=
        static_cast<int>(death ? control.death_known.by_label[l] : control.n_by_label[l]);
  }
  return c;
}

} // namespace sepsim

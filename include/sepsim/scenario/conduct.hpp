// How a design's trial is conducted beyond randomisation and analysis:
// accrual over time and dropout ([designs.NAME.accrual], [designs.NAME.dropout]).
#pragma once

#include <array>
#include <vector>

namespace sepsim {

inline constexpr int kMaxArms = 8;

// Accrual ([designs.NAME.accrual]): enrolment as a Poisson process of
// `patients_per_month`, ramping up linearly over `ramp_up_months` as sites
// open; each outcome is known `endpoint_delay_days` after enrolment.
struct Accrual {
  double patients_per_month = 0, ramp_up_months = 0, endpoint_delay_days = 9;
  // Piecewise-constant rates: rates[i] patients a month from from_month[i]
  // (the first 0) on; one piece when a single rate.
  std::vector<double> rates, from_month;
};

// Dropout ([designs.NAME.dropout]): each arm's probability of being lost to
// follow-up before follow_up_days (the day of loss uniform within it; a death
// before the loss is still seen), and the probability of exclusion after
// randomisation (mITT: randomised, never analysed). Lost patients are censored
// at their loss in time-to-event tests; the binary death endpoint drops them
// (complete cases) or counts them as deaths (worst case).
struct Dropout {
  std::array<double, kMaxArms> lost{};
  double excluded = 0.0;
  bool worst_case = false;
};

} // namespace sepsim

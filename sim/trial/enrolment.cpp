// The enrolment step: screening (every screened patient is a pure function of
// the replicate and the patient's number), eligibility by label, quotas and
// accrual with overrunning after a stopping look.
#include "steps.hpp"

#include <boost/random/exponential_distribution.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

namespace sepsim {

// The cumulative intensity of a linear ramp-up is R t^2 / (2a) before a and
// R (t - a/2) after; it is inverted at sums of unit exponential draws.
AccrualClock::AccrualClock(const Accrual& accrual, Stream stream)
    : accrual_(accrual), rate_(accrual.patients_per_month), ramp_(accrual.ramp_up_months),
      constant_(accrual.rates.size() <= 1 && !(accrual.ramp_up_months > 0.0)),
      stream_(std::move(stream)) {}

double AccrualClock::ramped_or_piecewise() const {
  if (accrual_.rates.size() > 1) return piecewise();
  if (ramp_ > 0.0 && hazard_ < rate_ * ramp_ / 2.0) return std::sqrt(2.0 * ramp_ * hazard_ / rate_);
  return hazard_ / rate_ + ramp_ / 2.0;
}

// Piecewise-constant rates: walk the pieces' cumulative intensity.
double AccrualClock::piecewise() const {
  const auto& rates = accrual_.rates;
  const auto& from = accrual_.from_month;
  double cumulative = 0.0;
  for (std::size_t i = 0; i + 1 < rates.size(); ++i) {
    const double piece = rates[i] * (from[i + 1] - from[i]);
    if (hazard_ < cumulative + piece) return from[i] + (hazard_ - cumulative) / rates[i];
    cumulative += piece;
  }
  return from.back() + (hazard_ - cumulative) / rates.back();
}

Enrolment::Enrolment(const Scenario& scenario, const Design& design, const ReplicateId& id)
    : scenario_(scenario), design_(design), id_(id),
      screening_({id.seed, Purpose::patient_screening, id.grid_point, id.replicate, 0},
                 kScreeningBlocks, kScreenBatch),
      max_screened_(static_cast<std::uint64_t>(design.max_enrolment()) * kMaxScreenedPerEnrolled) {
  if (design.accrual) {
    accrual_.emplace(*design.accrual, Stream({id.seed, Purpose::accrual, id.grid_point,
                                              id.replicate, design.stream}));
    delay_months_ = design.accrual->endpoint_delay_days / (365.25 / 12.0);
  }
}

bool Enrolment::quota_full(const ReplicateResult& r, Phenotype label) const {
  const auto& by_phenotype = r.enrolled_label_phenotype[label];
  return by_phenotype[0] + by_phenotype[1] + by_phenotype[2] >=
         static_cast<std::uint32_t>(design_.quota->patients[label]);
}

std::optional<Candidate> Enrolment::next(ReplicateResult& r) {
  for (;;) {
    patient_ = next_eligible(patient_); // those before it screened, not eligible
    if (patient_ >= max_screened_) {
      patient_ = static_cast<std::uint32_t>(max_screened_);
      throw EnrolmentError("design " + design_.name + ": screened " + std::to_string(patient_) +
                           " patients without enrolling " + std::to_string(design_.sample_size) +
                           "; the eligible labels are too rare in this population");
    }
    const ScreenedPatient& screened = screened_at(patient_);
    const std::uint32_t index = patient_++;
    if (design_.quota && quota_full(r, screened.label)) continue;
    // After a stopping look only the patients enrolled by the time its
    // outcome is known are followed up.
    if (accrual_) {
      enrolled_at_ = accrual_->next();
      if (stop_time_ && enrolled_at_ > *stop_time_) return std::nullopt;
      last_enrolled_at_ = enrolled_at_;
    }
    ++r.enrolled;
    ++r.enrolled_label_phenotype[screened.label][screened.phenotype];
    return Candidate{screened, index};
  }
}

// Patient `patient`'s screening: patient >= screened_until_ - kScreenedRing
// (the patients screened ahead have not yet overwritten it).
const ScreenedPatient& Enrolment::screened_at(std::uint32_t patient) {
  while (patient >= screened_until_) {
    static_assert(kScreenedRing % kScreenBatch == 0 && kLookAhead + kScreenBatch <= kScreenedRing &&
                  kScreenBatch % kPhiloxBatch == 0 && kScreenBatch < 64);
    const std::uint32_t at = screened_until_ % kScreenedRing;
    for (std::uint32_t j = 0; j < kScreenBatch; j += kPhiloxBatch)
      screen_patients(scenario_.population, scenario_.classifier, screening_, screened_until_ + j,
                      screened_.data() + at + j);
    std::uint64_t bits = 0;
    for (std::uint32_t j = 0; j < kScreenBatch; ++j)
      bits |= std::uint64_t{design_.eligible_label[screened_[at + j].label]} << j;
    constexpr std::uint64_t kBatchBits = (std::uint64_t{1} << kScreenBatch) - 1;
    eligible_ = (eligible_ & ~(kBatchBits << at)) | (bits << at);
    screened_until_ += kScreenBatch;
  }
  return screened_[patient % kScreenedRing];
}

// The first patient from `from` on whose label is eligible (or one at or
// past max_screened_), from the ring's eligibility bits: no branch a patient.
std::uint32_t Enrolment::next_eligible(std::uint32_t from) {
  static_assert(kScreenedRing == 64); // eligible_'s bits
  while (from < max_screened_) {
    screened_at(from);
    const std::uint32_t count = screened_until_ - from; // 1 .. 64 screened from `from` on
    const std::uint64_t ahead = std::rotr(eligible_, static_cast<int>(from % kScreenedRing)) &
                                (count == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << count) - 1);
    if (ahead != 0) return from + static_cast<std::uint32_t>(std::countr_zero(ahead));
    from = screened_until_;
  }
  return from;
}

std::uint32_t Enrolment::eligible_from(std::uint32_t first, std::uint32_t* out) {
  std::uint32_t n = 0;
  screened_at(first + kLookAhead - 1); // screened ahead, the ring read below
  for (std::uint32_t i = first; n < kPhiloxBatch && i - first < kLookAhead; ++i) {
    out[n] = i; // kept when eligible, without a branch (half the labels are)
    n += design_.eligible_label[screened_[i % kScreenedRing].label];
  }
  return n;
}

void Enrolment::withdraw(const Candidate& patient, ReplicateResult& r) const {
  --r.enrolled;
  --r.enrolled_label_phenotype[patient.screened.label][patient.screened.phenotype];
}

bool Enrolment::stop_after_current() {
  if (!accrual_) return true;
  stop_time_ = enrolled_at_ + delay_months_;
  return false;
}

double Enrolment::duration_months() const {
  return accrual_ ? last_enrolled_at_ + delay_months_ : std::numeric_limits<double>::quiet_NaN();
}

} // namespace sepsim

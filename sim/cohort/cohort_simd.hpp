// The SIMD part of screen_patients (cohort_simd.cpp; noise_lanes: cohort.hpp).
#pragma once

#include "sepsim/cohort/cohort.hpp"

#include <cstdint>

namespace sepsim {

// Patients base .. base + kPhiloxBatch - 1 screened on AVX-512 lanes into
// out: false where the CPU has no AVX-512 (nothing done); else bit j of done
// set where patient j's four normals are Boost's first tries (then out[j] is
// screen_patient's patient, bit for bit), clear where one is not.
bool screen_lanes(const Population& population, const Classifier& classifier,
                  EntityStreams& streams, std::uint32_t base, ScreenedPatient* out,
                  std::uint32_t& done);

} // namespace sepsim

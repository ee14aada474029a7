// The random-number floor of the virtual cohort: draws exactly the random
// numbers that sim/cohort/cohort.cpp draws (same Stream, same Boost distributions, same
// order) for the same number of patients, and does nothing else with them.
//
// Usage: sepsim_rng_floor REPLICATES SCREENED_PER_REPLICATE ENROLLED_PER_REPLICATE [SEED]
// SCREENED_PER_REPLICATE may be fractional (a mean): replicate r screens
// floor((r+1)s) - floor(rs) patients, so the total matches replicates x s.
// Prints one line: patients=... seconds=... patients_per_second=... checksum=...
#include "sepsim/core/random.hpp"
#include "sepsim/scenario/scenario.hpp"

#include <boost/random/normal_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

// screen_patient: 1 uniform (phenotype), 2 normals per biomarker x 2 biomarkers.
double screening_draws(std::uint64_t seed, std::uint32_t replicate, std::uint32_t patient) {
  sepsim::Stream stream({seed, sepsim::Purpose::patient_screening, 0, replicate, patient});
  boost::random::uniform_01<double> uniform;
  boost::random::normal_distribution<double> normal;
  double sum = uniform(stream);
  for (int i = 0; i < 4; ++i)
    sum += normal(stream);
  return sum;
}

// draw_patient_noise as a trial calls it (covariates = false): 1 normal (SOFA
// change), 2 uniforms (early death, mortality), one uniform per adverse event.
double outcome_draws(std::uint64_t seed, std::uint32_t replicate, std::uint32_t patient) {
  sepsim::Stream stream({seed, sepsim::Purpose::patient_outcomes, 0, replicate, patient});
  boost::random::uniform_01<double> uniform;
  boost::random::normal_distribution<double> normal;
  double sum = normal(stream);
  for (int i = 0; i < 2 + sepsim::kAdverseEvents; ++i)
    sum += uniform(stream);
  return sum;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc > 5) {
    std::fprintf(stderr,
                 "usage: %s REPLICATES SCREENED_PER_REPLICATE ENROLLED_PER_REPLICATE [SEED]\n",
                 argv[0]);
    return 2;
  }
  try {
    const auto replicates = static_cast<std::uint32_t>(std::stoul(argv[1]));
    const double screened = std::stod(argv[2]);
    const auto enrolled = static_cast<std::uint32_t>(std::stoul(argv[3]));
    const std::uint64_t seed = argc == 5 ? std::stoull(argv[4]) : 1;
    if (replicates == 0 || !(screened >= enrolled)) {
      std::fprintf(stderr, "need REPLICATES >= 1 and SCREENED >= ENROLLED\n");
      return 2;
    }
    // Covariate bounds of the default scenario (parsed before the clock starts).

    const auto start = std::chrono::steady_clock::now();
    double checksum = 0.0;
    std::uint64_t patients = 0;
    for (std::uint32_t r = 0; r < replicates; ++r) {
      const auto n = static_cast<std::uint32_t>(std::floor((r + 1.0) * screened) -
                                                std::floor(static_cast<double>(r) * screened));
      for (std::uint32_t i = 0; i < n; ++i)
        checksum += screening_draws(seed, r, i);
      for (std::uint32_t i = 0; i < enrolled && i < n; ++i)
        checksum += outcome_draws(seed, r, i);
      patients += n;
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    volatile double sink = checksum;
    std::printf("patients=%llu seconds=%.6f patients_per_second=%.6e checksum=%.17g\n",
                static_cast<unsigned long long>(patients), seconds, patients / seconds,
                static_cast<double>(sink));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sepsim_rng_floor: %s\n", e.what());
    return 1;
  }
}

// A Catch2 check shared by the survival tests.
#pragma once

#include "sepsim/stats/survival.hpp"

#include <catch2/catch.hpp>

namespace sepsim::test {

// Two computations of the log-rank test and the Kaplan-Meier estimates must
// agree bit for bit.
inline void check_identical(const LogrankKaplanMeier& a, const LogrankKaplanMeier& b) {
  REQUIRE(a.logrank.failed == b.logrank.failed);
  CHECK(a.logrank.z == b.logrank.z);
  CHECK(a.logrank.expected_treatment == b.logrank.expected_treatment);
  CHECK(a.logrank.variance == b.logrank.variance);
  CHECK(a.logrank.events == b.logrank.events);
  for (int k = 0; k < 2; ++k) {
    CHECK(a.km[k].survival == b.km[k].survival);
    CHECK(a.km[k].variance == b.km[k].variance);
    CHECK(a.km[k].at_risk == b.km[k].at_risk);
  }
}

} // namespace sepsim::test

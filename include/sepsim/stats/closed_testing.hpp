// Closed testing of a family of hypotheses: H_i is rejected when every
// intersection hypothesis H_I with i in I is rejected by its own level-alpha
// test. The intersection tests: (weighted) Bonferroni, Simes, Dunnett (many
// to one, planned allocation) and hierarchical (the first hypothesis of I).
// Across the stages of a group-sequential design each intersection's
// stage-wise p-values are combined by the inverse-normal method (Bauer &
// Kieser 1999; Lehmacher & Wassmer 1999), as rpact's multi-arm and enrichment
// simulations do.
#pragma once

#include "sepsim/stats/multiplicity.hpp"

#include <vector>

namespace sepsim {

enum class IntersectionTest { bonferroni, simes, dunnett, hierarchical, graphical };

// The intersection test that closed testing uses for a multiplicity procedure
// (bonferroni and holm: Bonferroni; hochberg and simes: Simes; dunnett and
// dunnett_stepdown: Dunnett; fixed_sequence: hierarchical). none and fallback
// have none: false.
bool intersection_test_of(Multiplicity m, IntersectionTest* test);

// The p-value of the intersection of the hypotheses in `mask` from their
// one-sided p-values (and z for Dunnett); hypotheses outside `present` have no
// data at this stage and are left out. NaN when none of `mask` is present.
double intersection_p(const Analysis& a, IntersectionTest test, unsigned mask, unsigned present,
                      const HypothesisValues& p, const HypothesisValues& z);

// The weights a graph (initial weights, transitions) gives each intersection
// of its hypotheses (indexed by bit mask): the hypotheses outside it are
// removed one by one by Bretz et al.'s (2009) update of weights and
// transitions (the result does not depend on the order).
std::vector<std::array<double, kMaxHypotheses>>
graph_intersection_weights(const std::vector<double>& weights,
                           const std::vector<std::vector<double>>& transitions);

// P(max_i Z_i > z) for many-to-one z statistics with corr lambda_i lambda_j.
double dunnett_p(const std::vector<double>& lambda, double z);

// Closed testing in one analysis at one-sided level alpha (fixed designs).
HypothesisFlags closed_test(const Analysis& a, IntersectionTest test, double alpha,
                            const HypothesisValues& p, const HypothesisValues& z);

// The closed combination test of a group-sequential design with several
// hypotheses. At each stage: the stage-wise p-values of the hypotheses still
// tested (`present`), then every intersection's inverse-normal combination
// against the design's efficacy bound c_k (rejected intersections stay
// rejected) and futility bound f_k.
class ClosedCombinationTest {
public:
  ClosedCombinationTest(const Analysis& analysis, IntersectionTest test,
                        std::vector<double> weights);
  // Stage k's data; returns the hypotheses rejected so far.
  HypothesisFlags add_stage(unsigned present, const HypothesisValues& p, const HypothesisValues& z,
                            double efficacy_z, double futility_z);
  // After add_stage: whether hypothesis h is futile at this stage (an
  // intersection containing it fell at or below the futility bound).
  bool futile(int h) const { return (futile_ >> h) & 1u; }

private:
  const Analysis& analysis_;
  IntersectionTest test_;
  std::vector<double> weights_;
  std::size_t stage_ = 0;
  int m_;
  std::vector<double> sum_wz_, sum_w2_; // per intersection mask
  std::vector<bool> rejected_;
  unsigned futile_ = 0;
};

} // namespace sepsim

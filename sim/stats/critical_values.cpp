#include "sepsim/stats/critical_values.hpp"

#include "sepsim/stats/closed_testing.hpp"
#include "sepsim/stats/multiplicity.hpp"

#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/normal.hpp>

#include <cmath>

namespace sepsim {

void derive_critical_values(Analysis& analysis, const std::vector<Arm>& arms) {
  const boost::math::normal standard_normal;
  const double one_sided_alpha = analysis.alpha / analysis.sided;
  analysis.critical_z =
      boost::math::quantile(boost::math::complement(standard_normal, one_sided_alpha));
  for (int df = 1; df < kPhenotypes; ++df)
    analysis.interaction_critical[df] = boost::math::quantile(
        boost::math::complement(boost::math::chi_squared(df), analysis.alpha));
  if (analysis.multiplicity == Multiplicity::graphical) {
    std::vector<double> weights;
    for (const auto& h : analysis.hypotheses)
      weights.push_back(h.weight);
    analysis.graph_weights = graph_intersection_weights(weights, analysis.transitions);
    return;
  }
  if (analysis.multiplicity != Multiplicity::dunnett &&
      analysis.multiplicity != Multiplicity::dunnett_stepdown)
    return;
  // Correlations of many-to-one z statistics from the planned allocation;
  // one critical value per subset of hypotheses (bit mask).
  const std::size_t m = analysis.hypotheses.size();
  for (std::size_t h = 0; h < m; ++h) {
    const auto& hyp = analysis.hypotheses[h];
    const double nt = arms[hyp.treatment_arm].allocation;
    const double nc = arms[hyp.control_arm].allocation;
    analysis.dunnett_lambda[h] = std::sqrt(nt / (nt + nc));
  }
  analysis.dunnett_critical_z.assign(std::size_t{1} << m, 0.0);
  for (unsigned mask = 1; mask < (1u << m); ++mask) {
    std::vector<double> lambda;
    for (std::size_t h = 0; h < m; ++h) {
      if (mask & (1u << h)) lambda.push_back(analysis.dunnett_lambda[h]);
    }
    analysis.dunnett_critical_z[mask] = dunnett_critical_z(lambda, one_sided_alpha);
  }
}

} // namespace sepsim

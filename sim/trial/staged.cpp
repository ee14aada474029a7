// Count-level replicate of a design whose group-sequential looks test several
// hypotheses (multi-arm, or enrichment over nested populations): stage by
// stage, the arms and labels still in the trial enrol the stage's planned
// patients; each hypothesis's stage-wise z (stage data only) enters the
// closed combination test; the trial stops for success or futility, or
// selects the hypotheses that go on. As rpact's getSimulationMultiArmRates
// and getSimulationEnrichmentRates (inverse-normal designs).
#include "sepsim/stats/closed_testing.hpp"
#include "sepsim/trial/trial.hpp"

#include "steps.hpp"

#include <boost/random/negative_binomial_distribution.hpp>
#include <boost/random/uniform_01.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace sepsim {

namespace {

// Splits n in proportion to w exactly where it divides; the remainder goes to
// the largest fractional shares (permuted blocks), or all of it is drawn
// multinomially (simple randomisation).
template <std::size_t K>
std::array<std::uint32_t, K> split(const std::array<double, K>& w, std::uint32_t n, bool simple,
                                   Stream& stream) {
  if (simple) return multinomial(stream, n, w);
  const double total = std::accumulate(w.begin(), w.end(), 0.0);
  std::array<std::uint32_t, K> out{};
  std::array<double, K> fraction{};
  std::uint32_t given = 0;
  for (std::size_t i = 0; i < K; ++i) {
    const double share = total > 0.0 ? n * w[i] / total : 0.0;
    out[i] = static_cast<std::uint32_t>(std::floor(share + 1e-9));
    fraction[i] = share - out[i];
    given += out[i];
  }
  for (; given < n; ++given) {
    const auto i = std::max_element(fraction.begin(), fraction.end()) - fraction.begin();
    ++out[i];
    fraction[i] = -1.0;
  }
  return out;
}

class StagedTrial {
public:
  StagedTrial(const Scenario& scenario, const Design& design, const ReplicateId& id)
      : scenario_(scenario), design_(design), looks_(*design.looks),
        m_(static_cast<int>(design.analysis.hypotheses.size())), active_((1u << m_) - 1),
        stream_({id.seed, Purpose::arm_counts, id.grid_point, id.replicate, design.stream}),
        survival_(
            {id.seed, Purpose::patient_survival, id.grid_point, id.replicate, ~design.stream}),
        test_(design.analysis, closed_testing_of(design), looks_.combination_weights) {}

  ReplicateResult run() {
    for (std::size_t k = 0; k < looks_.count(); ++k) {
      enrol_stage(k);
      const bool last = k + 1 == looks_.count();
      if (test_stage(k, last) || last) break;
      if (!select()) { // nothing goes on
        r_.futility_stop = true;
        break;
      }
    }
    screen();
    record_arm_imbalance(design_, r_);
    r_.imbalance[imbalance_within_sofa10] = r_.imbalance[imbalance_within_site] = std::nan("");
    const auto decided = r_.hypotheses;
    analyse_replicate(scenario_, design_, r_);
    for (int h = 0; h < m_; ++h) {
      r_.hypotheses[h].reject = decided[h].reject;
      r_.hypotheses[h].stages_tested = decided[h].stages_tested;
      r_.hypotheses[h].reject_look = decided[h].reject_look;
      r_.hypotheses[h].harm_look = decided[h].harm_look;
    }
    return r_;
  }

private:
  static IntersectionTest closed_testing_of(const Design& d) {
    IntersectionTest test = IntersectionTest::bonferroni;
    intersection_test_of(d.analysis.multiplicity, &test);
    return test;
  }

  // Screened = enrolled + NegativeBinomial(enrolled, P(eligible label)).
  void screen() {
    double eligible = 0.0;
    const auto& population = scenario_.population;
    for (int l = 0; l < kPhenotypes; ++l)
      for (int ph = 0; ph < kPhenotypes && design_.eligible_label[l]; ++ph)
        eligible += population.prevalence[ph] * population.label_given_phenotype[ph][l];
    if (!(eligible * kMaxScreenedPerEnrolled > 1.0))
      throw EnrolmentError("design " + design_.name + ": only " + std::to_string(eligible) +
                           " of screened patients are eligible; the eligible labels are too "
                           "rare in this population");
    r_.screened = r_.enrolled;
    if (eligible < 1.0 && r_.enrolled > 0)
      r_.screened +=
          static_cast<std::uint32_t>(boost::random::negative_binomial_distribution<int, double>(
              static_cast<int>(r_.enrolled), eligible)(stream_));
  }

  bool active(int h) const { return (active_ >> h) & 1u; }

  // The arms and labels of the hypotheses still tested.
  void in_trial(std::array<bool, kMaxArms>& arms, std::array<bool, kPhenotypes>& labels) const {
    arms.fill(false);
    labels.fill(false);
    for (int h = 0; h < m_; ++h) {
      if (!active(h)) continue;
      const Hypothesis& hyp = design_.analysis.hypotheses[h];
      arms[hyp.treatment_arm] = arms[hyp.control_arm] = true;
      for (int l = 0; l < kPhenotypes; ++l)
        labels[l] = labels[l] || (hyp.labels[l] && design_.eligible_label[l]);
    }
  }

  // Stage k's planned patients on the arms and labels still in the trial.
  void enrol_stage(std::size_t k) {
    std::array<bool, kMaxArms> arms{};
    std::array<bool, kPhenotypes> labels{};
    in_trial(arms, labels);
    const double planned = looks_.patients[k] - (k ? looks_.patients[k - 1] : 0);
    std::array<double, kMaxArms> weight{};
    double all = 0.0, kept = 0.0;
    for (std::size_t a = 0; a < design_.arms.size(); ++a) {
      all += design_.arms[a].allocation;
      if (arms[a]) kept += (weight[a] = design_.arms[a].allocation);
    }
    // A dropped arm's share is not enrolled unless reallocated.
    const bool reallocate = design_.selection && design_.selection->reallocate;
    const auto stage =
        static_cast<std::uint32_t>(std::lround(reallocate ? planned : planned * kept / all));
    const bool simple = design_.randomisation.method == RandomisationMethod::simple;
    const auto sizes = split(weight, stage, simple, stream_);
    for (std::size_t a = 0; a < design_.arms.size(); ++a)
      if (sizes[a] > 0) enrol_arm(a, sizes[a], labels, simple);
  }

  // n patients of arm a over the labels still enrolled: fixed label shares
  // with quotas, else the population's label x phenotype cells.
  void enrol_arm(std::size_t a, std::uint32_t n, const std::array<bool, kPhenotypes>& labels,
                 bool simple) {
    const auto& population = scenario_.population;
    std::array<double, kPhenotypes * kPhenotypes> cell{};
    for (int l = 0; l < kPhenotypes; ++l)
      for (int ph = 0; ph < kPhenotypes && labels[l]; ++ph)
        cell[l * kPhenotypes + ph] =
            population.prevalence[ph] * population.label_given_phenotype[ph][l];
    std::array<std::uint32_t, kPhenotypes * kPhenotypes> counts{};
    if (design_.quota) {
      std::array<double, kPhenotypes> share{};
      for (int l = 0; l < kPhenotypes; ++l)
        share[l] = labels[l] ? design_.quota->patients[l] : 0.0;
      const auto by_label = split(share, n, simple, stream_);
      for (int l = 0; l < kPhenotypes; ++l) {
        std::array<double, kPhenotypes> ph_given_label{};
        for (int ph = 0; ph < kPhenotypes; ++ph)
          ph_given_label[ph] = cell[l * kPhenotypes + ph];
        const auto within = multinomial(stream_, by_label[l], ph_given_label);
        for (int ph = 0; ph < kPhenotypes; ++ph)
          counts[l * kPhenotypes + ph] = within[ph];
      }
    } else {
      counts = multinomial(stream_, n, cell);
    }
    for (int l = 0; l < kPhenotypes; ++l) {
      const Treatment& t = scenario_.treatments[design_.arms[a].treatment_by_label[l]];
      for (int ph = 0; ph < kPhenotypes; ++ph) {
        const std::uint32_t m = counts[l * kPhenotypes + ph];
        if (m == 0) continue;
        draw_cell(scenario_, design_, t, static_cast<Phenotype>(l), ph, m, stream_, survival_,
                  r_.arms[a]);
        r_.enrolled_label_phenotype[l][ph] += m;
        r_.enrolled += m;
      }
    }
  }

  TwoArmCounts cumulative(int h) const {
    const Hypothesis& hyp = design_.analysis.hypotheses[h];
    return two_arm_counts(primary_tally(design_.analysis), r_.arms[hyp.treatment_arm],
                          r_.arms[hyp.control_arm], hyp.labels);
  }

  // The closed combination test at look k; true when the trial stops there.
  bool test_stage(std::size_t k, bool last) {
    HypothesisValues p{}, z{};
    for (int h = 0; h < m_; ++h) {
      if (!active(h)) continue;
      const TwoArmCounts now = cumulative(h), before = before_[h];
      const TwoArmCounts stage{now.x_treatment - before.x_treatment,
                               now.n_treatment - before.n_treatment,
                               now.x_control - before.x_control, now.n_control - before.n_control};
      before_[h] = now;
      z[h] = design_.analysis.test == TestKind::unpooled_z ? unpooled_z(stage) : pooled_z(stage);
      p[h] = 0.5 * std::erfc(z[h] / std::sqrt(2.0));
      ++r_.hypotheses[h].stages_tested;
    }
    const Boundaries& b = looks_.boundaries;
    const double futility = !last && k < b.futility_z.size() ? b.futility_z[k] : -INFINITY;
    const auto rejected = test_.add_stage(active_, p, z, b.efficacy_z[k], futility);
    bool any = false;
    for (int h = 0; h < m_; ++h) {
      HypothesisResult& result = r_.hypotheses[h];
      if (active(h) && rejected[h] && !result.reject) {
        result.reject = true;
        result.reject_look = static_cast<std::uint8_t>(k);
      }
      any = any || result.reject;
    }
    r_.stop_look = static_cast<std::uint8_t>(k);
    r_.efficacy_stop = looks_.success_needs_all ? all_rejected() : any;
    if (r_.efficacy_stop) return true;
    // Harm after efficacy, before futility: the hypotheses not rejected whose
    // cumulative z fell to the harm bound are dropped (their arms stop
    // enrolling); the trial stops for harm when none is left.
    if (drop_for_harm(k) && active_ == 0) {
      r_.harm_stop = true;
      return true;
    }
    r_.efficacy_stop = looks_.success_needs_all && all_rejected();
    bool all_futile = true;
    for (int h = 0; h < m_; ++h)
      if (active(h)) all_futile = all_futile && test_.futile(h);
    r_.futility_stop = !last && !r_.efficacy_stop && all_futile;
    return r_.efficacy_stop || r_.futility_stop;
  }

  // Whether every hypothesis still tested is rejected (true when none is).
  bool all_rejected() const {
    bool all = true;
    for (int h = 0; h < m_; ++h)
      if (active(h)) all = all && r_.hypotheses[h].reject;
    return all;
  }

  // Drops, at look k, the hypotheses still tested and not rejected whose
  // cumulative unadjusted z (every stage's data) is at or below the harm
  // bound; true when any was dropped.
  bool drop_for_harm(std::size_t k) {
    if (!looks_.has_harm()) return false;
    bool dropped = false;
    for (int h = 0; h < m_; ++h) {
      if (!active(h) || r_.hypotheses[h].reject) continue;
      const TwoArmCounts c = cumulative(h);
      const double z = design_.analysis.test == TestKind::unpooled_z ? unpooled_z(c) : pooled_z(c);
      if (z > looks_.boundaries.harm_z[k]) continue;
      r_.hypotheses[h].harm_look = static_cast<std::uint8_t>(k);
      active_ &= ~(1u << h);
      dropped = true;
    }
    return dropped;
  }

  // The hypotheses that go on after an interim look; false when none does.
  bool select() {
    if (!design_.selection) return true;
    const Selection& s = *design_.selection;
    std::array<double, kMaxHypotheses> effect{};
    double best = -INFINITY;
    for (int h = 0; h < m_; ++h) {
      if (!active(h)) continue;
      const TwoArmCounts c = cumulative(h);
      effect[h] = double(c.x_treatment) / std::max(c.n_treatment, 1) -
                  double(c.x_control) / std::max(c.n_control, 1);
      best = std::max(best, effect[h]);
    }
    unsigned keep = 0;
    if (s.rule == SelectionRule::all) keep = active_;
    for (int h = 0; h < m_ && s.rule == SelectionRule::epsilon; ++h)
      if (active(h) && best - effect[h] <= s.epsilon + 1e-12) keep |= 1u << h;
    if (s.rule == SelectionRule::best || s.rule == SelectionRule::r_best)
      keep = best_ones(effect, s.rule == SelectionRule::best ? 1 : s.keep);
    for (int h = 0; h < m_; ++h)
      if (effect[h] <= s.threshold) keep &= ~(1u << h);
    active_ &= keep;
    return active_ != 0;
  }

  // The `count` largest effects among the hypotheses still tested, ties
  // broken at random (a uniform draw per tied hypothesis, only when tied).
  unsigned best_ones(const std::array<double, kMaxHypotheses>& effect, int count) {
    std::vector<int> index;
    for (int h = 0; h < m_; ++h)
      if (active(h)) index.push_back(h);
    std::array<double, kMaxHypotheses> tie_key{};
    for (const int h : index)
      for (const int g : index)
        if (g != h && effect[g] == effect[h]) {
          tie_key[h] = boost::random::uniform_01<double>()(stream_);
          break;
        }
    std::sort(index.begin(), index.end(), [&](int a, int b) {
      return effect[a] > effect[b] || (effect[a] == effect[b] && tie_key[a] > tie_key[b]);
    });
    unsigned keep = 0;
    for (std::size_t i = 0; i < index.size() && i < static_cast<std::size_t>(count); ++i)
      keep |= 1u << index[i];
    return keep;
  }

  const Scenario& scenario_;
  const Design& design_;
  const Looks& looks_;
  int m_;
  unsigned active_;
  Stream stream_, survival_;
  ClosedCombinationTest test_;
  std::array<TwoArmCounts, kMaxHypotheses> before_{};
  ReplicateResult r_;
};

} // namespace

ReplicateResult simulate_staged_counts(const Scenario& scenario, std::size_t design_index,
                                       const ReplicateId& id) {
  return StagedTrial(scenario, scenario.designs[design_index], id).run();
}

} // namespace sepsim

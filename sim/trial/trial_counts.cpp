// Count-level simulation: instead of drawing every patient, draw the
// sufficient statistics of each arm from their exact joint distribution.
// Patients are exchangeable within a (label, true phenotype) cell once
// randomisation ignores labels, so per arm:
//   cell counts ~ Multinomial(n_arm, P(label, phenotype | eligible)),
// and per cell of m patients on treatment t:
//   early deaths ~ Bin(m, early_death), responders ~ Bin(alive, P(change > threshold)),
//   28-day deaths = early + Bin(responders, q_r) + Bin(alive non-responders, q_nr),
//   each adverse event ~ Bin(m, rate).
// Screening until N are eligible: screened = N + NegativeBinomial(N, P(eligible)).
#include "sepsim/cohort/cohort.hpp"
#include "sepsim/core/binomial.hpp"
#include "sepsim/core/random.hpp"
#include "sepsim/trial/trial.hpp"

#include "steps.hpp"

#include <boost/random/negative_binomial_distribution.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <type_traits>
#include <utility>
#include <vector>

namespace sepsim {

namespace {

// Arm sizes of N patients: permuted blocks give full blocks in exact ratio,
// and the final partial block is the first r entries of a shuffled block
// (drawn without replacement); simple randomisation is multinomial. The
// block's composition is computed once a replicate, the sizes written into
// the caller's array (no copy of a freshly written array: a stall).
class ArmSizes {
public:
  explicit ArmSizes(const Design& design)
      : arms_(design.arms.size()),
        simple_(design.randomisation.method == RandomisationMethod::simple),
        per_block_(design.block_per_arm) {
    for (std::size_t a = 0; a < arms_; ++a)
      weights_[a] = design.arms[a].allocation;
    if (!simple_) block_ = static_cast<std::uint32_t>(design.randomisation.block_sizes.front());
  }
  void draw(std::uint32_t n, Stream& stream, std::array<std::uint32_t, kMaxArms>& sizes) const {
    if (simple_) {
      sizes = multinomial(stream, n, weights_);
      return;
    }
    for (std::size_t a = 0; a < arms_; ++a)
      sizes[a] = (n / block_) * per_block_[a];
    const std::uint32_t partial = n % block_;
    if (partial == 0) return;
    std::array<std::uint32_t, kMaxArms> per_block = per_block_;
    std::uint32_t left_in_block = block_;
    for (std::uint32_t i = 0; i < partial; ++i) {
      boost::random::uniform_int_distribution<std::uint32_t> pick(0, left_in_block - 1);
      std::uint32_t k = pick(stream);
      std::size_t a = 0;
      while (k >= per_block[a])
        k -= per_block[a++];
      ++sizes[a];
      --per_block[a];
      --left_in_block;
    }
  }

private:
  std::size_t arms_;
  bool simple_;
  std::uint32_t block_ = 1;
  std::array<std::uint32_t, kMaxArms> per_block_;
  std::array<double, kMaxArms> weights_{};
};

// Deaths by day 28 and by day 90 of m patients of one cell: the response
// model's 28-day deaths plus late deaths among the survivors, or, for the
// exponential validation model, both from its hazard.
std::pair<std::uint32_t, std::uint32_t> death_counts(const Treatment& t, int ph, std::uint32_t m,
                                                     std::uint32_t deaths28, Stream& survival) {
  if (t.death_by_day_28) deaths28 = binomial_draw(survival, m, (*t.death_by_day_28)[ph]);
  return {deaths28, deaths28 + binomial_draw(survival, m - deaths28, t.late_death_if_alive28[ph])};
}

// secondary_outcomes = false: only the responders, Bin(m, response) (a
// patient responds alive: Bin(alive, response / (1 - early)) of
// Bin(m, 1 - early) survivors is this binomial); no deaths, adverse events or
// harm are drawn. Returns the responders.
[[gnu::always_inline]] inline std::uint32_t draw_primary_cell(const Treatment& t, Phenotype label,
                                                              int ph, std::uint32_t m,
                                                              Stream& stream, ArmCounts& arm) {
  arm.add_patients(label, m);
  const std::uint32_t responders =
      binomial_draw(stream, m, t.early_death[ph] < 1.0 ? t.response[ph] : 0.0);
  arm.response.add(label, responders);
  arm.death_known.add(label, m);
  arm.matched += t.matches_phenotype[ph] ? m : 0;
  return responders;
}

// A cell's deaths by day 28 and 90, adverse events and harm, given its m
// patients, early deaths and responders (drawn in this order after them).
void draw_deaths_and_harms(const Scenario& scenario, const Design& design, const Treatment& t,
                           Phenotype label, int ph, std::uint32_t m, std::uint32_t early,
                           std::uint32_t responders, Stream& stream, Stream& survival,
                           ArmCounts& arm) {
  const std::uint32_t alive = m - early;
  const std::uint32_t deaths =
      early + binomial_draw(stream, responders, scenario.mortality28.responder[ph]) +
      binomial_draw(stream, alive - responders, t.death28_if_alive_non_responder[ph]);
  const auto [deaths28, deaths90] = death_counts(t, ph, m, deaths, survival);
  arm.death28.add(label, deaths28);
  arm.death90.add(label, deaths90);
  // Survivors at the follow-up day: by day 28 or 90 (others need patients).
  arm.alive_at_follow_up.add(label, m - (design.follow_up_days >= 90.0 ? deaths90 : deaths28));
  arm.early_deaths += early;
  for (int e = 0; e < kAdverseEvents; ++e)
    arm.adverse[e] += binomial_draw(stream, m, t.adverse_events[e]);
  if (scenario.placebo >= 0) arm.harmed += binomial_draw(stream, m, t.harm_vs_placebo[ph]);
}

// A cell's outcomes but for its patients and responders: early deaths among
// the non-responders (a patient dies early with probability early_death and
// responds with probability response, never both: Bin(m - responders,
// early / (1 - response)) given the responders), then the rest as above.
void draw_secondary_cell(const Scenario& scenario, const Design& design, const Treatment& t,
                         Phenotype label, int ph, std::uint32_t m, std::uint32_t responders,
                         Stream& stream, Stream& survival, ArmCounts& arm) {
  const double response = t.response[ph];
  const std::uint32_t early =
      response < 1.0 ? binomial_draw(stream, m - responders, t.early_death[ph] / (1.0 - response))
                     : 0;
  draw_deaths_and_harms(scenario, design, t, label, ph, m, early, responders, stream, survival,
                        arm);
}

// Every outcome of a cell, in the order the generator versions fix: early
// deaths, responders among the survivors, then deaths and harms.
void draw_full_cell(const Scenario& scenario, const Design& design, const Treatment& t,
                    Phenotype label, int ph, std::uint32_t m, Stream& stream, Stream& survival,
                    ArmCounts& arm) {
  const double early_death = t.early_death[ph];
  const std::uint32_t early = binomial_draw(stream, m, early_death);
  const double respond_if_alive = early_death < 1.0 ? t.response[ph] / (1.0 - early_death) : 0.0;
  const std::uint32_t responders = binomial_draw(stream, m - early, respond_if_alive);
  arm.add_patients(label, m);
  arm.response.add(label, responders);
  arm.death_known.add(label, m); // no dropout at count level
  arm.matched += t.matches_phenotype[ph] ? m : 0;
  draw_deaths_and_harms(scenario, design, t, label, ph, m, early, responders, stream, survival,
                        arm);
}

// The outcomes of the m patients of one label x phenotype cell of an arm:
// inline in draw_arm (a primary-only cell's call frames cost as much as its
// draw), out of line for other callers as draw_cell.
[[gnu::always_inline]] inline void draw_cell_inline(const Scenario& scenario, const Design& design,
                                                    const Treatment& t, Phenotype label, int ph,
                                                    std::uint32_t m, Stream& stream,
                                                    Stream& survival, ArmCounts& arm) {
  if (design.secondary_outcomes)
    draw_full_cell(scenario, design, t, label, ph, m, stream, survival, arm);
  else
    draw_primary_cell(t, label, ph, m, stream, arm);
}

} // namespace

void draw_cell(const Scenario& scenario, const Design& design, const Treatment& t, Phenotype label,
               int ph, std::uint32_t m, Stream& stream, Stream& survival, ArmCounts& arm) {
  draw_cell_inline(scenario, design, t, label, ph, m, stream, survival, arm);
}

namespace {
// Generator version 4: a design with looks whose looks test the response
// draws each stage's responders alone, and each arm's cells' other outcomes
// once, after its last stage, given the cell's patients and responders (the
// same joint distribution; a third of the draws with three looks). The
// cells' patients and responders so far, per arm: [arm][cell]. Left
// unset where a design does not defer (zeroing it costs a fixed design's
// trial 3%).
struct DeferredCells {
  std::array<std::array<std::uint32_t, kPhenotypes * kPhenotypes>, kMaxArms> patients, responders;
};

bool defers_secondary_outcomes(const Design& design) {
  return design.secondary_outcomes && design.looks &&
         design.analysis.endpoint == PrimaryEndpoint::response;
}

// The n patients of arm a: their label x phenotype cells, multinomial with
// P(label, phenotype | eligible) (multinomial()'s draws: cells of probability
// 0 draw nothing, and the mass is their sum in index order), then each
// cell's outcomes (with `deferred`: its responders, the rest kept for later).
void draw_arm(const Scenario& scenario, const Design& design, std::size_t a, std::uint32_t n,
              Stream& stream, Stream& survival, ReplicateResult& r, DeferredCells* deferred) {
  std::array<std::uint32_t, kPhenotypes * kPhenotypes> counts{};
  double mass = design.enrolled_share;
  for (int i = 0; i < design.enrolled_cells && n > 0; ++i) {
    const double p = design.enrolled_cell[design.enrolled_cell_index[i]];
    counts[i] = mass > p ? binomial_draw(stream, n, p / mass) : n;
    n -= counts[i];
    mass -= p;
  }
  for (int i = 0; i < design.enrolled_cells; ++i) {
    if (counts[i] == 0) continue;
    const int l = design.enrolled_cell_index[i] / kPhenotypes;
    const int ph = design.enrolled_cell_index[i] % kPhenotypes;
    const Treatment& t = scenario.treatments[design.arms[a].treatment_by_label[l]];
    if (deferred) {
      deferred->patients[a][i] += counts[i];
      deferred->responders[a][i] +=
          draw_primary_cell(t, static_cast<Phenotype>(l), ph, counts[i], stream, r.arms[a]);
    } else {
      draw_cell_inline(scenario, design, t, static_cast<Phenotype>(l), ph, counts[i], stream,
                       survival, r.arms[a]);
    }
    r.enrolled_label_phenotype[l][ph] += counts[i];
  }
}

// The deferred outcomes of every arm's cells, arm by arm, cell by cell.
void draw_deferred(const Scenario& scenario, const Design& design, const DeferredCells& deferred,
                   Stream& stream, Stream& survival, ReplicateResult& r) {
  for (std::size_t a = 0; a < design.arms.size(); ++a)
    for (int i = 0; i < design.enrolled_cells; ++i) {
      const std::uint32_t m = deferred.patients[a][i];
      if (m == 0) continue;
      const int l = design.enrolled_cell_index[i] / kPhenotypes;
      const int ph = design.enrolled_cell_index[i] % kPhenotypes;
      draw_secondary_cell(
          scenario, design, scenario.treatments[design.arms[a].treatment_by_label[l]],
          static_cast<Phenotype>(l), ph, m, deferred.responders[a][i], stream, survival, r.arms[a]);
    }
}

// Bytes [from, to) of `r` as in a fresh ReplicateResult.
void reset_bytes(ReplicateResult& r, std::size_t from, std::size_t to) {
  static const ReplicateResult empty{};
  std::memcpy(reinterpret_cast<char*>(&r) + from, reinterpret_cast<const char*>(&empty) + from,
              to - from);
}

// A fresh replicate in `r` but for what a count-level replicate of its design
// never writes, which stays fresh: the arms and hypotheses beyond the design's,
// and in each arm the tallies only patients give (by baseline SOFA, the SOFA
// change, the ordinal outcomes; tests/test_counts.cpp checks they stay zero).
void reset_replicate(ReplicateResult& r, std::size_t arms, std::size_t hypotheses) {
  static_assert(std::is_trivially_copyable_v<ReplicateResult> &&
                std::is_standard_layout_v<ReplicateResult>);
  static_assert(offsetof(ReplicateResult, arms) == 0);
  // A fresh ArmCounts is all zero bytes (tested in tests/test_counts.cpp).
  constexpr std::size_t patients_only = offsetof(ArmCounts, n_by_sofa10);
  constexpr std::size_t tail = offsetof(ArmCounts, early_deaths);
  for (std::size_t a = 0; a < arms; ++a) {
    auto* bytes = reinterpret_cast<char*>(&r.arms[a]);
    std::memset(bytes, 0, patients_only);
    std::memset(bytes + tail, 0, sizeof(ArmCounts) - tail);
  }
  constexpr std::size_t first = offsetof(ReplicateResult, hypotheses);
  reset_bytes(r, sizeof(ReplicateResult::arms), first);
  reset_bytes(r, first, first + hypotheses * sizeof(HypothesisResult));
  reset_bytes(r, offsetof(ReplicateResult, imbalance), sizeof(ReplicateResult));
}
} // namespace

void finish_count_level(const Design& design, double eligible, Stream& stream, ReplicateResult& r) {
  r.screened = r.enrolled;
  if (eligible < 1.0) {
    boost::random::negative_binomial_distribution<int, double> failures(
        static_cast<int>(r.enrolled), eligible);
    r.screened += static_cast<std::uint32_t>(failures(stream));
  }
  record_arm_imbalance(design, r);
  // No covariates at count level.
  r.imbalance[imbalance_within_sofa10] = r.imbalance[imbalance_within_site] = std::nan("");
}

ReplicateResult simulate_trial_counts(const Scenario& scenario, std::size_t design_index,
                                      const ReplicateId& id) {
  ReplicateResult r;
  simulate_trial_counts(scenario, design_index, id, r);
  return r;
}

void simulate_trial_counts(const Scenario& scenario, std::size_t design_index,
                           const ReplicateId& id, ReplicateResult& r) {
  const Design& design = scenario.designs[design_index];
  reset_replicate(r, design.arms.size(), design.analysis.hypotheses.size());
  Stream stream({id.seed, Purpose::arm_counts, id.grid_point, id.replicate, design.stream});

  // The share of screened patients in the eligible labels.
  const double eligible = design.enrolled_share;
  if (!(eligible * kMaxScreenedPerEnrolled > 1.0))
    throw EnrolmentError("design " + design.name + ": only " + std::to_string(eligible) +
                         " of screened patients are eligible; the eligible labels are too rare "
                         "in this population");

  // Stage by stage (one stage without looks): each stage's arm sizes, then
  // its patients' cells and outcomes; a group-sequential design may stop.
  // Deaths after day 28 (and the exponential model's) from a stream of their
  // own, so the draws above are those of a scenario without them.
  Stream survival(
      {id.seed, Purpose::patient_survival, id.grid_point, id.replicate, ~design.stream});
  SequentialMonitor monitor(design);
  const ArmSizes arm_sizes(design);
  std::array<std::uint32_t, kMaxArms> sizes{};
  const std::size_t stages = design.looks ? design.looks->patients.size() : 1;
  DeferredCells deferred_cells;
  DeferredCells* deferred = nullptr;
  if (defers_secondary_outcomes(design)) {
    deferred_cells = DeferredCells{};
    deferred = &deferred_cells;
  }
  for (std::size_t k = 0; k < stages; ++k) {
    const int look = design.looks ? design.looks->patients[k] : design.sample_size;
    const auto stage = static_cast<std::uint32_t>(look) - r.enrolled;
    arm_sizes.draw(stage, stream, sizes);
    for (std::size_t a = 0; a < design.arms.size(); ++a)
      draw_arm(scenario, design, a, sizes[a], stream, survival, r, deferred);
    r.enrolled += stage;
    if (monitor.after_enrolment(r)) break;
  }
  if (deferred) draw_deferred(scenario, design, *deferred, stream, survival, r);
  finish_count_level(design, eligible, stream, r);
  analyse_replicate(scenario, design, r);
  decide(design, monitor.decision(), r);
}

} // namespace sepsim

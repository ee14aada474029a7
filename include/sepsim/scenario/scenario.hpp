// The scenario: plain structs, frozen once read (sim/input reads, validates
// and derives them from TOML). Model code never sees toml++.
#pragma once

#include "sepsim/scenario/conduct.hpp"
#include "sepsim/scenario/looks.hpp"
#include "sepsim/scenario/phenotypes.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sepsim {

enum AdverseEvent : std::uint8_t { serious = 0, severe = 1, anaemia = 2, haemorrhage = 3 };
inline constexpr int kAdverseEvents = 4;
inline constexpr std::array<std::string_view, kAdverseEvents> kAdverseEventNames = {
    "serious", "severe", "anaemia", "haemorrhage"};

// A trial gives up after screening this many patients per place to fill; a
// scenario whose eligible labels are rarer is refused when it is read.
inline constexpr std::uint32_t kMaxScreenedPerEnrolled = 1000;

// Log-normal per true phenotype, plus multiplicative assay error.
struct Biomarker {
  PerPhenotype median{};
  PerPhenotype sd_log{};
  double assay_cv = 0.0;
  // Derived when the scenario is frozen (the hot path works on the log scale):
  PerPhenotype log_median{};
  double assay_sd_log = 0.0;   // s = sqrt(ln(1 + CV^2))
  double assay_mean_log = 0.0; // -s^2/2, so the error has mean 1 on the natural scale
};

struct Population {
  PerPhenotype prevalence{}; // among screened patients; sums to 1
  Biomarker ferritin;        // ng/mL
  Biomarker hla_dr;          // antibodies bound per monocyte
  double age_mean_years = 70, age_sd_years = 13, age_min_years = 18, age_max_years = 100;
  double female_share = 0.337;
  double baseline_sofa_mean = 9.4, baseline_sofa_sd = 3.0;
  int baseline_sofa_min = 2, baseline_sofa_max = 24;
  int sites = 33; // recruiting sites, equally likely (ImmunoSep: 33 sites in 6 countries)
  // Derived: P(label | true phenotype) of the classifier, [phenotype][label].
  std::array<PerPhenotype, kPhenotypes> label_given_phenotype{};
};

// Ordered rules on measured values, first match wins.
struct Classifier {
  double mals_ferritin_above_ng_per_ml = 4420;
  double immunoparalysis_hla_dr_below_per_monocyte = 5000;
  // Derived: the thresholds on the log scale.
  double log_mals_ferritin_above = 0, log_immunoparalysis_hla_dr_below = 0;
};

struct Endpoint {
  double response_threshold_sofa_points = 1.4; // responder: alive at day 9 and change > this
  double sofa_change_sd = 2.5;
};

struct Treatment {
  std::string name;
  PerPhenotype response{};    // P(primary response) by true phenotype
  PerPhenotype early_death{}; // P(death by day 9)
  std::array<double, kAdverseEvents> adverse_events{};
  // Derived when the scenario is frozen:
  PerPhenotype sofa_change_mean{}; // mean day-9 SOFA change of survivors
  PerPhenotype death28_if_alive_non_responder{};
  // With a prognostic baseline SOFA (Mortality28::sofa_log_odds_per_point):
  // the intercept a of P(death by day 28 | alive non-responder, SOFA s) =
  // 1 / (1 + exp(-(a + beta s))), chosen so that its mean over the baseline
  // SOFA distribution is death28_if_alive_non_responder.
  PerPhenotype death28_logit_intercept{};
  // Those probabilities for SOFA baseline_sofa_min, min + 1, ..., max.
  SofaRisks death28_by_sofa{};
  // Validation model (key death_by_day_28): death time exponential with this
  // 28-day mortality, independent of response; the constant hazard per day
  // -ln(1 - p) / 28 is derived.
  std::optional<PerPhenotype> death_by_day_28;
  // P(death by day 90 | alive at day 28) over the baseline SOFA distribution
  // of the day-28 survivors on this treatment (for count-level draws).
  PerPhenotype late_death_if_alive28{};
  PerPhenotype death_hazard_per_day{};
  // Validation model of the day-28 ordinal status (keys `ordinal`, worst
  // category first, and `ordinal_odds_ratio`, the odds ratio of a better
  // category against the placebo's `ordinal` by proportional odds): the
  // category is drawn from these probabilities, independent of the rest of
  // the patient. Empty: the status is read off the patient's organ support.
  std::array<std::vector<double>, kPhenotypes> ordinal{};
  std::optional<PerPhenotype> ordinal_odds_ratio;
  // Derived: P(category <= j) for j = 0..K-1 (the last is 1), either model.
  std::array<std::vector<double>, kPhenotypes> ordinal_cumulative{};
  bool ordinal_model() const { return !ordinal_cumulative[0].empty(); }
  // Oracle: best response of all treatments for the phenotype (ties count),
  // and P(responds on placebo but not on this treatment); NaN without placebo.
  std::array<bool, kPhenotypes> matches_phenotype{};
  PerPhenotype harm_vs_placebo{};
};

struct Mortality28 {
  PerPhenotype responder{};
  PerPhenotype non_responder{}; // early deaths included
  // Log-odds of death by day 28 per point of baseline SOFA, for day-9
  // survivors who did not respond (0: baseline SOFA is not prognostic).
  double sofa_log_odds_per_point = 0.0;
};

// Deaths after day 28 ([mortality_90d]): P(death by day 90 | alive at day 28),
// by true phenotype; 0 (no table): follow-up ends at day 28 for everyone alive.
struct Mortality90 {
  PerPhenotype late_death{};
  // Log-odds of a late death per point of baseline SOFA (its mean over the
  // SOFA distribution kept at late_death), and the derived intercepts.
  double sofa_log_odds_per_point = 0.0;
  PerPhenotype late_death_logit_intercept{};
  // Those risks for SOFA baseline_sofa_min, min + 1, ..., max.
  SofaRisks late_death_by_sofa{};
};

// Organ support ([organ_support]) of a patient alive at day 28: on support at
// randomisation with probability at_baseline (ImmunoSep: 88.5% and 89.0%
// ventilated); then days on support log-normal, median_days for a patient
// whose SOFA did not change by day 9, shorter by exp(-log_days_per_sofa_point)
// for each point of day-9 improvement (its SOFA course), spread sd_log_days.
// Organ-support-free days to day 28 = 28 - days on support (at least 0), or
// -1 for a death by day 28. Assumptions: ImmunoSep reported no organ-support
// outcome (README, "Ordinal and composite endpoints").
struct OrganSupport {
  double at_baseline = 0.885;
  double median_days = 10.0;
  double log_days_per_sofa_point = 0.25;
  double sd_log_days = 0.5;
};

// The day-28 ordinal status ([ordinal_status]), worst first: 0 dead by day 28,
// then by organ-support-free days: category k (1 <= k <= cut points) holds
// days below osfd_cut_points[k - 1] (and at least the previous cut point), the
// last the days from the last cut point to 28.
inline constexpr int kMaxOrdinalCategories = 16;
inline constexpr int kOrganSupportFreeValues = 30; // -1 .. 28
struct OrdinalStatus {
  std::vector<int> osfd_cut_points{1, 15, 22};
};

// The last day of follow-up the model simulates.
inline constexpr double kMaxFollowUpDays = 90.0;

enum class RandomisationMethod { simple, permuted_blocks, minimisation };
inline constexpr std::array<std::string_view, 3> kRandomisationNames = {"simple", "permuted_blocks",
                                                                        "minimisation"};

// Patient factors that strata and minimisation balance: the label, baseline
// SOFA >= 10, and the recruiting site.
enum Factor : std::uint8_t { factor_label = 0, factor_sofa10 = 1, factor_site = 2 };
inline constexpr int kFactors = 3;
inline constexpr std::array<std::string_view, kFactors> kFactorNames = {"label", "sofa10", "site"};
inline constexpr int kMaxSites = 64;
using FactorSet = std::array<bool, kFactors>;

// Achieved imbalance in patients (max over arms of |n_arm - n * share|):
// overall, then summed over the levels of the label, SOFA >= 10 and site (NaN
// where the covariate was not drawn).
enum ImbalanceKind : std::uint8_t {
  imbalance_overall = 0,
  imbalance_within_label = 1,
  imbalance_within_sofa10 = 2,
  imbalance_within_site = 3
};
inline constexpr int kImbalanceKinds = 4;

struct Randomisation {
  RandomisationMethod method = RandomisationMethod::permuted_blocks;
  std::vector<int> block_sizes{4};        // one: fixed; several: each block's size drawn at random
  FactorSet stratify{true, false, false}; // strata of the permuted blocks
  FactorSet minimise{true, false, false}; // factors Pocock-Simon minimisation balances
  double p_best = 0.8; // minimisation: P(the arm that minimises imbalance); else at random
  bool stratified() const { return stratify[0] || stratify[1] || stratify[2]; }
  // Whether assignment needs baseline SOFA or site (drawn before randomising).
  bool uses_covariates() const {
    const FactorSet& f = method == RandomisationMethod::minimisation ? minimise : stratify;
    return f[factor_sofa10] || f[factor_site];
  }
};

// Binary primary response: pooled_z, unpooled_z, fisher, cmh (stratified by
// label), logistic (adjusted for baseline SOFA, age and label), bayes
// (posterior P(p_t > p_c) under Beta priors). Continuous day-9 SOFA change
// among day-9 survivors: mean_difference, ancova (adjusted for baseline SOFA).
// Time to death with follow-up to Design::follow_up_days (days from
// randomisation, censored there): logrank, logrank_stratified (by label), cox
// (proportional hazards adjusted for baseline SOFA, age and label), and
// km_difference (Kaplan-Meier survival at follow_up_days, Wald z). Ordinal
// and composite endpoints (Analysis::endpoint): proportional_odds (Wald z of
// the log common odds ratio), proportional_odds_adjusted (for baseline SOFA,
// age and label), wilcoxon (Wilcoxon-Mann-Whitney, tie-corrected), and the
// win statistics of pairwise comparisons: win_ratio, win_odds, net_benefit,
// door (P(better) + P(tie)/2).
enum class TestKind {
  pooled_z,
  unpooled_z,
  fisher,
  cmh,
  logistic,
  bayes,
  mean_difference,
  ancova,
  logrank,
  logrank_stratified,
  cox,
  km_difference,
  proportional_odds,
  proportional_odds_adjusted,
  wilcoxon,
  win_ratio,
  win_odds,
  net_benefit,
  door
};
inline constexpr std::array<std::string_view, 19> kTestNames = {"pooled_z",
                                                                "unpooled_z",
                                                                "fisher",
                                                                "cmh",
                                                                "logistic",
                                                                "bayes",
                                                                "mean_difference",
                                                                "ancova",
                                                                "logrank",
                                                                "logrank_stratified",
                                                                "cox",
                                                                "km_difference",
                                                                "proportional_odds",
                                                                "proportional_odds_adjusted",
                                                                "wilcoxon",
                                                                "win_ratio",
                                                                "win_odds",
                                                                "net_benefit",
                                                                "door"};
// What each test needs and which endpoint scale it accepts:
// include/sepsim/stats/tests.hpp (kTests).

// How the family of hypotheses of a design controls the family-wise error.
// dunnett: single step; dunnett_stepdown: closed testing with Dunnett
// intersection tests (rpact's multi-arm "Dunnett"), never less powerful;
// simes: closed testing with Simes intersection tests (Hommel's procedure);
// graphical: Bretz et al.'s (2009) graph of initial weights and transitions,
// tested by closed testing with the weighted Bonferroni tests the graph gives
// every intersection (the sequentially rejective graphical procedure).
// With looks (several hypotheses) every family is tested by closed testing:
// bonferroni and holm use (weighted) Bonferroni intersection tests, hochberg
// and simes Simes's, dunnett and dunnett_stepdown Dunnett's, fixed_sequence
// the first hypothesis of each intersection (sim/stats/closed_testing.cpp).
enum class Multiplicity {
  none,
  bonferroni,
  holm,
  hochberg,
  fixed_sequence,
  fallback,
  dunnett,
  dunnett_stepdown,
  simes,
  graphical
};
inline constexpr std::array<std::string_view, 10> kMultiplicityNames = {
    "none",    "bonferroni",       "holm",  "hochberg", "fixed_sequence", "fallback",
    "dunnett", "dunnett_stepdown", "simes", "graphical"};

inline constexpr int kMaxHypotheses = 8;

// One comparison: treatment arm vs control arm among the enrolled patients
// whose label is in `labels` (a subgroup, or everyone).
struct Hypothesis {
  std::string name;
  int treatment_arm = 0; // index into Design::arms
  int control_arm = 1;
  std::array<bool, kPhenotypes> labels{true, true, true};
  double weight = 1.0; // share of alpha (bonferroni, holm, fallback); weights sum to 1
};

// What a binary-scale test analyses: the day-9 response, or death by the
// design's follow_up_days (its "success" is survival, so z > 0 still favours
// treatment; estimates are reported as mortality differences). What an
// ordinal-scale test analyses: the day-28 ordinal status, organ-support-free
// days to day 28, or (win statistics only) the hierarchical composite: day of
// death to day 28, then organ-support-free days, then the day-9 SOFA change.
enum class PrimaryEndpoint : std::uint8_t {
  response,
  death,
  ordinal_status,
  organ_support_free_days,
  composite
};
inline constexpr std::array<std::string_view, 5> kPrimaryEndpointNames = {
    "response", "death", "ordinal_status", "organ_support_free_days", "composite"};

struct Analysis {
  TestKind test = TestKind::pooled_z;
  PrimaryEndpoint endpoint = PrimaryEndpoint::response;
  double alpha = 0.05;
  int sided = 2;
  Multiplicity multiplicity = Multiplicity::none;
  double prior_a = 1.0, prior_b = 1.0;   // Beta prior of each arm's response rate (bayes)
  std::vector<Hypothesis> hypotheses;    // the first is the primary
  double critical_z = 1.959963984540054; // derived: unadjusted, from alpha and sided
  // Derived for Dunnett: the critical value of every subset of hypotheses,
  // indexed by bit mask (bit h = hypothesis h); the full set is the single step.
  std::vector<double> dunnett_critical_z;
  // Derived for Dunnett: lambda_h = sqrt(a_t / (a_t + a_c)) from the planned
  // allocation; corr(Z_g, Z_h) = lambda_g lambda_h.
  std::array<double, kMaxHypotheses> dunnett_lambda{};
  // graphical: the transition weights g[i][j] (i passes its weight to j when
  // rejected; rows sum to at most 1, zero diagonal), and, derived, the
  // weights of every intersection (indexed by bit mask) the graph gives.
  std::vector<std::vector<double>> transitions;
  std::vector<std::array<double, kMaxHypotheses>> graph_weights;
  // Derived: chi-square critical values at alpha for 1 and 2 degrees of freedom
  // (the treatment-by-label interaction over 2 or 3 labels); index = df.
  std::array<double, kPhenotypes> interaction_critical{};
};

struct Arm {
  std::string name;
  std::array<int, kPhenotypes> treatment_by_label{-1, -1, -1}; // index into treatments; -1: none
  double allocation = 1;
};

// How a replicate is simulated. `patients`: every screened patient is drawn
// (designs share patients; covariates exist). `counts`: each arm's sufficient
// statistics are drawn from their exact joint distribution (binomial counts per
// label x phenotype cell): far faster, but designs no longer share patients
// and randomisation may not be stratified.
enum class Simulation { patients, counts };

// Optional features of a design: each is present only when its table is in
// the scenario, and its fields exist only then.

// Enrolment quotas ([designs.NAME.quota]): patients per label, summing to
// sample_size; once a label's quota is full its patients are screened but not
// enrolled.
struct Quota {
  std::array<int, kPhenotypes> patients{};
};

// Group-sequential looks ([designs.NAME.looks]): enrolled patients at each
// look (two or more; the last is sample_size) and the boundaries on the
// primary z, computed once when the scenario is read.
//
// Event-driven looks (key `events`, time-to-event tests with accrual): look k
// is held at the calendar time of the events[k]-th death observed within
// follow-up (the last is the final analysis); `patients` is then empty and the
// boundaries are computed on the fractions events[k] / events.back()
// (sim/trial/event_looks.cpp).
class StagewiseCache; // sim/stats/stagewise.cpp

struct Looks {
  std::vector<int> patients;
  std::vector<int> events; // event-driven looks only
  Boundaries boundaries;
  // Conditional-power futility (non-binding; 0: none): stop at an interim
  // when the power to win at the end, under the effect seen so far, is below this.
  double futility_cp = 0.0;
  // Several hypotheses (count level): closed testing at every look, each
  // intersection's stage-wise p-value (the analysis's multiplicity as the
  // intersection test) combined across stages by the inverse-normal method
  // with these planned weights, sqrt(t_k - t_{k-1}). The trial stops for
  // success when every hypothesis still tested is rejected (`success =
  // "all"`) or when any is (`"any"`); for futility when every one is futile.
  std::vector<double> combination_weights;
  bool success_needs_all = true;
  // One pooled_z or unpooled_z hypothesis with looks at patient counts: the
  // stage-wise ordering that adjusts its estimate for early stopping.
  std::shared_ptr<const StagewiseCache> stagewise;
  bool by_events() const { return !events.empty(); }
  // Harm (lower) bounds on the primary z (boundaries.harm_z): harm_z,
  // harm_spending, or by default -efficacy_z for two-sided designs.
  bool has_harm() const { return !boundaries.harm_z.empty(); }
  std::size_t count() const { return by_events() ? events.size() : patients.size(); }
};

// Selection at each interim look ([designs.NAME.selection], with looks and
// several hypotheses): which hypotheses (arms, or populations) go on, by their
// estimated effect so far (treatment - control response rate): the best, the
// `keep` best, those within `epsilon` of the best, or all; any at or below
// `threshold` is dropped. A dropped arm enrols no more patients; with
// `reallocate`, its share of each later stage goes to the arms that go on.
// A dropped population's labels are no longer enrolled (their share of each
// later stage goes to the populations that go on). Ties are broken at random.
enum class SelectionRule { all, best, r_best, epsilon };
inline constexpr std::array<std::string_view, 4> kSelectionRuleNames = {"all", "best", "r_best",
                                                                        "epsilon"};
struct Selection {
  SelectionRule rule = SelectionRule::best;
  int keep = 1;
  double epsilon = 0.0;
  double threshold = -std::numeric_limits<double>::infinity();
  bool reallocate = false;
};

// Sample-size re-estimation ([designs.NAME.reestimation]): at the interim
// (interim_patients), if conditional power under the observed effect lies in
// [cp_min, target_cp), stage 2 grows to reach target_cp (at most
// max_sample_size); the final test is the inverse-normal combination with the
// planned (Cui-Hung-Wang) weights, so the type I error holds.
struct Reestimation {
  int interim_patients = 0, max_sample_size = 0;
  double cp_min = 0.36, target_cp = 0.9;
};

struct Design {
  std::string name;
  // A display name for reports and figures (key `label`, at most 80
  // characters); empty when not set, and then written nowhere.
  std::string label;
  // The number of the design's own random streams (randomisation, accrual,
  // count-level draws): its position among the scenario's designs, or the
  // design table's `stream` key, which `--design` sets so that a design run
  // alone draws exactly as in the full scenario.
  std::uint32_t stream = 0;
  Simulation simulation = Simulation::patients;
  bool secondary_outcomes = true; // false: count level draws only the primary's responders
  // Patient level: compute every patient's day-28 ordinal outcome even where
  // the analysis does not read it (the engine sets it when it writes
  // per-trial rows, which report each arm's mean ordinal status).
  bool ordinal_outcomes = false;
  std::array<bool, kPhenotypes> eligible_label{};
  std::vector<Arm> arms;
  int sample_size = 0;
  // Follow-up of each patient for time-to-event tests, in days (at most 90).
  double follow_up_days = 28.0;
  Randomisation randomisation;
  Analysis analysis;
  std::optional<Quota> quota;
  std::optional<Looks> looks;
  std::optional<Reestimation> reestimation;
  std::optional<Accrual> accrual;
  std::optional<Dropout> dropout;
  std::optional<Selection> selection;
  // Derived by calibrate() for the count level: P(label, phenotype) of a
  // screened patient (index label * 3 + phenotype; 0 in labels not enrolled),
  // their sum (the eligible share), and each arm's patients in a full
  // permuted block of the first size; the cells of positive probability, in
  // index order (enrolled_cells of them).
  std::array<double, kPhenotypes * kPhenotypes> enrolled_cell{};
  double enrolled_share = 0.0;
  std::array<std::uint8_t, kPhenotypes * kPhenotypes> enrolled_cell_index{};
  int enrolled_cells = 0;
  std::array<std::uint32_t, kMaxArms> block_per_arm{};
  // Whether looks test several hypotheses (closed combination testing).
  bool staged() const { return looks && analysis.hypotheses.size() > 1; }
  // Looks of the design (1 without group-sequential looks).
  std::size_t look_count() const { return looks ? looks->count() : 1; }
  // The most patients a trial of this design can enrol.
  int max_enrolment() const {
    return reestimation ? std::max(sample_size, reestimation->max_sample_size) : sample_size;
  }
};

struct Scenario {
  std::string name;
  std::string description;
  std::string source;                  // file path, or "(bundled) scenarios/immunosep.toml"
  std::vector<std::string> base_files; // the `base` files read beneath it
  std::string text;                    // the full scenario after overrides, as TOML
  Population population;
  Classifier classifier;
  Endpoint endpoint;
  Mortality28 mortality28;
  Mortality90 mortality90;
  OrganSupport organ_support;
  OrdinalStatus ordinal_status;
  // Categories of the day-28 ordinal status (the validation model's, or
  // 2 + the cut points).
  int ordinal_categories = 5;
  // Whether outcomes depend on the baseline covariates (so they must be drawn).
  bool prognostic_covariates() const {
    return mortality28.sofa_log_odds_per_point != 0.0 || mortality90.sofa_log_odds_per_point != 0.0;
  }
  std::vector<Treatment> treatments;
  int placebo = -1; // index of the placebo treatment (key `placebo`), -1 if none
  bool null_hypothesis = false;
  std::vector<Design> designs;
};

} // namespace sepsim

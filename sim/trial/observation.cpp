// The randomise and observe steps: each enrolled patient's shared noise and
// covariates, its arm, every endpoint of its outcome on that arm's treatment,
// and the oracle quantities of the potential outcomes.
#include "steps.hpp"

#include <algorithm>
#include <array>
#include <cmath>

namespace sepsim {

namespace {
// Reused across the replicates a thread runs (no allocation per replicate).
thread_local std::vector<PatientRecord> t_records;
thread_local std::vector<std::array<double, kMaxArms>> t_by_sofa10, t_by_site;
} // namespace

Observation::Observation(const Scenario& scenario, const Design& design, const ReplicateId& id,
                         Enrolment* enrolment)
    : scenario_(scenario), design_(design), id_(id),
      randomiser_(
          design, scenario.population.sites,
          Stream({id.seed, Purpose::randomisation, id.grid_point, id.replicate, design.stream})),
      keep_records_(needs_patient_records(design.analysis.test)),
      covariates_(keep_records_ || design.randomisation.uses_covariates() ||
                  scenario.prognostic_covariates()),
      ordinal_(keep_records_ || ordinal_endpoint(design.analysis.test) || design.ordinal_outcomes),
      enrolment_(enrolment),
      outcomes_({id.seed, Purpose::patient_outcomes, id.grid_point, id.replicate, 0},
                covariates_ ? kOutcomeBlocksWithCovariates : kOutcomeBlocks),
      survival_({id.seed, Purpose::patient_survival, id.grid_point, id.replicate, 0},
                kSurvivalBlocks),
      dropouts_({id.seed, Purpose::patient_dropout, id.grid_point, id.replicate, 0}, 1),
      records_(t_records), by_sofa10_(t_by_sofa10), by_site_(t_by_site) {
  records_.clear();
  // Arm counts by SOFA >= 10 and by site, for the imbalance (with covariates).
  if (covariates_) {
    by_sofa10_.assign(2, {});
    by_site_.assign(static_cast<std::size_t>(scenario.population.sites), {});
  }
}

void Observation::observe(const Candidate& patient, ReplicateResult& r) {
  const ScreenedPatient& screened = patient.screened;
  // Drawn on SIMD lanes with the next patients' (most of them), or here from
  // the streams made where draw_patient_noise takes them (no copy), into
  // noise_ (a local PatientNoise would be zeroed first: 5% of a run).
  const std::uint32_t i = patient.index, lane = stream_lane(i);
  if (lane == kPhiloxBatch)
    noise_[lane] = draw_patient_noise(scenario_.population, outcomes_.stream(i),
                                      survival_.stream(i), covariates_);
  else if ((noise_ready_ >> lane & 1) == 0)
    noise_[lane] = draw_patient_noise(scenario_.population, outcomes_.lane_stream(lane, i),
                                      survival_.lane_stream(lane, i), covariates_);
  const PatientNoise& noise = noise_[lane];
  const int arm_index = randomiser_.assign({screened.label, noise.baseline_sofa >= 10, noise.site});
  const auto a = static_cast<std::size_t>(arm_index);
  const Treatment& treatment =
      scenario_.treatments[design_.arms[a].treatment_by_label[screened.label]];
  if (covariates_) {
    by_sofa10_[noise.baseline_sofa >= 10 ? 1 : 0][a] += 1.0;
    by_site_[static_cast<std::size_t>(noise.site)][a] += 1.0;
  }
  const Outcome o = outcome_under(scenario_, treatment, screened.phenotype, noise, ordinal_);
  TallyContext context{design_.follow_up_days};
  context.ordinal = ordinal_;
  if (design_.dropout && drop_out(patient.index, lane, a, context)) {
    ++r.excluded;
    return;
  }
  ArmCounts& arm = r.arms[a];
  tally_patient(arm, screened.label, o, context);
  if (keep_records_)
    records_.push_back({static_cast<std::uint8_t>(arm_index), screened.label, screened.phenotype,
                        o.response, !o.early_death, static_cast<std::uint8_t>(noise.baseline_sofa),
                        static_cast<float>(noise.age_years), static_cast<float>(o.sofa_change),
                        static_cast<float>(o.death_day), static_cast<float>(context.loss_day),
                        static_cast<std::int8_t>(o.organ_support_free_days),
                        static_cast<std::uint8_t>(o.ordinal_status)});
  tally_oracle(treatment, screened.phenotype, noise, o, arm);
}

// The lane of the patient's outcome and survival streams: with enrolment_,
// computed with those of the next patients likely to be enrolled (a patient
// a quota refused is passed over); kPhiloxBatch: with the next seven screened.
std::uint32_t Observation::stream_lane(std::uint32_t patient) {
  if (!enrolment_) return kPhiloxBatch;
  std::uint32_t lane = ahead_next_;
  while (lane < ahead_count_ && ahead_[lane] < patient)
    ++lane;
  if (lane == ahead_count_ || ahead_[lane] != patient) {
    ahead_count_ = enrolment_->eligible_from(patient, ahead_.data());
    if (ahead_count_ == 0 || ahead_[0] != patient) // a label no design enrols: never
      return ahead_count_ = ahead_next_ = noise_ready_ = 0, kPhiloxBatch;
    EntityStreams::fill_entities(outcomes_, survival_, ahead_.data(), ahead_count_);
    if (design_.dropout) dropouts_.fill_entities(ahead_.data(), ahead_count_);
    noise_ready_ =
        noise_lanes(scenario_.population, outcomes_, survival_, covariates_, noise_.data());
    lane = 0;
  }
  ahead_next_ = lane + 1;
  return lane;
}

// Exclusion after randomisation (true: the patient is never analysed) and loss
// to follow-up (its day into the context), from the first three words of the
// patient's own stream, so designs with the same rates lose the same patients:
// computed in the lane of its outcome streams (or alone, lane kPhiloxBatch).
bool Observation::drop_out(std::uint32_t patient, std::uint32_t lane, std::size_t arm,
                           TallyContext& context) const {
  const Dropout& dropout = *design_.dropout;
  std::array<std::uint32_t, 3> words;
  if (lane < kPhiloxBatch) {
    std::copy_n(dropouts_.lane_words(lane), words.size(), words.begin());
  } else {
    Stream stream({id_.seed, Purpose::patient_dropout, id_.grid_point, id_.replicate, patient});
    stream.read(words.data(), words.size());
  }
  // uniform_01 of a 32-bit word: word / 2^32 (Boost's, never 1).
  const double exclude_u = words[0] * 0x1p-32, lost_u = words[1] * 0x1p-32;
  const double day_u = words[2] * 0x1p-32;
  if (exclude_u < dropout.excluded) return true;
  if (lost_u < dropout.lost[arm]) context.loss_day = design_.follow_up_days * day_u;
  context.worst_case = dropout.worst_case;
  return false;
}

void Observation::tally_oracle(const Treatment& treatment, Phenotype phenotype,
                               const PatientNoise& noise, const Outcome& outcome,
                               ArmCounts& arm) const {
  arm.matched += treatment.matches_phenotype[phenotype];
  // Harm: a non-responder on another drug who would respond on placebo. Asked
  // of every patient, placebo's too: a branch on the arm or the response is a
  // coin flip.
  if (scenario_.placebo < 0) return;
  const Treatment& placebo = scenario_.treatments[static_cast<std::size_t>(scenario_.placebo)];
  const bool on_placebo = responds_under(scenario_, placebo, phenotype, noise);
  const bool other_drug = &treatment != &placebo;
  arm.harmed += other_drug & !outcome.response & on_placebo;
}

void Observation::record_covariate_imbalance(ReplicateResult& r) const {
  r.imbalance[imbalance_within_sofa10] = r.imbalance[imbalance_within_site] = std::nan("");
  if (!covariates_) return;
  r.imbalance[imbalance_within_sofa10] =
      arm_imbalance(by_sofa10_[0], design_) + arm_imbalance(by_sofa10_[1], design_);
  r.imbalance[imbalance_within_site] = 0.0;
  for (const auto& site : by_site_)
    r.imbalance[imbalance_within_site] += arm_imbalance(site, design_);
}

} // namespace sepsim

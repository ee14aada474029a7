// The sequential part of a design: group-sequential looks and sample-size
// re-estimation while a replicate enrols, and the one place where the
// replicate's decision is made.
#include "sepsim/trial/trial.hpp"

#include "sepsim/stats/stagewise.hpp"

#include <boost/math/distributions/normal.hpp>

#include <algorithm>
#include <cmath>

namespace sepsim {

TwoArmCounts primary_counts(const Design& design, const ReplicateResult& r) {
  const Hypothesis& hyp = design.analysis.hypotheses.front();
  return two_arm_counts(primary_tally(design.analysis), r.arms[hyp.treatment_arm],
                        r.arms[hyp.control_arm], hyp.labels);
}

double interim_z(const Design& design, const ReplicateResult& r) {
  if (ordinal_endpoint(design.analysis.test)) return ordinal_counts_z(design, r);
  const TwoArmCounts c = primary_counts(design, r);
  return design.analysis.test == TestKind::unpooled_z ? unpooled_z(c) : pooled_z(c);
}

std::uint32_t reestimated_sample_size(const Design& design, double z1) {
  const Reestimation& re = *design.reestimation;
  // Conditional power of the combination test under the observed effect
  // theta = z1 / sqrt(n1) (per patient): stage 2 of n2 patients gives
  // Z2 ~ N(theta sqrt(n2), 1) and CP = P(w1 z1 + w2 Z2 >= c).
  const double n1 = re.interim_patients;
  const double planned = design.sample_size - n1;
  const double w1 = std::sqrt(n1 / design.sample_size), w2 = std::sqrt(1.0 - w1 * w1);
  const double theta = z1 / std::sqrt(n1);
  const double needed = (design.analysis.critical_z - w1 * z1) / w2;
  const boost::math::normal standard_normal;
  const double cp = boost::math::cdf(
      boost::math::complement(standard_normal, needed - theta * std::sqrt(planned)));
  const auto keep = static_cast<std::uint32_t>(design.sample_size);
  if (theta <= 0.0 || cp < re.cp_min || cp >= re.target_cp) return keep;
  const double root =
      (needed - boost::math::quantile(boost::math::complement(standard_normal, re.target_cp))) /
      theta;
  const double n2 = std::min(std::ceil(root * root), double(re.max_sample_size) - n1);
  return std::max(keep, static_cast<std::uint32_t>(n1 + n2));
}

// rpact's rule: efficacy if z >= c_k; futility stop if z <= f_k (inclusive).
// A harm bound (z <= h_k, inclusive, at any look including the last) is
// checked after efficacy and before futility, so that a trial past both its
// harm and futility bounds is reported as stopped for harm.
LookVerdict interim_decision(const Design& design, std::size_t k, double z) {
  const Looks& looks = *design.looks;
  if (z >= looks.boundaries.efficacy_z[k]) return LookVerdict::efficacy;
  if (looks.has_harm() && z <= looks.boundaries.harm_z[k]) return LookVerdict::harm;
  if (k + 1 < looks.count() && z <= looks.boundaries.futility_z[k]) return LookVerdict::futility;
  if (k + 1 < looks.count() && looks.futility_cp > 0.0) {
    // Conditional power at the final bound under the current trend: the
    // score moves on by theta (1 - t) with variance 1 - t, theta = z / sqrt(t).
    const double t = looks.by_events() ? double(looks.events[k]) / looks.events.back()
                                       : double(looks.patients[k]) / design.sample_size;
    const double theta = z / std::sqrt(t);
    const double needed = looks.boundaries.efficacy_z.back() - z * std::sqrt(t) - theta * (1.0 - t);
    const double cp = 0.5 * std::erfc(needed / std::sqrt(1.0 - t) / std::sqrt(2.0));
    if (cp < looks.futility_cp) return LookVerdict::futility;
  }
  return LookVerdict::continue_trial;
}

SequentialMonitor::SequentialMonitor(const Design& design)
    : design_(design), target_(static_cast<std::uint32_t>(design.sample_size)) {}

bool SequentialMonitor::after_enrolment(const ReplicateResult& r) {
  if (const auto& re = design_.reestimation;
      re && r.enrolled == static_cast<std::uint32_t>(re->interim_patients)) {
    interim_done_ = true;
    stage1_z_ = interim_z(design_, r);
    stage1_counts_ = primary_counts(design_, r);
    target_ = reestimated_sample_size(design_, stage1_z_);
    decision_.increased = target_ > static_cast<std::uint32_t>(design_.sample_size);
  }
  const auto& looks = design_.looks;
  if (stopped_ || !looks || looks->by_events() ||
      r.enrolled != static_cast<std::uint32_t>(looks->patients[next_look_]))
    return false;
  const std::size_t k = next_look_++;
  decision_.look = static_cast<std::uint8_t>(k);
  const LookVerdict verdict = interim_decision(design_, k, interim_z(design_, r));
  decision_.efficacy = verdict == LookVerdict::efficacy;
  decision_.futility = verdict == LookVerdict::futility;
  decision_.harm = verdict == LookVerdict::harm;
  stopped_ = verdict != LookVerdict::continue_trial;
  return stopped_;
}

void SequentialMonitor::finish(const ReplicateResult& r) {
  if (!interim_done_) return;
  // Inverse-normal combination with the planned weights (Cui-Hung-Wang).
  const TwoArmCounts all = primary_counts(design_, r);
  const TwoArmCounts& first = stage1_counts_;
  const TwoArmCounts second{all.x_treatment - first.x_treatment,
                            all.n_treatment - first.n_treatment, all.x_control - first.x_control,
                            all.n_control - first.n_control};
  const double w1 = std::sqrt(double(design_.reestimation->interim_patients) / design_.sample_size);
  const double w2 = std::sqrt(1.0 - w1 * w1);
  const double z2 =
      design_.analysis.test == TestKind::unpooled_z ? unpooled_z(second) : pooled_z(second);
  decision_.efficacy = w1 * stage1_z_ + w2 * z2 >= design_.analysis.critical_z;
}

// The primary estimate adjusted for early stopping by the stage-wise ordering:
// the drift's median-unbiased estimate and 95% limits at the stopping look,
// times sqrt(t_k) times the z statistic's standard error there.
void adjust_for_stopping(const Design& design, ReplicateResult& r) {
  HypothesisResult& h = r.hypotheses[0];
  h.adjusted_difference = h.difference;
  h.adjusted_ci_low = h.ci_low;
  h.adjusted_ci_high = h.ci_high;
  if (r.futility_stop || h.failed) return; // no ordering of futility stops: unadjusted
  const TwoArmCounts c = primary_counts(design, r);
  if (c.n_treatment == 0 || c.n_control == 0) return;
  const double pt = double(c.x_treatment) / c.n_treatment, pc = double(c.x_control) / c.n_control;
  const double pooled = double(c.x_treatment + c.x_control) / (c.n_treatment + c.n_control);
  const double se =
      design.analysis.test == TestKind::unpooled_z
          ? std::sqrt(pt * (1 - pt) / c.n_treatment + pc * (1 - pc) / c.n_control)
          : std::sqrt(pooled * (1 - pooled) * (1.0 / c.n_treatment + 1.0 / c.n_control));
  if (!(se > 0.0)) return;
  const std::size_t k = r.stop_look;
  const Looks& looks = *design.looks;
  const DriftInference d = looks.stagewise->get().infer(k, interim_z(design, r));
  const double scale = std::sqrt(looks.boundaries.information[k]) * se;
  // The test counts survivors for the death endpoint: report mortality.
  const double sign = design.analysis.endpoint == PrimaryEndpoint::death ? -1.0 : 1.0;
  h.adjusted_difference = sign * d.median * scale;
  h.adjusted_ci_low = sign > 0 ? d.low * scale : -d.high * scale;
  h.adjusted_ci_high = sign > 0 ? d.high * scale : -d.low * scale;
}

void decide(const Design& design, const SequentialDecision& sequential, ReplicateResult& r) {
  r.stop_look = sequential.look;
  r.efficacy_stop = sequential.efficacy;
  r.futility_stop = sequential.futility;
  r.harm_stop = sequential.harm;
  if (sequential.harm) r.hypotheses[0].harm_look = sequential.look;
  r.increased = sequential.increased;
  // Looks or the re-estimation's combination test decide the primary
  // hypothesis; otherwise the analysis's multiplicity procedure has.
  if (design.looks || design.reestimation) r.hypotheses[0].reject = sequential.efficacy;
  if (design.looks && design.looks->stagewise) adjust_for_stopping(design, r);
}

} // namespace sepsim

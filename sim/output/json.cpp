#include "sepsim/output/json.hpp"

#include "sepsim/output/json_writer.hpp"
#include "sepsim/scenario/looks.hpp"

#include <cmath>

namespace sepsim {

namespace {

// The hand-written documents of `boundaries` and `size` printed their
// numbers with ten significant digits; they keep that form.
constexpr int kDigits = 10;

void put(Json& node, const std::string& path, const Estimate& e) {
  node.at(path) = json_number(e.value);
  node.at(path + "_mcse") = json_number(e.mcse);
}

// Takes copies: for_each_estimate visits mutable summaries.
Json hypothesis_json(HypothesisSummary h) {
  Json hj;
  hj.at("name") = json_text(h.name);
  hj.at("treatment_arm") = json_text(h.treatment_arm);
  hj.at("control_arm") = json_text(h.control_arm);
  hj.at("labels") = json_text(h.labels);
  for_each_estimate(h, [&](const std::string& path, const Estimate& e) { put(hj, path, e); });
  return hj;
}

Json arm_json(ArmSummary a) {
  Json aj;
  aj.at("name") = json_text(a.name);
  aj.at("policy") = json_text(a.policy);
  for_each_estimate(a, [&](const std::string& path, const Estimate& e) { put(aj, path, e); });
  return aj;
}

Json design_json(DesignSummary d) {
  Json dj;
  dj.at("name") = json_text(d.name);
  if (!d.label.empty())
    dj.at("label") = json_text(d.label); // only when set: older output unchanged
  dj.at("treatment_arm") = json_text(d.treatment_arm);
  dj.at("control_arm") = json_text(d.control_arm);
  dj.at("test") = json_text(d.test);
  dj.at("endpoint") = json_text(d.endpoint);
  dj.at("multiplicity") = json_text(d.multiplicity);
  dj.at("alpha") = json_number(d.alpha);
  dj.at("sided") = json_number(d.sided);
  dj.at("sample_size") = json_number(d.sample_size);
  for_each_estimate(d, [&](const std::string& path, const Estimate& e) { put(dj, path, e); });
  dj.at("reject_per_look") = json_numbers(d.reject_per_look);
  dj.at("futility_per_look") = json_numbers(d.futility_per_look);
  if (d.has_harm) dj.at("harm_per_look") = json_numbers(d.harm_per_look);
  if (!d.look_patients.empty() || !d.look_events.empty()) {
    if (d.look_events.empty())
      dj.at("looks/patients") = json_numbers(d.look_patients);
    else
      dj.at("looks/events") = json_numbers(d.look_events);
    dj.at("looks/efficacy_z") = json_numbers(d.efficacy_z);
    dj.at("looks/futility_z") = json_numbers(d.futility_z);
    if (d.has_harm) dj.at("looks/harm_z") = json_numbers(d.harm_z);
  }
  Json::Array hypotheses;
  for (const HypothesisSummary& h : d.hypotheses)
    hypotheses.push_back(hypothesis_json(h));
  dj.at("hypotheses") = Json{std::move(hypotheses)};
  Json::Array arms;
  for (const ArmSummary& a : d.arms)
    arms.push_back(arm_json(a));
  dj.at("arms") = Json{std::move(arms)};
  return dj;
}

Json point_json(const PointSummary& point) {
  Json pj;
  pj.at("params") = Json{Json::Object{}};
  for (const auto& [key, value] : point.params)
    pj.at("params").member(key) = json_number(value);
  Json::Array designs;
  for (const DesignSummary& d : point.designs)
    designs.push_back(design_json(d));
  pj.at("designs") = Json{std::move(designs)};
  Json::Array comparisons;
  for (const DesignComparison& c : point.comparisons) {
    Json cj;
    cj.at("design_a") = json_text(c.design_a);
    cj.at("design_b") = json_text(c.design_b);
    put(cj, "power_difference", c.power_difference);
    comparisons.push_back(std::move(cj));
  }
  pj.at("comparisons") = Json{std::move(comparisons)};
  return pj;
}

} // namespace

std::string to_json(const RunSummary& summary) {
  const Provenance& p = summary.provenance;
  Json doc;
  doc.at("sepsim_version") = json_text(p.sepsim_version);
  doc.at("git_commit") = json_text(p.git_commit);
  doc.at("generator_version") = json_integer(p.generator_version);
  doc.at("seed") = json_unsigned(p.seed);
  doc.at("replicates") = json_unsigned(p.replicates);
  doc.at("scenario") = json_text(p.scenario_name);
  doc.at("null_hypothesis") = json_bool(p.null_hypothesis);
  Json::Array points;
  for (const PointSummary& point : summary.points)
    points.push_back(point_json(point));
  doc.at("points") = Json{std::move(points)};
  return to_text(doc);
}

std::string to_json(const BoundariesQuery& query, const Boundaries& b) {
  Json doc;
  doc.at("looks") = json_integer(query.looks);
  doc.at("alpha") = json_number(query.alpha, 6); // an iostream's default precision
  doc.at("sided") = json_integer(query.sided);
  doc.at("spending") = json_text(query.spending);
  doc.at("binding_futility") = json_bool(query.binding_futility);
  doc.at("information") = json_numbers(b.information, kDigits);
  doc.at("efficacy_z") = json_numbers(b.efficacy_z, kDigits);
  doc.at("futility_z") = json_numbers(b.futility_z, kDigits);
  doc.at("alpha_spent") = json_numbers(b.alpha_spent, kDigits);
  doc.at("nominal_p") = json_numbers(b.nominal_p, kDigits);
  if (!b.harm_z.empty()) doc.at("harm_z") = json_numbers(b.harm_z, kDigits);
  doc.at("drift") = json_number(b.drift, kDigits);
  doc.at("inflation") = json_number(b.inflation, kDigits);
  return to_text(doc);
}

std::string to_json(const SizeAnswer& a) {
  Json doc;
  doc.at("design") = json_text(a.design);
  doc.at("target_power") = json_number(a.target_power, 6); // an iostream's default precision
  doc.at("replicates") = json_unsigned(a.replicates);
  doc.at("sample_size") = json_integer(a.sample_size);
  doc.at("power") = json_number(a.power.value, kDigits);
  doc.at("power_mcse") = json_number(a.power.mcse, kDigits);
  // null: no grid point below the answer, or no two-arm normal approximation.
  auto finite = [](double x) {
    return std::isfinite(x) ? json_number(x, kDigits) : json_literal("null");
  };
  doc.at("power_below") = finite(a.power_below);
  doc.at("analytic_sample_size") = finite(a.analytic_sample_size);
  return to_text(doc);
}

} // namespace sepsim

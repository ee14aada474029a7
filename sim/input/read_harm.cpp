// Harm (lower) bounds of group-sequential looks ([designs.NAME.looks]):
// fixed bounds (`harm_z`, one per look), the mirrored bounds of a one-sided
// design spending `harm_alpha` (`harm_spending`), or none (`harm = "none"`).
// Two-sided designs default to the symmetric bounds -efficacy_z.
#include "read.hpp"

#include "sepsim/stats/boundaries.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace sepsim::input {

namespace {

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", v);
  return text;
}

// Each bound below its look's efficacy bound; false (reported) otherwise.
bool below_efficacy(Reader& r, const toml::node& node, const std::string& key,
                    const std::vector<double>& harm, const Boundaries& b) {
  for (std::size_t k = 0; k < harm.size(); ++k)
    if (!(harm[k] < b.efficacy_z[k])) {
      r.problem(node, key,
                "look " + std::to_string(k + 1) + "'s harm bound (" + number_text(harm[k]) +
                    ") must lie below its efficacy bound (" + number_text(b.efficacy_z[k]) + ")");
      return false;
    }
  return true;
}

// harm_z: one bound per look, each a number within [-10, 10] or -inf (none at
// that look), below the look's efficacy bound.
std::vector<double> fixed_harm(Reader& r, const toml::node& node, const std::string& key,
                               const Boundaries& b) {
  const toml::array* a = node.as_array();
  const std::size_t looks = b.efficacy_z.size();
  if (a == nullptr || a->size() != looks) {
    r.problem(node, key,
              "must list one harm bound per look (" + std::to_string(looks) +
                  "), -inf where a look has none");
    return {};
  }
  std::vector<double> harm;
  for (const auto& e : *a) {
    const auto v = e.value<double>();
    const bool ok = e.is_number() && v &&
                    (*v == -std::numeric_limits<double>::infinity() ||
                     (std::isfinite(*v) && std::abs(*v) <= 10.0));
    if (!ok) {
      r.problem(node, key, "harm bounds must be numbers within [-10, 10], or -inf for none");
      return {};
    }
    harm.push_back(*v);
  }
  return below_efficacy(r, node, key, harm, b) ? harm : std::vector<double>{};
}

// harm_spending: the bounds -c_k of a one-sided design spending harm_alpha on
// the same information fractions.
std::vector<double> spent_harm(Reader& r, const toml::node& node, const std::string& key,
                               const std::string& text, double alpha,
                               const std::vector<double>& information, const Boundaries& b) {
  BoundaryRequest request;
  request.information = information;
  request.alpha = alpha;
  request.sided = 1;
  std::vector<double> harm;
  try {
    request.efficacy = parse_spending(text);
    for (const double c : compute_boundaries(request).efficacy_z)
      harm.push_back(-c);
  } catch (const BoundaryError& e) {
    r.problem(node, key, e.what());
    return {};
  }
  return below_efficacy(r, node, key, harm, b) ? harm : std::vector<double>{};
}

} // namespace

void read_harm(Reader& r, const toml::table& t, const std::string& path,
               const std::vector<double>& information, const Design& d, Boundaries& b) {
  const toml::node* fixed = r.find(t, "harm_z", path, false);
  const auto spending = r.string(t, "harm_spending", path, {}, false);
  const auto mode = r.string(t, "harm", path, {"none", "symmetric"}, false);
  double alpha = d.analysis.alpha / d.analysis.sided;
  const auto harm_alpha = r.number(
      t, "harm_alpha", path,
      [](double v) { return (v > 0.0 && v < 0.5) ? std::string() : "must lie in (0, 0.5)"; },
      false);
  if (harm_alpha) alpha = *harm_alpha;
  bool ok = true;
  auto refuse = [&](std::string_view a, std::string_view b_key, const std::string& rule) {
    r.problem(r.conflict(t, a, b_key), path + "." + std::string(b_key), "", rule);
    ok = false;
  };
  if (fixed && spending)
    refuse("harm_z", "harm_spending", "give harm bounds by harm_z or by harm_spending, not both");
  if (mode && (fixed || spending))
    refuse(fixed ? "harm_z" : "harm_spending", "harm",
           "harm = \"" + *mode + "\" sets the harm bounds itself: drop harm_z and harm_spending");
  if (harm_alpha && !spending) {
    r.problem(*t.get("harm_alpha"), path + ".harm_alpha",
              "harm_alpha is the one-sided alpha spent by harm_spending: set harm_spending too");
    ok = false;
  }
  if (!ok) return;
  if (fixed)
    b.harm_z = fixed_harm(r, *fixed, path + ".harm_z", b);
  else if (spending)
    b.harm_z = spent_harm(r, *t.get("harm_spending"), path + ".harm_spending", *spending, alpha,
                          information, b);
  else if (mode ? *mode == "symmetric" : d.analysis.sided == 2)
    for (const double c : b.efficacy_z)
      b.harm_z.push_back(-c);
}

} // namespace sepsim::input

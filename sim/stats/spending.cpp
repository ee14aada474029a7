// Spending functions: parsing their names and parameters, and the
// cumulative alpha (or beta) they spend.
#include "sepsim/stats/boundaries.hpp"

#include "sepsim/core/numbers.hpp"

#include <boost/math/distributions/normal.hpp>

#include <cmath>
#include <sstream>

namespace sepsim {

namespace {

std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

double upper(double x) {
  return 0.5 * std::erfc(x * 0.7071067811865476);
}

double z_upper(double p) {
  return boost::math::quantile(boost::math::complement(boost::math::normal(), p));
}

} // namespace

SpendingSpec parse_spending(const std::string& text) {
  SpendingSpec s;
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  auto parse = [&](const std::string& item) {
    if (const auto v = parse_finite(item)) return *v;
    throw BoundaryError("spending " + text + ": '" + item + "' is not a finite number");
  };
  // PARAMETER within [lo, hi] (lo excluded when open).
  auto number = [&](double lo, double hi, bool open, const char* form) {
    const double v = parse(arg);
    if (!((open ? v > lo : v >= lo) && v <= hi))
      throw BoundaryError("spending " + text + ": " + form + " needs the parameter within " +
                          (open ? "(" : "[") + number_text(lo) + ", " + number_text(hi) + "]");
    return v;
  };
  if (name == "obf" || name == "asOF")
    s.family = BoundaryFamily::spending_obrien_fleming;
  else if (name == "pocock" || name == "asP")
    s.family = BoundaryFamily::spending_pocock;
  else if (name == "kd" || name == "asKD") {
    s.family = BoundaryFamily::spending_kim_demets;
    s.parameter = number(0.0, 100.0, true, "kd:RHO");
  } else if (name == "hsd" || name == "asHSD") {
    s.family = BoundaryFamily::spending_hwang_shih_decani;
    s.parameter = number(-40.0, 40.0, false, "hsd:GAMMA");
  } else if (name == "user") {
    s.family = BoundaryFamily::spending_user;
    std::stringstream in(arg);
    std::string item;
    while (std::getline(in, item, ','))
      s.user_spent.push_back(parse(item));
    if (s.user_spent.empty())
      throw BoundaryError("spending user:a1,...,aK needs the cumulative alpha at each look");
  } else if (name == "OF")
    s.family = BoundaryFamily::obrien_fleming;
  else if (name == "P")
    s.family = BoundaryFamily::pocock;
  else if (name == "WT") {
    s.family = BoundaryFamily::wang_tsiatis;
    // Wang & Tsiatis (1987): 0 is O'Brien-Fleming, 0.5 Pocock; rpact allows [-0.5, 1].
    s.parameter = number(-0.5, 1.0, false, "WT:DELTA");
  } else if (name == "HP")
    s.family = BoundaryFamily::haybittle_peto;
  else
    throw BoundaryError("unknown spending '" + text +
                        "': use obf, pocock, kd:RHO, hsd:GAMMA, user:a1,...,aK (Lan-DeMets "
                        "spending) or OF, P, WT:DELTA, HP (classical boundaries)");
  if (colon != std::string::npos &&
      (name == "obf" || name == "pocock" || name == "OF" || name == "P" || name == "HP" ||
       name == "asOF" || name == "asP"))
    throw BoundaryError("spending " + name + " takes no parameter");
  return s;
}

std::string spending_name(const SpendingSpec& s) {
  std::ostringstream out;
  switch (s.family) {
  case BoundaryFamily::spending_obrien_fleming:
    return "obf";
  case BoundaryFamily::spending_pocock:
    return "pocock";
  case BoundaryFamily::spending_kim_demets:
    out << "kd:" << s.parameter;
    return out.str();
  case BoundaryFamily::spending_hwang_shih_decani:
    out << "hsd:" << s.parameter;
    return out.str();
  case BoundaryFamily::spending_user:
    return "user";
  case BoundaryFamily::obrien_fleming:
    return "OF";
  case BoundaryFamily::pocock:
    return "P";
  case BoundaryFamily::wang_tsiatis:
    out << "WT:" << s.parameter;
    return out.str();
  case BoundaryFamily::haybittle_peto:
    return "HP";
  }
  return "?";
}

double spent(const SpendingSpec& s, double total, double t, std::size_t look) {
  if (t >= 1.0 && s.family != BoundaryFamily::spending_user) return total;
  switch (s.family) {
  case BoundaryFamily::spending_obrien_fleming:
    return 2.0 * upper(z_upper(total / 2.0) / std::sqrt(t));
  case BoundaryFamily::spending_pocock:
    return total * std::log(1.0 + (std::exp(1.0) - 1.0) * t);
  case BoundaryFamily::spending_kim_demets:
    return total * std::pow(t, s.parameter);
  case BoundaryFamily::spending_hwang_shih_decani:
    if (s.parameter == 0.0) return total * t;
    return total * (1.0 - std::exp(-s.parameter * t)) / (1.0 - std::exp(-s.parameter));
  case BoundaryFamily::spending_user:
    return look < s.user_spent.size() ? s.user_spent[look] : total;
  default:
    throw BoundaryError("not a spending function: " + spending_name(s));
  }
}

} // namespace sepsim

#include "sepsim/stats/boundaries.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/roots.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <sstream>

namespace sepsim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr int kGridPoints = 201; // odd, for Simpson's rule
constexpr double kTail = 8.5;    // grid half-width in standard deviations

const boost::math::normal& standard_normal() {
  static const boost::math::normal n;
  return n;
}
// The inner loops evaluate these ~10^6 times a boundary: the C library's exp
// and erfc, not Boost's policy-checked versions (10x slower here).
constexpr double kInvSqrt2Pi = 0.3989422804014327;
constexpr double kInvSqrt2 = 0.7071067811865476;
double phi(double x) {
  return kInvSqrt2Pi * std::exp(-0.5 * x * x);
}
double Phi(double x) {
  return 0.5 * std::erfc(-x * kInvSqrt2);
}
double upper(double x) {
  return 0.5 * std::erfc(x * kInvSqrt2);
}
double z_upper(double p) {
  return boost::math::quantile(boost::math::complement(standard_normal(), p));
}

// The sub-density of Z_k on the continuation region of look k (mass of the
// paths that have not stopped), on a grid with Simpson weights.
struct Stage {
  double t = 0;                  // information fraction of this look
  std::vector<double> z, weight; // grid points and Simpson weight x density
};

Stage first_stage(double t, double lo_bound, double hi_bound, double drift) {
  const double mean = drift * std::sqrt(t);
  const double lo = std::max(lo_bound, mean - kTail), hi = std::min(hi_bound, mean + kTail);
  Stage s;
  s.t = t;
  if (!(hi > lo)) return s;
  const double h = (hi - lo) / (kGridPoints - 1);
  for (int i = 0; i < kGridPoints; ++i) {
    const double z = lo + i * h;
    const double simpson = (i == 0 || i == kGridPoints - 1) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    s.z.push_back(z);
    s.weight.push_back(simpson * h / 3.0 * phi(z - mean));
  }
  return s;
}

// Increment of the score S = Z sqrt(t) from the previous look to t:
// N(drift dt, dt). Returns P(not stopped before, Z_t > c) (upper) or < c.
double exit_above(const Stage& previous, double t, double c, double drift) {
  if (previous.z.empty()) return 0.0;
  const double dt = t - previous.t, sd = std::sqrt(dt);
  double p = 0.0;
  for (std::size_t i = 0; i < previous.z.size(); ++i)
    p += previous.weight[i] *
         upper((c * std::sqrt(t) - previous.z[i] * std::sqrt(previous.t) - drift * dt) / sd);
  return p;
}
double exit_below(const Stage& previous, double t, double c, double drift) {
  if (previous.z.empty()) return 0.0;
  const double dt = t - previous.t, sd = std::sqrt(dt);
  double p = 0.0;
  for (std::size_t i = 0; i < previous.z.size(); ++i)
    p += previous.weight[i] *
         Phi((c * std::sqrt(t) - previous.z[i] * std::sqrt(previous.t) - drift * dt) / sd);
  return p;
}

Stage next_stage(const Stage& previous, double t, double lo_bound, double hi_bound, double drift) {
  const double mean = drift * std::sqrt(t);
  const double lo = std::max(lo_bound, mean - kTail), hi = std::min(hi_bound, mean + kTail);
  Stage s;
  s.t = t;
  if (!(hi > lo) || previous.z.empty()) return s;
  const double dt = t - previous.t, sd = std::sqrt(dt);
  const double h = (hi - lo) / (kGridPoints - 1);
  for (int i = 0; i < kGridPoints; ++i) {
    const double z = lo + i * h;
    double density = 0.0;
    for (std::size_t j = 0; j < previous.z.size(); ++j)
      density += previous.weight[j] *
                 phi((z * std::sqrt(t) - previous.z[j] * std::sqrt(previous.t) - drift * dt) / sd);
    density *= std::sqrt(t) / sd;
    const double simpson = (i == 0 || i == kGridPoints - 1) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    s.z.push_back(z);
    s.weight.push_back(simpson * h / 3.0 * density);
  }
  return s;
}

// P(first look's Z > c) or below, with the first look handled like the others.
double first_exit_above(double t, double c, double drift) {
  return upper(c - drift * std::sqrt(t));
}
double first_exit_below(double t, double c, double drift) {
  return Phi(c - drift * std::sqrt(t));
}

double exit_up(const Stage* previous, double t, double c, double drift) {
  return previous == nullptr ? first_exit_above(t, c, drift) : exit_above(*previous, t, c, drift);
}
double exit_down(const Stage* previous, double t, double c, double drift) {
  return previous == nullptr ? first_exit_below(t, c, drift) : exit_below(*previous, t, c, drift);
}

// Solves f(c) = target for a decreasing f on [lo, hi] by TOMS 748.
template <class F> double solve_decreasing(F f, double target, double lo, double hi) {
  auto g = [&](double c) { return f(c) - target; };
  if (g(lo) < 0) return lo;
  if (g(hi) > 0) return hi;
  std::uintmax_t iterations = 200;
  const auto r = boost::math::tools::toms748_solve(
      g, lo, hi, boost::math::tools::eps_tolerance<double>(45), iterations);
  return 0.5 * (r.first + r.second);
}

bool is_spending(BoundaryFamily f) {
  return f == BoundaryFamily::spending_obrien_fleming || f == BoundaryFamily::spending_pocock ||
         f == BoundaryFamily::spending_kim_demets ||
         f == BoundaryFamily::spending_hwang_shih_decani || f == BoundaryFamily::spending_user;
}

// Walks the looks under a drift: at each look, `choose` may fix the bounds
// (given the previous stage), then the exits are recorded and the
// continuation region (lower, upper) carried on. Lower bound -inf: none.
struct Walk {
  std::vector<double> up, down; // exit probabilities per look
};

template <class Choose> Walk walk(const std::vector<double>& t, double drift, Choose&& choose) {
  Walk w;
  std::optional<Stage> previous;
  for (std::size_t k = 0; k < t.size(); ++k) {
    const Stage* p = previous ? &*previous : nullptr;
    const auto [lower, upper_bound] = choose(k, p);
    w.up.push_back(upper_bound == kInf ? 0.0 : exit_up(p, t[k], upper_bound, drift));
    w.down.push_back(lower == -kInf ? 0.0 : exit_down(p, t[k], lower, drift));
    Stage next = p == nullptr ? first_stage(t[k], lower, upper_bound, drift)
                              : next_stage(*p, t[k], lower, upper_bound, drift);
    previous = std::move(next);
  }
  return w;
}

// Efficacy bound of look k spending `increment` under H0, given the stage
// before it; the two-sided case spends the same in each tail.
double spend_increment(const Stage* previous, double t, double increment) {
  if (increment <= 0.0) return kInf;
  const double c = solve_decreasing([&](double x) { return exit_up(previous, t, x, 0.0); },
                                    increment, -10.0, 38.0);
  return c >= 38.0 ? kInf : c;
}

// Efficacy bounds from cumulative one-sided alpha (per tail when sided = 2).
// With binding futility the continuation region is (f_k, c_k).
std::vector<double> efficacy_from_spending(const std::vector<double>& t,
                                           const std::vector<double>& cumulative,
                                           const std::vector<double>& futility, int sided) {
  std::vector<double> c(t.size());
  walk(t, 0.0, [&](std::size_t k, const Stage* previous) {
    c[k] = spend_increment(previous, t[k], cumulative[k] - (k ? cumulative[k - 1] : 0.0));
    const double lower = sided == 2 ? -c[k] : futility[k];
    return std::pair{lower, c[k]};
  });
  return c;
}

// Classical bounds c_k = C w_k (or Haybittle-Peto: 3, ..., 3, C), C such that
// the one-sided alpha crossed under H0 is `alpha`.
std::vector<double> classical_efficacy(const std::vector<double>& t, const SpendingSpec& spec,
                                       double alpha, const std::vector<double>& futility,
                                       int sided) {
  auto shape = [&](double C) {
    std::vector<double> c(t.size());
    for (std::size_t k = 0; k < t.size(); ++k) {
      switch (spec.family) {
      case BoundaryFamily::obrien_fleming:
        c[k] = C / std::sqrt(t[k]);
        break;
      case BoundaryFamily::pocock:
        c[k] = C;
        break;
      case BoundaryFamily::wang_tsiatis:
        c[k] = C * std::pow(t[k], spec.parameter - 0.5);
        break;
      default:
        c[k] = k + 1 < t.size() ? 3.0 : C;
        break; // Haybittle-Peto
      }
    }
    return c;
  };
  auto crossed = [&](double C) {
    const std::vector<double> c = shape(C);
    const Walk w = walk(t, 0.0, [&](std::size_t k, const Stage*) {
      return std::pair{sided == 2 ? -c[k] : futility[k], c[k]};
    });
    double total = 0.0;
    for (const double p : w.up)
      total += p;
    return total;
  };
  return shape(solve_decreasing(crossed, alpha, 0.0, 15.0));
}

} // namespace

Crossing crossing_probabilities(const std::vector<double>& information,
                                const std::vector<double>& efficacy_z,
                                const std::vector<double>& futility_z, double drift) {
  const Walk w = walk(information, drift, [&](std::size_t k, const Stage*) {
    return std::pair{k < futility_z.size() ? futility_z[k] : -kInf, efficacy_z[k]};
  });
  return {w.up, w.down};
}

namespace {

void check_request(const BoundaryRequest& request) {
  const auto& t = request.information;
  const std::size_t looks = t.size();
  if (looks == 0) throw BoundaryError("at least one look is needed");
  for (std::size_t k = 0; k < looks; ++k)
    if (!(t[k] > (k ? t[k - 1] : 0.0)) || t[k] > 1.0)
      throw BoundaryError("information fractions must increase strictly within (0, 1]");
  if (std::abs(t.back() - 1.0) > 1e-12)
    throw BoundaryError("the last information fraction must be 1");
  if (!(request.alpha > 0.0 && request.alpha < 0.5 * request.sided))
    throw BoundaryError("alpha must lie in (0, 0.5) one-sided or (0, 1) two-sided");
  if (request.sided != 1 && request.sided != 2) throw BoundaryError("sided must be 1 or 2");
  if (request.sided == 2 && request.futility != FutilityKind::none)
    throw BoundaryError("futility bounds are for one-sided designs");
}

// Efficacy bounds spending `alpha` per tail, given the futility bounds that bind.
std::vector<double> efficacy_bounds(const BoundaryRequest& request, double alpha,
                                    const std::vector<double>& futility) {
  const auto& t = request.information;
  if (is_spending(request.efficacy.family)) {
    std::vector<double> cumulative;
    for (std::size_t k = 0; k < t.size(); ++k)
      cumulative.push_back(spent(request.efficacy, alpha, t[k], k));
    return efficacy_from_spending(t, cumulative, futility, request.sided);
  }
  return classical_efficacy(t, request.efficacy, alpha, futility, request.sided);
}

// Beta spending (gsDesign test.type 4 when non-binding): futility bounds
// spend beta under the drift delta; delta is such that the last futility
// bound meets the last efficacy bound (power 1 - beta).
void beta_spending_bounds(const BoundaryRequest& request, double alpha, Boundaries& b) {
  const auto& t = request.information;
  const std::size_t looks = t.size();
  std::vector<double> futility(looks, -kInf), c(looks);
  if (!request.binding)
    c = efficacy_bounds(request, alpha, std::vector<double>(looks, -kInf)); // fixed under H0
  auto last_gap = [&](double delta) {
    walk(t, delta, [&](std::size_t k, const Stage* previous) {
      if (request.binding) {
        // Binding: the efficacy bound of this look knows the futility so far.
        std::vector<double> cum;
        for (std::size_t j = 0; j <= k; ++j)
          cum.push_back(spent(request.efficacy, alpha, t[j], j));
        c[k] = efficacy_from_spending(
            std::vector<double>(t.begin(), t.begin() + static_cast<long>(k) + 1), cum, futility,
            1)[k];
      }
      const double beta_increment =
          spent(request.futility_spending, request.beta, t[k], k) -
          (k ? spent(request.futility_spending, request.beta, t[k - 1], k - 1) : 0.0);
      futility[k] =
          beta_increment <= 0.0
              ? -kInf
              : -solve_decreasing([&](double x) { return exit_down(previous, t[k], -x, delta); },
                                  beta_increment, -38.0, 10.0);
      if (k + 1 < looks) futility[k] = std::min(futility[k], c[k]);
      return std::pair{futility[k], c[k]};
    });
    return futility.back() - c.back();
  };
  const double fixed = z_upper(alpha) + z_upper(request.beta);
  auto gap = [&](double delta) { return -last_gap(delta); }; // decreasing in delta
  std::uintmax_t iterations = 200;
  const auto root =
      boost::math::tools::toms748_solve([&](double d) { return gap(d); }, 0.5 * fixed, 2.0 * fixed,
                                        boost::math::tools::eps_tolerance<double>(45), iterations);
  b.drift = 0.5 * (root.first + root.second);
  last_gap(b.drift);
  futility.back() = c.back();
  b.efficacy_z = c;
  b.futility_z = futility;
  b.inflation = (b.drift / fixed) * (b.drift / fixed);
}

} // namespace

Boundaries compute_boundaries(const BoundaryRequest& request) {
  check_request(request);
  const auto& t = request.information;
  const std::size_t looks = t.size();
  const double alpha = request.alpha / request.sided; // per tail

  Boundaries b;
  b.information = t;
  b.futility_z.assign(looks, -kInf);
  if (request.futility == FutilityKind::fixed_z) {
    if (request.futility_z.size() + 1 != looks && request.futility_z.size() != looks)
      throw BoundaryError("give one futility bound per interim look (" + std::to_string(looks - 1) +
                          ")");
    for (std::size_t k = 0; k + 1 < looks; ++k)
      b.futility_z[k] = request.futility_z[k];
  }
  // Non-binding futility leaves the efficacy bounds as without futility.
  const std::vector<double> binding =
      request.binding ? b.futility_z : std::vector<double>(looks, -kInf);
  if (request.futility != FutilityKind::beta_spending)
    b.efficacy_z = efficacy_bounds(request, alpha, binding);
  else
    beta_spending_bounds(request, alpha, b);

  // Alpha actually spent under H0 (non-binding: ignoring futility), nominal p.
  const Crossing h0 = crossing_probabilities(t, b.efficacy_z, binding, 0.0);
  double cumulative = 0.0;
  for (std::size_t k = 0; k < looks; ++k) {
    cumulative += h0.reject[k] * request.sided;
    b.alpha_spent.push_back(cumulative);
    b.nominal_p.push_back(upper(b.efficacy_z[k]));
  }
  return b;
}

SpendingSpec parse_spending(const std::string& text) {
  SpendingSpec s;
  const auto colon = text.find(':');
  const std::string name = text.substr(0, colon);
  const std::string arg = colon == std::string::npos ? "" : text.substr(colon + 1);
  auto number = [&]() {
    try {
      std::size_t used = 0;
      const double v = std::stod(arg, &used);
      if (used != arg.size()) throw std::invalid_argument("");
      return v;
    } catch (const std::exception&) {
      throw BoundaryError("spending " + text + ": '" + arg + "' is not a number");
    }
  };
  if (name == "obf" || name == "asOF")
    s.family = BoundaryFamily::spending_obrien_fleming;
  else if (name == "pocock" || name == "asP")
    s.family = BoundaryFamily::spending_pocock;
  else if (name == "kd" || name == "asKD") {
    s.family = BoundaryFamily::spending_kim_demets;
    s.parameter = number();
    if (!(s.parameter > 0)) throw BoundaryError("spending kd:RHO needs RHO > 0");
  } else if (name == "hsd" || name == "asHSD") {
    s.family = BoundaryFamily::spending_hwang_shih_decani;
    s.parameter = number();
  } else if (name == "user") {
    s.family = BoundaryFamily::spending_user;
    std::stringstream in(arg);
    std::string item;
    while (std::getline(in, item, ','))
      s.user_spent.push_back(std::stod(item));
    if (s.user_spent.empty())
      throw BoundaryError("spending user:a1,...,aK needs the cumulative alpha at each look");
  } else if (name == "OF")
    s.family = BoundaryFamily::obrien_fleming;
  else if (name == "P")
    s.family = BoundaryFamily::pocock;
  else if (name == "WT") {
    s.family = BoundaryFamily::wang_tsiatis;
    s.parameter = number();
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

#include "sepsim/stats/boundaries.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/tools/roots.hpp>
#include <oneapi/tbb/parallel_for.h>

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
constexpr std::size_t kMaxLooks = 20;

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

// parallel: the grid points on the caller's oneTBB threads (the stage-wise
// tables, filled during a run); boundaries are computed on the calling thread
// alone (at scenario load, before the run's --threads apply).
Stage next_stage(const Stage& previous, double t, double lo_bound, double hi_bound, double drift,
                 bool parallel = false) {
  const double mean = drift * std::sqrt(t);
  const double lo = std::max(lo_bound, mean - kTail), hi = std::min(hi_bound, mean + kTail);
  Stage s;
  s.t = t;
  if (!(hi > lo) || previous.z.empty()) return s;
  const double dt = t - previous.t, sd = std::sqrt(dt);
  const double h = (hi - lo) / (kGridPoints - 1);
  s.z.resize(kGridPoints);
  s.weight.resize(kGridPoints);
  // Each grid point on its own (in parallel or not: the same sums in the same order).
  const auto point = [&](int i) {
    const double z = lo + i * h;
    double density = 0.0;
    for (std::size_t j = 0; j < previous.z.size(); ++j)
      density += previous.weight[j] *
                 phi((z * std::sqrt(t) - previous.z[j] * std::sqrt(previous.t) - drift * dt) / sd);
    density *= std::sqrt(t) / sd;
    const double simpson = (i == 0 || i == kGridPoints - 1) ? 1.0 : (i % 2 ? 4.0 : 2.0);
    s.z[i] = z;
    s.weight[i] = simpson * h / 3.0 * density;
  };
  if (parallel)
    oneapi::tbb::parallel_for(0, kGridPoints, point);
  else
    for (int i = 0; i < kGridPoints; ++i)
      point(i);
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

// The stages before each look k >= 1 (the continuation region of look k - 1)
// and the crossing probabilities before each look, in one walk.
struct StagewiseWalk::Stages {
  std::vector<Stage> before; // before[k - 1]: the stage of look k - 1
};

StagewiseWalk::StagewiseWalk(const std::vector<double>& information,
                             const std::vector<double>& efficacy_z, double drift)
    : stages_(std::make_unique<Stages>()), crossed_(information.size()), t_(information),
      drift_(drift) {
  double crossed = 0.0;
  for (std::size_t k = 0; k < information.size(); ++k) {
    crossed_[k] = crossed;
    if (k + 1 == information.size()) break;
    const Stage* p = k > 0 ? &stages_->before[k - 1] : nullptr;
    crossed += exit_up(p, information[k], efficacy_z[k], drift);
    Stage next = p == nullptr ? first_stage(information[k], -kInf, efficacy_z[k], drift)
                              : next_stage(*p, information[k], -kInf, efficacy_z[k], drift,
                                           /*parallel=*/true);
    stages_->before.push_back(std::move(next));
  }
}

StagewiseWalk::~StagewiseWalk() = default;

double StagewiseWalk::tail(std::size_t k, double z) const {
  return exit_up(&stages_->before[k - 1], t_[k], z, drift_);
}

namespace {

std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// The cumulative alpha of user spending: one value per look, within [0, 1],
// never decreasing, ending at the one-sided alpha per tail.
void check_user_spending(const SpendingSpec& s, std::size_t looks, double alpha) {
  if (s.user_spent.size() != looks)
    throw BoundaryError("spending user:a1,...,aK gives " + std::to_string(s.user_spent.size()) +
                        " values for " + std::to_string(looks) +
                        " looks: give the cumulative alpha at each look");
  for (std::size_t k = 0; k < looks; ++k)
    if (!(s.user_spent[k] >= (k ? s.user_spent[k - 1] : 0.0)))
      throw BoundaryError("spending user:a1,...,aK: the cumulative alpha must be >= 0 and "
                          "never decrease from look to look");
  if (std::abs(s.user_spent.back() - alpha) > 1e-9 * alpha)
    throw BoundaryError("spending user:a1,...,aK: the cumulative alpha must end at the one-sided "
                        "alpha per tail, " +
                        number_text(alpha) + " (alpha / sided), not " +
                        number_text(s.user_spent.back()));
}

void check_request(const BoundaryRequest& request) {
  const auto& t = request.information;
  const std::size_t looks = t.size();
  if (looks == 0) throw BoundaryError("at least one look is needed");
  if (looks > kMaxLooks)
    throw BoundaryError("at most " + std::to_string(kMaxLooks) + " looks (" +
                        std::to_string(looks) + " given)");
  for (std::size_t k = 0; k < looks; ++k)
    if (!(t[k] > (k ? t[k - 1] : 0.0)) || t[k] > 1.0)
      throw BoundaryError("information fractions must increase strictly within (0, 1]");
  if (std::abs(t.back() - 1.0) > 1e-12)
    throw BoundaryError("the last information fraction must be 1");
  if (request.sided != 1 && request.sided != 2) throw BoundaryError("sided must be 1 or 2");
  if (!(request.alpha > 0.0 && request.alpha < 0.5 * request.sided))
    throw BoundaryError("alpha must lie in (0, 0.5) one-sided or (0, 1) two-sided");
  if (request.sided == 2 && request.futility != FutilityKind::none)
    throw BoundaryError("futility bounds are for one-sided designs");
  if (request.efficacy.family == BoundaryFamily::spending_user)
    check_user_spending(request.efficacy, looks, request.alpha / request.sided);
  if (request.futility == FutilityKind::fixed_z)
    for (const double z : request.futility_z)
      if (!(std::abs(z) <= 10.0))
        throw BoundaryError("futility z bounds must be numbers within [-10, 10], not " +
                            number_text(z));
  if (request.futility == FutilityKind::beta_spending) {
    if (!(request.beta > 0.0 && request.beta < 0.5))
      throw BoundaryError("beta (the type II error spent on futility) must lie in (0, 0.5), not " +
                          number_text(request.beta));
    if (request.binding && !is_spending(request.efficacy.family))
      throw BoundaryError("binding beta spending needs an efficacy spending function (obf, "
                          "pocock, kd:RHO, hsd:GAMMA, user:...), not " +
                          spending_name(request.efficacy));
    if (request.futility_spending.family == BoundaryFamily::spending_user)
      check_user_spending(request.futility_spending, looks, request.beta);
    else if (!is_spending(request.futility_spending.family))
      throw BoundaryError("futility spending must be a spending function (obf, pocock, kd:RHO, "
                          "hsd:GAMMA, user:...), not " +
                          spending_name(request.futility_spending));
  }
}

// The efficacy bounds must spend what was asked: a classical shape that
// cannot reach alpha (its constant pinned at a search limit) is refused.
void check_spent(const BoundaryRequest& request, const Boundaries& b) {
  const double asked = request.alpha, got = b.alpha_spent.back();
  // Binding beta spending: alpha_spent ignores the futility the bounds assume.
  const bool comparable = !(request.binding && request.futility == FutilityKind::beta_spending);
  if (comparable && !(std::abs(got - asked) <= 0.01 * asked))
    throw BoundaryError("efficacy " + spending_name(request.efficacy) + " spends alpha " +
                        number_text(got) + " instead of " + number_text(asked) +
                        ": these boundaries cannot be computed; choose another parameter");
  for (std::size_t k = 0; k + 1 < b.efficacy_z.size(); ++k)
    if (b.futility_z[k] >= b.efficacy_z[k] && request.futility == FutilityKind::fixed_z)
      throw BoundaryError("the futility bound at look " + std::to_string(k + 1) + " (" +
                          number_text(b.futility_z[k]) + ") is not below the efficacy bound (" +
                          number_text(b.efficacy_z[k]) + ")");
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

namespace {

Boundaries compute_checked(const BoundaryRequest& request) {
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

} // namespace

Boundaries compute_boundaries(const BoundaryRequest& request) {
  check_request(request);
  Boundaries b;
  try {
    b = compute_checked(request);
  } catch (const BoundaryError&) {
    throw;
  } catch (const std::exception& e) {
    // Boost's root finders (no sign change, no convergence) on extreme inputs.
    throw BoundaryError("the boundaries could not be computed for efficacy " +
                        spending_name(request.efficacy) +
                        (request.futility == FutilityKind::beta_spending
                             ? ", futility " + spending_name(request.futility_spending) +
                                   ", beta " + number_text(request.beta)
                             : std::string()) +
                        " (" + e.what() + "): use a less extreme spending parameter or beta");
  }
  check_spent(request, b);
  return b;
}

} // namespace sepsim

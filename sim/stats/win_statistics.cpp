#include "sepsim/stats/ordinal.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace sepsim {

namespace {

// Patients sharing one key: t treated and c controls, with cum_t treated and
// cum_c controls in strictly worse keys.
struct TieGroup {
  double t = 0, c = 0, cum_t = 0, cum_c = 0;
};

std::vector<TieGroup> tie_groups(const std::vector<CompositeKey>& keys,
                                 const std::vector<std::uint8_t>& group) {
  std::vector<std::pair<CompositeKey, bool>> sorted(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    sorted[i] = {keys[i], group[i] != 0};
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<TieGroup> groups;
  double cum_t = 0, cum_c = 0;
  for (std::size_t i = 0; i < sorted.size();) {
    TieGroup g{0, 0, cum_t, cum_c};
    const CompositeKey& key = sorted[i].first;
    for (; i < sorted.size() && sorted[i].first == key; ++i)
      (sorted[i].second ? g.t : g.c) += 1;
    cum_t += g.t;
    cum_c += g.c;
    groups.push_back(g);
  }
  return groups;
}

// Sample covariance sums (before dividing by n - 1) of the per-patient shares.
struct Moments {
  double ww = 0, ll = 0, wl = 0;
};

void add(Moments& m, double count, double w, double l) {
  m.ww += count * w * w;
  m.ll += count * l * l;
  m.wl += count * w * l;
}

void set_errors(WinStatistics& s, double var_w, double var_l, double cov_wl) {
  const double pairs = s.wins + s.losses + s.ties;
  const double pw = s.wins / pairs, pl = s.losses / pairs;
  const double var_nb = std::max(0.0, var_w + var_l - 2.0 * cov_wl);
  s.se_net_benefit = std::sqrt(var_nb);
  s.se_door = s.se_net_benefit / 2.0;
  if (s.door > 0 && s.door < 1) s.se_log_win_odds = s.se_door / (s.door * (1.0 - s.door));
  if (pw > 0 && pl > 0) {
    const double v = var_w / (pw * pw) + var_l / (pl * pl) - 2.0 * cov_wl / (pw * pl);
    s.se_log_win_ratio = std::sqrt(std::max(0.0, v));
  }
}

} // namespace

WinStatistics win_statistics(const std::vector<CompositeKey>& keys,
                             const std::vector<std::uint8_t>& group) {
  WinStatistics s;
  s.failed = true;
  if (keys.size() != group.size()) return s;
  for (const auto& key : keys)
    for (const double v : key)
      if (std::isnan(v)) return s;
  const auto groups = tie_groups(keys, group);
  const double n1 = groups.empty() ? 0 : groups.back().cum_t + groups.back().t;
  const double n0 = groups.empty() ? 0 : groups.back().cum_c + groups.back().c;
  if (n1 < 2 || n0 < 2) return s;
  for (const auto& g : groups) {
    s.wins += g.t * g.cum_c;
    s.losses += g.t * (n0 - g.cum_c - g.c);
    s.ties += g.t * g.c;
  }
  const double pairs = n1 * n0, pw = s.wins / pairs, pl = s.losses / pairs;
  s.net_benefit = pw - pl;
  s.door = (s.wins + s.ties / 2.0) / pairs;
  if (s.door < 1) s.win_odds = s.door / (1.0 - s.door);
  // Centred per-patient shares: treated beat w = cum_c / n0 and lose to
  // l = (n0 - cum_c - c) / n0; controls are beaten by w' = (n1 - cum_t - t) / n1
  // and beat l' = cum_t / n1.
  Moments treated, controls;
  for (const auto& g : groups) {
    add(treated, g.t, g.cum_c / n0 - pw, (n0 - g.cum_c - g.c) / n0 - pl);
    add(controls, g.c, (n1 - g.cum_t - g.t) / n1 - pw, g.cum_t / n1 - pl);
  }
  const double dt = n1 * (n1 - 1), dc = n0 * (n0 - 1);
  set_errors(s, treated.ww / dt + controls.ww / dc, treated.ll / dt + controls.ll / dc,
             treated.wl / dt + controls.wl / dc);
  if (s.wins > 0 && s.losses > 0) {
    s.win_ratio = s.wins / s.losses;
    s.failed = false;
  }
  return s;
}

} // namespace sepsim

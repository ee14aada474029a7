// The log-rank test (plain and stratified), Kaplan-Meier and their one-pass
// combination, over follow-up records or already sorted follow-up.
#include "sepsim/stats/survival.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>

namespace sepsim {

namespace {

struct LogrankSums {
  double observed = 0, expected = 0, variance = 0;
  int events = 0;
};

// Sorts finite times ascending by spreading them over about one bucket per
// time by value (a bucket's times are all below the next bucket's), then
// sorting within the buckets: about linear for the times of a trial, against
// n log n. Few or non-finite times go to std::sort.
class TimeSorter {
public:
  void sort(double* first, double* last) {
    const auto n = static_cast<std::size_t>(last - first);
    if (n < 64 || n >= 0xffffffffu) return std::sort(first, last); // few, or past 32-bit bounds
    // Already in order, or in reverse order (a look's administrative
    // censorings, by entry): nothing to spread. Equal times are equal values,
    // so reversing gives what sorting gives.
    if (std::is_sorted(first, last)) return;
    if (std::is_sorted(first, last, std::greater<>())) return std::reverse(first, last);
    const auto [low, high] = std::minmax_element(first, last);
    const double lo = *low, range = *high - *low;
    if (!std::isfinite(range) || !(range > 0)) return std::sort(first, last);
    const double scale = static_cast<double>(n - 1) / range;
    const auto bucket = [&](double t) {
      return std::min(static_cast<std::size_t>((t - lo) * scale), n - 1);
    };
    // Counting sort by bucket: cursor_[b + 1] counts bucket b, then the
    // prefix sums are where each bucket starts, and after the scatter
    // cursor_[b] is where bucket b ends (the next one starts).
    cursor_.assign(n + 1, 0);
    for (const double* p = first; p != last; ++p)
      ++cursor_[bucket(*p) + 1];
    for (std::size_t b = 0; b < n; ++b)
      cursor_[b + 1] += cursor_[b];
    sorted_.resize(n);
    for (const double* p = first; p != last; ++p)
      sorted_[cursor_[bucket(*p)]++] = *p;
    // A bucket's times all precede the next bucket's: std::sort the rare large
    // buckets, then one insertion sort over everything moves each time only
    // within its bucket.
    std::uint32_t begin = 0;
    for (std::size_t b = 0; b < n; ++b) {
      if (cursor_[b] - begin > 16) std::sort(sorted_.data() + begin, sorted_.data() + cursor_[b]);
      begin = cursor_[b];
    }
    double* out = first;
    out[0] = sorted_[0];
    for (std::size_t i = 1; i < n; ++i) {
      const double t = sorted_[i];
      std::size_t j = i;
      for (; j > 0 && t < out[j - 1]; --j)
        out[j] = out[j - 1];
      out[j] = t;
    }
  }

private:
  std::vector<std::uint32_t> cursor_; // bucket bounds
  std::vector<double> sorted_;
};

// One risk set's follow-up for a pass over its death times: the death times of
// each group, and the times of the censorings before the last death (the
// later ones leave the risk set after every death), each ascending once
// sorted; at_risk: everyone of each group. Buffers reused across calls.
class Timeline {
public:
  void clear(std::size_t records) {
    for (int k = 0; k < 4; ++k) {
      if (times_[k].size() < records) times_[k].resize(records);
      size_[k] = 0;
    }
  }
  void add(double time, bool death, int group) {
    const int k = 2 * death + group;
    times_[k][size_[k]++] = time;
  }
  // Sorts the deaths, drops the censorings from the last death on, sorts the
  // rest.
  void sort() {
    double last_death = -std::numeric_limits<double>::infinity();
    for (int g = 0; g < 2; ++g) {
      double* deaths = times_[2 + g].data();
      sorter_.sort(deaths, deaths + size_[2 + g]);
      if (size_[2 + g] > 0) last_death = std::max(last_death, deaths[size_[2 + g] - 1]);
    }
    for (int g = 0; g < 2; ++g) {
      double* censored = times_[g].data();
      size_[g] =
          static_cast<std::size_t>(std::remove_if(censored, censored + size_[g],
                                                  [&](double t) { return !(t < last_death); }) -
                                   censored);
      sorter_.sort(censored, censored + size_[g]);
    }
  }
  const double* deaths(int g) const { return times_[2 + g].data(); }
  std::size_t death_count(int g) const { return size_[2 + g]; }
  const double* censored(int g) const { return times_[g].data(); }
  std::size_t censored_count(int g) const { return size_[g]; }
  SortedFollowUp group(int g) const {
    return {deaths(g), death_count(g), censored(g), censored_count(g), at_risk[g]};
  }

  double at_risk[2] = {0, 0};

private:
  std::vector<double> times_[4]; // [2 * death + group]
  std::size_t size_[4] = {0, 0, 0, 0};
  TimeSorter sorter_;
};

thread_local Timeline t_timeline;

// The four sorted arrays of a walk, each copied with +infinity after its
// last time, so that the walk reads them without checking where they end.
struct WalkArrays {
  std::array<std::vector<double>, 4> times; // deaths 0, deaths 1, censored 0, censored 1
  void set(int k, const double* first, std::size_t count) {
    std::vector<double>& to = times[static_cast<std::size_t>(k)];
    to.resize(count + 1);
    std::copy(first, first + count, to.begin());
    to[count] = std::numeric_limits<double>::infinity();
  }
};
thread_local WalkArrays t_walk;

// The censorings of one group before time t leave its risk set: up to two a
// death without a branch (there are fewer censorings than deaths, about one
// between two deaths), more in a loop that then rarely runs.
inline double censored_before(const double* c, std::size_t& j, double t) {
  const std::size_t start = j;
  j += c[j] < t;
  j += c[j] < t;
  while (c[j] < t)
    ++j;
  return static_cast<double>(j - start);
}

// Calls at_death(time, deaths, deaths in group 1, at risk, at risk in group 1)
// at each death time of a sorted timeline, ascending: deaths at one time form
// one risk set, which holds everyone (dead or censored) followed until then.
// Censorings at the time of a death are still at risk at it; death times are
// finite (every caller's are). Ties are rare (times are continuous at the
// count level): the steps through the arrays are counts of comparisons, not
// branches, with a loop only for tied deaths.
template <class AtDeath>
void walk_deaths(const SortedFollowUp& g0, const SortedFollowUp& g1, AtDeath&& at_death) {
  const double *d0 = g0.deaths, *d1 = g1.deaths, *c0 = g0.censored, *c1 = g1.censored;
  if (!g0.ends_infinite || !g1.ends_infinite) { // copies with the sentinels
    WalkArrays& w = t_walk;
    w.set(0, g0.deaths, g0.death_count);
    w.set(1, g1.deaths, g1.death_count);
    w.set(2, g0.censored, g0.censored_count);
    w.set(3, g1.censored, g1.censored_count);
    d0 = w.times[0].data(), d1 = w.times[1].data();
    c0 = w.times[2].data(), c1 = w.times[3].data();
  }
  double n = g0.at_risk + g1.at_risk, n1 = g1.at_risk;
  std::size_t i0 = 0, i1 = 0, j0 = 0, j1 = 0;
  constexpr double kEnd = std::numeric_limits<double>::infinity();
  for (;;) {
    const double t = std::min(d0[i0], d1[i1]);
    if (t == kEnd) break;
    const double left0 = censored_before(c0, j0, t), left1 = censored_before(c1, j1, t);
    n -= left0 + left1;
    n1 -= left1;
    int deaths0 = d0[i0] == t, deaths1 = d1[i1] == t;
    i0 += static_cast<std::size_t>(deaths0);
    i1 += static_cast<std::size_t>(deaths1);
    for (; d0[i0] == t; ++i0) // tied deaths
      ++deaths0;
    for (; d1[i1] == t; ++i1)
      ++deaths1;
    const int deaths = deaths0 + deaths1;
    at_death(t, deaths, deaths1, n, n1);
    n -= deaths;
    n1 -= deaths1;
  }
}
template <class AtDeath> void walk_deaths(const Timeline& line, AtDeath&& at_death) {
  walk_deaths(line.group(0), line.group(1), at_death);
}

// One stratum's terms, from its sorted follow-up (the terms of add_stratum in
// R's survdiff: O, E and the hypergeometric V of each death time).
// The sums are added up in locals: through the reference they would be
// stored and loaded again at each death (a store may alias the times read).
void add_stratum(const SortedFollowUp& g0, const SortedFollowUp& g1, LogrankSums& sums) {
  LogrankSums local = sums;
  walk_deaths(g0, g1, [&](double, int deaths, int deaths1, double n, double n1) {
    const double d = deaths, share = n1 / n;
    local.observed += deaths1;
    local.expected += d * share;
    if (n > 1) local.variance += d * share * (1.0 - share) * (n - d) / (n - 1.0);
    local.events += deaths;
  });
  sums = local;
}

// The sorted timeline of the records of one stratum (every record when
// stratum < 0).
void fill_timeline(const std::vector<SurvivalRecord>& records, int stratum, Timeline& line) {
  line.clear(records.size());
  for (const SurvivalRecord& r : records)
    if (stratum < 0 || r.stratum == stratum) line.add(r.time, r.event, r.group != 0);
  line.at_risk[0] = static_cast<double>(line.death_count(0) + line.censored_count(0));
  line.at_risk[1] = static_cast<double>(line.death_count(1) + line.censored_count(1));
  line.sort();
}

LogrankResult logrank_result(const LogrankSums& sums) {
  LogrankResult result;
  result.observed_treatment = sums.observed;
  result.expected_treatment = sums.expected;
  result.variance = sums.variance;
  result.events = sums.events;
  result.failed = sums.events == 0 || !(sums.variance > 0);
  if (!result.failed) result.z = (sums.expected - sums.observed) / std::sqrt(sums.variance);
  return result;
}

bool any_nan(const std::vector<SurvivalRecord>& records) {
  return std::any_of(records.begin(), records.end(),
                     [](const SurvivalRecord& r) { return std::isnan(r.time); });
}

} // namespace

LogrankResult logrank(const std::vector<SurvivalRecord>& records, bool stratified) {
  LogrankSums sums;
  if (any_nan(records)) {
    LogrankResult failed;
    failed.failed = true;
    return failed;
  }
  Timeline& line = t_timeline;
  if (stratified) {
    std::array<bool, 256> present{};
    for (const SurvivalRecord& r : records)
      present[r.stratum] = true;
    for (int s = 0; s < 256; ++s) // strata in ascending order, as survdiff
      if (present[static_cast<std::size_t>(s)]) {
        fill_timeline(records, s, line);
        add_stratum(line.group(0), line.group(1), sums);
      }
  } else {
    fill_timeline(records, -1, line);
    add_stratum(line.group(0), line.group(1), sums);
  }
  return logrank_result(sums);
}

LogrankResult logrank_sorted(const SortedFollowUp& control, const SortedFollowUp& treatment) {
  LogrankSums sums;
  add_stratum(control, treatment, sums);
  return logrank_result(sums);
}

void sort_times(double* first, double* last) {
  thread_local TimeSorter sorter;
  sorter.sort(first, last);
}

KaplanMeierPoint kaplan_meier_at(const std::vector<SurvivalRecord>& records, int group, double at) {
  KaplanMeierPoint point;
  // One group's timeline: deaths after `at` count as censorings.
  Timeline& line = t_timeline;
  line.clear(records.size());
  for (const SurvivalRecord& r : records) {
    if (r.group != group || std::isnan(r.time)) continue;
    point.at_risk += r.time >= at;
    line.add(r.time, r.event && r.time <= at, 0);
  }
  line.at_risk[0] = static_cast<double>(line.death_count(0) + line.censored_count(0));
  line.at_risk[1] = 0;
  line.sort();
  double greenwood = 0;
  walk_deaths(line, [&](double, int deaths, int, double n, double) {
    point.survival *= 1.0 - deaths / n;
    if (n > deaths) greenwood += deaths / (n * (n - deaths));
  });
  // Greenwood's formula; 0 once everyone has died (survfit reports NaN there).
  point.variance = point.survival > 0 ? point.survival * point.survival * greenwood : 0.0;
  return point;
}

namespace {

// The log-rank sums and each group's Kaplan-Meier at `at` in one walk.
void walk_logrank_km(const SortedFollowUp& g0, const SortedFollowUp& g1, double at,
                     LogrankKaplanMeier& out) {
  LogrankSums sums;
  double greenwood[2] = {0, 0};
  walk_deaths(g0, g1, [&](double t, int deaths, int deaths1, double n, double n1) {
    const double d = deaths, share = n1 / n;
    sums.observed += deaths1;
    sums.expected += d * share;
    if (n > 1) sums.variance += d * share * (1.0 - share) * (n - d) / (n - 1.0);
    sums.events += deaths;
    if (!(t <= at)) return;
    const double group_n[2] = {n - n1, n1};
    if (deaths == 1) { // the usual case: only the dying patient's group changes
      const int g = deaths1;
      out.km[g].survival *= 1.0 - 1.0 / group_n[g];
      if (group_n[g] > 1) greenwood[g] += 1.0 / (group_n[g] * (group_n[g] - 1.0));
      return;
    }
    const int group_deaths[2] = {deaths - deaths1, deaths1};
    for (int g = 0; g < 2; ++g)
      if (group_deaths[g] > 0) {
        out.km[g].survival *= 1.0 - group_deaths[g] / group_n[g];
        if (group_n[g] > group_deaths[g])
          greenwood[g] += group_deaths[g] / (group_n[g] * (group_n[g] - group_deaths[g]));
      }
  });
  out.logrank = logrank_result(sums);
  for (int g = 0; g < 2; ++g) {
    KaplanMeierPoint& km = out.km[g];
    km.variance = km.survival > 0 ? km.survival * km.survival * greenwood[g] : 0.0;
  }
}

} // namespace

LogrankKaplanMeier logrank_and_kaplan_meier(const std::vector<SurvivalRecord>& records, double at) {
  LogrankKaplanMeier out;
  if (any_nan(records) || std::any_of(records.begin(), records.end(),
                                      [](const SurvivalRecord& r) { return r.group > 1; })) {
    out.logrank = logrank(records, false);
    for (int g = 0; g < 2; ++g)
      out.km[g] = kaplan_meier_at(records, g, at);
    return out;
  }
  Timeline& line = t_timeline;
  fill_timeline(records, -1, line);
  for (const SurvivalRecord& r : records)
    out.km[r.group].at_risk += r.time >= at;
  walk_logrank_km(line.group(0), line.group(1), at, out);
  return out;
}

LogrankKaplanMeier logrank_and_kaplan_meier_sorted(const SortedFollowUp& control,
                                                   const SortedFollowUp& treatment, double at) {
  LogrankKaplanMeier out;
  const SortedFollowUp* groups[2] = {&control, &treatment};
  for (int g = 0; g < 2; ++g) { // everyone less those who died or were censored before `at`
    const SortedFollowUp& f = *groups[g];
    const auto before = [at](const double* first, std::size_t count) {
      return static_cast<double>(std::lower_bound(first, first + count, at) - first);
    };
    out.km[g].at_risk = static_cast<int>(f.at_risk - before(f.deaths, f.death_count) -
                                         before(f.censored, f.censored_count));
  }
  walk_logrank_km(control, treatment, at, out);
  return out;
}

} // namespace sepsim

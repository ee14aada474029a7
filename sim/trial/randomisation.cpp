#include "sepsim/trial/randomisation.hpp"

#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace sepsim {

namespace {
// Strata: the product of the stratifying factors' levels, only those used.
int strata(const Randomisation& r, int sites) {
  return (r.stratify[factor_label] ? kPhenotypes : 1) * (r.stratify[factor_sofa10] ? 2 : 1) *
         (r.stratify[factor_site] ? sites : 1);
}
int stratum(const Randomisation& r, int sites, const PatientFactors& p) {
  int index = r.stratify[factor_label] ? p.label : 0;
  if (r.stratify[factor_sofa10]) index = index * 2 + (p.sofa10 ? 1 : 0);
  if (r.stratify[factor_site]) index = index * sites + p.site;
  return index;
}
} // namespace

Randomiser::Randomiser(const Design& design, int sites, Stream stream)
    : design_(design), sites_(sites), stream_(std::move(stream)) {
  double total = 0.0;
  for (const auto& arm : design.arms)
    total += arm.allocation;
  for (const auto& arm : design.arms) {
    weights_.push_back(arm.allocation / total);
    // Integer ratios (validated for permuted blocks) for exact block composition.
    allocation_.push_back(static_cast<std::size_t>(std::lround(arm.allocation)));
    allocation_sum_ += allocation_.back();
  }
  switch (design.randomisation.method) {
  case RandomisationMethod::permuted_blocks:
    blocks_.resize(static_cast<std::size_t>(strata(design.randomisation, sites)));
    prepare_blocks();
    one_block_list_ = blocks_.size() == 1 && small_templates_.size() == block_templates_.size();
    break;
  case RandomisationMethod::minimisation:
    label_counts_.assign(kPhenotypes, {});
    sofa_counts_.assign(2, {});
    site_counts_.assign(static_cast<std::size_t>(sites), {});
    break;
  case RandomisationMethod::simple:
    break;
  }
}

// Each block size's composition, unshuffled, and the draws of its shuffle.
void Randomiser::prepare_blocks() {
  const auto& sizes = design_.randomisation.block_sizes;
  block_size_pick_ = UniformBelow(static_cast<std::uint32_t>(sizes.size()));
  std::size_t largest = 0;
  for (const int size : sizes) {
    std::vector<int> block;
    for (std::size_t a = 0; a < weights_.size(); ++a)
      block.insert(block.end(), static_cast<std::size_t>(size) * allocation_[a] / allocation_sum_,
                   static_cast<int>(a));
    largest = std::max(largest, block.size());
    block_templates_.push_back(std::move(block));
  }
  if (largest <= kSmallBlock)
    for (const auto& block : block_templates_) {
      small_templates_.emplace_back();
      std::copy(block.begin(), block.end(), small_templates_.back().begin());
    }
  pick_below_.resize(largest + 1);
  for (std::size_t i = 2; i <= largest; ++i)
    pick_below_[i] = UniformBelow(static_cast<std::uint32_t>(i));
}

int Randomiser::assign_any(const PatientFactors& patient) {
  switch (design_.randomisation.method) {
  case RandomisationMethod::simple:
    return simple();
  case RandomisationMethod::permuted_blocks:
    return from_block(patient);
  case RandomisationMethod::minimisation:
    return minimise(patient);
  }
  return 0;
}

int Randomiser::simple() {
  double u = boost::random::uniform_01<double>()(stream_);
  for (std::size_t a = 0; a + 1 < weights_.size(); ++a) {
    if (u < weights_[a]) return static_cast<int>(a);
    u -= weights_[a];
  }
  return static_cast<int>(weights_.size()) - 1;
}

// A block of the drawn size in exact allocation ratio, shuffled by
// Fisher-Yates with Boost's uniform_int_distribution's draws (UniformBelow;
// never std::shuffle, whose draws differ between standard libraries).
void Randomiser::refill_block(std::vector<int>& block) {
  const std::size_t size_index = block_size_pick_(stream_);
  block = block_templates_[size_index];
  for (std::size_t i = block.size(); i > 1; --i)
    std::swap(block[i - 1], block[pick_below_[i](stream_)]);
}

// The same draws as refill_block (the size, then the shuffle's swaps).
void Randomiser::refill_small() {
  const std::size_t size_index = block_size_pick_(stream_);
  small_block_ = small_templates_[size_index];
  const std::size_t size = block_templates_[size_index].size();
  for (std::size_t i = size; i > 1; --i)
    std::swap(small_block_[i - 1], small_block_[pick_below_[i](stream_)]);
  small_left_ = static_cast<int>(size);
}

int Randomiser::from_block(const PatientFactors& patient) {
  auto& block = blocks_[static_cast<std::size_t>(stratum(design_.randomisation, sites_, patient))];
  if (block.empty()) refill_block(block);
  const int arm = block.back();
  block.pop_back();
  return arm;
}

// Pocock-Simon: for each candidate arm, the imbalance the factors would have
// if the patient went there (range of allocation-weighted counts, summed over
// the patient's factor levels); the arm with the least imbalance is chosen with
// probability p_best (ties at random), otherwise one of the others at random.
int Randomiser::minimise(const PatientFactors& patient) {
  const auto& rd = design_.randomisation;
  const std::size_t arms = weights_.size();
  std::vector<std::array<int, kMaxArms>*> levels;
  if (rd.minimise[factor_label]) levels.push_back(&label_counts_[patient.label]);
  if (rd.minimise[factor_sofa10]) levels.push_back(&sofa_counts_[patient.sofa10 ? 1 : 0]);
  if (rd.minimise[factor_site])
    levels.push_back(&site_counts_[static_cast<std::size_t>(patient.site)]);

  std::vector<double> imbalance(arms, 0.0);
  for (std::size_t candidate = 0; candidate < arms; ++candidate) {
    for (const auto* counts : levels) {
      double lo = std::numeric_limits<double>::infinity(), hi = -lo;
      for (std::size_t a = 0; a < arms; ++a) {
        const double n = (*counts)[a] + (a == candidate ? 1.0 : 0.0);
        lo = std::min(lo, n / weights_[a]);
        hi = std::max(hi, n / weights_[a]);
      }
      imbalance[candidate] += hi - lo;
    }
  }
  const double best = *std::min_element(imbalance.begin(), imbalance.end());
  std::vector<int> preferred, others;
  for (std::size_t a = 0; a < arms; ++a)
    (imbalance[a] <= best + 1e-12 ? preferred : others).push_back(static_cast<int>(a));
  const bool take_best = others.empty() || boost::random::uniform_01<double>()(stream_) < rd.p_best;
  const std::vector<int>& pool = take_best ? preferred : others;
  const int arm =
      pool[boost::random::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(stream_)];
  for (auto* counts : levels)
    ++(*counts)[static_cast<std::size_t>(arm)];
  return arm;
}

} // namespace sepsim

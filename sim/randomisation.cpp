#include "sepsim/randomisation.hpp"

#include <boost/random/uniform_01.hpp>
#include <boost/random/uniform_int_distribution.hpp>

#include <cmath>

namespace sepsim {

Randomiser::Randomiser(const Design& design, Stream stream)
    : design_(design), stream_(std::move(stream)) {
  double total = 0.0;
  for (const auto& arm : design.arms)
    total += arm.allocation;
  double running = 0.0;
  for (const auto& arm : design.arms) {
    running += arm.allocation;
    cumulative_allocation_.push_back(running / total);
  }
  if (design.randomisation.method == RandomisationMethod::permuted_blocks) {
    const int copies = design.randomisation.block_size / static_cast<int>(std::lround(total));
    for (std::size_t a = 0; a < design.arms.size(); ++a)
      for (int c = 0; c < copies * static_cast<int>(std::lround(design.arms[a].allocation)); ++c)
        block_template_.push_back(static_cast<int>(a));
  }
}

// Fisher-Yates with Boost's uniform_int_distribution (never std::shuffle,
// whose draws differ between standard libraries).
void Randomiser::refill_block(std::vector<int>& block) {
  block = block_template_;
  for (std::size_t i = block.size(); i > 1; --i) {
    boost::random::uniform_int_distribution<std::size_t> pick(0, i - 1);
    std::swap(block[i - 1], block[pick(stream_)]);
  }
}

int Randomiser::assign(Phenotype label) {
  if (design_.randomisation.method == RandomisationMethod::simple) {
    const double u = boost::random::uniform_01<double>()(stream_);
    for (std::size_t a = 0; a + 1 < cumulative_allocation_.size(); ++a)
      if (u < cumulative_allocation_[a]) return static_cast<int>(a);
    return static_cast<int>(cumulative_allocation_.size()) - 1;
  }
  auto& block = blocks_[design_.randomisation.stratify_by == Stratification::label ? label : 0];
  if (block.empty()) refill_block(block);
  const int arm = block.back();
  block.pop_back();
  return arm;
}

} // namespace sepsim

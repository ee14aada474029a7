// Huge-page buffers (include/sepsim/core/huge_pages.hpp).
#include "sepsim/core/huge_pages.hpp"

#include <cstdint>

#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SEPSIM_HUGE_PAGES 1
#include <sys/mman.h>
#endif

namespace sepsim {

#ifdef SEPSIM_HUGE_PAGES
namespace {
constexpr std::size_t kHugePage = std::size_t{2} << 20;
constexpr std::size_t kHugeFrom = std::size_t{1} << 20;

std::size_t rounded(std::size_t bytes) {
  return (bytes + kHugePage - 1) / kHugePage * kHugePage;
}
} // namespace
#endif

bool huge_pages_for([[maybe_unused]] std::size_t bytes) {
#ifdef SEPSIM_HUGE_PAGES
  return bytes >= kHugeFrom;
#else
  return false;
#endif
}

#ifdef SEPSIM_HUGE_PAGES
void* huge_page_alloc(std::size_t bytes) {
  const std::size_t size = rounded(bytes);
  // Map one huge page more than needed, then unmap the ends beyond the
  // 2 MiB-aligned range (a huge page must lie on a 2 MiB boundary).
  void* mapped =
      mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t aligned = (start + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > start) munmap(mapped, aligned - start);
  const std::uintptr_t tail = start + size + kHugePage - (aligned + size);
  if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* p = reinterpret_cast<void*>(aligned);
  madvise(p, size, MADV_HUGEPAGE); // advice: ordinary pages where it is not taken
  return p;
}

void huge_page_free(void* p, std::size_t bytes) noexcept {
  munmap(p, rounded(bytes));
}
#else
void* huge_page_alloc(std::size_t) {
  throw std::bad_alloc(); // never called: huge_pages_for is false
}
void huge_page_free(void*, std::size_t) noexcept {}
#endif

} // namespace sepsim

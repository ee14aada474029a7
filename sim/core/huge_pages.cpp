// Huge-page buffers (include/sepsim/core/huge_pages.hpp).
#include "sepsim/core/huge_pages.hpp"

#include <cstdint>

#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define SEPSIM_HUGE_PAGES 1
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
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

void heap_on_huge_pages() {
  // glibc's main heap: grown 32 MiB at a time, what is freed kept for reuse,
  // blocks up to 32 MiB served from it (not mapped and faulted in afresh).
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  mallopt(M_TOP_PAD, 32 << 20);
  // A huge page needs a 2 MiB range of which nothing was touched yet: the
  // heap's next blocks start on such a boundary. A block from the heap's top
  // shows where that top begins (freed, it merges back); a block from there
  // up to the boundary stays allocated (untouched but for its header), and
  // the heap above it is advised to use huge pages.
  constexpr std::size_t kProbe = 256 << 10; // beyond any free block of the start-up
  void* probe = std::malloc(kProbe);
  if (probe == nullptr) return;
  const auto at = reinterpret_cast<std::uintptr_t>(probe);
  std::free(probe);
  std::uintptr_t boundary = (at + kHugePage - 1) / kHugePage * kHugePage;
  if (boundary - at < kProbe) boundary += kHugePage;
  // A chunk of boundary - at bytes (its 8-byte size word included): the top's
  // own header then lies just below the boundary.
  void* below = std::malloc(boundary - at - 8);
  // Elsewhere than the top was: the heap is left as glibc has it.
  if (reinterpret_cast<std::uintptr_t>(below) != at) return std::free(below);
  static void* kept = below; // for the process's life (reachable, not leaked)
  (void)kept;
  const auto end = reinterpret_cast<std::uintptr_t>(sbrk(0));
  if (end > boundary) madvise(reinterpret_cast<void*>(boundary), end - boundary, MADV_HUGEPAGE);
}
#else
void heap_on_huge_pages() {}
void* huge_page_alloc(std::size_t) {
  throw std::bad_alloc(); // never called: huge_pages_for is false
}
void huge_page_free(void*, std::size_t) noexcept {}
#endif

} // namespace sepsim

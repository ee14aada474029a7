// An allocator for the large buffers a run fills from the start (the blocks
// of replicate results, the binomial tables' hash sets): at 1 MiB or more it
// maps whole 2 MiB pages and asks the kernel for transparent huge pages
// (madvise), so that the first touch costs one page fault per 2 MiB instead
// of one per 4 KiB: on a virtual machine a fault costs about 10 us, and a
// count-level run of 0.2 s faulted in its buffers 1,300 times. Smaller
// requests, sanitizer builds and other systems use the default allocator.
// Where the kernel has no huge pages to give, the memory is ordinary pages.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace sepsim {

// Bytes [0, bytes) rounded up to 2 MiB, aligned to 2 MiB, zeroed, huge pages
// requested; std::bad_alloc if they cannot be mapped. huge_page_free(p, bytes)
// (the same bytes) returns them.
void* huge_page_alloc(std::size_t bytes);
void huge_page_free(void* p, std::size_t bytes) noexcept;
// Whether huge_page_alloc is used for `bytes` (1 MiB or more, where it exists).
bool huge_pages_for(std::size_t bytes);

// The process's heap (glibc's main arena) on huge pages, what is freed kept
// for reuse: called first thing in main. Building a results file (HDF5's many
// small objects) faulted the heap in 4 KiB at a time: a count-level run took
// ~1,000 page faults, now ~500, and writing its results 11 ms, now 4.5 ms.
// Nothing where SEPSIM_HUGE_PAGES is off (sanitizers, other systems).
void heap_on_huge_pages();

template <class T> struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U> HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(std::size_t n) {
    if (n > std::size_t(-1) / sizeof(T)) throw std::bad_array_new_length();
    const std::size_t bytes = n * sizeof(T);
    if (!huge_pages_for(bytes)) return std::allocator<T>().allocate(n);
    return static_cast<T*>(huge_page_alloc(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (!huge_pages_for(n * sizeof(T))) return std::allocator<T>().deallocate(p, n);
    huge_page_free(p, n * sizeof(T));
  }
  template <class U> bool operator==(const HugePageAllocator<U>&) const { return true; }
};

} // namespace sepsim

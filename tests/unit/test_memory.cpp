// The allocator settings made at start-up (pipeline/base/memory.h), read back from glibc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "pipeline/base/memory.h"

namespace shortpack {
namespace {

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
// An allocation the compiler cannot drop (a malloc/free pair may be elided otherwise).
void* touched(size_t bytes) {
  void* p = std::malloc(bytes);
  if (p == nullptr) std::abort();
  std::memset(p, 1, bytes);
  asm volatile("" : : "g"(p) : "memory");
  return p;
}

// Without the fixed threshold, freeing an 8 MiB buffer raises glibc's mmap threshold to 8 MiB and
// the next 5 MiB buffer comes from the heap, where it stays once freed; with it, the buffer is
// its own mapping and goes back to the system when freed.
TEST(MemoryAllocator, BuffersOverFourMiBAreMappedEvenAfterALargerOneWasFreed) {
  tune_memory_allocator();
  std::free(touched(8 << 20));
  const size_t mapped = mallinfo2().hblks;
  void* p = touched(5 << 20);
  EXPECT_EQ(mallinfo2().hblks, mapped + 1) << "a 5 MiB buffer came from the heap";
  std::free(p);
  EXPECT_EQ(mallinfo2().hblks, mapped);
  void* small = touched(1 << 20);  // under the threshold: the heap
  EXPECT_EQ(mallinfo2().hblks, mapped);
  std::free(small);
}
#endif

}  // namespace
}  // namespace shortpack

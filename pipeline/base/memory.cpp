#include "pipeline/base/memory.h"

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace shortpack {

void tune_memory_allocator() {
#ifdef __GLIBC__
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const bool user_set = (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) ||
                        std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr ||
                        std::getenv("MALLOC_TRIM_THRESHOLD_") != nullptr;
  if (user_set) return;
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

void return_freed_memory() {
#ifdef __GLIBC__
  // glibc keeps what a pass freed in the arenas of the threads that freed it; the next pass
  // allocates in other arenas, so without this a clip's passes and the clips after it stack up:
  // in the campaign job the second clip started 300 MB higher.
  malloc_trim(0);
#endif
}

}  // namespace shortpack

// libFuzzer entry point of the 'brand' target (the body is shared with the unit tests' replay:
// tests/support/fuzz_targets.h).
#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shortpack::fuzz::fuzz_brand(data, size);
  return 0;
}

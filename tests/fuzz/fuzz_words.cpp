// libFuzzer entry point of the 'words' target (the body is shared with the unit tests' replay:
// tests/support/fuzz_targets.h).
#include "tests/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  shortpack::fuzz::fuzz_words(data, size);
  return 0;
}

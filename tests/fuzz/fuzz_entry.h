// Shared set-up of the libFuzzer binaries: libav's own log output is silenced (a fuzzer feeds it
// garbage on purpose, and the messages would drown the fuzzer's), and the C numeric locale is pinned.
#pragma once

#include <clocale>
#include <cstddef>
#include <cstdint>

extern "C" {
#include <libavutil/log.h>
}

#include "support/fuzz_targets.h"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::setlocale(LC_ALL, "C");
  av_log_set_level(AV_LOG_QUIET);
  (void)shortpack::fuzz::scratch_folder();
  return 0;
}

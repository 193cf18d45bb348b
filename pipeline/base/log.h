// Logging: spdlog to stderr; libav and libass messages are routed here at the chosen level.
#pragma once

#include <string>

namespace shortpack {

// Sets the level ("warn" by default) and installs the libav log callback.
void setup_logging(const std::string& level);

// Installs shortpack's libav log callback (idempotent) without touching the levels: code that
// taps libav's messages needs it also when setup_logging() was not called (tests, tools).
void install_libav_log_callback();

// Called with every info, warning or error line libav logs (AV_LOG_INFO or more severe), whatever
// the level chosen for the log, on the thread that logs it (a codec's own worker threads
// included), without libav's "[name @ address]" prefix; `avcl` is libav's log context (the object
// whose AVClass names the line). At most one tap; nullptr removes it. The tap must be thread-safe
// and must not log through libav.
using LibavLogTap = void (*)(void* avcl, int level, const std::string& line);
void set_libav_log_tap(LibavLogTap tap);

// The last error libav logged on this thread (for example the muxer's "non monotonically
// increasing dts"), then cleared; empty when there was none. Errors built from a libav return
// code add it, so that a bare "Invalid argument" says what libav objected to.
std::string take_last_libav_error();

}  // namespace shortpack

// Logging: spdlog to stderr; libav and libass messages are routed here at the chosen level.
#pragma once

#include <string>

namespace shortpack {

// Sets the level ("warn" by default) and installs the libav log callback.
void setup_logging(const std::string& level);

// The last error libav logged on this thread (for example the muxer's "non monotonically
// increasing dts"), then cleared; empty when there was none. Errors built from a libav return
// code add it, so that a bare "Invalid argument" says what libav objected to.
std::string take_last_libav_error();

}  // namespace shortpack

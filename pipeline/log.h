// Logging: spdlog to stderr; libav and libass messages are routed here at the chosen level.
#pragma once

#include <string>

namespace shortpack {

// Sets the level ("warn" by default) and installs the libav log callback.
void setup_logging(const std::string& level);

}  // namespace shortpack

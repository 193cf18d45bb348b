// Writes a yuv420p frame as an RGB PNG (libavcodec's PNG encoder), atomically.
#pragma once

#include <filesystem>

#include "filters/core/frame.h"

namespace shortpack {

// Throws Error(kIo) when the file cannot be written.
void write_png(const AVFrame& frame, const std::filesystem::path& path);

}  // namespace shortpack

// Writes a yuv420p frame as an RGB PNG (libavcodec's PNG encoder), atomically.
#pragma once

#include <filesystem>
#include <string>

#include "filters/core/frame.h"

namespace shortpack {

// The PNG file's bytes (what write_png writes), for serving without a file (the studio).
std::string encode_png(const AVFrame& frame);

// Throws Error(kIo) when the file cannot be written.
void write_png(const AVFrame& frame, const std::filesystem::path& path);

}  // namespace shortpack

// Reads a still image into sRGB RGBA as a browser shows it: PNG (with alpha), JPEG, WebP... through
// libavformat/libavcodec, HEIC/HEIF through libheif; turned upright by its EXIF orientation and
// converted from its ICC profile or colour description to sRGB (pipeline/media/still_colour.h).
#pragma once

#include <cstdint>
#include <filesystem>

#include "filters/core/image.h"

namespace shortpack {

// Throws Error(kInput) "<path> is not an image (...)", or Error(kLimit) when the picture has more
// than max_pixels (checked from the header, before decoding).
RgbaImage read_image_rgba(const std::filesystem::path& path, int64_t max_pixels = 40'000'000);

}  // namespace shortpack

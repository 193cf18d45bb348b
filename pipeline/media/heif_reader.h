// HEIC/HEIF photos (the iPhone's default format) through libheif: upright as the file's rotation
// and mirror say, in sRGB as its ICC profile or colour code points (nclx) say.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "filters/core/image.h"

namespace shortpack {

// True when the file starts like an ISO-BMFF image file (ftyp heic, heix, mif1, msf1, avif...).
bool looks_like_heif(const std::vector<uint8_t>& head);

// Decodes the primary picture. Throws Error(kLimit) over max_pixels, Error(kMedia) with libheif's
// reason when it cannot be decoded. `warning` receives what was assumed, if anything.
RgbaImage read_heif_rgba(const std::filesystem::path& path, int64_t max_pixels, std::string& warning);

}  // namespace shortpack

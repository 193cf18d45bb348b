// What a photo says besides its pixels, and making its pixels what a browser shows: upright as
// its EXIF orientation says (all eight values, mirrored ones too) and in sRGB as its ICC profile
// (lcms2) or its HEIF colour description says. Browsers and photo viewers do both; a still that
// skipped them would be shown sideways, or dull (Adobe RGB, Display P3), or in wrong colours.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "filters/core/image.h"

namespace shortpack {

// The metadata of a JPEG, PNG or WebP file that decides how it looks.
struct StillMetadata {
  int orientation = 1;       // EXIF orientation 1..8 (1 = as stored)
  std::vector<uint8_t> icc;  // the embedded ICC profile, empty when none
};

// Reads the EXIF orientation and the ICC profile from the file's bytes (JPEG APP1/APP2, PNG
// eXIf/iCCP is left to the decoder, WebP EXIF/ICCP chunks).
StillMetadata read_still_metadata(const std::filesystem::path& path);

// The picture as shown for EXIF `orientation` (1..8; other values are ignored).
RgbaImage apply_orientation(const RgbaImage& image, int orientation);

// Converts the pixels from the colours of the ICC profile `icc` to sRGB (lcms2, perceptual
// intent, as browsers do). A profile lcms2 cannot read, or one for another colour model than
// RGB, leaves the pixels as they are and returns a warning naming `file`; else returns "".
std::string icc_to_srgb(RgbaImage& image, const std::vector<uint8_t>& icc, const std::filesystem::path& file);

// RGB primaries and white point (CIE xy) and an sRGB-like curve to sRGB, for HEIF pictures whose
// colour is described by code points (nclx) instead of a profile.
struct Chromaticities {
  double red_x, red_y, green_x, green_y, blue_x, blue_y, white_x, white_y;
};
void primaries_to_srgb(RgbaImage& image, const Chromaticities& from);

}  // namespace shortpack

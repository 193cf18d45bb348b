// CMYK JPEGs (what print designers and Photoshop export): libavcodec reads their four channels as
// Y'CbCr plus alpha, so they are decoded here instead, with libjpeg-turbo's TurboJPEG API (YCCK
// turned back into CMYK), and converted to sRGB with the file's embedded CMYK profile (lcms2,
// perceptual intent, as jpgicc and colour-managed browsers do), or without one by the naive
// formula browsers use (R = (1 - C)(1 - K) ...). Files with an Adobe APP14 marker store inverted
// ink (255 = none), as Photoshop writes them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "filters/core/image.h"

namespace shortpack {

// Whether the JPEG bytes `head` (the file's start, at least its header) say four channels.
bool is_cmyk_jpeg(const std::vector<uint8_t>& bytes);

// The picture of the CMYK JPEG `path`, as sRGB RGBA (opaque). `icc`: its embedded profile (empty:
// none; a profile that is not for CMYK or that lcms2 cannot read is ignored with `warning` set).
// Throws Error(kMedia) when the file cannot be decoded, Error(kLimit) over `max_pixels`.
RgbaImage read_cmyk_jpeg(const std::filesystem::path& path, int64_t max_pixels,
                         const std::vector<uint8_t>& icc, std::string& warning);

}  // namespace shortpack

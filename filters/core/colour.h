// Colour as part of a frame's format: matrix, primaries, transfer, range and the light level of
// HDR content. It travels from the decoder (or the image reader) to the one place that converts
// it to the output's BT.709 SDR (filters/colour_convert.h); nothing assumes BT.709 on the way in.
#pragma once

#include <cstddef>
#include <string>

extern "C" {
#include <libavutil/pixfmt.h>
}

namespace shortpack {

struct ColourDescription {
  AVColorSpace matrix = AVCOL_SPC_BT709;
  AVColorPrimaries primaries = AVCOL_PRI_BT709;
  AVColorTransferCharacteristic transfer = AVCOL_TRC_BT709;
  AVColorRange range = AVCOL_RANGE_MPEG;
  // HDR content: the brightest light it holds, in cd/m2 (MaxCLL, else the mastering display's
  // peak); 0 when the file does not say (a default per transfer is used then).
  double peak_nits = 0.0;

  [[nodiscard]] bool operator==(const ColourDescription& o) const noexcept = default;
  // PQ (SMPTE ST 2084) or HLG (ARIB STD-B67): tone-mapped to SDR.
  [[nodiscard]] bool is_hdr() const noexcept;
  // Pictures with this description are already what the encoder writes (BT.709 matrix, primaries
  // and transfer curve, limited range): no conversion.
  [[nodiscard]] bool is_output() const noexcept;
  // "bt709/bt709/bt709 tv" style, as ffprobe names them, plus the peak of HDR content.
  [[nodiscard]] std::string describe() const;
};

struct ColourDescriptionHash {
  size_t operator()(const ColourDescription& c) const noexcept;
};

// The BT.709 SDR limited-range description that every output is encoded with.
constexpr ColourDescription kOutputColour{};

// Transfer curves that are the BT.709 curve (BT.601, BT.2020 10/12-bit are the same function).
bool is_bt709_curve(AVColorTransferCharacteristic transfer) noexcept;

}  // namespace shortpack

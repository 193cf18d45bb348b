// Colour conversion: any Y'CbCr picture whose ColourDescription is known, SDR or HDR, to what every
// output is encoded with: BT.709 primaries, matrix and transfer curve, limited range, 8-bit 4:2:0.
//
// configure() builds, once per description, a 33 x 33 x 33 table of the whole conversion:
//   1. zimg (the library behind FFmpeg's zscale filter) takes the table's Y'CbCr grid to linear
//      light in BT.709 primaries: the source's range, matrix, transfer and primaries as described,
//      1.0 = 100 cd/m2 (SDR white), so HDR highlights are values above 1;
//   2. colours outside BT.709 (BT.2020 greens and reds) are pulled towards their own luminance,
//      which keeps their hue instead of clipping each channel;
//   3. HDR (PQ, HLG) is tone-mapped with the BT.2390 EETF applied to max(R, G, B): one gain per
//      pixel, so hue and saturation stay; the source peak is the file's MaxCLL or mastering peak,
//      else 1000 cd/m2;
//   4. zimg encodes the result with the BT.709 curve and matrix, limited range.
// process() interpolates the table per pixel (trilinear) and averages the chroma of each 2x2 block.
// The table is exact at its grid points and interpolated between them (how far that strays from
// evaluating the chain per pixel is not measured; the e2e tests judge the result against
// FFmpeg-made references).
//
// Thread safety: process() is const and may run on many frames at once; it also splits one
// picture's rows over the TBB workers.
#pragma once

#include <array>
#include <vector>

#include "filters/core/colour.h"
#include "filters/core/frame.h"

namespace shortpack {

// The BT.2390 EETF on one light level: cd/m2 in, cd/m2 out, for content that peaks at
// `source_peak_nits` shown on a display of `target_peak_nits`. Levels well below the target peak
// are kept; above the knee they roll off smoothly to reach the target at the source's peak.
double bt2390_eetf_nits(double nits, double source_peak_nits, double target_peak_nits);

class ColourConverter {
 public:
  // Throws Error(kMedia) when the description is not one zimg converts.
  explicit ColourConverter(const ColourDescription& in);

  // The output format for frames of format `in` (yuv420p at the same size and rate).
  [[nodiscard]] VideoFormat configure(const VideoFormat& in) const;
  // A new yuv420p BT.709 frame of `in`'s size. `in` is any planar Y'CbCr format (8 to 16 bits,
  // 4:2:0, 4:2:2 or 4:4:4). Throws Error(kMedia) for other formats.
  [[nodiscard]] FramePtr process(const AVFrame& in) const;

  [[nodiscard]] const ColourDescription& input() const { return in_; }
  // What the table maps one 16-bit Y'CbCr code value (in the source's range) to, in 8-bit
  // BT.709 code values (Y, Cb, Cr) before rounding: for tests.
  [[nodiscard]] std::array<float, 3> map(int y16, int cb16, int cr16) const;

  // Table points per axis: the 16-bit code of point i is i << kGridShift (the last one 65535).
  static constexpr int kGridShift = 11;
  static constexpr int kGrid = (1 << (16 - kGridShift)) + 1;

 private:
  ColourDescription in_;
  // kGrid^3 x (Y, Cb, Cr, pad) in 8-bit code units; index (y, cb, cr).
  std::vector<float> table_;
};

}  // namespace shortpack

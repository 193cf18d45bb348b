// PNG files for golden-image tests, through libavcodec's PNG codec (no other image library).
//
// Golden images are RGB24 PNGs. A yuv420p frame is converted with BT.709 limited-range
// coefficients (what the pipeline produces) before it is written or compared, so a golden can be
// looked at in any image viewer and compared as RGB.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "filters/core/frame.h"
#include "support/media_probe.h"

namespace shortpack::test {

// Converts any frame swscale reads (yuv420p assumed BT.709 limited range) to RGB24.
FramePtr to_rgb24(const AVFrame& frame);
// A decoded picture (media_probe's decode_frames) as an RGB24 frame, the same way.
FramePtr rgb_of(const YuvPicture& picture);
// Writes a frame as an RGB24 PNG (converted first when needed). Throws std::runtime_error.
void write_png(const std::filesystem::path& path, const AVFrame& frame);
// Reads a PNG as an RGB24 frame. Throws std::runtime_error.
FramePtr read_png(const std::filesystem::path& path);

struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
  [[nodiscard]] bool empty() const { return w <= 0 || h <= 0; }
};
// The smallest rectangle holding every pixel where two RGB24 frames of the same size differ.
Rect changed_region(const AVFrame& a, const AVFrame& b);
Rect union_of(const Rect& a, const Rect& b);

// PSNR of the luma (BT.709 weights of R, G, B) of two RGB24 frames of the same size, in dB
// (infinity when identical), over `region` (the whole frame when empty). Comparing only the
// region where captions are keeps small text from drowning in a large untouched background.
// Throws std::runtime_error when the sizes or formats differ.
double psnr_luma(const AVFrame& a, const AVFrame& b, const Rect& region = {});

// The lowest luma PSNR over the tile_px x tile_px tiles of `region` (the whole frame when
// empty): a local error such as one missing diacritic hardly moves the PSNR of a large region
// but sinks the PSNR of its tile.
double min_tile_psnr_luma(const AVFrame& a, const AVFrame& b, const Rect& region = {}, int tile_px = 32);

// Lines of text counted from the ink of each pixel row: bands of consecutive rows with at least
// 40 % as much ink as the densest row, i.e. each line's x-height band (marks above and below are
// much sparser, and may reach the next line).
int dense_row_bands(const std::vector<int>& row_ink);

// Expects `picture` (RGB24) to be frame `n` of `video`'s first video stream, decoded here: within
// encoding error of it (luma PSNR at least 40 dB) and at least 6 dB closer to it than to frame n-1
// or n+1, so a picture one frame early or late fails (on a source that moves enough from frame to
// frame, such as testsrc2). `as_rgb` makes a decoded picture an RGB24 frame of `picture`'s size
// (rgb_of, or a scaled copy). Prints the three PSNRs after `label`.
void expect_frame_n_not_neighbours(const AVFrame& picture, const std::filesystem::path& video, int64_t n,
                                   const std::function<FramePtr(const YuvPicture&)>& as_rgb,
                                   const std::string& label);

// True when SHORTPACK_WRITE_GOLDENS is set: only scripts/make-goldens sets it.
bool writing_goldens();
// The start of the one failure a golden test reports when it has written its golden instead of
// comparing with it ("golden written <path>: review it and run without SHORTPACK_WRITE_GOLDENS").
// scripts/make-goldens counts these and rejects any other failure.
inline constexpr const char* kGoldenWritten = "golden written";

}  // namespace shortpack::test

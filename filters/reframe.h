// Reframe: fits any source picture into the platform's frame.
//
//   fit-blur    the whole picture, centred; the bars filled with a blurred, darkened copy that is
//               built from a small downscaled image (cheap) and scaled up
//   fit-pad     the whole picture, centred; bars in a solid colour
//   crop-center the frame filled, cutting the overflowing edges equally
//   crop-window the frame filled from a moving window given per frame (smart crop's path)
//
// Non-square source pixels are undone (the picture is fitted by its display aspect).
// configure() settles every rectangle once; process() is const and may run concurrently on
// many frames (scratch memory is per thread).
#pragma once

#include <array>
#include <cstdint>

#include "filters/core/frame.h"
#include "filters/core/rect.h"

namespace shortpack {

enum class ReframeKind { kInvalid = 0, kFitBlur, kFitPad, kCropCenter, kCropWindow };

struct ReframeOptions {
  ReframeKind kind = ReframeKind::kFitBlur;
  int width_px = 0;  // output size, even
  int height_px = 0;
  std::array<uint8_t, 3> pad_yuv = {16, 128, 128};  // fit-pad colour (black)
  double background_darken = 0.55;                  // fit-blur: luma gain of the background
  int background_downscale = 8;                     // fit-blur: background built at 1/N size
  // fit-blur: scale the background up under the whole frame, where the picture covers it too (the
  // former way, kept to compare with; by default only the uncovered bands are scaled up).
  bool background_behind_picture = false;
};

// A rectangle in source pixels (crop-window); x, y, w, h.
struct CropWindow {
  double x = 0, y = 0, w = 0, h = 0;
};

class Reframe {
 public:
  explicit Reframe(ReframeOptions options);
  VideoFormat configure(const VideoFormat& in);
  // A new frame of the output size; `in` is not modified.
  [[nodiscard]] FramePtr process(const AVFrame& in) const;
  // crop-window: the window for this frame (must be inside the source).
  [[nodiscard]] FramePtr process(const AVFrame& in, const CropWindow& window) const;

  using Rect = PixelRect;
  // Where the whole picture lands in the output (fit modes), for tests and guides.
  [[nodiscard]] Rect foreground() const { return fg_dst_; }
  // The part of the source shown (crop-center) or behind (fit-blur background).
  [[nodiscard]] Rect source_crop() const { return crop_src_; }
  // The window crop-center would use, in source pixels.
  [[nodiscard]] CropWindow center_window() const;
  [[nodiscard]] const ReframeOptions& options() const { return options_; }
  // The source size (width, height in source pixels) at which this output takes one source pixel
  // per output pixel along each axis: the fitted picture's size (fit modes; the blurred background
  // needs far less), or the source scaled as the crop is (crop modes; a crop window has the
  // centre crop's size). A source first scaled down to it, and not below, keeps all the detail the
  // output shows. After configure().
  [[nodiscard]] std::array<int, 2> detail_needed() const;

 private:
  ReframeOptions options_;
  VideoFormat in_;
  VideoFormat out_;
  // fit-blur: the background of `out` (the picture is drawn over it afterwards).
  void fit_blur_background(const AVFrame& in, AVFrame& out) const;

  Rect fg_dst_;               // fit modes: destination of the fitted picture
  Rect crop_src_;             // crop-center: source crop; fit-blur: source crop for the background
  bool fills_frame_ = false;  // the fitted picture covers the whole output
};

}  // namespace shortpack

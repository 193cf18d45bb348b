// Logo overlay: a straight-alpha RGBA image blended onto yuv420p frames.
//
// configure() scales and converts the logo once per output size (planes Y, U, V plus a luma
// alpha and a 2x2-averaged chroma alpha, opacity applied); process() blends only the logo's
// rectangle, in place, and is const: it may run concurrently on different frames.
#pragma once

#include <utility>

#include <vector>

#include "filters/core/frame.h"
#include "filters/core/image.h"
#include "filters/core/rect.h"

namespace shortpack {

enum class Corner { kInvalid = 0, kTopLeft, kTopRight, kBottomLeft, kBottomRight };
// The corners' names, as campaigns (`logo_position:`) and presets (`logo: {position:}`) write them.
inline constexpr std::pair<const char*, Corner> kCornerNames[] = {{"top-left", Corner::kTopLeft},
                                                                  {"top-right", Corner::kTopRight},
                                                                  {"bottom-left", Corner::kBottomLeft},
                                                                  {"bottom-right", Corner::kBottomRight}};

struct LogoPlacement {
  Corner corner = Corner::kTopRight;
  double width_rel = 0.18;  // logo width as a fraction of the frame width
  double opacity = 1.0;
  // Distance from the frame edges (the safe zone) in output pixels.
  int top_px = 0, bottom_px = 0, left_px = 0, right_px = 0;
};

class LogoOverlay {
 public:
  LogoOverlay(RgbaImage logo, LogoPlacement placement);
  // Throws Error(kInput) when the logo does not fit inside the safe zone at this size.
  VideoFormat configure(const VideoFormat& in);
  void process(AVFrame& frame) const;

  using Rect = PixelRect;
  [[nodiscard]] Rect placed() const { return rect_; }
  // Where a logo_w x logo_h logo lands on a frame_w x frame_h frame (what configure() settles),
  // so that text can keep clear of it. Throws Error(kInput) when it does not fit the safe zone.
  [[nodiscard]] static Rect place(const LogoPlacement& placement, int logo_w, int logo_h, int frame_w,
                                  int frame_h);

 private:
  RgbaImage logo_;
  LogoPlacement placement_;
  Rect rect_;
  // Prepared planes at the output size (rect_.w x rect_.h; chroma at half size).
  std::vector<uint8_t> y_, a_, u_, v_, ac_;
};

}  // namespace shortpack

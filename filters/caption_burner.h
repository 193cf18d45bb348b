// Burns an ASS script onto yuv420p frames with libass (HarfBuzz complex shaping on).
//
// configure() once per output size; process() per frame, in place, on a writable frame.
// Thread safety: one CaptionBurner per branch; process() must not be called concurrently on
// the same object (libass renderers are not thread-safe). Different objects are independent.
// Blending touches only the pixels under glyph bitmaps; alpha is applied to luma per pixel and to
// chroma per 2x2 block (BT.709 limited range colours).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "filters/core/frame.h"

namespace shortpack {

struct FontSetup {
  std::string default_family = "Noto Sans";  // fontconfig family used when a style's font is missing
  std::vector<std::string> font_files;       // extra font files to load (e.g. the brand's)
};

class CaptionBurner {
 public:
  CaptionBurner(std::string ass_script, FontSetup fonts);
  ~CaptionBurner();
  CaptionBurner(const CaptionBurner&) = delete;
  CaptionBurner& operator=(const CaptionBurner&) = delete;

  // Only yuv420p; the output format equals the input.
  VideoFormat configure(const VideoFormat& in);
  // Draws the captions visible at time_ms. Returns true when anything was drawn.
  bool process(AVFrame& frame, int64_t time_ms);
  // The bounding box of what process() drew last (x, y, w, h); all zero when nothing.
  struct Box { int x = 0, y = 0, w = 0, h = 0; };
  [[nodiscard]] Box last_box() const { return last_box_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Box last_box_;
};

}  // namespace shortpack

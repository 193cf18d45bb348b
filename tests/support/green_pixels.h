// The test logo (opaque saturated green, on grey or test-pattern sources): made as a PNG, and
// found in a decoded picture. Header-only: used by the e2e and browser tests.
#pragma once

#include <filesystem>

#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack::test {

// Writes the test logo, an opaque green 64x32 RGBA PNG (make_image).
inline void make_green_logo(const std::filesystem::path& out) {
  make_image(out, "color=c=0x00FF00:s=64x32,format=rgba");
}

// A saturated green pixel: chroma both below 90.
inline bool is_green(const YuvPicture& pic, int x, int y) { return pic.cb(x, y) < 90 && pic.cr(x, y) < 90; }

// The first row with a saturated green pixel, -1 when there is none.
inline int first_green_row(const YuvPicture& pic) {
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (is_green(pic, x, y)) return y;
    }
  }
  return -1;
}

// Saturated green pixels in the luma rectangle [x0, x1) x [y0, y1).
inline int count_green(const YuvPicture& pic, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) n += is_green(pic, x, y) ? 1 : 0;
  }
  return n;
}
// ... in the whole picture.
inline int count_green(const YuvPicture& pic) { return count_green(pic, 0, 0, pic.width_px, pic.height_px); }

}  // namespace shortpack::test

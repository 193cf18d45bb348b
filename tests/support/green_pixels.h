// Finding the test logo (opaque saturated green, on grey or test-pattern sources) in a decoded
// picture. Header-only: used by the studio's e2e and browser tests.
#pragma once

#include "support/media_probe.h"

namespace shortpack::test {

// The first row with a saturated green pixel (chroma both below 90), -1 when there is none.
inline int first_green_row(const YuvPicture& pic) {
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (pic.cb(x, y) < 90 && pic.cr(x, y) < 90) return y;
    }
  }
  return -1;
}

}  // namespace shortpack::test

// The one rectangle type of shortpack: a box on a frame in luma pixels (x, y the top-left
// corner). Filters say where they draw or read with it, and captions lay out with it.
#pragma once

namespace shortpack {

struct PixelRect {
  int x = 0, y = 0, w = 0, h = 0;
};

}  // namespace shortpack

// A still picture in straight (non-premultiplied) RGBA, 8 bits per channel, rows packed.
#pragma once

#include <cstdint>
#include <vector>

namespace shortpack {

struct RgbaImage {
  int width_px = 0;
  int height_px = 0;
  std::vector<uint8_t> pixels;  // width * height * 4, R G B A
};

// BT.709 limited-range conversion of one colour (components 0..255).
struct Yuv {
  uint8_t y, u, v;
};
Yuv rgb_to_yuv709(uint8_t r, uint8_t g, uint8_t b);

}  // namespace shortpack

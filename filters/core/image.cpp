#include "filters/core/image.h"

#include <algorithm>
#include <cmath>

namespace shortpack {

Yuv rgb_to_yuv709(uint8_t r8, uint8_t g8, uint8_t b8) {
  const double r = r8 / 255.0;
  const double g = g8 / 255.0;
  const double b = b8 / 255.0;
  const double y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const double cb = (b - y) / 1.8556;
  const double cr = (r - y) / 1.5748;
  auto clamp8 = [](double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); };
  return {clamp8(16.0 + 219.0 * y), clamp8(128.0 + 224.0 * cb), clamp8(128.0 + 224.0 * cr)};
}

}  // namespace shortpack

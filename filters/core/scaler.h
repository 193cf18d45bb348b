// Rectangle-to-rectangle scaling of yuv420p frames with libswscale (bicubic, as FFmpeg's own
// `scale` filter), for the reframe modes' foreground and crop windows.
//
// SwsContexts are kept per thread, one per (source size, destination size): a filter's
// process() is const and runs on many TBB workers at once, and a context is not thread-safe.
// Each context is made once per thread and size, so the hot path allocates nothing.
#pragma once

extern "C" {
#include <libavutil/frame.h>
}

namespace shortpack {

struct PixelRect {
  int x = 0, y = 0, w = 0, h = 0;  // luma pixels; x, y, w and h even
};

// Scales `src` of `in` into `dst` of `out` (both yuv420p). Pixels of `out` outside `dst` are
// left alone. Throws Error(kInternal) when swscale refuses the sizes.
void scale_yuv420p(const AVFrame& in, const PixelRect& src, AVFrame& out, const PixelRect& dst);

}  // namespace shortpack

// Rectangle-to-rectangle scaling of yuv420p frames with libswscale (bicubic, as FFmpeg's own
// `scale` filter), for the reframe modes' foreground and crop windows.
//
// SwsContexts are kept per thread, one per (source size, destination size): a filter's
// process() is const and runs on many TBB workers at once, and a context is not thread-safe.
// Each context is made once per thread and size, so the hot path allocates nothing.
#pragma once

extern "C" {
#include <libavutil/frame.h>
#include "filters/core/rect.h"
}

namespace shortpack {

// Scales `src` of `in` into `dst` of `out` (both yuv420p; x, y, w and h of both even). Pixels of `out`
// outside `dst` are left alone. Throws Error(kInternal) when swscale refuses the sizes.
void scale_yuv420p(const AVFrame& in, const PixelRect& src, AVFrame& out, const PixelRect& dst);

}  // namespace shortpack

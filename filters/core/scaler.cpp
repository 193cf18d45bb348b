#include "filters/core/scaler.h"

#include <array>
#include <map>
#include <memory>
#include <string>
#include <tuple>

extern "C" {
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
}

#include "filters/core/error.h"

namespace shortpack {
namespace {

struct SwsFree {
  void operator()(SwsContext* s) const noexcept { sws_freeContext(s); }
};
using SwsHandle = std::unique_ptr<SwsContext, SwsFree>;

SwsContext* context_for(int src_w, int src_h, int dst_w, int dst_h) {
  // A handful of sizes per thread (one per geometry and source): a small map is enough.
  thread_local std::map<std::tuple<int, int, int, int>, SwsHandle> contexts;
  const auto key = std::make_tuple(src_w, src_h, dst_w, dst_h);
  auto it = contexts.find(key);
  if (it == contexts.end()) {
    SwsHandle made(sws_getContext(src_w, src_h, AV_PIX_FMT_YUV420P, dst_w, dst_h, AV_PIX_FMT_YUV420P,
                                  SWS_BICUBIC, nullptr, nullptr, nullptr));
    if (!made) {
      throw Error(ErrorKind::kInternal, "swscale cannot scale " + std::to_string(src_w) + "x" +
                                            std::to_string(src_h) + " to " + std::to_string(dst_w) + "x" +
                                            std::to_string(dst_h));
    }
    it = contexts.emplace(key, std::move(made)).first;
  }
  return it->second.get();
}

}  // namespace

void scale_yuv420p(const AVFrame& in, const PixelRect& src, AVFrame& out, const PixelRect& dst) {
  if (in.format != AV_PIX_FMT_YUV420P || out.format != AV_PIX_FMT_YUV420P) {
    throw Error(ErrorKind::kInternal, "scale_yuv420p takes yuv420p frames");
  }
  if (src.w < 2 || src.h < 2 || dst.w < 2 || dst.h < 2 || src.x < 0 || src.y < 0 || dst.x < 0 || dst.y < 0 ||
      src.x + src.w > in.width || src.y + src.h > in.height || dst.x + dst.w > out.width ||
      dst.y + dst.h > out.height || ((src.x | src.y | dst.x | dst.y) & 1) != 0) {
    throw Error(ErrorKind::kInternal, "scale_yuv420p: a rectangle outside its frame or on odd pixels");
  }
  if (src.w == dst.w && src.h == dst.h) {
    // The same size (a source read at the size its output needs): a copy, not a bicubic pass.
    for (int p = 0; p < 3; ++p) {
      const int shift = p == 0 ? 0 : 1;
      av_image_copy_plane(
          out.data[p] + static_cast<ptrdiff_t>(dst.y >> shift) * out.linesize[p] + (dst.x >> shift),
          out.linesize[p],
          in.data[p] + static_cast<ptrdiff_t>(src.y >> shift) * in.linesize[p] + (src.x >> shift),
          in.linesize[p], src.w >> shift, src.h >> shift);
    }
    return;
  }
  SwsContext* sws = context_for(src.w, src.h, dst.w, dst.h);
  std::array<const uint8_t*, 4> from{};
  std::array<uint8_t*, 4> to{};
  std::array<int, 4> from_stride{};
  std::array<int, 4> to_stride{};
  for (int p = 0; p < 3; ++p) {
    const int shift = p == 0 ? 0 : 1;
    from[p] = in.data[p] + static_cast<ptrdiff_t>(src.y >> shift) * in.linesize[p] + (src.x >> shift);
    to[p] = out.data[p] + static_cast<ptrdiff_t>(dst.y >> shift) * out.linesize[p] + (dst.x >> shift);
    from_stride[p] = in.linesize[p];
    to_stride[p] = out.linesize[p];
  }
  const int rows = sws_scale(sws, from.data(), from_stride.data(), 0, src.h, to.data(), to_stride.data());
  if (rows != dst.h) throw Error(ErrorKind::kInternal, "swscale wrote " + std::to_string(rows) + " rows");
}

}  // namespace shortpack

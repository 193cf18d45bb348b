#include "filters/core/frame.h"

#include <cstring>

#include "filters/core/error.h"

#include <map>
#include <memory>
#include <mutex>
#include <tuple>

extern "C" {
#include <libavutil/buffer.h>
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace shortpack {

FramePtr make_frame() {
  FramePtr frame(av_frame_alloc());
  if (!frame) throw Error(ErrorKind::kInternal, "out of memory allocating a frame");
  return frame;
}

namespace {

// Frame buffers come from one pool per (size, format): the render path allocates a few frames per
// output frame, and fresh multi-megabyte allocations would fault their pages in every time.
// At most kMaxPools pools are kept (the least recently used is let go: av_buffer_pool_uninit frees
// it once its last buffer comes back), so a run over many source sizes, or a fuzzer feeding
// random ones, does not keep every size's buffers for the whole process. The buffer is taken
// under the lock, so a pool is never let go between being found and being used.
struct PoolUninit {
  void operator()(AVBufferPool* pool) const { av_buffer_pool_uninit(&pool); }
};
struct PoolEntry {
  std::unique_ptr<AVBufferPool, PoolUninit> pool;
  uint64_t last_use = 0;
};
constexpr size_t kMaxPools = 16;

AVBufferRef* buffer_from_pool(int width_px, int height_px, AVPixelFormat format, int bytes) {
  static std::mutex mutex;
  static std::map<std::tuple<int, int, int>, PoolEntry> pools;
  static uint64_t clock = 0;
  const std::lock_guard<std::mutex> lock(mutex);
  const std::tuple<int, int, int> key{width_px, height_px, static_cast<int>(format)};
  PoolEntry& entry = pools[key];
  if (!entry.pool) {
    if (pools.size() > kMaxPools) {
      auto oldest = pools.end();
      for (auto it = pools.begin(); it != pools.end(); ++it) {
        if (it->second.pool && (oldest == pools.end() || it->second.last_use < oldest->second.last_use))
          oldest = it;
      }
      if (oldest != pools.end()) pools.erase(oldest);
    }
    entry.pool.reset(av_buffer_pool_init(static_cast<size_t>(bytes), nullptr));
    if (!entry.pool) return nullptr;
  }
  entry.last_use = ++clock;
  return av_buffer_pool_get(entry.pool.get());
}

}  // namespace

FramePtr alloc_video_frame(int width_px, int height_px, AVPixelFormat format) {
  FramePtr frame = make_frame();
  frame->width = width_px;
  frame->height = height_px;
  frame->format = format;
  constexpr int kAlign = 32;
  const int bytes = av_image_get_buffer_size(format, width_px, height_px, kAlign);
  if (bytes > 0) frame->buf[0] = buffer_from_pool(width_px, height_px, format, bytes + kAlign);
  if (frame->buf[0] == nullptr) {
    check_av(av_frame_get_buffer(frame.get(), kAlign), ErrorKind::kInternal,
             "allocating a " + std::to_string(width_px) + "x" + std::to_string(height_px) + " frame");
    return frame;
  }
  check_av(av_image_fill_arrays(frame->data, frame->linesize, frame->buf[0]->data, format, width_px,
                                height_px, kAlign),
           ErrorKind::kInternal, "laying out a frame");
  frame->extended_data = frame->data;
  return frame;
}

FramePtr alloc_audio_frame(int samples, int sample_rate_hz, int channels, int sample_format) {
  FramePtr frame = make_frame();
  frame->nb_samples = samples;
  frame->sample_rate = sample_rate_hz;
  frame->format = sample_format;
  av_channel_layout_default(&frame->ch_layout, channels);
  check_av(av_frame_get_buffer(frame.get(), 0), ErrorKind::kInternal, "allocating an audio frame");
  return frame;
}

FramePtr ref_frame(const AVFrame& frame) {
  FramePtr out = make_frame();
  check_av(av_frame_ref(out.get(), &frame), ErrorKind::kInternal, "referencing a frame");
  return out;
}

FramePtr make_writable_copy(const AVFrame& frame) {
  FramePtr out = alloc_video_frame(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format));
  check_av(av_frame_copy(out.get(), &frame), ErrorKind::kInternal, "copying a frame");
  check_av(av_frame_copy_props(out.get(), &frame), ErrorKind::kInternal, "copying frame properties");
  return out;
}

SharedFrame share(FramePtr frame) { return SharedFrame(frame.release(), AVFrameDeleter{}); }

bool VideoFormat::operator==(const VideoFormat& o) const noexcept {
  return width_px == o.width_px && height_px == o.height_px && pixel_format == o.pixel_format &&
         av_cmp_q(sample_aspect, o.sample_aspect) == 0 && av_cmp_q(frame_rate, o.frame_rate) == 0;
}

std::string VideoFormat::describe() const {
  const char* name = av_get_pix_fmt_name(pixel_format);
  return std::to_string(width_px) + "x" + std::to_string(height_px) + " " + (name ? name : "none") + " @" +
         std::to_string(av_q2d(frame_rate)) + " fps";
}

void fill_yuv420p(AVFrame& frame, uint8_t y, uint8_t u, uint8_t v) {
  for (int row = 0; row < frame.height; ++row) {
    std::memset(frame.data[0] + static_cast<ptrdiff_t>(row) * frame.linesize[0], y, frame.width);
  }
  const int cw = (frame.width + 1) / 2;
  const int ch = (frame.height + 1) / 2;
  for (int row = 0; row < ch; ++row) {
    std::memset(frame.data[1] + static_cast<ptrdiff_t>(row) * frame.linesize[1], u, cw);
    std::memset(frame.data[2] + static_cast<ptrdiff_t>(row) * frame.linesize[2], v, cw);
  }
}

}  // namespace shortpack

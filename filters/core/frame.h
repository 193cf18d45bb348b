// Frames and formats: the currency of the ground floor.
//
// Ownership: a FramePtr owns one AVFrame (and through it refcounted buffers). A frame that
// several branches read is published as SharedFrame (shared_ptr<const AVFrame>) and never
// written again; a branch that draws calls make_writable_copy() first.
// Metadata that the pipeline needs beside a frame (sequence number, time) travels in the
// graph's own messages (pipeline/graph/), never in AVFrame::opaque.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

extern "C" {
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
#include <libavutil/rational.h>
}

namespace shortpack {

struct AVFrameDeleter {
  void operator()(AVFrame* frame) const noexcept { av_frame_free(&frame); }
};
using FramePtr = std::unique_ptr<AVFrame, AVFrameDeleter>;
using SharedFrame = std::shared_ptr<const AVFrame>;

static_assert(!std::is_copy_constructible_v<FramePtr>, "frames are moved or referenced on purpose");

// An empty AVFrame (no buffers). Throws Error(kInternal) when out of memory.
FramePtr make_frame();
// A frame with its own writable buffers, 32-byte aligned lines.
FramePtr alloc_video_frame(int width_px, int height_px, AVPixelFormat format);
FramePtr alloc_audio_frame(int samples, int sample_rate_hz, int channels, int sample_format);
// A new reference to the same buffers (cheap).
FramePtr ref_frame(const AVFrame& frame);
// A deep copy with new writable buffers.
FramePtr make_writable_copy(const AVFrame& frame);
// Publishes a frame for several readers.
SharedFrame share(FramePtr frame);

// What a video stream of frames looks like.
struct VideoFormat {
  int width_px = 0;
  int height_px = 0;
  AVPixelFormat pixel_format = AV_PIX_FMT_NONE;
  AVRational sample_aspect = {1, 1};  // pixel aspect ratio of the frames
  AVRational frame_rate = {0, 1};     // frames per second (constant)

  [[nodiscard]] bool operator==(const VideoFormat& o) const noexcept;
  [[nodiscard]] std::string describe() const;
};

// Fills a yuv420p frame with one colour (Y, U, V values).
void fill_yuv420p(AVFrame& frame, uint8_t y, uint8_t u, uint8_t v);

}  // namespace shortpack

// Joining spans (issue 29): an output's H.264 stream assembled from the packets of spans that
// separate x264 encoders made with identical settings, each starting with an IDR picture.
//
// A span's packets keep the encoder's presentation times, which are the output's frame numbers
// (time base 1/fps). The join keeps them and recomputes every decoding time over the whole joined
// stream: the i-th packet in decoding order gets the i-th smallest presentation time minus the
// stream's reorder delay, so decoding times rise by one frame per packet across the joins.
// Thread safety: plain data and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/media/av_ptr.h"

namespace shortpack {

// What one span's encoder made. Written by the one branch that encodes it, read (after the
// graph) by every output that joins it.
struct EncodedSpan {
  int64_t first_frame = 0;
  int64_t frame_count = 0;
  CodecParametersPtr parameters;   // the encoder's after opening: size, profile, level, extradata
  int reorder_delay_frames = 0;    // the encoder's has_b_frames
  std::vector<PacketPtr> packets;  // in decoding order, times in frames of the output
  bool complete = false;           // flushed: every packet is here
};

// A span is encoded taking the VBV buffer to be this full at its first frame (x264's vbv-init),
// not a stream's 0.9: in the joined stream the span before may have left it lower (an IDR picture
// and the frames after it, at the start of a span, take much of a capped buffer). x264 keeps the
// buffer from emptying within a span that starts at least this full; check_vbv proves the join.
inline constexpr double kSpanVbvInit = 0.5;

// The leaky-bucket (VBV) model of a preset's rate cap: the buffer starts `initial_fullness` full
// (x264's vbv-init), each frame's bits leave it when the frame is decoded, and it refills at
// maxrate_bps up to bufsize_bits. No cap when maxrate_bps is 0.
struct VbvModel {
  int64_t maxrate_bps = 0;
  int64_t bufsize_bits = 0;
  double initial_fullness = 0.9;
  AVRational frame_rate{30, 1};
};

// The VBV buffer of `model` over a stream's pictures in decoding order.
class VbvBuffer {
 public:
  explicit VbvBuffer(const VbvModel& model);
  // Takes picture `index`'s bytes out of the buffer and refills it for one frame; throws
  // Error(kEncode) naming the picture when the buffer would underflow.
  void take(int64_t bytes, size_t index);

 private:
  VbvModel model_;
  double size_ = 0;
  double refill_ = 0;
  double fullness_ = 0;
};

// One output's stream joined span by span as each is made, so that a span's packets can be
// written (and let go) before the next span exists: the checks of join_spans and the VBV model
// carry from one span to the next. The decoding times use the first span's reorder delay (spans
// of one encoder setting share it); a later span that needs more is refused.
class SpanJoin {
 public:
  SpanJoin(int64_t frame_count, const VbvModel& vbv);
  // The packets of `span`, the output's next one (new references to its data, with their
  // decoding times), in decoding order. Throws Error(kEncode) saying why it cannot follow the
  // spans before it (see join_spans), or at which picture the buffer would empty.
  std::vector<PacketPtr> append(const EncodedSpan* span);
  // Throws Error(kEncode) when the spans appended do not hold all the frames.
  void finish() const;

 private:
  int64_t frame_count_;
  VbvBuffer vbv_;
  CodecParametersPtr first_;  // the first span's (a copy: the span may be let go)
  int64_t next_frame_ = 0;
  int delay_ = 0;
  size_t spans_ = 0;
  size_t pictures_ = 0;
};

// The joined stream's packets (new references to the spans' data), in decoding order. Throws
// Error(kEncode) saying why the spans cannot make one valid stream: a span missing or incomplete,
// parameter sets (extradata) or sizes that differ, a gap or overlap in the frames, a span that
// does not start with a keyframe.
std::vector<PacketPtr> join_spans(const std::vector<const EncodedSpan*>& spans, int64_t frame_count);

// Throws Error(kEncode) naming the first frame (decoding order) at which the buffer of `vbv`
// would underflow with `packets` (in decoding order).
void check_vbv(const std::vector<PacketPtr>& packets, const VbvModel& vbv);

}  // namespace shortpack

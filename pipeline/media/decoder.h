// Decoding one stream of a Demuxer (libavcodec send/receive).
//
// EAGAIN and EOF are states of the loop, not errors: next() hides them and returns false only
// when the stream is exhausted. Frames come out in presentation order with best_effort_timestamp
// converted to seconds.
#pragma once

#include "pipeline/media/demuxer.h"

namespace shortpack {

class StreamDecoder {
 public:
  // `threads`: libavcodec decoding threads (0 = libavcodec decides).
  StreamDecoder(Demuxer& demuxer, int stream_index, int threads);

  // Fills `frame` with the next decoded frame. Returns false at the end of the stream.
  // Throws Error(kMedia) naming the file, stream and time when decoding fails.
  bool next(AVFrame& frame);
  // Forgets buffered packets and frames (after a seek of the demuxer).
  void reset();
  // Seconds of a frame's timestamp from the start of the file (Demuxer::origin_s, common to all
  // its streams, so audio and video keep their offset); NAN when unknown.
  [[nodiscard]] double seconds_of(const AVFrame& frame) const;
  [[nodiscard]] AVCodecContext* codec() const { return codec_.get(); }
  [[nodiscard]] const AVStream* stream() const { return stream_; }
  // Tolerates this many corrupt packets before giving up (phone footage often has a few).
  static constexpr int kMaxBadPackets = 16;

 private:
  enum class State { kNeedPacket, kDraining, kDone };
  Demuxer& demuxer_;
  const AVStream* stream_;
  CodecContextPtr codec_;
  PacketPtr packet_;
  State state_ = State::kNeedPacket;
  int bad_packets_ = 0;
  double last_seconds_ = 0.0;
};

// Seeks `demuxer` and `decoder` to `start_s` (seconds_of() time) and decodes the first frame from
// there into `first`, which is on screen at or before `start_s + tolerance_s`. A demuxer without
// an index (MPEG-TS) finds the place by timestamps and can land after a keyframe; the decoder then
// starts at the next keyframe, later than asked. That is checked: the seek is tried 2 s and then
// 10 s earlier, and at last from the start of the file. Returns false when nothing decodes.
bool seek_decoder_before(Demuxer& demuxer, StreamDecoder& decoder, double start_s, double tolerance_s,
                         AVFrame& first);

}  // namespace shortpack

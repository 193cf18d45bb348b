// H.264 (libx264) and AAC-LC encoders over libavcodec.
//
// Options libav does not consume at avcodec_open2 are an error, never ignored.
// Thread safety: one caller at a time per encoder.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/media/audio_source.h"
#include "pipeline/media/av_ptr.h"

namespace shortpack {

struct VideoEncodeSettings {
  int width_px = 0;
  int height_px = 0;
  AVRational frame_rate{30, 1};
  std::string profile = "high";
  int level = 42;  // level_idc
  std::string x264_preset = "veryfast";
  int crf = 23;
  int64_t maxrate_bps = 0;
  int64_t bufsize_bits = 0;
  int gop_frames = 60;
  int bframes = 2;
  bool closed_gop = true;
  int threads = 0;  // 0: libx264 decides

  // Everything that changes the encoded bytes, as text (part of an output's identity).
  [[nodiscard]] std::string key() const;
};

class VideoEncoder {
 public:
  // `vbv_init`: how full the rate cap's buffer is taken to be at the first frame (x264's
  // vbv-init, a fraction); 0 keeps x264's own (0.9). Spans of a joined stream start lower
  // (kSpanVbvInit): the span before may have left the buffer less full than a stream's start.
  VideoEncoder(const VideoEncodeSettings& settings, std::string what, double vbv_init = 0.0);
  // Sends one frame (nullptr flushes) and hands every packet that comes out to `sink`.
  // Packets are in the encoder's time base (1/fps). Throws Error(kEncode).
  void encode(const AVFrame* frame, const std::function<void(AVPacket&)>& sink);
  [[nodiscard]] const AVCodecContext* context() const { return codec_.get(); }

 private:
  CodecContextPtr codec_;
  PacketPtr packet_;
  std::string what_;
  bool flushed_ = false;
};

struct AudioEncodeSettings {
  int sample_rate_hz = 48000;
  int channels = 2;
  int64_t bitrate_bps = 128000;
  [[nodiscard]] std::string key() const;
};

// One clip's audio, encoded once and shared (read-only) by every output that muxes it.
struct EncodedAudio {
  CodecParametersPtr parameters;
  AVRational time_base{1, 48000};
  std::vector<PacketPtr> packets;  // in time_base, in decode order
};

// Encodes a whole buffer to AAC-LC. Throws Error(kEncode).
std::shared_ptr<const EncodedAudio> encode_aac(const AudioBuffer& audio, const AudioEncodeSettings& settings);

}  // namespace shortpack

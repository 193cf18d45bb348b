#include "pipeline/media/encoder.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <sstream>

#include "filters/core/error.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace shortpack {

std::string VideoEncodeSettings::key() const {
  std::ostringstream s;
  s << "h264 " << width_px << "x" << height_px << " fps=" << frame_rate.num << "/" << frame_rate.den
    << " profile=" << profile << " level=" << level << " preset=" << x264_preset << " crf=" << crf
    << " maxrate=" << maxrate_bps << " bufsize=" << bufsize_bits << " gop=" << gop_frames << " bf=" << bframes
    << " closed=" << closed_gop << " threads=" << threads;
  return s.str();
}

std::string AudioEncodeSettings::key() const {
  std::ostringstream s;
  s << "aac " << sample_rate_hz << "Hz " << channels << "ch " << bitrate_bps << "bps";
  return s.str();
}

VideoEncoder::VideoEncoder(const VideoEncodeSettings& st, std::string what, double vbv_init)
    : packet_(make_packet()), what_(std::move(what)) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) throw Error(ErrorKind::kEncode, "libx264 is not available in this libavcodec");
  codec_.reset(avcodec_alloc_context3(codec));
  if (!codec_) throw Error(ErrorKind::kInternal, "out of memory allocating an encoder");
  AVCodecContext* c = codec_.get();
  c->width = st.width_px;
  c->height = st.height_px;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = av_inv_q(st.frame_rate);
  c->framerate = st.frame_rate;
  c->sample_aspect_ratio = {1, 1};
  c->gop_size = st.gop_frames;
  c->keyint_min = std::min(st.gop_frames, std::max(1, st.gop_frames / 2));
  c->max_b_frames = st.bframes;
  c->level = st.level;
  c->thread_count = st.threads;
  c->color_range = AVCOL_RANGE_MPEG;
  c->color_primaries = AVCOL_PRI_BT709;
  c->color_trc = AVCOL_TRC_BT709;
  c->colorspace = AVCOL_SPC_BT709;
  c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // MP4 keeps SPS/PPS in avcC
  if (st.closed_gop) c->flags |= AV_CODEC_FLAG_CLOSED_GOP;
  if (st.maxrate_bps > 0) {
    c->rc_max_rate = st.maxrate_bps;
    const int64_t buffer_bits = st.bufsize_bits > 0 ? st.bufsize_bits : 2 * st.maxrate_bps;
    if (buffer_bits > std::numeric_limits<int>::max()) {  // presets refuse it; never narrowed unchecked
      throw Error(ErrorKind::kInput, what_ + ": a VBV buffer of " + std::to_string(buffer_bits) +
                                         " bits is more than the encoder takes");
    }
    c->rc_buffer_size = static_cast<int>(buffer_bits);
  }
  Dictionary opts;
  opts.set("preset", st.x264_preset);
  opts.set("profile", st.profile);
  opts.set("crf", std::to_string(st.crf));
  // Keyframes only where the GOP says (platforms check the interval); no open GOP.
  std::string x264_params = "scenecut=0:open-gop=0";
  if (vbv_init > 0.0 && st.maxrate_bps > 0) x264_params += fmt::format(":vbv-init={:.3f}", vbv_init);
  opts.set("x264-params", x264_params);
  const int ret = avcodec_open2(c, codec, opts.address());
  if (ret < 0) {
    throw Error(ErrorKind::kEncode,
                what_ + ": cannot open the H.264 encoder (" + st.key() + "): " + av_error_text(ret));
  }
  const std::string leftover = opts.leftover_keys();
  if (!leftover.empty()) {
    throw Error(ErrorKind::kEncode, what_ + ": libx264 did not accept the options: " + leftover);
  }
}

void VideoEncoder::encode(const AVFrame* frame, const std::function<void(AVPacket&)>& sink) {
  if (flushed_) return;
  int ret = avcodec_send_frame(codec_.get(), frame);
  if (ret < 0 && ret != AVERROR_EOF) {
    throw Error(ErrorKind::kEncode, what_ + ": encoding failed: " + av_error_text(ret));
  }
  if (frame == nullptr) flushed_ = true;
  while (true) {
    ret = avcodec_receive_packet(codec_.get(), packet_.get());
    if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
    if (ret < 0) throw Error(ErrorKind::kEncode, what_ + ": encoding failed: " + av_error_text(ret));
    sink(*packet_);
    av_packet_unref(packet_.get());
  }
}

std::shared_ptr<const EncodedAudio> encode_aac(const AudioBuffer& audio, const AudioEncodeSettings& st) {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) throw Error(ErrorKind::kEncode, "no AAC encoder in this libavcodec");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw Error(ErrorKind::kInternal, "out of memory allocating an encoder");
  ctx->sample_rate = st.sample_rate_hz;
  ctx->sample_fmt = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&ctx->ch_layout, st.channels);
  ctx->bit_rate = st.bitrate_bps;
  ctx->profile = FF_PROFILE_AAC_LOW;
  ctx->time_base = {1, st.sample_rate_hz};
  ctx->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(ctx.get(), codec, nullptr), ErrorKind::kEncode, "cannot open the AAC encoder");

  auto out = std::make_shared<EncodedAudio>();
  out->time_base = ctx->time_base;
  out->parameters.reset(avcodec_parameters_alloc());
  check_av(avcodec_parameters_from_context(out->parameters.get(), ctx.get()), ErrorKind::kEncode,
           "cannot read the AAC encoder's parameters");

  const int frame_size = ctx->frame_size > 0 ? ctx->frame_size : 1024;
  const size_t total = audio.frames();
  PacketPtr packet = make_packet();
  auto drain = [&] {
    while (true) {
      const int ret = avcodec_receive_packet(ctx.get(), packet.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
      check_av(ret, ErrorKind::kEncode, "AAC encoding failed");
      out->packets.push_back(make_packet());
      av_packet_move_ref(out->packets.back().get(), packet.get());
    }
  };
  for (size_t pos = 0; pos < total; pos += static_cast<size_t>(frame_size)) {
    const int n = static_cast<int>(std::min<size_t>(frame_size, total - pos));
    FramePtr frame = alloc_audio_frame(n, st.sample_rate_hz, st.channels, AV_SAMPLE_FMT_FLTP);
    for (int ch = 0; ch < st.channels; ++ch) {
      auto* dst = reinterpret_cast<float*>(frame->data[ch]);
      const float* src = audio.samples.data() + pos * static_cast<size_t>(audio.channels) +
                         static_cast<size_t>(std::min(ch, audio.channels - 1));
      for (int i = 0; i < n; ++i) dst[i] = src[static_cast<size_t>(i) * static_cast<size_t>(audio.channels)];
    }
    frame->pts = static_cast<int64_t>(pos);
    check_av(avcodec_send_frame(ctx.get(), frame.get()), ErrorKind::kEncode, "AAC encoding failed");
    drain();
  }
  check_av(avcodec_send_frame(ctx.get(), nullptr), ErrorKind::kEncode, "AAC encoding failed");
  drain();
  return out;
}

}  // namespace shortpack

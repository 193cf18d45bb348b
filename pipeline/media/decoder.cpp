#include "pipeline/media/decoder.h"

#include <cmath>
#include <string>

#include "filters/core/error.h"

namespace shortpack {

StreamDecoder::StreamDecoder(Demuxer& demuxer, int stream_index, int threads)
    : demuxer_(demuxer), stream_(demuxer.context()->streams[stream_index]), packet_(make_packet()) {
  const AVCodec* decoder = avcodec_find_decoder(stream_->codecpar->codec_id);
  if (decoder == nullptr) {
    throw Error(ErrorKind::kMedia, demuxer.path().string() + ": no decoder for codec '" +
                                       avcodec_get_name(stream_->codecpar->codec_id) + "'");
  }
  codec_.reset(avcodec_alloc_context3(decoder));
  if (!codec_) throw Error(ErrorKind::kInternal, "out of memory allocating a decoder");
  check_av(avcodec_parameters_to_context(codec_.get(), stream_->codecpar), ErrorKind::kMedia,
           demuxer.path().string() + ": bad codec parameters");
  codec_->pkt_timebase = stream_->time_base;
  codec_->thread_count = threads;
  check_av(avcodec_open2(codec_.get(), decoder, nullptr), ErrorKind::kMedia,
           "cannot open the decoder for " + demuxer.path().string());
}

double StreamDecoder::seconds_of(const AVFrame& frame) const {
  const int64_t ts = frame.best_effort_timestamp != AV_NOPTS_VALUE ? frame.best_effort_timestamp : frame.pts;
  if (ts == AV_NOPTS_VALUE) return NAN;
  return static_cast<double>(ts) * av_q2d(stream_->time_base) - demuxer_.origin_s(stream_->index);
}

void StreamDecoder::reset() {
  avcodec_flush_buffers(codec_.get());
  state_ = State::kNeedPacket;
  bad_packets_ = 0;
}

bool StreamDecoder::next(AVFrame& frame) {
  while (true) {
    const int ret = avcodec_receive_frame(codec_.get(), &frame);
    if (ret >= 0) {
      const double s = seconds_of(frame);
      if (!std::isnan(s)) last_seconds_ = s;
      return true;
    }
    if (ret == AVERROR_EOF) {
      state_ = State::kDone;
      return false;
    }
    if (ret != AVERROR(EAGAIN)) {
      throw Error(ErrorKind::kMedia, demuxer_.path().string() + ": cannot decode stream " +
                                         std::to_string(stream_->index) + " near " +
                                         std::to_string(last_seconds_) + " s: " + av_error_text(ret));
    }
    if (state_ == State::kDone) return false;
    if (state_ == State::kDraining) return false;  // EAGAIN while draining: nothing more will come
    // The decoder wants input: feed it the next packet of our stream, or the flush packet.
    while (true) {
      if (!demuxer_.read(*packet_)) {
        check_av(avcodec_send_packet(codec_.get(), nullptr), ErrorKind::kMedia,
                 demuxer_.path().string() + ": cannot flush the decoder");
        state_ = State::kDraining;
        break;
      }
      if (packet_->stream_index != stream_->index) continue;
      const int sent = avcodec_send_packet(codec_.get(), packet_.get());
      if (sent == AVERROR_INVALIDDATA && ++bad_packets_ <= kMaxBadPackets) continue;
      check_av(sent, ErrorKind::kMedia,
               demuxer_.path().string() + ": cannot decode stream " + std::to_string(stream_->index) +
                   " near " + std::to_string(last_seconds_) + " s");
      break;
    }
  }
}

bool seek_decoder_before(Demuxer& demuxer, StreamDecoder& decoder, double start_s, double tolerance_s,
                         AVFrame& first) {
  if (start_s <= 0.0) return decoder.next(first);
  const int stream = decoder.stream()->index;
  for (const double back_s : {0.0, 2.0, 10.0}) {
    const double at = start_s - back_s;
    if (at <= 0.0 || !demuxer.seek(stream, at)) break;
    decoder.reset();
    if (!decoder.next(first)) continue;  // nothing after that point: earlier
    const double s = decoder.seconds_of(first);
    if (std::isnan(s) || s <= start_s + tolerance_s) return true;
    av_frame_unref(&first);  // landed after a keyframe: earlier
  }
  demuxer.rewind();  // if even that fails, decode from wherever the last seek went
  decoder.reset();
  return decoder.next(first);
}

}  // namespace shortpack

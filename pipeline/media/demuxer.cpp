#include "pipeline/media/demuxer.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/media/media_colour.h"

extern "C" {
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
}

namespace shortpack {

namespace {

// Demuxers that open other files or URLs named inside the input (playlists, file lists): a
// hostile "video" must not make shortpack read what the campaign did not name.
constexpr const char* kRefusedFormats[] = {"hls", "dash", "concat", "imf"};

bool is_refused(const char* name) {
  for (const char* refused : kRefusedFormats) {
    if (std::strcmp(name, refused) == 0) return true;
  }
  return false;
}

// Every demuxer libavformat has, except the refused ones (AVFormatContext.format_whitelist).
const std::string& format_whitelist() {
  static const std::string list = [] {
    std::string names;
    void* it = nullptr;
    while (const AVInputFormat* f = av_demuxer_iterate(&it)) {
      // One AVInputFormat may carry several names ("mov,mp4,m4a,3gp,3g2,mj2").
      std::string all = f->name;
      size_t start = 0;
      bool refused = false;
      while (start <= all.size()) {
        const size_t comma = std::min(all.find(',', start), all.size());
        refused = refused || is_refused(all.substr(start, comma - start).c_str());
        start = comma + 1;
      }
      if (refused) continue;
      if (!names.empty()) names += ',';
      names += all;
    }
    return names;
  }();
  return list;
}

}  // namespace

Demuxer::Demuxer(const std::filesystem::path& path, int64_t max_pixels) : path_(path) {
  AVFormatContext* raw = avformat_alloc_context();
  if (raw == nullptr) throw Error(ErrorKind::kInternal, "out of memory opening " + path.string());
  // Local files only (no network, no pipes), and no demuxer that follows references to others.
  raw->protocol_whitelist = av_strdup("file");
  raw->format_whitelist = av_strdup(format_whitelist().c_str());
  const int ret = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);  // frees `raw` on failure
  if (ret < 0) {
    std::string why = av_error_text(ret);
    if (ret == AVERROR(EINVAL)) {
      why +=
          " (playlists and file lists such as HLS, DASH or concat are not read: name the media file itself)";
    }
    throw Error(ErrorKind::kMedia, "cannot read " + path.string() + ": " + why);
  }
  format_.reset(raw);
  std::vector<Dictionary> options(format_->nb_streams);
  std::vector<AVDictionary*> raw_options(format_->nb_streams, nullptr);
  if (max_pixels > 0) {
    for (size_t i = 0; i < options.size(); ++i) {
      options[i].set("max_pixels", std::to_string(std::min<int64_t>(max_pixels, INT_MAX)));
      raw_options[i] = *options[i].address();
    }
  }
  const int found =
      avformat_find_stream_info(format_.get(), raw_options.empty() ? nullptr : raw_options.data());
  for (size_t i = 0; i < options.size(); ++i)
    *options[i].address() = raw_options[i];  // may have been replaced
  check_av(found, ErrorKind::kMedia, "cannot read the streams of " + path.string());
  video_stream_ = av_find_best_stream(format_.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (video_stream_ >= 0 &&
      (format_->streams[video_stream_]->disposition & AV_DISPOSITION_ATTACHED_PIC) != 0) {
    video_stream_ = -1;  // cover art in an audio file is not a video
  }
  audio_stream_ = av_find_best_stream(format_.get(), AVMEDIA_TYPE_AUDIO, -1, video_stream_, nullptr, 0);
  if (video_stream_ < 0) video_stream_ = -1;
  if (audio_stream_ < 0) audio_stream_ = -1;
}

MediaInfo Demuxer::info() const {
  MediaInfo info;
  info.path = path_;
  if (format_->duration != AV_NOPTS_VALUE && format_->duration > 0) {
    info.duration_s = static_cast<double>(format_->duration) / AV_TIME_BASE;
  }
  if (video_stream_ >= 0) {
    const AVStream* st = format_->streams[video_stream_];
    const AVCodecParameters* par = st->codecpar;
    info.has_video = true;
    info.width_px = par->width;
    info.height_px = par->height;
    AVRational sar = av_guess_sample_aspect_ratio(format_.get(), const_cast<AVStream*>(st), nullptr);
    info.sample_aspect = (sar.num > 0 && sar.den > 0) ? sar : AVRational{1, 1};
    info.frame_rate = st->avg_frame_rate.num > 0 ? st->avg_frame_rate : st->r_frame_rate;
    const char* codec = avcodec_get_name(par->codec_id);
    info.video_codec = codec ? codec : "";
    const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
    info.pixel_format = pix ? pix : "";
    const StreamColour colour = stream_colour(*st);
    info.colour = colour.colour;
    info.colour_warning = colour.warning;
    info.colour_contradiction = colour.contradiction;
    const uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
    if (matrix != nullptr) {
      // av_display_rotation_get() is counter-clockwise; we rotate clockwise by its negation.
      const double ccw = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
      if (!std::isnan(ccw)) {
        int cw = static_cast<int>(std::lround(-ccw / 90.0)) * 90;
        info.rotation_deg = ((cw % 360) + 360) % 360;
      }
    }
    if (info.duration_s <= 0 && st->duration != AV_NOPTS_VALUE) {
      info.duration_s = static_cast<double>(st->duration) * av_q2d(st->time_base);
    }
  }
  if (audio_stream_ >= 0) {
    const AVCodecParameters* par = format_->streams[audio_stream_]->codecpar;
    info.has_audio = true;
    info.audio_channels = par->ch_layout.nb_channels;
    info.audio_sample_rate_hz = par->sample_rate;
  }
  return info;
}

bool Demuxer::read(AVPacket& packet) {
  av_packet_unref(&packet);
  const int ret = av_read_frame(format_.get(), &packet);
  if (ret == AVERROR_EOF) return false;
  if (ret < 0) {
    // A truncated file ends in an I/O error on some demuxers: report it, the caller decides.
    throw Error(ErrorKind::kMedia, "cannot read " + path_.string() + ": " + av_error_text(ret));
  }
  return true;
}

double Demuxer::origin_s(int stream) const {
  if (format_->start_time != AV_NOPTS_VALUE) return static_cast<double>(format_->start_time) / AV_TIME_BASE;
  const AVStream* st = format_->streams[stream];
  return st->start_time != AV_NOPTS_VALUE ? static_cast<double>(st->start_time) * av_q2d(st->time_base) : 0.0;
}

bool Demuxer::seek(int stream, double seconds) {
  const AVStream* st = format_->streams[stream];
  const auto ts = static_cast<int64_t>(std::floor((origin_s(stream) + seconds) / av_q2d(st->time_base)));
  return avformat_seek_file(format_.get(), stream, INT64_MIN, ts, ts, 0) >= 0;
}

bool Demuxer::rewind() {
  const int64_t origin = format_->start_time != AV_NOPTS_VALUE ? format_->start_time : 0;
  if (av_seek_frame(format_.get(), -1, origin, AVSEEK_FLAG_BACKWARD) >= 0) return true;
  // Demuxers that cannot seek by time may still seek by bytes (raw streams).
  return (format_->iformat->flags & AVFMT_NO_BYTE_SEEK) == 0 &&
         av_seek_frame(format_.get(), -1, 0, AVSEEK_FLAG_BYTE) >= 0;
}

MediaInfo probe_media(const std::filesystem::path& path) { return Demuxer(path).info(); }

}  // namespace shortpack

#include "pipeline/media/video_source.h"

#include <cmath>
#include <opencv2/core.hpp>
#include <string>

#include "filters/core/error.h"
#include "pipeline/media/media_colour.h"

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

namespace shortpack {
namespace {

// Rotates one plane clockwise by 90/180/270 degrees.
void rotate_plane(const uint8_t* src, int src_stride, int w, int h, uint8_t* dst, int dst_stride,
                  int degrees) {
  const cv::Mat in(h, w, CV_8UC1, const_cast<uint8_t*>(src), static_cast<size_t>(src_stride));
  const int out_w = degrees == 180 ? w : h;
  const int out_h = degrees == 180 ? h : w;
  cv::Mat out(out_h, out_w, CV_8UC1, dst, static_cast<size_t>(dst_stride));
  const int code = degrees == 90    ? cv::ROTATE_90_CLOCKWISE
                   : degrees == 180 ? cv::ROTATE_180
                                    : cv::ROTATE_90_COUNTERCLOCKWISE;
  cv::rotate(in, out, code);  // `out` already has the right size, so cv writes into dst
}

// Whether the pictures of `info` go through a conversion (colour table or swscale) anyway.
bool converts(const MediaInfo& info) { return !info.colour.is_output() || info.pixel_format != "yuv420p"; }

int even_up(int v) { return v + (v & 1); }

// Below this share of the source's pixels, reading at the limit pays for its scaling pass.
constexpr double kWorthScalingShare = 0.64;

}  // namespace

VideoFormat VideoSource::planned_format(const MediaInfo& info, AVRational fps, ReadLimit limit) {
  const bool swap = info.rotation_deg == 90 || info.rotation_deg == 270;
  VideoFormat f;
  f.width_px = swap ? info.height_px : info.width_px;
  f.height_px = swap ? info.width_px : info.height_px;
  f.pixel_format = AV_PIX_FMT_YUV420P;
  f.sample_aspect = swap ? av_inv_q(info.sample_aspect) : info.sample_aspect;
  f.frame_rate = fps;
  if (limit.width_px <= 0 || limit.height_px <= 0 || !converts(info)) return f;
  const int w = std::min(f.width_px, even_up(limit.width_px));
  const int h = std::min(f.height_px, even_up(limit.height_px));
  if (static_cast<double>(w) * h > kWorthScalingShare * f.width_px * f.height_px) return f;
  // The same display aspect: sample aspect x (W / H) / (w / h).
  AVRational sar = f.sample_aspect.num > 0 && f.sample_aspect.den > 0 ? f.sample_aspect : AVRational{1, 1};
  av_reduce(&sar.num, &sar.den, static_cast<int64_t>(sar.num) * f.width_px * h,
            static_cast<int64_t>(sar.den) * f.height_px * w, 1 << 20);
  f.width_px = w;
  f.height_px = h;
  f.sample_aspect = sar;
  return f;
}

VideoSource::VideoSource(const std::filesystem::path& path, double start_s, double duration_s, AVRational fps,
                         int decode_threads, ReadLimit limit)
    : demuxer_(path), start_s_(start_s), duration_s_(duration_s), fps_(fps) {
  info_ = demuxer_.info();
  if (demuxer_.video_stream() < 0) {
    throw Error(ErrorKind::kMedia, path.string() + " has no video stream (it needs a picture)");
  }
  decoder_.emplace(demuxer_, demuxer_.video_stream(), decode_threads);
  frame_count_ = std::llround(duration_s * av_q2d(fps));
  if (frame_count_ <= 0) throw Error(ErrorKind::kMedia, path.string() + ": nothing left after trimming");
  format_ = planned_format(info_, fps, limit);
  const bool swap = info_.rotation_deg == 90 || info_.rotation_deg == 270;
  coded_width_px_ = swap ? format_.height_px : format_.width_px;
  coded_height_px_ = swap ? format_.width_px : format_.height_px;
  scratch_ = make_frame();
  // The first picture decoded must be on screen by the trim start (half a frame's tolerance, as
  // next() counts), or the frames before the next keyframe would be lost.
  if (start_s > 0.0) {
    if (seek_decoder_before(demuxer_, *decoder_, start_s, 0.5 / av_q2d(fps), *scratch_)) {
      take_scratch();
    } else {
      source_done_ = true;
    }
  }
}

FramePtr VideoSource::normalise(const AVFrame& decoded) {
  if (decoded.width != info_.width_px || decoded.height != info_.height_px) {
    // Mid-stream size changes would break every downstream configure(); refuse them clearly.
    throw Error(ErrorKind::kMedia, info_.path.string() + ": the picture size changes mid-stream (" +
                                       std::to_string(decoded.width) + "x" + std::to_string(decoded.height) +
                                       "); re-export the source at one size");
  }
  FramePtr upright = to_bt709(decoded);
  if (info_.rotation_deg != 0) {
    FramePtr rotated = alloc_video_frame(format_.width_px, format_.height_px, AV_PIX_FMT_YUV420P);
    for (int p = 0; p < 3; ++p) {
      const int w = p == 0 ? upright->width : (upright->width + 1) / 2;
      const int h = p == 0 ? upright->height : (upright->height + 1) / 2;
      rotate_plane(upright->data[p], upright->linesize[p], w, h, rotated->data[p], rotated->linesize[p],
                   info_.rotation_deg);
    }
    upright = std::move(rotated);
  }
  upright->sample_aspect_ratio = format_.sample_aspect;
  upright->color_range = AVCOL_RANGE_MPEG;
  return upright;
}

FramePtr VideoSource::to_bt709(const AVFrame& decoded) {
  const ColourDescription colour = frame_colour(decoded, info_.colour);
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(decoded.format));
  const bool rgb = desc != nullptr && (desc->flags & AV_PIX_FMT_FLAG_RGB) != 0;
  if (!colour.is_output() && !rgb) {
    // Another matrix, primaries, curve or HDR: the one conversion (filters/colour_convert.h).
    if (!converter_ || !(converter_->input() == colour)) converter_ = converter_for(colour);
    if (decoded.width == coded_width_px_ && decoded.height == coded_height_px_)
      return converter_->process(decoded);
    return converter_->process(*scaled_down(decoded));
  }
  const bool full_range = colour.range == AVCOL_RANGE_JPEG;
  const bool same_size = decoded.width == coded_width_px_ && decoded.height == coded_height_px_;
  if (decoded.format == AV_PIX_FMT_YUV420P && !full_range && same_size) return ref_frame(decoded);
  // BT.709 already: the pixel format, the range or (read at a limit) the size changes, in one pass.
  if (!sws_ || sws_src_format_ != decoded.format) {
    sws_.reset(sws_getContext(decoded.width, decoded.height, static_cast<AVPixelFormat>(decoded.format),
                              coded_width_px_, coded_height_px_, AV_PIX_FMT_YUV420P,
                              SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr,
                              nullptr));
    if (!sws_) {
      const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(decoded.format));
      throw Error(ErrorKind::kMedia,
                  info_.path.string() + ": cannot convert pixel format " + (name ? name : "?"));
    }
    const int* coefs = sws_getCoefficients(SWS_CS_ITU709);
    sws_setColorspaceDetails(sws_.get(), coefs, full_range ? 1 : 0, coefs, 0, 0, 1 << 16, 1 << 16);
    sws_src_format_ = decoded.format;
  }
  FramePtr out = alloc_video_frame(coded_width_px_, coded_height_px_, AV_PIX_FMT_YUV420P);
  sws_scale(sws_.get(), decoded.data, decoded.linesize, 0, decoded.height, out->data, out->linesize);
  return out;
}

FramePtr VideoSource::scaled_down(const AVFrame& decoded) {
  const auto format = static_cast<AVPixelFormat>(decoded.format);
  if (!down_sws_) {
    // Same format in and out: no range or matrix conversion happens here; the converter does it.
    down_sws_.reset(sws_getContext(decoded.width, decoded.height, format, coded_width_px_, coded_height_px_,
                                   format, SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
    if (!down_sws_) {
      const char* name = av_get_pix_fmt_name(format);
      throw Error(ErrorKind::kMedia,
                  info_.path.string() + ": cannot scale pixel format " + (name ? name : "?"));
    }
  }
  FramePtr out = alloc_video_frame(coded_width_px_, coded_height_px_, format);
  av_frame_copy_props(out.get(), &decoded);
  sws_scale(down_sws_.get(), decoded.data, decoded.linesize, 0, decoded.height, out->data, out->linesize);
  return out;
}

bool VideoSource::pull() {
  if (source_done_) return false;
  if (!decoder_->next(*scratch_)) {
    source_done_ = true;
    return false;
  }
  take_scratch();
  return true;
}

void VideoSource::take_scratch() {
  ++decoded_frames_;
  const double s = decoder_->seconds_of(*scratch_);
  const double t = (std::isnan(s) ? last_source_s_ + 1.0 / av_q2d(fps_) : s) - start_s_;
  last_source_s_ = std::isnan(s) ? last_source_s_ : s;
  // Only a reference here: the picture is converted when it is shown (next()), so the frames a
  // rate conversion drops (60 -> 30 fps) cost no conversion.
  pending_ = ref_frame(*scratch_);
  pending_s_ = t;
  av_frame_unref(scratch_.get());
}

SharedFrame VideoSource::next() {
  if (emitted_ >= frame_count_) return nullptr;
  const double frame_s = 1.0 / av_q2d(fps_);
  // Output frame n shows the latest source frame whose timestamp, rounded to the output's frame
  // grid (half-way up), is not after n: the rule of FFmpeg's fps filter. Equivalently, its time
  // is before n / fps + half an output frame. The instant comes from the exact rational rate (no
  // sum of durations, so no drift), and a frame exactly on that instant belongs to the next
  // output frame, decided with a tolerance far below any frame interval and far above the
  // rounding of timestamps to seconds. Without that tolerance, a 60 -> 30 conversion put the
  // instant exactly on every other source frame and rounding chose one side or the other:
  // uneven steps (judder).
  const double target = (static_cast<double>(emitted_) + 0.5) * fps_.den / fps_.num;
  constexpr double kTieTolerance_s = 1e-6;
  while (true) {
    if (!pending_ && !pull()) break;
    if ((current_ || current_raw_) && pending_s_ >= target - kTieTolerance_s) break;
    current_raw_ = std::move(pending_);
    pending_.reset();
  }
  if (current_raw_) {
    current_ = share(normalise(*current_raw_));
    current_raw_.reset();
  }
  if (!current_) {
    throw Error(ErrorKind::kMedia, info_.path.string() + ": no picture could be decoded after " +
                                       std::to_string(start_s_) +
                                       " s (is the file truncated or not a video?)");
  }
  if (source_done_ && !pending_) {
    const double missing_s = static_cast<double>(emitted_) * frame_s - (last_source_s_ - start_s_) - frame_s;
    if (missing_s > 0.5) {
      throw Error(ErrorKind::kMedia, info_.path.string() + ": the picture ends at " +
                                         std::to_string(last_source_s_) + " s but " +
                                         std::to_string(start_s_ + duration_s_) +
                                         " s were expected (the file looks truncated)");
    }
  }
  ++emitted_;
  return current_;
}

}  // namespace shortpack

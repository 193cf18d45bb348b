#include "pipeline/graph/timeline_source.h"

#include <cmath>

#include "filters/core/error.h"
#include "pipeline/media/av_ptr.h"

namespace shortpack {

double transition_progress(int64_t k, int64_t n) {
  return n <= 0 ? 1.0 : (static_cast<double>(k) + 0.5) / static_cast<double>(n);
}

namespace {

FramePtr colour_picture(const std::array<uint8_t, 3>& yuv) {
  FramePtr f = alloc_video_frame(64, 64, AV_PIX_FMT_YUV420P);
  fill_yuv420p(*f, yuv[0], yuv[1], yuv[2]);
  return f;
}

FramePtr image_picture(const RgbaImage& image) {
  // Straight alpha over black: a still with transparency shows black where it is clear.
  const int w = image.width_px - image.width_px % 2;
  const int h = image.height_px - image.height_px % 2;
  if (w < 2 || h < 2) throw Error(ErrorKind::kInput, "the still image is too small");
  std::vector<uint8_t> rgb(static_cast<size_t>(image.width_px) * image.height_px * 3);
  for (size_t i = 0, n = static_cast<size_t>(image.width_px) * image.height_px; i < n; ++i) {
    const unsigned a = image.pixels[4 * i + 3];
    for (int c = 0; c < 3; ++c) rgb[3 * i + c] = static_cast<uint8_t>(image.pixels[4 * i + c] * a / 255);
  }
  FramePtr f = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P);
  SwsPtr sws(sws_getContext(image.width_px, image.height_px, AV_PIX_FMT_RGB24, w, h, AV_PIX_FMT_YUV420P,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
  if (!sws) throw Error(ErrorKind::kInternal, "cannot convert a still image");
  const int* coefs = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(sws.get(), coefs, 1, coefs, 0, 0, 1 << 16, 1 << 16);
  const uint8_t* src[4] = {rgb.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {image.width_px * 3, 0, 0, 0};
  sws_scale(sws.get(), src, src_stride, 0, image.height_px, f->data, f->linesize);
  f->sample_aspect_ratio = {1, 1};
  return f;
}

// The most detail any of `views` takes from a picture of format `coded`.
ReadLimit limit_for(const VideoFormat& coded, const std::vector<ReframeOptions>& views) {
  ReadLimit limit;
  for (const ReframeOptions& v : views) {
    Reframe r(v);
    r.configure(coded);
    const std::array<int, 2> need = r.detail_needed();
    limit.width_px = std::max(limit.width_px, need[0]);
    limit.height_px = std::max(limit.height_px, need[1]);
  }
  return limit;
}

}  // namespace

TimelineSource::TimelineSource(std::vector<SegmentSource> segments, AVRational frame_rate,
                               int64_t total_frames, int decode_threads, int64_t first_index,
                               const std::vector<std::vector<ReframeOptions>>& views)
    : segments_(std::move(segments)),
      frame_rate_(frame_rate),
      total_frames_(total_frames),
      decode_threads_(decode_threads),
      next_index_(first_index) {
  open_.resize(segments_.size());
  open_next_.assign(segments_.size(), 0);
  still_.resize(segments_.size());
  limits_.resize(segments_.size());
  read_scales_.assign(segments_.size(), {1.0, 1.0});
  for (size_t i = 0; i < segments_.size(); ++i) {
    const SegmentSource& s = segments_[i];
    VideoFormat f;
    f.pixel_format = AV_PIX_FMT_YUV420P;
    f.frame_rate = frame_rate;
    switch (s.kind) {
      case SegmentSource::Kind::kMedia: {
        const MediaInfo info = probe_media(s.path);
        const VideoFormat coded = VideoSource::planned_format(info, frame_rate, {});
        if (i < views.size()) limits_[i] = limit_for(coded, views[i]);
        f = VideoSource::planned_format(info, frame_rate, limits_[i]);
        read_scales_[i] = {static_cast<double>(f.width_px) / coded.width_px,
                           static_cast<double>(f.height_px) / coded.height_px};
        break;
      }
      case SegmentSource::Kind::kColour:
        still_[i] = share(colour_picture(s.colour_yuv));
        break;
      case SegmentSource::Kind::kImage:
        still_[i] = share(image_picture(*s.image));
        break;
      case SegmentSource::Kind::kInvalid:
        throw Error(ErrorKind::kInternal, "a segment without a kind reached the timeline");
    }
    if (still_[i]) {
      f.width_px = still_[i]->width;
      f.height_px = still_[i]->height;
    }
    formats_.push_back(f);
  }
}

TimelineSource::~TimelineSource() = default;

SharedFrame TimelineSource::picture(int segment, int64_t local_index) {
  if (still_[static_cast<size_t>(segment)]) return still_[static_cast<size_t>(segment)];
  auto& source = open_[static_cast<size_t>(segment)];
  int64_t& source_next = open_next_[static_cast<size_t>(segment)];
  const SegmentSource& s = segments_[static_cast<size_t>(segment)];
  if (spill_ != nullptr) {
    if (SharedFrame kept = spill_->load(segment, local_index)) {
      ++pictures_from_spill_;
      if (local_index + 1 >= s.frame_count) source.reset();
      return kept;  // the decoder, if open, stays where it is (read on or seek as below)
    }
  }
  // Decoded, and kept in the spill (the frames read through on the way as well).
  auto decoded = [&](SharedFrame f) {
    if (!f)
      throw Error(ErrorKind::kInternal, "segment " + std::to_string(segment + 1) + " ran out of frames");
    ++pictures_decoded_;
    if (spill_ != nullptr) spill_->store(segment, source_next - 1, *f);
    return f;
  };
  // Frames were skipped (not wanted): a short gap is decoded through, a longer one seeks.
  const auto read_through = static_cast<int64_t>(std::ceil(av_q2d(frame_rate_) / 2.0));
  if (source && (local_index < source_next || local_index - source_next > read_through)) source.reset();
  if (source) {
    while (source_next < local_index) {
      ++source_next;
      decoded(source->next());
    }
  }
  if (!source) {
    // Opened when first needed; a preview may start inside the segment.
    const double fps = av_q2d(frame_rate_);
    const double offset_s = static_cast<double>(local_index) / fps;
    source = std::make_unique<VideoSource>(
        s.path, s.in_s + offset_s, static_cast<double>(s.frame_count - local_index) / fps, frame_rate_,
        decode_threads_, limits_[static_cast<size_t>(segment)]);
  }
  source_next = local_index + 1;
  SharedFrame f = decoded(source->next());
  if (local_index + 1 >= s.frame_count) source.reset();  // its last frame: close the decoder
  return f;
}

std::optional<TimelineFrame> TimelineSource::next(bool wanted) {
  if (next_index_ >= total_frames_) return std::nullopt;
  TimelineFrame out;
  out.index = next_index_++;
  if (!wanted) {
    for (size_t i = 0; i < segments_.size(); ++i) {  // segments that ended close their decoders
      if (open_[i] && out.index + 1 >= segments_[i].first_frame + segments_[i].frame_count) open_[i].reset();
    }
    return out;
  }
  // The segments on screen at this frame: at most two (one entering during its transition).
  int first = -1;
  int second = -1;
  for (size_t i = 0; i < segments_.size(); ++i) {
    const SegmentSource& s = segments_[i];
    if (out.index >= s.first_frame && out.index < s.first_frame + s.frame_count) {
      if (first < 0) {
        first = static_cast<int>(i);
      } else {
        second = static_cast<int>(i);
        break;
      }
    }
  }
  if (first < 0)
    throw Error(ErrorKind::kInternal, "frame " + std::to_string(out.index) + " is in no segment");
  const SegmentSource& sa = segments_[static_cast<size_t>(first)];
  out.a = {first, picture(first, out.index - sa.first_frame), out.index - sa.first_frame};
  if (second >= 0) {
    const SegmentSource& sb = segments_[static_cast<size_t>(second)];
    const int64_t k = out.index - sb.first_frame;
    const double p = transition_progress(k, sb.entry_frames);
    out.b = TimelineFrame::Layer{second, picture(second, k), k};
    if (sb.entry == TransitionKind::kFadeBlack) {
      // First half: the old picture fades out; second half: the new one fades in.
      out.black = p < 0.5 ? p * 2.0 : (1.0 - p) * 2.0;
      out.mix = p < 0.5 ? 0.0 : 1.0;
    } else {
      out.mix = p;
    }
  }
  return out;
}

std::shared_ptr<const CropPath> analyse_smart_crop(const SegmentSource& segment, AVRational frame_rate,
                                                   double output_aspect) {
  const double duration_s = static_cast<double>(segment.frame_count) / av_q2d(frame_rate);
  const AVRational analysis_rate{6, 1};
  VideoSource source(segment.path, segment.in_s, duration_s, analysis_rate, 0);
  SmartCropOptions options;
  options.output_aspect = output_aspect;
  options.face_cascade_file = SHORTPACK_FACE_CASCADE;
  SmartCropAnalyzer analyzer(source.format(), options);
  int64_t k = 0;
  while (SharedFrame f = source.next()) {
    analyzer.add(*f, static_cast<double>(k++) / av_q2d(analysis_rate));
  }
  return analyzer.finish();
}

}  // namespace shortpack

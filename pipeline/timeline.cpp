#include "pipeline/timeline.h"

#include <cmath>

#include "filters/core/error.h"

namespace shortpack {

AVRational choose_frame_rate(AVRational source_rate, const std::vector<const Preset*>& presets) {
  static const AVRational kStandard[] = {{24000, 1001}, {24, 1}, {25, 1}, {30000, 1001}, {30, 1},
                                         {50, 1},       {60000, 1001}, {60, 1}};
  const double fps = av_q2d(source_rate);
  AVRational fallback{30, 1};
  if (!presets.empty()) fallback = av_d2q(presets.front()->fps_target, 1001 * 60);
  if (fps <= 0) return fallback;
  // The nearest standard rate, if the source is within 0.05 % of it (29.97 and 30 differ by 0.1 %).
  const AVRational* nearest = nullptr;
  for (const AVRational& standard : kStandard) {
    if (std::fabs(av_q2d(standard) - fps) > av_q2d(standard) * 0.0005) continue;
    if (nearest == nullptr || std::fabs(av_q2d(standard) - fps) < std::fabs(av_q2d(*nearest) - fps)) {
      nearest = &standard;
    }
  }
  if (nearest == nullptr) return fallback;
  for (const Preset* p : presets) {
    if (av_q2d(*nearest) < p->fps_min - 1e-6 || av_q2d(*nearest) > p->fps_max + 1e-6) return fallback;
  }
  return *nearest;
}

ClipTimeline resolve_timeline(const Clip& clip, const std::vector<const Preset*>& presets) {
  ClipTimeline t;
  if (clip.segments.empty()) throw Error(ErrorKind::kInput, "clip '" + clip.id + "' has nothing to show");
  for (size_t i = 0; i < clip.segments.size(); ++i) {
    const Segment& seg = clip.segments[i];
    TimelineSegment ts;
    ts.segment = &seg;
    const std::string where = "clip '" + clip.id + "' segment " + std::to_string(i + 1);
    if (seg.kind == Segment::Kind::kMedia) {
      ts.media = probe_media(seg.source);
      if (!ts.media.has_video) {
        throw Error(ErrorKind::kMedia, where + ": " + seg.source.string() + " has no video stream");
      }
      ts.in_s = seg.start_s.value_or(0.0);
      double end = seg.end_s.value_or(ts.media.duration_s);
      if (ts.media.duration_s > 0 && ts.in_s >= ts.media.duration_s) {
        throw Error(ErrorKind::kInput, where + ": start " + std::to_string(ts.in_s) + " s is beyond the end of " +
                                           seg.source.filename().string() + " (" +
                                           std::to_string(ts.media.duration_s) + " s)");
      }
      if (ts.media.duration_s > 0 && end > ts.media.duration_s + 0.05) {
        throw Error(ErrorKind::kInput, where + ": end " + std::to_string(end) + " s is beyond the end of " +
                                           seg.source.filename().string() + " (" +
                                           std::to_string(ts.media.duration_s) + " s)");
      }
      if (ts.media.duration_s > 0) end = std::min(end, ts.media.duration_s);
      ts.duration_s = end - ts.in_s;
    } else {
      ts.duration_s = seg.duration_s;
    }
    t.segments.push_back(std::move(ts));
  }
  AVRational source_rate{0, 1};
  for (const auto& ts : t.segments) {
    if (ts.segment->kind == Segment::Kind::kMedia) {
      source_rate = ts.media.frame_rate;
      break;
    }
  }
  t.frame_rate = choose_frame_rate(source_rate, presets);
  const double fps = av_q2d(t.frame_rate);
  double at = 0.0;
  for (size_t i = 0; i < t.segments.size(); ++i) {
    auto& ts = t.segments[i];
    // Snap each segment to whole frames so that the timeline arithmetic is exact.
    ts.duration_s = static_cast<double>(std::llround(ts.duration_s * fps)) / fps;
    const double overlap = i == 0 ? 0.0 : ts.segment->transition.duration_s;
    at -= overlap;
    ts.at_s = at;
    at += ts.duration_s;
  }
  t.frame_count = std::llround(at * fps);
  t.duration_s = static_cast<double>(t.frame_count) / fps;
  if (t.frame_count <= 0) throw Error(ErrorKind::kInput, "clip '" + clip.id + "' is empty after trimming");
  return t;
}

}  // namespace shortpack

#include "pipeline/render/timeline.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "filters/core/error.h"

namespace shortpack {

AVRational choose_frame_rate(AVRational source_rate, const std::vector<const Preset*>& presets) {
  static const AVRational kStandard[] = {{24000, 1001}, {24, 1}, {25, 1},       {30000, 1001},
                                         {30, 1},       {50, 1}, {60000, 1001}, {60, 1}};
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

namespace {

// The source span a media segment shows: its in point and length, checked against the file.
void measure_media_segment(TimelineSegment& ts, const std::string& where, const MediaCheck& check) {
  const Segment& seg = *ts.segment;
  ts.media = probe_media(seg.source);
  if (!ts.media.colour_contradiction.empty()) {
    throw Error(ErrorKind::kInput,
                where + ": " + seg.source.string() +
                    " has a colour description that cannot be right: " + ts.media.colour_contradiction +
                    " (re-export it from the camera app or editor with its colour settings intact)");
  }
  if (!ts.media.colour_warning.empty())
    spdlog::warn("{}: {}: {}", where, seg.source.string(), ts.media.colour_warning);
  if (check) check(ts.media, where);
  if (!ts.media.has_video)
    throw Error(ErrorKind::kMedia, where + ": " + seg.source.string() + " has no video stream");
  const double source_s = ts.media.duration_s;
  if (source_s <= 0 && !seg.end_s) {
    // Damaged files (and raw streams) carry no duration: a media problem of this clip alone.
    throw Error(ErrorKind::kMedia,
                where + ": cannot tell how long " + seg.source.string() +
                    " is (no duration in the file: it may be damaged; or give the segment an "
                    "end: time)");
  }
  ts.in_s = seg.start_s.value_or(0.0);
  double end = seg.end_s.value_or(source_s);
  const auto beyond = [&](const char* what, double at) {
    return Error(ErrorKind::kInput, where + ": " + what + " " + std::to_string(at) +
                                        " s is beyond the end of " + seg.source.filename().string() + " (" +
                                        std::to_string(source_s) + " s)");
  };
  if (source_s > 0 && ts.in_s >= source_s) throw beyond("start", ts.in_s);
  if (source_s > 0 && end > source_s + 0.05) throw beyond("end", end);
  if (source_s > 0) end = std::min(end, source_s);
  ts.duration_s = end - ts.in_s;
}

// The segments in playing order, the brand's intro and outro (owned by `t`) around the clip's own.
// Returns the index range of the clip's own segments.
std::pair<size_t, size_t> order_segments(ClipTimeline& t, const Clip& clip, const Brand* brand,
                                         std::vector<const Segment*>& order) {
  const bool bumpers = brand != nullptr && clip.use_bumpers;
  const auto bumper = [&](const std::filesystem::path& file) {
    Segment s;
    s.kind = Segment::Kind::kMedia;
    s.source = file;
    t.bumpers.push_back(s);  // a deque: earlier elements stay where they are
    order.push_back(&t.bumpers.back());
  };
  if (bumpers && !brand->intro.empty()) bumper(brand->intro);
  const size_t first_content = order.size();
  for (const Segment& s : clip.segments) order.push_back(&s);
  const size_t end_content = order.size();
  if (bumpers && !brand->outro.empty()) bumper(brand->outro);
  return {first_content, end_content};
}

// Snaps each segment to whole frames (so that the timeline arithmetic is exact), overlaps each
// with its transition, and sets where each starts; returns the end of the last one.
double place_on_frame_grid(ClipTimeline& t, const Clip& clip, double fps, size_t first_content) {
  double at = 0.0;
  for (size_t i = 0; i < t.segments.size(); ++i) {
    auto& ts = t.segments[i];
    ts.duration_s = static_cast<double>(std::llround(ts.duration_s * fps)) / fps;
    const double overlap =
        i == 0 ? 0.0 : static_cast<double>(std::llround(ts.segment->transition.duration_s * fps)) / fps;
    if (i > 0 && (overlap > ts.duration_s + 1e-9 || overlap > t.segments[i - 1].duration_s + 1e-9)) {
      throw Error(ErrorKind::kInput, "clip '" + clip.id + "': the transition into segment " +
                                         std::to_string(i + 1 - first_content) + " (" +
                                         std::to_string(overlap) + " s) is longer than a segment it joins");
    }
    at -= overlap;
    ts.at_s = at;
    at += ts.duration_s;
  }
  return at;
}

AVRational first_source_rate(const ClipTimeline& t) {
  for (const auto& ts : t.segments) {
    if (ts.segment->kind == Segment::Kind::kMedia) return ts.media.frame_rate;
  }
  return AVRational{0, 1};
}

}  // namespace

ClipTimeline resolve_timeline(const Clip& clip, const std::vector<const Preset*>& presets, const Brand* brand,
                              const MediaCheck& check) {
  ClipTimeline t;
  if (clip.segments.empty()) throw Error(ErrorKind::kInput, "clip '" + clip.id + "' has nothing to show");
  std::vector<const Segment*> order;
  const auto [first_content, end_content] = order_segments(t, clip, brand, order);
  for (size_t i = 0; i < order.size(); ++i) {
    TimelineSegment ts;
    ts.segment = order[i];
    if (ts.segment->kind == Segment::Kind::kMedia) {
      const bool is_bumper = i < first_content || i >= end_content;
      const std::string where =
          is_bumper ? "the brand's " + std::string(i < first_content ? "intro" : "outro")
                    : "clip '" + clip.id + "' segment " + std::to_string(i - first_content + 1);
      measure_media_segment(ts, where, check);
    } else {
      ts.duration_s = ts.segment->duration_s;
    }
    t.segments.push_back(std::move(ts));
  }
  t.frame_rate = choose_frame_rate(first_source_rate(t), presets);
  const double fps = av_q2d(t.frame_rate);
  const double end_s = place_on_frame_grid(t, clip, fps, first_content);
  t.frame_count = std::llround(end_s * fps);
  t.first_content = first_content;
  t.content_at_s = t.segments[first_content].at_s;
  const TimelineSegment& last = t.segments[end_content - 1];
  t.content_duration_s = last.at_s + last.duration_s - t.content_at_s;
  t.duration_s = static_cast<double>(t.frame_count) / fps;
  if (t.frame_count <= 0) throw Error(ErrorKind::kInput, "clip '" + clip.id + "' is empty after trimming");
  return t;
}

}  // namespace shortpack

// A clip the render graph can run without any media file: one colour card, one geometry, one
// language, and small, fast x264 outputs (tests of the graph itself: stalls, spans). Header-only.
#pragma once

#include <cstdint>
#include <filesystem>

#include "pipeline/graph/clip_graph.h"

namespace shortpack::test {

// `frames` frames at 30 fps of one colour card, one geometry of width x height and one language
// ("en") with no output yet.
inline ClipGraphSpec colour_card_clip(int64_t frames, int width, int height) {
  ClipGraphSpec clip;
  clip.frame_rate = {30, 1};
  clip.frame_count = frames;
  SegmentSource card;
  card.kind = SegmentSource::Kind::kColour;
  card.frame_count = frames;
  card.reframe = ReframeKind::kCropCenter;
  clip.segments.push_back(card);
  GeometryBranchSpec geometry;
  geometry.reframe.width_px = width;
  geometry.reframe.height_px = height;
  LanguageBranchSpec language;
  language.language = "en";
  geometry.languages.push_back(language);
  clip.geometries.push_back(geometry);
  return clip;
}

// An output of width x height at `path` (x264 ultrafast, no B-frames, a keyframe every 30 frames),
// labelled with the file's stem.
inline EncoderBranchSpec small_output(const std::filesystem::path& path, int width, int height) {
  EncoderBranchSpec e;
  e.video.width_px = width;
  e.video.height_px = height;
  e.video.level = 30;
  e.video.x264_preset = "ultrafast";
  e.video.bframes = 0;
  e.video.gop_frames = 30;
  e.path = path;
  e.label = path.stem().string();
  return e;
}

}  // namespace shortpack::test

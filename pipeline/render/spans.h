// Spans (issue 29): a clip's timeline cut where its outputs differ, so that each distinct stretch
// of pictures is encoded once and the outputs are assembled from their spans' packets.
//
// Within one render graph every output of a geometry branch sees the same source pictures,
// reframe, transitions and logo; what differs between its outputs is what their language branch
// draws (captions, title, card texts, fonts) and their x264 settings. A span's description
// (SpanKey) is the geometry branch, the video settings, the span's frames and every piece drawn
// on any of them, each piece with the frames it may show on: two outputs whose keys are equal
// show the same pictures in that span and are encoded with the same settings. The description is
// typed and compared field by field (defaulted operator==, a std::hash over every field);
// tests/unit/test_spans.cpp fails for a field the hash leaves out.
//
// Thread safety: plain data and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/graph/clip_graph.h"
#include "pipeline/render/sharing.h"

namespace shortpack {

// One thing drawn over a range of the output's frames.
struct SpanPiece {
  enum class Kind { kInvalid = 0, kCaptionHeader, kCaptionEvent, kCardScript, kFonts };
  Kind kind = Kind::kInvalid;
  int64_t first_frame = 0;  // the first frame it may show on
  int64_t end_frame = 0;    // after the last one
  std::string text;         // the header, the event line, the card's whole script, the fonts
  bool operator==(const SpanPiece&) const = default;
};

// Everything that decides a span's pictures and its encoder's bytes.
struct SpanKey {
  size_t geometry = 0;  // the graph's geometry branch: same timeline, reframe, logo
  VideoKey video;
  int64_t first_frame = 0;
  int64_t frame_count = 0;
  std::vector<SpanPiece> pieces;  // those that show on any of its frames, in the branch's order
  bool operator==(const SpanKey&) const = default;
};

// One encoder branch as the planner sees it.
struct SpanBranch {
  size_t geometry = 0;
  VideoKey video;
  std::vector<SpanPiece> pieces;
};

// How one output's stream is made of spans (in time order, covering every frame).
using SpanUses = std::vector<SpanUse>;

// Where a clip's timeline is cut.
//   kWhereOutputsDiffer: each group of branches (one geometry and video settings) is cut where
//     its branches' pictures differ; a branch that shares nothing is encoded whole.
//   kCacheable: each branch is cut by itself, at the edges of what it draws (a caption cue, a
//     card): a cue's edge no closer than kCacheMinSpanSeconds (or a keyframe interval, if longer)
//     after the last cut, a card's no closer than a keyframe interval; the last cut at least a
//     keyframe interval before the end, and at least every kCacheGridSeconds. Its cuts depend on
//     nothing but its own pieces and timings: the same branch cuts the same way in any run, alone
//     or among others, and a span stored in the span cache (render/span_cache.h) is found again
//     when only another stretch of the clip changed. Branches with equal spans still share them.
enum class SpanCuts { kWhereOutputsDiffer, kCacheable };
inline constexpr double kCacheGridSeconds = 8.0;
// Every cut costs a first render something (an IDR picture, an encoder opened and flushed, the
// rate cap's buffer taken lower at the span's start: kSpanVbvInit) and gains only when a later run
// changes part of the clip. Spans of at least this long keep a weekly edit's re-encode to a few
// seconds (README "Spans": a 60 s clip re-rendered at 0.22x the CPU of a full render) while short
// captioned clips are encoded whole.
inline constexpr double kCacheMinSpanSeconds = 4.0;

struct SpanPlan {
  std::vector<SpanKey> spans;  // distinct spans, indexed by SpanUse::span
  std::vector<SpanUses> uses;  // per branch; empty: the branch is encoded whole
  int64_t frames_encoded = 0;  // frames x264 encodes with the plan (whole branches included)
  int64_t frames_reused = 0;   // frames of outputs taken from a span another output encodes
};

// The pieces a language branch draws: its caption script's header over the whole clip, each of
// its events over its frames, each card's script over its segment, its fonts. `segments` are the
// graph's (their frames); a piece's frames are widened by one frame each side, so that rounding
// a time to a frame never puts a piece outside its range.
std::vector<SpanPiece> pieces_of(const LanguageBranchSpec& language,
                                 const std::vector<SegmentSource>& segments, AVRational frame_rate,
                                 int64_t frame_count);

// Cuts the timeline of each group of branches with one geometry and video settings where their
// pictures differ, keeps spans at least `min_span_frames(video)` long (a shorter span takes frames
// from a neighbour, or merges into it), and gives each distinct span to the first branch that
// uses it to encode. A branch that would share no span with another is encoded whole.
SpanPlan plan_spans(const std::vector<SpanBranch>& branches, int64_t frame_count,
                    SpanCuts cuts = SpanCuts::kWhereOutputsDiffer, AVRational frame_rate = {30, 1});

// Fills each encoder's `spans` in a clip's graph spec from plan_spans over its branches (nothing
// when `enabled` is false). Returns the plan (its figures).
SpanPlan apply_span_plan(ClipGraphSpec& spec, bool enabled, SpanCuts cuts = SpanCuts::kWhereOutputsDiffer);

}  // namespace shortpack

template <>
struct std::hash<shortpack::SpanPiece> {
  size_t operator()(const shortpack::SpanPiece& p) const noexcept;
};
template <>
struct std::hash<shortpack::SpanKey> {
  size_t operator()(const shortpack::SpanKey& k) const noexcept;
};

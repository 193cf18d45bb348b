// The render graph of one clip: decode once, then one branch per geometry (reframe + logo,
// shared by its languages), one branch per language (captions), one encoder per distinct output.
//
//   input (decode, normalise) -> limiter -> geometry x G (parallel) -> sequencer -> broadcast
//        -> language x L (serial: libass renderers) -> sequencer -> encoder+mux x E (serial)
//
// A card's text is part of the card's picture: while a card with text is on screen the geometry
// branch hands its languages the reframed layers unblended, and each language draws the card's
// text into its layer before blending, fading and branding (so the text crossfades and fades to
// black with its card). Captions and titles go on top of the finished picture.
//
// Frames between branches are shared and immutable (SharedFrame); a language branch that draws
// copies first. The limiter bounds the source frames in flight: a frame's slot is released when
// every encoder has taken it. A failing branch marks its own outputs failed and keeps passing
// frames on (so the rest of the clip finishes); a failing source fails the whole clip.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "filters/caption_burner.h"
#include "filters/core/error.h"
#include "filters/logo_overlay.h"
#include "filters/reframe.h"
#include "pipeline/graph/timeline_source.h"
#include "pipeline/media/encoder.h"
#include "pipeline/media/mp4_writer.h"
#include "pipeline/media/span_join.h"

namespace shortpack {

// One stretch of an output's stream made of a span (issue 29, pipeline/render/spans.h): frames
// [first_frame, first_frame + frame_count) come from span `span` of the graph, which this branch
// encodes (`encodes`) or another branch with the same span encodes for it.
struct SpanUse {
  int64_t first_frame = 0;
  int64_t frame_count = 0;
  size_t span = 0;
  bool encodes = false;
  bool operator==(const SpanUse&) const = default;
};

struct EncoderBranchSpec {
  VideoEncodeSettings video;
  // Empty: encoded whole. Else the output's spans in time order, covering every frame; each span
  // is encoded by its own x264 (IDR first, closed GOP) and the output's stream is the join of its
  // spans' packets. A join that cannot be made valid fails the branch with
  // BranchOutcome::retry_whole (the caller renders it again whole).
  std::vector<SpanUse> spans;
  PendingAudio audio;          // may be shared with other branches, and still being encoded (mp4_writer.h)
  std::filesystem::path path;  // final path of the (first) output
  std::string label;           // "benefits.tiktok.vi", for messages
};

struct LanguageBranchSpec {
  std::string language;
  std::string ass_script;  // captions and title over the finished picture; empty: none
  // Per timeline segment: the text of a card as its own ASS script, timed from the segment's
  // first frame (empty: the segment carries no text in this language). It is drawn into the
  // card's picture before transitions blend it, so it fades and crossfades with its card.
  std::vector<std::string> card_scripts;
  FontSetup fonts;
  std::vector<EncoderBranchSpec> encoders;
  // Where the events of ass_script come from ("subs/x.en.ass:12"), on the output timeline: the
  // message of a frame whose captions take too long to draw names the cue on screen.
  struct CueSource {
    int64_t start_ms = 0;
    int64_t end_ms = 0;
    std::string where;
  };
  std::vector<CueSource> caption_cues;
};

struct GeometryBranchSpec {
  ReframeOptions reframe;  // output size and look; the mode comes from each segment
  std::optional<RgbaImage> logo;
  LogoPlacement logo_placement;
  std::vector<std::shared_ptr<const CropPath>> crop_paths;  // per segment; set for smart-crop ones
  std::vector<LanguageBranchSpec> languages;
};

struct ClipGraphSpec {
  std::vector<SegmentSource> segments;  // the timeline
  int64_t frame_count = 0;
  AVRational frame_rate{30, 1};
  std::vector<GeometryBranchSpec> geometries;
  size_t span_count = 0;  // distinct spans the encoders' SpanUse name
  // By SpanUse::span: a span already encoded (found in the span cache, render/span_cache.h), which
  // no branch encodes; null or missing: encoded in this run by the branch whose SpanUse `encodes`.
  std::vector<std::shared_ptr<const EncodedSpan>> ready_spans;
  // Called with each span encoded (complete) as soon as it is made, from the graph's threads but
  // one call at a time; the span's packets may be let go once it returns (an output joining it
  // has written it, and no later pass joins it).
  std::function<void(size_t span, std::shared_ptr<const EncodedSpan>)> on_span_encoded;
  int max_frames_in_flight = 0;               // 0: a few per worker thread
  int decode_threads = 0;                     // 0: automatic
  const std::atomic<bool>* cancel = nullptr;  // set: stop at the next frame, every output fails
  // No frame decoded or encoded for this long: the clip fails (see stall_watchdog.h). 0: never.
  double stall_timeout_s = 0.0;
  // Captions (ass_script) of one frame, or of the last second of frames, that take longer than
  // this to draw, in CPU time of the drawing thread, fail that language's outputs with
  // Error(kLimit) naming the cue, the time and the limit; the other outputs go on. (The second:
  // frames that each stay just under the limit would still take minutes.) 0: no limit.
  int64_t caption_frame_ms = 0;
  // The x264 encoders of the clip run in batches, one after another, each batch with its own pass
  // over the clip (decode, geometry, captions), so that the encoders open at once are estimated
  // (estimated_x264_bytes) to take at most this much memory together. 0: every encoder at once.
  int64_t encoder_memory_bytes = 0;
  // With more than one pass: the media pictures the first pass decodes are kept in a FrameSpill
  // in this folder (frame_spill.h; empty: the system's temporary folder), at most this many bytes
  // and half the folder's free space, and the later passes read them back instead of decoding
  // again. 0: every pass decodes.
  int64_t frame_spill_bytes = 0;
  std::filesystem::path frame_spill_dir;
  // Called by the serial input node after each source frame (progress reports, tests).
  std::function<void(int64_t index)> on_source_frame;
};

struct BranchOutcome {
  bool ok = false;
  std::string error;
  ErrorKind error_kind = ErrorKind::kInvalid;  // what kind of failure `error` is
  int64_t frames = 0;
  // Its spans could not be joined into a valid stream (or a span it takes from another branch
  // was not made): rendering it whole may succeed. `error` says why.
  bool retry_whole = false;
};

// What a geometry branch hands its languages for one frame: the finished picture, or, while a
// segment whose card carries text is on screen, its layers still apart (reframed, not yet
// blended, faded or branded), so that each language draws the card's text into the card's own
// picture and then finishes the frame with GeometryStage::compose(). Immutable once published.
struct GeometryFrame {
  struct Layer {
    int segment = -1;
    int64_t local_index = 0;  // frame number inside its segment
    SharedFrame picture;
  };
  int64_t index = -1;
  SharedFrame picture;     // finished; null when the layers below are to be composed
  std::optional<Layer> a;  // the segment on screen, when it shows (not at the end of a full mix)
  std::optional<Layer> b;  // the segment entering, when it shows
  double mix = 0.0;        // crossfade weight of b
  double black = 0.0;      // fade through black
};

// How segment `segment` is reframed for geometry `g`: the geometry's size and look, the segment's
// mode (crop-window when the geometry has a smart-crop path for it).
ReframeOptions segment_reframe(const GeometryBranchSpec& g, const std::vector<SegmentSource>& segments,
                               size_t segment);
// Per segment, segment_reframe() of every geometry: the views TimelineSource reads sources for.
std::vector<std::vector<ReframeOptions>> reframe_views(const std::vector<SegmentSource>& segments,
                                                       const std::vector<GeometryBranchSpec>& geometries);

// One geometry branch's per-frame work: each segment reframed with its own mode, motion on
// stills, transitions, then the logo. process() and compose() are const and run concurrently
// on many frames.
class GeometryStage {
 public:
  GeometryStage(const GeometryBranchSpec& spec, const TimelineSource& source);
  [[nodiscard]] GeometryFrame process(const TimelineFrame& frame) const;
  // Blends the layers (either may be null: then the other is the picture), fades through black
  // and draws the logo. Takes ownership: the result is `a` or `b` itself when only one is given.
  [[nodiscard]] FramePtr compose(FramePtr a, FramePtr b, double mix, double black, int64_t index) const;
  [[nodiscard]] VideoFormat format() const { return format_; }

 private:
  [[nodiscard]] FramePtr layer(const TimelineFrame::Layer& layer) const;
  std::vector<SegmentSource> segments_;
  std::vector<bool> has_text_;  // per segment: a language of this branch draws a card's text on it
  std::vector<std::unique_ptr<Reframe>> reframes_;  // per segment
  std::vector<std::shared_ptr<const CropPath>> crop_paths_;
  std::vector<std::array<double, 2>> read_scales_;  // per segment: TimelineSource::read_scale
  double fps_ = 30.0;
  std::unique_ptr<LogoOverlay> logo_;
  VideoFormat format_;
};

// One language branch's per-frame work: card texts drawn into their layers, the layers composed,
// then captions and title on top. Serial (libass renderers): one object per branch.
class LanguageStage {
 public:
  // Throws Error(kInput/kInternal) as CaptionBurner does. `caption_frame_ms`: see ClipGraphSpec.
  LanguageStage(const LanguageBranchSpec& spec, const GeometryStage& geometry, AVRational frame_rate,
                int64_t caption_frame_ms = 0);
  ~LanguageStage();
  // The frame to encode: `frame.picture` itself when nothing is drawn on it (no copy).
  // Throws Error(kLimit) when the captions of the frame took longer than caption_frame_ms.
  [[nodiscard]] SharedFrame process(const GeometryFrame& frame);

 private:
  [[nodiscard]] FramePtr with_card_text(const GeometryFrame::Layer& layer);
  static int64_t thread_cpu_ns();
  void check_caption_time(int64_t cpu_ns, int64_t time_ms);
  const GeometryStage& geometry_;
  double fps_;
  int64_t caption_frame_ms_ = 0;
  std::vector<LanguageBranchSpec::CueSource> caption_cues_;
  std::vector<int64_t> recent_ns_;  // drawing time of the last second of frames (a ring)
  size_t recent_next_ = 0;
  int64_t recent_sum_ns_ = 0;
  std::unique_ptr<CaptionBurner> captions_;
  std::vector<std::unique_ptr<CaptionBurner>> cards_;  // per segment; null: no text
};

// What one x264 encoder of these settings is expected to hold at most (its frames: look-ahead,
// B-frames, references, one more per extra thread; each about 5.5 bytes a pixel with its half-pel
// and low-resolution planes), from ffmpeg -threads 1/2/4 encoding 1080x1920 veryfast beside a
// plain decode: 150, 192 and 231 MiB more per encoder (the estimate: 156, 195 and 274 MiB).
int64_t estimated_x264_bytes(const VideoEncodeSettings& video);

// How many encoders each pass of run_clip_graph opens, in encoder order (below): the fewest
// batches of near-equal counts whose encoders' estimated memory fits encoder_memory_bytes (one
// encoder alone when even that does not fit). Empty when the spec has no encoder. Outputs joined
// from spans may be in any batch: a span is encoded by its first user, which is in the same batch
// or an earlier one, and kept until the clip's last pass.
std::vector<size_t> encoder_batches(const ClipGraphSpec& spec);

// Runs the graph to the end, batch by batch (encoder_batches); a pass decodes only the frames its
// encoders encode (a stretch every encoder of the batch takes from spans made elsewhere is
// skipped, its decoders seeking past it). Outcomes are in encoder order:
// geometry by geometry, language by language, encoder by encoder. Writers finish (rename into
// place) only for ok outcomes. A batch's encoders make the same bytes as in one pass.
std::vector<BranchOutcome> run_clip_graph(const ClipGraphSpec& spec);

}  // namespace shortpack

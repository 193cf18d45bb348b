// The render graph of one clip: decode once, then one branch per geometry (reframe + logo,
// shared by its languages), one branch per language (captions), one encoder per distinct output.
//
//   input (decode, normalise) -> limiter -> geometry x G (parallel) -> sequencer -> broadcast
//        -> language x L (serial: one libass renderer each) -> encoder+mux x E (serial)
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
#include "filters/logo_overlay.h"
#include "filters/reframe.h"
#include "pipeline/graph/timeline_source.h"
#include "pipeline/media/encoder.h"

namespace shortpack {

struct EncoderBranchSpec {
  VideoEncodeSettings video;
  std::shared_ptr<const EncodedAudio> audio;  // may be shared with other branches
  std::filesystem::path path;                 // final path of the (first) output
  std::string label;                          // "benefits.tiktok.vi", for messages
};

struct LanguageBranchSpec {
  std::string language;
  std::string ass_script;  // empty: no captions
  FontSetup fonts;
  std::vector<EncoderBranchSpec> encoders;
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
  int max_frames_in_flight = 0;               // 0: a few per worker thread
  int decode_threads = 0;                     // 0: automatic
  const std::atomic<bool>* cancel = nullptr;  // set: stop at the next frame, every output fails
  // No frame decoded or encoded for this long: the clip fails (see stall_watchdog.h). 0: never.
  double stall_timeout_s = 0.0;
  // Called by the serial input node after each source frame (progress reports, tests).
  std::function<void(int64_t index)> on_source_frame;
};

struct BranchOutcome {
  bool ok = false;
  std::string error;
  int64_t frames = 0;
};

// One geometry branch's per-frame work: each segment reframed with its own mode, motion on
// stills, transitions, then the logo. process() is const and runs concurrently on many frames.
class GeometryStage {
 public:
  GeometryStage(const GeometryBranchSpec& spec, const TimelineSource& source);
  [[nodiscard]] FramePtr process(const TimelineFrame& frame) const;
  [[nodiscard]] VideoFormat format() const { return format_; }

 private:
  [[nodiscard]] FramePtr layer(const TimelineFrame::Layer& layer) const;
  std::vector<SegmentSource> segments_;
  std::vector<std::unique_ptr<Reframe>> reframes_;  // per segment
  std::vector<std::shared_ptr<const CropPath>> crop_paths_;
  double fps_ = 30.0;
  std::unique_ptr<LogoOverlay> logo_;
  VideoFormat format_;
};

// Runs the graph to the end. Outcomes are in encoder order: geometry by geometry, language by
// language, encoder by encoder. Writers finish (rename into place) only for ok outcomes.
std::vector<BranchOutcome> run_clip_graph(const ClipGraphSpec& spec);

}  // namespace shortpack

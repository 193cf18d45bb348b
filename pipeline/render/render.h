// Rendering a plan: clip by clip, each clip's units through one shared render graph, then every
// output checked against its preset. One unit failing never stops the others.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "filters/core/error.h"
#include "filters/core/frame.h"
#include "pipeline/render/check.h"
#include "pipeline/render/limits.h"
#include "pipeline/render/plan.h"

namespace shortpack {

struct OutputRecord;

struct RenderOptions {
  // Subtitle, image and source limits and the stall timeout (see limits.h). The campaign limits
  // are the loader's; frames in flight are max_frames_in_flight below.
  Limits limits;
  int max_frames_in_flight = 0;  // 0: automatic
  int encoder_threads = 0;       // 0: automatic (cores shared among a clip's encoders)
  // Set (e.g. by a SIGINT/SIGTERM handler) to stop: the clip being rendered is discarded (its
  // temporary files removed), the units not finished are reported as failed with "cancelled",
  // and render_units returns normally so that the report can be written.
  const std::atomic<bool>* cancel = nullptr;
  // Called on the caller's thread before each clip is rendered, with the clip's records (status
  // kFailed and no error yet). It may mark records kSkipped (with a `note`): those are left out of
  // the clip's render. It may block (e.g. waiting for a per-output lock). on_done is still called
  // for every record of the clip afterwards. Used by batch runs for locks and progress.
  std::function<void(std::vector<OutputRecord*>& records)> on_clip_start;
  // Review proxies: 360 px wide, x264 ultrafast crf 28, marked in the report and not checked
  // against the platform. The units' paths are the proxy plan's (make_plan with proxy). Text is
  // laid out at the final output's size and scaled: a proxy shows the final output's lines.
  bool proxy = false;
  // Spans (issue 29, render/spans.h): outputs of a clip that show the same pictures over a stretch
  // of the timeline share that stretch's encode. false: every output is encoded whole.
  bool span_reuse = true;
};

enum class OutputStatus { kInvalid = 0, kOk, kFailed, kSkipped };
const char* to_string(OutputStatus status);

// What an output is posted with beside its file (issue 30): its cover and caption file, written
// when its clip has a `post:`. Paths are empty when there is none.
struct PostFiles {
  std::filesystem::path cover;         // <clip>.<platform>.<lang>.cover.jpg
  std::filesystem::path caption_file;  // <clip>.<platform>.<lang>.srt (platforms that take one)
  double cover_at_s = -1.0;            // the output's picture the cover was made of (-1: not made this run)
  double cover_sharpness = 0.0;        // variance of the Laplacian of that picture (publish/cover.h)
  double median_sharpness = 0.0;       // of the output's pictures looked at
  bool cover_face = false;             // a face was found in it
};

struct OutputRecord {
  std::string clip;
  std::string variant;  // empty when the campaign has no variants
  std::string platform;
  std::string language;
  std::filesystem::path path;
  OutputStatus status = OutputStatus::kFailed;
  std::string error;
  ErrorKind error_kind = ErrorKind::kInvalid;  // what kind of failure `error` is (batch decides by it)
  int width_px = 0;
  int height_px = 0;
  double duration_s = 0.0;
  int64_t bytes = 0;
  std::string sha256;
  std::string fingerprint;
  std::vector<CheckRule> checks;
  double render_s = 0.0;  // wall time of the clip's graph this output was part of
  // Seconds of its pictures x264 encoded for it, and seconds taken from spans encoded for other
  // outputs (issue 29; a copy of another output's identical file has them all reused).
  double video_encoded_s = 0.0;
  double video_reused_s = 0.0;
  bool proxy = false;  // a review proxy (see RenderOptions::proxy)
  std::string note;    // why a skipped output was skipped (up to date since ..., by another run)
  // What was read but not all used for it: its subtitle file's dropped cues and tags not applied,
  // "<file>:<line>: <what>" (the output is rendered; report.json and report.html list them).
  std::vector<std::string> warnings;
  PostFiles post;

  void fail(ErrorKind kind, std::string why) {
    status = OutputStatus::kFailed;
    error = std::move(why);
    error_kind = kind;
  }
};

// The record of a unit before it is rendered: clip, variant, platform, language, path, fingerprint,
// proxy, status kFailed (set when it is done).
OutputRecord record_of(const RenderUnit& unit, bool proxy);

struct RenderReport {
  std::string campaign;
  std::filesystem::path output_dir;
  std::vector<OutputRecord> outputs;
  [[nodiscard]] bool all_ok() const;
};

// Renders `units` (all of the plan's, or a shard's). Every clip is prepared first (timelines,
// caption scripts, platform limits): bad input throws Error(kInput) before anything is written.
// A clip whose media cannot be read fails alone. `on_done` is called after each unit.
RenderReport render_units(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
                          const std::vector<RenderUnit>& units, const RenderOptions& options,
                          const std::function<void(const OutputRecord&)>& on_done = {});

struct StillInfo {
  int64_t frame_index = 0;  // the output frame shown
  double time_s = 0.0;      // its time on the output timeline
  double duration_s = 0.0;  // of the whole output
  SafeZone safe;
};

// The frame `render` would produce for one output at `at_s` seconds (the frame on screen then),
// through the same stages as the render graph: timeline source (seeking to the nearest keyframe
// and decoding forward), geometry stage, caption burner. `variant` names a row of the campaign's
// variants table (empty: the clip's first variant, or the clip of a campaign without variants).
// `at_s` must be finite, 0..kMaxStillSeconds (a later time shows the last frame).
// Throws Error(kInput / kMedia).
constexpr double kMaxStillSeconds = 86400.0;
FramePtr render_still(const Campaign& campaign, const PresetCatalog& presets, const std::string& clip,
                      const std::string& platform, const std::string& language, double at_s,
                      StillInfo* info = nullptr, const std::string& variant = {});

// render_still with its state kept between frames of one output (the studio's scrubbing): the
// clip's preparation, the stages with their caption renderers and the decoders stay open, so a
// later frame up to about a keyframe interval ahead decodes on from the last one instead of
// seeking again; any other frame seeks as render_still does. The frames are render_still's, byte
// for byte. `campaign` and `presets` must outlive the object. Not thread-safe.
class StillRenderer {
 public:
  // Throws as render_still does (an unknown clip or language, media that cannot be read).
  StillRenderer(const Campaign& campaign, const PresetCatalog& presets, const std::string& clip,
                const std::string& platform, const std::string& language, const std::string& variant = {});
  ~StillRenderer();
  StillRenderer(const StillRenderer&) = delete;
  StillRenderer& operator=(const StillRenderer&) = delete;
  FramePtr at(double at_s, StillInfo* info = nullptr);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace shortpack

// The pictures of a clip's assembled timeline, frame by frame: media segments decoded as they
// come (a decoder opens when its segment starts and closes when it ends: two at once only during
// a transition), cards as a flat colour (their text is drawn by each language branch), stills
// decoded once.
//
// Each output frame is a TimelineFrame: the picture of the segment on screen, and during a
// transition the picture of the segment coming in with its weight. Reframing happens later, per
// geometry, with each segment's own reframe mode.
// Thread safety: one reader (the graph's serial input node).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "filters/core/frame.h"
#include "filters/core/image.h"
#include "filters/reframe.h"
#include "filters/smart_crop.h"
#include "filters/transition.h"
#include "pipeline/graph/frame_spill.h"
#include "pipeline/media/video_source.h"

namespace shortpack {

struct SegmentSource {
  enum class Kind { kInvalid = 0, kMedia, kColour, kImage };
  Kind kind = Kind::kInvalid;
  std::filesystem::path path;  // kMedia
  double in_s = 0.0;           // kMedia: where it starts in its file
  int64_t first_frame = 0;     // on the output timeline
  int64_t frame_count = 0;
  std::array<uint8_t, 3> colour_yuv{16, 128, 128};  // kColour
  std::shared_ptr<const RgbaImage> image;           // kImage
  ReframeKind reframe = ReframeKind::kFitBlur;
  bool smart_crop = false;                      // kMedia: follow faces/saliency (needs a crop path)
  MotionPath motion = MotionPath::kNone;        // kImage
  TransitionKind entry = TransitionKind::kCut;  // how it enters from the previous segment
  int64_t entry_frames = 0;                     // overlap with the previous segment
};

struct TimelineFrame {
  int64_t index = -1;
  struct Layer {
    int segment = -1;
    SharedFrame frame;
    int64_t local_index = 0;  // frame number inside its segment
  };
  Layer a;                 // the segment on screen
  std::optional<Layer> b;  // the segment entering (during a transition)
  double mix = 0.0;        // crossfade: weight of b (0..1)
  double black = 0.0;      // fade through black: how dark (0..1)
};

class TimelineSource {
 public:
  // `first_index` lets a preview start anywhere (decoders seek to the nearest keyframe before it).
  // `views`: per segment, the reframe of every output it feeds (configured on the segment's coded
  // format); a media segment that is converted anyway is read no larger than the most detail they
  // need (Reframe::detail_needed, VideoSource's ReadLimit). Empty: every segment at its coded size.
  TimelineSource(std::vector<SegmentSource> segments, AVRational frame_rate, int64_t total_frames,
                 int decode_threads, int64_t first_index = 0,
                 const std::vector<std::vector<ReframeOptions>>& views = {});
  ~TimelineSource();

  // The input format of each segment (probed up front; reframe is configured per segment).
  [[nodiscard]] const std::vector<VideoFormat>& formats() const { return formats_; }
  // Per segment, the pictures' size over the coded (upright) size, horizontally and vertically:
  // what turns a smart-crop window found on the coded pictures into one on these.
  [[nodiscard]] std::array<double, 2> read_scale(size_t segment) const { return read_scales_.at(segment); }
  [[nodiscard]] const std::vector<SegmentSource>& segments() const { return segments_; }
  [[nodiscard]] int64_t total_frames() const { return total_frames_; }
  // The next frame, or an empty optional at the end. Not `wanted`: only its index (no picture is
  // decoded); a media segment's decoder then reads on to the next wanted frame, or seeks to it
  // when that is far ahead, with the same pictures as reading every frame.
  std::optional<TimelineFrame> next(bool wanted = true);
  [[nodiscard]] int64_t next_index() const { return next_index_; }
  // Media pictures are looked up in `spill` before they are decoded, and kept there once decoded
  // (frame_spill.h: a clip's later passes read what its first decoded). Null: none. Not owned.
  void use_spill(FrameSpill* spill) { spill_ = spill; }
  // Media pictures decoded so far, and read back from the spill.
  [[nodiscard]] int64_t pictures_decoded() const { return pictures_decoded_; }
  [[nodiscard]] int64_t pictures_from_spill() const { return pictures_from_spill_; }

 private:
  SharedFrame picture(int segment, int64_t local_index);

  std::vector<SegmentSource> segments_;
  AVRational frame_rate_;
  int64_t total_frames_;
  int decode_threads_;
  int64_t next_index_;
  std::vector<VideoFormat> formats_;
  std::vector<ReadLimit> limits_;
  std::vector<std::array<double, 2>> read_scales_;
  std::vector<std::unique_ptr<VideoSource>> open_;  // per segment, only while it is on screen
  std::vector<int64_t> open_next_;                  // per segment: the frame its decoder gives next
  std::vector<SharedFrame> still_;                  // per segment: colour and image pictures
  FrameSpill* spill_ = nullptr;
  int64_t pictures_decoded_ = 0;
  int64_t pictures_from_spill_ = 0;
};

// Analyses a smart-crop segment (a few frames a second) for one output aspect (width/height).
std::shared_ptr<const CropPath> analyse_smart_crop(const SegmentSource& segment, AVRational frame_rate,
                                                   double output_aspect);

// Weights of a transition at frame `k` of an `n`-frame overlap (frame-centred, 0 < w < 1).
double transition_progress(int64_t k, int64_t n);

}  // namespace shortpack

// A trimmed video source, normalised: upright (display rotation applied), 8-bit yuv420p BT.709
// SDR (any other colour, HDR included, converted once by the source's ColourConverter:
// pipeline/media/media_colour.h), constant frame rate. Only the pictures that are shown are
// converted. Sample aspect is kept on the frames (the reframe filter uses it to undo non-square
// pixels).
//
// Size: the coded size, unless the source has to be converted anyway (another colour, depth or
// pixel format) and a ReadLimit says the outputs need much less (a 4K phone clip for 1080x1920
// outputs): then each picture is scaled down to the limit first, in its own format (swscale,
// bicubic), and converted and rotated at that size, as FFmpeg's zscale resizes before it
// tone-maps. The display aspect is kept (the sample aspect absorbs rounding).
//
// Frame n of the output is the latest source frame whose time from start_s, rounded to the
// output's frame grid (half-way up), is not after n, as FFmpeg's fps filter picks them: 60 -> 30
// and 50 -> 25 take every second frame, 24 -> 30 repeats one frame in four, 10 -> 30 shows each
// frame three times; frames are repeated or dropped to make the rate constant.
// Exactly frame_count() frames come out: a source that ends early is an Error(kMedia) unless it
// is within half a second of the planned end (then the last frame is held).
//
// Thread safety: one reader; not shared.
#pragma once

#include <optional>

#include "filters/colour_convert.h"
#include "pipeline/media/decoder.h"

namespace shortpack {

// The largest picture, upright, any output needs from a source (0: no limit); see
// Reframe::detail_needed().
struct ReadLimit {
  int width_px = 0;
  int height_px = 0;
};

class VideoSource {
 public:
  VideoSource(const std::filesystem::path& path, double start_s, double duration_s, AVRational fps,
              int decode_threads, ReadLimit limit = {});

  // The format next() returns for the source `info` describes, read with `limit` (plans made
  // before a decoder opens use it).
  static VideoFormat planned_format(const MediaInfo& info, AVRational fps, ReadLimit limit);

  [[nodiscard]] const MediaInfo& info() const { return info_; }
  // The format of the frames next() returns.
  [[nodiscard]] VideoFormat format() const { return format_; }
  [[nodiscard]] int64_t frame_count() const { return frame_count_; }
  // The next output frame (shared, immutable), or nullptr after frame_count() frames.
  SharedFrame next();
  // Source pictures decoded so far, including those before the trim start that were dropped.
  [[nodiscard]] int64_t decoded_frames() const { return decoded_frames_; }

 private:
  FramePtr normalise(const AVFrame& decoded);
  FramePtr to_bt709(const AVFrame& decoded);
  // `decoded` at the read size, in its own pixel format (for the colour converter).
  FramePtr scaled_down(const AVFrame& decoded);
  bool pull();          // decodes one more source frame into pending_
  void take_scratch();  // the frame decoded into scratch_ becomes pending_

  MediaInfo info_;
  Demuxer demuxer_;
  std::optional<StreamDecoder> decoder_;
  double start_s_;
  double duration_s_;
  AVRational fps_;
  int64_t frame_count_ = 0;
  int64_t emitted_ = 0;
  VideoFormat format_;
  FramePtr scratch_;
  SharedFrame current_;   // the frame on screen now (normalised)
  FramePtr current_raw_;  // the decoded frame that becomes current_ once normalised
  FramePtr pending_;      // the next decoded source frame (as decoded), if any
  double pending_s_ = 0.0;
  bool source_done_ = false;
  double last_source_s_ = 0.0;
  int64_t decoded_frames_ = 0;
  int coded_width_px_ = 0;  // the size pictures are converted at (before rotation)
  int coded_height_px_ = 0;
  SwsPtr sws_;
  SwsPtr down_sws_;  // scaled_down(): the source's size and format to the read size
  std::shared_ptr<const ColourConverter> converter_;
  int sws_src_format_ = -1;
};

}  // namespace shortpack

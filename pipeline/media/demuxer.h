// Opening a media file and reading its packets (libavformat).
//
// Thread safety: one Demuxer per reader; not shared between threads.
#pragma once

#include <cstdint>
#include <filesystem>

#include "filters/core/colour.h"
#include "pipeline/media/av_ptr.h"

namespace shortpack {

// What a source file holds, as read from the container (no decoding).
struct MediaInfo {
  std::filesystem::path path;
  double duration_s = 0.0;  // container duration (or the longest stream's)
  bool has_video = false;
  bool has_audio = false;
  int width_px = 0;  // coded size of the video stream
  int height_px = 0;
  AVRational sample_aspect{1, 1};
  AVRational frame_rate{0, 1};  // nominal (avg_frame_rate, else r_frame_rate)
  int rotation_deg = 0;         // clockwise rotation to apply for upright display: 0/90/180/270
  std::string video_codec;
  std::string pixel_format;
  // The video's colour, completed as players complete untagged fields (pipeline/media/media_colour.h).
  ColourDescription colour;
  std::string colour_warning;        // something was assumed (an unknown curve read as BT.709)
  std::string colour_contradiction;  // the description cannot be right: the file is refused
  int audio_channels = 0;
  int audio_sample_rate_hz = 0;
};

class Demuxer {
 public:
  // Opens `path` (a local file; playlists and file lists that name other files are refused).
  // `max_pixels` > 0: decoders probing the streams refuse larger pictures instead of decoding them.
  // Throws Error(kMedia) "cannot read <path>: <reason>".
  explicit Demuxer(const std::filesystem::path& path, int64_t max_pixels = 0);

  [[nodiscard]] AVFormatContext* context() const { return format_.get(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] int video_stream() const { return video_stream_; }  // -1 when none
  [[nodiscard]] int audio_stream() const { return audio_stream_; }  // -1 when none
  [[nodiscard]] MediaInfo info() const;

  // Reads the next packet into `packet` (unreferenced first). Returns false at end of file;
  // throws Error(kMedia) on a read error.
  bool read(AVPacket& packet);
  // Where a file's time starts, in seconds of `stream`'s timestamps: one origin for every stream,
  // the container's start_time (as the ffmpeg program counts), else the stream's own. MPEG-TS
  // often starts at 1.4 s, a broadcast capture at hours. Each stream's own start would pull
  // streams that start at different times onto one instant: in MPEG-TS the video (delayed by
  // B-frames) starts some tens of ms after the audio, and that offset is part of the sync.
  [[nodiscard]] double origin_s(int stream) const;
  // Seeks so that the next packets of `stream` should start at or before `seconds` (counted from
  // origin_s(), as StreamDecoder::seconds_of() counts), at a keyframe.
  // Demuxers without an index (MPEG-TS) find the place by timestamps and can land after a
  // keyframe: callers check what they decode first (see seek_decoder_before()). Returns false
  // when the demuxer cannot seek.
  bool seek(int stream, double seconds);
  // Back to the first packet of the file. Returns false when that is not possible.
  bool rewind();

 private:
  std::filesystem::path path_;
  InputFormatPtr format_;
  int video_stream_ = -1;
  int audio_stream_ = -1;
};

// Opens, reads the header and closes. Throws Error(kMedia).
MediaInfo probe_media(const std::filesystem::path& path);

}  // namespace shortpack

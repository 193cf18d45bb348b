// Judging finished files the way a platform would, straight through libavformat/libavcodec:
// streams, packets, top-level MP4 boxes, decoded pictures and decoded sound. These helpers share
// only the RAII handles of pipeline/media/av_ptr.h with shortpack's own media layer, none of its
// demuxing, decoding or conversion, so they judge it independently.
#pragma once

#include <array>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/rational.h>
}

namespace shortpack::test {

struct VideoStreamProbe {
  bool present = false;
  std::string codec;         // "h264"
  std::string profile;       // "High"
  std::string pixel_format;  // "yuv420p"
  int width_px = 0;
  int height_px = 0;
  AVRational sample_aspect{0, 1};  // {0,1} when unknown
  AVRational time_base{0, 1};
  AVRational avg_frame_rate{0, 1};
  double rotation_deg = 0.0;  // from the display matrix (av_display_rotation_get), 0 without
  int64_t packets = 0;
  std::vector<int64_t> pts;        // every packet's pts, sorted (presentation order)
  std::vector<int64_t> durations;  // every packet's duration, in time_base
  int64_t keyframes = 0;
  // Steps between consecutive presentation times, in time_base.
  [[nodiscard]] std::vector<int64_t> pts_steps() const;
  // Presentation span: last pts + its duration - first pts, in seconds.
  [[nodiscard]] double span_s() const;
};

struct AudioStreamProbe {
  bool present = false;
  std::string codec;    // "aac"
  std::string profile;  // "LC"
  int sample_rate_hz = 0;
  int channels = 0;
  int64_t packets = 0;
  double span_s = 0.0;  // from the packets' timestamps
};

struct MediaProbe {
  std::string format_name;     // "mov,mp4,m4a,3gp,3g2,mj2"
  double duration_s = 0.0;     // container duration
  VideoStreamProbe video;      // the first video stream
  AudioStreamProbe audio;      // the first audio stream
  double video_start_s = 0.0;  // the streams' start_time, in seconds (0 when unknown)
  double audio_start_s = 0.0;
};

// Opens the file and reads every packet. Throws std::runtime_error when it cannot be read.
MediaProbe probe_file(const std::filesystem::path& path);

// The four-character types of the top-level boxes, in file order ("ftyp", "moov", "mdat", ...).
std::vector<std::string> top_level_boxes(const std::filesystem::path& path);

// A decoded picture converted to 8-bit yuv420p (planes packed, no padding).
struct YuvPicture {
  int width_px = 0;
  int height_px = 0;
  std::vector<uint8_t> y, u, v;
  [[nodiscard]] uint8_t luma(int x, int y_px) const { return y[static_cast<size_t>(y_px) * width_px + x]; }
  // Chroma at luma coordinates.
  [[nodiscard]] uint8_t cb(int x, int y_px) const {
    return u[static_cast<size_t>(y_px / 2) * ((width_px + 1) / 2) + x / 2];
  }
  [[nodiscard]] uint8_t cr(int x, int y_px) const {
    return v[static_cast<size_t>(y_px / 2) * ((width_px + 1) / 2) + x / 2];
  }
  // Mean of a plane (0 = Y, 1 = U, 2 = V) over the luma rectangle [x0, x1) x [y0, y1).
  [[nodiscard]] double mean(int plane, int x0, int y0, int x1, int y1) const;
};

// R'G'B' (0..255) of a limited-range Y'CbCr colour in the BT.709 or the BT.601 matrix: how a
// player shows it. An untagged SD test source made by the ffmpeg program from an RGB lavfi source
// is BT.601 (swscale's default) and is shown (and rendered by shortpack) as such; outputs are
// BT.709. Comparing colours shown, not code values, keeps such tests about what they test.
enum class Matrix { kBt601, kBt709 };
std::array<double, 3> shown_rgb(double y, double cb, double cr, Matrix matrix);
// The same for the mean of a luma rectangle [x0, x1) x [y0, y1) of a picture.
std::array<double, 3> shown_rgb(const YuvPicture& picture, int x0, int y0, int x1, int y1, Matrix matrix);

// Decodes the first video stream and returns the pictures with the given presentation-order
// indices (0-based, any order; missing indices throw std::runtime_error).
std::vector<YuvPicture> decode_frames(const std::filesystem::path& path, const std::vector<int64_t>& indices);
YuvPicture decode_frame(const std::filesystem::path& path, int64_t index);
// Number of pictures the first video stream decodes to.
int64_t count_decoded_frames(const std::filesystem::path& path);

// The first audio stream decoded to interleaved float at its own rate and channel count.
struct DecodedAudio {
  int sample_rate_hz = 0;
  int channels = 0;
  std::vector<float> samples;  // interleaved
  [[nodiscard]] size_t frames() const {
    return channels ? samples.size() / static_cast<size_t>(channels) : 0;
  }
};
DecodedAudio decode_audio(const std::filesystem::path& path);

// Amplitude of the `frequency_hz` component of channel `channel` over [from_s, to_s)
// (Goertzel, Hann window; a full-scale sine reads about 1.0).
double tone_amplitude(const DecodedAudio& audio, int channel, double frequency_hz, double from_s,
                      double to_s);

// The ffmpeg program's ebur128 filter as an independent loudness judge.
struct Ebur128Reading {
  double integrated_lufs = 0.0;
  double true_peak_dbtp = 0.0;
};
Ebur128Reading ffmpeg_ebur128(const std::filesystem::path& path);

// How far apart audio and video lie in the file's data, read with the ffprobe program
// (`-show_entries packet=stream_index,dts_time,pos`): packets in file order (pos), and at each one
// the distance between its DTS and the DTS of the latest packet of the other stream before it.
// `max_gap_s` is the largest such distance from the first to the last packet; a player reading
// the file front to back must buffer that much of one stream to find the other.
struct InterleaveReading {
  double max_gap_s = 0.0;
  int video_packets = 0;
  int audio_packets = 0;
};
InterleaveReading ffprobe_interleave(const std::filesystem::path& path);

// Hex SHA-256 of a file (computed here, with `sha256sum` as the judge).
std::string sha256sum(const std::filesystem::path& path);

// Small platform presets for quick end-to-end renders, written into `folder` as
// <name>.yaml (pass the folder with --presets, or name it presets/ beside the campaign):
//   small-portrait   360x640, 0.5-10 s, 23-60 fps (target 30), ultrafast x264, keyframe each 1 s,
//                    AAC-LC 48 kHz stereo, -14 LUFS +- 1 / -1 dBTP, safe zone 50/120/12/30 (t/b/l/r)
//   small-landscape  640x360, otherwise the same
//   short-max        360x640 like small-portrait but at most `short_max_s` seconds long
void write_test_presets(const std::filesystem::path& folder, double short_max_s = 1.0);
// One more preset like small-portrait but for another loudness target (tolerance 1 LU), written
// as <folder>/<name>.yaml: e.g. EBU R 128's -23 LUFS / -2 dBTP.
void write_loudness_test_preset(const std::filesystem::path& folder, const std::string& name,
                                double integrated_lufs, double true_peak_dbtp);

// Every regular file under `folder`, relative to it, sorted; shortpack's own state folder
// (`.shortpack/`: ledger, locks) is left out.
std::vector<std::string> list_files(const std::filesystem::path& folder);
// The same, only the files whose name ends with `suffix` (".mp4").
std::vector<std::string> list_files(const std::filesystem::path& folder, const std::string& suffix);
// Files that must not remain after a run, whatever else a run writes: temporary files (hidden or
// ending in .part, outside .shortpack/) and outputs set aside as rejected (*.rejected.*).
std::vector<std::string> leftover_files(const std::filesystem::path& folder);

}  // namespace shortpack::test

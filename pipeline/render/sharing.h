// What decides which outputs of a clip share work, as typed descriptions.
//
// Outputs of a clip share a geometry branch (reframe and logo), under it a language branch (its
// captions, title and card texts), under that an encoder (x264) and the sound it muxes, when the
// descriptions below are equal. Each description lists every field that changes the result and
// has a defaulted operator== and a std::hash over all of its fields; none is text assembled from
// numbers. They are built from the preset as rendered (a review proxy's scaled one; with
// `one_file_per_shape`, the shape's merged one, render/shape.h), so that a preset key that changes
// a picture, an encode or a sound changes one of them: tests/unit/test_sharing.cpp walks every key
// of the preset field table (preset_keys()) and fails for a key that changes no description and is
// not listed there as deciding only the check of a file or the clip's timeline.
//
// A later span-sharing step (issue 29) builds on these: a span's description is one of these keys
// plus what is on screen in the span.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/media/encoder.h"
#include "pipeline/spec/campaign.h"
#include "pipeline/spec/preset.h"

namespace shortpack {

// One geometry branch: the frame size, the safe zone the logo stays in, and the platform's
// presentation overrides of the brand (caption size, logo width and corner).
struct GeometryKey {
  int width_px = 0;
  int height_px = 0;
  int safe_top_px = 0;
  int safe_bottom_px = 0;
  int safe_left_px = 0;
  int safe_right_px = 0;
  std::optional<int> caption_size_px;
  std::optional<int> logo_width_px;
  std::string logo_position;  // empty: the brand's corner
  bool operator==(const GeometryKey&) const = default;
};

// One language branch under a geometry: its language and the scripts it draws, which hold the
// text, style, size and safe-zone layout of its captions, title and cards.
struct CaptionKey {
  std::string language;
  std::string ass_script;                 // captions and title; empty: none
  std::vector<std::string> card_scripts;  // per timeline segment; empty: no card text
  std::vector<std::string> cue_sources;   // file:line of each cue, named when drawing fails
  bool operator==(const CaptionKey&) const = default;
};

// The x264 settings of an encoder that change its bytes. Threads are not here: they are set after
// the graph is shaped, the same for every encoder of a clip.
struct VideoKey {
  int width_px = 0;
  int height_px = 0;
  int frame_rate_num = 0;
  int frame_rate_den = 1;
  std::string profile;
  int level = 0;
  std::string x264_preset;
  int crf = 0;
  int64_t maxrate_bps = 0;
  int64_t bufsize_bits = 0;
  int gop_frames = 0;
  int bframes = 0;
  bool closed_gop = true;
  bool operator==(const VideoKey&) const = default;
};

// Which sound is mixed: the clip's programme, or a voice-over file ducked over it.
struct MixKey {
  std::filesystem::path voiceover;  // empty: the programme alone
  bool operator==(const MixKey&) const = default;
};

// One encoded sound: a mix normalised to a loudness target and encoded with AAC settings.
struct AudioKey {
  MixKey mix;
  double integrated_lufs = 0.0;
  double true_peak_dbtp = 0.0;
  int sample_rate_hz = 0;
  int channels = 0;
  int64_t bitrate_bps = 0;
  bool operator==(const AudioKey&) const = default;
};

// One encoder of a clip's graph: under which geometry and language branch (their indices in the
// graph spec), with which video settings and sound.
struct EncoderKey {
  size_t geometry = 0;
  size_t language = 0;
  VideoKey video;
  AudioKey audio;
  bool operator==(const EncoderKey&) const = default;
};

// What a preset decides of one output's sharing (the caption key also depends on the texts).
struct OutputSharing {
  GeometryKey geometry;
  VideoKey video;
  AudioKey audio;
  bool operator==(const OutputSharing&) const = default;
};

// The x264 settings of an output: its platform's, the campaign's `encode:` over them (not for a
// review proxy, whose settings are its own), at the clip's frame rate.
VideoEncodeSettings video_settings_of(const Preset& rendered, AVRational frame_rate,
                                      const EncodeOverride& encode, bool proxy);

// The sound of one output of `clip` in `language`: its voice-over's mix, or the programme.
MixKey mix_of(const Clip& clip, const std::string& language);
GeometryKey geometry_key_of(const Preset& rendered);
VideoKey video_key_of(const VideoEncodeSettings& v);
AudioKey audio_key_of(const Preset& rendered, const MixKey& mix);
AudioEncodeSettings audio_settings_of(const AudioKey& key);
OutputSharing sharing_of(const Preset& rendered, const VideoEncodeSettings& video, const MixKey& mix);

}  // namespace shortpack

template <>
struct std::hash<shortpack::GeometryKey> {
  size_t operator()(const shortpack::GeometryKey& k) const noexcept;
};
template <>
struct std::hash<shortpack::CaptionKey> {
  size_t operator()(const shortpack::CaptionKey& k) const noexcept;
};
template <>
struct std::hash<shortpack::VideoKey> {
  size_t operator()(const shortpack::VideoKey& k) const noexcept;
};
template <>
struct std::hash<shortpack::MixKey> {
  size_t operator()(const shortpack::MixKey& k) const noexcept;
};
template <>
struct std::hash<shortpack::AudioKey> {
  size_t operator()(const shortpack::AudioKey& k) const noexcept;
};
template <>
struct std::hash<shortpack::EncoderKey> {
  size_t operator()(const shortpack::EncoderKey& k) const noexcept;
};
template <>
struct std::hash<shortpack::OutputSharing> {
  size_t operator()(const shortpack::OutputSharing& k) const noexcept;
};

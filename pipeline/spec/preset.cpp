#include "pipeline/spec/preset.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "filters/core/error.h"
#include "filters/logo_overlay.h"
#include "pipeline/base/edit_distance.h"

namespace shortpack {

namespace fs = std::filesystem;

namespace {

// The names a logo's position may have (filters/logo_overlay.h's one table).
std::vector<std::string> corner_names() {
  std::vector<std::string> names;
  for (const auto& [name, corner] : kCornerNames) names.emplace_back(name);
  return names;
}

// H.264 (ITU-T Rec. H.264, Annex A, Table A-1): macroblocks per second, frame size in macroblocks,
// and the maximum bit rate in kbit/s for Baseline/Main (High may use 1.25 times that).
struct H264Level {
  int idc;
  const char* name;
  int64_t max_mbps;
  int64_t max_fs;
  int64_t max_br_kbps;
};

constexpr std::array<H264Level, 20> kH264Levels = {{
    {10, "1", 1485, 99, 64},
    {9, "1b", 1485, 99, 128},
    {11, "1.1", 3000, 396, 192},
    {12, "1.2", 6000, 396, 384},
    {13, "1.3", 11880, 396, 768},
    {20, "2", 11880, 396, 2000},
    {21, "2.1", 19800, 792, 4000},
    {22, "2.2", 20250, 1620, 4000},
    {30, "3", 40500, 1620, 10000},
    {31, "3.1", 108000, 3600, 14000},
    {32, "3.2", 216000, 5120, 20000},
    {40, "4", 245760, 8192, 20000},
    {41, "4.1", 245760, 8192, 50000},
    {42, "4.2", 522240, 8704, 50000},
    {50, "5", 589824, 22080, 135000},
    {51, "5.1", 983040, 36864, 240000},
    {52, "5.2", 2073600, 36864, 240000},
    {60, "6", 4177920, 139264, 240000},
    {61, "6.1", 8355840, 139264, 480000},
    {62, "6.2", 16711680, 139264, 800000},
}};

const H264Level* find_level(int idc) {
  for (const auto& level : kH264Levels) {
    if (level.idc == idc) return &level;
  }
  return nullptr;
}

constexpr std::array<const char*, 10> kX264Presets = {"ultrafast", "superfast", "veryfast", "faster",
                                                      "fast",      "medium",    "slow",     "slower",
                                                      "veryslow",  "placebo"};
// Sampling frequencies an AAC AudioSpecificConfig can signal by index (ISO/IEC 14496-3, 1.6.3.4).
constexpr std::array<int, 12> kAacSampleRates = {96000, 88200, 64000, 48000, 44100, 32000,
                                                 24000, 22050, 16000, 12000, 11025, 8000};

std::string join(const std::vector<std::string>& items, const char* separator = ", ") {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Shortest text that reads back as the same double, always in the C locale.
std::string number_text(double value) {
  std::array<char, 64> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  return std::string(buf.data(), result.ptr);
}

// Reads one preset file; every problem becomes "<path>:<line>: <problem>".
class PresetReader {
 public:
  explicit PresetReader(fs::path path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& problem) const {
    fail_at_line(at.Mark().line + 1, problem);
  }
  [[noreturn]] void fail_at_line(int line, const std::string& problem) const {
    throw Error(ErrorKind::kInput, path_.string() + ":" + std::to_string(line) + ": " + problem);
  }

  // One key of a mapping: how to read its value, and whether it must be present.
  struct Field {
    const char* key;
    std::function<void(const YAML::Node&)> read;
    bool required = false;
  };

  // Reads a mapping: every key must be known and appear once; required keys must be present.
  void read_map(const YAML::Node& map, const std::string& section, const std::vector<Field>& fields) const {
    if (!map.IsMap()) fail(map, "'" + section + "' must be a mapping of keys to values");
    std::set<std::string> seen;
    for (const auto& entry : map) {
      const YAML::Node key_node = entry.first;
      const YAML::Node value_node = entry.second;
      if (!key_node.IsScalar()) fail(key_node, "keys in " + section + " must be plain names");
      const std::string& key = key_node.Scalar();
      const auto field =
          std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return key == f.key; });
      if (field == fields.end()) {
        std::vector<std::string> known;
        for (const auto& f : fields) known.emplace_back(f.key);
        const std::string guess = closest_name(key, known);
        fail(key_node, "unknown key '" + key + "' in " + section + " (known: " + join(known) + ")" +
                           (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
      }
      if (!seen.insert(key).second) fail(key_node, "key '" + key + "' appears twice in " + section);
      if (value_node.IsNull()) fail(key_node, "'" + key + "' in " + section + " has no value");
      field->read(value_node);
    }
    for (const auto& f : fields) {
      if (f.required && seen.count(f.key) == 0) {
        fail(map, "missing key '" + std::string(f.key) + "' in " + section);
      }
    }
  }

  [[nodiscard]] std::string scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, "'" + what + "' must be a single value, not a list or mapping");
    return node.Scalar();
  }

  [[nodiscard]] int64_t integer(const YAML::Node& node, const std::string& what, int64_t min,
                                int64_t max) const {
    const std::string text = scalar(node, what);
    int64_t value = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size()) {
      fail(node, "'" + what + "' must be a whole number, found '" + text + "'");
    }
    if (value < min || value > max) {
      fail(node,
           "'" + what + "' is " + text + ", must be in " + std::to_string(min) + ".." + std::to_string(max));
    }
    return value;
  }

  [[nodiscard]] double real(const YAML::Node& node, const std::string& what, double min, double max) const {
    const std::string text = scalar(node, what);
    double value = 0.0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size() || !std::isfinite(value)) {
      fail(node, "'" + what + "' must be a number, found '" + text + "'");
    }
    if (value < min || value > max) {
      fail(node, "'" + what + "' is " + text + ", must be in " + number_text(min) + ".." + number_text(max));
    }
    return value;
  }

  [[nodiscard]] bool boolean(const YAML::Node& node, const std::string& what) const {
    const std::string text = scalar(node, what);
    if (text == "true") return true;
    if (text == "false") return false;
    fail(node, "'" + what + "' must be true or false, found '" + text + "'");
  }

  [[nodiscard]] std::string one_of(const YAML::Node& node, const std::string& what,
                                   const std::vector<std::string>& allowed) const {
    std::string text = scalar(node, what);
    if (std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
      fail(node, "'" + what + "' is '" + text + "', must be one of: " + join(allowed));
    }
    return text;
  }

  Preset read(const YAML::Node& root) const;

 private:
  // Lines of the sections, for cross-field problems found after reading.
  // (YAML::Node's operator= writes through to the node, so lines are kept, not nodes.)
  // A key's line stays 0 while the key is absent; a section's line is the root's until read.
  struct SectionLines {
    explicit SectionLines(int root_line)
        : rate(root_line),
          duration(root_line),
          video(root_line),
          level(root_line),
          audio(root_line),
          safe(root_line),
          captions(root_line),
          logo(root_line) {}
    int rate;
    int duration;
    int video;
    int level;
    int audio;
    int maxrate = 0;
    int bufsize = 0;
    int bframes = 0;
    int keyint = 0;
    int audio_bitrate = 0;
    int safe;
    int captions;
    int logo;
  };

  static int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

  // Reads `size` and checks that 4:2:0 chroma can be subsampled from it.
  void read_size(const YAML::Node& n, Preset& p) const;
  // Reads `frame_rate`: the range of rates the platform accepts and the one to render at.
  void read_frame_rate(const YAML::Node& n, Preset& p, SectionLines& lines) const;
  // Reads `duration`: the shortest and longest clip the platform accepts.
  void read_duration(const YAML::Node& n, Preset& p, SectionLines& lines) const;
  // Reads `video`: the H.264 encoder's settings, each checked on its own.
  void read_video(const YAML::Node& n, Preset& p, SectionLines& lines) const;
  // Reads `audio`: the AAC encoder's settings.
  void read_audio(const YAML::Node& n, Preset& p, SectionLines& lines) const;
  // Reads `loudness`: the target the audio is normalised to.
  void read_loudness(const YAML::Node& n, Preset& p) const;
  // Reads `safe_zone`: the margins the platform's own interface covers.
  void read_safe_zone(const YAML::Node& n, Preset& p, SectionLines& lines) const;
  // Reads `captions` and `logo`: the platform's overrides of the brand's sizes.
  void read_captions(const YAML::Node& n, Preset& p, SectionLines& lines) const;
  void read_logo(const YAML::Node& n, Preset& p, SectionLines& lines) const;

  // Cross-field rules, each reported at the section that has to change.
  // Frame rate range and duration range are ordered.
  void check_timing(const Preset& p, const SectionLines& lines) const;
  // The H.264 level carries the size, rate and bit rate; VBV, B-frames and GOP are coherent.
  void check_video(const Preset& p, const SectionLines& lines) const;
  // AAC-LC can carry the audio bit rate.
  void check_audio(const Preset& p, const SectionLines& lines) const;
  // Safe zone, captions and logo fit inside the frame.
  void check_layout(const Preset& p, const SectionLines& lines) const;

  fs::path path_;
};

constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxI64 = std::numeric_limits<int64_t>::max();

Preset PresetReader::read(const YAML::Node& root) const {
  Preset p;
  SectionLines lines(root.Mark().line + 1);

  if (!root.IsDefined() || root.IsNull()) fail_at_line(1, "the preset file is empty");
  read_map(root, "preset",
           {
               {"label",
                [&](const YAML::Node& n) {
                  p.label = scalar(n, "label");
                  if (p.label.empty()) fail(n, "'label' must not be empty");
                },
                true},
               {"conservative_guess",
                [&](const YAML::Node& n) { p.conservative_guess = boolean(n, "conservative_guess"); }},
               {"size", [&](const YAML::Node& n) { read_size(n, p); }, true},
               {"frame_rate", [&](const YAML::Node& n) { read_frame_rate(n, p, lines); }},
               {"duration", [&](const YAML::Node& n) { read_duration(n, p, lines); }, true},
               {"max_file_bytes",
                [&](const YAML::Node& n) { p.max_file_bytes = integer(n, "max_file_bytes", 0, kMaxI64); }},
               {"video", [&](const YAML::Node& n) { read_video(n, p, lines); }},
               {"audio", [&](const YAML::Node& n) { read_audio(n, p, lines); }},
               {"loudness", [&](const YAML::Node& n) { read_loudness(n, p); }},
               {"safe_zone", [&](const YAML::Node& n) { read_safe_zone(n, p, lines); }},
               {"captions", [&](const YAML::Node& n) { read_captions(n, p, lines); }},
               {"logo", [&](const YAML::Node& n) { read_logo(n, p, lines); }},
           });

  check_timing(p, lines);
  check_video(p, lines);
  check_audio(p, lines);
  check_layout(p, lines);
  return p;
}

void PresetReader::read_size(const YAML::Node& n, Preset& p) const {
  read_map(n, "size",
           {
               {"width_px", [&](const YAML::Node& v) { p.width_px = int(integer(v, "width_px", 16, 8192)); },
                true},
               {"height_px",
                [&](const YAML::Node& v) { p.height_px = int(integer(v, "height_px", 16, 8192)); }, true},
           });
  if (p.width_px % 2 != 0 || p.height_px % 2 != 0) {
    fail(n, "size " + std::to_string(p.width_px) + "x" + std::to_string(p.height_px) +
                " must have even width and height (4:2:0 chroma)");
  }
}

void PresetReader::read_frame_rate(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.rate = line_of(n);
  read_map(n, "frame_rate",
           {
               {"min_fps", [&](const YAML::Node& v) { p.fps_min = real(v, "min_fps", 1.0, 240.0); }},
               {"max_fps", [&](const YAML::Node& v) { p.fps_max = real(v, "max_fps", 1.0, 240.0); }},
               {"target_fps", [&](const YAML::Node& v) { p.fps_target = real(v, "target_fps", 1.0, 240.0); }},
           });
}

void PresetReader::read_duration(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.duration = line_of(n);
  read_map(n, "duration",
           {
               {"min_s", [&](const YAML::Node& v) { p.duration_min_s = real(v, "min_s", 0.0, 1e7); }},
               {"max_s", [&](const YAML::Node& v) { p.duration_max_s = real(v, "max_s", 0.001, 1e7); }, true},
           });
}

void PresetReader::read_video(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.video = line_of(n);
  VideoSpec& v = p.video;
  read_map(n, "video",
           {
               {"codec", [&](const YAML::Node& x) { v.codec = one_of(x, "codec", {"h264"}); }},
               {"profile",
                [&](const YAML::Node& x) {
                  v.profile = one_of(x, "profile", {"baseline", "main", "high"});
                }},
               {"level",
                [&](const YAML::Node& x) {
                  lines.level = line_of(x);
                  const std::string text = scalar(x, "level");
                  v.level = h264_level_from_text(text);
                  if (v.level < 0) {
                    std::vector<std::string> names;
                    for (const auto& l : kH264Levels) names.emplace_back(l.name);
                    fail(x, "'level' is '" + text + "', must be an H.264 level: " + join(names));
                  }
                }},
               {"x264_preset",
                [&](const YAML::Node& x) {
                  v.x264_preset = one_of(x, "x264_preset", {kX264Presets.begin(), kX264Presets.end()});
                }},
               {"crf", [&](const YAML::Node& x) { v.crf = int(integer(x, "crf", 0, 51)); }},
               {"maxrate_bps",
                [&](const YAML::Node& x) {
                  lines.maxrate = line_of(x);
                  v.maxrate_bps = integer(x, "maxrate_bps", 0, kMaxI64);
                }},
               {"bufsize_bits",
                [&](const YAML::Node& x) {
                  lines.bufsize = line_of(x);
                  v.bufsize_bits = integer(x, "bufsize_bits", 0, kMaxI64);
                }},
               {"closed_gop", [&](const YAML::Node& x) { v.closed_gop = boolean(x, "closed_gop"); }},
               {"keyint_s",
                [&](const YAML::Node& x) {
                  lines.keyint = line_of(x);
                  v.keyint_s = real(x, "keyint_s", 0.01, 60.0);
                }},
               {"bframes",
                [&](const YAML::Node& x) {
                  lines.bframes = line_of(x);
                  v.bframes = int(integer(x, "bframes", 0, 16));
                }},
               // x264 in shortpack encodes 8-bit 4:2:0 only: what every platform decodes.
               {"pixel_format",
                [&](const YAML::Node& x) { v.pixel_format = one_of(x, "pixel_format", {"yuv420p"}); }},
           });
}

void PresetReader::read_audio(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.audio = line_of(n);
  AudioSpec& a = p.audio;
  read_map(n, "audio",
           {
               {"codec", [&](const YAML::Node& x) { a.codec = one_of(x, "codec", {"aac"}); }},
               {"sample_rate_hz",
                [&](const YAML::Node& x) {
                  a.sample_rate_hz = int(integer(x, "sample_rate_hz", 1, kMaxInt));
                  if (std::find(kAacSampleRates.begin(), kAacSampleRates.end(), a.sample_rate_hz) ==
                      kAacSampleRates.end()) {
                    std::vector<std::string> rates;
                    for (int r : kAacSampleRates) rates.push_back(std::to_string(r));
                    fail(x, "'sample_rate_hz' is " + std::to_string(a.sample_rate_hz) +
                                ", must be an AAC sampling rate: " + join(rates));
                  }
                }},
               {"channels", [&](const YAML::Node& x) { a.channels = int(integer(x, "channels", 1, 2)); }},
               {"bitrate_bps",
                [&](const YAML::Node& x) {
                  lines.audio_bitrate = line_of(x);
                  a.bitrate_bps = integer(x, "bitrate_bps", 8000, 1000000);
                }},
           });
}

void PresetReader::read_loudness(const YAML::Node& n, Preset& p) const {
  LoudnessSpec& l = p.loudness;
  read_map(
      n, "loudness",
      {
          {"integrated_lufs",
           [&](const YAML::Node& x) { l.integrated_lufs = real(x, "integrated_lufs", -70.0, -5.0); }},
          {"true_peak_dbtp",
           [&](const YAML::Node& x) { l.true_peak_dbtp = real(x, "true_peak_dbtp", -20.0, 0.0); }},
          {"tolerance_lu", [&](const YAML::Node& x) { l.tolerance_lu = real(x, "tolerance_lu", 0.1, 10.0); }},
      });
}

void PresetReader::read_safe_zone(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.safe = line_of(n);
  SafeZone& s = p.safe;
  read_map(
      n, "safe_zone",
      {
          {"top_px", [&](const YAML::Node& x) { s.top_px = int(integer(x, "top_px", 0, 8192)); }},
          {"bottom_px", [&](const YAML::Node& x) { s.bottom_px = int(integer(x, "bottom_px", 0, 8192)); }},
          {"left_px", [&](const YAML::Node& x) { s.left_px = int(integer(x, "left_px", 0, 8192)); }},
          {"right_px", [&](const YAML::Node& x) { s.right_px = int(integer(x, "right_px", 0, 8192)); }},
      });
}

void PresetReader::read_captions(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.captions = line_of(n);
  read_map(
      n, "captions",
      {{"size_px", [&](const YAML::Node& x) { p.caption_size_px = int(integer(x, "size_px", 1, 8192)); }}});
}

void PresetReader::read_logo(const YAML::Node& n, Preset& p, SectionLines& lines) const {
  lines.logo = line_of(n);
  read_map(
      n, "logo",
      {
          {"width_px", [&](const YAML::Node& x) { p.logo_width_px = int(integer(x, "width_px", 1, 8192)); }},
          {"position", [&](const YAML::Node& x) { p.logo_position = one_of(x, "position", corner_names()); }},
      });
}

void PresetReader::check_timing(const Preset& p, const SectionLines& lines) const {
  if (!(p.fps_min <= p.fps_target && p.fps_target <= p.fps_max)) {
    fail_at_line(lines.rate, "frame_rate needs min_fps <= target_fps <= max_fps, found " +
                                 number_text(p.fps_min) + " <= " + number_text(p.fps_target) +
                                 " <= " + number_text(p.fps_max));
  }
  if (p.duration_min_s >= p.duration_max_s) {
    fail_at_line(lines.duration, "duration needs min_s < max_s, found min_s " +
                                     number_text(p.duration_min_s) + " and max_s " +
                                     number_text(p.duration_max_s));
  }
}

void PresetReader::check_video(const Preset& p, const SectionLines& lines) const {
  const H264Level* level = find_level(p.video.level);
  const int64_t mbs_per_frame = int64_t((p.width_px + 15) / 16) * ((p.height_px + 15) / 16);
  if (mbs_per_frame > level->max_fs ||
      double(mbs_per_frame) * p.fps_max > double(level->max_mbps) * (1.0 + 1e-9)) {
    std::string needed = "none of Table A-1";
    for (const auto& l : kH264Levels) {
      if (mbs_per_frame <= l.max_fs && double(mbs_per_frame) * p.fps_max <= double(l.max_mbps)) {
        needed = l.name;
        break;
      }
    }
    fail_at_line(lines.level, "H.264 level " + std::string(level->name) + " cannot carry " +
                                  std::to_string(p.width_px) + "x" + std::to_string(p.height_px) + " at " +
                                  number_text(p.fps_max) + " fps (max_fps); needs level " + needed +
                                  " or higher");
  }
  const int64_t max_br_bps = level->max_br_kbps * (p.video.profile == "high" ? 1250 : 1000);
  if (p.video.maxrate_bps > max_br_bps) {
    fail_at_line(lines.maxrate, "maxrate_bps " + std::to_string(p.video.maxrate_bps) + " is above the " +
                                    p.video.profile + " profile's limit at level " + level->name + " (" +
                                    std::to_string(max_br_bps) + " bps)");
  }
  if (p.video.maxrate_bps > 0 && p.video.bufsize_bits == 0) {
    fail_at_line(lines.maxrate, "maxrate_bps needs bufsize_bits (the VBV buffer) as well");
  }
  if (p.video.bufsize_bits > 0 && p.video.maxrate_bps == 0) {
    fail_at_line(lines.bufsize, "bufsize_bits without maxrate_bps has no effect; set both or neither");
  }
  if (p.video.profile == "baseline" && p.video.bframes > 0) {
    fail_at_line(lines.bframes ? lines.bframes : lines.video,
                 "the baseline profile has no B-frames; set bframes: 0");
  }
  if (p.video.keyint_s * p.fps_target < 1.0) {
    fail_at_line(lines.keyint ? lines.keyint : lines.video, "keyint_s " + number_text(p.video.keyint_s) +
                                                                " is shorter than one frame at target_fps " +
                                                                number_text(p.fps_target));
  }
}

void PresetReader::check_audio(const Preset& p, const SectionLines& lines) const {
  // AAC-LC carries at most 6144 bits per channel per 1024-sample frame.
  const int64_t max_audio_bps = int64_t(6144) * p.audio.sample_rate_hz / 1024 * p.audio.channels;
  if (p.audio.bitrate_bps > max_audio_bps) {
    fail_at_line(lines.audio_bitrate ? lines.audio_bitrate : lines.audio,
                 "audio bitrate_bps " + std::to_string(p.audio.bitrate_bps) +
                     " is above what AAC-LC can carry at " + std::to_string(p.audio.sample_rate_hz) +
                     " Hz x " + std::to_string(p.audio.channels) + " channels (" +
                     std::to_string(max_audio_bps) + ")");
  }
}

void PresetReader::check_layout(const Preset& p, const SectionLines& lines) const {
  if (p.safe.top_px + p.safe.bottom_px >= p.height_px || p.safe.left_px + p.safe.right_px >= p.width_px) {
    fail_at_line(lines.safe, "safe_zone leaves no room inside " + std::to_string(p.width_px) + "x" +
                                 std::to_string(p.height_px) +
                                 " (top+bottom must be < height_px, left+right < width_px)");
  }
  if (p.caption_size_px && *p.caption_size_px > p.height_px / 2) {
    fail_at_line(lines.captions, "captions size_px " + std::to_string(*p.caption_size_px) +
                                     " is more than half the frame height " + std::to_string(p.height_px));
  }
  if (p.logo_width_px && *p.logo_width_px > p.width_px) {
    fail_at_line(lines.logo, "logo width_px " + std::to_string(*p.logo_width_px) +
                                 " is wider than the frame width " + std::to_string(p.width_px));
  }
}

bool valid_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

fs::path executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int h264_level_from_text(const std::string& text) {
  for (const auto& level : kH264Levels) {
    if (text == level.name) return level.idc;
    // "4.0" means level 4 too.
    if (level.idc % 10 == 0 && level.idc != 9 && text == std::string(level.name) + ".0") return level.idc;
  }
  return -1;
}

std::string h264_level_text(int level_idc) {
  const H264Level* level = find_level(level_idc);
  if (level != nullptr) return level->name;
  return std::to_string(level_idc / 10) + "." + std::to_string(level_idc % 10);
}

int h264_profile_rank(const std::string& profile) {
  if (profile == "baseline") return 0;
  if (profile == "main") return 1;
  if (profile == "high") return 2;
  return -1;
}

Preset load_preset_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kInput, path.string() + ": cannot read the preset file");
  std::ostringstream text;
  text << in.rdbuf();

  const std::string name = path.stem().string();
  if (!valid_name(name)) {
    throw Error(ErrorKind::kInput, path.string() +
                                       ": a preset file name must be lower-case letters, digits and "
                                       "'-' (it is the platform name), found '" +
                                       name + "'");
  }
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::kInput,
                path.string() + ":" + std::to_string(e.mark.line + 1) + ": YAML syntax error: " + e.msg);
  }
  PresetReader reader(path);
  Preset preset = reader.read(root);
  preset.name = name;
  preset.source_file = path;
  return preset;
}

PresetCatalog PresetCatalog::load(const std::vector<fs::path>& extra_folders, bool include_builtin) {
  std::vector<fs::path> folders;
  if (include_builtin) folders.push_back(builtin_folder());
  folders.insert(folders.end(), extra_folders.begin(), extra_folders.end());

  PresetCatalog catalog;
  for (const auto& folder : folders) {
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
      throw Error(ErrorKind::kInput, folder.string() + ": preset folder does not exist");
    }
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      if (entry.path().extension() == ".yaml") files.push_back(entry.path());
    }
    if (ec) {
      throw Error(ErrorKind::kInput, folder.string() + ": cannot list the preset folder: " + ec.message());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      Preset preset = load_preset_file(file);
      catalog.presets_[preset.name] = std::move(preset);
    }
  }
  return catalog;
}

fs::path PresetCatalog::builtin_folder() {
  fs::path compiled_in = SHORTPACK_PRESETS_DIR;
  std::error_code ec;
  if (fs::is_directory(compiled_in, ec)) return compiled_in;
  const fs::path exe_dir = executable_dir();
  if (!exe_dir.empty()) {
    for (const fs::path& candidate :
         {exe_dir.parent_path() / "presets", exe_dir.parent_path() / "share" / "shortpack" / "presets",
          exe_dir / "presets"}) {
      if (fs::is_directory(candidate, ec)) return candidate;
    }
  }
  return compiled_in;
}

const Preset* PresetCatalog::find(const std::string& name) const {
  const auto it = presets_.find(name);
  return it == presets_.end() ? nullptr : &it->second;
}

const Preset& PresetCatalog::get(const std::string& name) const {
  const Preset* preset = find(name);
  if (preset == nullptr) {
    throw Error(ErrorKind::kInput, "unknown platform '" + name + "' (known: " + names() + "; add presets/" +
                                       name + ".yaml or pass --presets DIR)");
  }
  return *preset;
}

std::string PresetCatalog::names() const {
  std::vector<std::string> list;
  for (const auto& [name, preset] : presets_) list.push_back(name);
  return join(list);
}

Preset review_proxy_of(const Preset& p) {
  Preset q = p;
  const double k = 360.0 / p.width_px;
  auto even = [k](int v) { return std::max(2, static_cast<int>(std::lround(v * k / 2.0)) * 2); };
  q.width_px = even(p.width_px);
  q.height_px = even(p.height_px);
  q.safe = {even(p.safe.top_px), even(p.safe.bottom_px), even(p.safe.left_px), even(p.safe.right_px)};
  q.video.x264_preset = "ultrafast";
  q.video.crf = 28;
  q.video.maxrate_bps = 0;
  q.video.bufsize_bits = 0;
  q.video.level = 40;
  return q;
}

std::string preset_to_yaml(const Preset& p) {
  std::ostringstream out;
  out << "# " << p.name;
  if (!p.source_file.empty()) out << " (from " << p.source_file.string() << ")";
  out << "\n";
  out << "label: " << quoted(p.label) << "\n";
  out << "conservative_guess: " << (p.conservative_guess ? "true" : "false") << "\n";
  out << "size: {width_px: " << p.width_px << ", height_px: " << p.height_px << "}\n";
  out << "frame_rate: {min_fps: " << number_text(p.fps_min) << ", max_fps: " << number_text(p.fps_max)
      << ", target_fps: " << number_text(p.fps_target) << "}\n";
  out << "duration: {min_s: " << number_text(p.duration_min_s) << ", max_s: " << number_text(p.duration_max_s)
      << "}\n";
  out << "max_file_bytes: " << p.max_file_bytes << "\n";
  const VideoSpec& v = p.video;
  out << "video:\n"
      << "  codec: " << v.codec << "\n"
      << "  profile: " << v.profile << "\n"
      << "  level: " << quoted(h264_level_text(v.level)) << "\n"
      << "  x264_preset: " << v.x264_preset << "\n"
      << "  crf: " << v.crf << "\n"
      << "  maxrate_bps: " << v.maxrate_bps << "\n"
      << "  bufsize_bits: " << v.bufsize_bits << "\n"
      << "  closed_gop: " << (v.closed_gop ? "true" : "false") << "\n"
      << "  keyint_s: " << number_text(v.keyint_s) << "\n"
      << "  bframes: " << v.bframes << "\n"
      << "  pixel_format: " << v.pixel_format << "\n";
  const AudioSpec& a = p.audio;
  out << "audio: {codec: " << a.codec << ", sample_rate_hz: " << a.sample_rate_hz
      << ", channels: " << a.channels << ", bitrate_bps: " << a.bitrate_bps << "}\n";
  const LoudnessSpec& l = p.loudness;
  out << "loudness: {integrated_lufs: " << number_text(l.integrated_lufs)
      << ", true_peak_dbtp: " << number_text(l.true_peak_dbtp)
      << ", tolerance_lu: " << number_text(l.tolerance_lu) << "}\n";
  out << "safe_zone: {top_px: " << p.safe.top_px << ", bottom_px: " << p.safe.bottom_px
      << ", left_px: " << p.safe.left_px << ", right_px: " << p.safe.right_px << "}\n";
  // Written only when set: a preset without overrides keeps its text (and render fingerprints).
  if (p.caption_size_px) out << "captions: {size_px: " << *p.caption_size_px << "}\n";
  if (p.logo_width_px || !p.logo_position.empty()) {
    out << "logo: {";
    if (p.logo_width_px) out << "width_px: " << *p.logo_width_px << (p.logo_position.empty() ? "" : ", ");
    if (!p.logo_position.empty()) out << "position: " << p.logo_position;
    out << "}\n";
  }
  return out.str();
}

}  // namespace shortpack

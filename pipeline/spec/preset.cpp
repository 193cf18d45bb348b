#include "pipeline/spec/preset.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>
#include <variant>

#include "filters/core/error.h"
#include "filters/logo_overlay.h"
#include "pipeline/base/text.h"
#include "pipeline/spec/yaml_reader.h"

namespace shortpack {

namespace fs = std::filesystem;

namespace {

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

// ---- the field table ----------------------------------------------------------------------------
// Every key of a preset file, in the order `shortpack presets show` writes them: its section, how
// its value is read and checked, and which member of Preset holds it. The reader and the writer
// both walk this one table; the header's file format is an example of it.

// A key's value between the file and Preset: unset (an optional key left out), or one of these.
using Value = std::variant<std::monostate, bool, int64_t, double, std::string>;

enum class Kind {
  kText,   // quoted text, not empty
  kFlag,   // true | false
  kWhole,  // a whole number in lo..hi (or, with names, one of those numbers)
  kReal,   // a number in lo..hi
  kName,   // one of names, written bare
  kLevel,  // an H.264 level ("4.2", "1b"), held as its level_idc
};

struct Field {
  std::string_view section;  // "" for a top-level key
  std::string_view key;
  Kind kind;
  double lo = 0;
  double hi = 0;
  std::vector<std::string> names;  // kName: the allowed values; kWhole: allowed numbers, if any
  bool required = false;
  Value (*get)(const Preset&) = nullptr;  // std::monostate: unset, not written
  void (*set)(Preset&, const Value&) = nullptr;
};

// A section of keys: `size: {width_px: 1080, height_px: 1920}`.
struct Section {
  std::string_view key;
  bool required;
  bool block;  // written one key a line (video), otherwise as one {flow} line
  const char* example;
};

constexpr Section kSections[] = {
    {"size", true, false, "e.g. size: {width_px: 1080, height_px: 1920}"},
    {"frame_rate", false, false, "e.g. frame_rate: {min_fps: 23, max_fps: 60, target_fps: 30}"},
    {"duration", true, false, "e.g. duration: {min_s: 1, max_s: 600}"},
    {"video", false, true, "e.g. video: {profile: high, level: \"4.2\", crf: 23}"},
    {"audio", false, false, "e.g. audio: {sample_rate_hz: 48000, channels: 2, bitrate_bps: 128000}"},
    {"loudness", false, false, "e.g. loudness: {integrated_lufs: -14, true_peak_dbtp: -1}"},
    {"safe_zone", false, false, "e.g. safe_zone: {top_px: 270, bottom_px: 672, left_px: 65, right_px: 165}"},
    {"captions", false, false, "e.g. captions: {size_px: 64}"},
    {"logo", false, false, "e.g. logo: {width_px: 220, position: top-left}"},
    {"post", false, true, "e.g. post: {title_max_chars: 100, text_max_chars: 5000, hashtags_max: 60}"},
};

const Section* section_named(std::string_view key) {
  for (const Section& s : kSections) {
    if (s.key == key) return &s;
  }
  return nullptr;
}

// The member a chain of member pointers names: member<&Preset::video, &VideoSpec::crf>(p).
template <auto... Path, typename P>
auto& member(P& preset) {
  // clang-format off
  return (preset .* ... .* Path);  // a fold over .*: ((preset.*first).*second)...
  // clang-format on
}

Value value_of(bool v) { return v; }
Value value_of(int v) { return int64_t{v}; }
Value value_of(int64_t v) { return v; }
Value value_of(double v) { return v; }
Value value_of(const std::string& v) { return v.empty() ? Value{} : Value{v}; }
Value value_of(const std::optional<int>& v) { return v ? Value{int64_t{*v}} : Value{}; }

void assign(bool& m, const Value& v) { m = std::get<bool>(v); }
void assign(int& m, const Value& v) { m = static_cast<int>(std::get<int64_t>(v)); }
void assign(int64_t& m, const Value& v) { m = std::get<int64_t>(v); }
void assign(double& m, const Value& v) { m = std::get<double>(v); }
void assign(std::string& m, const Value& v) { m = std::get<std::string>(v); }
void assign(std::optional<int>& m, const Value& v) { m = static_cast<int>(std::get<int64_t>(v)); }

template <auto... Path>
Field field(std::string_view section, std::string_view key, Kind kind, double lo = 0, double hi = 0,
            std::vector<std::string> names = {}, bool required = false) {
  return Field{section,
               key,
               kind,
               lo,
               hi,
               std::move(names),
               required,
               [](const Preset& p) { return value_of(member<Path...>(p)); },
               [](Preset& p, const Value& v) { assign(member<Path...>(p), v); }};
}

constexpr bool kRequired = true;
constexpr double kMaxInt = std::numeric_limits<int32_t>::max();
constexpr double kMaxI64 = 1e18;  // bytes or bits per second: far beyond any platform

// The names a logo's position may have (filters/logo_overlay.h's one table).
std::vector<std::string> corner_names() {
  std::vector<std::string> names;
  for (const auto& [name, corner] : kCornerNames) names.emplace_back(name);
  return names;
}

std::vector<std::string> aac_rate_names() {
  std::vector<std::string> names;
  for (int rate : kAacSampleRates) names.push_back(std::to_string(rate));
  return names;
}

const std::vector<Field>& preset_fields() {
  using P = Preset;
  using V = VideoSpec;
  using A = AudioSpec;
  using L = LoudnessSpec;
  using S = SafeZone;
  using T = PostSpec;
  static const std::vector<Field> fields = {
      field<&P::label>("", "label", Kind::kText, 0, 0, {}, kRequired),
      field<&P::conservative_guess>("", "conservative_guess", Kind::kFlag),
      field<&P::width_px>("size", "width_px", Kind::kWhole, 16, 8192, {}, kRequired),
      field<&P::height_px>("size", "height_px", Kind::kWhole, 16, 8192, {}, kRequired),
      field<&P::fps_min>("frame_rate", "min_fps", Kind::kReal, 1, 240),
      field<&P::fps_max>("frame_rate", "max_fps", Kind::kReal, 1, 240),
      field<&P::fps_target>("frame_rate", "target_fps", Kind::kReal, 1, 240),
      field<&P::duration_min_s>("duration", "min_s", Kind::kReal, 0, 1e7),
      field<&P::duration_max_s>("duration", "max_s", Kind::kReal, 0.001, 1e7, {}, kRequired),
      field<&P::max_file_bytes>("", "max_file_bytes", Kind::kWhole, 0, kMaxI64),
      field<&P::video, &V::codec>("video", "codec", Kind::kName, 0, 0, {"h264"}),
      field<&P::video, &V::profile>("video", "profile", Kind::kName, 0, 0, {"baseline", "main", "high"}),
      field<&P::video, &V::level>("video", "level", Kind::kLevel),
      field<&P::video, &V::x264_preset>("video", "x264_preset", Kind::kName, 0, 0,
                                        {kX264Presets.begin(), kX264Presets.end()}),
      field<&P::video, &V::crf>("video", "crf", Kind::kWhole, 0, 51),
      field<&P::video, &V::maxrate_bps>("video", "maxrate_bps", Kind::kWhole, 0, kMaxI64),
      field<&P::video, &V::bufsize_bits>("video", "bufsize_bits", Kind::kWhole, 0, kMaxI64),
      field<&P::video, &V::closed_gop>("video", "closed_gop", Kind::kFlag),
      field<&P::video, &V::keyint_s>("video", "keyint_s", Kind::kReal, 0.01, 60),
      field<&P::video, &V::bframes>("video", "bframes", Kind::kWhole, 0, 16),
      // x264 in shortpack encodes 8-bit 4:2:0 only: what every platform decodes.
      field<&P::video, &V::pixel_format>("video", "pixel_format", Kind::kName, 0, 0, {"yuv420p"}),
      field<&P::audio, &A::codec>("audio", "codec", Kind::kName, 0, 0, {"aac"}),
      field<&P::audio, &A::sample_rate_hz>("audio", "sample_rate_hz", Kind::kWhole, 1, kMaxInt,
                                           aac_rate_names()),
      field<&P::audio, &A::channels>("audio", "channels", Kind::kWhole, 1, 2),
      field<&P::audio, &A::bitrate_bps>("audio", "bitrate_bps", Kind::kWhole, 8000, 1000000),
      field<&P::loudness, &L::integrated_lufs>("loudness", "integrated_lufs", Kind::kReal, -70, -5),
      field<&P::loudness, &L::true_peak_dbtp>("loudness", "true_peak_dbtp", Kind::kReal, -20, 0),
      field<&P::loudness, &L::tolerance_lu>("loudness", "tolerance_lu", Kind::kReal, 0.1, 10),
      field<&P::safe, &S::top_px>("safe_zone", "top_px", Kind::kWhole, 0, 8192),
      field<&P::safe, &S::bottom_px>("safe_zone", "bottom_px", Kind::kWhole, 0, 8192),
      field<&P::safe, &S::left_px>("safe_zone", "left_px", Kind::kWhole, 0, 8192),
      field<&P::safe, &S::right_px>("safe_zone", "right_px", Kind::kWhole, 0, 8192),
      field<&P::caption_size_px>("captions", "size_px", Kind::kWhole, 1, 8192),
      field<&P::logo_width_px>("logo", "width_px", Kind::kWhole, 1, 8192),
      field<&P::logo_position>("logo", "position", Kind::kName, 0, 0, corner_names()),
      field<&P::post, &T::title_max_chars>("post", "title_max_chars", Kind::kWhole, 0, 100000),
      field<&P::post, &T::text_max_chars>("post", "text_max_chars", Kind::kWhole, 0, 1000000),
      field<&P::post, &T::text_shown_chars>("post", "text_shown_chars", Kind::kWhole, 0, 1000000),
      field<&P::post, &T::hashtags_max>("post", "hashtags_max", Kind::kWhole, 0, 10000),
      field<&P::post, &T::cover_width_px>("post", "cover_width_px", Kind::kWhole, 0, 8192),
      field<&P::post, &T::cover_height_px>("post", "cover_height_px", Kind::kWhole, 0, 8192),
      field<&P::post, &T::cover_max_bytes>("post", "cover_max_bytes", Kind::kWhole, 0, kMaxI64),
      field<&P::post, &T::caption_file>("post", "caption_file", Kind::kFlag),
      field<&P::post, &T::caption_language>("post", "caption_language", Kind::kName, 0, 0,
                                            {"bcp47", "iso639-1"}),
  };
  return fields;
}

// ---- reading ------------------------------------------------------------------------------------

using yaml::Doc;
using yaml::MapReader;
using yaml::Where;

// The keys of one map of the file (the top level, or a section), as MapReader wants them.
std::vector<std::string_view> keys_of(std::string_view section) {
  std::vector<std::string_view> keys;
  for (const Field& f : preset_fields()) {
    if (f.section == section) keys.push_back(f.key);
    // The top level also holds each section, where its first key stands in the table.
    if (section.empty() && !f.section.empty() && std::find(keys.begin(), keys.end(), f.section) == keys.end())
      keys.push_back(f.section);
  }
  return keys;
}

Value read_value(const Where& w, const YAML::Node& node, const Field& f) {
  const std::string key(f.key);
  switch (f.kind) {
    case Kind::kText:
      return yaml::need_text(w, node, key, "write e.g. " + key + ": \"TikTok\"");
    case Kind::kFlag:
      return yaml::need_bool(w, node, key);
    case Kind::kWhole: {
      const int64_t value = yaml::need_integer_in(w, node, key, int64_t(f.lo), int64_t(f.hi));
      if (!f.names.empty()) (void)yaml::need_name(w, node, key, f.names);
      return value;
    }
    case Kind::kReal:
      return yaml::need_number_in(w, node, key, "a number", f.lo, f.hi, "write e.g. " + key + ": 30");
    case Kind::kName:
      return yaml::need_name(w, node, key, f.names);
    case Kind::kLevel: {
      const int level = node.IsScalar() ? h264_level_from_text(node.Scalar()) : -1;
      if (level < 0) {
        std::vector<std::string> names;
        for (const auto& l : kH264Levels) names.emplace_back(l.name);
        const std::string found = node.IsScalar() ? "'" + yaml::shown(node.Scalar()) + "'" : "not a level";
        w.fail(node, "'level' is " + found + ", not an H.264 level",
               "use one of: " + join(names) + " (quoted: \"4.2\")");
      }
      return int64_t{level};
    }
  }
  return {};
}

// Reads one preset file's keys through the field table, then checks the rules between keys, each
// reported on the line of the key (or section) that has to change.
class PresetReader {
 public:
  explicit PresetReader(const Doc& doc) : doc_(doc) {}

  Preset read(const YAML::Node& root) {
    Preset p;
    root_line_ = yaml::line_of(root);
    const Where top{&doc_, ""};
    const MapReader m(top, root, keys_of(""), "a preset has label:, size: and duration: at the top level");
    read_keys(top, m, "", p);
    for (const Section& s : kSections) {
      const YAML::Node* node = m.find(s.key);
      if (node == nullptr) {
        if (s.required) (void)m.require(s.key, s.example);
        continue;
      }
      lines_[std::string(s.key)] = yaml::line_of(*node);
      const Where w = top.sub(std::string(s.key));
      read_keys(w, MapReader(w, *node, keys_of(s.key), s.example), s.key, p);
    }
    check_size(p);
    check_timing(p);
    check_video(p);
    check_audio(p);
    check_layout(p);
    check_post(p);
    return p;
  }

 private:
  void read_keys(const Where& w, const MapReader& m, std::string_view section, Preset& p) {
    for (const Field& f : preset_fields()) {
      if (f.section != section) continue;
      const YAML::Node* node = m.find(f.key);
      if (node == nullptr) {
        if (f.required)
          (void)m.require(f.key, section.empty() ? "e.g. label: TikTok" : section_named(section)->example);
        continue;
      }
      lines_[std::string(section) + "." + std::string(f.key)] = yaml::line_of(*node);
      f.set(p, read_value(w, *node, f));
    }
  }

  // The line of `section.key`, else of the section, else of the file's first key.
  [[nodiscard]] int line(std::string_view section, std::string_view key = {}) const {
    if (!key.empty()) {
      if (auto it = lines_.find(std::string(section) + "." + std::string(key)); it != lines_.end())
        return it->second;
    }
    if (auto it = lines_.find(std::string(section)); it != lines_.end()) return it->second;
    return root_line_;
  }
  [[noreturn]] void fail(int line, const std::string& problem) const {
    yaml::fail_at(doc_, line, problem, "");
  }

  // Cross-field rules, each reported at the key or section that has to change.
  // 4:2:0 chroma needs an even frame size.
  void check_size(const Preset& p) const;
  // Frame rate range and duration range are ordered.
  void check_timing(const Preset& p) const;
  // The H.264 level carries the size, rate and bit rate; VBV, B-frames and GOP are coherent.
  void check_video(const Preset& p) const;
  // AAC-LC can carry the audio bit rate.
  void check_audio(const Preset& p) const;
  // Safe zone, captions and logo fit inside the frame.
  void check_layout(const Preset& p) const;
  // The cover has both sides or neither; the feed does not cut the text beyond its limit.
  void check_post(const Preset& p) const {
    if ((p.post.cover_width_px == 0) != (p.post.cover_height_px == 0) || p.post.cover_width_px % 2 != 0 ||
        p.post.cover_height_px % 2 != 0) {
      fail(line("post", "cover_width_px"),
           "post needs cover_width_px and cover_height_px together, both even");
    }
    if (p.post.text_max_chars > 0 && p.post.text_shown_chars > p.post.text_max_chars) {
      fail(line("post", "text_shown_chars"), "post.text_shown_chars is more than text_max_chars");
    }
  }

  const Doc& doc_;
  int root_line_ = 1;
  std::map<std::string, int> lines_;
};

void PresetReader::check_size(const Preset& p) const {
  if (p.width_px % 2 != 0 || p.height_px % 2 != 0) {
    fail(line("size"), "size " + std::to_string(p.width_px) + "x" + std::to_string(p.height_px) +
                           " must have even width and height (4:2:0 chroma)");
  }
}

void PresetReader::check_timing(const Preset& p) const {
  if (!(p.fps_min <= p.fps_target && p.fps_target <= p.fps_max)) {
    fail(line("frame_rate"), "frame_rate needs min_fps <= target_fps <= max_fps, found " +
                                 number_text(p.fps_min) + " <= " + number_text(p.fps_target) +
                                 " <= " + number_text(p.fps_max));
  }
  if (p.duration_min_s >= p.duration_max_s) {
    fail(line("duration"), "duration needs min_s < max_s, found min_s " + number_text(p.duration_min_s) +
                               " and max_s " + number_text(p.duration_max_s));
  }
}

void PresetReader::check_video(const Preset& p) const {
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
    fail(line("video", "level"), "H.264 level " + std::string(level->name) + " cannot carry " +
                                     std::to_string(p.width_px) + "x" + std::to_string(p.height_px) + " at " +
                                     number_text(p.fps_max) + " fps (max_fps); needs level " + needed +
                                     " or higher");
  }
  const int64_t max_br_bps = level->max_br_kbps * (p.video.profile == "high" ? 1250 : 1000);
  if (p.video.maxrate_bps > max_br_bps) {
    fail(line("video", "maxrate_bps"), "maxrate_bps " + std::to_string(p.video.maxrate_bps) +
                                           " is above the " + p.video.profile + " profile's limit at level " +
                                           level->name + " (" + std::to_string(max_br_bps) + " bps)");
  }
  if (p.video.maxrate_bps > 0 && p.video.bufsize_bits == 0) {
    fail(line("video", "maxrate_bps"), "maxrate_bps needs bufsize_bits (the VBV buffer) as well");
  }
  if (p.video.bufsize_bits > std::numeric_limits<int>::max()) {  // libavcodec's rc_buffer_size is an int
    fail(line("video", "bufsize_bits"), "bufsize_bits " + std::to_string(p.video.bufsize_bits) +
                                            " is above " + std::to_string(std::numeric_limits<int>::max()) +
                                            ", the largest VBV buffer the encoder takes");
  }
  if (p.video.bufsize_bits > 0 && p.video.maxrate_bps == 0) {
    fail(line("video", "bufsize_bits"),
         "bufsize_bits without maxrate_bps has no effect; set both or neither");
  }
  if (p.video.profile == "baseline" && p.video.bframes > 0) {
    fail(line("video", "bframes"), "the baseline profile has no B-frames; set bframes: 0");
  }
  if (p.video.keyint_s * p.fps_target < 1.0) {
    fail(line("video", "keyint_s"), "keyint_s " + number_text(p.video.keyint_s) +
                                        " is shorter than one frame at target_fps " +
                                        number_text(p.fps_target));
  }
}

void PresetReader::check_audio(const Preset& p) const {
  // AAC-LC carries at most 6144 bits per channel per 1024-sample frame.
  const int64_t max_audio_bps = int64_t(6144) * p.audio.sample_rate_hz / 1024 * p.audio.channels;
  if (p.audio.bitrate_bps > max_audio_bps) {
    fail(line("audio", "bitrate_bps"),
         "audio bitrate_bps " + std::to_string(p.audio.bitrate_bps) + " is above what AAC-LC can carry at " +
             std::to_string(p.audio.sample_rate_hz) + " Hz x " + std::to_string(p.audio.channels) +
             " channels (" + std::to_string(max_audio_bps) + ")");
  }
}

void PresetReader::check_layout(const Preset& p) const {
  if (p.safe.top_px + p.safe.bottom_px >= p.height_px || p.safe.left_px + p.safe.right_px >= p.width_px) {
    fail(line("safe_zone"), "safe_zone leaves no room inside " + std::to_string(p.width_px) + "x" +
                                std::to_string(p.height_px) +
                                " (top+bottom must be < height_px, left+right < width_px)");
  }
  if (p.caption_size_px && *p.caption_size_px > p.height_px / 2) {
    fail(line("captions"), "captions size_px " + std::to_string(*p.caption_size_px) +
                               " is more than half the frame height " + std::to_string(p.height_px));
  }
  if (p.logo_width_px && *p.logo_width_px > p.width_px) {
    fail(line("logo"), "logo width_px " + std::to_string(*p.logo_width_px) +
                           " is wider than the frame width " + std::to_string(p.width_px));
  }
}

// ---- writing ------------------------------------------------------------------------------------

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string value_text(const Field& f, const Value& v) {
  switch (f.kind) {
    case Kind::kText:
      return quoted(std::get<std::string>(v));
    case Kind::kFlag:
      return std::get<bool>(v) ? "true" : "false";
    case Kind::kWhole:
      return std::to_string(std::get<int64_t>(v));
    case Kind::kReal:
      return number_text(std::get<double>(v));
    case Kind::kName:
      return std::get<std::string>(v);
    case Kind::kLevel:
      return quoted(h264_level_text(static_cast<int>(std::get<int64_t>(v))));
  }
  return {};
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
  const std::string name = path.stem().string();
  // A preset is a screenful of keys: a file of more than 1 MiB is not one.
  const Doc doc{path, fs::absolute(path).parent_path(), "preset file", "Platform presets", int64_t{1} << 20,
                ""};
  if (!valid_name(name)) {
    yaml::fail_at(
        doc, 0,
        "a preset file name must be lower-case letters, digits and '-' (it is the platform name), found '" +
            name + "'",
        "rename the file");
  }
  PresetReader reader(doc);
  Preset preset = reader.read(yaml::read_yaml(doc, path));
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

std::vector<std::string> preset_keys() {
  std::vector<std::string> keys;
  for (const Field& f : preset_fields()) {
    keys.push_back(f.section.empty() ? std::string(f.key)
                                     : std::string(f.section) + "." + std::string(f.key));
  }
  return keys;
}

namespace {

// Another value than `v` for field `f`, inside its range; monostate when it has no other.
Value other_value(const Field& f, const Value& v) {
  const bool unset = std::holds_alternative<std::monostate>(v);
  switch (f.kind) {
    case Kind::kText:
      return unset ? std::string("x") : std::get<std::string>(v) + "x";
    case Kind::kFlag:
      return !std::get<bool>(v);
    case Kind::kWhole: {
      if (!f.names.empty()) {
        for (const std::string& name : f.names) {
          const int64_t n = std::stoll(name);
          if (unset || n != std::get<int64_t>(v)) return n;
        }
        return {};
      }
      if (unset) return static_cast<int64_t>(f.lo) + 2;
      const int64_t now = std::get<int64_t>(v);
      return now + 2 <= int64_t(f.hi) ? now + 2 : now - 2;
    }
    case Kind::kReal: {
      const double now = std::get<double>(v);
      return now + 0.25 <= f.hi ? now + 0.25 : now - 0.25;
    }
    case Kind::kName:
      for (const std::string& name : f.names) {
        if (unset || name != std::get<std::string>(v)) return name;
      }
      return {};
    case Kind::kLevel:
      return int64_t{std::get<int64_t>(v) == 41 ? 42 : 41};
  }
  return {};
}

}  // namespace

std::optional<Preset> preset_with_other_value(const Preset& preset, const std::string& key) {
  for (const Field& f : preset_fields()) {
    const std::string name =
        f.section.empty() ? std::string(f.key) : std::string(f.section) + "." + std::string(f.key);
    if (name != key) continue;
    const Value other = other_value(f, f.get(preset));
    if (std::holds_alternative<std::monostate>(other)) return std::nullopt;
    Preset changed = preset;
    f.set(changed, other);
    return changed;
  }
  throw Error(ErrorKind::kInternal, "preset_with_other_value: no preset key '" + key + "'");
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
  // A section is written when one of its keys is set: a preset without overrides keeps its text
  // (and so the render fingerprints made from it).
  std::string_view open;  // the section being written
  bool block = false;
  bool first = true;
  const auto close = [&] {
    if (!open.empty() && !block) out << "}\n";
    open = {};
  };
  for (const Field& f : preset_fields()) {
    const Value v = f.get(p);
    if (std::holds_alternative<std::monostate>(v)) continue;
    if (f.section != open) {
      close();
      if (!f.section.empty()) {
        open = f.section;
        block = section_named(open)->block;
        out << open << (block ? ":\n" : ": {");
        first = true;
      }
    }
    if (open.empty()) {
      out << f.key << ": " << value_text(f, v) << "\n";
    } else if (block) {
      out << "  " << f.key << ": " << value_text(f, v) << "\n";
    } else {
      out << (first ? "" : ", ") << f.key << ": " << value_text(f, v);
    }
    first = false;
  }
  close();
  return out.str();
}

}  // namespace shortpack

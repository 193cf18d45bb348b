// Platform presets: data files under presets/, validated when loaded.
//
// A preset describes what one platform accepts and how shortpack encodes for it. Every number
// carries its unit in its name. Loading never half-succeeds: a malformed file, an unknown key or
// an out-of-range value throws Error(kInput) naming the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace shortpack {

// The margins of a frame that the platform's own interface covers, in pixels of the preset's
// frame size. Captions, titles and the logo stay inside.
struct SafeZone {
  int top_px = 0;
  int bottom_px = 0;
  int left_px = 0;
  int right_px = 0;
};

struct VideoSpec {
  std::string codec = "h264";     // only h264 today
  std::string profile = "high";   // baseline | main | high
  int level = 42;                 // H.264 level_idc (42 = 4.2)
  std::string x264_preset = "veryfast";
  int crf = 23;
  int64_t maxrate_bps = 0;        // 0: no VBV cap
  int64_t bufsize_bits = 0;
  bool closed_gop = true;
  double keyint_s = 2.0;          // keyframe interval
  int bframes = 2;
  std::string pixel_format = "yuv420p";
};

struct AudioSpec {
  std::string codec = "aac";      // AAC-LC
  int sample_rate_hz = 48000;
  int channels = 2;
  int64_t bitrate_bps = 128000;
};

struct LoudnessSpec {
  double integrated_lufs = -14.0;
  double true_peak_dbtp = -1.0;
  double tolerance_lu = 1.0;      // check passes within +- tolerance
};

struct Preset {
  std::string name;               // file stem, [a-z0-9-]+
  std::string label;              // human name, "TikTok"
  bool conservative_guess = false;  // figures not published by the platform
  int width_px = 0;
  int height_px = 0;
  double fps_min = 23.0;
  double fps_max = 60.0;
  double fps_target = 30.0;
  double duration_min_s = 0.0;
  double duration_max_s = 0.0;    // > 0
  int64_t max_file_bytes = 0;     // 0: no limit stated
  VideoSpec video;
  AudioSpec audio;
  LoudnessSpec loudness;
  SafeZone safe;
  std::filesystem::path source_file;  // where it was loaded from
};

// Loads and validates one preset file. Throws Error(kInput) "<path>:<line>: <problem>".
Preset load_preset_file(const std::filesystem::path& path);

// All presets visible to a run: built-in folder first, then each extra folder in order; a later
// folder's preset of the same name replaces an earlier one.
class PresetCatalog {
 public:
  static PresetCatalog load(const std::vector<std::filesystem::path>& folders);
  // The built-in folder (SHORTPACK_PRESETS_DIR, or presets/ beside the executable).
  static std::filesystem::path builtin_folder();

  [[nodiscard]] const Preset* find(const std::string& name) const;
  // Throws Error(kInput) listing the known names when missing.
  [[nodiscard]] const Preset& get(const std::string& name) const;
  [[nodiscard]] const std::map<std::string, Preset>& all() const { return presets_; }

 private:
  std::map<std::string, Preset> presets_;
};

// The resolved preset as YAML text (what `shortpack presets show NAME` prints).
std::string preset_to_yaml(const Preset& preset);

}  // namespace shortpack

// Platform presets: data files under presets/, validated when loaded.
//
// A preset describes what one platform accepts and how shortpack encodes for it. Every number
// carries its unit in its name. Loading never half-succeeds: a malformed file, an unknown key or
// an out-of-range value throws Error(kInput) naming the file and line.
//
// File format: presets/<name>.yaml, keys snake_case with units in their names, for example
//
//   label: TikTok                                           # required
//   size: {width_px: 1080, height_px: 1920}                 # required
//   duration: {min_s: 1, max_s: 600}                        # max_s required
//   video: {profile: high, level: "4.2", crf: 23, maxrate_bps: 12000000, bufsize_bits: 24000000}
//   safe_zone: {top_px: 270, bottom_px: 672, left_px: 65, right_px: 165}
//
// Every key, its range and the member below that holds it are listed once, in the field table of
// preset.cpp (`preset_fields()`); the reader (through spec/yaml_reader.h, so with did-you-mean)
// and preset_to_yaml both walk that table, and `shortpack presets show NAME` prints every key of
// a preset. Keys left out take the defaults below. captions.size_px, logo.width_px and
// logo.position override the brand's caption size, logo width and corner for outputs of this
// platform only (`shortpack studio` saves them). Rules between keys: min_fps <= target_fps <=
// max_fps, min_s < max_s, an even size, the level carries the frame size at max_fps and the
// maxrate (H.264 Table A-1), the safe zone, caption size and logo fit the frame.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/captions/safe_zone.h"

namespace shortpack {

struct VideoSpec {
  std::string codec = "h264";    // only h264 today
  std::string profile = "high";  // baseline | main | high
  int level = 42;                // H.264 level_idc (42 = 4.2; 9 = 1b)
  std::string x264_preset = "veryfast";
  int crf = 23;
  int64_t maxrate_bps = 0;  // 0: no VBV cap
  int64_t bufsize_bits = 0;
  bool closed_gop = true;
  double keyint_s = 2.0;  // keyframe interval
  int bframes = 2;
  std::string pixel_format = "yuv420p";
};

struct AudioSpec {
  std::string codec = "aac";  // AAC-LC
  int sample_rate_hz = 48000;
  int channels = 2;
  int64_t bitrate_bps = 128000;
};

struct LoudnessSpec {
  double integrated_lufs = -14.0;
  double true_peak_dbtp = -1.0;
  double tolerance_lu = 1.0;  // check passes within +- tolerance
};

// What a platform takes beside the video (issue 30): the post's words, its cover and caption
// file. Text is counted in grapheme clusters (spec/post.h); 0 means the platform states no limit.
struct PostSpec {
  int title_max_chars = 0;   // 0: no title field (the title is drawn on the cover only)
  int text_max_chars = 0;    // the description with its hashtags
  int text_shown_chars = 0;  // where the feed cuts the text ("... more"); 0: shown whole
  int hashtags_max = 0;      // hashtags in the description
  int cover_width_px = 0;    // the cover (thumbnail) picture; 0: the output's size
  int cover_height_px = 0;
  int64_t cover_max_bytes = 0;             // the cover's JPEG file
  bool caption_file = false;               // takes a caption file (.srt) uploaded beside the video
  std::string caption_language = "bcp47";  // how the caption file's language is named: bcp47 | iso639-1
};

struct Preset {
  std::string name;                 // file stem, [a-z0-9-]+
  std::string label;                // human name, "TikTok"
  bool conservative_guess = false;  // figures not published by the platform
  int width_px = 0;
  int height_px = 0;
  double fps_min = 23.0;
  double fps_max = 60.0;
  double fps_target = 30.0;
  double duration_min_s = 0.0;
  double duration_max_s = 0.0;  // > 0
  int64_t max_file_bytes = 0;   // 0: no limit stated
  VideoSpec video;
  AudioSpec audio;
  LoudnessSpec loudness;
  SafeZone safe;
  // Presentation overrides of the brand for this platform; unset: the brand's value.
  std::optional<int> caption_size_px;
  std::optional<int> logo_width_px;
  std::string logo_position;  // top-left | top-right | bottom-left | bottom-right; empty: the brand's
  PostSpec post;
  std::filesystem::path source_file;  // where it was loaded from
};

// Loads and validates one preset file. Throws Error(kInput) "<path>:<line>: <problem>".
// The preset's name is the file stem.
Preset load_preset_file(const std::filesystem::path& path);

// All presets visible to a run: built-in folder first, then each extra folder in order; a later
// folder's preset of the same name replaces an earlier one. Only *.yaml files are read; one bad
// file fails the whole load (Error(kInput) with its path and line).
class PresetCatalog {
 public:
  // Loads the built-in folder (unless include_builtin is false), then `extra_folders`.
  // A missing built-in folder or a missing extra folder is Error(kInput).
  static PresetCatalog load(const std::vector<std::filesystem::path>& extra_folders,
                            bool include_builtin = true);
  // The built-in folder: SHORTPACK_PRESETS_DIR (compiled in) when it exists, otherwise the first
  // existing of <exe dir>/../presets, <exe dir>/../share/shortpack/presets, <exe dir>/presets.
  // Returns the compiled-in path when none exists (load() then reports it).
  static std::filesystem::path builtin_folder();

  [[nodiscard]] const Preset* find(const std::string& name) const;
  // Throws Error(kInput) listing the known names when missing.
  [[nodiscard]] const Preset& get(const std::string& name) const;
  [[nodiscard]] const std::map<std::string, Preset>& all() const { return presets_; }
  // "facebook-feed, facebook-reels, ..." (sorted).
  [[nodiscard]] std::string names() const;

 private:
  std::map<std::string, Preset> presets_;
};

// The review proxy of a preset (render --proxy): 360 px wide in the same shape, the safe zone
// scaled with it, x264 ultrafast crf 28 without a rate cap, level 4.0.
Preset review_proxy_of(const Preset& preset);

// The resolved preset as YAML text (what `shortpack presets show NAME` prints). Loading the text
// again with load_preset_file gives back the same preset (except name and source_file).
std::string preset_to_yaml(const Preset& preset);

// The keys of the field table, "section.key" ("label" for a top-level key), in the table's order:
// for tests that must cover every key, so that a key added to the table is covered at once (e.g.
// that every key that changes an output changes what decides sharing, render/sharing.h).
std::vector<std::string> preset_keys();
// `preset` with the one key `key` (as preset_keys() names it) holding another value of its kind
// and range (an unset optional key set), or nullopt when the key allows one value only (codec:
// h264). Rules between keys are not checked. Throws Error(kInternal) for a key not in the table.
std::optional<Preset> preset_with_other_value(const Preset& preset, const std::string& key);

// H.264 helpers shared by the loader, the encoder set-up and the checker.
// "4.2" -> 42, "1b" -> 9; -1 when the text is not a level of Table A-1.
int h264_level_from_text(const std::string& text);
// 42 -> "4.2", 9 -> "1b".
std::string h264_level_text(int level_idc);
// baseline 0 < main 1 < high 2; -1 for anything else.
int h264_profile_rank(const std::string& profile);

}  // namespace shortpack

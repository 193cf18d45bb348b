// The campaign file (YAML) and the brand kit, loaded and validated into plain data.
//
// Paths in the file are relative to the file that names them and are resolved to absolute
// paths here. Unknown keys, bad ids, unknown platforms, missing files and impossible values are
// Error(kInput) "<file>:<line>: <problem> (<what to do>)", thrown before anything is written.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/captions/subtitles.h"
#include "pipeline/preset.h"

namespace shortpack {

enum class LogoPosition { kInvalid = 0, kTopLeft, kTopRight, kBottomLeft, kBottomRight };
enum class ReframeMode { kInvalid = 0, kFitBlur, kFitPad, kCropCenter, kSmartCrop };

struct MusicBed {
  std::filesystem::path file;
  double level_db = -20.0;    // level of the music relative to the programme
  double fade_in_s = 1.0;
  double fade_out_s = 2.0;
};

struct Brand {
  std::filesystem::path source_file;  // the brand YAML, or the campaign when inline
  std::filesystem::path logo;         // empty: no logo
  LogoPosition logo_position = LogoPosition::kTopRight;
  double logo_width_rel = 0.18;       // logo width as a fraction of the frame width
  double logo_opacity = 1.0;          // 0..1
  std::filesystem::path intro;        // optional bumper videos
  std::filesystem::path outro;
  std::map<std::string, std::string> colours;  // name -> "#RRGGBB" (primary, accent, background, text)
  CaptionStyle caption_style;
  std::map<std::string, std::string> fonts_by_language;  // BCP 47 tag -> font family
  std::optional<MusicBed> music;
};

enum class TransitionKind { kCut = 0, kCrossfade, kFadeBlack };

struct Transition {
  TransitionKind kind = TransitionKind::kCut;
  double duration_s = 0.0;
};

enum class MotionKind { kNone = 0, kZoomIn, kZoomOut, kPanLeft, kPanRight };

// One piece of a clip's timeline. Exactly one of source / card / image is set.
struct Segment {
  enum class Kind { kInvalid = 0, kMedia, kCard, kImage };
  Kind kind = Kind::kInvalid;
  std::filesystem::path source;             // kMedia, kImage
  std::optional<double> start_s;            // kMedia: trim in the source
  std::optional<double> end_s;
  double duration_s = 0.0;                  // kCard, kImage (kMedia: derived once probed)
  std::map<std::string, std::string> card_text;  // kCard: language -> text
  std::string background = "#0D47A1";      // kCard
  MotionKind motion = MotionKind::kNone;    // kImage
  Transition transition;                    // how this segment enters from the previous one
  std::optional<ReframeMode> reframe;       // overrides the clip's
  int line = 0;                             // line in the campaign file, for messages
};

struct Clip {
  std::string id;                           // [a-z0-9_-]+
  std::vector<Segment> segments;            // a plain `source:` clip is one kMedia segment
  ReframeMode reframe = ReframeMode::kFitBlur;
  bool captions_none = false;               // `captions: none`
  std::map<std::string, std::filesystem::path> captions;   // language -> subtitle file
  std::map<std::string, std::filesystem::path> voiceover;  // language -> audio file
  std::map<std::string, std::string> title;                // language -> headline
  double title_duration_s = 4.0;
  bool use_bumpers = true;                  // brand intro/outro around this clip
  int line = 0;
};

struct EncodeOverride {
  std::optional<std::string> x264_preset;  // ultrafast..placebo
  std::optional<int> crf;                  // 0..51
  std::optional<int> threads;              // x264 threads per encoder; unset: automatic
};

struct Campaign {
  std::filesystem::path source_file;       // absolute
  std::string name;                        // [a-z0-9_-]+
  std::vector<std::string> languages;      // BCP 47 tags, in file order
  std::vector<std::string> platforms;      // preset names, in file order
  EncodeOverride encode;
  Brand brand;
  std::vector<Clip> clips;
  bool sidecar_captions = false;           // write .srt/.vtt beside each output
};

struct LoadOptions {
  std::vector<std::filesystem::path> preset_folders;  // --presets DIR (in addition to built-ins)
};

// Loads, resolves and validates. Checks that every referenced file exists and every platform is
// a known preset in `presets`. Throws Error(kInput).
Campaign load_campaign(const std::filesystem::path& file, const PresetCatalog& presets);
// A brand YAML file on its own (also used for `brand: path` in a campaign).
Brand load_brand(const std::filesystem::path& file);

const char* to_string(ReframeMode mode);
const char* to_string(LogoPosition position);
bool is_valid_id(const std::string& id);             // [a-z0-9_-]+, not starting with '-'
bool is_valid_language_tag(const std::string& tag);  // BCP 47 shape: vi, en, km, zh-Hant, pt-BR

}  // namespace shortpack

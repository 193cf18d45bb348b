// The campaign file (YAML) and the brand kit, loaded and validated into plain data.
//
// Paths in the file are relative to the file that names them and are resolved to absolute
// paths here. Unknown keys, bad ids, unknown platforms, missing files and impossible values are
// Error(kInput) "<file>:<line>: <problem> (<what to do>)", thrown before anything is written.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "filters/logo_overlay.h"
#include "filters/transition.h"
#include "pipeline/captions/caption_style.h"
#include "pipeline/spec/preset.h"
#include "pipeline/spec/variants.h"

namespace shortpack {

// One enum per concept: the campaign names the filters' own (logo corner, transition, motion).
using LogoPosition = Corner;  // filters/logo_overlay.h
enum class ReframeMode { kInvalid = 0, kFitBlur, kFitPad, kCropCenter, kSmartCrop };

struct MusicBed {
  std::filesystem::path file;
  double level_db = -20.0;  // level of the music relative to the programme
  double fade_in_s = 1.0;
  double fade_out_s = 2.0;
};

struct Brand {
  std::filesystem::path source_file;  // the brand YAML, or the campaign when inline
  std::filesystem::path logo;         // empty: no logo
  LogoPosition logo_position = LogoPosition::kTopRight;
  double logo_width_rel = 0.18;  // logo width as a fraction of the frame width
  double logo_opacity = 1.0;     // 0..1
  std::filesystem::path intro;   // optional bumper videos
  std::filesystem::path outro;
  std::map<std::string, std::string> colours;  // name -> "#RRGGBB" (primary, accent, background, text)
  CaptionStyle caption_style;
  std::map<std::string, std::string> fonts_by_language;  // BCP 47 tag -> font family
  std::optional<MusicBed> music;
  // `hashtags: [brand, sale]`: added after each post's own hashtags (issue 30), without '#'.
  std::vector<std::string> hashtags;
  int hashtags_line = 0;
};

// TransitionKind: filters/transition.h

struct Transition {
  TransitionKind kind = TransitionKind::kCut;
  double duration_s = 0.0;
};

using MotionKind = MotionPath;  // filters/transition.h

// One piece of a clip's timeline. Exactly one of source / card / image is set.
struct Segment {
  enum class Kind { kInvalid = 0, kMedia, kCard, kImage };
  Kind kind = Kind::kInvalid;
  std::filesystem::path source;   // kMedia, kImage
  std::optional<double> start_s;  // kMedia: trim in the source
  std::optional<double> end_s;
  double duration_s = 0.0;                       // kCard, kImage (kMedia: derived once probed)
  std::map<std::string, std::string> card_text;  // kCard: language -> text
  std::string background = "#0D47A1";            // kCard
  // kCard: `background` as written (a brand colour's name or "#RRGGBB"); empty when not given
  // (the brand's `primary`). A variant with its own brand resolves it again against that brand.
  std::string background_written;
  MotionKind motion = MotionKind::kNone;  // kImage
  Transition transition;                  // how this segment enters from the previous one
  std::optional<ReframeMode> reframe;     // overrides the clip's
  int line = 0;                           // line in the campaign file, for messages
};

// The words of a post (issue 30), for every platform or one platform's overrides. Maps are keyed
// by language; hashtags are kept without '#'. Lines are the campaign file's, for messages.
struct PostWords {
  std::map<std::string, std::string> title;
  std::map<std::string, std::string> text;
  std::map<std::string, std::vector<std::string>> hashtags;  // "" : a plain list, every language
  std::map<std::string, int> title_line;                     // language -> line of its entry
  std::map<std::string, int> text_line;
  std::map<std::string, int> hashtags_line;
  int title_key_line = 0;  // line of `title:` (0: absent)
  int text_key_line = 0;
  int hashtags_key_line = 0;
};

// A clip's `post:`: what is posted with each of its outputs. `platforms` holds the per-platform
// overrides (`post: {youtube: {title: ...}}`); a value they leave out is the clip's.
struct Post {
  PostWords words;
  std::map<std::string, PostWords> platforms;
  std::optional<double> cover_at_s;  // `cover: {at: SECONDS}` on the clip's own timeline
  int cover_line = 0;
  int line = 0;
};

struct Clip {
  std::string id;                 // [a-z0-9_-]+
  std::vector<Segment> segments;  // a plain `source:` clip is one kMedia segment
  ReframeMode reframe = ReframeMode::kFitBlur;
  bool captions_none = false;                             // `captions: none`
  std::map<std::string, std::filesystem::path> captions;  // language -> subtitle file
  std::set<std::string> captions_none_for;                // `captions: {en: none}`: no file, on purpose
  // language -> encoding of its subtitle file (`captions_encoding: windows-1258` for all of the
  // clip's files, or `captions_encoding: {vi: windows-1258}`); absent: UTF-8 (or a UTF-16/32 BOM).
  std::map<std::string, std::string> captions_encoding;
  std::map<std::string, std::filesystem::path> voiceover;  // language -> audio file
  double voiceover_duck_db = -12.0;          // programme level under the voice (`voiceover_duck: -12`, dB)
  std::map<std::string, std::string> title;  // language -> headline
  int title_line = 0;                        // line of `title:` in the campaign file
  int captions_line = 0;                     // line of `captions:`, `voiceover:` (0: absent)
  int voiceover_line = 0;
  double title_duration_s = 4.0;
  bool use_bumpers = true;   // brand intro/outro around this clip
  std::optional<Post> post;  // `post:` (issue 30); texts filled in per variant
  int line = 0;
  // The variant this clip was expanded for (see Variant); empty when the campaign has none. A
  // campaign with variants holds one Clip per (clip, variant), the clip's variants side by side,
  // all with the clip's id: their pictures are the same, only text, captions and voice-over differ.
  std::string variant;
  bool per_variant = true;  // `variants: false`: one output set, the same for every variant
  // The variant's own brand (its row's `brand` column), shared by the rows that name the same
  // file; null: the campaign's brand. Read it through Campaign::brand_of. Immutable once loaded.
  std::shared_ptr<const Brand> brand;
};

struct EncodeOverride {
  std::optional<std::string> x264_preset;  // ultrafast..placebo
  std::optional<int> crf;                  // 0..51
  std::optional<int> threads;              // x264 threads per encoder; unset: automatic
};

struct Campaign {
  std::filesystem::path source_file;   // absolute
  std::string name;                    // [a-z0-9_-]+
  std::vector<std::string> languages;  // BCP 47 tags, in file order
  std::vector<std::string> platforms;  // preset names, in file order
  EncodeOverride encode;
  Brand brand;
  std::vector<Clip> clips;
  bool sidecar_captions = false;  // write .srt/.vtt beside each output
  // `one_file_per_shape`: platforms whose outputs can be one file (pipeline/render/shape.h) get
  // one encode made to satisfy all of them, linked under each platform's name.
  bool one_file_per_shape = false;
  std::vector<Variant> variants;  // `variants:` rows in table order; empty: none
  [[nodiscard]] const Variant* variant(const std::string& id) const;
  // The variant's languages / platforms (the campaign's when it names none).
  [[nodiscard]] const std::vector<std::string>& languages_of(const Clip& clip) const;
  [[nodiscard]] const std::vector<std::string>& platforms_of(const Clip& clip) const;
  // The brand a clip renders with: its variant's own (Clip::brand) or the campaign's `brand`.
  [[nodiscard]] const Brand& brand_of(const Clip& clip) const;

  // What the variants of one clip must have in common to share a timeline, and so one decode and
  // one render graph: the brand (its bumpers, card colours, logo and music) and the files on
  // screen (a source or image path may hold {{column}}). Ordered, to be a map key.
  struct TimelineKey {
    std::string clip;
    const Brand* brand = nullptr;
    std::vector<std::string> files;  // each segment's source or image, in order ("" for a card)
    auto operator<=>(const TimelineKey&) const = default;
  };
  [[nodiscard]] TimelineKey timeline_key(const Clip& clip) const;
};

// Bounds on what a campaign or brand file may ask for, so that a hostile or runaway file
// (a YAML alias bomb, 10,000 clips) is refused with Error(kLimit) instead of exhausting the machine.
struct CampaignLimits {
  int64_t max_file_bytes = 1024 * 1024;  // each campaign or brand file
  int max_clips = 2000;
  int max_segments_per_clip = 200;
  int max_segments_total = 20000;  // over the whole campaign
  int max_languages = 64;
  int max_platforms = 64;
  int64_t max_outputs = 20000;  // clips x variants x platforms x languages
  int max_variants = 1000;
};

// Loads, resolves and validates. Checks that every referenced file exists and is a regular file
// (media is not probed here) and every platform is a known preset in `presets`.
// Throws Error(kInput) "<file>:<line>: <problem> (<what to do>)", or Error(kLimit) when a limit
// is hit. The campaign file is named in messages as `file` was given.
//
// Semantics settled here, beyond the shape of the file:
// - Language tags are stored in canonical case (language lower, Script title, REGION upper), and
//   the keys of captions/voiceover/title/card maps are matched against them in that form.
// - Every campaign language needs captions for every clip unless the clip says `captions: none`;
//   a `title` or a `card` must have text for every campaign language; a voiceover may cover only
//   some languages. Keys for languages not in `languages` are errors.
// - Colours are "#RRGGBB" (uppercase after loading) or the name of a brand colour; box_colour is
//   "#RRGGBBAA" ("#RRGGBB" means opaque). A card's background defaults to the brand colour
//   `primary` when the brand defines one.
// - Clip::title_duration_s is resolved (clip value, else the campaign's `title_duration`, else 4 s).
// - A variant's `brand` column names a brand file (load_brand's format), relative to the campaign's
//   folder, with the row's {{column}} placeholders filled in; an empty value is the campaign's
//   brand. A missing or bad brand file is a problem of the table's row (file:line). A card's
//   background is resolved against the clip's brand (Campaign::brand_of).
// - {{column}} in a segment's source or image path is filled in per row like caption paths; a
//   filled-in path that finds no file is a problem of the row.
// - Transition lengths are checked against neighbours whose length is known from the file (cards,
//   images, media segments with `end`); media lengths are checked later, once probed.
Campaign load_campaign(const std::filesystem::path& file, const PresetCatalog& presets,
                       const CampaignLimits& limits = {});
// A brand YAML file on its own (also used for `brand: path` in a campaign). Paths are relative
// to the brand file.
Brand load_brand(const std::filesystem::path& file, const CampaignLimits& limits = {});

const char* to_string(ReframeMode mode);
const char* to_string(LogoPosition position);
// "top-left" -> kTopLeft ...; kInvalid for any other text.
LogoPosition logo_position_from_text(const std::string& text);
const char* to_string(TransitionKind kind);
const char* to_string(MotionKind kind);
bool is_valid_id(const std::string& id);  // [a-z0-9_-]{1,64}, not starting with '-'
// BCP 47 shape: language (2-3 letters), optional script (4 letters), optional region (2 letters
// or 3 digits), optional variants, optional private use (x-...). vi, en, km, zh-Hant, pt-BR.
bool is_valid_language_tag(const std::string& tag);
// The tag in canonical case: "ZH-hant-tw" -> "zh-Hant-TW". Precondition: is_valid_language_tag.
std::string canonical_language_tag(const std::string& tag);

}  // namespace shortpack

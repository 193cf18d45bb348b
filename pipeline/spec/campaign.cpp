#include "pipeline/spec/campaign.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <set>
#include <span>
#include <string_view>
#include <system_error>
#include <utility>

#include "filters/core/error.h"
#include "pipeline/base/text.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"
#include "pipeline/spec/post.h"
#include "pipeline/spec/variants.h"
#include "pipeline/spec/yaml_reader.h"

namespace shortpack {

// Each enum's names in the campaign file: one table, read by the parser (need_choice) and by
// to_string.
namespace {

constexpr std::pair<const char*, ReframeMode> kReframeNames[] = {{"fit-blur", ReframeMode::kFitBlur},
                                                                 {"fit-pad", ReframeMode::kFitPad},
                                                                 {"crop-center", ReframeMode::kCropCenter},
                                                                 {"smart-crop", ReframeMode::kSmartCrop}};
constexpr std::pair<const char*, TransitionKind> kTransitionNames[] = {
    {"cut", TransitionKind::kCut},
    {"crossfade", TransitionKind::kCrossfade},
    {"fade-black", TransitionKind::kFadeBlack}};
constexpr std::pair<const char*, MotionKind> kMotionNames[] = {{"none", MotionKind::kNone},
                                                               {"zoom-in", MotionKind::kZoomIn},
                                                               {"zoom-out", MotionKind::kZoomOut},
                                                               {"pan-left", MotionKind::kPanLeft},
                                                               {"pan-right", MotionKind::kPanRight}};
constexpr std::pair<const char*, CaptionStyle::Animation> kAnimationNames[] = {
    {"none", CaptionStyle::Animation::kNone}, {"word-highlight", CaptionStyle::Animation::kWordHighlight}};

template <class Enum, size_t N>
const char* name_in(const std::pair<const char*, Enum> (&table)[N], Enum value) {
  for (const auto& [name, v] : table) {
    if (v == value) return name;
  }
  return "invalid";
}

}  // namespace

namespace fs = std::filesystem;

namespace {

constexpr int kMaxBrandColours = 64;
constexpr int kMaxFontOverrides = 200;

using yaml::fail_at;
using yaml::line_of;
using yaml::MapReader;
using yaml::need_bool;
using yaml::need_choice;
using yaml::need_integer_in;
using yaml::need_number_in;
using yaml::need_positive_seconds;
using yaml::need_seconds;
using yaml::need_text;
using yaml::printable;
using yaml::read_yaml;
using yaml::reject_missing_value;
using yaml::shown;
using yaml::Where;

// A campaign or brand file: read by the shared YAML reader, within the campaign's limits.
struct Doc : yaml::Doc {
  const CampaignLimits* limits = nullptr;
};

Doc campaign_doc(const fs::path& display, const fs::path& base_dir, const std::string& kind,
                 const CampaignLimits& limits) {
  return Doc{{display, base_dir, kind, kind == "brand file" ? "Brand file" : "Campaign file",
              limits.max_file_bytes, "campaign_bytes"},
             &limits};
}

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

// "#RRGGBB" or the name of a brand colour; returns "#RRGGBB" (uppercase).
std::string need_colour(const Where& w, const YAML::Node& node, const std::string& key,
                        const std::map<std::string, std::string>& named) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text.size() == 7 && text[0] == '#' && is_hex(std::string_view(text).substr(1)))
      return ascii_upper(text);
    if (auto it = named.find(text); it != named.end()) return it->second;
  }
  std::string fix = "write a colour as \"#RRGGBB\" (quoted: '#' starts a comment in YAML)";
  if (!named.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, unused] : named) names.push_back(name);
    fix += " or the name of a brand colour: " + join(names);
  }
  w.fail(node, "'" + key + "' is not a colour", fix);
}

// "#RRGGBBAA" (or "#RRGGBB", opaque, or a brand colour name, opaque).
std::string need_colour_alpha(const Where& w, const YAML::Node& node, const std::string& key,
                              const std::map<std::string, std::string>& named) {
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text.size() == 9 && text[0] == '#' && is_hex(std::string_view(text).substr(1)))
      return ascii_upper(text);
  }
  return need_colour(w, node, key, named) + "FF";
}

// ---- files ----------------------------------------------------------------------------------

fs::path resolve_file(const Where& w, const YAML::Node& node, const std::string& key) {
  const std::string text = need_text(w, node, key, "a path relative to the " + w.doc->kind);
  const fs::path written(text);
  const fs::path path = (written.is_absolute() ? written : w.doc->base_dir / written).lexically_normal();
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) {
    w.fail(node, "file not found: " + shown(text),
           has_placeholder(text)
               ? "{{column}} placeholders are filled in only in the paths of sources, images, captions and "
                 "voice-overs"
               : "paths are relative to the " + w.doc->kind + "; looked for " + path.string());
  }
  if (!fs::is_regular_file(status)) {
    w.fail(node, "not a regular file: " + shown(text),
           "'" + key + "' must name a file, not a folder or device");
  }
  return path;
}

// A path that may hold {{column}} placeholders: checked once filled in for each variant.
fs::path resolve_file_template(const Where& w, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar() || !has_placeholder(node.Scalar())) return resolve_file(w, node, key);
  const fs::path written(node.Scalar());
  return (written.is_absolute() ? written : w.doc->base_dir / written).lexically_normal();
}

// ---- maps keyed by language -------------------------------------------------------------------

// Calls fn(tag, key node, value node) for each entry of a map keyed by language tags. With
// `allowed`, each tag must be one of them (and the map can then hold no more entries than that).
void for_each_language(
    const Where& w, const YAML::Node& node, const std::string& key, const std::vector<std::string>* allowed,
    int max_entries, const std::string& example,
    const std::function<void(const std::string&, const YAML::Node&, const YAML::Node&)>& fn) {
  if (!node.IsMap()) w.fail(node, "'" + key + "' must be a map of language -> value", example);
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node k = it->first;
    const YAML::Node value = it->second;
    if (!k.IsScalar() || !is_valid_language_tag(k.Scalar())) {
      w.fail(k,
             "'" + (k.IsScalar() ? shown(k.Scalar()) : std::string("?")) + "' in '" + key +
                 "' is not a language tag",
             "use BCP 47 tags such as vi, en, km, zh-Hant, pt-BR");
    }
    const std::string tag = canonical_language_tag(k.Scalar());
    reject_missing_value(w, key + ": " + k.Scalar(), k, value);
    if (allowed != nullptr && std::find(allowed->begin(), allowed->end(), tag) == allowed->end()) {
      w.fail(k,
             "'" + key + "' has an entry for '" + tag + "', which is not in the campaign's languages (" +
                 join(*allowed) + ")",
             "add '" + tag + "' to languages, or remove this entry");
    }
    if (!seen.insert(tag).second)
      w.fail(k, "language '" + tag + "' appears twice in '" + key + "'", "keep one");
    if (static_cast<int>(seen.size()) > max_entries) {
      w.fail(k, "'" + key + "' has more than " + std::to_string(max_entries) + " entries", "remove some",
             ErrorKind::kLimit);
    }
    fn(tag, k, value);
  }
}

// ---- hashtags -----------------------------------------------------------------------------------

constexpr size_t kMaxHashtags = 200;

// A list of hashtags, each written with or without '#', kept without it: one word (no spaces,
// no '#' inside), not empty.
std::vector<std::string> need_hashtags(const Where& w, const YAML::Node& node, const std::string& key) {
  if (!node.IsSequence())
    w.fail(node, "'" + key + "' must be a list of hashtags", "e.g. " + key + ": [travel, \"#vietnam\"]");
  if (node.size() > kMaxHashtags) {
    w.fail(node, "'" + key + "' has more than " + std::to_string(kMaxHashtags) + " hashtags", "remove some",
           ErrorKind::kLimit);
  }
  std::vector<std::string> tags;
  for (const YAML::Node& item : node) {
    std::string tag = need_text(w, item, key, "a hashtag, e.g. travel");
    if (tag.front() == '#') tag.erase(0, 1);
    const bool bad = tag.empty() || tag.find_first_of(" \t\r\n#,") != std::string::npos;
    if (bad)
      w.fail(item, "'" + shown(item.Scalar()) + "' in '" + key + "' is not one hashtag",
             "one word per entry");
    tags.push_back(tag);
  }
  return tags;
}

// ---- brand ------------------------------------------------------------------------------------

void parse_caption_style(const Where& w, const YAML::Node& node, Brand& brand) {
  const MapReader m(w, node,
                    {"font", "size", "colour", "outline_colour", "outline", "shadow", "box", "box_colour",
                     "bold", "max_lines", "fonts", "animation", "highlight_colour", "highlight_box"},
                    "e.g. captions: {font: Noto Sans, size: 0.045, colour: \"#FFFFFF\"}");
  CaptionStyle& style = brand.caption_style;
  if (const auto* v = m.find("font"))
    style.font_family = need_text(w, *v, "font", "a font family, e.g. Noto Sans");
  if (const auto* v = m.find("size")) {
    style.size_rel = need_number_in(w, *v, "size", "a fraction of the frame height", 0.01, 0.2,
                                    "size is a fraction of the frame height, e.g. size: 0.045");
  }
  if (const auto* v = m.find("colour")) style.primary_colour = need_colour(w, *v, "colour", brand.colours);
  if (const auto* v = m.find("outline_colour")) {
    style.outline_colour = need_colour(w, *v, "outline_colour", brand.colours);
  }
  if (const auto* v = m.find("outline")) {
    style.outline_rel = need_number_in(w, *v, "outline", "a fraction of the font size", 0.0, 0.5,
                                       "outline is a fraction of the font size, e.g. outline: 0.1");
  }
  if (const auto* v = m.find("shadow")) {
    style.shadow_rel = need_number_in(w, *v, "shadow", "a fraction of the font size", 0.0, 0.5,
                                      "shadow is a fraction of the font size, e.g. shadow: 0.05");
  }
  if (const auto* v = m.find("box")) style.box = need_bool(w, *v, "box");
  if (const auto* v = m.find("box_colour"))
    style.box_colour = need_colour_alpha(w, *v, "box_colour", brand.colours);
  if (const auto* v = m.find("bold")) style.bold = need_bool(w, *v, "bold");
  if (const auto* v = m.find("max_lines"))
    style.max_lines = static_cast<int>(need_integer_in(w, *v, "max_lines", 1, 3));
  if (const auto* v = m.find("animation")) {
    style.animation = need_choice<CaptionStyle::Animation>(w, *v, "animation", kAnimationNames);
  }
  if (const auto* v = m.find("highlight_colour"))
    style.highlight_colour = need_colour(w, *v, "highlight_colour", brand.colours);
  if (const auto* v = m.find("highlight_box")) style.highlight_box = need_bool(w, *v, "highlight_box");
  if (const auto* v = m.find("fonts")) {
    for_each_language(w, *v, "fonts", nullptr, kMaxFontOverrides, "e.g. fonts: {km: Noto Sans Khmer}",
                      [&](const std::string& tag, const YAML::Node&, const YAML::Node& value) {
                        brand.fonts_by_language[tag] =
                            need_text(w, value, "fonts: " + tag, "a font family, e.g. km: Noto Sans Khmer");
                      });
  }
}

MusicBed parse_music(const Where& w, const YAML::Node& node) {
  const MapReader m(w, node, {"file", "level_db", "fade_in", "fade_out"},
                    "e.g. music: {file: brand/bed.wav, level_db: -20, fade_in: 1, fade_out: 2}");
  MusicBed music;
  music.file = resolve_file(w, m.require("file", "e.g. file: brand/bed.wav"), "file");
  if (const auto* v = m.find("level_db")) {
    music.level_db = need_number_in(w, *v, "level_db", "a level in dB", -60.0, 0.0,
                                    "the music level relative to the programme, e.g. level_db: -20");
  }
  if (const auto* v = m.find("fade_in"))
    music.fade_in_s = need_number_in(w, *v, "fade_in", "a number of seconds", 0.0, 60.0, "e.g. fade_in: 1.0");
  if (const auto* v = m.find("fade_out")) {
    music.fade_out_s =
        need_number_in(w, *v, "fade_out", "a number of seconds", 0.0, 60.0, "e.g. fade_out: 2.0");
  }
  return music;
}

Brand parse_brand(const Where& w, const YAML::Node& node, const fs::path& source_file) {
  const MapReader m(w, node,
                    {"logo", "logo_position", "logo_width", "logo_opacity", "intro", "outro", "colours",
                     "captions", "music", "hashtags"},
                    "e.g. brand: {logo: brand/logo.png, logo_position: top-right}");
  Brand brand;
  brand.source_file = source_file;
  // Colours first: the other keys may name them.
  if (const auto* v = m.find("colours")) {
    if (!v->IsMap())
      w.fail(*v, "'colours' must be a map of name -> \"#RRGGBB\"", "e.g. colours: {primary: \"#0D47A1\"}");
    for (auto it = v->begin(); it != v->end(); ++it) {
      const YAML::Node k = it->first;
      const YAML::Node value = it->second;
      if (!k.IsScalar() || !is_valid_id(k.Scalar())) {
        w.fail(k, "a colour name must be a plain name ([a-z0-9_-]+)",
               "e.g. primary, accent, background, text");
      }
      if (brand.colours.count(k.Scalar()) != 0)
        w.fail(k, "colour '" + k.Scalar() + "' appears twice", "keep one");
      if (static_cast<int>(brand.colours.size()) >= kMaxBrandColours) {
        w.fail(k, "more than " + std::to_string(kMaxBrandColours) + " brand colours", "remove some",
               ErrorKind::kLimit);
      }
      reject_missing_value(w, "colours: " + k.Scalar(), k, value);
      brand.colours[k.Scalar()] = need_colour(w, value, "colours: " + k.Scalar(), {});
    }
  }
  if (const auto* v = m.find("logo")) brand.logo = resolve_file(w, *v, "logo");
  if (const auto* v = m.find("logo_position")) {
    brand.logo_position = need_choice<LogoPosition>(w, *v, "logo_position", kCornerNames);
  }
  if (const auto* v = m.find("logo_width")) {
    brand.logo_width_rel =
        need_number_in(w, *v, "logo_width", "a fraction of the frame width", 0.02, 0.5,
                       "logo_width is a fraction of the frame width, e.g. logo_width: 0.18");
  }
  if (const auto* v = m.find("logo_opacity")) {
    brand.logo_opacity =
        need_number_in(w, *v, "logo_opacity", "a number from 0 to 1", 0.0, 1.0, "e.g. logo_opacity: 0.9");
  }
  if (const auto* v = m.find("intro")) brand.intro = resolve_file(w, *v, "intro");
  if (const auto* v = m.find("outro")) brand.outro = resolve_file(w, *v, "outro");
  if (const auto* v = m.find("captions")) parse_caption_style(w.sub("captions"), *v, brand);
  if (const auto* v = m.find("music")) brand.music = parse_music(w.sub("music"), *v);
  if (const auto* v = m.find("hashtags")) {
    brand.hashtags = need_hashtags(w, *v, "hashtags");
    brand.hashtags_line = line_of(*v);
  }
  return brand;
}

Brand load_brand_file(const fs::path& display, const CampaignLimits& limits) {
  const fs::path absolute = fs::absolute(display).lexically_normal();
  const Doc doc = campaign_doc(display, absolute.parent_path(), "brand file", limits);
  const YAML::Node root = read_yaml(doc, absolute);
  return parse_brand(Where{&doc, "brand"}, root, absolute);
}

// ---- clips ------------------------------------------------------------------------------------

// Keys of a clip and of a segment, in the order messages list them.
const std::vector<std::string_view> kClipKeys = {
    "id",        "source",         "start",    "end",
    "segments",  "reframe",        "captions", "captions_encoding",
    "voiceover", "voiceover_duck", "title",    "title_duration",
    "bumpers",   "variants",       "post"};
const std::vector<std::string_view> kSegmentKeys = {"source",     "start", "end",    "card",       "duration",
                                                    "background", "image", "motion", "transition", "reframe"};

ReframeMode need_reframe(const Where& w, const YAML::Node& node) {
  return need_choice<ReframeMode>(w, node, "reframe", kReframeNames);
}

Transition parse_transition(const Where& w, const YAML::Node& node) {
  const std::string example =
      "e.g. transition: {crossfade: 0.5}; one of cut: 0, crossfade: SECONDS, fade-black: SECONDS";
  const MapReader m(w, node,
                    {to_string(TransitionKind::kCut), to_string(TransitionKind::kCrossfade),
                     to_string(TransitionKind::kFadeBlack)},
                    example);
  if (node.size() != 1) w.fail(node, "a transition has exactly one kind", example);
  Transition t;
  if (const auto* v = m.find("cut")) {
    if (!v->IsNull() && need_seconds(w, *v, "cut") != 0.0)
      w.fail(*v, "a cut has no duration", "write {cut: 0}");
    return t;
  }
  const bool crossfade = m.has("crossfade");
  const std::string kind = crossfade ? "crossfade" : "fade-black";
  t.kind = crossfade ? TransitionKind::kCrossfade : TransitionKind::kFadeBlack;
  t.duration_s = need_positive_seconds(w, *m.find(kind), kind, 10.0);
  return t;
}

struct ClipContext {
  const Doc* doc;
  const Campaign* campaign;  // languages and brand are already loaded
  const CampaignLimits* limits;
  int segments_total = 0;
  // Some variants have brands of their own: a card's colour name is looked up in each row's
  // brand when the clips are expanded (rebrand_cards), not in the campaign's brand alone.
  bool row_brands = false;
};

void check_media_trim(const Where& w, const MapReader& m, std::optional<double>& start_s,
                      std::optional<double>& end_s) {
  if (const auto* v = m.find("start")) {
    start_s = need_seconds(w, *v, "start");
    if (*start_s < 0)
      w.fail(*v, "'start' is " + number_text(*start_s) + " s, before the beginning", "start must be >= 0");
  }
  if (const auto* v = m.find("end")) {
    end_s = need_seconds(w, *v, "end");
    const double start = start_s.value_or(0.0);
    if (*end_s <= start) {
      w.fail(*v, "'end' (" + number_text(*end_s) + " s) must be after 'start' (" + number_text(start) + " s)",
             "end is a time in the source, in seconds, later than start");
    }
  }
}

// Settles which of the three kinds a segment is, and rejects keys that the kind does not take.
void classify_segment(const Where& w, const MapReader& m, const YAML::Node& node, Segment& s) {
  int kinds = 0;
  for (const char* k : {"source", "card", "image"}) kinds += m.has(k) ? 1 : 0;
  if (kinds != 1) {
    w.fail(node,
           kinds == 0 ? "a segment needs one of 'source', 'card' or 'image'"
                      : "a segment has only one of 'source', 'card' or 'image'",
           "split it into one segment per piece");
  }
  std::vector<std::string_view> applies;
  std::string kind_name;
  if (m.has("source")) {
    s.kind = Segment::Kind::kMedia;
    kind_name = "a media segment";
    applies = {"source", "start", "end", "transition", "reframe"};
  } else if (m.has("card")) {
    s.kind = Segment::Kind::kCard;
    kind_name = "a card";
    applies = {"card", "duration", "background", "transition"};
  } else {
    s.kind = Segment::Kind::kImage;
    kind_name = "an image segment";
    applies = {"image", "duration", "motion", "transition", "reframe"};
  }
  for (std::string_view key : kSegmentKeys) {
    const YAML::Node* v = m.find(key);
    if (v != nullptr && std::find(applies.begin(), applies.end(), key) == applies.end()) {
      std::vector<std::string> names(applies.begin(), applies.end());
      w.fail(*v, "'" + std::string(key) + "' does not apply to " + kind_name,
             kind_name + " takes: " + join(names));
    }
  }
}

// Reads a card: its text in every campaign language, its duration and its background colour.
void read_card_segment(const ClipContext& ctx, const Where& w, const MapReader& m, Segment& s) {
  const YAML::Node& card = *m.find("card");
  const auto& languages = ctx.campaign->languages;
  for_each_language(w, card, "card", &languages, static_cast<int>(languages.size()),
                    "e.g. card: {vi: \"Lương hưu từ 60 tuổi\", en: \"Pension from age 60\"}",
                    [&](const std::string& tag, const YAML::Node&, const YAML::Node& value) {
                      s.card_text[tag] = need_text(w, value, "card: " + tag, "the card's text in " + tag);
                    });
  for (const std::string& tag : languages) {
    if (s.card_text.count(tag) == 0) {
      w.fail(card, "card has no text for '" + tag + "'",
             "every campaign language needs the card's text; add " + tag + ": \"...\"");
    }
  }
  s.duration_s = need_positive_seconds(w, m.require("duration", "e.g. duration: 2.5"), "duration", 3600.0);
  const auto& named = ctx.campaign->brand.colours;
  if (auto it = named.find("primary"); it != named.end()) s.background = it->second;
  if (const auto* v = m.find("background")) {
    const bool row_colour = ctx.row_brands && v->IsScalar() && !v->Scalar().starts_with('#');
    if (!row_colour) s.background = need_colour(w, *v, "background", named);
    s.background_written = v->Scalar();
  }
}

// Reads a still image: its file, its duration and how the camera moves over it.
void read_image_segment(const Where& w, const MapReader& m, Segment& s) {
  s.source = resolve_file_template(w, *m.find("image"), "image");
  s.duration_s = need_positive_seconds(w, m.require("duration", "e.g. duration: 3.0"), "duration", 3600.0);
  if (const auto* v = m.find("motion")) {
    s.motion = need_choice<MotionKind>(w, *v, "motion", kMotionNames);
  }
}

Segment parse_segment(ClipContext& ctx, const Where& w, const YAML::Node& node) {
  const MapReader m(w, node, kSegmentKeys,
                    "a segment is {source: FILE, start: S, end: S}, {card: {LANG: TEXT}, duration: S} or "
                    "{image: FILE, duration: S}");
  Segment s;
  s.line = line_of(node);
  classify_segment(w, m, node, s);
  switch (s.kind) {
    case Segment::Kind::kMedia:
      s.source = resolve_file_template(w, *m.find("source"), "source");
      check_media_trim(w, m, s.start_s, s.end_s);
      break;
    case Segment::Kind::kCard:
      read_card_segment(ctx, w, m, s);
      break;
    case Segment::Kind::kImage:
      read_image_segment(w, m, s);
      break;
    case Segment::Kind::kInvalid:
      break;
  }
  if (const auto* v = m.find("transition")) s.transition = parse_transition(w, *v);
  if (const auto* v = m.find("reframe")) s.reframe = need_reframe(w, *v);
  return s;
}

// Length of a segment when the file alone says it (cards, images, media with an end).
std::optional<double> known_duration(const Segment& s) {
  if (s.kind == Segment::Kind::kMedia) {
    if (s.end_s) return *s.end_s - s.start_s.value_or(0.0);
    return std::nullopt;
  }
  return s.duration_s;
}

void check_transitions(const Where& w, const std::vector<Segment>& segments) {
  const auto segment_where = [&](size_t i) { return w.sub("segment " + std::to_string(i + 1)); };
  const auto fail_at_segment = [&](size_t i, const std::string& problem, const std::string& fix) {
    const Where sw = segment_where(i);
    fail_at(*w.doc, segments[i].line, sw.what + ": " + problem, fix);
  };
  for (size_t i = 0; i < segments.size(); ++i) {
    const Transition& t = segments[i].transition;
    const std::string name = to_string(t.kind);
    if (i == 0) {
      if (t.kind != TransitionKind::kCut) {
        fail_at_segment(i, "the first segment cannot enter with a " + name,
                        "nothing comes before it; remove its transition");
      }
      continue;
    }
    if (t.kind == TransitionKind::kCut) continue;
    const std::string length = name + " of " + number_text(t.duration_s) + " s";
    if (auto previous = known_duration(segments[i - 1]); previous && t.duration_s > *previous) {
      fail_at_segment(
          i, length + " is longer than segment " + std::to_string(i) + " (" + number_text(*previous) + " s)",
          "shorten the transition");
    }
    if (auto own = known_duration(segments[i]); own && t.duration_s > *own) {
      fail_at_segment(i, length + " is longer than the segment itself (" + number_text(*own) + " s)",
                      "shorten the transition");
    }
  }
  // A segment overlapped at both ends must be long enough for both transitions.
  for (size_t i = 1; i + 1 < segments.size(); ++i) {
    const auto own = known_duration(segments[i]);
    const double in_s = segments[i].transition.duration_s;
    const double out_s = segments[i + 1].transition.duration_s;
    if (own && in_s > 0 && out_s > 0 && in_s + out_s > *own) {
      fail_at_segment(i,
                      "its transitions in (" + number_text(in_s) + " s) and out (" + number_text(out_s) +
                          " s) add up to more than its " + number_text(*own) + " s",
                      "shorten one of the transitions or lengthen the segment");
    }
  }
}

// A bounded look for the clip's id, so that messages about its other keys can name it.
std::string peek_id(const YAML::Node& node) {
  if (!node.IsMap()) return {};
  size_t visited = 0;
  for (auto it = node.begin(); it != node.end() && visited <= kClipKeys.size(); ++it, ++visited) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (key.IsScalar() && key.Scalar() == "id" && value.IsScalar() && is_valid_id(value.Scalar())) {
      return value.Scalar();
    }
  }
  return {};
}

// Reads the clip's id, which names its output files.
void read_clip_id(const Where& w, const MapReader& m, Clip& clip) {
  const YAML::Node& id = m.require("id", "start each clip with '- id: NAME'");
  clip.id = need_text(w, id, "id", "e.g. id: benefits");
  if (!is_valid_id(clip.id)) {
    w.fail(
        id, "bad clip id '" + shown(clip.id) + "'",
        "ids use only a-z, 0-9, '_' and '-', do not start with '-', at most 64 characters; they name files");
  }
}

// Reads a clip's `segments` list within the limits, and checks the transitions between them.
void read_clip_segments(ClipContext& ctx, const Where& w, const MapReader& m, const YAML::Node& segments,
                        Clip& clip) {
  for (const char* key : {"start", "end"}) {
    if (const auto* v = m.find(key)) {
      w.fail(*v, "'" + std::string(key) + "' belongs in each segment when a clip has segments",
             "move it into the segment it trims");
    }
  }
  if (!segments.IsSequence() || segments.size() == 0) {
    w.fail(segments, "'segments' must be a non-empty list",
           "e.g. segments: [{source: media/a.mp4, start: 0, end: 5}, {card: {en: Hello}, duration: 2}]");
  }
  const auto count = static_cast<int64_t>(segments.size());
  if (count > ctx.limits->max_segments_per_clip) {
    w.fail(segments,
           std::to_string(count) + " segments, more than the limit of " +
               std::to_string(ctx.limits->max_segments_per_clip),
           "split the clip", ErrorKind::kLimit);
  }
  if (ctx.segments_total + count > ctx.limits->max_segments_total) {
    w.fail(segments,
           "the campaign has more than " + std::to_string(ctx.limits->max_segments_total) + " segments",
           "split the campaign", ErrorKind::kLimit);
  }
  ctx.segments_total += static_cast<int>(count);
  size_t number = 0;
  for (const YAML::Node& item : segments) {
    ++number;
    clip.segments.push_back(parse_segment(ctx, w.sub("segment " + std::to_string(number)), item));
  }
  check_transitions(w, clip.segments);
}

// Reads what the clip shows: one `source` (a single media segment) or a list of `segments`.
void read_clip_pieces(ClipContext& ctx, const Where& w, const MapReader& m, const YAML::Node& node,
                      Clip& clip) {
  const YAML::Node* source = m.find("source");
  const YAML::Node* segments = m.find("segments");
  if (source != nullptr && segments != nullptr) {
    w.fail(*segments, "a clip has either 'source' or 'segments', not both",
           "put the source into the first segment");
  }
  if (source == nullptr && segments == nullptr) {
    w.fail(node, "missing required key 'source' (or 'segments')", "e.g. source: media/benefits.mp4");
  }
  if (source != nullptr) {
    Segment s;
    s.kind = Segment::Kind::kMedia;
    s.line = line_of(*source);
    s.source = resolve_file_template(w, *source, "source");
    check_media_trim(w, m, s.start_s, s.end_s);
    clip.segments.push_back(std::move(s));
    ++ctx.segments_total;
  } else {
    read_clip_segments(ctx, w, m, *segments, clip);
  }
}

// Reads `captions: {LANG: FILE | none}` (a map; `captions: none` is handled by the caller).
void read_caption_files(const Where& w, const YAML::Node& captions, const std::vector<std::string>& languages,
                        Clip& clip) {
  clip.captions_line = line_of(captions);
  for_each_language(
      w, captions, "captions", &languages, static_cast<int>(languages.size()),
      "e.g. captions: {vi: subs/x.vi.srt, en: subs/x.en.vtt}, or captions: none",
      [&](const std::string& tag, const YAML::Node&, const YAML::Node& value) {
        if (value.IsScalar() && value.Scalar() == "none") {
          clip.captions_none_for.insert(tag);  // this language has no captions, on purpose
          return;
        }
        const fs::path file = resolve_file_template(w, value, "captions: " + tag);
        const std::string ext = ascii_lower(file.extension().string());
        if (ext != ".srt" && ext != ".vtt" && ext != ".ass" && ext != ".ssa" && !is_words_json_path(file)) {
          w.fail(value, "captions for '" + tag + "' are not a subtitle file: " + shown(value.Scalar()),
                 "use .srt, .vtt, .ass, .ssa or a word-timestamp file *.words.json");
        }
        clip.captions[tag] = file;
      });
}

// Reads `captions_encoding`: one encoding for every language, or a map of them.
void read_captions_encoding(const Where& w, const YAML::Node& v, const std::vector<std::string>& languages,
                            Clip& clip) {
  const auto check = [&](const YAML::Node& value, const std::string& key) {
    const std::string name = need_text(w, value, key, "an encoding name, e.g. windows-1258");
    if (!subtitle_encoding_known(name)) {
      w.fail(value, "'" + key + "' names an unknown encoding: " + shown(name),
             "use a name iconv knows, e.g. windows-1258, windows-1252, iso-8859-1, utf-16le (iconv -l lists "
             "them)");
    }
    return name;
  };
  if (v.IsScalar()) {
    const std::string name = check(v, "captions_encoding");
    for (const std::string& tag : languages) clip.captions_encoding[tag] = name;
  } else {
    for_each_language(w, v, "captions_encoding", &languages, static_cast<int>(languages.size()),
                      "e.g. captions_encoding: windows-1258, or captions_encoding: {vi: windows-1258}",
                      [&](const std::string& tag, const YAML::Node&, const YAML::Node& value) {
                        clip.captions_encoding[tag] = check(value, "captions_encoding: " + tag);
                      });
  }
}

// Reads the clip's captions and their encodings; every language needs a file or an explicit none.
void read_clip_captions(const Where& w, const MapReader& m, const YAML::Node& node,
                        const std::vector<std::string>& languages, Clip& clip) {
  const YAML::Node* captions = m.find("captions");
  if (captions != nullptr && captions->IsScalar() && captions->Scalar() == "none") {
    clip.captions_none = true;
  } else if (captions != nullptr) {
    read_caption_files(w, *captions, languages, clip);
  }
  if (const auto* v = m.find("captions_encoding")) read_captions_encoding(w, *v, languages, clip);
  if (!clip.captions_none) {
    for (const std::string& tag : languages) {
      if (clip.captions.count(tag) == 0 && clip.captions_none_for.count(tag) == 0) {
        w.fail(captions != nullptr ? *captions : node, "no captions for '" + tag + "'",
               "every campaign language needs captions; add " + tag +
                   ": FILE to the clip's captions, or write " + tag +
                   ": none there (or captions: none for the whole clip)");
      }
    }
  }
}

// Reads the clip's voiceover files and how far the programme ducks under them.
void read_clip_voiceover(const Where& w, const MapReader& m, const std::vector<std::string>& languages,
                         Clip& clip) {
  if (const auto* v = m.find("voiceover")) {
    clip.voiceover_line = line_of(*v);
    for_each_language(w, *v, "voiceover", &languages, static_cast<int>(languages.size()),
                      "e.g. voiceover: {vi: vo/x.vi.wav}",
                      [&](const std::string& tag, const YAML::Node&, const YAML::Node& value) {
                        clip.voiceover[tag] = resolve_file_template(w, value, "voiceover: " + tag);
                      });
  }
  if (const auto* v = m.find("voiceover_duck")) {
    clip.voiceover_duck_db = need_number_in(
        w, *v, "voiceover_duck", "a level change in dB", -40.0, 0.0,
        "how far the programme drops while the voice speaks, e.g. voiceover_duck: -12 (0: no ducking)");
    if (clip.voiceover.empty()) {
      w.fail(*v, "'voiceover_duck' is set but the clip has no voiceover",
             "add voiceover: {LANG: FILE} or remove it");
    }
  }
}

// Reads the clip's title card text (in every language or none) and how long it shows.
void read_clip_title(const Where& w, const MapReader& m, const std::vector<std::string>& languages,
                     std::optional<double> default_title_s, Clip& clip) {
  if (const auto* v = m.find("title")) {
    clip.title_line = line_of(*v);
    for_each_language(w, *v, "title", &languages, static_cast<int>(languages.size()),
                      "e.g. title: {vi: \"...\", en: \"...\"}",
                      [&](const std::string& tag, const YAML::Node&, const YAML::Node& value) {
                        clip.title[tag] = need_text(w, value, "title: " + tag, "the headline in " + tag);
                      });
    for (const std::string& tag : languages) {
      if (clip.title.count(tag) == 0) {
        w.fail(*v, "title has no text for '" + tag + "'",
               "give the title in every campaign language, or none");
      }
    }
  }
  if (const auto* v = m.find("title_duration")) {
    clip.title_duration_s = need_positive_seconds(w, *v, "title_duration", 600.0);
  } else if (default_title_s) {
    clip.title_duration_s = *default_title_s;
  }
}

// ---- post (issue 30) -----------------------------------------------------------------------------

// `title`, `text` and `hashtags` of a post or of one platform's overrides. Languages must be the
// campaign's; which ones are needed is checked once the clip is expanded (spec/post.h), so that
// every missing one is said in one run.
void read_post_words(const Where& w, const MapReader& m, const std::vector<std::string>& languages,
                     PostWords& words) {
  const auto texts = [&](const char* key, std::map<std::string, std::string>& out,
                         std::map<std::string, int>& lines, int& key_line) {
    const auto* v = m.find(key);
    if (v == nullptr) return;
    key_line = line_of(*v);
    for_each_language(w, *v, key, &languages, static_cast<int>(languages.size()),
                      std::string("e.g. ") + key + ": {vi: \"...\", en: \"...\"}",
                      [&](const std::string& tag, const YAML::Node& k, const YAML::Node& value) {
                        out[tag] = need_text(w, value, std::string(key) + ": " + tag,
                                             "the post's " + std::string(key));
                        lines[tag] = line_of(k);
                      });
  };
  texts("title", words.title, words.title_line, words.title_key_line);
  texts("text", words.text, words.text_line, words.text_key_line);
  if (const auto* v = m.find("hashtags")) {
    words.hashtags_key_line = line_of(*v);
    if (v->IsSequence()) {
      words.hashtags[""] = need_hashtags(w, *v, "hashtags");
      words.hashtags_line[""] = line_of(*v);
      return;
    }
    for_each_language(w, *v, "hashtags", &languages, static_cast<int>(languages.size()),
                      "e.g. hashtags: [travel] or hashtags: {vi: [dulich], en: [travel]}",
                      [&](const std::string& tag, const YAML::Node& k, const YAML::Node& value) {
                        words.hashtags[tag] = need_hashtags(w, value, "hashtags: " + tag);
                        words.hashtags_line[tag] = line_of(k);
                      });
  }
}

Post read_post(const Where& clip_where, const YAML::Node& node, const Campaign& campaign) {
  const Where w = clip_where.sub("post");
  std::vector<std::string_view> keys = {"title", "text", "hashtags", "cover"};
  for (const std::string& p : campaign.platforms) keys.push_back(p);
  const MapReader m(w, node, keys,
                    "e.g. post: {title: {en: \"...\"}, text: {en: \"...\"}, hashtags: [travel], "
                    "youtube: {title: {en: \"...\"}}}");
  Post post;
  post.line = line_of(node);
  read_post_words(w, m, campaign.languages, post.words);
  if (const auto* v = m.find("cover")) {
    const Where cw = w.sub("cover");
    const MapReader c(cw, *v, {"at"}, "e.g. cover: {at: 2.5}");
    post.cover_at_s = need_seconds(cw, c.require("at", "e.g. cover: {at: 2.5}"), "at");
    post.cover_line = line_of(*v);
  }
  for (const std::string& platform : campaign.platforms) {
    const auto* v = m.find(platform);
    if (v == nullptr) continue;
    const Where pw = w.sub(platform);
    const MapReader pm(pw, *v, {"title", "text", "hashtags"},
                       "e.g. " + platform + ": {title: {en: \"...\"}}");
    read_post_words(pw, pm, campaign.languages, post.platforms[platform]);
  }
  return post;
}

Clip parse_clip(ClipContext& ctx, const YAML::Node& node, size_t index,
                std::optional<double> default_title_s) {
  const std::string peeked = peek_id(node);
  const Where w{ctx.doc, peeked.empty() ? "clip " + std::to_string(index + 1) : "clip '" + peeked + "'"};
  const MapReader m(w, node, kClipKeys, "start each clip with '- id: NAME'");
  Clip clip;
  clip.line = line_of(node);

  read_clip_id(w, m, clip);
  read_clip_pieces(ctx, w, m, node, clip);
  if (const auto* v = m.find("reframe")) clip.reframe = need_reframe(w, *v);

  const auto& languages = ctx.campaign->languages;
  read_clip_captions(w, m, node, languages, clip);
  read_clip_voiceover(w, m, languages, clip);
  read_clip_title(w, m, languages, default_title_s, clip);
  if (const auto* v = m.find("bumpers")) clip.use_bumpers = need_bool(w, *v, "bumpers");
  if (const auto* v = m.find("post")) clip.post = read_post(w, *v, *ctx.campaign);
  if (const auto* v = m.find("variants")) {
    if (ctx.campaign->variants.empty()) {
      w.fail(*v, "'variants' is set but the campaign has no variants table",
             "add variants: FILE.csv, or remove it");
    }
    clip.per_variant = need_bool(w, *v, "variants");
  }
  return clip;
}

// Reads a list of names (languages, platforms) with its checks.
std::vector<std::string> read_name_list(const Where& w, const YAML::Node& node, const std::string& key,
                                        int limit, const std::string& example) {
  if (!node.IsSequence() || node.size() == 0) w.fail(node, "'" + key + "' must be a non-empty list", example);
  if (static_cast<int64_t>(node.size()) > limit) {
    w.fail(node,
           "'" + key + "' has " + std::to_string(node.size()) + " entries, more than the limit of " +
               std::to_string(limit),
           "remove some", ErrorKind::kLimit);
  }
  std::vector<std::string> out;
  for (const YAML::Node& item : node) {
    if (!item.IsScalar()) w.fail(item, "each entry of '" + key + "' must be a name", example);
    out.push_back(item.Scalar());
  }
  return out;
}

// ---- variants -----------------------------------------------------------------------------------

// A `languages` / `platforms` cell: names separated by spaces or commas.
std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text + " ") {
    if (c == ' ' || c == ',' || c == '\t') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  return out;
}

bool is_column_name(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::vector<Variant> read_variants_csv(const Doc& doc, const Where& top, const YAML::Node& node) {
  const fs::path path = resolve_file(top, node, "variants");
  const fs::path display = (fs::path(node.Scalar()).is_absolute() ? fs::path(node.Scalar())
                                                                  : doc.display.parent_path() / node.Scalar())
                               .lexically_normal();
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec || static_cast<int64_t>(size) > doc.limits->max_file_bytes) {
    top.fail(node,
             "the variants table cannot be read or is larger than " +
                 std::to_string(doc.limits->max_file_bytes) + " bytes",
             "check the file; raise the limit with --limit campaign_bytes=N",
             ec ? ErrorKind::kInput : ErrorKind::kLimit);
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  const CsvTable table = parse_csv(text, display.string());
  std::set<std::string> seen;
  for (const std::string& name : table.header) {
    if (!is_column_name(name) || !seen.insert(name).second) {
      throw Error(ErrorKind::kInput, printable(display.string() + ":1: " +
                                               (is_column_name(name) ? "column '" + name + "' appears twice"
                                                                     : "bad column name '" + name + "'") +
                                               " (column names use a-z, A-Z, 0-9, '_' and '-', each once)"));
    }
  }
  if (seen.count("id") == 0) {
    throw Error(ErrorKind::kInput, display.string() + ":1: the variants table has no 'id' column (add one: " +
                                       "each row's id names its outputs)");
  }
  std::vector<Variant> out;
  for (const CsvRow& row : table.rows) {
    Variant v;
    v.table_file = display;
    v.line = row.line;
    v.header_line = 1;
    for (size_t i = 0; i < row.cells.size(); ++i) v.values[table.header[i]] = row.cells[i];
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<Variant> read_variants_inline(const Doc& doc, const Where& top, const YAML::Node& node) {
  std::vector<Variant> out;
  const Where w = top.sub("variants");
  for (const YAML::Node& row : node) {
    if (!row.IsMap())
      w.fail(row, "each row must be a map of column: value",
             "e.g. - {id: hanoi, hotline: \"024 3946 1234\"}");
    Variant v;
    v.table_file = doc.display;
    v.line = v.header_line = line_of(row);
    for (auto it = row.begin(); it != row.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar() || !is_column_name(key.Scalar())) {
        w.fail(key, "a column name uses a-z, A-Z, 0-9, '_' and '-'", "e.g. hotline: \"1900 9068\"");
      }
      std::string text;
      if (value.IsSequence()) {
        for (const YAML::Node& item : value)
          text += (item.IsScalar() ? item.Scalar() : std::string("?")) + " ";
      } else if (value.IsScalar() || value.IsNull()) {
        text = value.IsNull() ? std::string() : value.Scalar();
      } else {
        w.fail(value, "'" + key.Scalar() + "' must be text", "write the value in quotes");
      }
      if (!v.values.emplace(key.Scalar(), text).second) {
        w.fail(key, "column '" + key.Scalar() + "' appears twice in the row", "keep one");
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

// A subset of the campaign's names (`languages` / `platforms` of one variant).
std::vector<std::string> variant_subset(const Variant& v, const std::string& column,
                                        const std::vector<std::string>& all, bool language_tags,
                                        std::vector<std::string>& problems) {
  std::vector<std::string> out;
  const auto it = v.values.find(column);
  if (it == v.values.end()) return out;
  const std::string where = v.table_file.string() + ":" + std::to_string(v.line) + ": variant '" + v.id + "'";
  for (std::string name : split_names(it->second)) {
    if (language_tags && is_valid_language_tag(name)) name = canonical_language_tag(name);
    if (std::find(all.begin(), all.end(), name) == all.end()) {
      problems.push_back(where + ": '" + name + "' in '" + column + "' is not one of the campaign's " +
                         column + " (" + join(all) + ")");
    } else if (std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  }
  if (out.empty() && !it->second.empty()) return out;
  if (out.empty())
    problems.push_back(where + ": '" + column + "' is empty (name some of the campaign's " + column +
                       ", or drop the column)");
  return out;
}

// Checks ids and the per-variant columns; every problem goes to `problems`.
void check_variants(std::vector<Variant>& variants, const Campaign& c, std::vector<std::string>& problems) {
  std::map<std::string, int> first_line;
  for (Variant& v : variants) {
    const std::string at = v.table_file.string() + ":" + std::to_string(v.line) + ": ";
    const auto id = v.values.find("id");
    v.id = id == v.values.end() ? std::string() : id->second;
    if (v.id.empty()) {
      problems.push_back(at + "the row has no id (give every row an id of a-z, 0-9, '_' and '-')");
    } else if (!is_valid_id(v.id)) {
      problems.push_back(printable(at + "bad variant id '" + v.id +
                                   "' (ids use only a-z, 0-9, '_' and '-', do not " +
                                   "start with '-', at most 64 characters; they name the outputs)"));
    } else if (auto [it, fresh] = first_line.emplace(v.id, v.line); !fresh) {
      problems.push_back(at + "duplicate variant id '" + v.id + "' (first on line " +
                         std::to_string(it->second) + "; ids must be unique)");
    }
    v.languages = variant_subset(v, "languages", c.languages, true, problems);
    v.platforms = variant_subset(v, "platforms", c.platforms, false, problems);
  }
}

std::vector<Variant> parse_variants(const Doc& doc, const Where& top, const YAML::Node& node,
                                    const Campaign& c, std::vector<std::string>& problems) {
  std::vector<Variant> variants;
  if (node.IsScalar()) {
    variants = read_variants_csv(doc, top, node);
  } else if (node.IsSequence()) {
    variants = read_variants_inline(doc, top, node);
  } else {
    top.fail(node, "'variants' must be the path of a CSV table or a list of rows",
             "e.g. variants: regions.csv, or variants: [{id: hanoi, hotline: \"024 3946 1234\"}]");
  }
  if (variants.empty()) top.fail(node, "the variants table has no rows", "add a row per region or audience");
  if (static_cast<int64_t>(variants.size()) > doc.limits->max_variants) {
    top.fail(node,
             "the variants table has " + std::to_string(variants.size()) + " rows, more than the limit of " +
                 std::to_string(doc.limits->max_variants),
             "split the campaign, or raise the limit with --limit variants=N", ErrorKind::kLimit);
  }
  check_variants(variants, c, problems);
  return variants;
}

// The brand file each row's `brand` column names (variant id -> brand), relative to the
// campaign's folder like the campaign's own `brand:`, {{column}} placeholders filled in from the
// row. Rows naming the same file share one Brand (and so one render graph); an empty value, or the
// campaign's own brand file, is the campaign's brand (no entry). Problems go to `problems`.
std::map<std::string, std::shared_ptr<const Brand>> load_variant_brands(const Doc& doc,
                                                                        const std::vector<Variant>& variants,
                                                                        const Campaign& c,
                                                                        std::vector<std::string>& problems) {
  std::map<std::string, std::shared_ptr<const Brand>> out;
  std::map<fs::path, std::shared_ptr<const Brand>> by_file;
  std::set<fs::path> bad;  // a bad file is said once, at the first row that names it
  for (const Variant& v : variants) {
    const auto cell = v.values.find("brand");
    if (cell == v.values.end() || v.id.empty()) continue;
    const std::string at = v.table_file.string() + ":" + std::to_string(v.line) + ": variant '" + v.id + "'";
    std::string text(captions::trim(cell->second));
    if (text.empty()) continue;  // the campaign's brand
    if (has_placeholder(text)) {
      std::vector<PlaceholderGap> gaps;
      const std::string filled = expand_placeholders(text, v.values, gaps);
      for (const PlaceholderGap& g : gaps) {
        problems.push_back(printable(at + ": its 'brand' " + text + " uses {{" + g.column + "}}, " +
                                     (g.missing_column ? std::string("but the table has no such column")
                                                       : "but the row's value is empty") +
                                     " (fill it in, or write the brand file's path)"));
      }
      if (!gaps.empty()) continue;
      text = filled;
    }
    const fs::path written(text);
    const fs::path file = (written.is_absolute() ? written : doc.base_dir / written).lexically_normal();
    if (file == c.brand.source_file && file != c.source_file) continue;
    if (bad.count(file) != 0) continue;
    if (const auto known = by_file.find(file); known != by_file.end()) {
      out.emplace(v.id, known->second);
      continue;
    }
    std::error_code ec;
    const fs::file_status status = fs::status(file, ec);
    if (!fs::is_regular_file(status)) {
      problems.push_back(printable(
          at + ": " + (fs::exists(status) ? "its brand is not a regular file: " : "brand file not found: ") +
          text +
          " (the 'brand' column names a brand YAML file relative to the campaign's folder; looked for " +
          file.string() + ")"));
      bad.insert(file);
      continue;
    }
    // Messages about the brand file name it the way the campaign's own brand file is named.
    const fs::path display =
        (written.is_absolute() ? written : doc.display.parent_path() / written).lexically_normal();
    const Doc brand_doc = campaign_doc(display, file.parent_path(), "brand file", *doc.limits);
    try {
      const YAML::Node root = read_yaml(brand_doc, file);
      auto brand = std::make_shared<const Brand>(parse_brand(Where{&brand_doc, "brand"}, root, file));
      by_file.emplace(file, brand);
      out.emplace(v.id, std::move(brand));
    } catch (const Error& e) {
      if (e.kind() != ErrorKind::kInput) throw;
      problems.push_back(at + ": its brand cannot be used: " + e.what());
      bad.insert(file);
    }
  }
  return out;
}

// A card's background follows the clip's brand (its row's own, or the campaign's): that brand's
// `primary` when the card gives none, a colour name looked up in it. A name that brand lacks goes
// to `problems` (once per brand file and card).
void rebrand_cards(const Doc& doc, const Campaign& c, Clip& clip, const Variant* v,
                   std::set<std::string>& said, std::vector<std::string>& problems) {
  const Brand& brand = c.brand_of(clip);
  const std::map<std::string, std::string>& named = brand.colours;
  for (size_t i = 0; i < clip.segments.size(); ++i) {
    Segment& s = clip.segments[i];
    if (s.kind != Segment::Kind::kCard) continue;
    const std::string& written = s.background_written;
    if (written.empty()) {
      const auto primary = named.find("primary");
      s.background = primary != named.end() ? primary->second : Segment{}.background;
      continue;
    }
    if (written.size() == 7 && written[0] == '#') continue;  // a colour, not a name
    if (const auto it = named.find(written); it != named.end()) {
      s.background = it->second;
      continue;
    }
    const std::string where = doc.display.string() + ":" + std::to_string(s.line);
    if (!said.insert(brand.source_file.string() + "\n" + where).second) continue;
    const std::string owner =
        clip.brand && v != nullptr
            ? "the brand of variant '" + v->id + "' (" + v->table_file.string() + ":" +
                  std::to_string(v->line) + ", " + brand.source_file.string() + ")"
            : "the campaign's brand" +
                  (brand.source_file.empty() ? "" : " (" + brand.source_file.string() + ")");
    problems.push_back(printable(where + ": the card of clip '" + clip.id + "' segment " +
                                 std::to_string(i + 1) + " has the background '" + written +
                                 "', a colour that " + owner +
                                 " does not define (add it to that brand's colours, or write \"#RRGGBB\")"));
  }
}

// Fills the placeholders of one clip's texts and paths for one variant (null: the campaign has
// none, and a placeholder is a problem). Every gap goes to `problems`, once per place and column.
class ClipExpander {
 public:
  ClipExpander(const Doc& doc, std::vector<std::string>& problems) : doc_(doc), problems_(problems) {}

  Clip expand(const Clip& t, const Variant* v, const std::vector<std::string>& languages,
              bool opted_out = false) {
    opted_out_ = opted_out;
    Clip c = t;
    c.variant = v != nullptr ? v->id : std::string();
    const auto keep = [&](auto& map) {
      for (auto it = map.begin(); it != map.end();) {
        it = std::find(languages.begin(), languages.end(), it->first) == languages.end() ? map.erase(it)
                                                                                         : std::next(it);
      }
    };
    keep(c.title);
    keep(c.captions);
    keep(c.voiceover);
    const std::string clip = "clip '" + t.id + "'";
    for (auto& [lang, text] : c.title)
      text = text_of(text, v, t.title_line, "the title of " + clip + " (" + lang + ")");
    for (size_t i = 0; i < c.segments.size(); ++i) {
      Segment& s = c.segments[i];
      const std::string segment = clip + (c.segments.size() > 1 ? " segment " + std::to_string(i + 1) : "");
      keep(s.card_text);
      for (auto& [lang, text] : s.card_text)
        text = text_of(text, v, s.line, "the card of " + segment + " (" + lang + ")");
      if (s.kind != Segment::Kind::kCard) {
        s.source = path_of(
            s.source, v, s.line,
            std::string(s.kind == Segment::Kind::kImage ? "the image" : "the source") + " of " + segment);
      }
    }
    if (c.post) expand_post(*c.post, v, languages, clip);
    for (auto& [lang, path] : c.captions)
      path = path_of(path, v, t.captions_line, "the " + lang + " captions of " + clip);
    for (auto& [lang, path] : c.voiceover)
      path = path_of(path, v, t.voiceover_line, "the " + lang + " voiceover of " + clip);
    return c;
  }

 private:
  void expand_words(PostWords& words, const Variant* v, const std::vector<std::string>& languages,
                    const std::string& what) {
    const auto keep = [&](auto& map) {
      for (auto it = map.begin(); it != map.end();) {
        const bool used =
            it->first.empty() || std::find(languages.begin(), languages.end(), it->first) != languages.end();
        it = used ? std::next(it) : map.erase(it);
      }
    };
    keep(words.title);
    keep(words.text);
    keep(words.hashtags);
    for (auto& [lang, text] : words.title)
      text = text_of(text, v, words.title_line[lang], "the post title of " + what + " (" + lang + ")");
    for (auto& [lang, text] : words.text)
      text = text_of(text, v, words.text_line[lang], "the post text of " + what + " (" + lang + ")");
    for (auto& [lang, tags] : words.hashtags) {
      for (std::string& tag : tags)
        tag = text_of(tag, v, words.hashtags_line[lang], "the hashtags of " + what);
    }
  }

  void expand_post(Post& post, const Variant* v, const std::vector<std::string>& languages,
                   const std::string& clip) {
    expand_words(post.words, v, languages, clip);
    for (auto& [platform, words] : post.platforms)
      expand_words(words, v, languages, clip + " on " + platform);
  }

  std::string text_of(const std::string& text, const Variant* v, int line, const std::string& what) {
    if (!has_placeholder(text)) return text;
    std::vector<PlaceholderGap> gaps;
    static const std::map<std::string, std::string> kNone;
    std::string out = expand_placeholders(text, v != nullptr ? v->values : kNone, gaps);
    const std::string at = doc_.display.string() + ":" + std::to_string(line);
    for (const PlaceholderGap& g : gaps) {
      // A column missing from the table is said once per place, not once per row.
      if (g.missing_column && !said_.insert(at + "\n" + what + "\n" + g.column).second) continue;
      if (v == nullptr && opted_out_) {
        problems_.push_back(
            printable(at + ": " + what + " uses {{" + g.column +
                      "}}, but the clip says variants: false (remove that, or the placeholder)"));
        continue;
      }
      problems_.push_back(printable(gap_message(g, v, at, what)));
    }
    return out;
  }

  fs::path path_of(const fs::path& path, const Variant* v, int line, const std::string& what) {
    if (!has_placeholder(path.string())) return path;
    const size_t before = problems_.size();
    const fs::path out = text_of(path.string(), v, line, what + " path");
    if (problems_.size() != before) return out;
    std::error_code ec;
    if (!fs::is_regular_file(out, ec)) {
      problems_.push_back(
          printable(doc_.display.string() + ":" + std::to_string(line) + ": " + what + " for variant '" +
                    (v != nullptr ? v->id : std::string()) + "': file not found: " + out.string() + " (" +
                    (v != nullptr ? v->table_file.string() + ":" + std::to_string(v->line) : "") +
                    " fills in the path)"));
    }
    return out;
  }

  const Doc& doc_;
  std::vector<std::string>& problems_;
  std::set<std::string> said_;
  bool opted_out_ = false;  // the clip says `variants: false` in a campaign with variants
};

// The campaign's clips, one per (clip, variant) with the clip's variants side by side.
// A variant with its own brand (`brands`: variant id -> brand) gets it on each of its clips.
std::vector<Clip> expand_clips(const Doc& doc, const Campaign& c, const std::vector<Clip>& templates,
                               const std::map<std::string, std::shared_ptr<const Brand>>& brands,
                               std::vector<std::string>& problems) {
  ClipExpander expander(doc, problems);
  std::set<std::string> said;
  std::vector<Clip> out;
  for (const Clip& t : templates) {
    if (c.variants.empty() || !t.per_variant) {
      out.push_back(expander.expand(t, nullptr, c.languages, !c.variants.empty()));
      if (!brands.empty()) rebrand_cards(doc, c, out.back(), nullptr, said, problems);
      continue;
    }
    for (const Variant& v : c.variants) {
      Clip clip = expander.expand(t, &v, v.languages.empty() ? c.languages : v.languages);
      if (const auto brand = brands.find(v.id); brand != brands.end()) clip.brand = brand->second;
      if (!brands.empty()) rebrand_cards(doc, c, clip, &v, said, problems);
      out.push_back(std::move(clip));
    }
  }
  return out;
}

void throw_problems(const std::vector<std::string>& problems, bool posts) {
  if (problems.empty()) return;
  if (problems.size() == 1) throw Error(ErrorKind::kInput, problems.front());
  std::string all = std::to_string(problems.size()) +
                    (posts ? " problems in the campaign:" : " problems in the campaign's variants:");
  for (const std::string& p : problems) all += "\n  " + p;
  throw Error(ErrorKind::kInput, all);
}

// ---- the campaign file's top level --------------------------------------------------------------

// Reads the campaign's name, which names its output folder.
void read_campaign_name(const Where& top, const MapReader& m, Campaign& campaign) {
  const YAML::Node& name = m.require("name", "e.g. name: may-voluntary-si; it names the output folder");
  campaign.name = need_text(top, name, "name", "e.g. name: may-voluntary-si");
  if (!is_valid_id(campaign.name)) {
    top.fail(
        name, "bad campaign name '" + shown(campaign.name) + "'",
        "a name uses only a-z, 0-9, '_' and '-', does not start with '-', at most 64 characters; it names "
        "the output folder");
  }
}

// Reads `languages`: BCP 47 tags, each once, kept in canonical form.
void read_campaign_languages(const Where& top, const MapReader& m, const CampaignLimits& limits,
                             Campaign& campaign) {
  const YAML::Node& languages = m.require("languages", "e.g. languages: [vi, en, km]");
  const std::vector<std::string> tags =
      read_name_list(top, languages, "languages", limits.max_languages, "e.g. languages: [vi, en, km]");
  for (size_t i = 0; i < tags.size(); ++i) {
    const YAML::Node item = languages[i];
    if (!is_valid_language_tag(tags[i])) {
      top.fail(item, "'" + shown(tags[i]) + "' is not a language tag",
               "use BCP 47 tags such as vi, en, km, zh-Hant, pt-BR");
    }
    const std::string tag = canonical_language_tag(tags[i]);
    if (std::find(campaign.languages.begin(), campaign.languages.end(), tag) != campaign.languages.end()) {
      top.fail(item, "language '" + tag + "' is listed twice", "list each language once");
    }
    campaign.languages.push_back(tag);
  }
}

// Reads `platforms`: names of loaded presets, each once.
void read_campaign_platforms(const Where& top, const MapReader& m, const PresetCatalog& presets,
                             const CampaignLimits& limits, Campaign& campaign) {
  const YAML::Node& platforms = m.require("platforms", "e.g. platforms: [tiktok, youtube-shorts]");
  const std::vector<std::string> names = read_name_list(top, platforms, "platforms", limits.max_platforms,
                                                        "e.g. platforms: [tiktok, youtube-shorts]");
  for (size_t i = 0; i < names.size(); ++i) {
    const YAML::Node item = platforms[i];
    if (presets.find(names[i]) == nullptr) {
      std::vector<std::string> known;
      for (const auto& [known_name, unused] : presets.all()) known.push_back(known_name);
      top.fail(item, "unknown platform '" + shown(names[i]) + "'",
               known.empty() ? "no presets are loaded; check the presets folder"
                             : "known platforms: " + join(known) + "; add your own with --presets DIR");
    }
    if (std::find(campaign.platforms.begin(), campaign.platforms.end(), names[i]) !=
        campaign.platforms.end()) {
      top.fail(item, "platform '" + names[i] + "' is listed twice", "list each platform once");
    }
    campaign.platforms.push_back(names[i]);
  }
}

// Reads `encode`: the campaign's overrides of the x264 preset, CRF and thread count.
void read_campaign_encode(const Where& top, const YAML::Node& node, Campaign& campaign) {
  const Where w = top.sub("encode");
  const MapReader e(w, node, {"preset", "crf", "threads"}, "e.g. encode: {preset: veryfast, crf: 23}");
  if (const auto* p = e.find("preset")) {
    static const std::vector<std::string> kX264Presets = {"ultrafast", "superfast", "veryfast", "faster",
                                                          "fast",      "medium",    "slow",     "slower",
                                                          "veryslow",  "placebo"};
    const std::string preset = need_text(w, *p, "preset", "an x264 preset: " + join(kX264Presets));
    if (std::find(kX264Presets.begin(), kX264Presets.end(), preset) == kX264Presets.end()) {
      w.fail(*p, "'" + shown(preset) + "' is not an x264 preset", "use one of: " + join(kX264Presets));
    }
    campaign.encode.x264_preset = preset;
  }
  if (const auto* p = e.find("crf"))
    campaign.encode.crf = static_cast<int>(need_integer_in(w, *p, "crf", 0, 51));
  if (const auto* p = e.find("threads")) {
    campaign.encode.threads = static_cast<int>(need_integer_in(w, *p, "threads", 1, 256));
  }
}

// Reads `brand`: inline, or from a brand file named relative to the campaign file.
void read_campaign_brand(const Where& top, const MapReader& m, const fs::path& file,
                         const CampaignLimits& limits, Campaign& campaign) {
  const auto* v = m.find("brand");
  if (v == nullptr) {
    campaign.brand.source_file = campaign.source_file;
  } else if (v->IsScalar()) {
    const fs::path brand_file = resolve_file(top, *v, "brand");
    // Messages about the brand file name it the way the campaign did, joined to the campaign's folder.
    const fs::path display =
        (fs::path(v->Scalar()).is_absolute() ? fs::path(v->Scalar()) : file.parent_path() / v->Scalar())
            .lexically_normal();
    const Doc brand_doc = campaign_doc(display, brand_file.parent_path(), "brand file", limits);
    const YAML::Node brand_root = read_yaml(brand_doc, brand_file);
    campaign.brand = parse_brand(Where{&brand_doc, "brand"}, brand_root, brand_file);
  } else if (v->IsMap()) {
    campaign.brand = parse_brand(top.sub("brand"), *v, campaign.source_file);
  } else {
    top.fail(*v, "'brand' must be a map or the path of a brand file",
             "e.g. brand: brand/brand.yaml or brand: {logo: brand/logo.png}");
  }
}

// Checks that `clips` is a non-empty list within the limit on clips.
void check_clip_list(const Where& top, const YAML::Node& clips, const CampaignLimits& limits) {
  if (!clips.IsSequence() || clips.size() == 0) {
    top.fail(clips, "'clips' must be a non-empty list", "start each clip with '- id: NAME'");
  }
  if (static_cast<int64_t>(clips.size()) > limits.max_clips) {
    top.fail(clips,
             "the campaign has " + std::to_string(clips.size()) + " clips, more than the limit of " +
                 std::to_string(limits.max_clips),
             "split it into several campaigns, or raise the limit with --limit clips=N", ErrorKind::kLimit);
  }
}

// Checked before any clip is read: the plan (and its fingerprints) grows with this product.
void check_output_count(const Where& top, const YAML::Node& clips, const Campaign& campaign,
                        const CampaignLimits& limits) {
  int64_t per_clip = static_cast<int64_t>(campaign.languages.size() * campaign.platforms.size());
  if (!campaign.variants.empty()) {
    per_clip = 0;
    for (const Variant& v : campaign.variants) {
      per_clip += static_cast<int64_t>((v.languages.empty() ? campaign.languages : v.languages).size() *
                                       (v.platforms.empty() ? campaign.platforms : v.platforms).size());
    }
  }
  const auto outputs = static_cast<int64_t>(clips.size()) * per_clip;
  if (outputs > limits.max_outputs) {
    top.fail(clips,
             "the campaign asks for " + std::to_string(outputs) + " outputs (" +
                 std::to_string(clips.size()) + " clips x " +
                 (campaign.variants.empty() ? std::string()
                                            : std::to_string(campaign.variants.size()) + " variants x ") +
                 std::to_string(campaign.platforms.size()) + " platforms x " +
                 std::to_string(campaign.languages.size()) + " languages), more than the limit of " +
                 std::to_string(limits.max_outputs),
             "split it into several campaigns, or raise the limit with --limit outputs=N", ErrorKind::kLimit);
  }
}

// Reads every clip in order into campaign.clips; ids must be unique.
void read_campaign_clips(const Doc& doc, const YAML::Node& clips, std::optional<double> title_duration_s,
                         bool row_brands, Campaign& campaign) {
  ClipContext ctx{&doc, &campaign, doc.limits};
  ctx.row_brands = row_brands;
  std::map<std::string, int> first_line_of_id;
  size_t index = 0;
  for (const YAML::Node& item : clips) {
    Clip clip = parse_clip(ctx, item, index++, title_duration_s);
    if (auto [it, inserted] = first_line_of_id.emplace(clip.id, clip.line); !inserted) {
      if (it->second == clip.line) {
        // yaml-cpp shares an aliased node with its anchor, marks included.
        fail_at(doc, clip.line, "duplicate clip id '" + clip.id + "': a YAML alias repeats this clip",
                "ids must be unique; copy the clip and give it its own id");
      }
      fail_at(doc, clip.line, "duplicate clip id '" + clip.id + "'",
              "first used on line " + std::to_string(it->second) + "; ids must be unique");
    }
    campaign.clips.push_back(std::move(clip));
  }
}

}  // namespace

// ---- public -------------------------------------------------------------------------------------

Campaign load_campaign(const fs::path& file, const PresetCatalog& presets, const CampaignLimits& limits) {
  Campaign campaign;
  campaign.source_file = fs::absolute(file).lexically_normal();
  const Doc doc = campaign_doc(file, campaign.source_file.parent_path(), "campaign file", limits);
  const YAML::Node root = read_yaml(doc, campaign.source_file);
  const Where top{&doc, ""};
  const MapReader m(top, root,
                    {"name", "languages", "platforms", "encode", "brand", "sidecar_captions",
                     "one_file_per_shape", "title_duration", "clips", "variants"},
                    "a campaign has name:, languages:, platforms: and clips: at the top level");

  read_campaign_name(top, m, campaign);
  read_campaign_languages(top, m, limits, campaign);
  read_campaign_platforms(top, m, presets, limits, campaign);
  if (const auto* v = m.find("encode")) read_campaign_encode(top, *v, campaign);
  read_campaign_brand(top, m, file, limits, campaign);
  if (const auto* v = m.find("sidecar_captions"))
    campaign.sidecar_captions = need_bool(top, *v, "sidecar_captions");
  if (const auto* v = m.find("one_file_per_shape"))
    campaign.one_file_per_shape = need_bool(top, *v, "one_file_per_shape");
  std::optional<double> title_duration_s;
  if (const auto* v = m.find("title_duration"))
    title_duration_s = need_positive_seconds(top, *v, "title_duration", 600.0);

  const YAML::Node& clips = m.require("clips", "e.g. clips: [{id: benefits, source: media/benefits.mp4}]");
  check_clip_list(top, clips, limits);
  std::vector<std::string> problems;  // of the variants: every one is said in one run
  std::map<std::string, std::shared_ptr<const Brand>> variant_brands;
  if (const auto* v = m.find("variants")) {
    campaign.variants = parse_variants(doc, top, *v, campaign, problems);
    variant_brands = load_variant_brands(doc, campaign.variants, campaign, problems);
  }
  check_output_count(top, clips, campaign, limits);
  read_campaign_clips(doc, clips, title_duration_s, !variant_brands.empty(), campaign);
  campaign.clips = expand_clips(doc, campaign, campaign.clips, variant_brands, problems);
  // Posts are checked once the variants filled them in, each against its platform's limits.
  const size_t variant_problems = problems.size();
  if (problems.empty()) check_posts(campaign, presets, file.string(), problems);
  throw_problems(problems, problems.size() != variant_problems);
  return campaign;
}

const Variant* Campaign::variant(const std::string& id) const {
  for (const Variant& v : variants) {
    if (v.id == id) return &v;
  }
  return nullptr;
}

const std::vector<std::string>& Campaign::languages_of(const Clip& clip) const {
  const Variant* v = clip.variant.empty() ? nullptr : variant(clip.variant);
  return v != nullptr && !v->languages.empty() ? v->languages : languages;
}

const std::vector<std::string>& Campaign::platforms_of(const Clip& clip) const {
  const Variant* v = clip.variant.empty() ? nullptr : variant(clip.variant);
  return v != nullptr && !v->platforms.empty() ? v->platforms : platforms;
}

const Brand& Campaign::brand_of(const Clip& clip) const { return clip.brand ? *clip.brand : brand; }

Campaign::TimelineKey Campaign::timeline_key(const Clip& clip) const {
  TimelineKey key{clip.id, &brand_of(clip), {}};
  for (const Segment& s : clip.segments) key.files.push_back(s.source.string());
  return key;
}

Brand load_brand(const fs::path& file, const CampaignLimits& limits) { return load_brand_file(file, limits); }

const char* to_string(ReframeMode mode) { return name_in(kReframeNames, mode); }
const char* to_string(LogoPosition position) { return name_in(kCornerNames, position); }
const char* to_string(TransitionKind kind) { return name_in(kTransitionNames, kind); }
const char* to_string(MotionKind kind) { return name_in(kMotionNames, kind); }

LogoPosition logo_position_from_text(const std::string& text) {
  for (const auto& [name, value] : kCornerNames) {
    if (text == name) return value;
  }
  return LogoPosition::kInvalid;
}

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id[0] == '-') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

namespace {

std::vector<std::string> split_subtags(const std::string& tag) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : tag) {
    if (c == '-') {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

bool all_alpha(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalpha(c) != 0 && c < 0x80; });
}
bool all_digit(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= '0' && c <= '9'; });
}
bool all_alnum(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) != 0 && c < 0x80; });
}

}  // namespace

bool is_valid_language_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > 35) return false;
  const std::vector<std::string> parts = split_subtags(tag);
  size_t i = 0;
  if (parts[i].size() < 2 || parts[i].size() > 3 || !all_alpha(parts[i])) return false;
  ++i;
  if (i < parts.size() && parts[i].size() == 4 && all_alpha(parts[i])) ++i;  // script
  if (i < parts.size() &&
      ((parts[i].size() == 2 && all_alpha(parts[i])) || (parts[i].size() == 3 && all_digit(parts[i])))) {
    ++i;  // region
  }
  while (i < parts.size()) {  // variants
    const std::string& p = parts[i];
    const bool variant = (p.size() >= 5 && p.size() <= 8 && all_alnum(p)) ||
                         (p.size() == 4 && !p.empty() && p[0] >= '0' && p[0] <= '9' && all_alnum(p));
    if (!variant) break;
    ++i;
  }
  if (i < parts.size() && (parts[i] == "x" || parts[i] == "X")) {  // private use
    if (i + 1 >= parts.size()) return false;
    for (++i; i < parts.size(); ++i) {
      if (parts[i].empty() || parts[i].size() > 8 || !all_alnum(parts[i])) return false;
    }
  }
  return i == parts.size();
}

std::string canonical_language_tag(const std::string& tag) {
  std::vector<std::string> parts = split_subtags(tag);
  bool private_use = false;
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string& p = parts[i];
    p = ascii_lower(p);
    if (p == "x") private_use = true;
    if (i == 0 || private_use) continue;
    if (p.size() == 4 && all_alpha(p)) {
      p[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(p[0])));
    } else if (p.size() == 2 && all_alpha(p)) {
      p = ascii_upper(p);
    }
  }
  return join(parts, "-");
}

}  // namespace shortpack

// Subtitle files (SRT, WebVTT, ASS/SSA) read into one model, retimed to a trim, and turned
// into the ASS script that the caption burner renders.
//
// Times are integer milliseconds on the source's timeline until retime() moves them onto the
// output timeline. Errors are Error(kInput) "<file>:<line>: <problem>".
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "filters/core/rect.h"
#include "pipeline/captions/caption_style.h"
#include "pipeline/captions/safe_zone.h"
#include "pipeline/captions/subtitle_parts.h"

namespace shortpack {

// A word (or syllable, or a run of words) of a cue with its own time: WebVTT inline timestamps,
// ASS karaoke (\k \kf \K \ko) or a *.words.json entry. Times are on the cue's timeline (moved
// by retime() with the cue), start_ms < end_ms, ascending, inside the cue.
struct CueWord {
  std::string text;  // plain UTF-8 as in Cue::plain, with the spaces before it ("\n" between lines)
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

struct Cue {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  // Dialogue text ready for ASS: UTF-8 (NFC not enforced), line breaks as "\N", SRT/VTT inline
  // tags (<i> <b> <u> <font color>) turned into ASS override tags. For ASS input, the Text field.
  std::string text;
  // Plain text without any tags or "\N" (for glyph checks and sidecars), lines joined by '\n'.
  std::string plain;
  // Word timings; empty when the file gives none. The words' texts joined are `plain`.
  std::vector<CueWord> words;
  int line = 0;    // 1-based line of the file where the cue starts
  std::string id;  // cue number / id as written, may be empty
  // SRT "{\anN}": where on the frame (numpad 1-9: 7 top left, 8 top centre, 5 middle, 2 bottom
  // centre); 0: the style's place (bottom centre). Kept inside the safe zone by the script builder.
  int alignment = 0;
  // SRT "{\pos(x,y)}", in the 384x288 script that ffmpeg, mpv and VLC give SRT text, as fractions
  // of the frame; the point the alignment anchors. nullopt: none.
  std::optional<CuePosition> position;
  // ASS only: the event's other fields, kept as written.
  std::string ass_layer = "0", ass_style = "Default", ass_name, ass_margin_l = "0", ass_margin_r = "0",
              ass_margin_v = "0", ass_effect;
};

// kWords: a word-timestamp JSON file (*.words.json, see parse_words_json).
enum class SubtitleFormat { kInvalid = 0, kSrt, kVtt, kAss, kWords };

struct SubtitleTrack {
  SubtitleFormat format = SubtitleFormat::kInvalid;
  std::filesystem::path source;
  std::vector<Cue> cues;  // sorted by start_ms
  // ASS only: everything before [Events] (Script Info, styles, fonts), verbatim.
  std::string ass_header;
  // What was read differently from what was written, each "<file>:<line>: <what>" (a WebVTT cue
  // dropped for a bad timing line, an SRT override tag not applied, a stray cue number skipped).
  // read_subtitles() logs them as warnings.
  std::vector<std::string> warnings;
};

// Reads by extension (.srt, .vtt, .ass, .ssa, .words.json). Throws Error(kInput) with file:line, or
// Error(kLimit) when the file, one of its lines or its cue count is over `limits`.
// Accepted: UTF-8 with or without BOM (UTF-16 and invalid UTF-8 are refused, naming the line and
// column), LF / CRLF / CR line ends, no NUL bytes. The track's warnings are logged (spdlog warn).
//  - SRT (as ffmpeg and Subtitle Edit read it): missing, wrong or stray cue numbers, ',' or '.'
//    before 1-3 digits of milliseconds or none, spaces inside times, "-- >" arrows, hours >= 100,
//    <i> <b> <u> <s> <font color="#rrggbb|name">, ASS override blocks {\an1-9} {\pos(x,y)} (to
//    Cue::alignment / position) and {\i \b \u \s \c \1c \r} (kept); other override tags are
//    dropped with a warning; any other '<' or '{' is text.
//  - WebVTT: the W3C specification's parser (see vtt.cpp): signature, header, NOTE / STYLE /
//    REGION blocks, cue ids, cue settings (ignored), timings; a cue that cannot be timed is dropped
//    with a warning; only a bad signature refuses the file. <i> <b> <u> <c.class> <v Name> <lang>
//    tags (colour classes kept), entities (&amp; &lt; &gt; &nbsp; &lrm; &rlm; &#NN;).
//  - ASS/SSA: everything but [Events] kept verbatim in ass_header; Dialogue lines parsed by the
//    section's Format line. Karaoke tags (\k \kf \K \ko, centiseconds) give Cue::words.
//  - *.words.json: see parse_words_json.
//  WebVTT inline timestamps (<00:00:01.200>) give Cue::words: the text from one timestamp to the
//  next is one word; a timestamp outside the cue or not after the one before is a warning and
//  ignored.
// Literal '{', '}' and '\' in SRT/WebVTT text are escaped so libass never reads them as overrides.
// Encodings: a UTF-16 LE/BE or UTF-32 LE/BE file with its BOM is decoded whatever `encoding`
// says; otherwise `encoding` (an iconv name such as "windows-1258", "windows-1252", "utf-16le";
// empty or "utf-8": UTF-8) is decoded through iconv. Bytes that are not in the encoding are
// Error(kInput) naming file:line:column and the `captions_encoding` setting.
// A file without a cue that shows text (0 bytes, only a header, only empty cues) is
// Error(kInput) naming the file: a clip without captions in a language says `captions: none`.
// `rewrite`, when set, is applied to the decoded text before it is parsed (a variant's
// {{column}} placeholders, see pipeline/spec/variants.h); it may throw Error(kInput).
SubtitleTrack read_subtitles(const std::filesystem::path& path, const SubtitleLimits& limits = {},
                             const std::string& encoding = {},
                             const std::function<std::string(const std::string&)>& rewrite = {});

// True for a file name ending in ".words.json" (any case): a word-timestamp file.
bool is_words_json_path(const std::filesystem::path& path);

// The file's bytes as UTF-8 (see read_subtitles for what is decoded). Throws Error(kInput) naming
// `source`, line and column for bytes not in the encoding, or an encoding iconv does not know.
std::string decode_subtitle_bytes(const std::string& bytes, const std::filesystem::path& source,
                                  const std::string& encoding = {});
// True when iconv knows `encoding` (for the campaign loader).
bool subtitle_encoding_known(const std::string& encoding);
SubtitleTrack parse_srt(const std::string& text, const std::filesystem::path& source,
                        const SubtitleLimits& limits = {});
SubtitleTrack parse_vtt(const std::string& text, const std::filesystem::path& source,
                        const SubtitleLimits& limits = {});
SubtitleTrack parse_ass(const std::string& text, const std::filesystem::path& source,
                        const SubtitleLimits& limits = {});
// A word-timestamp file, the shape Remotion's Caption type and WhisperX-style tools write:
// [{"text": " Bảo", "startMs": 0, "endMs": 320}, ...] ("timestampMs" and "confidence" allowed and
// ignored). Words are grouped into cues: a new cue after a pause of more than 1 s, after a word
// ending a sentence (. ! ? and their CJK forms), or when the cue would pass 4 s. Errors name the
// file and the line of the entry: not JSON, not an array of objects, a missing or mistyped key,
// an unknown key, endMs before startMs, a word starting before the one before it.
SubtitleTrack parse_words_json(const std::string& text, const std::filesystem::path& source,
                               const SubtitleLimits& limits = {});

// Keeps the cues that overlap [start_ms, end_ms) of the source, clipped to it, and shifts them
// by offset_ms - start_ms (offset_ms: where the trimmed range starts on the output timeline).
// A cue that only touches the range (ends at start_ms or starts at end_ms) is dropped.
// Pass INT64_MAX as end_ms for "to the end of the source".
SubtitleTrack retime(const SubtitleTrack& track, int64_t start_ms, int64_t end_ms, int64_t offset_ms = 0);

// Where captions go: the output frame and the preset's safe zone scaled to it.
// A rectangle on the output frame, in pixels.
using FrameBox = PixelRect;

struct CaptionLayout {
  // The brand logo's rectangle on the frame (w == 0: none). A title keeps below a logo in a top
  // corner, captions above a logo in a bottom corner, so that text never runs under the logo.
  using Box = FrameBox;
  CaptionLayout() = default;
  CaptionLayout(int width, int height, SafeZone safe_zone, Box logo_box = {})
      : width_px(width), height_px(height), safe(safe_zone), logo(logo_box) {}

  int width_px = 0;
  int height_px = 0;
  SafeZone safe;  // in output pixels
  Box logo;
};

// A headline shown at the top of the safe area from start_ms for duration_ms (optional).
struct TitleText {
  std::string text;
  int64_t duration_ms = 0;
  int64_t start_ms = 0;  // e.g. after an intro bumper
  std::string where{};   // where it is written, for messages ("campaign.yaml:12"); may be empty
};

// Text centred in the safe area from start_ms to end_ms (the cards of scripted clips), drawn by
// the same text path as captions (same fonts, fallbacks and fitting).
struct CardText {
  std::string text;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  double size_factor = 1.6;  // font size relative to the caption size
  std::string where{};       // where it is written, for messages ("campaign.yaml:20"); may be empty
};

// The complete ASS script for libass: PlayRes = output size, a "Default" style from `style`,
// a "Title" style at the top of the safe zone, a "Card" style centred in it, margins from the
// safe zone, smart wrapping. Title and card texts are plain text (escaped here).
// Margins are the safe zone plus the outline/shadow/box width, so what is drawn stays inside it.
// Each SRT/WebVTT cue (and the title and cards) is laid out here, not by libass: lines break at
// ICU's line break opportunities for style.language (dictionary word boundaries in Thai, Khmer,
// Lao and Myanmar, which have no spaces between words; never inside a grapheme cluster), chosen
// with libass's own measurements at the output size so that each line fits the safe width, in as
// few lines as possible, evened out. The choice is written as explicit "\N" breaks with libass's
// wrapping off ({\q2}): rendered at any other frame size (a review proxy), the script shows the
// same lines, scaled. A text that would take more than style.max_lines lines, or has a word wider
// than the safe area, gets a smaller {\fsNN}; one that cannot fit even at half size, even broken
// anywhere, is Error(kInput) "<file>:<line>: ... too long ...".
// ASS tracks keep their own styles and events (PlayRes kept so libass scales them to the frame);
// their style and event margins are raised to the safe zone where they were smaller. libass still
// wraps their events (unless the author's WrapStyle or \q2 says not to); it is given ICU's break
// opportunities that do not follow a space as zero-width breakable spaces, so that Thai, Khmer,
// Lao and Myanmar events wrap between words too.
// What is drawn differently from what is written is a warning "<where>: ..." (logged, and added
// to `warnings` when given): a text of more lines than max_lines (drawn smaller, its lines kept),
// a text with no break opportunity where it fits (broken between grapheme clusters, the last
// resort, as CSS overflow-wrap: anywhere), a \pos outside the safe zone.
// Throws Error(kInput) for a malformed colour in `style`.
std::string build_ass_script(const SubtitleTrack& track, const CaptionStyle& style,
                             const CaptionLayout& layout, const TitleText& title = {},
                             const std::vector<CardText>& cards = {},
                             std::vector<std::string>* warnings = nullptr);

// Sidecar files for platforms that take caption files.
std::string to_srt(const SubtitleTrack& track);
// Cue words are written as WebVTT inline timestamps ("one <00:00:01.200>two").
std::string to_vtt(const SubtitleTrack& track);

}  // namespace shortpack

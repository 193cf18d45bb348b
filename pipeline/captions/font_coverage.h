// Font coverage through fontconfig: no tofu ever ships.
//
// Before anything is encoded, every character of every caption, title and card is checked
// against a chain of font families: the chosen family (brand or per-language override), then
// the fallback family of the language's script, then the fallback family of the character's own
// script, then Noto Sans and DejaVu Sans, and last fontconfig's own fallback as libass asks it
// (every font sorted against sans-serif, the first with the character: `A 𞤀 B` finds Noto Sans
// Adlam). A character that none of these covers is an Error(kInput) naming the language, where it is
// (file:line of the cue), the character and its U+XXXX code. Whitespace and invisible format characters (ZWJ,
// ZWNJ, ZWSP, word joiner, bidi marks, BOM, variation selectors, soft hyphen) are not checked.
//
// The same chain decides which font draws each run of text: apply_font_fallback() writes it into
// the ASS text as explicit \fn overrides, so what is rendered is exactly what was checked (and a
// Khmer run is drawn by Noto Sans Khmer, not whichever Khmer font fontconfig sorts first).
//
// Thread safety: all functions may be called from any thread; family charsets are looked up once
// per process and cached.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pipeline/captions/subtitles.h"

namespace shortpack {

// The fallback family for a BCP 47 language tag's script: km -> "Noto Sans Khmer",
// th -> "Noto Sans Thai", lo -> "Noto Sans Lao", ar/fa/ur -> "Noto Sans Arabic",
// my -> "Noto Sans Myanmar", vi/en and every Latin-script language -> "Noto Sans", ...
std::string fallback_family_for_language(const std::string& language);

// The fallback family for a character's script ("" when the character is Latin, common or
// of a script without a known family).
std::string fallback_family_for_code_point(char32_t cp);

// The families tried for `language` text, in order, before per-character script fallbacks:
// font_family, the language's fallback, "Noto Sans", "DejaVu Sans" (duplicates removed).
std::vector<std::string> font_chain(const std::string& language, const std::string& font_family);

// True when fontconfig has a font whose family is `family` (case-insensitive); generic names
// (sans-serif, serif, monospace) count as installed.
bool family_installed(const std::string& family);
// True when the family is installed and its regular face has a glyph for cp.
bool family_covers(const std::string& family, char32_t cp);

// True for whitespace and invisible format characters, which are never checked.
bool is_invisible(char32_t cp);

// Throws Error(kInput) "<where>: the <language> text has '<c>' (U+XXXX), which no installed font
// covers (tried: ...); ..." for the first character not covered. `text` is plain UTF-8.
void check_text_coverage(const std::string& text, const std::string& language, const std::string& font_family,
                         const std::string& where);

// Checks every cue's plain text; `where` is "<file>:<line>" of the cue (and its id when it has one).
void check_glyph_coverage(const SubtitleTrack& track, const std::string& language,
                          const std::string& font_family);

// Every problem instead of the first (one message per character not covered, once per text or
// cue), for a pre-flight that reports a whole campaign in one run.
std::vector<std::string> text_coverage_problems(const std::string& text, const std::string& language,
                                                const std::string& font_family, const std::string& where);
std::vector<std::string> glyph_coverage_problems(const SubtitleTrack& track, const std::string& language,
                                                 const std::string& font_family);

// The length in bytes of the colour emoji cluster that starts at text[pos], 0 when none: an
// Emoji_Presentation character, or an Extended_Pictographic one or a keycap base (0-9 # *)
// followed by VS16 (U+FE0F), or a pair of regional indicators (a flag); with its skin tone
// modifiers, VS16, keycap mark, tag characters and ZWJ-joined pictographs. A pictograph without
// VS16 that has text presentation by default (© ™ ❤) is not one: it is text.
size_t emoji_cluster_at(std::string_view text, size_t pos);
// True when the colour emoji font (kEmojiFamily) is installed and has every visible character of
// the cluster: such a cluster passes the glyph pre-flight and is drawn in colour.
bool colour_emoji_covers(std::string_view cluster);

// The emoji clusters of one ASS script, each occurrence with its key (see caption_burner.h).
struct EmojiKeys {
  std::vector<std::string> clusters;  // key number i + 1 is clusters[i]
  // "; shortpack-emoji 01GGBB <cluster>" lines, for the end of the script.
  [[nodiscard]] std::string table() const;
};

// Rewrites ASS text (override blocks and escapes kept) so that each run of characters carries a
// {\fn<family>} of the first family of its chain that covers it, starting from `font_family`
// (the style's font). Combining marks and invisible characters stay in the run of their base.
// With `emoji`, each colour emoji cluster the emoji font covers becomes a placeholder keyed in
// `emoji` (font, scale, outline, shadow and colour restored after it). An empty `font_family`
// writes no font runs, only the placeholders (for the events of an author's ASS file).
std::string apply_font_fallback(const std::string& ass_text, const std::string& language,
                                const std::string& font_family, EmojiKeys* emoji = nullptr);

}  // namespace shortpack

#include "pipeline/captions/font_coverage.h"

#include <fontconfig/fontconfig.h>
#include <spdlog/spdlog.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "filters/caption_burner.h"
#include "filters/colour_emoji.h"
#include "filters/core/error.h"
#include "pipeline/base/text.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

namespace {

struct FcPatternDeleter {
  void operator()(FcPattern* p) const noexcept { FcPatternDestroy(p); }
};
struct FcCharSetDeleter {
  void operator()(FcCharSet* c) const noexcept { FcCharSetDestroy(c); }
};
using PatternPtr = std::unique_ptr<FcPattern, FcPatternDeleter>;
using CharSetPtr = std::unique_ptr<FcCharSet, FcCharSetDeleter>;

struct FamilyFonts {
  bool installed = false;
  std::string matched_file;
  CharSetPtr charset;
};

bool is_generic(const std::string& family) {
  return captions::iequals(family, "sans-serif") || captions::iequals(family, "sans") ||
         captions::iequals(family, "serif") || captions::iequals(family, "monospace");
}

FamilyFonts load_family(const std::string& family) {
  FamilyFonts out;
  PatternPtr pattern(FcPatternCreate());
  if (!pattern) throw Error(ErrorKind::kInternal, "fontconfig: out of memory");
  FcPatternAddString(pattern.get(), FC_FAMILY, reinterpret_cast<const FcChar8*>(family.c_str()));
  FcConfigSubstitute(nullptr, pattern.get(), FcMatchPattern);
  FcDefaultSubstitute(pattern.get());
  FcResult result = FcResultNoMatch;
  PatternPtr match(FcFontMatch(nullptr, pattern.get(), &result));
  if (!match) return out;
  bool same_family = is_generic(family);
  FcChar8* name = nullptr;
  for (int i = 0; !same_family && FcPatternGetString(match.get(), FC_FAMILY, i, &name) == FcResultMatch;
       ++i) {
    same_family = captions::iequals(reinterpret_cast<const char*>(name), family);
  }
  if (!same_family) return out;  // fontconfig substituted another family: this one is not installed
  FcCharSet* charset = nullptr;
  if (FcPatternGetCharSet(match.get(), FC_CHARSET, 0, &charset) != FcResultMatch || charset == nullptr)
    return out;
  out.charset.reset(FcCharSetCopy(charset));
  FcChar8* file = nullptr;
  if (FcPatternGetString(match.get(), FC_FILE, 0, &file) == FcResultMatch) {
    out.matched_file = reinterpret_cast<const char*>(file);
  }
  out.installed = true;
  return out;
}

const FamilyFonts& family_fonts(const std::string& family) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<FamilyFonts>> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(family);
  if (it == cache.end()) {
    auto fonts = std::make_unique<FamilyFonts>(load_family(family));
    if (!fonts->installed) spdlog::warn("font family '{}' is not installed; its fallbacks are used", family);
    it = cache.emplace(family, std::move(fonts)).first;
  }
  return *it->second;
}

struct ScriptRange {
  char32_t first;
  char32_t last;
  const char* family;
};

// Script blocks and the family that draws them (Noto, as shipped by Debian's fonts-noto-core).
constexpr std::array<ScriptRange, 40> kScriptFamilies = {{
    {0x0370, 0x03FF, "Noto Sans"},  // Greek
    {0x0400, 0x052F, "Noto Sans"},  // Cyrillic
    {0x0530, 0x058F, "Noto Sans Armenian"},
    {0x0590, 0x05FF, "Noto Sans Hebrew"},
    {0x0600, 0x06FF, "Noto Sans Arabic"},
    {0x0750, 0x077F, "Noto Sans Arabic"},
    {0x08A0, 0x08FF, "Noto Sans Arabic"},
    {0x0900, 0x097F, "Noto Sans Devanagari"},
    {0x0980, 0x09FF, "Noto Sans Bengali"},
    {0x0A00, 0x0A7F, "Noto Sans Gurmukhi"},
    {0x0A80, 0x0AFF, "Noto Sans Gujarati"},
    {0x0B00, 0x0B7F, "Noto Sans Oriya"},
    {0x0B80, 0x0BFF, "Noto Sans Tamil"},
    {0x0C00, 0x0C7F, "Noto Sans Telugu"},
    {0x0C80, 0x0CFF, "Noto Sans Kannada"},
    {0x0D00, 0x0D7F, "Noto Sans Malayalam"},
    {0x0D80, 0x0DFF, "Noto Sans Sinhala"},
    {0x0E00, 0x0E7F, "Noto Sans Thai"},
    {0x0E80, 0x0EFF, "Noto Sans Lao"},
    {0x1000, 0x109F, "Noto Sans Myanmar"},
    {0x10A0, 0x10FF, "Noto Sans Georgian"},
    {0x1200, 0x139F, "Noto Sans Ethiopic"},
    {0x13A0, 0x13FF, "Noto Sans Cherokee"},
    {0x1780, 0x17FF, "Noto Sans Khmer"},
    {0x1800, 0x18AF, "Noto Sans Mongolian"},
    {0x1950, 0x197F, "Noto Sans Tai Le"},
    {0x1980, 0x19DF, "Noto Sans New Tai Lue"},
    {0x19E0, 0x19FF, "Noto Sans Khmer"},  // Khmer symbols
    {0x1A20, 0x1AAF, "Noto Sans Tai Tham"},
    {0x1B00, 0x1B7F, "Noto Sans Balinese"},
    {0x1E00, 0x1EFF, "Noto Sans"},  // Latin Extended Additional (Vietnamese)
    {0xA980, 0xA9DF, "Noto Sans Javanese"},
    {0xA9E0, 0xA9FF, "Noto Sans Myanmar"},
    {0xAA00, 0xAA5F, "Noto Sans Cham"},
    {0xAA60, 0xAA7F, "Noto Sans Myanmar"},
    {0xAA80, 0xAADF, "Noto Sans Tai Viet"},
    {0xFB1D, 0xFB4F, "Noto Sans Hebrew"},
    {0xFB50, 0xFDFF, "Noto Sans Arabic"},
    {0xFE70, 0xFEFF, "Noto Sans Arabic"},
    {0x10D00, 0x10D3F, "Noto Sans Hanifi Rohingya"},
}};

struct LanguageFamily {
  const char* language;
  const char* family;
};

constexpr std::array<LanguageFamily, 36> kLanguageFamilies = {{
    {"km", "Noto Sans Khmer"},
    {"th", "Noto Sans Thai"},
    {"lo", "Noto Sans Lao"},
    {"ar", "Noto Sans Arabic"},
    {"fa", "Noto Sans Arabic"},
    {"ur", "Noto Sans Arabic"},
    {"ps", "Noto Sans Arabic"},
    {"ug", "Noto Sans Arabic"},
    {"ckb", "Noto Sans Arabic"},
    {"sd", "Noto Sans Arabic"},
    {"my", "Noto Sans Myanmar"},
    {"shn", "Noto Sans Myanmar"},
    {"he", "Noto Sans Hebrew"},
    {"yi", "Noto Sans Hebrew"},
    {"hi", "Noto Sans Devanagari"},
    {"mr", "Noto Sans Devanagari"},
    {"ne", "Noto Sans Devanagari"},
    {"bn", "Noto Sans Bengali"},
    {"as", "Noto Sans Bengali"},
    {"pa", "Noto Sans Gurmukhi"},
    {"gu", "Noto Sans Gujarati"},
    {"or", "Noto Sans Oriya"},
    {"ta", "Noto Sans Tamil"},
    {"te", "Noto Sans Telugu"},
    {"kn", "Noto Sans Kannada"},
    {"ml", "Noto Sans Malayalam"},
    {"si", "Noto Sans Sinhala"},
    {"am", "Noto Sans Ethiopic"},
    {"ti", "Noto Sans Ethiopic"},
    {"ka", "Noto Sans Georgian"},
    {"hy", "Noto Sans Armenian"},
    {"chr", "Noto Sans Cherokee"},
    {"cjm", "Noto Sans Cham"},
    {"blt", "Noto Sans Tai Viet"},
    {"rhg", "Noto Sans Hanifi Rohingya"},
    {"mn", "Noto Sans"},
}};

// Script subtags that override the language's usual script (e.g. pa-Arab, mn-Mong).
constexpr std::array<LanguageFamily, 8> kScriptSubtags = {{
    {"arab", "Noto Sans Arabic"},
    {"khmr", "Noto Sans Khmer"},
    {"thai", "Noto Sans Thai"},
    {"laoo", "Noto Sans Lao"},
    {"mymr", "Noto Sans Myanmar"},
    {"mong", "Noto Sans Mongolian"},
    {"rohg", "Noto Sans Hanifi Rohingya"},
    {"latn", "Noto Sans"},
}};

// Combining marks that take the font of their base whatever their block.
bool is_generic_mark(char32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) || (cp >= 0x1DC0 && cp <= 0x1DFF) ||
         (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE20 && cp <= 0xFE2F);
}

// The chain for one character: the language's chain with the character's script family inserted
// before the generic fallbacks.
std::vector<std::string> chain_for(const std::vector<std::string>& base, char32_t cp) {
  const std::string script = fallback_family_for_code_point(cp);
  if (script.empty() || std::find(base.begin(), base.end(), script) != base.end()) return base;
  std::vector<std::string> chain = base;
  const auto generic = std::find(chain.begin(), chain.end(), "Noto Sans");
  chain.insert(generic, script);
  return chain;
}

struct FcFontSetDeleter {
  void operator()(FcFontSet* s) const noexcept { FcFontSetDestroy(s); }
};

// The family libass's fontconfig provider falls back to for a character no font of the run has
// (ass_fontconfig.c: cache_fallbacks and get_fallback): every font sorted against "sans-serif"
// (outline fonts, FC_LANG removed), and the first whose charset has the character. "" when none.
std::string fontconfig_fallback(char32_t cp) {
  static std::mutex mutex;
  static std::unique_ptr<FcFontSet, FcFontSetDeleter> sorted;
  static std::map<char32_t, std::string> cache;
  std::lock_guard lock(mutex);
  if (const auto it = cache.find(cp); it != cache.end()) return it->second;
  if (!sorted) {
    PatternPtr pattern(FcPatternCreate());
    if (!pattern) throw Error(ErrorKind::kInternal, "fontconfig: out of memory");
    FcPatternAddString(pattern.get(), FC_FAMILY, reinterpret_cast<const FcChar8*>("sans-serif"));
    FcPatternAddBool(pattern.get(), FC_OUTLINE, FcTrue);
    FcConfigSubstitute(nullptr, pattern.get(), FcMatchPattern);
    FcDefaultSubstitute(pattern.get());
    FcPatternDel(pattern.get(), FC_LANG);
    FcResult result = FcResultNoMatch;
    sorted.reset(FcFontSort(nullptr, pattern.get(), FcTrue, nullptr, &result));
    if (!sorted) sorted.reset(FcFontSetCreate());
  }
  std::string family;
  for (int i = 0; family.empty() && i < sorted->nfont; ++i) {
    FcCharSet* charset = nullptr;
    FcChar8* name = nullptr;
    if (FcPatternGetCharSet(sorted->fonts[i], FC_CHARSET, 0, &charset) == FcResultMatch &&
        FcCharSetHasChar(charset, cp) != 0 &&
        FcPatternGetString(sorted->fonts[i], FC_FAMILY, 0, &name) == FcResultMatch) {
      family = reinterpret_cast<const char*>(name);
    }
  }
  cache.emplace(cp, family);
  return family;
}

// The first family of the chain with the character, else fontconfig's fallback as libass would
// find it (then written as the run's \fn, so that what is drawn is what was checked).
std::string first_covering(const std::vector<std::string>& chain, char32_t cp) {
  for (const std::string& family : chain) {
    if (family_covers(family, cp)) return family;
  }
  const std::string fallback = fontconfig_fallback(cp);
  if (!fallback.empty() && family_covers(fallback, cp)) return fallback;
  return {};
}

// "DejaVu Sans, Noto Sans Khmer (not installed)": a fallback chain as a message shows it.
std::string chain_text(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += ", ";
    out += item;
    if (!family_installed(item)) out += " (not installed)";
  }
  return out;
}

// True unless the colour emoji font shapes the cluster to several colour glyphs (a ZWJ sequence
// it has no ligature for: the burner would draw only the first). Shaped once per cluster.
bool emoji_font_draws_whole(const std::string& cluster) {
  static std::mutex mutex;
  static std::unique_ptr<ColourEmoji> font;
  static std::map<std::string, bool> seen;
  std::lock_guard lock(mutex);
  if (!font) {
    const std::string file = emoji_font_file();
    if (file.empty()) return true;  // nothing is drawn in colour then
    font = std::make_unique<ColourEmoji>(file);
  }
  auto it = seen.find(cluster);
  if (it == seen.end()) it = seen.emplace(cluster, font->drawn_glyph_count(cluster) <= 1).first;
  return it->second;
}

std::string partial_emoji_problem(const std::string& cluster, const std::string& language,
                                  const std::string& where) {
  std::string codes;
  for (char32_t cp : captions::decode_utf8(cluster))
    codes += (codes.empty() ? "" : " ") + captions::code_point_name(cp);
  return where + ": the '" + language + "' text has the emoji sequence '" + cluster + "' (" + codes +
         "), which " + kEmojiFamily +
         " has no single glyph for (only its first emoji would be drawn); write its emoji " +
         "without the joiner U+200D, or use a sequence the font has";
}

}  // namespace

std::string fallback_family_for_language(const std::string& language) {
  const std::string tag = ascii_lower(language);
  size_t pos = tag.find_first_of("-_");
  while (pos != std::string::npos) {
    const size_t next = tag.find_first_of("-_", pos + 1);
    const std::string sub =
        tag.substr(pos + 1, next == std::string::npos ? std::string::npos : next - pos - 1);
    for (const auto& s : kScriptSubtags) {
      if (sub == s.language) return s.family;
    }
    pos = next;
  }
  const std::string primary = tag.substr(0, tag.find_first_of("-_"));
  for (const auto& l : kLanguageFamilies) {
    if (primary == l.language) return l.family;
  }
  return "Noto Sans";
}

std::string fallback_family_for_code_point(char32_t cp) {
  for (const auto& r : kScriptFamilies) {
    if (cp >= r.first && cp <= r.last) return r.family;
  }
  return {};
}

std::vector<std::string> font_chain(const std::string& language, const std::string& font_family) {
  std::vector<std::string> chain;
  for (const std::string& f : {font_family, fallback_family_for_language(language), std::string("Noto Sans"),
                               std::string("DejaVu Sans")}) {
    if (!f.empty() && std::find(chain.begin(), chain.end(), f) == chain.end()) chain.push_back(f);
  }
  return chain;
}

bool family_installed(const std::string& family) { return family_fonts(family).installed; }

bool family_covers(const std::string& family, char32_t cp) {
  const FamilyFonts& fonts = family_fonts(family);
  return fonts.installed && FcCharSetHasChar(fonts.charset.get(), cp) != 0;
}

bool is_invisible(char32_t cp) {
  return cp < 0x21 || (cp >= 0x7F && cp <= 0xA0) || cp == 0xAD || cp == 0x034F || cp == 0x061C ||
         cp == 0x115F || cp == 0x1160 || cp == 0x1680 || (cp >= 0x180B && cp <= 0x180F) ||
         (cp >= 0x2000 && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) ||
         cp == 0x3000 || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F) || cp == 0xFEFF ||
         (cp >= 0xFFF0 && cp <= 0xFFFB) || (cp >= 0x1BCA0 && cp <= 0x1BCA3) ||
         (cp >= 0xE0000 && cp <= 0xE0FFF);
}

std::vector<std::string> text_coverage_problems(const std::string& text, const std::string& language,
                                                const std::string& font_family, const std::string& where) {
  std::vector<std::string> problems;
  std::set<char32_t> reported;
  const std::vector<std::string> base = font_chain(language, font_family);
  std::string rest;  // the text with the clusters drawn by the colour emoji font left out
  std::set<std::string> partial;
  for (size_t pos = 0; pos < text.size();) {
    const size_t emoji = emoji_cluster_at(text, pos);
    if (emoji > 0 && colour_emoji_covers(std::string_view(text).substr(pos, emoji))) {
      const std::string cluster = text.substr(pos, emoji);
      if (!emoji_font_draws_whole(cluster) && partial.insert(cluster).second)
        problems.push_back(partial_emoji_problem(cluster, language, where));
      pos += emoji;
      continue;
    }
    const size_t n = emoji > 0 ? emoji : 1;
    rest.append(text, pos, n);
    pos += n;
  }
  for (char32_t cp : captions::decode_utf8(rest)) {
    if (is_invisible(cp) || reported.count(cp) != 0) continue;
    const std::vector<std::string> chain = chain_for(base, cp);
    if (!first_covering(chain, cp).empty()) continue;
    reported.insert(cp);
    std::string shown;
    captions::append_utf8(shown, cp);
    // No tofu ever ships: a character without a font is refused before anything is encoded.
    problems.push_back(
        where + ": the '" + language + "' text has '" + shown + "' (" + captions::code_point_name(cp) +
        "), which no installed font covers (tried: " + chain_text(chain) + ", then fontconfig's fallback" +
        "); change the text, or install a font that has it and name it in the brand's fonts");
  }
  return problems;
}

void check_text_coverage(const std::string& text, const std::string& language, const std::string& font_family,
                         const std::string& where) {
  const auto problems = text_coverage_problems(text, language, font_family, where);
  if (!problems.empty()) throw Error(ErrorKind::kInput, problems.front());
}

std::vector<std::string> glyph_coverage_problems(const SubtitleTrack& track, const std::string& language,
                                                 const std::string& font_family) {
  std::vector<std::string> problems;
  for (const Cue& cue : track.cues) {
    std::string where = track.source.string() + ":" + std::to_string(cue.line);
    if (!cue.id.empty()) where += " (cue " + cue.id + ")";
    for (auto& p : text_coverage_problems(cue.plain, language, font_family, where))
      problems.push_back(std::move(p));
  }
  return problems;
}

void check_glyph_coverage(const SubtitleTrack& track, const std::string& language,
                          const std::string& font_family) {
  const auto problems = glyph_coverage_problems(track, language, font_family);
  if (!problems.empty()) throw Error(ErrorKind::kInput, problems.front());
}

namespace {

char32_t code_point_at(std::string_view text, size_t& pos) {
  return captions::next_code_point_lenient(text, pos);
}

bool has(char32_t cp, UProperty property) {
  return u_hasBinaryProperty(static_cast<UChar32>(cp), property) != 0;
}

// The colour of the last \c or \1c of an override block ("" when the block sets none, "\1c" with
// no value: the style's colour), written as a tag to put it back.
std::optional<std::string> primary_colour_tag(std::string_view block) {
  std::optional<std::string> found;
  for (size_t at = block.find('\\'); at != std::string_view::npos; at = block.find('\\', at + 1)) {
    const std::string_view tag = block.substr(at + 1);
    const size_t name = tag.substr(0, 2) == "1c" ? 2 : tag.substr(0, 1) == "c" ? 1 : 0;
    if (name == 0) continue;
    const size_t end = tag.find_first_of("\\}");
    found = "\\1c" + std::string(captions::trim(tag.substr(name, end - name)));
  }
  return found;
}

}  // namespace

size_t emoji_cluster_at(std::string_view text, size_t pos) {
  size_t p = pos;
  const char32_t first = code_point_at(text, p);
  const auto peek = [&](size_t& q) { return q < text.size() ? code_point_at(text, q) : char32_t{0}; };
  size_t q = p;
  const char32_t second = peek(q);
  bool emoji = false;
  if (has(first, UCHAR_REGIONAL_INDICATOR)) {
    if (!has(second, UCHAR_REGIONAL_INDICATOR)) return 0;
    return q - pos;  // a flag: two regional indicators
  }
  const bool keycap_base = (first >= '0' && first <= '9') || first == '#' || first == '*';
  if (has(first, UCHAR_EMOJI_PRESENTATION)) emoji = true;
  if ((has(first, UCHAR_EXTENDED_PICTOGRAPHIC) || keycap_base) && second == 0xFE0F) emoji = true;
  if (!emoji) return 0;
  // Modifiers, VS16, keycap, tags, and ZWJ + pictograph, as long as they follow.
  while (p < text.size()) {
    size_t r = p;
    const char32_t cp = code_point_at(text, r);
    if (cp == 0xFE0F || cp == 0x20E3 || has(cp, UCHAR_EMOJI_MODIFIER) || (cp >= 0xE0020 && cp <= 0xE007F)) {
      p = r;
    } else if (cp == 0x200D && r < text.size()) {
      size_t t = r;
      if (!has(code_point_at(text, t), UCHAR_EXTENDED_PICTOGRAPHIC)) break;
      p = t;
    } else {
      break;
    }
  }
  return p - pos;
}

bool colour_emoji_covers(std::string_view cluster) {
  if (!family_installed(kEmojiFamily)) return false;
  for (char32_t cp : captions::decode_utf8(cluster)) {
    if (cp != 0x200D && cp != 0xFE0F && !(cp >= 0xE0020 && cp <= 0xE007F) && !family_covers(kEmojiFamily, cp))
      return false;
  }
  return true;
}

std::string EmojiKeys::table() const {
  std::string out;
  for (size_t i = 0; i < clusters.size(); ++i) {
    std::array<char, 16> key{};
    std::snprintf(key.data(), key.size(), "01%04X", static_cast<unsigned>(i + 1));
    out += std::string(kEmojiTableLine) + key.data() + " " + clusters[i] + "\n";
  }
  return out;
}

std::string apply_font_fallback(const std::string& ass_text, const std::string& language,
                                const std::string& font_family, EmojiKeys* emoji) {
  const std::vector<std::string> base = font_chain(language, font_family);
  std::string out;
  out.reserve(ass_text.size() + 32);
  std::string current = font_family;
  std::string colour_tag = "\\1c";  // what puts the colour in effect back after a placeholder
  const std::string_view text = ass_text;
  size_t pos = 0;
  const auto visit = [&](char32_t cp, std::string_view raw) {
    if (!font_family.empty() && !is_invisible(cp) && !(is_generic_mark(cp) && family_covers(current, cp))) {
      const std::string family = first_covering(chain_for(base, cp), cp);
      if (!family.empty() && family != current) {
        out += "{\\fn" + family + "}";
        current = family;
      }
    }
    out.append(raw);
  };
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '{') {
      const size_t close = text.find('}', pos + 1);
      if (close != std::string_view::npos) {
        const std::string_view block = text.substr(pos, close - pos + 1);
        // An author's own \fn or a style reset (\r) changes the font under us.
        if (block.find("\\fn") != std::string_view::npos) {
          const size_t at = block.rfind("\\fn");
          size_t end = block.find_first_of("\\}", at + 3);
          std::string named(block.substr(at + 3, end - at - 3));
          current = captions::trim(named).empty() ? font_family : std::string(captions::trim(named));
        }
        if (block.find("\\r") != std::string_view::npos) current = font_family;
        if (auto colour = primary_colour_tag(block)) colour_tag = *colour;
        out.append(block);
        pos = close + 1;
        continue;
      }
    }
    if (c == '\\' && pos + 1 < text.size()) {
      const char n = text[pos + 1];
      if (n == 'N' || n == 'n' || n == 'h') {
        out.append(text.substr(pos, 2));
        pos += 2;
        continue;
      }
      if (n == '{' || n == '}') {
        visit(static_cast<char32_t>(n), text.substr(pos, 2));
        pos += 2;
        continue;
      }
    }
    const size_t cluster =
        emoji != nullptr && emoji->clusters.size() < 0xFFFF ? emoji_cluster_at(text, pos) : 0;
    if (cluster > 0 && colour_emoji_covers(text.substr(pos, cluster))) {
      emoji->clusters.emplace_back(text.substr(pos, cluster));
      std::array<char, 16> key{};
      const unsigned n = static_cast<unsigned>(emoji->clusters.size());
      std::snprintf(key.data(), key.size(), "&H%02X%02X01&", n & 0xFF, n >> 8);  // &HBBGGRR&
      out += "{\\fn" + std::string(kEmojiPlaceholderFont) + "\\fscx" +
             std::to_string(kEmojiPlaceholderScale) + "\\fscy" + std::to_string(kEmojiPlaceholderScale) +
             "\\bord0\\shad0\\1a&H00&\\1c" + key.data() + "}" + kEmojiPlaceholder + "{\\fn" + current +
             "\\fscx\\fscy\\bord\\shad\\1a" + colour_tag + "}";
      pos += cluster;
      continue;
    }
    const size_t at = pos;
    const char32_t cp = code_point_at(text, pos);
    visit(cp, text.substr(at, pos - at));
  }
  return out;
}

}  // namespace shortpack

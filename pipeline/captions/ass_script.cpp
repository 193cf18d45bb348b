// The ASS script that the caption burner renders: styles from the brand, placement from the
// platform's safe zone, and every cue measured with libass itself so that it wraps inside the
// safe width and never takes more than max_lines lines.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

#include <spdlog/spdlog.h>

#include "filters/caption_burner.h"
#include "pipeline/base/number.h"
#include "pipeline/base/text.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/captions/line_breaks.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

namespace {

using Box = CaptionBurner::Box;

constexpr const char* kStyleFormat =
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
    "MarginR, MarginV, Encoding";
constexpr const char* kEventFormat =
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text";
constexpr const char* kTitleStyle = "Title";
constexpr const char* kCardStyle = "Card";
// SRT cues placed by "{\an7}".."{\an9}" / "{\an4}".."{\an6}": the Default look, at the top of
// the safe zone (where the title goes) or in its middle.
constexpr const char* kTopStyle = "Top";
constexpr const char* kMiddleStyle = "Middle";

std::string number(double v) {
  std::array<char, 32> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", v);
  std::string s = buf.data();
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::string primary_subtag(const std::string& language) {
  return language.substr(0, language.find_first_of("-_"));
}

// What our own styles look like, in output pixels.
struct StyleValues {
  std::string font;
  double size_px = 0;
  std::string primary, outline, back;
  bool bold = true;
  int border_style = 1;
  double outline_px = 0, shadow_px = 0;
  int pad_px = 0;  // what the outline, shadow or box add around the glyphs
};

StyleValues style_values(const CaptionStyle& style, int height_px) {
  StyleValues v;
  v.font = style.font_family;
  if (v.font.empty() || v.font.find_first_of(",{}\\\n") != std::string::npos) {
    throw Error(ErrorKind::kInput, "the caption font '" + v.font +
                                       "' is not a font family name (no commas, braces or backslashes)");
  }
  v.size_px = std::max(1.0, std::round(style.size_rel * height_px));
  v.primary = captions::ass_colour(style.primary_colour, "the caption colour");
  v.bold = style.bold;
  v.outline_px = std::max(0.0, style.outline_rel * v.size_px);
  v.shadow_px = std::max(0.0, style.shadow_rel * v.size_px);
  if (style.box) {
    // BorderStyle 3: an opaque box; VSFilter paints it with OutlineColour, libass's docs speak of
    // BackColour: both get the box colour. The outline width is the box padding.
    v.border_style = 3;
    v.outline = v.back = captions::ass_colour(style.box_colour, "the caption box colour");
  } else {
    v.border_style = 1;
    v.outline = captions::ass_colour(style.outline_colour, "the caption outline colour");
    // Shadow in the outline colour at half opacity.
    v.back = "&H80" + v.outline.substr(4);
  }
  v.pad_px = static_cast<int>(std::ceil(v.outline_px + v.shadow_px)) + 2;
  return v;
}

std::string style_line(const std::string& name, const StyleValues& v, double size, int alignment,
                       int margin_l, int margin_r, int margin_v) {
  std::ostringstream s;
  s << "Style: " << name << "," << v.font << "," << number(size) << "," << v.primary << ",&H000000FF,"
    << v.outline << "," << v.back << "," << (v.bold ? -1 : 0) << ",0,0,0,100,100,0,0," << v.border_style
    << "," << number(v.outline_px * size / v.size_px) << "," << number(v.shadow_px * size / v.size_px) << ","
    << alignment << "," << margin_l << "," << margin_r << "," << margin_v
    << ",-1";  // -1: base direction from the text (RTL)
  return s.str();
}

std::string dialogue(const std::string& layer, int64_t start_ms, int64_t end_ms, const std::string& style,
                     const std::string& name, const std::string& ml, const std::string& mr,
                     const std::string& mv, const std::string& effect, const std::string& text) {
  return "Dialogue: " + layer + "," + captions::format_ass_time(start_ms) + "," +
         captions::format_ass_time(end_ms) + "," + style + "," + name + "," + ml + "," + mr + "," + mv + "," +
         effect + "," + text + "\n";
}

// Lines of ASS text as written (hard breaks \N).
int count_lines(const std::string& text) {
  int lines = 1;
  for (size_t pos = text.find("\\N"); pos != std::string::npos; pos = text.find("\\N", pos + 2)) ++lines;
  return lines;
}

// Our generated script's head: Script Info and the three styles.
struct OwnHeader {
  const CaptionStyle& style;
  const CaptionLayout& layout;
  StyleValues values;
  double title_size_px = 0;
  double card_size_px = 0;

  // Scripts whose marks stack below the base line (Khmer coeng subscripts, Myanmar medials, Lao
  // and Thai vowels, Indic conjuncts) draw ink well under the font's descender; libass places the
  // line by the descender, so bottom captions in these scripts are lifted to keep their ink inside
  // the safe zone.
  int deep_mark_allowance() const {
    static const char* const kDeep[] = {"km", "my", "lo", "th", "bo", "si", "hi", "ne",  "mr", "bn",
                                        "pa", "gu", "or", "ta", "te", "kn", "ml", "shn", "kac"};
    const std::string primary = primary_subtag(style.language);
    for (const char* tag : kDeep) {
      if (primary == tag) return static_cast<int>(std::ceil(values.size_px * 0.35));
    }
    return 0;
  }

  // MarginV of the Default (bottom) and Title (top) styles, in output pixels.
  int default_margin_v() const {
    const int safe = layout.safe.bottom_px + values.pad_px + deep_mark_allowance();
    if (!logo_at_bottom()) return safe;
    return std::max(safe, layout.height_px - layout.logo.y + values.pad_px + deep_mark_allowance());
  }
  int title_margin_v() const {
    const int safe = layout.safe.top_px + values.pad_px;
    if (!logo_at_top()) return safe;
    return std::max(safe, layout.logo.y + layout.logo.h + values.pad_px);
  }
  bool logo_at_top() const {
    return layout.logo.w > 0 && layout.logo.y + layout.logo.h / 2 < layout.height_px / 2;
  }
  bool logo_at_bottom() const { return layout.logo.w > 0 && !logo_at_top(); }

  // The highlight box styles (captions' word-highlight with highlight_box): Default, Top and
  // Middle as opaque boxes (BorderStyle 3) in the highlight colour, padded by 0.15 em.
  std::string box_styles() const {
    if (style.animation != CaptionStyle::Animation::kWordHighlight || !style.highlight_box) return {};
    StyleValues box = values;
    box.border_style = 3;
    box.outline = box.back = captions::ass_colour(style.highlight_colour, "the highlight colour");
    box.outline_px = 0.15 * values.size_px;
    box.shadow_px = 0;
    const SafeZone& safe = layout.safe;
    const int l = safe.left_px + values.pad_px, r = safe.right_px + values.pad_px;
    return style_line(std::string("Default") + "Box", box, values.size_px, 2, l, r, default_margin_v()) +
           "\n" + style_line(std::string(kTopStyle) + "Box", box, values.size_px, 8, l, r, title_margin_v()) +
           "\n" + style_line(std::string(kMiddleStyle) + "Box", box, values.size_px, 5, l, r, 0) + "\n";
  }

  std::string text(int play_res_x) const {
    const SafeZone& safe = layout.safe;
    std::ostringstream s;
    s << "[Script Info]\n; Generated by shortpack\nScriptType: v4.00+\n"
      << "PlayResX: " << play_res_x << "\nPlayResY: " << layout.height_px
      << "\n"
      // WrapStyle 2: libass never wraps; the Fitter's lines (explicit \N) are the layout.
      << "ScaledBorderAndShadow: yes\nWrapStyle: 2\nYCbCr Matrix: None\n";
    if (!style.language.empty()) s << "Language: " << primary_subtag(style.language) << "\n";
    s << "\n[V4+ Styles]\n"
      << kStyleFormat << "\n"
      << style_line("Default", values, values.size_px, 2, safe.left_px + values.pad_px,
                    safe.right_px + values.pad_px, default_margin_v())
      << "\n"
      << style_line(kTitleStyle, values, title_size_px, 8, safe.left_px + values.pad_px,
                    safe.right_px + values.pad_px, title_margin_v())
      << "\n"
      << style_line(kCardStyle, values, card_size_px, 5, safe.left_px + values.pad_px,
                    safe.right_px + values.pad_px, 0)
      << "\n"
      << style_line(kTopStyle, values, values.size_px, 8, safe.left_px + values.pad_px,
                    safe.right_px + values.pad_px, title_margin_v())
      << "\n"
      << style_line(kMiddleStyle, values, values.size_px, 5, safe.left_px + values.pad_px,
                    safe.right_px + values.pad_px, 0)
      << "\n"
      << box_styles() << "\n[Events]\n"
      << kEventFormat << "\n";
    return s.str();
  }
};

enum class Anchor { kBottom, kTop, kCentre };

struct FitResult {
  double size_px = 0;  // font size
  int lift_px = 0;     // distance to move away from the anchored edge (added to MarginV)
  // The text laid out at size_px, its lines as explicit "\N" breaks. Our scripts turn libass's
  // own wrapping off (WrapStyle 2; {\q2} for our overlays on an ASS track), so that any frame
  // size the script is rendered at shows the same lines.
  std::string text;
  std::vector<size_t> breaks;  // where `text` breaks its lines (BreakableText character indices)
};

// Lines chosen for a text at one size.
struct Lines {
  std::vector<size_t> breaks;  // character indices (BreakableText) before which a line starts
  int count = 0;
  int widest_piece_px = 0;  // widest line that no break opportunity could shorten enough
  int total_px = 0;         // every hard-broken paragraph's width on one line, summed
};

// One way of breaking a paragraph into lines.
struct Greedy {
  std::vector<size_t> breaks;
  int count = 0;
  int widest_piece_px = 0;
  bool overflow = false;  // some line is wider than the limit
};

// Breaks one paragraph, characters [from, end), at its break opportunities `candidates` (each
// inside it), `width(a, b)` being the natural width of characters [a, b).
struct ParagraphBreaker {
  size_t from = 0;
  size_t end = 0;
  const std::vector<size_t>& candidates;
  const std::function<int(size_t, size_t)>& width;

  // Fills each line with as much as fits in `limit`, first line first.
  [[nodiscard]] Greedy greedy(int limit) const {
    Greedy g;
    size_t start = from;
    size_t next = 0;  // first candidate after `start`
    while (true) {
      ++g.count;
      if (width(start, end) <= limit) break;
      std::optional<size_t> best;
      for (size_t j = next; j < candidates.size() && width(start, candidates[j]) <= limit; ++j) best = j;
      if (!best) {
        if (next == candidates.size()) {
          g.overflow = true;
          g.widest_piece_px = std::max(g.widest_piece_px, width(start, end));
          break;
        }
        g.overflow = true;
        g.widest_piece_px = std::max(g.widest_piece_px, width(start, candidates[next]));
        best = next;
      }
      g.breaks.push_back(candidates[*best]);
      start = candidates[*best];
      next = *best + 1;
    }
    return g;
  }

  // The same, last line first: each line starts at the earliest opportunity that fits.
  [[nodiscard]] Greedy greedy_from_end(int limit) const {
    Greedy g;
    size_t stop = end;
    size_t last = candidates.size();  // candidates before `stop`: [0, last)
    while (true) {
      ++g.count;
      if (width(from, stop) <= limit) break;
      std::optional<size_t> best;
      for (size_t j = last; j-- > 0 && width(candidates[j], stop) <= limit;) best = j;
      if (!best) {
        g.overflow = true;
        break;
      }
      g.breaks.insert(g.breaks.begin(), candidates[*best]);
      stop = candidates[*best];
      last = *best;
    }
    return g;
  }

  // The fewest lines no wider than `room`, as even as they can be (`whole`: the paragraph's
  // width on one line).
  [[nodiscard]] Greedy evenest(int whole, int room) const {
    Greedy chosen = greedy(room);
    if (chosen.overflow || chosen.count < 2) return chosen;
    int lo = whole / chosen.count, hi = room;
    for (int step = 0; step < 6 && hi - lo > 2; ++step) {
      const int mid = (lo + hi) / 2;
      Greedy g = greedy(mid);
      if (!g.overflow && g.count <= chosen.count) {
        chosen = std::move(g);
        hi = mid;
      } else {
        lo = mid;
      }
    }
    // At that width, fill the lines from the bottom up: any slack goes to the top line, the
    // pyramid shape subtitles take (and libass's own smart wrapping gave).
    Greedy bottom_up = greedy_from_end(hi);
    if (!bottom_up.overflow && bottom_up.count == chosen.count) chosen = std::move(bottom_up);
    return chosen;
  }
};

// Measures candidate layouts with libass at the output size (and on a wide canvas, where a
// line never wraps and is never clipped, for natural widths), and breaks lines itself, at ICU's
// break opportunities: libass without libunibreak wraps only at spaces, and would re-wrap a
// script rendered at another size (a review proxy) differently.
class Fitter {
 public:
  Fitter(const OwnHeader& header, const CaptionStyle& style)
      : header_(header),
        style_(style),
        frame_header_(header.text(header.layout.width_px)),
        wide_header_(header.text(header.layout.width_px * kWide)),
        frame_(frame_header_, fonts(style)),
        wide_(wide_header_, fonts(style)) {
    frame_.configure({header.layout.width_px, header.layout.height_px, AV_PIX_FMT_YUV420P, {1, 1}, {25, 1}});
    wide_.configure(
        {header.layout.width_px * kWide, header.layout.height_px, AV_PIX_FMT_YUV420P, {1, 1}, {25, 1}});
  }

  // The font size (px) at which `text` (style `style_name`, base size `base_px`) fits, how far
  // it must move away from its anchored edge, and its lines; nullopt when it cannot fit even at
  // half size. `placement` (override tags such as \an5\pos) applies on the frame only: natural
  // widths are measured without it. `max_lines` (0: the style's) is how many lines it may take;
  // `anywhere`: it may break between any two grapheme clusters (the last resort).
  std::optional<FitResult> fit(const std::string& style_name, Anchor anchor, double base_px,
                               const std::string& placement, const std::string& text, int max_lines = 0,
                               bool anywhere = false) {
    const int lines_allowed = max_lines > 0 ? max_lines : style_.max_lines;
    const CaptionLayout& layout = header_.layout;
    const SafeZone& safe = layout.safe;
    // libass centres each line between the margins (safe zone + pad, which are symmetric about
    // the safe area's centre); the measured ink includes the outline, shadow or box, so a line
    // fits when its ink fits the safe width (2 px each side for antialiasing).
    const int room = layout.width_px - safe.left_px - safe.right_px - 4;
    const double min_px = std::max(1.0, std::floor(base_px * 0.5));
    const captions::BreakableText breakable = captions::find_line_breaks(text, style_.language, anywhere);
    if (!fits_at_all(breakable, style_name, min_px, room, lines_allowed)) return std::nullopt;
    double size = base_px;
    for (int attempt = 0; attempt < 12; ++attempt) {
      const Lines lines = lay_out(breakable, style_name, size, room);
      const std::string laid = captions::with_line_breaks(breakable, lines.breaks);
      double ratio = 0.9;
      if (lines.total_px == 0) return FitResult{size, 0, laid, lines.breaks};  // nothing visible
      if (lines.widest_piece_px > room) {
        ratio = std::min(0.95, 0.98 * room / lines.widest_piece_px);
      } else if (lines.count > lines_allowed) {
        // All the text against the room of max_lines lines (breaking between words wastes some).
        ratio = std::min(0.95, lines_allowed * room * 0.9 / lines.total_px);
      } else {
        int lift = 0;
        const Box placed = measure(frame_, frame_header_, style_name, size, placement + laid);
        if (placeable(placed, anchor, lift)) return FitResult{size, lift, laid, lines.breaks};
      }
      if (size <= min_px) return std::nullopt;
      size = std::max(min_px, std::floor(size * std::clamp(ratio, 0.5, 0.95)));
    }
    return std::nullopt;
  }

 private:
  static constexpr int kWide = 8;

  // False when the text cannot fit whatever its breaks: on one line at the smallest size it is
  // wider than `lines` lines of `room` (each line may drop one space at its break: a size of slack
  // per line). One measure, where trying every size and break of a text far too long took seconds
  // (a 1,600-character title: 17 s to refuse). A text wider than the measuring canvas is clipped
  // to it, which only makes this answer "maybe".
  bool fits_at_all(const captions::BreakableText& text, const std::string& style_name, double px, int room,
                   int lines) {
    if (text.chars.empty()) return true;
    const int one_line =
        measure(wide_, wide_header_, style_name, px, captions::line_text(text, 0, text.chars.size())).w;
    return one_line <= lines * (room + static_cast<int>(std::ceil(px)));
  }

  static FontSetup fonts(const CaptionStyle& style) {
    FontSetup setup;
    setup.default_family = style.font_family;
    setup.font_files = style.font_files;
    return setup;
  }

  // The fewest lines no wider than `room`, as even as they can be: greedy filling gives the line
  // count, then the narrowest width that still gives that count (bisection) evens them out, and
  // filling from the last line up at that width leaves any slack to the top line.
  // Hard breaks always break; an unbreakable run wider than the room is its own line, reported
  // in widest_piece_px.
  Lines lay_out(const captions::BreakableText& text, const std::string& style_name, double size, int room) {
    std::map<std::pair<size_t, size_t>, int> cache;
    const std::function<int(size_t, size_t)> width = [&](size_t from, size_t to) {
      const auto key = std::make_pair(from, to);
      const auto hit = cache.find(key);
      if (hit != cache.end()) return hit->second;
      const int w = measure(wide_, wide_header_, style_name, size, captions::line_text(text, from, to)).w;
      cache.emplace(key, w);
      return w;
    };
    Lines out;
    size_t paragraph = 0;
    size_t next_opportunity = 0;
    for (size_t end = 0; end <= text.chars.size(); ++end) {
      if (end < text.chars.size() && text.chars[end] != U'\n') continue;
      std::vector<size_t> candidates;
      for (; next_opportunity < text.opportunities.size() && text.opportunities[next_opportunity] < end;
           ++next_opportunity) {
        if (text.opportunities[next_opportunity] > paragraph)
          candidates.push_back(text.opportunities[next_opportunity]);
      }
      const size_t from = paragraph;
      paragraph = end + 1;
      const int whole = width(from, end);
      out.total_px += whole;
      if (whole <= room || candidates.empty()) {
        out.count += 1;
        if (whole > room) out.widest_piece_px = std::max(out.widest_piece_px, whole);
        continue;
      }
      const Greedy chosen = ParagraphBreaker{from, end, candidates, width}.evenest(whole, room);
      out.breaks.insert(out.breaks.end(), chosen.breaks.begin(), chosen.breaks.end());
      out.count += chosen.count;
      out.widest_piece_px = std::max(out.widest_piece_px, chosen.widest_piece_px);
    }
    return out;
  }

  // Inside the safe zone, possibly after moving `lift` pixels away from the anchored edge: marks
  // stacked below the base line (or above it, for a top title) may reach past the font's
  // descender (ascender), which is what libass places lines by; such text is moved, not shrunk.
  bool placeable(const Box& b, Anchor anchor, int& lift) const {
    const CaptionLayout& layout = header_.layout;
    const SafeZone& safe = layout.safe;
    lift = 0;
    if (b.w == 0) return true;
    if (b.x < safe.left_px || b.x + b.w > layout.width_px - safe.right_px) return false;
    const int top = b.y, bottom = b.y + b.h;
    const int top_limit = safe.top_px, bottom_limit = layout.height_px - safe.bottom_px;
    if (anchor == Anchor::kBottom && bottom > bottom_limit) lift = bottom - bottom_limit;
    if (anchor == Anchor::kTop && top < top_limit) lift = top_limit - top;
    const int shift = anchor == Anchor::kBottom ? -lift : lift;
    return top + shift >= top_limit && bottom + shift <= bottom_limit;
  }

  Box measure(CaptionBurner& burner, const std::string& head, const std::string& style_name, double size,
              const std::string& text) {
    burner.set_script(head + dialogue("0", 0, 1000, style_name, "", "0", "0", "0", "",
                                      "{\\fs" + number(size) + "}" + text));
    return burner.measure_ink(500);
  }

  const OwnHeader& header_;
  const CaptionStyle& style_;
  std::string frame_header_;
  std::string wide_header_;
  CaptionBurner frame_;
  CaptionBurner wide_;
};

// --- word highlight ------------------------------------------------------------------------------

// The cue's timed words, or else ICU's words with the cue's time shared by grapheme count.
std::vector<CueWord> spoken_words(const Cue& cue, const std::string& language) {
  if (!cue.words.empty()) return cue.words;
  const std::vector<captions::WordSegment> segments = captions::word_segments(cue.plain, language);
  size_t total = 0;
  for (const auto& s : segments) total += s.graphemes;
  if (total == 0) return {{cue.plain, cue.start_ms, cue.end_ms}};
  std::vector<CueWord> words;
  const int64_t duration_ms = cue.end_ms - cue.start_ms;
  size_t before = 0;
  for (const auto& s : segments) {
    const auto at = [&](size_t graphemes) {
      return cue.start_ms + duration_ms * static_cast<int64_t>(graphemes) / static_cast<int64_t>(total);
    };
    words.push_back({s.text, at(before), at(before + s.graphemes)});
    before += s.graphemes;
  }
  return words;
}

// ASS text of words [from, to), word `lit` (if in range) between the override tags `on` and
// `off`; the page's leading spaces are not shown.
std::string page_text(const std::vector<CueWord>& words, size_t from, size_t to, size_t lit,
                      const std::string& on, const std::string& off) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    std::string_view text = words[i].text;
    if (i == from) text.remove_prefix(std::min(text.size(), text.find_first_not_of(" \t\n")));
    // The spaces after the word are not part of it (a box must not run into the next word).
    const size_t spoken = text.find_last_not_of(" \t\n") + 1;
    const std::string piece = captions::escape_ass_text(text.substr(0, spoken));
    const std::string rest = captions::escape_ass_text(text.substr(spoken));
    out += i == lit ? "{" + on + "}" + piece + "{" + off + "}" + rest : piece + rest;
  }
  return out;
}

// Splits words [from, to) into pages that fit at full size (`fits`), halving by grapheme-free
// byte length at word boundaries; a single word is a page whatever its size.
void split_pages(const std::vector<CueWord>& words, size_t from, size_t to,
                 const std::function<bool(size_t, size_t)>& fits,
                 std::vector<std::pair<size_t, size_t>>& pages) {
  if (to - from <= 1 || fits(from, to)) {
    pages.emplace_back(from, to);
    return;
  }
  size_t total = 0;
  for (size_t i = from; i < to; ++i) total += words[i].text.size();
  size_t mid = from + 1, acc = words[from].text.size();
  while (mid + 1 < to && acc + words[mid].text.size() <= total / 2) acc += words[mid++].text.size();
  split_pages(words, from, mid, fits, pages);
  split_pages(words, mid, to, fits, pages);
}

// --- ASS input: the author's header with margins raised to the safe zone -------------------------

struct PlayRes {
  int x = 0;
  int y = 0;
};

// v * num / den for a PlayRes of up to INT_MAX (a script can say anything), in 64 bits and at
// least 1 (found by the ass fuzz target: PlayResX 2147483647 * 3 overflowed an int).
int scaled_play_res(int v, int num, int den) {
  const int64_t scaled = static_cast<int64_t>(v) * num / den;
  return static_cast<int>(std::clamp<int64_t>(scaled, 1, std::numeric_limits<int>::max()));
}

PlayRes play_res_of(const std::string& header) {
  PlayRes res;
  std::istringstream in(header);
  std::string line;
  while (std::getline(in, line)) {
    const std::string_view t = captions::trim(line);
    const auto value = [&](std::string_view key) -> std::optional<int> {
      if (t.size() > key.size() && captions::iequals(t.substr(0, key.size()), key)) {
        try {
          return std::stoi(std::string(captions::trim(t.substr(key.size()))));
        } catch (const std::exception&) {
          return std::nullopt;
        }
      }
      return std::nullopt;
    };
    if (auto v = value("PlayResX:")) res.x = *v;
    if (auto v = value("PlayResY:")) res.y = *v;
  }
  // libass's defaults for missing values.
  if (res.x <= 0 && res.y <= 0) {
    res = {384, 288};
  } else if (res.y <= 0) {
    res.y = res.x == 1280 ? 1024 : scaled_play_res(res.x, 3, 4);
  } else if (res.x <= 0) {
    res.x = res.y == 1024 ? 1280 : scaled_play_res(res.y, 4, 3);
  }
  return res;
}

// The script's WrapStyle (0 when not given, as libass assumes).
int wrap_style_of(const std::string& header) {
  std::istringstream in(header);
  std::string line;
  int style = 0;
  while (std::getline(in, line)) {
    const std::string_view t = captions::trim(line);
    constexpr std::string_view kKey = "WrapStyle:";
    if (t.size() > kKey.size() && captions::iequals(t.substr(0, kKey.size()), kKey)) {
      try {
        style = std::stoi(std::string(captions::trim(t.substr(kKey.size()))));
      } catch (const std::exception&) {
        style = 0;
      }
    }
  }
  return style;
}

enum class VerticalAnchor { kBottom, kMiddle, kTop };

VerticalAnchor anchor_of(int alignment, bool ssa) {
  if (ssa) {  // SSA: 1-3 bottom, 5-7 top, 9-11 middle
    if (alignment >= 5 && alignment <= 7) return VerticalAnchor::kTop;
    if (alignment >= 9) return VerticalAnchor::kMiddle;
    return VerticalAnchor::kBottom;
  }
  if (alignment >= 7) return VerticalAnchor::kTop;
  if (alignment >= 4) return VerticalAnchor::kMiddle;
  return VerticalAnchor::kBottom;
}

// Smallest margins (in the script's PlayRes units) that keep a style's text, with its outline
// and shadow, inside the safe zone.
struct Minima {
  int left = 0, right = 0, top = 0, bottom = 0;
};

struct SafeInPlayRes {
  SafeZone px;
  double sx = 1.0;  // PlayResX / frame width
  double sy = 1.0;  // PlayResY / frame height

  // outline and shadow in script units: with ScaledBorderAndShadow they scale like the text
  // (v / sy pixels), without they are pixels; take the larger. 2 px more for antialiasing.
  [[nodiscard]] Minima for_border(double outline, double shadow) const {
    const double border_px = (std::max(0.0, outline) + std::max(0.0, shadow)) * std::max(1.0, 1.0 / sy) + 2.0;
    // Rounded up within int's range (a PlayRes of 2^31 makes sx huge; converting a double out of
    // range to int is undefined behaviour).
    const auto units = [](double v) { return static_cast<int>(clamp_finite(std::ceil(v), 0.0, 1e9)); };
    return {units((px.left_px + border_px) * sx), units((px.right_px + border_px) * sx),
            units((px.top_px + border_px) * sy), units((px.bottom_px + border_px) * sy)};
  }
};

// The largest Outline or Shadow of an author's style we pass on, in script units: wider borders
// draw nothing a caption needs, and 1e12 or inf would overflow the margins placed around them.
constexpr double kMaxBorderUnits = 200.0;

// An author's Outline or Shadow as libass reads it (strtod, C locale: nonsense is 0, 1e999 is
// inf), within 0..kMaxBorderUnits; a value outside is rewritten in `value`, so that libass draws
// the border the margins were computed for.
double border_units(std::string& value) {
  const double read = std::strtod(value.c_str(), nullptr);
  const double kept = clamp_finite(read, 0.0, kMaxBorderUnits);
  if (kept != read) value = number(kept);
  return kept;
}

int raise_to(const std::string& value, int minimum) {
  int v = 0;
  try {
    v = std::stoi(value);
  } catch (const std::exception&) {
    v = 0;
  }
  return std::max(v, minimum);
}

struct StylePlacement {
  VerticalAnchor anchor = VerticalAnchor::kBottom;
  Minima minima;
};

struct AssHeaderResult {
  std::string text;
  std::map<std::string, StylePlacement> styles;  // style name (lower case) -> placement
  bool ssa = false;
};

// The Style Format a styles section without a Format line gets, as lower-case field names.
std::vector<std::string> default_style_format() {
  return {"name",       "fontname", "fontsize", "primarycolour", "secondarycolour", "outlinecolour",
          "backcolour", "bold",     "italic",   "underline",     "strikeout",       "scalex",
          "scaley",     "spacing",  "angle",    "borderstyle",   "outline",         "shadow",
          "alignment",  "marginl",  "marginr",  "marginv",       "encoding"};
}

// Style lines for `extra_styles` (field maps) in the section's `format`; missing fields are 0.
std::string extra_style_lines(const std::vector<std::map<std::string, std::string>>& extra_styles,
                              const std::vector<std::string>& format, bool ssa) {
  std::string out;
  for (const auto& extra : extra_styles) {
    std::string s = "Style: ";
    for (size_t i = 0; i < format.size(); ++i) {
      if (i) s += ",";
      const auto it = extra.find(format[i]);
      const std::string value = it != extra.end() ? it->second : "0";
      if (format[i] == "alignment" && ssa) {
        s += value == "8" ? "6" : value == "5" ? "10" : value;  // SSA numbers top/middle centre so
      } else {
        s += value;
      }
    }
    out += s + "\n";
  }
  return out;
}

// The author's style `values` (in `format`) with its margins raised to the safe zone, as a
// Style line; its placement is recorded in `styles`.
std::string raised_style_line(std::vector<std::string> values, const std::vector<std::string>& format,
                              const SafeInPlayRes& safe, bool ssa,
                              std::map<std::string, StylePlacement>& styles) {
  int alignment = 2;
  double outline = 0.0, shadow = 0.0;
  std::string name;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == "alignment") alignment = raise_to(values[i], 0);
    if (format[i] == "name") name = ascii_lower(values[i]);
    if (format[i] == "outline") outline = border_units(values[i]);
    if (format[i] == "shadow") shadow = border_units(values[i]);
  }
  const StylePlacement placement{anchor_of(alignment, ssa), safe.for_border(outline, shadow)};
  styles[name] = placement;
  const Minima& m = placement.minima;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] == "marginl") values[i] = std::to_string(raise_to(values[i], m.left));
    if (format[i] == "marginr") values[i] = std::to_string(raise_to(values[i], m.right));
    if (format[i] == "marginv" && placement.anchor != VerticalAnchor::kMiddle) {
      values[i] =
          std::to_string(raise_to(values[i], placement.anchor == VerticalAnchor::kTop ? m.top : m.bottom));
    }
  }
  std::string s = "Style: ";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? "," : "") + values[i];
  return s;
}

// Re-emits the author's header with each style's margins raised to the safe zone and, when a
// title is shown, our Title style added to the styles section (in the section's own Format).
class HeaderRewriter {
 public:
  HeaderRewriter(const SafeInPlayRes& safe,
                 const std::vector<std::map<std::string, std::string>>& extra_styles)
      : safe_(safe), extra_styles_(extra_styles) {}

  // Takes one line of the author's header.
  void line(const std::string& line) {
    const std::string_view t = captions::trim(line);
    if (in_styles_ && t.empty()) {
      blank_lines_ += line + "\n";
      return;
    }
    if (!t.empty() && t.front() == '[' && t.back() == ']') {
      section(line, t);
      return;
    }
    flush_blank_lines();
    if (in_styles_ && captions::iequals(t.substr(0, 7), "Format:")) {
      format_.clear();
      for (auto f : captions::split_ass_fields(t.substr(7), 1000))
        format_.push_back(ascii_lower(captions::trim(f)));
      out_.text += line + "\n";
      return;
    }
    if (in_styles_ && captions::iequals(t.substr(0, 6), "Style:") && !format_.empty()) {
      auto fields = captions::split_ass_fields(t.substr(6), format_.size());
      std::vector<std::string> values;
      for (auto f : fields) values.emplace_back(captions::trim(f));
      if (values.size() == format_.size()) {
        out_.text += raised_style_line(std::move(values), format_, safe_, out_.ssa, out_.styles) + "\n";
        return;
      }
    }
    out_.text += line + "\n";
  }

  // Ends the header: our styles join the last styles section, or a new one.
  AssHeaderResult finish() {
    if (in_styles_) emit_extra_styles();
    out_.text += blank_lines_;
    if (!styles_seen_ && !extra_styles_.empty()) {
      out_.text += "\n[V4+ Styles]\n";
      emit_extra_styles();
    }
    return std::move(out_);
  }

 private:
  // A section header line: a styles section that ends gets our styles first.
  void section(const std::string& line, std::string_view t) {
    if (in_styles_) emit_extra_styles();
    flush_blank_lines();
    in_styles_ = captions::iequals(t, "[V4+ Styles]") || captions::iequals(t, "[V4 Styles]");
    if (in_styles_) {
      styles_seen_ = true;
      out_.ssa = captions::iequals(t, "[V4 Styles]");
      format_.clear();
    }
    out_.text += line + "\n";
  }

  void emit_extra_styles() {
    if (extra_styles_.empty()) return;
    if (format_.empty()) {
      out_.text += std::string(kStyleFormat) + "\n";
      format_ = default_style_format();
    }
    out_.text += extra_style_lines(extra_styles_, format_, out_.ssa);
  }

  void flush_blank_lines() {
    out_.text += blank_lines_;
    blank_lines_.clear();
  }

  const SafeInPlayRes& safe_;
  const std::vector<std::map<std::string, std::string>>& extra_styles_;
  AssHeaderResult out_;
  bool in_styles_ = false;
  bool styles_seen_ = false;
  std::vector<std::string> format_;
  std::string blank_lines_;  // held back inside the styles section, so that added styles join it
};

AssHeaderResult rewrite_ass_header(const std::string& header, const SafeInPlayRes& safe,
                                   const std::vector<std::map<std::string, std::string>>& extra_styles) {
  HeaderRewriter rewriter(safe, extra_styles);
  std::istringstream in(header);
  std::string line;
  while (std::getline(in, line)) rewriter.line(line);
  return rewriter.finish();
}

// Title and card text, fitted in output pixels, placed on top of the captions.
struct Overlay {
  const char* style = kTitleStyle;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  bool centred = false;  // cards: \an5 at the centre of the safe area
  double style_px = 0;   // the size of the overlay's style
  double size_px = 0;    // fitted size
  std::string text;      // ASS text with font runs
  int lift_px = 0;       // moved down from the top (title)
};

// One of our styles (Title, Card) as a field map for an ASS track's own Style Format, in the
// track's PlayRes units.
std::map<std::string, std::string> style_fields(const char* name, const StyleValues& values, double size_px,
                                                int alignment, int margin_v_px, const CaptionLayout& layout,
                                                double sx, double sy) {
  const auto scaled = [&](double px) { return number(px * sy); };
  return {
      {"name", name},
      {"fontname", values.font},
      {"fontsize", scaled(size_px)},
      {"primarycolour", values.primary},
      {"secondarycolour", "&H000000FF"},
      {"outlinecolour", values.outline},
      {"tertiarycolour", values.outline},
      {"backcolour", values.back},
      {"bold", values.bold ? "-1" : "0"},
      {"scalex", "100"},
      {"scaley", "100"},
      {"borderstyle", std::to_string(values.border_style)},
      {"outline", scaled(values.outline_px * size_px / values.size_px)},
      {"shadow", scaled(values.shadow_px * size_px / values.size_px)},
      {"alignment", std::to_string(alignment)},
      {"marginl", std::to_string(static_cast<int>(std::ceil((layout.safe.left_px + values.pad_px) * sx)))},
      {"marginr", std::to_string(static_cast<int>(std::ceil((layout.safe.right_px + values.pad_px) * sx)))},
      {"marginv", std::to_string(static_cast<int>(std::ceil(margin_v_px * sy)))},
      {"encoding", "-1"},
  };
}

// The overlay's event text in a script whose PlayRes is (sx, sy) times the output size.
// `wrap_off`: add {\q2}, for a script whose WrapStyle is the author's.
std::string overlay_text(const Overlay& o, const CaptionLayout& layout, double sx, double sy,
                         bool wrap_off = false) {
  std::string tags;
  if (o.centred) {
    const SafeZone& safe = layout.safe;
    const double cx = safe.left_px + (layout.width_px - safe.left_px - safe.right_px) / 2.0;
    const double cy = safe.top_px + (layout.height_px - safe.top_px - safe.bottom_px) / 2.0;
    tags += "\\an5\\pos(" + number(cx * sx) + "," + number(cy * sy) + ")";
  }
  if (o.size_px != o.style_px) tags += "\\fs" + number(o.size_px * sy);
  if (wrap_off) tags += "\\q2";
  return (tags.empty() ? std::string() : "{" + tags + "}") + o.text;
}

std::string build_from_ass(const SubtitleTrack& track, const CaptionLayout& layout,
                           const std::vector<Overlay>& overlays, const OwnHeader& own, EmojiKeys& emoji) {
  const PlayRes res = play_res_of(track.ass_header);
  const double sx = static_cast<double>(res.x) / layout.width_px;
  const double sy = static_cast<double>(res.y) / layout.height_px;
  const SafeInPlayRes safe{layout.safe, sx, sy};
  std::vector<std::map<std::string, std::string>> extra_styles;
  if (std::any_of(overlays.begin(), overlays.end(),
                  [](const Overlay& o) { return o.style == kTitleStyle; })) {
    extra_styles.push_back(
        style_fields(kTitleStyle, own.values, own.title_size_px, 8, own.title_margin_v(), layout, sx, sy));
  }
  if (std::any_of(overlays.begin(), overlays.end(), [](const Overlay& o) { return o.style == kCardStyle; })) {
    extra_styles.push_back(style_fields(kCardStyle, own.values, own.card_size_px, 5, 0, layout, sx, sy));
  }
  const AssHeaderResult header = rewrite_ass_header(track.ass_header, safe, extra_styles);
  const bool author_wraps = wrap_style_of(track.ass_header) != 2;

  std::string out = header.text;
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += "\n[Events]\n";
  out += kEventFormat;
  out += "\n";
  for (const Cue& cue : track.cues) {
    const auto it = header.styles.find(ascii_lower(cue.ass_style));
    // libass uses "Default" (or the first style) for an unknown style name.
    const StylePlacement placement = it != header.styles.end() ? it->second
                                     : header.styles.count("default")
                                         ? header.styles.at("default")
                                         : StylePlacement{VerticalAnchor::kBottom, safe.for_border(2.0, 2.0)};
    const Minima& m = placement.minima;
    // An event's own non-zero margins replace the style's: raise them too.
    const auto margin = [](const std::string& v, int minimum) {
      return raise_to(v, 0) == 0 ? std::string("0") : std::to_string(raise_to(v, minimum));
    };
    const std::string mv =
        placement.anchor == VerticalAnchor::kMiddle
            ? cue.ass_margin_v
            : margin(cue.ass_margin_v, placement.anchor == VerticalAnchor::kTop ? m.top : m.bottom);
    // libass wraps the author's events itself, at spaces only: it gets ICU's word ends as
    // places to wrap too (Thai, Khmer, Lao and Myanmar have no spaces), unless wrapping is off.
    const bool libass_wraps = author_wraps && cue.text.find("\\q2") == std::string::npos;
    const std::string text = apply_font_fallback(cue.text, own.style.language, "", &emoji);  // emoji only
    out += dialogue(cue.ass_layer, cue.start_ms, cue.end_ms, cue.ass_style, cue.ass_name,
                    margin(cue.ass_margin_l, m.left), margin(cue.ass_margin_r, m.right), mv, cue.ass_effect,
                    libass_wraps
                        ? captions::with_wrap_points(captions::find_line_breaks(text, own.style.language))
                        : text);
  }
  for (const Overlay& o : overlays) {
    const std::string mv =
        o.lift_px > 0 ? std::to_string(static_cast<int>(std::ceil((own.title_margin_v() + o.lift_px) * sy)))
                      : "0";
    out += dialogue("10", o.start_ms, o.end_ms, o.style, "", "0", "0", mv, "",
                    overlay_text(o, layout, sx, sy, true));
  }
  return out;
}

// --- our own script: checks, overlays, cue events ----------------------------------------------

// Refuses a frame, safe zone or caption style that leaves no room for captions.
void check_script_inputs(const CaptionStyle& style, const CaptionLayout& layout) {
  if (layout.width_px <= 0 || layout.height_px <= 0) {
    throw Error(ErrorKind::kInternal, "build_ass_script: the output size is not set");
  }
  const SafeZone& safe = layout.safe;
  if (safe.left_px + safe.right_px >= layout.width_px || safe.top_px + safe.bottom_px >= layout.height_px) {
    throw Error(ErrorKind::kInput, "the safe zone leaves no room for captions in a " +
                                       std::to_string(layout.width_px) + "x" +
                                       std::to_string(layout.height_px) + " frame");
  }
  if (style.max_lines < 1) throw Error(ErrorKind::kInput, "caption max_lines must be at least 1");
  if (style.size_rel <= 0.0 || style.size_rel > 0.5) {
    throw Error(ErrorKind::kInput, "caption size " + number(style.size_rel) +
                                       " must be a fraction of the frame height in (0, 0.5]");
  }
}

// What every step of building our own script shares: the style, the frame, our header, the
// libass fitter (set when there is text to fit) and the emoji placeholders met so far.
struct ScriptContext {
  const CaptionStyle& style;
  const CaptionLayout& layout;
  const OwnHeader& header;
  std::optional<Fitter>& fitter;
  EmojiKeys& emoji;                    // colour emoji placeholders of the whole script, listed at its end
  std::vector<std::string>* warnings;  // what is drawn differently from what is written; may be null

  void warn(const std::string& warning) const {
    spdlog::warn("{}", warning);
    if (warnings) warnings->push_back(warning);
  }

  // ASS text with font runs for the characters the caption font lacks.
  [[nodiscard]] std::string prepare(const std::string& ass_text) const {
    return apply_font_fallback(ass_text, style.language, style.font_family, &emoji);
  }

  // Fits prepared ASS text (font runs): its size, lift and lines. Text of more lines than
  // max_lines is drawn smaller (its lines in the height of max_lines lines), and text that fits
  // no other way is broken between any two grapheme clusters, each with a warning naming `where`;
  // throws, naming `where`, when it cannot fit even so at half size.
  [[nodiscard]] FitResult fit(const char* style_name, Anchor anchor, double base_px,
                              const std::string& placement, const std::string& text,
                              const std::string& where) const {
    const int explicit_lines = count_lines(text);
    const int max_lines = std::max(style.max_lines, explicit_lines);
    if (explicit_lines > style.max_lines) {
      base_px = std::max(1.0, std::floor(base_px * style.max_lines / explicit_lines));
      warn(where + ": the text has " + std::to_string(explicit_lines) + " lines, more than the " +
           std::to_string(style.max_lines) + " captions take; it is drawn smaller (split it into two cues)");
    }
    std::optional<FitResult> size = fitter->fit(style_name, anchor, base_px, placement, text, max_lines);
    if (!size) {
      size = fitter->fit(style_name, anchor, base_px, placement, text, max_lines, true);
      if (size) {
        warn(where +
             ": the text has no place to break a line where it fits (a long link or hashtag chain); "
             "it is broken between characters");
      }
    }
    if (!size) {
      const SafeZone& safe = layout.safe;
      throw Error(ErrorKind::kInput,
                  where + ": the text is too long to fit in " + std::to_string(style.max_lines) +
                      " lines inside the " + std::to_string(layout.width_px - safe.left_px - safe.right_px) +
                      " px wide safe area of a " + std::to_string(layout.width_px) + "x" +
                      std::to_string(layout.height_px) + " frame, even at half size (shorten or split it)");
    }
    return *size;
  }
};

// "'<language>' " for messages, or nothing when the captions have no language.
std::string language_label(const CaptionStyle& style) {
  return style.language.empty() ? std::string() : "'" + style.language + "' ";
}

// The title as an overlay, fitted at the top of the safe zone.
Overlay fit_title(const ScriptContext& ctx, const TitleText& title) {
  Overlay o;
  o.style = kTitleStyle;
  o.start_ms = title.start_ms;
  o.end_ms = title.start_ms + title.duration_ms;
  o.style_px = ctx.header.title_size_px;
  o.text = ctx.prepare(captions::escape_ass_text(title.text));
  const FitResult fitted =
      ctx.fit(kTitleStyle, Anchor::kTop, o.style_px, "", o.text,
              (title.where.empty() ? "" : title.where + ": ") + "the " + language_label(ctx.style) + "title");
  o.size_px = fitted.size_px;
  o.lift_px = fitted.lift_px;
  o.text = fitted.text;
  return o;
}

// Card `index` (0-based) as an overlay, fitted at the centre of the safe area.
Overlay fit_card(const ScriptContext& ctx, const CardText& card, size_t index) {
  Overlay o;
  o.style = kCardStyle;
  o.start_ms = card.start_ms;
  o.end_ms = card.end_ms;
  o.centred = true;
  o.style_px = ctx.header.card_size_px;
  o.text = ctx.prepare(captions::escape_ass_text(card.text));
  const double base_px = std::max(1.0, std::round(ctx.header.values.size_px * card.size_factor));
  const FitResult fitted =
      ctx.fit(kCardStyle, Anchor::kCentre, base_px,
              overlay_text({kCardStyle, 0, 0, true, 1, 1, "", 0}, ctx.layout, 1.0, 1.0), o.text,
              (card.where.empty() ? "" : card.where + ": ") + "the " + language_label(ctx.style) + "card " +
                  std::to_string(index + 1));
  o.size_px = fitted.size_px;
  o.text = fitted.text;
  return o;
}

// The title (when shown) and the cards with text, in that order.
std::vector<Overlay> fit_overlays(const ScriptContext& ctx, const TitleText& title, bool has_title,
                                  const std::vector<CardText>& cards) {
  std::vector<Overlay> overlays;
  if (has_title) overlays.push_back(fit_title(ctx, title));
  for (size_t i = 0; i < cards.size(); ++i) {
    const CardText& card = cards[i];
    if (card.text.empty() || card.end_ms <= card.start_ms) continue;
    overlays.push_back(fit_card(ctx, card, i));
  }
  return overlays;
}

// Where one of our own cues goes: SRT placement ({\anN}, {\pos}) picks the style by its row (so
// that the safe zone's top or bottom margin applies) and the \an tag by its column.
struct CuePlacement {
  int alignment = 2;
  const char* style_name = "Default";
  Anchor anchor = Anchor::kBottom;
  int base_margin_v = 0;
  std::string placement;  // override tags put before the text
};

CuePlacement cue_placement(const Cue& cue, const OwnHeader& header) {
  CuePlacement p;
  p.alignment = cue.alignment >= 1 && cue.alignment <= 9 ? cue.alignment : 2;
  p.style_name = p.alignment >= 7 ? kTopStyle : p.alignment >= 4 ? kMiddleStyle : "Default";
  p.anchor = p.alignment >= 7 ? Anchor::kTop : p.alignment >= 4 ? Anchor::kCentre : Anchor::kBottom;
  p.base_margin_v = p.alignment >= 7 ? header.title_margin_v() : header.default_margin_v();
  p.placement = p.alignment == 2 || p.alignment == 8 || p.alignment == 5
                    ? std::string()
                    : "{\\an" + std::to_string(p.alignment) + "}";
  return p;
}

// MarginV of an event moved `lift_px` away from its anchored edge ("0": the style's own).
std::string lifted_margin_v(const FitResult& fitted, Anchor anchor, int base_margin_v) {
  return fitted.lift_px > 0 && anchor != Anchor::kCentre ? std::to_string(base_margin_v + fitted.lift_px)
                                                         : std::string("0");
}

// The override tags of word highlight: the spoken word between `on` and `off`, and the layer of
// the text events.
struct HighlightTags {
  std::string on, off, text_layer;
};

// With a box, the spoken word keeps the text colour and a box in the highlight colour is drawn
// under it: the same page in the "<style>Box" style (BorderStyle 3), in a lower layer (libass
// moves overlapping events of one layer apart), everything transparent but the word's box.
HighlightTags highlight_tags(const CaptionStyle& style) {
  const std::string highlight =
      "&H" + captions::ass_colour(style.highlight_colour, "the highlight colour").substr(4) + "&";
  return {style.highlight_box ? std::string() : "\\1c" + highlight,
          style.highlight_box ? std::string() : "\\1c", style.highlight_box ? "1" : "0"};
}

// The words' pages: the whole cue, or runs of words that fit at full size.
std::vector<std::pair<size_t, size_t>> highlight_pages(const ScriptContext& ctx,
                                                       const std::vector<CueWord>& words,
                                                       const CuePlacement& at, const HighlightTags& tags) {
  const size_t none = words.size();
  const double full_px = ctx.header.values.size_px;
  std::vector<std::pair<size_t, size_t>> pages;
  split_pages(
      words, 0, words.size(),
      [&](size_t from, size_t to) {
        const auto f = ctx.fitter->fit(at.style_name, at.anchor, full_px, at.placement,
                                       ctx.prepare(page_text(words, from, to, none, tags.on, tags.off)));
        return f && f->size_px >= full_px;
      },
      pages);
  return pages;
}

// Word highlight: one event per word, each showing the word's page (the whole cue, or the run
// of words that fits at full size) laid out once, with the spoken word in the highlight colour.
// Colour overrides do not move glyphs, so every event of a page has the same lines.
std::string highlight_events(const ScriptContext& ctx, const HighlightTags& tags, const Cue& cue,
                             const CuePlacement& at, const std::string& where) {
  const CaptionStyle& style = ctx.style;
  const std::vector<CueWord> words = spoken_words(cue, style.language);
  const size_t none = words.size();
  const double full_px = ctx.header.values.size_px;
  const std::vector<std::pair<size_t, size_t>> pages = highlight_pages(ctx, words, at, tags);
  std::string events;
  for (size_t p = 0; p < pages.size(); ++p) {
    const auto [from, to] = pages[p];
    const FitResult fitted = ctx.fit(at.style_name, at.anchor, full_px, at.placement,
                                     ctx.prepare(page_text(words, from, to, none, tags.on, tags.off)), where);
    const std::string mv = lifted_margin_v(fitted, at.anchor, at.base_margin_v);
    const std::string size =
        fitted.size_px < full_px ? "{\\fs" + number(fitted.size_px) + "}" : std::string();
    const int64_t page_start = p == 0 ? cue.start_ms : words[from].start_ms;
    const int64_t page_end = p + 1 == pages.size() ? cue.end_ms : words[to].start_ms;
    const auto laid = [&](const std::string& text) {
      return at.placement + size +
             captions::with_line_breaks(captions::find_line_breaks(text, style.language), fitted.breaks);
    };
    for (size_t k = from; k < to; ++k) {
      const int64_t start = k == from ? page_start : words[k].start_ms;
      const int64_t end = k + 1 == to ? page_end : words[k + 1].start_ms;
      if (end <= start) continue;
      if (style.highlight_box) {
        events += dialogue(
            "0", start, end, std::string(at.style_name) + "Box", "", "0", "0", mv, "",
            laid("{\\alpha&HFF&}" +
                 ctx.prepare(page_text(words, from, to, k, "\\3a&H00&\\4a&H00&", "\\3a&HFF&\\4a&HFF&"))));
      }
      events += dialogue(tags.text_layer, start, end, at.style_name, "", "0", "0", mv, "",
                         laid(ctx.prepare(page_text(words, from, to, k, tags.on, tags.off))));
    }
  }
  return events;
}

// A cue placed at its \pos point (kept inside the safe area), or nullopt (with a warning) when
// it does not fit there; on success `at` becomes the Default style with the \pos tags.
std::optional<FitResult> fit_at_position(const ScriptContext& ctx, const Cue& cue, const std::string& text,
                                         const std::string& where, CuePlacement& at) {
  const CaptionLayout& layout = ctx.layout;
  const SafeZone& safe = layout.safe;
  const double x = std::clamp(cue.position->x_rel * layout.width_px, static_cast<double>(safe.left_px),
                              static_cast<double>(layout.width_px - safe.right_px));
  const double y = std::clamp(cue.position->y_rel * layout.height_px, static_cast<double>(safe.top_px),
                              static_cast<double>(layout.height_px - safe.bottom_px));
  const std::string pos =
      "{\\an" + std::to_string(at.alignment) + "\\pos(" + number(x) + "," + number(y) + ")}";
  std::optional<FitResult> fitted =
      ctx.fitter->fit("Default", Anchor::kCentre, ctx.header.values.size_px, pos, text);
  if (fitted) {
    at.style_name = "Default";
    at.placement = pos;
    fitted->lift_px = 0;
  } else {
    ctx.warn(where + ": the cue's \\pos would put it outside the safe zone; it is placed by its alignment");
  }
  return fitted;
}

// The events of one of our own cues (none for an empty or zero-length cue).
std::string cue_events(const ScriptContext& ctx, const HighlightTags& tags, const SubtitleTrack& track,
                       const Cue& cue) {
  if (cue.end_ms <= cue.start_ms || cue.plain.empty()) return {};
  const std::string where = track.source.string() + ":" + std::to_string(cue.line);
  const std::string text = ctx.prepare(cue.text);
  CuePlacement at = cue_placement(cue, ctx.header);
  if (ctx.style.animation == CaptionStyle::Animation::kWordHighlight) {
    return highlight_events(ctx, tags, cue, at, where);
  }
  std::optional<FitResult> fitted;
  if (cue.position) fitted = fit_at_position(ctx, cue, text, where, at);
  if (!fitted)
    fitted = ctx.fit(at.style_name, at.anchor, ctx.header.values.size_px, at.placement, text, where);
  const std::string mv = lifted_margin_v(*fitted, at.anchor, at.base_margin_v);
  return dialogue("0", cue.start_ms, cue.end_ms, at.style_name, "", "0", "0", mv, "",
                  at.placement + (fitted->size_px < ctx.header.values.size_px
                                      ? "{\\fs" + number(fitted->size_px) + "}" + fitted->text
                                      : fitted->text));
}

// The overlays' events, above the captions (layer 10), in our own script's pixels.
std::string overlay_events(const std::vector<Overlay>& overlays, const OwnHeader& header,
                           const CaptionLayout& layout) {
  std::string out;
  for (const Overlay& o : overlays) {
    const std::string mv =
        o.lift_px > 0 ? std::to_string(header.title_margin_v() + o.lift_px) : std::string("0");
    out += dialogue("10", o.start_ms, o.end_ms, o.style, "", "0", "0", mv, "",
                    overlay_text(o, layout, 1.0, 1.0));
  }
  return out;
}

}  // namespace

std::string build_ass_script(const SubtitleTrack& track, const CaptionStyle& style,
                             const CaptionLayout& layout, const TitleText& title,
                             const std::vector<CardText>& cards, std::vector<std::string>* warnings) {
  check_script_inputs(style, layout);

  OwnHeader header{style, layout, style_values(style, layout.height_px), 0.0, 0.0};
  header.title_size_px = std::max(1.0, std::round(header.values.size_px * style.title_size_factor));
  header.card_size_px = std::max(1.0, std::round(header.values.size_px * CardText{}.size_factor));

  const bool has_title = !title.text.empty() && title.duration_ms > 0;
  const bool own_cues = track.format != SubtitleFormat::kAss;
  std::optional<Fitter> fitter;
  if ((own_cues && !track.cues.empty()) || has_title || !cards.empty()) fitter.emplace(header, style);

  EmojiKeys emoji;
  const ScriptContext ctx{style, layout, header, fitter, emoji, warnings};
  const std::vector<Overlay> overlays = fit_overlays(ctx, title, has_title, cards);
  if (!own_cues) {
    // Two statements: build_from_ass fills `emoji`, and the operands of + are not sequenced.
    std::string script = build_from_ass(track, layout, overlays, header, emoji);
    return script + emoji.table();
  }

  const HighlightTags tags = highlight_tags(style);
  std::string out = header.text(layout.width_px);
  for (const Cue& cue : track.cues) out += cue_events(ctx, tags, track, cue);
  out += overlay_events(overlays, header, layout);
  return out + emoji.table();
}

}  // namespace shortpack

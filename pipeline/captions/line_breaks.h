// Where caption text may be broken into lines: ICU's line breaking (UAX #14 with ICU's dictionary
// word segmentation for Thai, Khmer, Lao and Myanmar, which are written without spaces between
// words), never inside a grapheme cluster. The ASS script builder chooses among these places and
// writes its choice as explicit "\N" breaks, so libass never wraps by itself (it breaks only at
// spaces without libunibreak, as in Debian) and every frame size shows the same lines.
// Not a public interface of the captions room; the contracts are in subtitles.h.
//
// Thread safety: all functions may be called from any thread (ICU iterators are per thread).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace shortpack::captions {

// ASS event text read as a sequence of characters for line breaking.
struct BreakableText {
  std::string ass;  // the ASS text as given
  // Per character: its code point ('\n' for the hard breaks \N and \n, U+00A0 for \h, '{' / '}'
  // for the escapes \{ \}) and its bytes [begin, end) in `ass`. Override blocks are not
  // characters; they sit between them.
  std::u32string chars;
  std::vector<size_t> begin;
  std::vector<size_t> end;
  // Character indices i (0 < i < chars.size(), ascending) before which a line may be broken:
  // ICU line break opportunities that are also grapheme cluster boundaries, hard breaks left out
  // (they always break). Empty when the text draws vector shapes (\p1), which are never broken.
  std::vector<size_t> opportunities;
};

// Reads `ass_text` (override blocks and escapes as libass reads them) and finds its break
// opportunities with an ICU line BreakIterator for `language` (a BCP 47 tag; empty or unknown:
// ICU's root rules, which still segment Thai, Khmer, Lao and Myanmar by dictionary).
// `anywhere`: every grapheme cluster boundary is an opportunity as well (CSS `overflow-wrap:
// anywhere`), the last resort for a text with no other place to break (a URL, a hashtag chain).
// Throws Error(kInternal) when ICU cannot create its iterators.
BreakableText find_line_breaks(const std::string& ass_text, const std::string& language,
                               bool anywhere = false);

// True for the characters that a line break swallows: spaces before a break are not drawn at the
// end of the line (U+0020, tab, ZERO WIDTH SPACE, ideographic space).
bool collapses_at_break(char32_t cp);

// The ASS text with "\N" inserted before each character index in `breaks` (ascending, taken from
// text.opportunities) and the collapsing spaces just before each such break removed.
std::string with_line_breaks(const BreakableText& text, const std::vector<size_t>& breaks);

// The ASS text of characters [from, to) alone, as one line: the override blocks that come before
// `from` first (so fonts, styles and colours are those in effect there), collapsing spaces at the
// end removed. For measuring one candidate line.
std::string line_text(const BreakableText& text, size_t from, size_t to);

// For text that libass wraps itself (the events of an author's ASS file, whose own WrapStyle
// and styles are kept): a breakable zero-width space, " " squeezed to zero width
// ({\fscx0} {\fscx<the scale in effect>}), at each opportunity that does not follow a space.
// libass (without libunibreak, as in Debian) wraps only at spaces; this lets it wrap where ICU
// says words end. Text without such opportunities comes back unchanged.
std::string with_wrap_points(const BreakableText& text);

// A word of plain text as ICU's word segmentation finds it (UAX #29, with dictionaries for Thai,
// Khmer, Lao and Myanmar), the spaces and punctuation after it included; never splits a
// grapheme cluster. `graphemes`: its grapheme clusters that are part of the word itself.
struct WordSegment {
  std::string text;
  size_t graphemes = 0;
};
// The words of `plain` for `language` (as find_line_breaks picks the locale); their texts joined
// are `plain`. Throws Error(kInternal) when ICU cannot create its iterators.
std::vector<WordSegment> word_segments(const std::string& plain, const std::string& language);

}  // namespace shortpack::captions

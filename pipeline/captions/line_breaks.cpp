#include "pipeline/captions/line_breaks.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <memory>

#include "filters/core/error.h"
#include "pipeline/captions/text_util.h"

namespace shortpack::captions {

namespace {

// Creating a line iterator loads ICU's rules and dictionaries; each thread keeps one per
// language (ICU iterators are not thread-safe, their shared data is).
struct Iterators {
  std::unique_ptr<icu::BreakIterator> line;
  std::unique_ptr<icu::BreakIterator> grapheme;
  std::unique_ptr<icu::BreakIterator> word;
};

Iterators& iterators_for(const std::string& language) {
  thread_local std::map<std::string, Iterators> cache;
  auto it = cache.find(language);
  if (it != cache.end()) return it->second;
  UErrorCode status = U_ZERO_ERROR;
  icu::Locale locale = icu::Locale::getRoot();
  if (!language.empty()) {
    UErrorCode tag_status = U_ZERO_ERROR;
    icu::Locale tagged = icu::Locale::forLanguageTag(language, tag_status);
    if (U_SUCCESS(tag_status) && !tagged.isBogus()) locale = tagged;
  }
  Iterators made;
  made.line.reset(icu::BreakIterator::createLineInstance(locale, status));
  if (U_SUCCESS(status)) made.grapheme.reset(icu::BreakIterator::createCharacterInstance(locale, status));
  if (U_SUCCESS(status)) made.word.reset(icu::BreakIterator::createWordInstance(locale, status));
  if (U_FAILURE(status) || !made.line || !made.grapheme || !made.word) {
    throw Error(ErrorKind::kInternal, std::string("ICU could not create its line breaking rules for '") +
                                          language + "': " + u_errorName(status));
  }
  return cache.emplace(language, std::move(made)).first->second;
}

bool draws_shapes(std::string_view block) {
  bool drawing = false;
  for (size_t i = 0; i + 2 < block.size(); ++i) {
    if (block[i] == '\\' && block[i + 1] == 'p' && std::isdigit(static_cast<unsigned char>(block[i + 2]))) {
      drawing = block[i + 2] != '0';
    }
  }
  return drawing;
}

}  // namespace

bool collapses_at_break(char32_t cp) { return cp == U' ' || cp == U'\t' || cp == 0x200B || cp == 0x3000; }

BreakableText find_line_breaks(const std::string& ass_text, const std::string& language, bool anywhere) {
  BreakableText out;
  out.ass = ass_text;
  const std::string_view text = out.ass;
  bool drawing = false;
  size_t pos = 0;
  const auto add = [&](char32_t cp, size_t from, size_t to) {
    out.chars.push_back(cp);
    out.begin.push_back(from);
    out.end.push_back(to);
  };
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '{') {
      const size_t close = text.find('}', pos + 1);
      if (close != std::string_view::npos) {
        drawing = drawing || draws_shapes(text.substr(pos, close - pos + 1));
        pos = close + 1;
        continue;
      }
    }
    if (c == '\\' && pos + 1 < text.size()) {
      const char n = text[pos + 1];
      if (n == 'N' || n == 'n' || n == 'h' || n == '{' || n == '}') {
        add(n == 'N' || n == 'n' ? U'\n'
            : n == 'h'           ? char32_t{0xA0}
                                 : static_cast<char32_t>(n),
            pos, pos + 2);
        pos += 2;
        continue;
      }
    }
    const size_t at = pos;
    const char32_t cp = next_code_point_lenient(text, pos);
    add(cp, at, pos);
  }
  if (drawing || out.chars.size() < 2) return out;

  // ICU works on UTF-16: remember where each character starts there.
  icu::UnicodeString u16;
  std::vector<size_t> char_at_unit;  // UTF-16 index -> character index (at a character's start)
  for (size_t i = 0; i < out.chars.size(); ++i) {
    char_at_unit.resize(static_cast<size_t>(u16.length()) + 1, SIZE_MAX);
    char_at_unit[static_cast<size_t>(u16.length())] = i;
    u16.append(static_cast<UChar32>(out.chars[i]));
  }
  char_at_unit.resize(static_cast<size_t>(u16.length()) + 1, SIZE_MAX);
  char_at_unit[static_cast<size_t>(u16.length())] = out.chars.size();

  Iterators& its = iterators_for(language);
  its.line->setText(u16);
  its.grapheme->setText(u16);
  if (anywhere) {
    for (int32_t b = its.grapheme->following(0); b != icu::BreakIterator::DONE && b < u16.length();
         b = its.grapheme->next()) {
      const size_t i = char_at_unit[static_cast<size_t>(b)];
      if (i == SIZE_MAX || i == 0 || out.chars[i - 1] == U'\n' || out.chars[i] == U'\n') continue;
      out.opportunities.push_back(i);
    }
    return out;
  }
  for (int32_t b = its.line->following(0); b != icu::BreakIterator::DONE && b < u16.length();
       b = its.line->next()) {
    const size_t i = char_at_unit[static_cast<size_t>(b)];
    if (i == SIZE_MAX || i == 0) continue;
    // A break after a hard break is that hard break, not a choice.
    if (out.chars[i - 1] == U'\n') continue;
    // Never inside a grapheme cluster (ICU's line rules keep to this; the check makes it a rule).
    if (!its.grapheme->isBoundary(b)) continue;
    out.opportunities.push_back(i);
  }
  return out;
}

std::string with_line_breaks(const BreakableText& text, const std::vector<size_t>& breaks) {
  std::string out;
  out.reserve(text.ass.size() + 4 * breaks.size());
  size_t copied = 0;  // bytes of text.ass already in out
  for (const size_t at : breaks) {
    if (at == 0 || at >= text.chars.size()) continue;
    size_t last = at;  // drop the collapsing spaces just before the break
    while (last > 0 && collapses_at_break(text.chars[last - 1])) --last;
    const size_t cut = last < at ? text.begin[last] : text.begin[at];
    if (cut >= copied) out.append(text.ass, copied, cut - copied);
    // Override blocks between the dropped spaces and the break still apply to what follows.
    for (size_t i = last; i < at; ++i) {
      const size_t gap_from = text.end[i],
                   gap_to = i + 1 < text.chars.size() ? text.begin[i + 1] : text.ass.size();
      if (gap_to > gap_from) out.append(text.ass, gap_from, gap_to - gap_from);
    }
    out += "\\N";
    copied = text.begin[at];
  }
  out.append(text.ass, copied, std::string::npos);
  return out;
}

std::string line_text(const BreakableText& text, size_t from, size_t to) {
  std::string out;
  if (from >= to || from >= text.chars.size()) return out;
  to = std::min(to, text.chars.size());
  // The text between characters is override blocks only; all of them before `from`, in order,
  // set the state in effect at `from`.
  out.append(text.ass, 0, text.begin[0]);
  for (size_t i = 0; i < from; ++i) out.append(text.ass, text.end[i], text.begin[i + 1] - text.end[i]);
  size_t last = to;
  while (last > from && collapses_at_break(text.chars[last - 1])) --last;
  if (last == from) return out;
  out.append(text.ass, text.begin[from], text.end[last - 1] - text.begin[from]);
  return out;
}

std::string with_wrap_points(const BreakableText& text) {
  std::string out;
  size_t copied = 0;
  std::string scale;   // the \fscx value in effect where we are ("" = the style's)
  size_t scanned = 0;  // bytes of text.ass whose override blocks were read for \fscx and \r
  const auto read_scale_up_to = [&](size_t until) {
    for (size_t open = text.ass.find('{', scanned); open != std::string::npos && open < until;
         open = text.ass.find('{', open + 1)) {
      const size_t close = text.ass.find('}', open);
      if (close == std::string::npos || close >= until) break;
      const std::string_view block(text.ass.data() + open, close - open + 1);
      for (size_t i = 0; i + 1 < block.size(); ++i) {
        if (block[i] != '\\') continue;
        if (block.compare(i, 5, "\\fscx") == 0) {
          size_t j = i + 5;
          while (j < block.size() && (std::isdigit(static_cast<unsigned char>(block[j])) || block[j] == '.'))
            ++j;
          scale = std::string(block.substr(i + 5, j - i - 5));
        } else if (block[i + 1] == 'r') {
          scale.clear();
        }
      }
      open = close;
    }
    scanned = std::max(scanned, until);
  };
  for (const size_t at : text.opportunities) {
    if (collapses_at_break(text.chars[at - 1])) continue;  // libass already breaks there
    const size_t cut = text.begin[at];
    // Override blocks before the character belong before the space, so the scale restored after
    // it is theirs.
    read_scale_up_to(cut);
    out.append(text.ass, copied, cut - copied);
    out += "{\\fscx0} {\\fscx" + scale + "}";
    copied = cut;
  }
  out.append(text.ass, copied, std::string::npos);
  return out;
}

std::vector<WordSegment> word_segments(const std::string& plain, const std::string& language) {
  std::vector<WordSegment> out;
  const icu::UnicodeString u16 = icu::UnicodeString::fromUTF8(plain);
  if (u16.isEmpty()) return out;
  Iterators& it = iterators_for(language);
  it.word->setText(u16);
  it.grapheme->setText(u16);
  const auto graphemes = [&](int32_t from, int32_t to) {
    size_t n = 0;
    for (int32_t b = it.grapheme->following(from); b != icu::BreakIterator::DONE && b <= to;
         b = it.grapheme->next()) {
      ++n;
    }
    return n;
  };
  int32_t start = it.word->first();
  for (int32_t end = it.word->next(); end != icu::BreakIterator::DONE; start = end, end = it.word->next()) {
    // Spaces and punctuation (rule status "none") go with the word before them.
    const bool is_word = it.word->getRuleStatus() != UBRK_WORD_NONE;
    std::string text;
    u16.tempSubStringBetween(start, end).toUTF8String(text);
    if (is_word || out.empty()) {
      out.push_back({std::move(text), is_word ? graphemes(start, end) : 0});
    } else {
      out.back().text += text;
    }
  }
  // Leading spaces or punctuation alone: joined to the first word.
  if (out.size() > 1 && out.front().graphemes == 0) {
    out[1].text = out.front().text + out[1].text;
    out.erase(out.begin());
  }
  return out;
}

}  // namespace shortpack::captions

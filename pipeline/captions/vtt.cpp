// WebVTT reader following the parser of the W3C specification (https://www.w3.org/TR/webvtt1/,
// "WebVTT file parsing"): the signature, the header block, blocks separated by blank lines, a cue
// being a block whose first or second line holds "-->", STYLE and REGION blocks (only before the
// first cue), NOTE blocks, "ASCII whitespace" (space, tab, LF, FF, CR) around timings.
//
// As the specification's parser does, a cue whose timings cannot be collected is dropped and the
// others kept; only an invalid signature refuses the file. Unlike the specification (which keeps
// it), a cue that ends before it starts, or when it starts, is dropped too: it would never show.
// Every dropped cue and every block of text that is not a cue is a warning naming file:line.
//
// Cue settings give a cue's place the way SRT's {\anN} does, and are kept inside the platform's
// safe zone like it: `line` picks the row (a line number from the top, 0 or more, is the top; a
// negative one, counted from the bottom, the bottom; a percentage is the top, middle or bottom
// third its anchor falls in) and `align` the column (start/left, center/middle, end/right).
// position, size, vertical and region are accepted and not applied, as are style sheets and
// regions: exact placement is shortpack's job (the safe zone), not the file's.
#include <algorithm>
#include <charconv>
#include <optional>
#include <string>

#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

using captions::fail_at;

namespace {

// The specification's ASCII whitespace (CR and LF cannot occur inside a line here).
bool is_ascii_whitespace(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n'; }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

size_t skip_whitespace(std::string_view s, size_t pos) {
  while (pos < s.size() && is_ascii_whitespace(s[pos])) ++pos;
  return pos;
}

bool starts_with_keyword_then_whitespace_only(std::string_view s, std::string_view keyword) {
  if (s.substr(0, keyword.size()) != keyword) return false;
  const std::string_view rest = s.substr(keyword.size());
  return std::all_of(rest.begin(), rest.end(), is_ascii_whitespace);
}

// "Collect a WebVTT timestamp". Advances pos; nullopt with `why` on failure.
std::optional<int64_t> collect_timestamp(std::string_view s, size_t& pos, std::string& why) {
  const auto digits = [&](int64_t& value, size_t& count) {
    value = 0;
    count = 0;
    while (pos < s.size() && is_ascii_digit(s[pos])) {
      if (count < 12) value = value * 10 + (s[pos] - '0');
      ++count;
      ++pos;
    }
  };
  bool hours_first = false;
  if (pos >= s.size() || !is_ascii_digit(s[pos])) {
    why = "a timestamp must start with a digit";
    return std::nullopt;
  }
  int64_t v1 = 0, v2 = 0, v3 = 0, v4 = 0;
  size_t n = 0;
  digits(v1, n);
  if (n > 9) {
    why = "the hours have too many digits";
    return std::nullopt;
  }
  if (n != 2 || v1 > 59) hours_first = true;
  if (pos >= s.size() || s[pos] != ':') {
    why = "expected ':' after the first number";
    return std::nullopt;
  }
  ++pos;
  if (pos >= s.size() || !is_ascii_digit(s[pos])) {
    why = "expected two digits after ':'";
    return std::nullopt;
  }
  digits(v2, n);
  if (n != 2) {
    why = "minutes and seconds have exactly two digits";
    return std::nullopt;
  }
  if (hours_first || (pos < s.size() && s[pos] == ':')) {
    if (pos >= s.size() || s[pos] != ':') {
      why =
          "expected ':' and the seconds (hours of more than two digits, or over 59, need minutes and "
          "seconds)";
      return std::nullopt;
    }
    ++pos;
    if (pos >= s.size() || !is_ascii_digit(s[pos])) {
      why = "expected two digits after ':'";
      return std::nullopt;
    }
    digits(v3, n);
    if (n != 2) {
      why = "minutes and seconds have exactly two digits";
      return std::nullopt;
    }
  } else {
    v3 = v2;
    v2 = v1;
    v1 = 0;
  }
  if (pos >= s.size() || s[pos] != '.') {
    why = "expected '.' and three digits of milliseconds";
    return std::nullopt;
  }
  ++pos;
  if (pos >= s.size() || !is_ascii_digit(s[pos])) {
    why = "expected three digits of milliseconds after '.'";
    return std::nullopt;
  }
  digits(v4, n);
  if (n != 3) {
    why = "the milliseconds have exactly three digits";
    return std::nullopt;
  }
  if (v2 > 59 || v3 > 59) {
    why = "minutes and seconds must be below 60";
    return std::nullopt;
  }
  return ((v1 * 60 + v2) * 60 + v3) * 1000 + v4;
}

struct Timings {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string_view settings;  // the rest of the line
};

// The numpad alignment (SRT's {\anN}: 7 8 9 top, 4 5 6 middle, 1 2 3 bottom) that a cue's
// `line` and `align` settings ask for; 0 when they ask for nothing (the style's place). Settings
// that are not valid are ignored, as the specification's parser does.
int alignment_of_settings(std::string_view settings) {
  int row = 0;     // 0 none, 1 bottom, 2 middle, 3 top
  int column = 0;  // 0 none, 1 left, 2 centre, 3 right
  size_t pos = 0;
  while (pos < settings.size()) {
    pos = skip_whitespace(settings, pos);
    size_t end = pos;
    while (end < settings.size() && !is_ascii_whitespace(settings[end])) ++end;
    const std::string_view setting = settings.substr(pos, end - pos);
    pos = end;
    const size_t colon = setting.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == setting.size()) continue;
    const std::string_view name = setting.substr(0, colon);
    std::string_view value = setting.substr(colon + 1);
    if (name == "align") {
      if (value == "start" || value == "left") column = 1;
      if (value == "center" || value == "middle") column = 2;
      if (value == "end" || value == "right") column = 3;
    } else if (name == "line") {
      value = value.substr(0, value.find(','));  // the line alignment after ',' does not change the third
      const bool percent = !value.empty() && value.back() == '%';
      if (percent) value.remove_suffix(1);
      const bool negative = !value.empty() && value.front() == '-';
      if (value.empty() || !std::all_of(value.begin() + (negative ? 1 : 0), value.end(),
                                        [](char c) { return is_ascii_digit(c) || c == '.'; })) {
        continue;
      }
      if (!percent) {  // a line number: whole
        if (value.find('.') == std::string_view::npos) row = negative ? 1 : 3;
        continue;
      }
      if (negative) continue;  // a percentage is 0..100
      double p = 0.0;
      const auto [end_of_number, ec] = std::from_chars(value.data(), value.data() + value.size(), p);
      if (ec != std::errc() || end_of_number != value.data() + value.size() || p > 100.0) continue;
      row = p < 100.0 / 3.0 ? 3 : p <= 200.0 / 3.0 ? 2 : 1;
    }
  }
  if (row == 0 && column == 0) return 0;
  return (row == 0 ? 0 : (row - 1) * 3) + (column == 0 ? 2 : column);
}

// "Collect WebVTT cue timings and settings".
std::optional<Timings> collect_timings(std::string_view line, std::string& why) {
  size_t pos = skip_whitespace(line, 0);
  Timings t;
  const auto start = collect_timestamp(line, pos, why);
  if (!start) {
    why = "bad start time: " + why;
    return std::nullopt;
  }
  pos = skip_whitespace(line, pos);
  if (line.substr(pos, 3) != "-->") {
    why = "expected '-->' after the start time";
    return std::nullopt;
  }
  pos = skip_whitespace(line, pos + 3);
  const auto end = collect_timestamp(line, pos, why);
  if (!end) {
    why = "bad end time: " + why;
    return std::nullopt;
  }
  t.start_ms = *start;
  t.end_ms = *end;
  t.settings = line.substr(pos);
  return t;
}

enum class BlockKind { kNone, kCue, kStyle, kRegion };

struct Block {
  BlockKind kind = BlockKind::kNone;
  Cue cue;
  std::vector<std::string> text;  // the buffer's lines
  int first_line = 0;             // 1-based
  bool timing_failed = false;
  std::string why;
  int timing_line = 0;
};

class VttParser {
 public:
  VttParser(const std::vector<std::string_view>& lines, const std::filesystem::path& source,
            const SubtitleLimits& limits, SubtitleTrack& track)
      : lines_(lines), source_(source), limits_(limits), track_(track) {}

  void run() {
    const size_t n = lines_.size();
    // Signature: "WEBVTT" alone, or followed by a space or a tab (the rest of the line is free).
    const bool signature = n > 0 && (lines_[0] == "WEBVTT" || lines_[0].substr(0, 7) == "WEBVTT " ||
                                     lines_[0].substr(0, 7) == "WEBVTT\t");
    if (!signature) {
      fail_at(source_, 1,
              "a WebVTT file must start with the line 'WEBVTT' (is it an SRT file named .vtt? "
              "'WEBVTT' may be followed by a space or a tab and free text, nothing else)");
    }
    pos_ = 1;
    if (pos_ >= n) return;
    if (!lines_[pos_].empty()) (void)collect_block(true);  // the header
    skip_blank_lines();
    while (pos_ < n) {
      Block block = collect_block(false);
      take(std::move(block));
      skip_blank_lines();
    }
  }

 private:
  void warn(int line, const std::string& what) {
    track_.warnings.push_back(source_.string() + ":" + std::to_string(line) + ": " + what);
  }

  void skip_blank_lines() {
    while (pos_ < lines_.size() && lines_[pos_].empty()) ++pos_;
  }

  // "Collect a WebVTT block".
  Block collect_block(bool in_header) {
    Block block;
    block.first_line = static_cast<int>(pos_ + 1);
    size_t line_count = 0;
    size_t previous = pos_;
    bool seen_arrow = false;
    std::string buffer;
    std::optional<Cue> cue;
    while (pos_ < lines_.size()) {
      const std::string_view line = lines_[pos_];
      const int line_no = static_cast<int>(pos_ + 1);
      ++line_count;
      ++pos_;
      if (line.find("-->") != std::string_view::npos) {
        if (!in_header && (line_count == 1 || (line_count == 2 && !seen_arrow))) {
          seen_arrow = true;
          previous = pos_;
          std::string why;
          block.timing_line = line_no;
          if (const auto t = collect_timings(line, why)) {
            Cue c;
            c.id = buffer;
            c.start_ms = t->start_ms;
            c.end_ms = t->end_ms;
            c.alignment = alignment_of_settings(t->settings);
            c.line = line_no;
            cue = std::move(c);
            buffer.clear();
            seen_cue_ = true;
          } else {
            cue.reset();
            block.timing_failed = true;
            block.why = why;
          }
        } else {
          pos_ = previous;
          break;
        }
      } else if (line.empty()) {
        break;
      } else {
        if (!in_header && line_count == 2) {
          if (!seen_cue_ && starts_with_keyword_then_whitespace_only(buffer, "STYLE")) {
            block.kind = BlockKind::kStyle;
            buffer.clear();
          } else if (!seen_cue_ && starts_with_keyword_then_whitespace_only(buffer, "REGION")) {
            block.kind = BlockKind::kRegion;
            buffer.clear();
          }
        }
        if (!buffer.empty()) buffer += '\n';
        buffer += line;
        previous = pos_;
      }
    }
    if (cue) {
      block.kind = BlockKind::kCue;
      block.cue = std::move(*cue);
    }
    // The cue text (or the text of a block that is not a cue), line by line.
    size_t start = 0;
    while (start <= buffer.size() && !buffer.empty()) {
      const size_t end = std::min(buffer.find('\n', start), buffer.size());
      block.text.emplace_back(buffer.substr(start, end - start));
      start = end + 1;
    }
    return block;
  }

  void take(Block block) {
    if (block.kind == BlockKind::kStyle || block.kind == BlockKind::kRegion) return;
    const auto is_note = [](std::string_view first) {
      return first == "NOTE" || first.substr(0, 5) == "NOTE " || first.substr(0, 5) == "NOTE\t";
    };
    if (block.kind == BlockKind::kNone) {
      const std::string_view first =
          block.text.empty() ? std::string_view{} : std::string_view(block.text[0]);
      if (is_note(first)) return;
      if (block.timing_failed) {
        warn(block.timing_line, "the cue is dropped: " + block.why +
                                    " (write the timing line as HH:MM:SS.mmm --> HH:MM:SS.mmm or "
                                    "MM:SS.mmm --> MM:SS.mmm, e.g. 01:02.500 --> 01:04.000)");
        return;
      }
      if (block.text.empty()) return;
      // Before the first cue, text that looks like a style sheet cut by a blank line or an old
      // header setting ("Region: id=...", "X-TIMESTAMP-MAP=...") is quietly ignored.
      if (!seen_cue_ && first.find_first_of(":={}") != std::string_view::npos) return;
      warn(block.first_line, "the text '" + std::string(captions::trim(first).substr(0, 60)) +
                                 "' is not in a cue and is skipped (a cue needs a timing line such as "
                                 "'00:01.000 --> 00:02.500' on its first or second line)");
      return;
    }
    Cue& cue = block.cue;
    if (cue.end_ms <= cue.start_ms) {
      warn(cue.line, "the cue is dropped: it ends (" + captions::format_vtt_time(cue.end_ms) +
                         ") before or when it starts (" + captions::format_vtt_time(cue.start_ms) +
                         "); fix the timing line");
      return;
    }
    if (static_cast<int64_t>(track_.cues.size()) >= limits_.max_cues) {
      fail_at(source_, cue.line,
              "more than " + std::to_string(limits_.max_cues) +
                  " cues (split the file, or raise it with --limit subtitle_cues=N)",
              ErrorKind::kLimit);
    }
    for (std::string& l : block.text) {
      while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.pop_back();
    }
    captions::ConvertedText converted = captions::convert_markup(block.text, captions::MarkupDialect::kVtt);
    cue.text = std::move(converted.ass);
    cue.plain = std::move(converted.plain);
    cue.words = words_of(cue, converted.timestamps);
    track_.cues.push_back(std::move(cue));
  }

  // The cue's text cut at its inline timestamps: each piece is a word timed from its timestamp
  // (the first from the cue's start) to the next one (the last to the cue's end). As the
  // specification requires, a timestamp must be after the one before and before the cue's end;
  // one that is not is ignored with a warning.
  std::vector<CueWord> words_of(const Cue& cue, const std::vector<std::pair<size_t, std::string>>& stamps) {
    std::vector<CueWord> words;
    if (stamps.empty()) return words;
    std::vector<std::pair<size_t, int64_t>> cuts{{0, cue.start_ms}};
    for (const auto& [offset, body] : stamps) {
      std::string why;
      size_t pos = 0;
      std::optional<int64_t> t = collect_timestamp(body, pos, why);
      if (t && pos != body.size()) why = "unexpected text after the time";
      if (t && why.empty() && (*t <= cuts.back().second || *t >= cue.end_ms)) {
        why = "it is not inside the cue (" + captions::format_vtt_time(cue.start_ms) + " --> " +
              captions::format_vtt_time(cue.end_ms) + ") or not after the timestamp before it";
      }
      if (!t || !why.empty()) {
        warn(cue.line, "the inline timestamp <" + body.substr(0, 40) + "> is ignored: " + why);
        continue;
      }
      if (offset == cuts.back().first) {
        cuts.back().second = *t;  // nothing before it: it times the same word
      } else {
        cuts.emplace_back(offset, *t);
      }
    }
    if (cuts.size() == 1 && cuts[0].second == cue.start_ms) return words;
    for (size_t i = 0; i < cuts.size(); ++i) {
      const size_t end = i + 1 < cuts.size() ? cuts[i + 1].first : cue.plain.size();
      const int64_t end_ms = i + 1 < cuts.size() ? cuts[i + 1].second : cue.end_ms;
      if (end > cuts[i].first)
        words.push_back({cue.plain.substr(cuts[i].first, end - cuts[i].first), cuts[i].second, end_ms});
    }
    return words;
  }

  const std::vector<std::string_view>& lines_;
  const std::filesystem::path& source_;
  const SubtitleLimits& limits_;
  SubtitleTrack& track_;
  size_t pos_ = 0;
  bool seen_cue_ = false;
};

}  // namespace

namespace {

// The text with every NUL replaced by U+FFFD, as the specification's parser does (its first
// step), with a warning for each line that had one.
std::string without_nul(const std::string& text, const std::filesystem::path& source,
                        std::vector<std::string>& warnings) {
  if (text.find('\0') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size() + 16);
  int line = 1;
  int warned_line = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' || (c == '\r' && (i + 1 == text.size() || text[i + 1] != '\n'))) ++line;
    if (c != '\0') {
      out += c;
      continue;
    }
    out += "\xEF\xBF\xBD";
    if (warned_line != line) {
      warnings.push_back(source.string() + ":" + std::to_string(line) +
                         ": a NUL character is replaced by U+FFFD, as the WebVTT specification says");
      warned_line = line;
    }
  }
  return out;
}

}  // namespace

SubtitleTrack parse_vtt(const std::string& raw_text, const std::filesystem::path& source,
                        const SubtitleLimits& limits) {
  SubtitleTrack track;
  const std::string text = without_nul(raw_text, source, track.warnings);
  captions::validate_text(text, source, limits);
  const std::vector<std::string_view> lines = captions::split_lines(text);
  track.format = SubtitleFormat::kVtt;
  track.source = source;
  VttParser(lines, source, limits, track).run();
  std::stable_sort(track.cues.begin(), track.cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  return track;
}

}  // namespace shortpack

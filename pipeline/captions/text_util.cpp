#include "pipeline/captions/text_util.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace shortpack::captions {

void fail_at(const std::filesystem::path& source, int line, const std::string& problem, ErrorKind kind) {
  std::string where = source.string();
  if (line > 0) where += ":" + std::to_string(line);
  throw Error(kind, where + ": " + problem);
}

std::optional<char32_t> next_code_point(std::string_view text, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  int extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    extra = 1;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    extra = 2;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    extra = 3;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (pos + extra >= text.size()) return std::nullopt;
  for (int i = 1; i <= extra; ++i) {
    const unsigned char b = byte(pos + i);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  pos += extra + 1;
  return cp;
}

char32_t next_code_point_lenient(std::string_view text, size_t& pos) {
  const size_t at = pos;
  if (auto cp = next_code_point(text, pos)) return *cp;
  pos = at + 1;
  return 0xFFFD;
}

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    out.push_back(next_code_point_lenient(text, pos));
  }
  return out;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string code_point_name(char32_t cp) {
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "U+%04X", static_cast<unsigned>(cp));
  return buf.data();
}

void validate_text(std::string_view text, const std::filesystem::path& source, const SubtitleLimits& limits) {
  if (static_cast<int64_t>(text.size()) > limits.max_file_bytes) {
    fail_at(source, 0,
            "the subtitle file is " + std::to_string(text.size()) + " bytes, over the limit of " +
                std::to_string(limits.max_file_bytes) +
                " (split it, or raise it with --limit subtitle_bytes=N)",
            ErrorKind::kLimit);
  }
  if (text.size() >= 2 &&
      ((text[0] == '\xFF' && text[1] == '\xFE') || (text[0] == '\xFE' && text[1] == '\xFF'))) {
    fail_at(source, 1, "the file is UTF-16; subtitles must be UTF-8 (save the file as UTF-8)");
  }
  int line = 1;
  size_t line_start = 0;
  size_t pos = 0;
  const auto check_line_length = [&](size_t end) {
    if (static_cast<int64_t>(end - line_start) > limits.max_line_bytes) {
      fail_at(
          source, line,
          "the line is " + std::to_string(end - line_start) + " bytes long, over the limit of " +
              std::to_string(limits.max_line_bytes) +
              " (no caption can show it; split it, or raise the limit with --limit subtitle_line_bytes=N)",
          ErrorKind::kLimit);
    }
  };
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '\n') {
      check_line_length(pos);
      ++line;
      line_start = ++pos;
      continue;
    }
    if (c == '\r') {  // a CR-only file's lines end here too
      check_line_length(pos);
      line_start = ++pos;
      continue;
    }
    if (c == '\0') {
      fail_at(source, line,
              "NUL byte at column " + std::to_string(pos - line_start + 1) +
                  " (the file is binary or not UTF-8 text; save it as UTF-8)");
    }
    if (static_cast<unsigned char>(c) < 0x80) {
      ++pos;
      continue;
    }
    const size_t at = pos;
    if (!next_code_point(text, pos)) {
      std::array<char, 8> hex{};
      std::snprintf(hex.data(), hex.size(), "0x%02X", static_cast<unsigned char>(text[at]));
      fail_at(
          source, line,
          "invalid UTF-8 (byte " + std::string(hex.data()) + " at column " +
              std::to_string(at - line_start + 1) +
              "); save the file as UTF-8, or declare its encoding in the campaign with captions_encoding: "
              "NAME in the clip (e.g. captions_encoding: windows-1258)");
    }
  }
  check_line_length(text.size());
}

std::vector<std::string_view> split_lines(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<std::string_view> lines;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.push_back(text.substr(start));
  return lines;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool starts_with_word(std::string_view line, std::string_view word) {
  if (line.substr(0, word.size()) != word) return false;
  return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '\t';
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads 1..max_digits digits; returns count read (0 when none).
size_t read_digits(std::string_view s, size_t pos, size_t max_digits, int64_t& value) {
  size_t n = 0;
  value = 0;
  while (pos + n < s.size() && is_digit(s[pos + n]) && n < max_digits) {
    value = value * 10 + (s[pos + n] - '0');
    ++n;
  }
  return n;
}

}  // namespace

std::optional<int64_t> parse_clock(std::string_view s, bool require_hours, size_t& consumed, std::string& why,
                                   bool lenient) {
  size_t pos = 0;
  const auto skip_blanks = [&](size_t at) {
    while (at < s.size() && (s[at] == ' ' || s[at] == '\t')) ++at;
    return at;
  };
  pos = skip_blanks(pos);
  // Up to three colon-separated integer fields, then a fraction.
  std::array<int64_t, 3> fields{};
  std::array<size_t, 3> widths{};
  int count = 0;
  while (count < 3) {
    int64_t v = 0;
    const size_t n = read_digits(s, pos, 9, v);
    if (n == 0) {
      why = "a number is missing";
      return std::nullopt;
    }
    if (pos + n < s.size() && is_digit(s[pos + n])) {
      why = "a field has too many digits";
      return std::nullopt;
    }
    fields[count] = v;
    widths[count] = n;
    ++count;
    pos += n;
    const size_t colon = lenient ? skip_blanks(pos) : pos;
    if (colon < s.size() && s[colon] == ':' && count < 3) {
      pos = lenient ? skip_blanks(colon + 1) : colon + 1;
      continue;
    }
    break;
  }
  if (count < 2 || (require_hours && count < 3)) {
    why = require_hours ? "expected hours:minutes:seconds" : "expected [hours:]minutes:seconds";
    return std::nullopt;
  }
  int64_t hours = count == 3 ? fields[0] : 0;
  const int64_t minutes = fields[count - 2];
  const int64_t seconds = fields[count - 1];
  if (widths[count - 2] > 2 || widths[count - 1] > 2) {
    why = "minutes and seconds have at most two digits";
    return std::nullopt;
  }
  if (minutes >= 60 || seconds >= 60) {
    why = "minutes and seconds must be below 60";
    return std::nullopt;
  }
  int64_t millis = 0;
  const size_t separator = lenient ? skip_blanks(pos) : pos;
  if (separator < s.size() && (s[separator] == ',' || s[separator] == '.')) {
    pos = lenient ? skip_blanks(separator + 1) : separator + 1;
    int64_t frac = 0;
    const size_t n = read_digits(s, pos, 3, frac);
    if (n == 0) {
      why = "the fraction of a second is missing";
      return std::nullopt;
    }
    if (pos + n < s.size() && is_digit(s[pos + n])) {
      why = "the fraction of a second has more than three digits";
      return std::nullopt;
    }
    // SRT (lenient): the digits are a number of milliseconds, as ffmpeg (%3d), srt and pysrt read
    // them: ",46" is 46 ms. Elsewhere they are a fraction of a second (ASS's centiseconds).
    millis = lenient ? frac : n == 1 ? frac * 100 : n == 2 ? frac * 10 : frac;
    pos += n;
  } else if (!lenient) {
    why = "the fraction of a second is missing";
    return std::nullopt;
  }
  consumed = pos;
  return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
}

size_t find_srt_arrow(std::string_view line, size_t& length) {
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '-') continue;
    size_t j = i;
    int dashes = 0;
    while (j < line.size() && (line[j] == '-' || line[j] == ' ')) {
      if (line[j] == '-') ++dashes;
      ++j;
    }
    if (dashes >= 2 && j < line.size() && line[j] == '>') {
      length = j + 1 - i;
      return i;
    }
    i = j == i ? i : j - 1;
  }
  return std::string_view::npos;
}

namespace {

std::string format_time(int64_t ms, char separator) {
  if (ms < 0) ms = 0;
  const int64_t h = ms / 3600000;
  const int64_t m = (ms / 60000) % 60;
  const int64_t s = (ms / 1000) % 60;
  const int64_t f = ms % 1000;
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%02lld:%02lld:%02lld%c%03lld", static_cast<long long>(h),
                static_cast<long long>(m), static_cast<long long>(s), separator, static_cast<long long>(f));
  return buf.data();
}

}  // namespace

std::string format_srt_time(int64_t ms) { return format_time(ms, ','); }
std::string format_vtt_time(int64_t ms) { return format_time(ms, '.'); }

std::string format_ass_time(int64_t ms) {
  if (ms < 0) ms = 0;
  const int64_t cs = (ms + 5) / 10;
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%lld:%02lld:%02lld.%02lld", static_cast<long long>(cs / 360000),
                static_cast<long long>((cs / 6000) % 60), static_cast<long long>((cs / 100) % 60),
                static_cast<long long>(cs % 100));
  return buf.data();
}

namespace {

// Builds ASS text from literal characters and override tags. A literal backslash is followed by a
// WORD JOINER when what comes next would otherwise form an escape (\N \n \h \{ \}) with it.
class AssWriter {
 public:
  void literal(char32_t cp) {
    if (cp == '{' || cp == '}') {
      guard('\\');
      ass_ += '\\';
      ass_ += static_cast<char>(cp);
      backslash_pending_ = false;
      return;
    }
    guard(cp);
    if (cp == '\\') {
      ass_ += '\\';
      backslash_pending_ = true;
      return;
    }
    append_utf8(ass_, cp);
  }
  void tag(std::string_view override_text) {
    guard('{');
    ass_ += '{';
    ass_ += override_text;
    ass_ += '}';
  }
  void line_break() {
    guard('N');
    ass_ += "\\N";
  }
  std::string take() { return std::move(ass_); }

 private:
  void guard(char32_t next) {
    if (backslash_pending_ &&
        (next == 'N' || next == 'n' || next == 'h' || next == '{' || next == '}' || next == '\\')) {
      append_utf8(ass_, 0x2060);
    }
    backslash_pending_ = false;
  }
  std::string ass_;
  bool backslash_pending_ = false;
};

struct NamedColour {
  std::string_view name;
  uint32_t rgb;
};

constexpr std::array<NamedColour, 16> kNamedColours = {{
    {"white", 0xFFFFFF},
    {"black", 0x000000},
    {"red", 0xFF0000},
    {"lime", 0x00FF00},
    {"green", 0x008000},
    {"blue", 0x0000FF},
    {"yellow", 0xFFFF00},
    {"cyan", 0x00FFFF},
    {"aqua", 0x00FFFF},
    {"magenta", 0xFF00FF},
    {"fuchsia", 0xFF00FF},
    {"silver", 0xC0C0C0},
    {"gray", 0x808080},
    {"grey", 0x808080},
    {"orange", 0xFFA500},
    {"purple", 0x800080},
}};

std::optional<uint32_t> parse_html_colour(std::string_view v) {
  v = trim(v);
  if (!v.empty() && v.front() == '#') v.remove_prefix(1);
  if (v.size() == 6 &&
      std::all_of(v.begin(), v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    return static_cast<uint32_t>(std::stoul(std::string(v), nullptr, 16));
  }
  for (const auto& named : kNamedColours) {
    if (iequals(v, named.name)) return named.rgb;
  }
  return std::nullopt;
}

std::string colour_override(uint32_t rgb) {
  std::array<char, 24> buf{};
  std::snprintf(buf.data(), buf.size(), "\\c&H%02X%02X%02X&", rgb & 0xFF, (rgb >> 8) & 0xFF,
                (rgb >> 16) & 0xFF);
  return buf.data();
}

// The value of attribute `name` in an HTML-ish tag body (quoted or not).
std::optional<std::string_view> attribute(std::string_view body, std::string_view name) {
  size_t pos = 0;
  while (pos < body.size()) {
    size_t found = std::string_view::npos;
    for (size_t i = pos; i + name.size() <= body.size(); ++i) {
      if (iequals(body.substr(i, name.size()), name) &&
          (i == 0 || body[i - 1] == ' ' || body[i - 1] == '\t')) {
        found = i;
        break;
      }
    }
    if (found == std::string_view::npos) return std::nullopt;
    size_t p = found + name.size();
    while (p < body.size() && body[p] == ' ') ++p;
    if (p >= body.size() || body[p] != '=') {
      pos = found + 1;
      continue;
    }
    ++p;
    while (p < body.size() && body[p] == ' ') ++p;
    if (p < body.size() && (body[p] == '"' || body[p] == '\'')) {
      const char q = body[p];
      const size_t end = body.find(q, p + 1);
      return body.substr(p + 1, (end == std::string_view::npos ? body.size() : end) - p - 1);
    }
    size_t end = p;
    while (end < body.size() && body[end] != ' ' && body[end] != '\t') ++end;
    return body.substr(p, end - p);
  }
  return std::nullopt;
}

// WebVTT's default colour classes (the spec's ::cue(.lime) etc.).
std::optional<uint32_t> vtt_class_colour(std::string_view classes) {
  size_t pos = 0;
  while (pos < classes.size()) {
    size_t dot = classes.find('.', pos);
    if (dot == std::string_view::npos) dot = classes.size();
    const std::string_view cls = classes.substr(pos, dot - pos);
    for (const auto& named : kNamedColours) {
      if (iequals(cls, named.name)) return named.rgb;
    }
    pos = dot + 1;
  }
  return std::nullopt;
}

std::optional<char32_t> decode_entity(std::string_view name) {
  if (name == "amp") return U'&';
  if (name == "lt") return U'<';
  if (name == "gt") return U'>';
  if (name == "nbsp") return char32_t{0xA0};
  if (name == "quot") return U'"';
  if (name == "apos") return U'\'';
  if (name == "lrm") return char32_t{0x200E};
  if (name == "rlm") return char32_t{0x200F};
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string digits(name.substr(hex ? 2 : 1));
    if (digits.empty() || digits.size() > 6) return std::nullopt;
    for (char c : digits) {
      if (hex ? !std::isxdigit(static_cast<unsigned char>(c))
              : !std::isdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
    }
    const unsigned long v = std::stoul(digits, nullptr, hex ? 16 : 10);
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return std::nullopt;
    return static_cast<char32_t>(v);
  }
  return std::nullopt;
}

bool is_tag_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_digit(c); });
}

// "&H00FFFF&", "&HFFFF", "H00FF00&" -> "&HBBGGRR&" (alpha dropped); nullopt when malformed.
std::optional<std::string> ass_colour_argument(std::string_view arg) {
  if (!arg.empty() && arg.front() == '&') arg.remove_prefix(1);
  if (arg.empty() || (arg.front() != 'H' && arg.front() != 'h')) return std::nullopt;
  arg.remove_prefix(1);
  if (!arg.empty() && arg.back() == '&') arg.remove_suffix(1);
  if (arg.empty() || arg.size() > 8 || !std::all_of(arg.begin(), arg.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c));
      })) {
    return std::nullopt;
  }
  const unsigned long value = std::stoul(std::string(arg), nullptr, 16) & 0xFFFFFF;
  std::array<char, 16> buf{};
  std::snprintf(buf.data(), buf.size(), "&H%06lX&", value);
  return std::string(buf.data());
}

// "(192, 30)" -> the point; nullopt when malformed.
std::optional<std::pair<double, double>> pos_argument(std::string_view arg) {
  arg = trim(arg);
  if (arg.size() < 5 || arg.front() != '(' || arg.back() != ')') return std::nullopt;
  arg = arg.substr(1, arg.size() - 2);
  const size_t comma = arg.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  const auto number = [](std::string_view v) -> std::optional<double> {
    const std::string text(trim(v));
    if (text.empty() || text.size() > 24) return std::nullopt;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(d)) return std::nullopt;
    return d;
  };
  const auto x = number(arg.substr(0, comma));
  const auto y = number(arg.substr(comma + 1));
  if (!x || !y) return std::nullopt;
  return std::make_pair(*x, *y);
}

// The script size that ffmpeg, mpv and VLC give SRT text: where SRT \pos coordinates live.
constexpr double kSrtPlayResX = 384.0;
constexpr double kSrtPlayResY = 288.0;

// One SRT "{\...}" block (without the braces): the tags libass may apply to a caption are kept
// in the returned override text, placement goes to `out`, the rest is listed as ignored.
std::string srt_override_block(std::string_view block, ConvertedText& out) {
  // Tags split at backslashes outside parentheses (\t(\fs20) holds one inside).
  std::vector<std::string_view> tags;
  int depth = 0;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < block.size(); ++i) {
    const char c = block[i];
    if (c == '(') ++depth;
    if (c == ')' && depth > 0) --depth;
    if (c == '\\' && depth == 0) {
      if (start != std::string_view::npos) tags.push_back(block.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start != std::string_view::npos) tags.push_back(block.substr(start));

  std::string kept;
  for (std::string_view tag : tags) {
    tag = trim(tag);
    if (tag.empty()) continue;
    size_t n = 0;
    if (is_digit(tag[0])) n = 1;  // \1c
    while (n < tag.size() && is_alpha(tag[n])) ++n;
    const std::string_view name = tag.substr(0, n);
    const std::string_view arg = trim(tag.substr(n));
    bool applied = true;
    if (name == "an" && arg.size() == 1 && arg[0] >= '1' && arg[0] <= '9') {
      if (out.alignment == 0) out.alignment = arg[0] - '0';
    } else if (name == "a" && all_digits(arg) && arg.size() <= 2) {
      // SSA numbering: 1-3 bottom, 5-7 top, 9-11 middle (left, centre, right).
      static constexpr std::array<int, 12> kFromSsa = {0, 1, 2, 3, 0, 7, 8, 9, 0, 4, 5, 6};
      const int v = std::stoi(std::string(arg));
      if (v >= 1 && v <= 11 && kFromSsa[static_cast<size_t>(v)] != 0) {
        if (out.alignment == 0) out.alignment = kFromSsa[static_cast<size_t>(v)];
      } else {
        applied = false;
      }
    } else if (name == "pos") {
      if (const auto p = pos_argument(arg)) {
        if (!out.position) out.position = CuePosition{p->first / kSrtPlayResX, p->second / kSrtPlayResY};
      } else {
        applied = false;
      }
    } else if (name == "i" || name == "u" || name == "s") {
      if (arg.empty() || arg == "0" || arg == "1") {
        kept += "\\" + std::string(name) + std::string(arg);
      } else {
        applied = false;
      }
    } else if (name == "b") {
      if (arg.empty() || (all_digits(arg) && arg.size() <= 3)) {
        kept += "\\b" + std::string(arg);
      } else {
        applied = false;
      }
    } else if (name == "c" || name == "1c") {
      if (arg.empty()) {
        kept += "\\c";
      } else if (const auto colour = ass_colour_argument(arg)) {
        kept += "\\c" + *colour;
      } else {
        applied = false;
      }
    } else if (!name.empty() && name[0] == 'r') {  // \r or \rStyleName: no other tag starts with r
      kept += "\\r";  // back to the caption style (a style name is not ours to switch to)
    } else {
      applied = false;
    }
    if (!applied) out.ignored_tags.push_back("\\" + std::string(tag.substr(0, 24)));
  }
  return kept;
}

}  // namespace

namespace {

// Converts SRT or WebVTT cue text to ASS text and plain text, line by line: the open style
// tags (counted, so that nested opens close once) and the colour stack carry across lines.
class MarkupConverter {
 public:
  explicit MarkupConverter(MarkupDialect dialect) : dialect_(dialect) {}

  // Converts one line of the cue (a hard break before every line but the first).
  void convert_line(std::string_view line) {
    if (!first_line_) {
      ass_.line_break();
      plain_ += '\n';
    }
    first_line_ = false;
    size_t pos = 0;
    while (pos < line.size()) {
      if (srt_override(line, pos) || markup_tag(line, pos) || entity(line, pos)) continue;
      literal(line, pos);
    }
  }

  ConvertedText finish() {
    result_.ass = ass_.take();
    result_.plain = std::move(plain_);
    return std::move(result_);
  }

 private:
  std::optional<uint32_t> current_colour() const {
    for (auto it = colours_.rbegin(); it != colours_.rend(); ++it) {
      if (*it) return *it;
    }
    return std::nullopt;
  }

  void toggle(int& counter, bool open, const char* on, const char* off) {
    if (open) {
      if (counter++ == 0) ass_.tag(on);
    } else if (counter > 0 && --counter == 0) {
      ass_.tag(off);
    }
  }

  void push_colour(std::optional<uint32_t> rgb) {
    colours_.push_back(rgb);
    if (rgb) ass_.tag(colour_override(*rgb));
  }

  void pop_colour() {
    if (colours_.empty()) return;
    const bool had = colours_.back().has_value();
    colours_.pop_back();
    if (!had) return;
    if (auto previous = current_colour()) {
      ass_.tag(colour_override(*previous));
    } else {
      ass_.tag("\\c");  // back to the style's primary colour
    }
  }

  // An SRT "{\...}" override block at `pos`: its kept tags are written, `pos` moves past it.
  bool srt_override(std::string_view line, size_t& pos) {
    if (line[pos] != '{' || dialect_ != MarkupDialect::kSrt || pos + 1 >= line.size() ||
        line[pos + 1] != '\\')
      return false;
    const size_t close = line.find('}', pos + 1);
    if (close == std::string_view::npos) return false;
    const std::string kept = srt_override_block(line.substr(pos + 1, close - pos - 1), result_);
    if (!kept.empty()) ass_.tag(kept);
    pos = close + 1;
    return true;
  }

  // A "<...>" tag at `pos` that the dialect knows: applied, `pos` moves past it. An SRT "<"
  // that is not one of our tags is text.
  bool markup_tag(std::string_view line, size_t& pos) {
    if (line[pos] != '<') return false;
    const size_t close = line.find('>', pos + 1);
    if (close == std::string_view::npos) return false;
    std::string_view body = line.substr(pos + 1, close - pos - 1);
    const bool closing = !body.empty() && body.front() == '/';
    if (closing) body.remove_prefix(1);
    if (!apply_tag(body, closing)) return false;
    pos = close + 1;
    return true;
  }

  // Applies the tag `body` (without "<", "/" and ">"); false when it is not a tag.
  bool apply_tag(std::string_view body, bool closing) {
    size_t name_end = 0;
    while (name_end < body.size() && is_tag_name_char(body[name_end])) ++name_end;
    const std::string_view name = body.substr(0, name_end);
    const std::string_view rest = body.substr(name_end);
    if (iequals(name, "i")) {
      toggle(italic_, !closing, "\\i1", "\\i0");
    } else if (iequals(name, "b")) {
      toggle(bold_, !closing, "\\b1", "\\b0");
    } else if (iequals(name, "u")) {
      toggle(underline_, !closing, "\\u1", "\\u0");
    } else if (iequals(name, "s")) {
      toggle(strike_, !closing, "\\s1", "\\s0");
    } else if (dialect_ == MarkupDialect::kSrt && iequals(name, "font")) {
      if (closing) {
        pop_colour();
      } else {
        std::optional<uint32_t> rgb;
        if (auto value = attribute(rest, "color")) rgb = parse_html_colour(*value);
        push_colour(rgb);
      }
    } else if (dialect_ == MarkupDialect::kVtt && iequals(name, "c")) {
      if (closing) {
        pop_colour();
      } else {
        push_colour(
            vtt_class_colour(rest.empty() || rest.front() != '.' ? std::string_view{} : rest.substr(1)));
      }
    } else if (dialect_ == MarkupDialect::kVtt) {
      // <v Speaker>, <lang xx>, <ruby>, <rt> and unknown tags carry no style; timestamps
      // <00:01.000> time the words that follow.
      if (!closing && !body.empty() && is_digit(body.front()))
        result_.timestamps.emplace_back(plain_.size(), std::string(body));
    } else {
      return false;
    }
    return true;
  }

  // A WebVTT character reference ("&amp;") at `pos`: written as its character.
  bool entity(std::string_view line, size_t& pos) {
    if (line[pos] != '&' || dialect_ != MarkupDialect::kVtt) return false;
    const size_t semi = line.find(';', pos + 1);
    if (semi == std::string_view::npos || semi - pos > 10) return false;
    const auto cp = decode_entity(line.substr(pos + 1, semi - pos - 1));
    if (!cp) return false;
    ass_.literal(*cp);
    append_utf8(plain_, *cp);
    pos = semi + 1;
    return true;
  }

  // The character at `pos` as text (U+FFFD for a byte that is not UTF-8).
  void literal(std::string_view line, size_t& pos) {
    const char32_t cp = next_code_point_lenient(line, pos);
    ass_.literal(cp);
    append_utf8(plain_, cp);
  }

  MarkupDialect dialect_;
  ConvertedText result_;
  AssWriter ass_;
  std::string plain_;
  int italic_ = 0, bold_ = 0, underline_ = 0, strike_ = 0;
  // Colour stack: nullopt entries are tags that set no colour (so their close restores nothing).
  std::vector<std::optional<uint32_t>> colours_;
  bool first_line_ = true;
};

}  // namespace

ConvertedText convert_markup(const std::vector<std::string>& lines, MarkupDialect dialect) {
  MarkupConverter converter(dialect);
  for (const std::string& raw : lines) converter.convert_line(raw);
  return converter.finish();
}

std::string escape_ass_text(std::string_view plain) {
  AssWriter ass;
  size_t pos = 0;
  while (pos < plain.size()) {
    const char32_t cp = next_code_point_lenient(plain, pos);
    if (cp == '\n') {
      ass.line_break();
    } else if (cp != '\r') {
      ass.literal(cp);
    }
  }
  return ass.take();
}

std::string ass_plain_text(std::string_view text) {
  std::string plain;
  bool drawing = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    if (c == '{') {
      const size_t close = text.find('}', pos + 1);
      if (close != std::string_view::npos) {
        const std::string_view block = text.substr(pos + 1, close - pos - 1);
        // \p<scale> switches vector drawing on (scale > 0) or off (0) for the text that follows.
        for (size_t i = 0; i + 1 < block.size(); ++i) {
          if (block[i] == '\\' && block[i + 1] == 'p' && i + 2 < block.size() &&
              std::isdigit(static_cast<unsigned char>(block[i + 2]))) {
            drawing = block[i + 2] != '0';
          }
        }
        pos = close + 1;
        continue;
      }
    }
    if (c == '\\' && pos + 1 < text.size()) {
      const char n = text[pos + 1];
      if (n == 'N' || n == 'n' || n == 'h' || n == '{' || n == '}') {
        if (!drawing) plain += n == 'N' ? '\n' : n == 'n' || n == 'h' ? ' ' : n;
        pos += 2;
        continue;
      }
    }
    if (!drawing) plain += c;
    ++pos;
  }
  return plain;
}

std::string ass_colour(const std::string& css_colour, const std::string& what) {
  std::string_view v = css_colour;
  const auto bad = [&]() {
    throw Error(ErrorKind::kInput,
                what + " '" + css_colour + "' is not a colour of the form #RRGGBB or #RRGGBBAA");
  };
  if (v.empty() || v.front() != '#') bad();
  v.remove_prefix(1);
  if ((v.size() != 6 && v.size() != 8) ||
      !std::all_of(v.begin(), v.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
    bad();
  }
  const auto hex = [&](size_t i) {
    return static_cast<unsigned>(std::stoul(std::string(v.substr(i, 2)), nullptr, 16));
  };
  const unsigned r = hex(0), g = hex(2), b = hex(4);
  const unsigned opacity = v.size() == 8 ? hex(6) : 0xFF;
  std::array<char, 24> buf{};
  std::snprintf(buf.data(), buf.size(), "&H%02X%02X%02X%02X", 0xFF - opacity, b, g, r);
  return buf.data();
}

}  // namespace shortpack::captions

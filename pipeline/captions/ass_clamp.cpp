// Clamps ASS override tags, styles and drawings to what can change the picture (see ass_clamp.h).
// Only numbers beyond a bound are rewritten; every other byte of the script is kept as written.
#include "pipeline/captions/ass_clamp.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <optional>
#include <queue>

#include "pipeline/base/text.h"
#include "pipeline/captions/text_util.h"

namespace shortpack::captions {

namespace {

// A bound on one value: [lo, hi], and what a value that is not a number becomes.
struct Bound {
  double lo = 0;
  double hi = 0;
  double nan_value = 0;
};

enum class Quantity { kSize, kRelativeSize, kScale, kSpacing, kBorder, kShadow, kBlur, kBe, kShear };

struct Script {
  double width = 384;
  double height = 288;

  [[nodiscard]] Bound bound(Quantity q) const {
    switch (q) {
      case Quantity::kSize:
        return {-height / 2, height / 2, 0};
      case Quantity::kRelativeSize:
        return {-1e9, 10, 0};
      case Quantity::kScale:
        return {-400, 400, 100};
      case Quantity::kSpacing:
        return {-width, width, 0};
      case Quantity::kBorder:
        return {-height / 16, height / 16, 0};
      case Quantity::kShadow:
        return {-height / 4, height / 4, 0};
      case Quantity::kBlur:
        return {-height / 32, height / 32, 0};
      case Quantity::kBe:
        return {-20, 20, 0};
      case Quantity::kShear:
        return {-2, 2, 0};
    }
    return {};
  }
};

// "%g"-like text of a clamped value, at most 2 decimals.
std::string number_text(double v) {
  std::array<char, 48> buf{};
  std::snprintf(buf.data(), buf.size(), "%.2f", v);
  std::string s = buf.data();
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// Length of the number (sign, digits, fraction, exponent) at the start of `s`; 0 when none.
size_t number_length(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  const size_t digits_from = i;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) != 0 || s[i] == '.')) ++i;
  if (i == digits_from) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    const size_t exp_from = j;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])) != 0) ++j;
    if (j > exp_from) i = j;
  }
  return i;
}

// The value of a number's text (from_chars takes no leading '+'); nullopt when it is none.
std::optional<double> value_of(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (end == s.data()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    return s.front() == '-' ? -std::numeric_limits<double>::infinity()
                            : std::numeric_limits<double>::infinity();
  }
  return v;
}

// The clamped text of `text` under `b`, or nullopt when it is within it.
std::optional<std::string> clamped(std::string_view text, const Bound& b) {
  const std::optional<double> v = value_of(captions::trim(text));
  if (!v) return std::nullopt;
  if (std::isnan(*v)) return number_text(b.nan_value);
  if (*v > b.hi) return number_text(b.hi);
  if (*v < b.lo) return number_text(b.lo);
  return std::nullopt;
}

// Override tags with a numeric argument, longest names first (libass matches by prefix).
struct TagRule {
  std::string_view name;
  Quantity quantity;
};
constexpr std::array<TagRule, 14> kTagRules = {{
    {"fscx", Quantity::kScale},
    {"fscy", Quantity::kScale},
    {"fsp", Quantity::kSpacing},
    {"fs", Quantity::kSize},
    {"xbord", Quantity::kBorder},
    {"ybord", Quantity::kBorder},
    {"bord", Quantity::kBorder},
    {"xshad", Quantity::kShadow},
    {"yshad", Quantity::kShadow},
    {"shad", Quantity::kShadow},
    {"blur", Quantity::kBlur},
    {"be", Quantity::kBe},
    {"fax", Quantity::kShear},
    {"fay", Quantity::kShear},
}};

// The Style Format of a styles section without a Format line (libass's v4+ order).
const std::vector<std::string> kDefaultStyleFormat = {
    "name",       "fontname", "fontsize", "primarycolour", "secondarycolour", "outlinecolour",
    "backcolour", "bold",     "italic",   "underline",     "strikeout",       "scalex",
    "scaley",     "spacing",  "angle",    "borderstyle",   "outline",         "shadow",
    "alignment",  "marginl",  "marginr",  "marginv",       "encoding"};

// Style fields and what they are.
std::optional<Quantity> style_quantity(const std::string& field) {
  if (field == "fontsize") return Quantity::kSize;
  if (field == "scalex" || field == "scaley") return Quantity::kScale;
  if (field == "spacing") return Quantity::kSpacing;
  if (field == "outline") return Quantity::kBorder;
  if (field == "shadow") return Quantity::kShadow;
  return std::nullopt;
}

// What was clamped on one line, for its warning.
struct Clamps {
  std::vector<std::string> items;  // "\fs4000 to 360"
  size_t dropped_points = 0;

  void add(std::string what, std::string_view from, const std::string& to) {
    items.push_back(std::move(what) + std::string(captions::trim(from)) + " to " + to);
  }
  void warn(const std::filesystem::path& source, int line_no, const Script& script,
            std::vector<std::string>& warnings) const {
    if (items.empty() && dropped_points == 0) return;
    std::string list;
    constexpr size_t kShown = 6;
    for (size_t i = 0; i < items.size() && i < kShown; ++i) list += (i ? ", " : "") + items[i];
    if (items.size() > kShown) list += " and " + std::to_string(items.size() - kShown) + " more";
    std::string message = source.string() + ":" + std::to_string(line_no) + ": ";
    if (!items.empty()) {
      message += "values beyond what the " + number_text(script.width) + "x" + number_text(script.height) +
                 " script can show are clamped: " + list;
    }
    if (dropped_points > 0) {
      message += std::string(items.empty() ? "" : "; ") + "a drawing's points after the first " +
                 std::to_string(kMaxDrawingPoints) + " are dropped (" + std::to_string(dropped_points) +
                 " numbers)";
    }
    warnings.push_back(message + " (the rest is drawn)");
  }
};

// One override block's text (between '{' and '}') with its tags clamped; `drawing_scale` follows
// \pN.
std::string clamp_block(std::string_view block, const Script& script, int& drawing_scale, Clamps& clamps) {
  std::string out;
  size_t pos = 0;
  while (pos < block.size()) {
    if (block[pos] != '\\') {
      out += block[pos++];
      continue;
    }
    const std::string_view rest = block.substr(pos + 1);
    if (!rest.empty() && rest.front() == 'p' && rest.size() > 1 &&
        std::isdigit(static_cast<unsigned char>(rest[1]))) {
      drawing_scale = 0;
      for (size_t i = 1; i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i])) != 0; ++i)
        drawing_scale = std::min(64, drawing_scale * 10 + (rest[i] - '0'));
    }
    const TagRule* rule = nullptr;
    for (const TagRule& r : kTagRules) {
      if (rest.substr(0, r.name.size()) == r.name) {
        rule = &r;
        break;
      }
    }
    out += '\\';
    ++pos;
    if (!rule) continue;
    out += rule->name;
    pos += rule->name.size();
    const std::string_view arg = block.substr(pos);
    const size_t length = number_length(arg);
    if (length == 0) continue;
    const std::string_view text = arg.substr(0, length);
    const bool relative = rule->quantity == Quantity::kSize && (text.front() == '+' || text.front() == '-');
    const std::optional<std::string> to =
        clamped(text, script.bound(relative ? Quantity::kRelativeSize : rule->quantity));
    if (to) {
      clamps.add("\\" + std::string(rule->name), text, to->front() == '-' || !relative ? *to : "+" + *to);
      out += relative && to->front() != '-' ? "+" + *to : *to;
    } else {
      out += text;
    }
    pos += length;
  }
  return out;
}

// Drawing commands (text while \p is on) with each coordinate clamped and at most
// kMaxDrawingPoints points; `numbers` counts the coordinates of the event so far.
std::string clamp_drawing(std::string_view drawing, const Script& script, int drawing_scale, size_t& numbers,
                          Clamps& clamps) {
  const double limit = 2.0 * std::max(script.width, script.height) * std::ldexp(1.0, drawing_scale - 1);
  std::string out;
  size_t pos = 0;
  bool reported = false;
  while (pos < drawing.size()) {
    const size_t length = number_length(drawing.substr(pos));
    if (length == 0) {
      if (numbers < 2 * kMaxDrawingPoints) out += drawing[pos];
      ++pos;
      continue;
    }
    const std::string_view text = drawing.substr(pos, length);
    pos += length;
    if (++numbers > 2 * kMaxDrawingPoints) {
      ++clamps.dropped_points;
      continue;
    }
    const std::optional<std::string> to = clamped(text, {-limit, limit, 0});
    if (to && !reported) {
      clamps.add("drawing coordinate ", text, *to);
      reported = true;
    }
    out += to ? *to : std::string(text);
  }
  return out;
}

}  // namespace

AssClamp::AssClamp(const std::vector<std::string_view>& lines, std::filesystem::path source)
    : source_(std::move(source)) {
  double x = 0, y = 0;
  for (std::string_view line : lines) {
    const std::string_view t = captions::trim(line);
    const auto value = [&](std::string_view key) -> std::optional<double> {
      if (t.size() <= key.size() || !captions::iequals(t.substr(0, key.size()), key)) return std::nullopt;
      const std::optional<double> v = value_of(captions::trim(t.substr(key.size())));
      return v && std::isfinite(*v) ? std::optional<double>(std::floor(*v)) : std::nullopt;
    };
    if (auto v = value("PlayResX:")) x = *v;
    if (auto v = value("PlayResY:")) y = *v;
  }
  // libass's defaults for what is missing.
  if (x <= 0 && y <= 0) {
    x = 384;
    y = 288;
  } else if (y <= 0) {
    y = x == 1280 ? 1024 : std::max(1.0, std::floor(x * 3 / 4));
  } else if (x <= 0) {
    x = y == 1024 ? 1280 : std::max(1.0, std::floor(y * 4 / 3));
  }
  width_ = x;
  height_ = y;
}

std::string AssClamp::header_line(std::string_view line, int line_no, std::vector<std::string>& warnings) {
  const std::string_view t = captions::trim(line);
  if (!t.empty() && t.front() == '[' && t.back() == ']') {
    in_styles_ = captions::iequals(t, "[V4+ Styles]") || captions::iequals(t, "[V4 Styles]");
    style_format_.clear();
    return std::string(line);
  }
  if (!in_styles_) return std::string(line);
  if (captions::iequals(t.substr(0, 7), "Format:")) {
    style_format_.clear();
    for (std::string_view f : captions::split_ass_fields(t.substr(7), 1000))
      style_format_.push_back(ascii_lower(captions::trim(f)));
    return std::string(line);
  }
  if (!captions::iequals(t.substr(0, 6), "Style:")) return std::string(line);
  const std::vector<std::string> format = style_format_.empty() ? kDefaultStyleFormat : style_format_;
  // Rebuilt only when something is clamped, so that a normal line stays as written.
  size_t value_at = static_cast<size_t>(t.data() - line.data()) + 6;
  while (value_at < line.size() && (line[value_at] == ' ' || line[value_at] == '\t')) ++value_at;
  const std::vector<std::string_view> fields =
      captions::split_ass_fields(line.substr(value_at), format.size());
  const Script script{width_, height_};
  Clamps clamps;
  std::vector<std::string> values(fields.begin(), fields.end());
  for (size_t i = 0; i < values.size() && i < format.size(); ++i) {
    const std::optional<Quantity> q = style_quantity(format[i]);
    if (!q) continue;
    const std::optional<std::string> to = clamped(values[i], script.bound(*q));
    if (!to) continue;
    clamps.add(format[i] + " ", values[i], *to);
    values[i] = *to;
  }
  if (clamps.items.empty()) return std::string(line);
  clamps.warn(source_, line_no, script, warnings);
  std::string out(line.substr(0, value_at));
  for (size_t i = 0; i < values.size(); ++i) out += (i ? "," : "") + values[i];
  return out;
}

std::string AssClamp::event_text(std::string_view text, int line_no,
                                 std::vector<std::string>& warnings) const {
  const Script script{width_, height_};
  Clamps clamps;
  std::string out;
  int drawing_scale = 0;
  size_t numbers = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('{', pos);
    const size_t close = open == std::string_view::npos ? open : text.find('}', open);
    const size_t text_end = close == std::string_view::npos ? text.size() : open;
    const std::string_view plain = text.substr(pos, text_end - pos);
    out +=
        drawing_scale > 0 ? clamp_drawing(plain, script, drawing_scale, numbers, clamps) : std::string(plain);
    if (close == std::string_view::npos) break;
    out += '{' + clamp_block(text.substr(open + 1, close - open - 1), script, drawing_scale, clamps) + '}';
    pos = close + 1;
  }
  if (clamps.items.empty() && clamps.dropped_points == 0) return std::string(text);
  clamps.warn(source_, line_no, script, warnings);
  return out;
}

void limit_cues_on_screen(SubtitleTrack& track, size_t max_on_screen) {
  std::priority_queue<int64_t, std::vector<int64_t>, std::greater<>> ends;  // of the cues kept
  std::vector<Cue> kept;
  kept.reserve(track.cues.size());
  for (Cue& cue : track.cues) {
    if (cue.end_ms <= cue.start_ms) {
      kept.push_back(std::move(cue));
      continue;
    }
    while (!ends.empty() && ends.top() <= cue.start_ms) ends.pop();
    if (ends.size() >= max_on_screen) {
      track.warnings.push_back(track.source.string() + ":" + std::to_string(cue.line) + ": more than " +
                               std::to_string(max_on_screen) + " cues would be on screen at " +
                               captions::format_ass_time(cue.start_ms) + "; this one is not drawn");
      continue;
    }
    ends.push(cue.end_ms);
    kept.push_back(std::move(cue));
  }
  track.cues = std::move(kept);
}

}  // namespace shortpack::captions

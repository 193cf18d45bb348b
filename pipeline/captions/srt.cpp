// SubRip reader. Real files come from many tools: cue numbers missing, repeated, wrong or stray,
// '.' instead of ',', times without milliseconds or with spaces, "-- >" arrows, blank lines inside
// a cue's text, no blank line between cues, ASS override tags ({\an8}). The reader accepts all
// of those (as ffmpeg and Subtitle Edit do) and refuses only what it cannot time: a malformed
// timing line.
#include <algorithm>
#include <optional>
#include <string>

#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

using captions::fail_at;

namespace {

struct Timing {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

bool is_number(std::string_view s) {
  s = captions::trim(s);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "00:00:01,000 --> 00:00:02,500" with optional trailing coordinates ("X1:... Y2:..."), read as
// tolerantly as ffmpeg and Subtitle Edit do: "-- >", spaces inside the times, no milliseconds.
// nullopt for a negative time ("-1:58:00,300", what some shifting tools write): players skip
// that cue.
std::optional<Timing> parse_timing(std::string_view line, const std::filesystem::path& source, int line_no) {
  size_t arrow_length = 0;
  const size_t arrow = captions::find_srt_arrow(line, arrow_length);
  const auto negative = [](std::string_view part) {
    part = captions::trim(part);
    return !part.empty() && part.front() == '-';
  };
  if (negative(line.substr(0, arrow)) || negative(line.substr(arrow + arrow_length))) return std::nullopt;
  std::string why;
  size_t used = 0;
  const auto bad = [&](std::string_view part, const std::string& reason) {
    fail_at(source, line_no,
            "bad timestamp '" + std::string(captions::trim(part)) + "': " + reason +
                " (write it as HH:MM:SS,mmm, e.g. 00:01:02,500)");
  };
  const std::string_view left = line.substr(0, arrow);
  const auto start = captions::parse_clock(left, true, used, why, true);
  if (!start) bad(left, why);
  if (!captions::trim(left.substr(used)).empty()) bad(left, "unexpected text after the time");
  const std::string_view right = line.substr(arrow + arrow_length);
  const auto end = captions::parse_clock(right, true, used, why, true);
  if (!end) bad(right.substr(0, right.find_first_of(" \t", right.find_first_not_of(" \t"))), why);
  const std::string_view tail = right.substr(used);
  if (!tail.empty() && tail.front() != ' ' && tail.front() != '\t')
    bad(right, "unexpected text after the time");
  if (*end < *start) {
    fail_at(source, line_no,
            "the cue ends (" + captions::format_srt_time(*end) + ") before it starts (" +
                captions::format_srt_time(*start) + "); fix the timing line");
  }
  return Timing{*start, *end};
}

// A line that is a timing line but for its arrow ("00:00:05,000 -> 00:00:06,000", "=>", "–>"):
// refused here, naming this line, rather than read as text of the cue above.
void refuse_bad_arrow(std::string_view line, const std::filesystem::path& source, int line_no) {
  std::string why;
  size_t used = 0;
  const auto start = captions::parse_clock(line, true, used, why, true);
  if (!start) return;
  const size_t digit = line.find_first_of("0123456789", used);
  if (digit == std::string_view::npos) return;
  const std::string_view arrow = captions::trim(line.substr(used, digit - used));
  size_t end_used = 0;
  const auto end = captions::parse_clock(line.substr(digit), true, end_used, why, true);
  const bool arrow_like =
      arrow.find('>') != std::string_view::npos || arrow.find("\u2192") != std::string_view::npos;
  if (!end || !arrow_like || arrow.size() > 8) return;
  fail_at(source, line_no,
          "the timing line's arrow '" + std::string(arrow) + "' is not '-->' (write it as " +
              captions::format_srt_time(*start) + " --> " + captions::format_srt_time(*end) + ")");
}

struct RawCue {
  int line = 0;
  std::string id;
  Timing timing;
  std::vector<std::string> text;
};

// Whether line `i` exists and is a timing line ("... --> ...").
bool is_timing(const std::vector<std::string_view>& lines, size_t i) {
  size_t length = 0;
  return i < lines.size() && captions::find_srt_arrow(lines[i], length) != std::string_view::npos;
}

bool blank_or_end(const std::vector<std::string_view>& lines, size_t i) {
  return i >= lines.size() || captions::trim(lines[i]).empty();
}

// The cue's text lines from line `i` on: they run to a blank line, or to the next cue when the
// blank line is missing. Returns the index of the first line after them.
size_t read_cue_text(const std::vector<std::string_view>& lines, size_t i, RawCue& cue,
                     const std::filesystem::path& source) {
  while (i < lines.size() && !captions::trim(lines[i]).empty()) {
    if (is_timing(lines, i)) break;
    if (is_number(lines[i]) && is_timing(lines, i + 1)) break;
    refuse_bad_arrow(lines[i], source, static_cast<int>(i + 1));
    cue.text.emplace_back(lines[i]);
    ++i;
  }
  return i;
}

// The cues as written (timing, id and raw text lines), in file order; stray cue numbers are
// skipped with a warning.
std::vector<RawCue> read_raw_cues(const std::vector<std::string_view>& lines,
                                  const std::filesystem::path& source, const SubtitleLimits& limits,
                                  std::vector<std::string>& warnings) {
  const size_t n = lines.size();
  std::vector<RawCue> raw;
  size_t i = 0;
  while (i < n) {
    if (captions::trim(lines[i]).empty()) {
      ++i;
      continue;
    }
    RawCue cue;
    if (!is_timing(lines, i)) {
      refuse_bad_arrow(lines[i], source, static_cast<int>(i + 1));
      if (is_number(lines[i]) && blank_or_end(lines, i + 1)) {
        // A cue number alone between blank lines (a deleted cue, an editor's leftover): not text.
        warnings.push_back(source.string() + ":" + std::to_string(i + 1) + ": the stray cue number '" +
                           std::string(captions::trim(lines[i])) + "' (no timing line after it) is skipped");
        ++i;
        continue;
      }
      if (is_timing(lines, i + 1)) {
        cue.id = std::string(captions::trim(lines[i]));  // a cue number, right or wrong
        ++i;
      } else if (!raw.empty()) {
        // Text after a blank line inside a cue: it belongs to the cue above.
        raw.back().text.emplace_back(lines[i]);
        ++i;
        continue;
      } else {
        fail_at(source, static_cast<int>(i + 1),
                "expected a cue number or a timing line such as '00:00:01,000 --> 00:00:02,500', found '" +
                    std::string(captions::trim(lines[i]).substr(0, 60)) + "'");
      }
    }
    cue.line = static_cast<int>(i + 1);
    const std::optional<Timing> timing = parse_timing(lines[i], source, cue.line);
    i = read_cue_text(lines, i + 1, cue, source);
    if (!timing) {
      warnings.push_back(source.string() + ":" + std::to_string(cue.line) +
                         ": the cue has a negative time ('" +
                         std::string(captions::trim(lines[cue.line - 1])) +
                         "'); it is skipped, as players skip it, and the other cues are kept");
      continue;
    }
    cue.timing = *timing;
    if (static_cast<int64_t>(raw.size()) >= limits.max_cues) {
      fail_at(source, cue.line,
              "more than " + std::to_string(limits.max_cues) +
                  " cues (split the file, or raise it with --limit subtitle_cues=N)",
              ErrorKind::kLimit);
    }
    raw.push_back(std::move(cue));
  }
  return raw;
}

// A raw cue as a track cue: trailing blank lines and spaces dropped, markup converted to ASS;
// override tags that are not applied are listed in `warnings`.
Cue convert_cue(RawCue& r, const std::filesystem::path& source, std::vector<std::string>& warnings) {
  while (!r.text.empty() && captions::trim(r.text.back()).empty()) r.text.pop_back();
  for (std::string& l : r.text) {
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.pop_back();
  }
  captions::ConvertedText converted = captions::convert_markup(r.text, captions::MarkupDialect::kSrt);
  Cue cue;
  cue.start_ms = r.timing.start_ms;
  cue.end_ms = r.timing.end_ms;
  cue.text = std::move(converted.ass);
  cue.plain = std::move(converted.plain);
  cue.line = r.line;
  cue.id = std::move(r.id);
  cue.alignment = converted.alignment;
  cue.position = converted.position;
  if (!converted.ignored_tags.empty()) {
    std::string tags;
    for (const auto& t : converted.ignored_tags) tags += (tags.empty() ? "" : " ") + t;
    warnings.push_back(source.string() + ":" + std::to_string(r.line) + ": override tags not applied: " +
                       tags + " (captions keep the brand's font and size, and stay in the safe zone)");
  }
  return cue;
}

}  // namespace

SubtitleTrack parse_srt(const std::string& text, const std::filesystem::path& source,
                        const SubtitleLimits& limits) {
  captions::validate_text(text, source, limits);
  const std::vector<std::string_view> lines = captions::split_lines(text);
  std::vector<std::string> warnings;
  std::vector<RawCue> raw = read_raw_cues(lines, source, limits, warnings);

  SubtitleTrack track;
  track.format = SubtitleFormat::kSrt;
  track.source = source;
  track.warnings = std::move(warnings);
  track.cues.reserve(raw.size());
  for (RawCue& r : raw) track.cues.push_back(convert_cue(r, source, track.warnings));
  std::stable_sort(track.cues.begin(), track.cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  return track;
}

}  // namespace shortpack

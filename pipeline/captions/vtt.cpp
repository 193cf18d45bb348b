// WebVTT reader (https://www.w3.org/TR/webvtt1/): header, NOTE/STYLE/REGION blocks, cue ids,
// cue settings and inline tags. Cue settings (position, line, align) are accepted and ignored:
// placement is shortpack's job (the platform's safe zone), not the file's.
#include <algorithm>
#include <string>

#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

using captions::fail_at;

namespace {

void parse_timing(std::string_view line, const std::filesystem::path& source, int line_no, int64_t& start_ms,
                  int64_t& end_ms) {
  const size_t arrow = line.find("-->");
  std::string why;
  size_t used = 0;
  const auto bad = [&](std::string_view part, const std::string& reason) {
    fail_at(source, line_no,
            "bad timestamp '" + std::string(captions::trim(part)) + "': " + reason +
                " (write it as HH:MM:SS.mmm or MM:SS.mmm, e.g. 01:02.500)");
  };
  const std::string_view left = line.substr(0, arrow);
  const auto start = captions::parse_clock(left, false, used, why);
  if (!start) bad(left, why);
  if (!captions::trim(left.substr(used)).empty()) bad(left, "unexpected text after the time");
  const std::string_view right = line.substr(arrow + 3);
  const auto end = captions::parse_clock(right, false, used, why);
  if (!end) bad(right.substr(0, right.find_first_of(" \t", right.find_first_not_of(" \t"))), why);
  const std::string_view settings = right.substr(used);
  if (!settings.empty() && settings.front() != ' ' && settings.front() != '\t') {
    bad(right, "unexpected text after the time");
  }
  if (*end < *start) {
    fail_at(source, line_no,
            "the cue ends (" + captions::format_vtt_time(*end) + ") before it starts (" +
                captions::format_vtt_time(*start) + "); fix the timing line");
  }
  start_ms = *start;
  end_ms = *end;
}

}  // namespace

SubtitleTrack parse_vtt(const std::string& text, const std::filesystem::path& source,
                        const SubtitleLimits& limits) {
  captions::validate_text(text, source, limits);
  const std::vector<std::string_view> lines = captions::split_lines(text);
  const size_t n = lines.size();
  if (n == 0 || !(lines[0] == "WEBVTT" || captions::starts_with_word(lines[0], "WEBVTT"))) {
    fail_at(source, 1, "a WebVTT file must start with the line 'WEBVTT' (is it an SRT file named .vtt?)");
  }
  const auto blank = [&](size_t i) { return captions::trim(lines[i]).empty(); };
  const auto has_arrow = [&](size_t i) { return i < n && lines[i].find("-->") != std::string_view::npos; };

  SubtitleTrack track;
  track.format = SubtitleFormat::kVtt;
  track.source = source;

  size_t i = 1;
  while (i < n && !blank(i)) ++i;  // header lines
  while (i < n) {
    if (blank(i)) {
      ++i;
      continue;
    }
    const std::string_view first = lines[i];
    if (captions::starts_with_word(first, "NOTE") || captions::starts_with_word(first, "STYLE") ||
        captions::starts_with_word(first, "REGION")) {
      while (i < n && !blank(i)) ++i;
      continue;
    }
    Cue cue;
    if (!has_arrow(i)) {
      if (!has_arrow(i + 1)) {
        fail_at(source, static_cast<int>(i + 1),
                "expected a timing line such as '00:01.000 --> 00:02.500' after the cue id '" +
                    std::string(captions::trim(first).substr(0, 60)) + "'");
      }
      cue.id = std::string(captions::trim(first));
      ++i;
    }
    cue.line = static_cast<int>(i + 1);
    parse_timing(lines[i], source, cue.line, cue.start_ms, cue.end_ms);
    ++i;
    std::vector<std::string> text_lines;
    while (i < n && !blank(i) && !has_arrow(i)) {
      std::string l(lines[i]);
      while (!l.empty() && (l.back() == ' ' || l.back() == '\t')) l.pop_back();
      text_lines.push_back(std::move(l));
      ++i;
    }
    if (static_cast<int64_t>(track.cues.size()) >= limits.max_cues) {
      fail_at(source, cue.line,
              "more than " + std::to_string(limits.max_cues) +
                  " cues (split the file, or raise it with --limit subtitle_cues=N)",
              ErrorKind::kLimit);
    }
    captions::ConvertedText converted = captions::convert_markup(text_lines, captions::MarkupDialect::kVtt);
    cue.text = std::move(converted.ass);
    cue.plain = std::move(converted.plain);
    track.cues.push_back(std::move(cue));
  }
  std::stable_sort(track.cues.begin(), track.cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  return track;
}

}  // namespace shortpack

// ASS/SSA reader. The script's look (Script Info, styles, embedded fonts) is the author's and is
// kept verbatim; only the events are parsed, so that they can be retimed to the trim.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/base/text.h"
#include "pipeline/captions/ass_clamp.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

using captions::fail_at;

namespace captions {

std::vector<std::string_view> split_ass_fields(std::string_view value, size_t count) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (fields.size() + 1 < count) {
    const size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) break;
    fields.push_back(trim(value.substr(pos, comma - pos)));
    pos = comma + 1;
  }
  fields.push_back(value.substr(std::min(pos, value.size())));
  return fields;
}

}  // namespace captions

namespace {

int64_t parse_ass_time(std::string_view field, const std::filesystem::path& source, int line_no) {
  std::string why;
  size_t used = 0;
  const auto t = captions::parse_clock(field, true, used, why);
  if (!t || !captions::trim(field.substr(used)).empty()) {
    fail_at(source, line_no,
            "bad timestamp '" + std::string(captions::trim(field)) +
                "': " + (t ? std::string("unexpected text after the time") : why) +
                " (write it as H:MM:SS.cc, e.g. 0:01:02.50)");
  }
  return *t;
}

}  // namespace

namespace {

// The karaoke duration (centiseconds) set in one override block (\k \kf \K \ko; not \kt),
// the last one winning as in libass; nullopt when the block sets none.
std::optional<int64_t> karaoke_cs(std::string_view block) {
  std::optional<int64_t> cs;
  for (size_t i = 0; i + 1 < block.size(); ++i) {
    if (block[i] != '\\' || (block[i + 1] != 'k' && block[i + 1] != 'K')) continue;
    size_t j = i + 2;
    if (j < block.size() && (block[j] == 'f' || block[j] == 'o')) ++j;
    if (j >= block.size() || !std::isdigit(static_cast<unsigned char>(block[j]))) continue;
    int64_t v = 0;
    while (j < block.size() && std::isdigit(static_cast<unsigned char>(block[j])) && v < 100000000)
      v = v * 10 + (block[j++] - '0');
    cs = v;
  }
  return cs;
}

// The syllables of an event with karaoke tags, each from the end of the one before for its
// \k duration. Text before the first tag joins the first syllable; a syllable of no time (\k0,
// or past the event's end) joins the one after it (the last one: the one before).
std::vector<CueWord> karaoke_words(const Cue& cue) {
  std::vector<CueWord> words;
  std::string pending;  // ASS text not yet in a syllable
  int64_t at_ms = cue.start_ms;
  std::optional<int64_t> duration_ms;
  const auto flush = [&]() {
    const std::string plain = captions::ass_plain_text(pending);
    pending.clear();
    if (!duration_ms) return;  // before the first tag: kept in `pending` by the caller
    const int64_t end_ms = std::min(cue.end_ms, at_ms + *duration_ms);
    words.push_back({plain, at_ms, end_ms});
    at_ms = end_ms;
  };
  const std::string_view text = cue.text;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find('{', pos);
    const size_t close = open == std::string_view::npos ? open : text.find('}', open);
    if (close == std::string_view::npos) break;
    const std::optional<int64_t> cs = karaoke_cs(text.substr(open + 1, close - open - 1));
    if (cs) {
      pending.append(text.substr(pos, open - pos));
      if (duration_ms) flush();
      duration_ms = *cs * 10;
      pos = open;  // the block belongs to the syllable it starts
      pending.append(text.substr(pos, close + 1 - pos));
      pos = close + 1;
      continue;
    }
    pending.append(text.substr(pos, close + 1 - pos));
    pos = close + 1;
  }
  if (!duration_ms) return words;
  pending.append(text.substr(pos));
  flush();
  std::vector<CueWord> merged;
  std::string carry;
  for (CueWord& w : words) {
    w.text = carry + w.text;
    carry.clear();
    if (w.end_ms > w.start_ms) {
      merged.push_back(std::move(w));
    } else {
      carry = w.text;
      if (merged.empty()) continue;
    }
  }
  if (!carry.empty() && !merged.empty()) merged.back().text += carry;
  return merged;
}

}  // namespace

namespace {

// The lower-case field names of an [Events] Format line, which must name Start and End and end
// with Text.
std::vector<std::string> events_format(std::string_view value, const std::filesystem::path& source,
                                       int line_no) {
  std::vector<std::string> format;
  for (std::string_view f : captions::split_ass_fields(value, 1000))
    format.push_back(ascii_lower(captions::trim(f)));
  if (format.empty() || format.back() != "text") {
    fail_at(source, line_no, "the [Events] Format line must end with the Text field");
  }
  for (const char* needed : {"start", "end"}) {
    if (std::find(format.begin(), format.end(), needed) == format.end()) {
      fail_at(source, line_no, std::string("the [Events] Format line has no ") + needed + " field");
    }
  }
  return format;
}

// No Format line: the spec's default field order.
std::vector<std::string> default_events_format(bool ssa) {
  return ssa ? std::vector<std::string>{"marked",  "start",   "end",     "style",  "name",
                                        "marginl", "marginr", "marginv", "effect", "text"}
             : std::vector<std::string>{"layer",   "start",   "end",     "style",  "name",
                                        "marginl", "marginr", "marginv", "effect", "text"};
}

// Stores one Dialogue field (by its Format name) in the cue; unknown fields are ignored.
void set_event_field(Cue& cue, const std::string& name, std::string_view v,
                     const std::filesystem::path& source, int line_no) {
  if (name == "start") {
    cue.start_ms = parse_ass_time(v, source, line_no);
  } else if (name == "end") {
    cue.end_ms = parse_ass_time(v, source, line_no);
  } else if (name == "layer") {
    cue.ass_layer = std::string(v);
  } else if (name == "style") {
    cue.ass_style = std::string(v);
  } else if (name == "name" || name == "actor") {
    cue.ass_name = std::string(v);
  } else if (name == "marginl") {
    cue.ass_margin_l = std::string(v);
  } else if (name == "marginr") {
    cue.ass_margin_r = std::string(v);
  } else if (name == "marginv") {
    cue.ass_margin_v = std::string(v);
  } else if (name == "effect") {
    cue.ass_effect = std::string(v);
  } else if (name == "text") {
    cue.text = std::string(v);
  }
}

// One Dialogue line (the whole line, `format` its fields; `format_line` 0 when the format is the
// default) as a cue with its plain text and karaoke syllables.
Cue parse_dialogue(std::string_view line, const std::vector<std::string>& format, int format_line,
                   const std::filesystem::path& source, int line_no) {
  // The value starts after "Dialogue:"; keep the Text field exactly (leading spaces are text).
  std::string_view raw_value = line.substr(line.find(':') + 1);
  if (!raw_value.empty() && raw_value.front() == ' ') raw_value.remove_prefix(1);
  const std::vector<std::string_view> fields = captions::split_ass_fields(raw_value, format.size());
  if (fields.size() != format.size()) {
    fail_at(source, line_no,
            "the Dialogue line has " + std::to_string(fields.size()) + " fields, the Format line" +
                (format_line ? " (line " + std::to_string(format_line) + ")" : std::string()) + " names " +
                std::to_string(format.size()));
  }
  Cue cue;
  cue.line = line_no;
  cue.ass_margin_l = cue.ass_margin_r = cue.ass_margin_v = "0";
  for (size_t f = 0; f < format.size(); ++f) set_event_field(cue, format[f], fields[f], source, line_no);
  if (cue.end_ms < cue.start_ms) {
    fail_at(source, line_no,
            "the event ends (" + captions::format_ass_time(cue.end_ms) + ") before it starts (" +
                captions::format_ass_time(cue.start_ms) + "); fix its Start and End");
  }
  cue.plain = captions::ass_plain_text(cue.text);
  cue.words = karaoke_words(cue);
  return cue;
}

// What the reader knows so far of the script's sections and the [Events] Format.
struct AssReadState {
  bool in_events = false;
  bool seen_events = false;
  bool seen_script_info = false;
  bool ssa = false;
  std::vector<std::string> format;  // lower-case field names of [Events]
  int format_line = 0;
  std::string trailer;  // sections after [Events], kept after the header
};

// A line outside [Events]: a section header updates the state, the rest is kept verbatim in the
// header (or the trailer, after [Events]), its style values clamped (ass_clamp.h). Returns false
// when the line is in [Events].
bool read_header_line(std::string_view line, int line_no, AssReadState& state, captions::AssClamp& clamp,
                      SubtitleTrack& track) {
  const std::string_view t = captions::trim(line);
  if (!t.empty() && t.front() == '[' && t.back() == ']') {
    if (captions::iequals(t, "[Events]")) {
      state.in_events = true;
      state.seen_events = true;
      return true;
    }
    if (captions::iequals(t, "[Script Info]")) state.seen_script_info = true;
    if (captions::iequals(t, "[V4 Styles]")) state.ssa = true;
    state.in_events = false;
  }
  if (state.in_events) return false;
  std::string& out = state.seen_events ? state.trailer : track.ass_header;
  out.append(clamp.header_line(line, line_no, track.warnings));
  out += '\n';
  if (captions::iequals(t.substr(0, 11), "ScriptType:") &&
      captions::iequals(captions::trim(t.substr(11)), "v4.00")) {
    state.ssa = true;
  }
  return true;
}

}  // namespace

SubtitleTrack parse_ass(const std::string& text, const std::filesystem::path& source,
                        const SubtitleLimits& limits) {
  captions::validate_text(text, source, limits);
  const std::vector<std::string_view> lines = captions::split_lines(text);

  SubtitleTrack track;
  track.format = SubtitleFormat::kAss;
  track.source = source;

  AssReadState state;
  captions::AssClamp clamp(lines, source);
  for (size_t i = 0; i < lines.size(); ++i) {
    const int line_no = static_cast<int>(i + 1);
    const std::string_view line = lines[i];
    if (read_header_line(line, line_no, state, clamp, track)) continue;
    // [Events]
    const std::string_view t = captions::trim(line);
    if (t.empty() || t.front() == ';') continue;
    const size_t colon = t.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key = ascii_lower(captions::trim(t.substr(0, colon)));
    if (key == "format") {
      state.format = events_format(t.substr(colon + 1), source, line_no);
      state.format_line = line_no;
      continue;
    }
    if (key != "dialogue") continue;  // Comment:, Picture:, Sound:, Movie:, Command: are not shown
    if (state.format.empty()) state.format = default_events_format(state.ssa);
    Cue cue = parse_dialogue(line, state.format, state.format_line, source, line_no);
    cue.text = clamp.event_text(cue.text, line_no, track.warnings);
    if (static_cast<int64_t>(track.cues.size()) >= limits.max_cues) {
      fail_at(source, line_no,
              "more than " + std::to_string(limits.max_cues) +
                  " events (split the file, or raise it with --limit subtitle_cues=N)",
              ErrorKind::kLimit);
    }
    track.cues.push_back(std::move(cue));
  }
  if (!state.seen_events) {
    fail_at(source, 0,
            std::string("no [Events] section") +
                (state.seen_script_info ? "" : " (is it an ASS/SSA file? it has no [Script Info] either)"));
  }
  track.ass_header += state.trailer;
  std::stable_sort(track.cues.begin(), track.cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  return track;
}

}  // namespace shortpack

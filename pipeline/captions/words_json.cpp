// Word-timestamp files (*.words.json): the array of {text, startMs, endMs} that Remotion's
// @remotion/captions and WhisperX-style tools write, grouped into cues with Cue::words.
//
// nlohmann::json keeps no positions, so the entries' lines come from a scan of the text that
// finds where each top-level array element starts: errors name the entry's line.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/captions/subtitles.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

using captions::fail_at;

namespace {

constexpr int64_t kPauseMs = 1000;         // a longer pause between words starts a new cue
constexpr int64_t kMaxCueMs = 4000;        // a cue is not made longer than this
constexpr int64_t kMaxTimeMs = 360000000;  // 100 hours

// 1-based line of each element of the top-level array (the position of its first byte).
std::vector<int> element_lines(const std::string& text) {
  std::vector<int> lines;
  int line = 1, depth = 0;
  bool in_string = false, escaped = false, want_element = false;
  for (char c : text) {
    if (c == '\n') ++line;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
    if (depth == 1 && want_element && !space && c != ']') {
      lines.push_back(line);
      want_element = false;
    }
    if (c == '"') in_string = true;
    if (c == '[' || c == '{') {
      if (++depth == 1) want_element = true;
    } else if (c == ']' || c == '}') {
      --depth;
    } else if (c == ',' && depth == 1) {
      want_element = true;
    }
  }
  return lines;
}

int line_of_offset(const std::string& text, size_t offset) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + std::min(offset, text.size()), '\n'));
}

int64_t need_ms(const nlohmann::json& entry, const char* key, const std::filesystem::path& source, int line) {
  const auto it = entry.find(key);
  if (it == entry.end() || !it->is_number()) {
    fail_at(source, line,
            std::string("the word has no number '") + key +
                "' (each entry is {\"text\": \" word\", \"startMs\": 0, \"endMs\": 320})");
  }
  const double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > kMaxTimeMs) {
    fail_at(source, line, std::string("'") + key + "' is not a time in milliseconds from 0 to 100 hours");
  }
  return static_cast<int64_t>(std::llround(v));
}

CueWord read_word(const nlohmann::json& entry, const std::filesystem::path& source, int line) {
  if (!entry.is_object()) {
    fail_at(source, line,
            "an entry is not an object (each is {\"text\": \" word\", \"startMs\": 0, \"endMs\": 320})");
  }
  for (const auto& [key, unused] : entry.items()) {
    if (key != "text" && key != "startMs" && key != "endMs" && key != "timestampMs" && key != "confidence") {
      fail_at(source, line,
              "unknown key '" + key.substr(0, 40) +
                  "' (a word has text, startMs, endMs and optionally timestampMs and confidence)");
    }
  }
  const auto text = entry.find("text");
  if (text == entry.end() || !text->is_string()) {
    fail_at(source, line, "the word has no string 'text' (e.g. \"text\": \" Bảo\")");
  }
  CueWord word{text->get<std::string>(), need_ms(entry, "startMs", source, line),
               need_ms(entry, "endMs", source, line)};
  if (word.end_ms < word.start_ms) {
    fail_at(source, line,
            "the word ends (endMs " + std::to_string(word.end_ms) + ") before it starts (startMs " +
                std::to_string(word.start_ms) + "); fix its times");
  }
  return word;
}

bool ends_sentence(const std::string& text) {
  std::string_view t = captions::trim(text);
  for (std::string_view end : {".", "!", "?", "\u3002", "\uFF01", "\uFF1F", "\u17D4"}) {
    if (t.size() >= end.size() && t.substr(t.size() - end.size()) == end) return true;
  }
  return false;
}

void finish_cue(Cue& cue, SubtitleTrack& track, const SubtitleLimits& limits) {
  if (cue.words.empty()) return;
  // The first word's leading spaces are not shown.
  std::string& first = cue.words.front().text;
  first.erase(0, first.find_first_not_of(" \t"));
  cue.start_ms = cue.words.front().start_ms;
  cue.end_ms = cue.words.back().end_ms;
  for (const CueWord& w : cue.words) cue.plain += w.text;
  cue.text = captions::escape_ass_text(cue.plain);
  if (static_cast<int64_t>(track.cues.size()) >= limits.max_cues) {
    fail_at(track.source, cue.line,
            "more than " + std::to_string(limits.max_cues) +
                " cues (split the file, or raise it with --limit subtitle_cues=N)",
            ErrorKind::kLimit);
  }
  if (cue.end_ms > cue.start_ms && !captions::trim(cue.plain).empty()) track.cues.push_back(std::move(cue));
  cue = Cue{};
}

}  // namespace

SubtitleTrack parse_words_json(const std::string& text, const std::filesystem::path& source,
                               const SubtitleLimits& limits) {
  captions::validate_text(text, source, limits);
  SubtitleTrack track;
  track.format = SubtitleFormat::kWords;
  track.source = source;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    fail_at(source, line_of_offset(text, e.byte > 0 ? e.byte - 1 : 0),
            "not valid JSON (" + std::string(e.what()).substr(0, 160) + ")");
  } catch (const nlohmann::json::out_of_range& e) {
    // A number past double's range ("number overflow parsing '1e999'"): found by the fuzz target.
    const std::string what = e.what();
    const size_t quote = what.find("parsing '");
    const std::string number =
        quote == std::string::npos ? std::string() : what.substr(quote + 9, what.size() - quote - 10);
    const size_t at = number.empty() ? std::string::npos : text.find(number);
    fail_at(source, line_of_offset(text, at == std::string::npos ? 0 : at),
            "the number '" + number.substr(0, 40) + "' is too large (times are milliseconds)");
  }
  if (!doc.is_array()) {
    fail_at(source, 1, "a words file is a JSON array of {\"text\", \"startMs\", \"endMs\"} entries");
  }
  const std::vector<int> lines = element_lines(text);
  Cue cue;
  int64_t previous_start_ms = 0;
  for (size_t i = 0; i < doc.size(); ++i) {
    const int line = i < lines.size() ? lines[i] : 1;
    CueWord word = read_word(doc[i], source, line);
    if (word.start_ms < previous_start_ms) {
      fail_at(source, line,
              "the word '" + std::string(captions::trim(word.text)).substr(0, 40) +
                  "' starts before the word before it; the words must be in time order");
    }
    previous_start_ms = word.start_ms;
    if (!cue.words.empty()) {
      const CueWord& last = cue.words.back();
      word.start_ms = std::max(word.start_ms, last.end_ms);  // overlapping words: the later waits
      word.end_ms = std::max(word.end_ms, word.start_ms);
      if (word.start_ms - last.end_ms > kPauseMs || ends_sentence(last.text) ||
          word.end_ms - cue.words.front().start_ms > kMaxCueMs) {
        finish_cue(cue, track, limits);
      }
    }
    if (word.end_ms <= word.start_ms && word.text.find_first_not_of(" \t") == std::string::npos) continue;
    if (cue.words.empty()) cue.line = line;
    if (word.end_ms <= word.start_ms && !cue.words.empty()) {
      cue.words.back().text += word.text;  // a word of no time is shown with the one before
      continue;
    }
    cue.words.push_back(std::move(word));
  }
  finish_cue(cue, track, limits);
  return track;
}

}  // namespace shortpack

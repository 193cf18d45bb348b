// Internal helpers shared by the subtitle readers and the ASS script builder: UTF-8 decoding and
// validation, line splitting, timestamps, inline markup (SRT/WebVTT tags) turned into ASS text.
// Not a public interface of the captions room; the contracts are in subtitles.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/captions/subtitle_parts.h"

namespace shortpack::captions {

// "<file>:<line>: <problem>" as Error(kind).
[[noreturn]] void fail_at(const std::filesystem::path& source, int line, const std::string& problem,
                          ErrorKind kind = ErrorKind::kInput);

// Decodes the code point at text[pos] and advances pos. Returns nullopt on a malformed sequence
// (overlong, surrogate, above U+10FFFF, truncated); pos is then left unchanged.
std::optional<char32_t> next_code_point(std::string_view text, size_t& pos);
// The same for text already validated: a malformed byte is U+FFFD and pos moves past it.
char32_t next_code_point_lenient(std::string_view text, size_t& pos);
// Lenient decoding for text already validated: malformed bytes come out as U+FFFD.
std::u32string decode_utf8(std::string_view text);
void append_utf8(std::string& out, char32_t cp);
// "U+0041"
std::string code_point_name(char32_t cp);

// Checks a whole subtitle file before parsing: size, NUL bytes, UTF-16 BOMs, UTF-8 validity.
// Errors name the file, the line and (for bad bytes) the byte column.
void validate_text(std::string_view text, const std::filesystem::path& source, const SubtitleLimits& limits);

// Splits into lines after removing a UTF-8 BOM; accepts LF, CRLF and lone CR endings.
std::vector<std::string_view> split_lines(std::string_view text);

std::string_view trim(std::string_view s);
bool starts_with_word(std::string_view line, std::string_view word);  // word then end/space/tab
bool iequals(std::string_view a, std::string_view b);

// Parses a clock time "[H+:]MM:SS(.|,)f{1,3}" at the start of `s` (after optional spaces).
// `require_hours`: SRT and ASS always have hours. `lenient` (SRT, as ffmpeg and Subtitle Edit
// read it): spaces around ':' and ',' ("00: 00: 12,083"), the fraction may be missing
// ("00:01:39"), and its 1-3 digits are a number of milliseconds (",46" is 46 ms, as ffmpeg, srt
// and pysrt read it; elsewhere ".46" is 460 ms). On success returns the time and sets `consumed`; on failure
// returns nullopt with a human reason in `why`.
std::optional<int64_t> parse_clock(std::string_view s, bool require_hours, size_t& consumed, std::string& why,
                                   bool lenient = false);

// The SRT arrow between two times: "-->" and the variants common readers accept ("-- >",
// "--->", "- ->": two or more '-' with spaces between, then '>'). Returns its position and sets
// `length`, or npos.
size_t find_srt_arrow(std::string_view line, size_t& length);

// Timestamps for writers.
std::string format_srt_time(int64_t ms);  // 00:00:01,000
std::string format_vtt_time(int64_t ms);  // 00:00:01.000
std::string format_ass_time(int64_t ms);  // 0:00:01.00 (centiseconds, rounded)

enum class MarkupDialect { kSrt, kVtt };

struct ConvertedText {
  std::string ass;    // ASS-ready: overrides for tags, "\N" between lines, literal braces escaped
  std::string plain;  // no tags, entities decoded, lines joined by '\n'
  // SRT only, from ASS override blocks in the text ("{\an8}", "{\pos(192,30)}"); the first of
  // each wins, as in libass. Not part of `ass`: the script builder places the cue.
  int alignment = 0;  // numpad 1-9; 0: not given
  std::optional<CuePosition> position;
  // SRT override tags that are not applied (\fs, \move, \p, ...), as written ("\fs40").
  std::vector<std::string> ignored_tags;
  // WebVTT only: inline timestamp tags ("<00:01.200>"), each as (byte offset in `plain` where
  // the text it times begins, the tag's body as written). The caller parses the times.
  std::vector<std::pair<size_t, std::string>> timestamps;
};

// Converts the text lines of one SRT or WebVTT cue. SRT text may carry ASS override blocks
// "{\...}" as Aegisub, Subtitle Edit and YouTube write them: \i \b \u \s \c \1c \r are kept in
// `ass`, \an \a \pos go to `alignment` / `position`, other tags are dropped (`ignored_tags`).
// Braces that do not open an override block ("{x}") stay text.
ConvertedText convert_markup(const std::vector<std::string>& lines, MarkupDialect dialect);

// Escapes literal text so libass shows it as written (braces, backslashes, newlines -> \N).
std::string escape_ass_text(std::string_view plain);

// Plain text of an ASS Text field: override blocks and drawings removed, \N -> '\n', \h -> ' '.
std::string ass_plain_text(std::string_view ass_text);

// Splits an ASS "Format"/"Style"/"Dialogue" value into at most `count` comma-separated fields;
// the last field takes the rest of the line (commas included). Fields but the last are trimmed.
std::vector<std::string_view> split_ass_fields(std::string_view value, size_t count);

// "#RRGGBB" or "#RRGGBBAA" (AA: opacity, FF opaque) -> ASS "&HAABBGGRR" (AA: transparency).
// Throws Error(kInput) naming `what` when the colour is malformed.
std::string ass_colour(const std::string& css_colour, const std::string& what);

}  // namespace shortpack::captions

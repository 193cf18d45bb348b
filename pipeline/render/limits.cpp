#include "pipeline/render/limits.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <cmath>
#include <functional>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/text.h"

namespace shortpack {

namespace {

enum class Unit { kCount, kBytes, kSeconds };

struct Field {
  const char* name;
  Unit unit;
  const char* description;
  std::function<double&(Limits&)> real;      // for kSeconds
  std::function<int64_t&(Limits&)> integer;  // for kCount and kBytes
  double max = 9.0e18;
};

const std::vector<Field>& fields() {
  static const std::vector<Field> all{
      {"campaign_bytes", Unit::kBytes, "size of each campaign or brand file", nullptr,
       [](Limits& l) -> int64_t& { return l.campaign_bytes; }},
      {"clips", Unit::kCount, "clips in one campaign", nullptr,
       [](Limits& l) -> int64_t& { return l.clips; }},
      {"outputs", Unit::kCount, "outputs of one campaign (clips x variants x platforms x languages)", nullptr,
       [](Limits& l) -> int64_t& { return l.outputs; }},
      {"variants", Unit::kCount, "rows of the campaign's variants table", nullptr,
       [](Limits& l) -> int64_t& { return l.variants; }},
      {"subtitle_bytes", Unit::kBytes, "size of each subtitle file", nullptr,
       [](Limits& l) -> int64_t& { return l.subtitle_bytes; }},
      {"subtitle_cues", Unit::kCount, "cues (events) in each subtitle file", nullptr,
       [](Limits& l) -> int64_t& { return l.subtitle_cues; }},
      {"subtitle_line_bytes", Unit::kBytes, "length of each line of a subtitle file", nullptr,
       [](Limits& l) -> int64_t& { return l.subtitle_line_bytes; }},
      {"image_pixels", Unit::kCount, "width x height of the logo and of each still image", nullptr,
       [](Limits& l) -> int64_t& { return l.image_pixels; }},
      {"source_bytes", Unit::kBytes, "size of each media file (sources, bumpers, voice-overs, music)",
       nullptr, [](Limits& l) -> int64_t& { return l.source_bytes; }},
      {"source_duration_s", Unit::kSeconds, "duration of each media file",
       [](Limits& l) -> double& { return l.source_duration_s; }, nullptr},
      {"source_pixels", Unit::kCount, "width x height of each video source", nullptr,
       [](Limits& l) -> int64_t& { return l.source_pixels; }},
      {"frames_in_flight", Unit::kCount,
       "source frames decoded ahead in a clip's render graph (0: automatic)", nullptr,
       [](Limits& l) -> int64_t& { return l.frames_in_flight; }, 1024.0},
      {"encoder_memory", Unit::kBytes,
       "estimated memory of the x264 encoders a clip's render graph opens at once; more encoders than "
       "fit run in batches, each decoding the clip again (0: all at once)",
       nullptr, [](Limits& l) -> int64_t& { return l.encoder_memory; }},
      {"frame_spill", Unit::kBytes,
       "decoded pictures a clip rendered in batches keeps in the temporary folder ($TMPDIR) for its later "
       "passes, at most half the free space (0: each pass decodes again)",
       nullptr, [](Limits& l) -> int64_t& { return l.frame_spill; }},
      {"stall_s", Unit::kSeconds,
       "a clip whose decoding or encoding makes no progress for this long fails (0: never)",
       [](Limits& l) -> double& { return l.stall_s; }, nullptr},
      {"caption_frame_ms", Unit::kCount,
       "milliseconds (CPU) the captions of one frame may take to draw; over it that output fails (0: no "
       "limit)",
       nullptr, [](Limits& l) -> int64_t& { return l.caption_frame_ms; }},
      {"span_cache", Unit::kBytes,
       "size of the span cache in the output folder's .shortpack/spans/ (encoded spans kept for the next "
       "run; the least recently used go first; 0: no cache)",
       nullptr, [](Limits& l) -> int64_t& { return l.span_cache; }},
  };
  return all;
}

[[noreturn]] void bad_value(const Field& f, std::string_view value, const std::string& why) {
  std::string form;
  switch (f.unit) {
    case Unit::kCount:
      form = "a whole number, e.g. " + std::string(f.name) + "=5000";
      break;
    case Unit::kBytes:
      form = "a number of bytes, optionally with K, M, G or T (powers of 1024), e.g. " + std::string(f.name) +
             "=2G";
      break;
    case Unit::kSeconds:
      form = "a number of seconds, optionally with s, m or h, e.g. " + std::string(f.name) + "=90m";
      break;
  }
  throw Error(ErrorKind::kInput, "--limit " + std::string(f.name) + "=" + std::string(value) + ": " + why +
                                     " (write " + form + ")");
}

}  // namespace

std::vector<LimitInfo> describe_limits(const Limits& limits) {
  Limits copy = limits;
  std::vector<LimitInfo> out;
  for (const Field& f : fields()) {
    const std::string value = f.real ? number_text(f.real(copy)) : std::to_string(f.integer(copy));
    out.push_back({f.name, value, f.description});
  }
  return out;
}

void set_limit(Limits& limits, std::string_view assignment) {
  const size_t eq = assignment.find('=');
  const std::string_view name = assignment.substr(0, eq);
  const Field* field = nullptr;
  for (const Field& f : fields()) {
    if (name == f.name) field = &f;
  }
  if (eq == std::string_view::npos || field == nullptr) {
    std::string names;
    for (const Field& f : fields()) names += (names.empty() ? "" : ", ") + std::string(f.name);
    throw Error(ErrorKind::kInput,
                "--limit " + std::string(assignment) + ": " +
                    (eq == std::string_view::npos ? "expected NAME=VALUE"
                                                  : "unknown limit '" + std::string(name) + "'") +
                    " (known limits: " + names + ")");
  }
  std::string_view value = assignment.substr(eq + 1);
  double number = 0.0;
  const char* begin = value.data();
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(begin, end, number);
  if (ec != std::errc() || ptr == begin || !std::isfinite(number)) bad_value(*field, value, "not a number");
  if (number < 0) bad_value(*field, value, "a limit cannot be negative");
  const std::string_view suffix(ptr, static_cast<size_t>(end - ptr));
  double scale = 1.0;
  if (!suffix.empty()) {
    const char c = suffix.size() == 1 ? suffix[0] : '\0';
    if (field->unit == Unit::kBytes && (c == 'K' || c == 'M' || c == 'G' || c == 'T')) {
      scale = c == 'K'   ? 1024.0
              : c == 'M' ? 1024.0 * 1024
              : c == 'G' ? 1024.0 * 1024 * 1024
                         : 1024.0 * 1024 * 1024 * 1024;
    } else if (field->unit == Unit::kSeconds && (c == 's' || c == 'm' || c == 'h')) {
      scale = c == 's' ? 1.0 : c == 'm' ? 60.0 : 3600.0;
    } else {
      bad_value(*field, value, "unknown unit '" + std::string(suffix) + "'");
    }
  }
  const double scaled = number * scale;
  if (scaled > field->max) bad_value(*field, value, "at most " + number_text(field->max));
  if (field->real) {
    field->real(limits) = scaled;
    return;
  }
  if (scaled != std::floor(scaled)) bad_value(*field, value, "not a whole number");
  field->integer(limits) = static_cast<int64_t>(scaled);
}

CampaignLimits campaign_limits(const Limits& limits) {
  CampaignLimits c;
  c.max_file_bytes = limits.campaign_bytes;
  c.max_clips = static_cast<int>(std::min<int64_t>(limits.clips, INT32_MAX));
  c.max_outputs = limits.outputs;
  c.max_variants = static_cast<int>(std::min<int64_t>(limits.variants, INT32_MAX));
  return c;
}

SubtitleLimits subtitle_limits(const Limits& limits) {
  SubtitleLimits s;
  s.max_file_bytes = limits.subtitle_bytes;
  s.max_cues = limits.subtitle_cues;
  s.max_line_bytes = limits.subtitle_line_bytes;
  return s;
}

void check_source_limits(const MediaInfo& media, const Limits& limits, const std::string& where) {
  const std::string file = media.path.filename().string();
  auto over = [&](const std::string& what, const std::string& value, const std::string& limit,
                  const char* name) {
    throw Error(ErrorKind::kLimit, where + ": " + file + " " + what + " " + value + ", over the limit of " +
                                       limit + " (use a smaller source, or raise the limit with --limit " +
                                       name + "=N)");
  };
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(media.path, ec);
  if (!ec && static_cast<int64_t>(bytes) > limits.source_bytes) {
    over("is", std::to_string(bytes) + " bytes", std::to_string(limits.source_bytes) + " bytes",
         "source_bytes");
  }
  if (media.duration_s > limits.source_duration_s) {
    over("lasts", number_text(std::round(media.duration_s)) + " s",
         number_text(limits.source_duration_s) + " s", "source_duration_s");
  }
  const int64_t pixels = static_cast<int64_t>(media.width_px) * media.height_px;
  if (media.has_video && pixels > limits.source_pixels) {
    over("has pictures of",
         std::to_string(media.width_px) + "x" + std::to_string(media.height_px) + " pixels",
         std::to_string(limits.source_pixels) + " pixels", "source_pixels");
  }
}

}  // namespace shortpack

#include "pipeline/captions/subtitles.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

#include <spdlog/spdlog.h>

#include "pipeline/captions/text_util.h"

namespace shortpack {

SubtitleTrack read_subtitles(const std::filesystem::path& path, const SubtitleLimits& limits) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext != ".srt" && ext != ".vtt" && ext != ".ass" && ext != ".ssa") {
    throw Error(ErrorKind::kInput,
                path.string() + ": unknown subtitle format '" + ext + "' (use .srt, .vtt, .ass or .ssa)");
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    throw Error(ErrorKind::kInput, path.string() + ": cannot read the subtitle file (" + ec.message() + ")");
  if (static_cast<int64_t>(size) > limits.max_file_bytes) {
    throw Error(ErrorKind::kLimit, path.string() + ": the subtitle file is " + std::to_string(size) +
                                       " bytes, over the limit of " + std::to_string(limits.max_file_bytes) +
                                       " (split it, or raise it with --limit subtitle_bytes=N)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kInput, path.string() + ": cannot open the subtitle file");
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<size_t>(in.gcount()));
  SubtitleTrack track = ext == ".srt"   ? parse_srt(text, path, limits)
                        : ext == ".vtt" ? parse_vtt(text, path, limits)
                                        : parse_ass(text, path, limits);
  for (const std::string& warning : track.warnings) spdlog::warn("{}", warning);
  return track;
}

SubtitleTrack retime(const SubtitleTrack& track, int64_t start_ms, int64_t end_ms, int64_t offset_ms) {
  SubtitleTrack out;
  out.format = track.format;
  out.source = track.source;
  out.ass_header = track.ass_header;
  const int64_t shift = offset_ms - start_ms;
  for (const Cue& cue : track.cues) {
    if (cue.end_ms <= start_ms || cue.start_ms >= end_ms) continue;
    Cue c = cue;
    c.start_ms = std::max(cue.start_ms, start_ms) + shift;
    c.end_ms = std::min(cue.end_ms, end_ms) + shift;
    out.cues.push_back(std::move(c));
  }
  return out;
}

namespace {

// Plain text lines, blank lines dropped (a blank line would end a cue in both formats).
std::vector<std::string> sidecar_lines(const std::string& plain) {
  std::vector<std::string> lines;
  std::istringstream in(plain);
  std::string line;
  while (std::getline(in, line)) {
    if (!captions::trim(line).empty()) lines.push_back(line);
  }
  return lines;
}

std::string vtt_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string to_srt(const SubtitleTrack& track) {
  std::string out;
  int number = 0;
  for (const Cue& cue : track.cues) {
    const auto lines = sidecar_lines(cue.plain);
    if (lines.empty() || cue.end_ms <= cue.start_ms) continue;
    out += std::to_string(++number) + "\n";
    out += captions::format_srt_time(cue.start_ms) + " --> " + captions::format_srt_time(cue.end_ms) + "\n";
    for (const auto& l : lines) out += l + "\n";
    out += "\n";
  }
  return out;
}

std::string to_vtt(const SubtitleTrack& track) {
  std::string out = "WEBVTT\n\n";
  for (const Cue& cue : track.cues) {
    const auto lines = sidecar_lines(cue.plain);
    if (lines.empty() || cue.end_ms <= cue.start_ms) continue;
    out += captions::format_vtt_time(cue.start_ms) + " --> " + captions::format_vtt_time(cue.end_ms) + "\n";
    for (const auto& l : lines) out += vtt_escape(l) + "\n";
    out += "\n";
  }
  return out;
}

}  // namespace shortpack

#include "pipeline/captions/subtitles.h"

#include <iconv.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>

#include <spdlog/spdlog.h>

#include "pipeline/base/text.h"
#include "pipeline/captions/ass_clamp.h"
#include "pipeline/captions/text_util.h"

namespace shortpack {

bool is_words_json_path(const std::filesystem::path& path) {
  const std::string name = ascii_lower(path.filename().string());
  constexpr std::string_view kSuffix = ".words.json";
  return name.size() > kSuffix.size() &&
         name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

SubtitleTrack read_subtitles(const std::filesystem::path& path, const SubtitleLimits& limits,
                             const std::string& encoding,
                             const std::function<std::string(const std::string&)>& rewrite) {
  const std::string ext = ascii_lower(path.extension().string());
  const bool words = is_words_json_path(path);
  if (ext != ".srt" && ext != ".vtt" && ext != ".ass" && ext != ".ssa" && !words) {
    throw Error(ErrorKind::kInput, path.string() + ": unknown subtitle format '" + ext +
                                       "' (use .srt, .vtt, .ass, .ssa or .words.json)");
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
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.empty()) {
    throw Error(ErrorKind::kInput, path.string() +
                                       ": the subtitle file is empty (0 bytes); give the clip's captions, or "
                                       "write captions: {LANG: none} for a language that has none");
  }
  const std::string decoded = decode_subtitle_bytes(bytes, path, encoding);
  const std::string text = rewrite ? rewrite(decoded) : decoded;
  SubtitleTrack track = words           ? parse_words_json(text, path, limits)
                        : ext == ".srt" ? parse_srt(text, path, limits)
                        : ext == ".vtt" ? parse_vtt(text, path, limits)
                                        : parse_ass(text, path, limits);
  captions::limit_cues_on_screen(track);
  for (const std::string& warning : track.warnings) spdlog::warn("{}", warning);
  const bool shows_text = std::any_of(track.cues.begin(), track.cues.end(), [](const Cue& c) {
    return c.end_ms > c.start_ms && !captions::trim(c.plain).empty();
  });
  if (!shows_text) {
    throw Error(
        ErrorKind::kInput,
        path.string() + ": the subtitle file has no cue with text" +
            (track.warnings.empty() ? std::string() : " (every cue was dropped, see the warnings)") +
            "; give the clip's captions, or write captions: {LANG: none} for a language that has none");
  }
  return track;
}

namespace {

// Line and column (1-based, column in bytes of the original encoding) of byte `offset`.
std::string position_of(const std::string& bytes, size_t offset, size_t unit) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i + unit <= offset && i < bytes.size(); i += unit) {
    // A LF in the unit's low byte (UTF-16/32 LE) or high byte (BE) or alone (8-bit).
    bool lf = false;
    if (unit == 1) {
      lf = bytes[i] == '\n';
    } else {
      bool others_zero = true;
      int lf_at = -1;
      for (size_t k = 0; k < unit; ++k) {
        if (bytes[i + k] == '\n')
          lf_at = static_cast<int>(k);
        else if (bytes[i + k] != '\0')
          others_zero = false;
      }
      lf = lf_at >= 0 && others_zero;
    }
    if (lf) {
      ++line;
      line_start = i + unit;
    }
  }
  return std::to_string(line) + ":" + std::to_string((offset - line_start) / unit + 1);
}

[[noreturn]] void bad_bytes(const std::filesystem::path& source, const std::string& bytes, size_t offset,
                            size_t unit, const std::string& encoding) {
  std::array<char, 8> hex{};
  std::snprintf(hex.data(), hex.size(), "0x%02X", static_cast<unsigned char>(bytes[offset]));
  throw Error(ErrorKind::kInput, source.string() + ":" + position_of(bytes, offset, unit) + ": byte " +
                                     hex.data() + " is not " + encoding +
                                     " (is the file in another encoding? declare it with captions_encoding: "
                                     "NAME in the clip, e.g. captions_encoding: windows-1258)");
}

// UTF-16 / UTF-32 after a BOM, decoded here (no iconv needed, and every error has a position).
std::string decode_utf16_32(const std::string& bytes, const std::filesystem::path& source, size_t unit,
                            bool big_endian) {
  const std::string name = std::string(unit == 2 ? "UTF-16" : "UTF-32") + (big_endian ? "BE" : "LE");
  std::string out;
  out.reserve(bytes.size());
  const auto unit_at = [&](size_t i) {
    uint32_t v = 0;
    for (size_t k = 0; k < unit; ++k) {
      const auto b = static_cast<unsigned char>(bytes[i + (big_endian ? k : unit - 1 - k)]);
      v = (v << 8) | b;
    }
    return v;
  };
  size_t i = unit == 2 ? 2 : 4;  // after the BOM
  while (i < bytes.size()) {
    if (i + unit > bytes.size())
      bad_bytes(source, bytes, i, unit, name + " (the file ends inside a character)");
    uint32_t cp = unit_at(i);
    size_t used = unit;
    if (unit == 2 && cp >= 0xD800 && cp <= 0xDBFF) {
      if (i + 4 > bytes.size()) bad_bytes(source, bytes, i, unit, name + " (a lone surrogate)");
      const uint32_t low = unit_at(i + 2);
      if (low < 0xDC00 || low > 0xDFFF) bad_bytes(source, bytes, i, unit, name + " (a lone surrogate)");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      used = 4;
    } else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      bad_bytes(source, bytes, i, unit, name + " (not a character)");
    }
    captions::append_utf8(out, static_cast<char32_t>(cp));
    i += used;
  }
  return out;
}

struct IconvDeleter {
  void operator()(void* cd) const {
    if (cd != nullptr) iconv_close(static_cast<iconv_t>(cd));
  }
};
using IconvHandle = std::unique_ptr<void, IconvDeleter>;

IconvHandle open_iconv(const std::string& encoding) {
  iconv_t cd = iconv_open("UTF-8", encoding.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return nullptr;
  return IconvHandle(cd);
}

bool is_utf8_name(const std::string& encoding) {
  const std::string e = ascii_lower(encoding);
  return e.empty() || e == "utf-8" || e == "utf8";
}

}  // namespace

bool subtitle_encoding_known(const std::string& encoding) {
  return is_utf8_name(encoding) || open_iconv(encoding) != nullptr;
}

std::string decode_subtitle_bytes(const std::string& bytes, const std::filesystem::path& source,
                                  const std::string& encoding) {
  const auto starts = [&](std::string_view prefix) {
    return std::string_view(bytes).substr(0, prefix.size()) == prefix;
  };
  using namespace std::string_view_literals;
  if (starts("\xFF\xFE\0\0"sv)) return decode_utf16_32(bytes, source, 4, false);
  if (starts("\0\0\xFE\xFF"sv)) return decode_utf16_32(bytes, source, 4, true);
  if (starts("\xFF\xFE"sv)) return decode_utf16_32(bytes, source, 2, false);
  if (starts("\xFE\xFF"sv)) return decode_utf16_32(bytes, source, 2, true);
  if (starts("\xEF\xBB\xBF"sv) || is_utf8_name(encoding)) return bytes;  // checked by the parser
  IconvHandle cd = open_iconv(encoding);
  if (!cd) {
    throw Error(ErrorKind::kInput, source.string() + ": the encoding '" + encoding +
                                       "' is not known (use a name such as windows-1258, windows-1252, "
                                       "iso-8859-1, utf-16le; `iconv -l` lists them)");
  }
  const std::string upper = ascii_upper(encoding);
  std::string out(bytes.size() * 4 + 16, '\0');
  std::string in_copy = bytes;  // iconv's input is char*, not const char*
  char* in_ptr = in_copy.data();
  size_t in_left = in_copy.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    const size_t r = iconv(static_cast<iconv_t>(cd.get()), &in_ptr, &in_left, &out_ptr, &out_left);
    if (r != static_cast<size_t>(-1)) break;
    const size_t offset = static_cast<size_t>(in_ptr - in_copy.data());
    if (errno == E2BIG) {
      const size_t done = static_cast<size_t>(out_ptr - out.data());
      out.resize(out.size() * 2);
      out_ptr = out.data() + done;
      out_left = out.size() - done;
      continue;
    }
    bad_bytes(source, bytes, offset, 1, upper);  // EILSEQ, or EINVAL: the file ends inside a character
  }
  out.resize(static_cast<size_t>(out_ptr - out.data()));
  return out;
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
    // Words outside the range are cut off, but their text stays in the cue (as `plain` does):
    // it joins the first or last word that is kept.
    c.words.clear();
    std::string before;
    for (const CueWord& w : cue.words) {
      if (w.end_ms <= start_ms || w.start_ms >= end_ms) {
        if (c.words.empty()) {
          before += w.text;
        } else {
          c.words.back().text += w.text;
        }
        continue;
      }
      c.words.push_back(
          {before + w.text, std::max(w.start_ms, start_ms) + shift, std::min(w.end_ms, end_ms) + shift});
      before.clear();
    }
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

namespace {

// The cue's lines with an inline timestamp before each word but the first (blank lines dropped
// as sidecar_lines() does; a timestamp never starts a line it would leave otherwise empty).
std::string vtt_words(const Cue& cue) {
  std::string text;
  for (size_t i = 0; i < cue.words.size(); ++i) {
    // Spaces before a word go before its timestamp ("Hello <00:00:00.800>world").
    const std::string& word = cue.words[i].text;
    const size_t lead = std::min(word.find_first_not_of(" \t"), word.size());
    text += word.substr(0, lead);
    if (i > 0 && cue.words[i].start_ms > cue.start_ms && cue.words[i].start_ms < cue.end_ms)
      text += "<" + captions::format_vtt_time(cue.words[i].start_ms) + ">";
    text += vtt_escape(word.substr(lead));
  }
  std::string out;
  for (const std::string& line : sidecar_lines(text)) out += line + "\n";
  return out;
}

}  // namespace

std::string to_vtt(const SubtitleTrack& track) {
  std::string out = "WEBVTT\n\n";
  for (const Cue& cue : track.cues) {
    const auto lines = sidecar_lines(cue.plain);
    if (lines.empty() || cue.end_ms <= cue.start_ms) continue;
    out += captions::format_vtt_time(cue.start_ms) + " --> " + captions::format_vtt_time(cue.end_ms) + "\n";
    out += cue.words.size() > 1 ? vtt_words(cue) : [&] {
      std::string text;
      for (const auto& l : lines) text += vtt_escape(l) + "\n";
      return text;
    }();
    out += "\n";
  }
  return out;
}

}  // namespace shortpack

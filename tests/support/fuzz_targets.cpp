#include "support/fuzz_targets.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <optional>
#include <set>

#include "filters/core/error.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/media/image_reader.h"
#include "pipeline/media/video_source.h"
#include "pipeline/spec/campaign.h"
#include "pipeline/spec/preset.h"

namespace shortpack::fuzz {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void violated(const std::string& target, const std::string& what) {
  std::fprintf(stderr, "fuzz target '%s': %s\n", target.c_str(), what.c_str());
  std::fflush(stderr);
  std::abort();
}

// Runs `body`; a shortpack::Error of an allowed kind is a refusal (fine), anything else a defect.
template <typename Body>
void expect_clean(const char* target, std::initializer_list<ErrorKind> allowed, Body&& body) {
  try {
    body();
  } catch (const Error& e) {
    if (std::find(allowed.begin(), allowed.end(), e.kind()) == allowed.end()) {
      violated(target,
               "unexpected error kind " + std::to_string(static_cast<int>(e.kind())) + ": " + e.what());
    }
    if (std::string(e.what()).empty()) violated(target, "an error without a message");
  } catch (const std::exception& e) {
    violated(target, std::string("an exception that is not a shortpack::Error escaped: ") + e.what());
  } catch (...) {
    violated(target, "a non-std exception escaped");
  }
}

void write_file(const fs::path& path, const uint8_t* data, size_t size) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!out) violated("setup", "cannot write " + path.string());
}

void write_text(const fs::path& path, const std::string& text) {
  write_file(path, reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

std::string as_text(const uint8_t* data, size_t size) { return {reinterpret_cast<const char*>(data), size}; }

void remove_scratch() {
  std::error_code ec;
  fs::remove_all(scratch_folder(), ec);
}

// Files that campaigns in the seed corpus name (contents do not matter to the loaders, which
// only check that referenced files exist), and a valid brand file.
void make_fixture(const fs::path& dir) {
  for (const char* rel : {"media/clip.mp4", "media/other.mov", "media/still.jpg", "subs/clip.vi.srt",
                          "subs/clip.en.vtt", "subs/clip.km.ass", "vo/clip.vi.wav", "brand/logo.png",
                          "brand/intro.mp4", "brand/outro.mp4", "brand/bed.wav", "brand/font.ttf"}) {
    write_text(dir / rel, "fixture\n");
  }
  write_text(dir / "brand/brand.yaml",
             "logo: logo.png\nlogo_position: top-left\ncaptions: {font: Noto Sans, size: 0.05}\n");
  fs::create_directories(dir / "media/folder.mp4");
}

const PresetCatalog& catalog() {
  static const PresetCatalog presets = PresetCatalog::load({}, /*include_builtin=*/true);
  return presets;
}

void check_track(const char* target, const SubtitleTrack& track) {
  int64_t previous = INT64_MIN;
  for (const Cue& cue : track.cues) {
    if (cue.start_ms < previous) violated(target, "cues are not sorted by start");
    if (cue.end_ms < cue.start_ms)
      violated(target, "a cue ends before it starts (line " + std::to_string(cue.line) + ")");
    if (cue.start_ms < 0) violated(target, "a negative start time");
    if (cue.line < 1) violated(target, "a cue without a line number");
    previous = cue.start_ms;
  }
  // A cue's timed words are in order and inside the cue.
  for (const Cue& cue : track.cues) {
    int64_t word_start = cue.start_ms;
    for (const CueWord& w : cue.words) {
      if (w.start_ms < word_start || w.end_ms < w.start_ms || w.end_ms > cue.end_ms)
        violated(target, "a word outside its cue or out of order (line " + std::to_string(cue.line) + ")");
      word_start = w.start_ms;
    }
  }
  // Retiming keeps every cue inside the window, shifted onto the output timeline.
  const int64_t from_ms = 1000;
  const int64_t to_ms = 5000;
  const int64_t at_ms = 250;
  const SubtitleTrack timed = retime(track, from_ms, to_ms, at_ms);
  for (const Cue& cue : timed.cues) {
    if (cue.start_ms < at_ms || cue.end_ms > at_ms + (to_ms - from_ms) || cue.end_ms < cue.start_ms) {
      violated(target, "retime put a cue outside the window");
    }
  }
  // The sidecars are made from any track; they must not throw.
  (void)to_srt(track);
  (void)to_vtt(track);
}

template <typename Parse>
void fuzz_subtitles(const char* target, const char* file, Parse parse, const uint8_t* data, size_t size) {
  const std::string text = as_text(data, size);
  expect_clean(target, {ErrorKind::kInput, ErrorKind::kLimit}, [&] {
    // Small limits so that the limit paths are reached by small inputs too.
    const SubtitleTrack track = parse(text, fs::path(file), SubtitleLimits{1 << 20, 64});
    check_track(target, track);
  });
}

}  // namespace

const fs::path& scratch_folder() {
  static const fs::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    fs::path d = fs::path(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") /
                 ("shortpack-fuzz-" + std::to_string(::getpid()));
    std::error_code ec;
    fs::remove_all(d, ec);
    fs::create_directories(d);
    make_fixture(d);
    std::atexit(remove_scratch);
    return d;
  }();
  return dir;
}

void fuzz_srt(const uint8_t* data, size_t size) { fuzz_subtitles("srt", "fuzz.srt", parse_srt, data, size); }
void fuzz_vtt(const uint8_t* data, size_t size) { fuzz_subtitles("vtt", "fuzz.vtt", parse_vtt, data, size); }
void fuzz_words(const uint8_t* data, size_t size) {
  fuzz_subtitles("words", "fuzz.words.json", parse_words_json, data, size);
}
void fuzz_ass(const uint8_t* data, size_t size) {
  fuzz_subtitles("ass", "fuzz.ass", parse_ass, data, size);
  // The script builder as well: an ASS track keeps its own header, whose Style lines are rewritten
  // (margins raised to the safe zone around the author's Outline and Shadow, in PlayRes units).
  const std::string text = as_text(data, size);
  expect_clean("ass", {ErrorKind::kInput, ErrorKind::kLimit}, [&] {
    const SubtitleTrack track = parse_ass(text, fs::path("fuzz.ass"), SubtitleLimits{1 << 20, 64});
    const CaptionLayout layout(1080, 1920, SafeZone{270, 672, 65, 165});
    if (build_ass_script(track, CaptionStyle{}, layout).empty()) violated("ass", "an empty script was built");
  });
}

void fuzz_campaign(const uint8_t* data, size_t size) {
  const fs::path file = scratch_folder() / "campaign.yaml";
  write_file(file, data, size);
  expect_clean("campaign", {ErrorKind::kInput, ErrorKind::kLimit}, [&] {
    CampaignLimits limits;
    limits.max_clips = 50;
    limits.max_segments_per_clip = 20;
    limits.max_segments_total = 100;
    const Campaign c = load_campaign(file, catalog(), limits);
    if (!is_valid_id(c.name)) violated("campaign", "an invalid name was accepted: " + c.name);
    if (c.languages.empty() || c.platforms.empty() || c.clips.empty()) {
      violated("campaign", "a campaign without languages, platforms or clips was accepted");
    }
    for (const auto& lang : c.languages) {
      if (!is_valid_language_tag(lang)) violated("campaign", "an invalid language was accepted: " + lang);
    }
    for (const auto& p : c.platforms) {
      if (catalog().find(p) == nullptr) violated("campaign", "an unknown platform was accepted: " + p);
    }
    std::set<std::string> ids;
    for (const Clip& clip : c.clips) {
      if (!is_valid_id(clip.id) || !ids.insert(clip.id).second) {
        violated("campaign", "an invalid or repeated clip id was accepted: " + clip.id);
      }
      if (clip.segments.empty()) violated("campaign", "a clip without segments was accepted");
      for (const Segment& s : clip.segments) {
        if ((s.kind == Segment::Kind::kMedia || s.kind == Segment::Kind::kImage) &&
            (!s.source.is_absolute() || !fs::is_regular_file(s.source))) {
          violated("campaign", "a segment source that is not an existing file: " + s.source.string());
        }
      }
      for (const auto& [lang, path] : clip.captions) {
        if (std::find(c.languages.begin(), c.languages.end(), lang) == c.languages.end()) {
          violated("campaign", "captions for a language not in the campaign: " + lang);
        }
        if (!path.is_absolute()) violated("campaign", "a relative caption path: " + path.string());
      }
    }
  });
}

void fuzz_brand(const uint8_t* data, size_t size) {
  const fs::path file = scratch_folder() / "brand/fuzz-brand.yaml";
  write_file(file, data, size);
  expect_clean("brand", {ErrorKind::kInput, ErrorKind::kLimit}, [&] {
    const Brand b = load_brand(file);
    if (b.logo_opacity < 0.0 || b.logo_opacity > 1.0 || !std::isfinite(b.logo_width_rel) ||
        b.logo_width_rel <= 0.0) {
      violated("brand", "logo opacity or width out of range was accepted");
    }
    if (!b.logo.empty() && !b.logo.is_absolute()) violated("brand", "a relative logo path");
  });
}

void fuzz_preset(const uint8_t* data, size_t size) {
  const fs::path file = scratch_folder() / "presets/fuzz.yaml";
  write_file(file, data, size);
  std::optional<Preset> loaded;
  expect_clean("preset", {ErrorKind::kInput, ErrorKind::kLimit}, [&] { loaded = load_preset_file(file); });
  if (!loaded) return;
  // preset.h: loading preset_to_yaml's text gives back the same preset (the comment naming the
  // file it came from aside).
  const auto without_comments = [](const std::string& yaml) {
    std::string out;
    size_t pos = 0;
    while (pos < yaml.size()) {
      const size_t end = std::min(yaml.find('\n', pos), yaml.size());
      if (yaml[pos] != '#') out.append(yaml, pos, end + 1 - pos);
      pos = end + 1;
    }
    return out;
  };
  const std::string text = preset_to_yaml(*loaded);
  const fs::path again = scratch_folder() / "presets/again.yaml";
  write_text(again, text);
  try {
    const std::string round_trip = preset_to_yaml(load_preset_file(again));
    if (without_comments(round_trip) != without_comments(text))
      violated("preset", "preset_to_yaml -> load changed the preset:\n" + text + "\n---\n" + round_trip);
  } catch (const std::exception& e) {
    violated("preset", std::string("the printed preset does not load again: ") + e.what() + "\n" + text);
  }
}

void fuzz_media(const uint8_t* data, size_t size) {
  const fs::path file = scratch_folder() / "media/input.mp4";
  write_file(file, data, size);
  constexpr int64_t kMaxPixels = 4096LL * 4096;  // what the fuzzer may decode (the render limit is separate)
  expect_clean("media", {ErrorKind::kMedia, ErrorKind::kInput, ErrorKind::kLimit}, [&] {
    const MediaInfo info = probe_media(file);
    if (!info.has_video) return;
    if (info.width_px <= 0 || info.height_px <= 0 ||
        static_cast<int64_t>(info.width_px) * info.height_px > kMaxPixels) {
      return;
    }
    const double duration_s = info.duration_s > 0.0 && info.duration_s < 0.3 ? info.duration_s : 0.3;
    VideoSource source(file, 0.0, duration_s, AVRational{25, 1}, 1);
    int64_t frames = 0;
    while (frames < 8 && source.next()) ++frames;
    if (frames < std::min<int64_t>(8, source.frame_count())) {
      violated("media", "VideoSource ended before frame_count() without an error");
    }
  });
  expect_clean("media", {ErrorKind::kMedia, ErrorKind::kInput, ErrorKind::kLimit},
               [&] { (void)read_image_rgba(file, 4096LL * 4096); });
}

const std::vector<Target>& all_targets() {
  static const std::vector<Target> targets{
      {"srt", fuzz_srt},           {"vtt", fuzz_vtt},     {"words", fuzz_words},   {"ass", fuzz_ass},
      {"campaign", fuzz_campaign}, {"brand", fuzz_brand}, {"preset", fuzz_preset}, {"media", fuzz_media}};
  return targets;
}

}  // namespace shortpack::fuzz

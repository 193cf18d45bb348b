// Presets: the built-in files load, every kind of mistake is reported with its path and line,
// override folders replace built-ins, and the `presets` subcommand prints them.
#include <gtest/gtest.h>

#include <clocale>
#include <set>
#include <string>

#include "filters/core/error.h"
#include "pipeline/spec/preset.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::write_text;

// A minimal valid preset; tests replace one line to make one mistake.
const char* const kValidPreset =
    "label: Test\n"                                                                   // 1
    "size: {width_px: 1080, height_px: 1920}\n"                                       // 2
    "frame_rate: {min_fps: 23, max_fps: 60, target_fps: 30}\n"                        // 3
    "duration: {min_s: 1, max_s: 60}\n"                                               // 4
    "video:\n"                                                                        // 5
    "  profile: high\n"                                                               // 6
    "  level: \"4.2\"\n"                                                              // 7
    "  crf: 23\n"                                                                     // 8
    "audio: {codec: aac, sample_rate_hz: 48000, channels: 2, bitrate_bps: 128000}\n"  // 9
    "safe_zone: {top_px: 270, bottom_px: 672, left_px: 65, right_px: 165}\n";         // 10

std::string replace_line(const std::string& text, int line_1based, const std::string& new_line) {
  std::string out;
  int line = 1;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string current = text.substr(start, end - start);
    out += (line == line_1based ? new_line : current) + "\n";
    ++line;
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return out;
}

// Loads `text` as <dir>/test.yaml and returns the Error's message; fails the test if it loads.
std::string load_error(const std::string& text, ErrorKind* kind = nullptr) {
  ScratchDir dir("preset-error");
  const fs::path file = dir / "test.yaml";
  write_text(file, text);
  try {
    (void)load_preset_file(file);
  } catch (const Error& e) {
    if (kind != nullptr) *kind = e.kind();
    const std::string message = e.what();
    // Every message starts with the file's path.
    EXPECT_EQ(message.rfind(file.string() + ":", 0), 0u) << message;
    return message.substr(file.string().size());
  }
  ADD_FAILURE() << "expected an error loading:\n" << text;
  return {};
}

class PresetTest : public ::testing::Test {
 protected:
  void SetUp() override { std::setlocale(LC_ALL, "C"); }
};

TEST_F(PresetTest, ValidMinimalPresetLoadsWithDefaults) {
  ScratchDir dir("preset-valid");
  write_text(dir / "team-shorts.yaml", kValidPreset);
  const Preset p = load_preset_file(dir / "team-shorts.yaml");
  EXPECT_EQ(p.name, "team-shorts");
  EXPECT_EQ(p.label, "Test");
  EXPECT_EQ(p.width_px, 1080);
  EXPECT_EQ(p.height_px, 1920);
  EXPECT_EQ(p.video.level, 42);
  EXPECT_EQ(p.video.x264_preset, "veryfast");  // default kept
  EXPECT_DOUBLE_EQ(p.loudness.integrated_lufs, -14.0);
  EXPECT_EQ(p.safe.right_px, 165);
  EXPECT_EQ(p.source_file, dir / "team-shorts.yaml");
}

TEST_F(PresetTest, EveryBuiltinPresetLoads) {
  const PresetCatalog catalog = PresetCatalog::load({});
  const std::set<std::string> expected = {
      "facebook-feed", "facebook-reels", "instagram-reels", "tiktok", "x", "youtube", "youtube-shorts",
      "zalo"};
  std::set<std::string> names;
  for (const auto& [name, preset] : catalog.all()) {
    names.insert(name);
    EXPECT_FALSE(preset.label.empty()) << name;
    EXPECT_GT(preset.duration_max_s, preset.duration_min_s) << name;
    EXPECT_EQ(preset.video.codec, "h264") << name;
    EXPECT_EQ(preset.audio.codec, "aac") << name;
    EXPECT_TRUE(preset.video.closed_gop) << name;
    EXPECT_DOUBLE_EQ(preset.loudness.integrated_lufs, -14.0) << name;
    EXPECT_DOUBLE_EQ(preset.loudness.true_peak_dbtp, -1.0) << name;
    EXPECT_EQ(preset.conservative_guess, name == "zalo") << name;
  }
  EXPECT_EQ(names, expected);
}

TEST_F(PresetTest, BuiltinFiguresMatchThePublishedSpecs) {
  const PresetCatalog catalog = PresetCatalog::load({});
  const Preset& shorts = catalog.get("youtube-shorts");
  EXPECT_EQ(shorts.width_px, 1080);
  EXPECT_EQ(shorts.height_px, 1920);
  EXPECT_DOUBLE_EQ(shorts.duration_max_s, 180.0);
  EXPECT_DOUBLE_EQ(shorts.video.keyint_s, 0.5);  // closed GOP of half the frame rate
  EXPECT_EQ(shorts.video.bframes, 2);
  EXPECT_EQ(shorts.video.profile, "high");

  const Preset& reels = catalog.get("facebook-reels");
  EXPECT_DOUBLE_EQ(reels.duration_min_s, 3.0);
  EXPECT_DOUBLE_EQ(reels.duration_max_s, 90.0);
  EXPECT_DOUBLE_EQ(reels.fps_min, 24.0);
  EXPECT_GE(reels.video.keyint_s, 2.0);
  EXPECT_LE(reels.video.keyint_s, 5.0);
  EXPECT_GE(reels.audio.bitrate_bps, 128000);

  const Preset& insta = catalog.get("instagram-reels");
  EXPECT_DOUBLE_EQ(insta.duration_min_s, 3.0);
  EXPECT_DOUBLE_EQ(insta.duration_max_s, 900.0);
  EXPECT_LE(insta.video.maxrate_bps, 25000000);

  const Preset& youtube = catalog.get("youtube");
  EXPECT_EQ(youtube.width_px, 1920);
  EXPECT_EQ(youtube.height_px, 1080);
  EXPECT_EQ(youtube.audio.bitrate_bps, 384000);

  const Preset& x = catalog.get("x");
  EXPECT_EQ(x.width_px, 1280);
  EXPECT_EQ(x.height_px, 720);
  EXPECT_DOUBLE_EQ(x.duration_min_s, 0.5);
  EXPECT_DOUBLE_EQ(x.duration_max_s, 140.0);
  EXPECT_LE(x.max_file_bytes, int64_t(512) * 1024 * 1024);

  EXPECT_EQ(catalog.get("facebook-feed").height_px, 1350);
  EXPECT_EQ(catalog.get("zalo").width_px, 720);
  EXPECT_EQ(catalog.get("tiktok").safe.bottom_px, 672);
}

TEST_F(PresetTest, YamlTextRoundTripsForEveryBuiltin) {
  ScratchDir dir("preset-roundtrip");
  const PresetCatalog catalog = PresetCatalog::load({});
  for (const auto& [name, preset] : catalog.all()) {
    const fs::path file = dir / (name + ".yaml");
    write_text(file, preset_to_yaml(preset));
    const Preset back = load_preset_file(file);
    EXPECT_EQ(back.label, preset.label) << name;
    EXPECT_EQ(back.conservative_guess, preset.conservative_guess) << name;
    EXPECT_EQ(back.width_px, preset.width_px) << name;
    EXPECT_EQ(back.height_px, preset.height_px) << name;
    EXPECT_EQ(back.fps_min, preset.fps_min) << name;
    EXPECT_EQ(back.fps_max, preset.fps_max) << name;
    EXPECT_EQ(back.fps_target, preset.fps_target) << name;
    EXPECT_EQ(back.duration_min_s, preset.duration_min_s) << name;
    EXPECT_EQ(back.duration_max_s, preset.duration_max_s) << name;
    EXPECT_EQ(back.max_file_bytes, preset.max_file_bytes) << name;
    EXPECT_EQ(back.video.profile, preset.video.profile) << name;
    EXPECT_EQ(back.video.level, preset.video.level) << name;
    EXPECT_EQ(back.video.x264_preset, preset.video.x264_preset) << name;
    EXPECT_EQ(back.video.crf, preset.video.crf) << name;
    EXPECT_EQ(back.video.maxrate_bps, preset.video.maxrate_bps) << name;
    EXPECT_EQ(back.video.bufsize_bits, preset.video.bufsize_bits) << name;
    EXPECT_EQ(back.video.closed_gop, preset.video.closed_gop) << name;
    EXPECT_EQ(back.video.keyint_s, preset.video.keyint_s) << name;
    EXPECT_EQ(back.video.bframes, preset.video.bframes) << name;
    EXPECT_EQ(back.audio.sample_rate_hz, preset.audio.sample_rate_hz) << name;
    EXPECT_EQ(back.audio.channels, preset.audio.channels) << name;
    EXPECT_EQ(back.audio.bitrate_bps, preset.audio.bitrate_bps) << name;
    EXPECT_EQ(back.loudness.integrated_lufs, preset.loudness.integrated_lufs) << name;
    EXPECT_EQ(back.loudness.true_peak_dbtp, preset.loudness.true_peak_dbtp) << name;
    EXPECT_EQ(back.loudness.tolerance_lu, preset.loudness.tolerance_lu) << name;
    EXPECT_EQ(back.safe.top_px, preset.safe.top_px) << name;
    EXPECT_EQ(back.safe.bottom_px, preset.safe.bottom_px) << name;
    EXPECT_EQ(back.safe.left_px, preset.safe.left_px) << name;
    EXPECT_EQ(back.safe.right_px, preset.safe.right_px) << name;
    EXPECT_EQ(back.caption_size_px, preset.caption_size_px) << name;
    EXPECT_EQ(back.logo_width_px, preset.logo_width_px) << name;
    EXPECT_EQ(back.logo_position, preset.logo_position) << name;
  }
}

TEST_F(PresetTest, CaptionAndLogoOverridesLoadAndRoundTrip) {
  ScratchDir dir("preset-presentation");
  write_text(dir / "tiktok.yaml", kValidPreset);
  const Preset plain = load_preset_file(dir / "tiktok.yaml");
  EXPECT_FALSE(plain.caption_size_px.has_value());
  EXPECT_FALSE(plain.logo_width_px.has_value());
  EXPECT_EQ(plain.logo_position, "");
  // Left out, they are not written back: a preset's text (and render fingerprints) stay as they were.
  EXPECT_EQ(preset_to_yaml(plain).find("captions"), std::string::npos);
  EXPECT_EQ(preset_to_yaml(plain).find("logo"), std::string::npos);

  write_text(
      dir / "tiktok.yaml",
      std::string(kValidPreset) + "captions: {size_px: 96}\nlogo: {width_px: 300, position: bottom-left}\n");
  const Preset p = load_preset_file(dir / "tiktok.yaml");
  EXPECT_EQ(p.caption_size_px, 96);
  EXPECT_EQ(p.logo_width_px, 300);
  EXPECT_EQ(p.logo_position, "bottom-left");
  write_text(dir / "back.yaml", preset_to_yaml(p));
  const Preset back = load_preset_file(dir / "back.yaml");
  EXPECT_EQ(back.caption_size_px, 96);
  EXPECT_EQ(back.logo_width_px, 300);
  EXPECT_EQ(back.logo_position, "bottom-left");

  write_text(dir / "pos.yaml", std::string(kValidPreset) + "logo: {position: top-left}\n");
  const Preset only_position = load_preset_file(dir / "pos.yaml");
  EXPECT_FALSE(only_position.logo_width_px.has_value());
  EXPECT_EQ(
      load_preset_file((write_text(dir / "pos2.yaml", preset_to_yaml(only_position)), dir / "pos2.yaml"))
          .logo_position,
      "top-left");
}

TEST_F(PresetTest, BadCaptionAndLogoOverridesAreReportedWithLine) {
  const std::string base = kValidPreset;
  EXPECT_EQ(load_error(base + "captions: {size_px: 0}\n"), ":11: captions: 'size_px' is 0, outside 1..8192");
  EXPECT_EQ(load_error(base + "captions: {size_px: 1000}\n"),
            ":11: captions size_px 1000 is more than half the frame height 1920");
  EXPECT_EQ(load_error(base + "captions: {size: 0.05}\n"),
            ":11: unknown key 'size' in captions (known keys: size_px)");
  EXPECT_EQ(load_error(base + "logo: {width_px: 2000}\n"),
            ":11: logo width_px 2000 is wider than the frame width 1080");
  EXPECT_EQ(load_error(base + "logo: {width_px: 12.5}\n"),
            ":11: logo: 'width_px' must be a whole number, found '12.5' (a value in 1..8192)");
  EXPECT_EQ(load_error(base + "logo:\n  position: middle\n"),
            ":12: logo: 'position' is 'middle' (use one of: top-left, top-right, bottom-left, bottom-right)");
}

TEST_F(PresetTest, UnknownKeyIsReportedWithLineSectionAndKnownKeys) {
  ErrorKind kind = ErrorKind::kInvalid;
  const std::string message = load_error(replace_line(kValidPreset, 8, "  crff: 23"), &kind);
  EXPECT_EQ(kind, ErrorKind::kInput);
  EXPECT_EQ(message.rfind(":8: unknown key 'crff' in video (did you mean 'crf'? known keys: codec, profile, "
                          "level, x264_preset,",
                          0),
            0u)
      << message;
  // As in campaign files (the same reader): a key two edits away from a known one is suggested.
  EXPECT_NE(message.find(" crf, maxrate_bps,"), std::string::npos) << message;
}

TEST_F(PresetTest, UnknownTopLevelKeyIsReported) {
  const std::string message = load_error(std::string(kValidPreset) + "colour: red\n");
  EXPECT_EQ(message.rfind(":11: unknown key 'colour' in the preset file (known keys: label,", 0), 0u)
      << message;
}

TEST_F(PresetTest, WrongTypeIsReportedWithLine) {
  EXPECT_EQ(load_error(replace_line(kValidPreset, 2, "size: {width_px: wide, height_px: 1920}")),
            ":2: size: 'width_px' must be a whole number, found 'wide' (a value in 16..8192)");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 8, "  crf: 23.5")),
            ":8: video: 'crf' must be a whole number, found '23.5' (a value in 0..51)");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 6, "  profile: [high]")),
            ":6: video: 'profile' is not a name (use one of: baseline, main, high)");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 9, "audio: loud")),
            ":9: audio must be a map of keys (e.g. audio: {sample_rate_hz: 48000, channels: 2, bitrate_bps: "
            "128000})");
  EXPECT_EQ(
      load_error(std::string(kValidPreset) + "conservative_guess: maybe\n"),
      ":11: 'conservative_guess' must be true or false, found 'maybe' (write conservative_guess: true or "
      "conservative_guess: false)");
}

TEST_F(PresetTest, OutOfRangeValuesAreReportedWithLine) {
  EXPECT_EQ(load_error(replace_line(kValidPreset, 8, "  crf: 60")), ":8: video: 'crf' is 60, outside 0..51");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 2, "size: {width_px: 1081, height_px: 1920}")),
            ":2: size 1081x1920 must have even width and height (4:2:0 chroma)");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 2, "size: {width_px: 8, height_px: 1920}")),
            ":2: size: 'width_px' is 8, outside 16..8192");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 6, "  profile: high10")),
            ":6: video: 'profile' is 'high10' (use one of: baseline, main, high)");
  EXPECT_NE(load_error(replace_line(kValidPreset, 7, "  level: \"4.3\""))
                .find(":7: video: 'level' is '4.3', not an H.264 level (use one of: 1, 1b, 1.1,"),
            std::string::npos);
  EXPECT_EQ(
      load_error(replace_line(kValidPreset, 3, "frame_rate: {min_fps: 30, max_fps: 60, target_fps: 25}")),
      ":3: frame_rate needs min_fps <= target_fps <= max_fps, found 30 <= 25 <= 60");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 4, "duration: {min_s: 90, max_s: 60}")),
            ":4: duration needs min_s < max_s, found min_s 90 and max_s 60");
  EXPECT_NE(load_error(replace_line(kValidPreset, 9, "audio: {sample_rate_hz: 44000}"))
                .find(":9: audio: 'sample_rate_hz' is '44000' (use one of: 96000, 88200,"),
            std::string::npos);
  EXPECT_EQ(load_error(replace_line(kValidPreset, 9, "audio: {channels: 6}")),
            ":9: audio: 'channels' is 6, outside 1..2");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 10, "safe_zone: {top_px: 1000, bottom_px: 920}")),
            ":10: safe_zone leaves no room inside 1080x1920 (top+bottom must be < height_px, left+right < "
            "width_px)");
}

TEST_F(PresetTest, LevelMustCarryTheFrameSizeAtMaxFps) {
  EXPECT_EQ(load_error(replace_line(kValidPreset, 7, "  level: \"4.1\"")),
            ":7: H.264 level 4.1 cannot carry 1080x1920 at 60 fps (max_fps); needs level 4.2 or higher");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 8, "  maxrate_bps: 70000000\n  bufsize_bits: 70000000")),
            ":8: maxrate_bps 70000000 is above the high profile's limit at level 4.2 (62500000 bps)");
  // libavcodec's VBV buffer is an int: a bigger one is refused, never narrowed (issue 26).
  EXPECT_EQ(load_error(replace_line(kValidPreset, 8, "  maxrate_bps: 10000000\n  bufsize_bits: 4294967396")),
            ":9: bufsize_bits 4294967396 is above 2147483647, the largest VBV buffer the encoder takes");
}

TEST_F(PresetTest, MissingRequiredKeyIsReported) {
  EXPECT_EQ(load_error(replace_line(kValidPreset, 2, "")),
            ":1: missing required key 'size' (e.g. size: {width_px: 1080, height_px: 1920})");
  EXPECT_EQ(load_error(replace_line(kValidPreset, 4, "duration: {min_s: 1}")),
            ":4: duration: missing required key 'max_s' (e.g. duration: {min_s: 1, max_s: 600})");
}

TEST_F(PresetTest, DuplicateKeyIsReported) {
  EXPECT_EQ(load_error(replace_line(kValidPreset, 8, "  crf: 23\n  crf: 24")),
            ":9: key 'crf' appears twice in video (keep one of them)");
}

TEST_F(PresetTest, YamlSyntaxErrorIsReportedWithLine) {
  const std::string message = load_error(replace_line(kValidPreset, 6, "  profile: high\n   bad indent: 1"));
  EXPECT_EQ(message.rfind(":7: YAML syntax error: ", 0), 0u) << message;
  const std::string unclosed = load_error(replace_line(kValidPreset, 4, "duration: {min_s: 1, max_s: 60"));
  EXPECT_NE(unclosed.find("YAML syntax error"), std::string::npos) << unclosed;
}

// Presets go through the campaign's YAML reader, so they get its file rules too.
TEST_F(PresetTest, SecondDocumentAndOversizedFileAreRefused) {
  EXPECT_EQ(
      load_error(std::string(kValidPreset) + "---\nlabel: Other\n"),
      ":11: unexpected content after the end of the preset file (a second '---' document, or a stray ',' "
      "']' or '}') (one file holds one preset; remove what follows)");
  ErrorKind kind = ErrorKind::kInvalid;
  const std::string big =
      load_error(std::string(kValidPreset) + "# " + std::string(1 << 20, 'x') + "\n", &kind);
  EXPECT_EQ(kind, ErrorKind::kLimit);
  EXPECT_NE(big.find("the preset file is 1048" /* 1048xxx bytes */), std::string::npos) << big;
  EXPECT_NE(big.find("more than the limit of 1048576 bytes"), std::string::npos) << big;
}

TEST_F(PresetTest, EmptyFileAndBadFileNameAreReported) {
  EXPECT_EQ(load_error(""), ":1: the preset file is empty (see README, \"Platform presets\")");
  ScratchDir dir("preset-name");
  write_text(dir / "TikTok.yaml", kValidPreset);
  try {
    (void)load_preset_file(dir / "TikTok.yaml");
    ADD_FAILURE() << "an upper-case preset name loaded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lower-case letters, digits and '-'"), std::string::npos)
        << e.what();
  }
}

TEST_F(PresetTest, UnknownPresetNameListsKnownOnes) {
  const PresetCatalog catalog = PresetCatalog::load({});
  EXPECT_EQ(catalog.find("tiktokk"), nullptr);
  try {
    (void)catalog.get("tiktokk");
    ADD_FAILURE() << "get() of an unknown name returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    const std::string message = e.what();
    EXPECT_NE(message.find("unknown platform 'tiktokk'"), std::string::npos) << message;
    EXPECT_NE(message.find("known: facebook-feed, facebook-reels, instagram-reels, tiktok, x, youtube, "
                           "youtube-shorts, zalo"),
              std::string::npos)
        << message;
  }
}

TEST_F(PresetTest, OverrideFolderReplacesBuiltinAndAddsNew) {
  ScratchDir dir("preset-override");
  write_text(dir / "tiktok.yaml", replace_line(kValidPreset, 1, "label: TikTok (team)"));
  write_text(dir / "acme-tv.yaml", replace_line(kValidPreset, 1, "label: Acme TV"));
  write_text(dir / "notes.txt", "not a preset");
  const PresetCatalog catalog = PresetCatalog::load({dir.path()});
  EXPECT_EQ(catalog.get("tiktok").label, "TikTok (team)");
  EXPECT_EQ(catalog.get("tiktok").source_file, dir / "tiktok.yaml");
  EXPECT_EQ(catalog.get("acme-tv").label, "Acme TV");
  EXPECT_EQ(catalog.get("youtube").label, "YouTube");  // other built-ins stay
  EXPECT_EQ(catalog.all().size(), 9u);
  // Without the built-ins, only the folder's presets.
  EXPECT_EQ(PresetCatalog::load({dir.path()}, false).all().size(), 2u);
}

TEST_F(PresetTest, BadFileInAFolderFailsTheLoad) {
  ScratchDir dir("preset-badfolder");
  write_text(dir / "broken.yaml", replace_line(kValidPreset, 8, "  crf: 99"));
  try {
    (void)PresetCatalog::load({dir.path()});
    ADD_FAILURE() << "a folder with a broken preset loaded";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "broken.yaml").string() + ":8: video: 'crf' is 99, outside 0..51");
  }
  EXPECT_THROW((void)PresetCatalog::load({dir / "missing"}), Error);
}

TEST_F(PresetTest, H264LevelHelpers) {
  EXPECT_EQ(h264_level_from_text("4.2"), 42);
  EXPECT_EQ(h264_level_from_text("4"), 40);
  EXPECT_EQ(h264_level_from_text("4.0"), 40);
  EXPECT_EQ(h264_level_from_text("1b"), 9);
  EXPECT_EQ(h264_level_from_text("4.3"), -1);
  EXPECT_EQ(h264_level_from_text("42"), -1);
  EXPECT_EQ(h264_level_text(42), "4.2");
  EXPECT_EQ(h264_level_text(40), "4");
  EXPECT_EQ(h264_level_text(9), "1b");
  EXPECT_LT(h264_profile_rank("baseline"), h264_profile_rank("main"));
  EXPECT_LT(h264_profile_rank("main"), h264_profile_rank("high"));
  EXPECT_EQ(h264_profile_rank("high10"), -1);
}

// The `presets` subcommand (runs the binary; no media involved).
TEST_F(PresetTest, CliListsPresetsAndMarksGuesses) {
  const auto result = test::run_shortpack("presets");
  ASSERT_EQ(result.exit_code, 0) << result.output;
  for (const char* name : {"tiktok", "youtube-shorts", "instagram-reels", "facebook-reels", "facebook-feed",
                           "youtube", "x", "zalo"}) {
    EXPECT_NE(result.output.find(std::string(name) + " "), std::string::npos) << name << "\n"
                                                                              << result.output;
  }
  EXPECT_NE(result.output.find("tiktok             1080x1920  TikTok\n"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("zalo                720x1280  Zalo  (conservative guess)\n"),
            std::string::npos)
      << result.output;
  size_t guesses = 0;
  for (size_t pos = 0; (pos = result.output.find("conservative guess", pos)) != std::string::npos; ++pos)
    ++guesses;
  EXPECT_EQ(guesses, 1u) << result.output;
}

TEST_F(PresetTest, CliShowPrintsResolvedYamlAndHonoursPresetsFolder) {
  const auto shown = test::run_shortpack("presets show youtube-shorts");
  ASSERT_EQ(shown.exit_code, 0) << shown.output;
  EXPECT_NE(shown.output.find("label: \"YouTube Shorts\""), std::string::npos) << shown.output;
  EXPECT_NE(shown.output.find("  keyint_s: 0.5\n"), std::string::npos) << shown.output;
  EXPECT_EQ(shown.output.find("tiktok"), std::string::npos) << "show must not also list:\n" << shown.output;

  ScratchDir dir("preset-cli");
  write_text(dir / "tiktok.yaml", replace_line(kValidPreset, 1, "label: TikTok (team)"));
  const auto overridden =
      test::run_shortpack("presets show tiktok --presets " + test::shell_quote(dir.path().string()));
  ASSERT_EQ(overridden.exit_code, 0) << overridden.output;
  EXPECT_NE(overridden.output.find("label: \"TikTok (team)\""), std::string::npos) << overridden.output;
  const auto listed = test::run_shortpack("presets --presets " + test::shell_quote(dir.path().string()));
  EXPECT_NE(listed.output.find("TikTok (team)"), std::string::npos) << listed.output;

  const auto unknown = test::run_shortpack("presets show tiktokk");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("known: facebook-feed"), std::string::npos) << unknown.output;
}

}  // namespace
}  // namespace shortpack

// `check`: files made by the ffmpeg program (an independent generator) to a preset's spec pass;
// files that break one rule fail that rule, by name. Also the loudness meter against BS.1770's
// reference points, since `check` measures loudness with it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <clocale>
#include <cmath>
#include <cstdio>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "filters/audio/loudness_meter.h"
#include "filters/core/error.h"
#include "pipeline/render/check.h"
#include "pipeline/spec/preset.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::shell_quote;

constexpr double kPi = 3.14159265358979323846;

// A stereo 997 Hz tone. BS.1770: a 0 dBFS 997 Hz sine in both channels measures 0 LUFS, so the
// amplitude sets the loudness: 0.2 -> 20*log10(0.2) = -13.98 LUFS.
std::string stereo_tone(double amplitude) {
  const std::string one = std::to_string(amplitude) + "*sin(2*PI*997*t)";
  return "aevalsrc=" + one + "|" + one + ":s=48000";
}

// ffmpeg output options that follow `preset` (keyframe interval at `fps`, fast start, AAC-LC).
std::string encode_args(const Preset& preset, const std::string& pixel_format = "yuv420p",
                        double fps = 30.0) {
  const int keyint = int(std::lround(preset.video.keyint_s * fps));
  return "-c:v libx264 -preset ultrafast -pix_fmt " + pixel_format + " -g " + std::to_string(keyint) +
         " -keyint_min " + std::to_string(keyint) + " -sc_threshold 0 -c:a aac -b:a 128k -ar " +
         std::to_string(preset.audio.sample_rate_hz) + " -ac " + std::to_string(preset.audio.channels) +
         " -movflags +faststart";
}

std::set<std::string> failed_rules(const CheckReport& report) {
  std::set<std::string> names;
  for (const auto& rule : report.rules) {
    if (!rule.passed) names.insert(rule.name);
  }
  return names;
}

void ffmpeg(const std::string& args) {
  const auto result = test::run_command("ffmpeg -nostdin -hide_banner -loglevel error -y " + args);
  ASSERT_EQ(result.exit_code, 0) << args << "\n" << result.output;
}

class CheckTest : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() {
    open_suite_folder("check", /*presets=*/false);
    catalog_ = std::make_unique<PresetCatalog>(PresetCatalog::load({}));
  }
  // The reference file: 2 s to the TikTok spec, testsrc2 pictures, a tone at -14 LUFS. Made when
  // a test first needs it (ctest runs each test in its own process; most tests encode their own).
  static fs::path conforming() {
    const fs::path file = dir_->path() / "tiktok.mp4";
    if (!fs::exists(file)) {
      test::make_clip(file, 2.0, "testsrc2=size=1080x1920:rate=30", stereo_tone(0.2), encode_args(tiktok()));
    }
    return file;
  }
  static void TearDownTestSuite() {
    catalog_.reset();
    SuiteFolder::TearDownTestSuite();
  }

  static const Preset& tiktok() { return catalog_->get("tiktok"); }
  // TikTok's rules at 360x640, so that the tests of one rule encode quickly.
  static Preset small_tiktok() {
    Preset preset = tiktok();
    preset.width_px = 360;
    preset.height_px = 640;
    return preset;
  }
  static fs::path path(const std::string& name) { return dir_->path() / name; }

  static std::unique_ptr<PresetCatalog> catalog_;
};

std::unique_ptr<PresetCatalog> CheckTest::catalog_;

TEST_F(CheckTest, ConformingTikTokFilePassesEveryRule) {
  const CheckReport report = check_file(conforming(), tiktok());
  EXPECT_TRUE(report.passed()) << describe_failures(report);
  EXPECT_EQ(describe_failures(report), "");
  ASSERT_EQ(report.rules.size(), 19u);
  EXPECT_EQ(report.find("decodes")->found, "60 pictures, 0.033 s apart, none damaged");
  EXPECT_EQ(report.find("frame-size")->found, "1080x1920");
  EXPECT_EQ(report.find("video-codec")->found, "h264");
  EXPECT_EQ(report.find("pixel-format")->found, "yuv420p");
  EXPECT_EQ(report.find("frame-rate")->found, "30 fps");
  EXPECT_EQ(report.find("duration")->found, "2.000 s");
  EXPECT_EQ(report.find("audio-codec")->found, "aac (LC)");
  EXPECT_EQ(report.find("loudness")->found, "-14.0 LUFS");  // the tone was made at -13.98 LUFS
  EXPECT_EQ(report.find("loudness")->limit, "-14 +- 1 LUFS");

  const auto cli = test::run_shortpack("check " + shell_quote(conforming().string()) + " --platform tiktok");
  EXPECT_EQ(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("PASS  frame-size"), std::string::npos) << cli.output;
  EXPECT_EQ(cli.output.find("FAIL"), std::string::npos) << cli.output;
}

// one_file_per_shape reads a shared file once for all its platforms: each preset's report is the
// one a check against that preset alone gives, rule for rule, and each fails only its own limits.
TEST_F(CheckTest, OneReadJudgedBySeveralPresetsGivesEachPresetsOwnReport) {
  Preset short_tiktok = tiktok();
  short_tiktok.name = "tiktok-under-1s";
  short_tiktok.duration_max_s = 1.0;
  const Preset small = small_tiktok();
  const std::vector<const Preset*> judges = {&tiktok(), &short_tiktok, &small,
                                             &catalog_->get("youtube-shorts")};
  const std::vector<CheckReport> reports = check_file(conforming(), judges);
  ASSERT_EQ(reports.size(), judges.size());
  for (size_t k = 0; k < judges.size(); ++k) {
    const CheckReport alone = check_file(conforming(), *judges[k]);
    ASSERT_EQ(reports[k].rules.size(), alone.rules.size()) << judges[k]->name;
    for (size_t r = 0; r < alone.rules.size(); ++r) {
      EXPECT_EQ(reports[k].rules[r].name, alone.rules[r].name) << judges[k]->name;
      EXPECT_EQ(reports[k].rules[r].passed, alone.rules[r].passed)
          << judges[k]->name << " " << alone.rules[r].name;
      EXPECT_EQ(reports[k].rules[r].found, alone.rules[r].found)
          << judges[k]->name << " " << alone.rules[r].name;
      EXPECT_EQ(reports[k].rules[r].limit, alone.rules[r].limit)
          << judges[k]->name << " " << alone.rules[r].name;
    }
  }
  EXPECT_TRUE(reports[0].passed()) << describe_failures(reports[0]);
  EXPECT_EQ(failed_rules(reports[1]), std::set<std::string>{"duration"}) << describe_failures(reports[1]);
  EXPECT_EQ(failed_rules(reports[2]), std::set<std::string>{"frame-size"}) << describe_failures(reports[2]);
  // youtube-shorts asks for a keyframe every 0.5 s: its own limit, not tiktok's.
  EXPECT_NE(reports[3].find("keyframe-interval")->limit, reports[0].find("keyframe-interval")->limit);
}

TEST_F(CheckTest, MoovAtTheEndFailsFastStartOnly) {
  const fs::path file = path("moov-at-end.mp4");
  ffmpeg("-i " + shell_quote(conforming().string()) + " -c copy " +
         shell_quote(file.string()));  // no +faststart
  const CheckReport report = check_file(file, tiktok());
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"moov-before-mdat"}) << describe_failures(report);

  const auto cli = test::run_shortpack("check " + shell_quote(file.string()) + " --platform tiktok");
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  EXPECT_NE(cli.output.find("FAIL  moov-before-mdat"), std::string::npos) << cli.output;
}

TEST_F(CheckTest, WrongSizeFailsFrameSizeOnly) {
  const fs::path file = path("720x1280.mp4");
  test::make_clip(file, 2.0, "testsrc2=size=720x1280:rate=30", stereo_tone(0.2), encode_args(tiktok()));
  const CheckReport report = check_file(file, tiktok());
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"frame-size"}) << describe_failures(report);
  EXPECT_EQ(report.find("frame-size")->found, "720x1280");
  EXPECT_EQ(report.find("frame-size")->limit, "1080x1920");
}

TEST_F(CheckTest, TenBitFileFailsPixelFormatAndProfile) {
  const fs::path file = path("10bit.mp4");
  test::make_clip(file, 2.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2),
                  encode_args(tiktok(), "yuv420p10le"));
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_EQ(failed_rules(report), (std::set<std::string>{"pixel-format", "video-profile"}))
      << describe_failures(report);
  EXPECT_EQ(report.find("pixel-format")->found, "yuv420p10le");
  EXPECT_EQ(report.find("video-profile")->found, "High 10");
}

TEST_F(CheckTest, VariableFrameRateFailsConstantFrameRate) {
  const fs::path file = path("vfr.mp4");
  // 30 fps for the first second, then 15 fps: timestamps kept as they are (-fps_mode vfr).
  test::make_clip(file, 2.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2),
                  "-vf \"setpts='if(lt(N,30),N/30,1+(N-30)/15)/TB'\" -fps_mode vfr " + encode_args(tiktok()));
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_TRUE(failed_rules(report).count("constant-frame-rate")) << describe_failures(report);
  EXPECT_NE(report.find("constant-frame-rate")->found.find("steps from 33.333 ms to"), std::string::npos)
      << report.find("constant-frame-rate")->found;
  EXPECT_TRUE(report.find("frame-size")->passed);
  EXPECT_TRUE(report.find("moov-before-mdat")->passed);
}

TEST_F(CheckTest, TooLongForXFailsDurationOnly) {
  const Preset& x = catalog_->get("x");
  // 150 s cheaply: one second of video and one of audio, each looped 150 times by stream copy.
  const fs::path video_unit = path("x-unit.mp4");
  const fs::path audio_unit = path("x-unit.m4a");
  const fs::path file = path("x-150s.mp4");
  test::make_clip(video_unit, 1.0, "color=c=0x3366cc:size=1280x720:rate=30", "", encode_args(x));
  ffmpeg("-f lavfi -i " + shell_quote(stereo_tone(0.2)) + " -t 1 -c:a aac -ar 48000 -ac 2 " +
         shell_quote(audio_unit.string()));
  ffmpeg("-stream_loop 149 -i " + shell_quote(video_unit.string()) + " -stream_loop 149 -i " +
         shell_quote(audio_unit.string()) + " -map 0:v -map 1:a -c copy -movflags +faststart " +
         shell_quote(file.string()));
  const CheckReport report = check_file(file, x);
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"duration"}) << describe_failures(report);
  EXPECT_EQ(report.find("duration")->found.rfind("150.", 0), 0u) << report.find("duration")->found;
  EXPECT_EQ(report.find("duration")->limit, "0.5..140 s");
}

TEST_F(CheckTest, OpenGopFailsClosedGop) {
  const fs::path file = path("open-gop.mp4");
  // superfast keeps B-frames; open-gop makes every keyframe after the first a non-IDR recovery point.
  test::make_clip(file, 2.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2),
                  "-c:v libx264 -preset superfast -x264-params open-gop=1 -g 15 -pix_fmt yuv420p "
                  "-c:a aac -ar 48000 -ac 2 -movflags +faststart");
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"closed-gop"}) << describe_failures(report);
  EXPECT_NE(report.find("closed-gop")->found.find("are not IDR"), std::string::npos)
      << report.find("closed-gop")->found;
}

// A QuickTime file holds the same streams as an MP4 and is read by the same demuxer
// ("mov,mp4,..."): only its major brand 'qt  ' tells it apart, and only the container rule fails.
TEST_F(CheckTest, QuickTimeBrandFailsContainerOnly) {
  const fs::path file = path("quicktime.mov");
  ffmpeg("-i " + shell_quote(conforming().string()) + " -c copy -f mov -movflags +faststart " +
         shell_quote(file.string()));
  const CheckReport report = check_file(file, tiktok());
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"container"}) << describe_failures(report);
  EXPECT_NE(report.find("container")->found.find("major brand 'qt  '"), std::string::npos)
      << report.find("container")->found;
}

// Matroska and MPEG-TS have no MP4 boxes at all, so moov-before-mdat fails with the container:
// that pair is the smallest set such a file can fail. The Matroska copy keeps the MP4's
// major_brand tag ("isom") as metadata, so it is the demuxer, not the tag, that must fail it;
// the MPEG-TS copy carries its H.264 as Annex B (start codes), which closed-gop reads too.
TEST_F(CheckTest, MatroskaAndMpegTsFailContainerAndFastStart) {
  for (const std::string name : {"remux.mkv", "remux.ts"}) {
    SCOPED_TRACE(name);
    const fs::path file = path(name);
    ffmpeg("-i " + shell_quote(conforming().string()) + " -c copy " + shell_quote(file.string()));
    const CheckReport report = check_file(file, tiktok());
    EXPECT_EQ(failed_rules(report), (std::set<std::string>{"container", "moov-before-mdat"}))
        << describe_failures(report);
    EXPECT_EQ(report.find("container")->found.rfind(name == "remux.mkv" ? "matroska" : "mpegts", 0), 0u)
        << report.find("container")->found;
  }
}

// MPEG-4 Part 2 video instead of H.264. video-profile ranks H.264 profiles and closed-gop looks
// for H.264 IDR slices, so any other codec fails both with video-codec: that is the smallest
// set. video-level passes here only because the check compares the number it reads (Simple
// Profile level 1) with the preset's level_idc (42) whatever the codec.
TEST_F(CheckTest, Mpeg4Part2FailsVideoCodecAndTheH264OnlyRules) {
  const fs::path file = path("mpeg4-part2.mp4");
  test::make_clip(
      file, 2.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2),
      "-c:v mpeg4 -g 60 -pix_fmt yuv420p -c:a aac -b:a 128k -ar 48000 -ac 2 -movflags +faststart");
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_EQ(failed_rules(report), (std::set<std::string>{"video-codec", "video-profile", "closed-gop"}))
      << describe_failures(report);
  EXPECT_EQ(report.find("video-codec")->found, "mpeg4");
  EXPECT_EQ(report.find("video-codec")->limit, "h264");
}

TEST_F(CheckTest, LevelAboveThePresetsFailsVideoLevelOnly) {
  // x264 writes the level it is given (5.1) into the SPS, whatever the stream needs; TikTok
  // allows 4.2.
  const fs::path file = path("level-5.1.mp4");
  test::make_clip(file, 2.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2),
                  encode_args(tiktok()) + " -level 5.1");
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"video-level"}) << describe_failures(report);
  EXPECT_EQ(report.find("video-level")->found, "5.1");
  EXPECT_EQ(report.find("video-level")->limit, "<= 4.2");
}

TEST_F(CheckTest, FrameRatesOutsideThePresetsRangeFailFrameRateOnly) {
  // TikTok takes 23..60 fps. Each file keeps a keyframe every 2 s at its own rate, so only the
  // rate itself is wrong.
  for (const int fps : {15, 120}) {
    SCOPED_TRACE(fps);
    const fs::path file = path("fps-" + std::to_string(fps) + ".mp4");
    test::make_clip(file, 2.0, "testsrc2=size=360x640:rate=" + std::to_string(fps), stereo_tone(0.2),
                    encode_args(tiktok(), "yuv420p", fps));
    const CheckReport report = check_file(file, small_tiktok());
    EXPECT_EQ(failed_rules(report), std::set<std::string>{"frame-rate"}) << describe_failures(report);
    EXPECT_EQ(report.find("frame-rate")->found, std::to_string(fps) + " fps");
    EXPECT_EQ(report.find("frame-rate")->limit, "23..60 fps");
  }
}

TEST_F(CheckTest, GopLongerThanKeyintFailsKeyframeIntervalOnly) {
  // TikTok wants a keyframe at least every 2 s; this 4 s file has one every 3 s (frames 0, 90).
  Preset every_3s = small_tiktok();
  every_3s.video.keyint_s = 3.0;
  const fs::path file = path("gop-3s.mp4");
  test::make_clip(file, 4.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2), encode_args(every_3s));
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"keyframe-interval"}) << describe_failures(report);
  EXPECT_EQ(report.find("keyframe-interval")->found, "longest 3.000 s (2 keyframes)");
  // The same file meets a preset that allows 3 s.
  EXPECT_TRUE(check_file(file, every_3s).passed()) << describe_failures(check_file(file, every_3s));
}

TEST_F(CheckTest, FileBiggerThanMaxFileBytesFailsFileSizeOnly) {
  // A preset file whose max_file_bytes is one byte under the file's size, loaded by the CLI like
  // any preset; at exactly the file's size it passes.
  const fs::path file = path("small.mp4");
  test::make_clip(file, 2.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2), encode_args(tiktok()));
  const auto bytes = int64_t(fs::file_size(file));
  Preset limited = small_tiktok();
  limited.max_file_bytes = bytes;
  EXPECT_TRUE(check_file(file, limited).passed()) << describe_failures(check_file(file, limited));
  limited.max_file_bytes = bytes - 1;
  limited.safe = {50, 224, 22, 55};  // TikTok's, scaled to 360x640 (the loader refuses 1920 px margins)
  const fs::path presets = path("size-presets");
  test::write_text(presets / "size-limit.yaml", preset_to_yaml(limited));
  const Preset loaded = load_preset_file(presets / "size-limit.yaml");
  ASSERT_EQ(loaded.max_file_bytes, bytes - 1);
  const CheckReport report = check_file(file, loaded);
  EXPECT_EQ(failed_rules(report), std::set<std::string>{"file-size"}) << describe_failures(report);
  EXPECT_EQ(report.find("file-size")->found.rfind(std::to_string(bytes) + " bytes", 0), 0u)
      << report.find("file-size")->found;
  EXPECT_EQ(report.find("file-size")->limit.rfind("<= " + std::to_string(bytes - 1) + " bytes", 0), 0u)
      << report.find("file-size")->limit;

  const auto cli = test::run_shortpack("check " + shell_quote(file.string()) +
                                       " --platform size-limit --presets " + shell_quote(presets.string()));
  EXPECT_EQ(cli.exit_code, 1) << cli.output;
  EXPECT_NE(cli.output.find("FAIL  file-size"), std::string::npos) << cli.output;
}

TEST_F(CheckTest, QuietAudioFailsLoudnessAndMissingAudioFailsAudioRules) {
  const fs::path quiet = path("quiet.mp4");
  ffmpeg("-i " + shell_quote(conforming().string()) + " -f lavfi -i " + shell_quote(stereo_tone(0.02)) +
         " -map 0:v -map 1:a -t 2 -c:v copy -c:a aac -ar 48000 -ac 2 -movflags +faststart " +
         shell_quote(quiet.string()));
  const CheckReport quiet_report = check_file(quiet, tiktok());
  EXPECT_EQ(failed_rules(quiet_report), std::set<std::string>{"loudness"}) << describe_failures(quiet_report);
  EXPECT_EQ(quiet_report.find("loudness")->found, "-34.0 LUFS");

  const fs::path silent = path("no-audio.mp4");
  ffmpeg("-i " + shell_quote(conforming().string()) + " -an -c copy -movflags +faststart " +
         shell_quote(silent.string()));
  const CheckReport silent_report = check_file(silent, tiktok());
  EXPECT_EQ(failed_rules(silent_report), (std::set<std::string>{"audio-codec", "audio-sample-rate",
                                                                "audio-channels", "loudness", "true-peak"}))
      << describe_failures(silent_report);
  EXPECT_EQ(silent_report.find("audio-codec")->found, "no audio stream");
}

TEST_F(CheckTest, UnreadableFileIsAMediaError) {
  const fs::path junk = path("junk.mp4");
  test::write_text(junk, "this is not a video\n");
  try {
    (void)check_file(junk, tiktok());
    ADD_FAILURE() << "a text file passed as media";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kMedia);
    EXPECT_NE(std::string(e.what()).find(junk.string()), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)check_file(path("missing.mp4"), tiktok()), Error);

  const auto cli = test::run_shortpack("check " + shell_quote(junk.string()) + " --platform tiktok");
  EXPECT_EQ(cli.exit_code, 3) << cli.output;
  const auto unknown =
      test::run_shortpack("check " + shell_quote(conforming().string()) + " --platform tiktokk");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("known: facebook-feed"), std::string::npos) << unknown.output;
}

// ---- decodes ----------------------------------------------------------------------------------

// What the ffmpeg program finds decoding a file's video on one thread: the lines it prints at
// warning level or above (what `ffmpeg -v warning -i F -f null -` reports) and, placed by the
// showinfo filter, the time of the first bad picture: the first one it calls corrupt, or where its
// pictures stop following each other one frame step (`step_s`) apart or stop before the end.
struct FfmpegDecoding {
  std::vector<std::string> warnings;
  std::vector<double> times_s;  // every picture shown, in order
  double first_bad_s = -1.0;    // -1: none
};

double number_after(const std::string& text, const std::string& key) {
  const size_t at = text.find(key);
  return at == std::string::npos ? -1.0 : std::stod(text.substr(at + key.size()));
}

FfmpegDecoding ffmpeg_decoding(const fs::path& file, double step_s) {
  const auto result = test::run_command("ffmpeg -nostdin -hide_banner -loglevel level+info -threads 1 -i " +
                                        shell_quote(file.string()) + " -map 0:v -vf showinfo -f null - 2>&1");
  EXPECT_EQ(result.exit_code, 0) << result.output;
  FfmpegDecoding judged;
  bool next_is_corrupt = false;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.find("[warning]") != std::string::npos || line.find("[error]") != std::string::npos) {
      judged.warnings.push_back(line);
      if (line.find("corrupt decoded frame") != std::string::npos) next_is_corrupt = true;
      continue;
    }
    if (line.find("Parsed_showinfo") == std::string::npos || line.find(" pts_time:") == std::string::npos)
      continue;
    const double t = number_after(line, " pts_time:");
    if (judged.first_bad_s < 0 && next_is_corrupt) judged.first_bad_s = t;
    if (judged.first_bad_s < 0 && !judged.times_s.empty() && t - judged.times_s.back() > 1.5 * step_s) {
      judged.first_bad_s = judged.times_s.back() + step_s;
    }
    next_is_corrupt = false;
    judged.times_s.push_back(t);
  }
  // Pictures that stop before the end the container states are missing from there on.
  const auto duration = test::run_command("ffprobe -v error -show_entries format=duration -of csv=p=0 " +
                                          shell_quote(file.string()));
  const double end_s = std::stod(duration.output);
  if (judged.first_bad_s < 0 && !judged.times_s.empty() && judged.times_s.back() + 1.5 * step_s < end_s) {
    judged.first_bad_s = judged.times_s.back() + step_s;
  }
  return judged;
}

struct PacketEntry {
  double pts_s = 0.0;
  int64_t size = 0;
  int64_t pos = 0;
  bool key = false;
};

// The video packets in file order, read by ffprobe.
std::vector<PacketEntry> video_packets(const fs::path& file) {
  const auto result = test::run_command(
      "ffprobe -v error -select_streams v -show_entries "
      "packet=pts_time,size,pos,flags -of csv=p=0 " +
      shell_quote(file.string()));
  EXPECT_EQ(result.exit_code, 0) << result.output;
  std::vector<PacketEntry> packets;
  std::istringstream lines(result.output);
  for (std::string line; std::getline(lines, line);) {
    PacketEntry p;
    char flags[8] = {};
    if (std::sscanf(line.c_str(), "%lf,%" SCNd64 ",%" SCNd64 ",%7s", &p.pts_s, &p.size, &p.pos, flags) == 4) {
      p.key = flags[0] == 'K';
      packets.push_back(p);
    }
  }
  return packets;
}

// The time the `decodes` rule names ("first bad picture at 1.167 s: ..."), -1 when it names none.
double decodes_time(const CheckReport& report) {
  const CheckRule* rule = report.find("decodes");
  return rule == nullptr ? -1.0 : number_after(rule->found, "first bad picture at ");
}

class DecodesTest : public CheckTest {
 protected:
  // 4 s at 360x640 with B-frames (x264 veryfast, as renders are made), a keyframe every 2 s.
  static fs::path good() {
    const fs::path file = path("decodes-good.mp4");
    if (!fs::exists(file)) {
      test::make_clip(file, 4.0, "testsrc2=size=360x640:rate=30", stereo_tone(0.2),
                      "-c:v libx264 -preset veryfast -pix_fmt yuv420p -g 60 -keyint_min 60 -sc_threshold 0 "
                      "-c:a aac -b:a 128k -ar 48000 -ac 2 -movflags +faststart");
    }
    return file;
  }
  // Both judges agree on the time, and the CLI fails the file with exit code 1.
  static void expect_decodes_fails_at(const fs::path& file, double expected_s, const FfmpegDecoding& judged) {
    const CheckReport report = check_file(file, small_tiktok());
    ASSERT_NE(report.find("decodes"), nullptr);
    EXPECT_FALSE(report.find("decodes")->passed) << report.find("decodes")->found;
    EXPECT_NEAR(judged.first_bad_s, expected_s, 0.002);
    EXPECT_NEAR(decodes_time(report), judged.first_bad_s, 0.002) << report.find("decodes")->found;
    const auto cli = test::run_shortpack("check " + shell_quote(file.string()) + " --platform tiktok");
    EXPECT_EQ(cli.exit_code, 1) << cli.output;
    EXPECT_NE(cli.output.find("FAIL  decodes"), std::string::npos) << cli.output;
  }
};

TEST_F(DecodesTest, GoodFileDecodesCleanly) {
  const FfmpegDecoding judged = ffmpeg_decoding(good(), 1.0 / 30);
  ASSERT_TRUE(judged.warnings.empty()) << judged.warnings.front();
  ASSERT_EQ(judged.times_s.size(), 120u);
  const CheckReport report = check_file(good(), small_tiktok());
  EXPECT_TRUE(report.passed()) << describe_failures(report);
  EXPECT_EQ(report.find("decodes")->found, "120 pictures, 0.033 s apart, none damaged");
}

// 256 bytes inverted inside a P picture of the first GOP: the decoder conceals the damage, and the
// rule names that picture and the decoder's message.
TEST_F(DecodesTest, BytesFlippedInsideOneGopFailDecodesAtThatPicture) {
  const fs::path file = path("decodes-flipped.mp4");
  fs::copy_file(good(), file, fs::copy_options::overwrite_existing);
  const auto packets = video_packets(file);
  const auto p_picture = std::find_if(packets.begin(), packets.end(), [](const PacketEntry& p) {
    return !p.key && p.pts_s >= 1.0 && p.size >= 3000;  // B pictures are smaller
  });
  ASSERT_NE(p_picture, packets.end());
  std::string bytes = test::read_text(file);
  for (int64_t i = p_picture->pos + 60; i < p_picture->pos + 60 + 256; ++i) bytes[size_t(i)] ^= char(0xff);
  test::write_text(file, bytes);

  const FfmpegDecoding judged = ffmpeg_decoding(file, 1.0 / 30);
  ASSERT_FALSE(judged.warnings.empty()) << "ffmpeg found nothing wrong: the damage missed";
  expect_decodes_fails_at(file, p_picture->pts_s, judged);
  const CheckReport report = check_file(file, small_tiktok());
  // The decoder's own words, e.g. "left block unavailable for requested intra mode".
  EXPECT_NE(report.find("decodes")->found.find("concealed damage"), std::string::npos)
      << report.find("decodes")->found;
  EXPECT_TRUE(report.find("constant-frame-rate")->passed);  // the packets themselves are all there
}

// The first GOP of the good file (its first 60 packets: the pictures up to 2 s), then 1.5 s from
// another encode (x264 ultrafast: CAVLC, other parameter sets) joined by stream copy without its
// parameter sets: the MP4 keeps only the first encode's (avcC), so the decoder reads the appended
// pictures with the wrong ones. Video only: the join of the sound is not what is tested.
TEST_F(DecodesTest, SpanAppendedWithoutItsParameterSetsFailsDecodesWhereItStarts) {
  const fs::path head = path("decodes-head.mp4");
  const fs::path other = path("decodes-other.mp4");
  const fs::path list = path("decodes-join.txt");
  const fs::path file = path("decodes-joined.mp4");
  ffmpeg("-i " + shell_quote(good().string()) + " -map 0:v -frames:v 60 -c copy " +
         shell_quote(head.string()));
  test::make_clip(other, 1.5, "testsrc2=size=360x640:rate=30", "",
                  "-c:v libx264 -preset ultrafast -pix_fmt yuv420p");
  test::write_text(list,
                   "file " + shell_quote(head.string()) + "\nfile " + shell_quote(other.string()) + "\n");
  ffmpeg("-f concat -safe 0 -auto_convert 0 -i " + shell_quote(list.string()) +
         " -map 0:v -c copy -movflags +faststart " + shell_quote(file.string()));

  const FfmpegDecoding judged = ffmpeg_decoding(file, 1.0 / 30);
  ASSERT_FALSE(judged.warnings.empty()) << "ffmpeg decoded the join without a complaint";
  // The first picture of the appended span follows the last of the head one frame step later.
  const auto packets = video_packets(file);
  const auto join =
      std::find_if(packets.begin() + 1, packets.end(), [](const PacketEntry& p) { return p.key; });
  ASSERT_NE(join, packets.end());
  expect_decodes_fails_at(file, join->pts_s, judged);
}

// One picture's packet taken out of the middle (stream copy through the noise filter): no
// decoder sees an error, but a picture is missing where it was.
TEST_F(DecodesTest, FrameDroppedFromTheMiddleFailsDecodesWhereItIsMissing) {
  const fs::path file = path("decodes-dropped.mp4");
  ffmpeg("-i " + shell_quote(good().string()) + " -c copy -bsf:v " + shell_quote("noise=drop=eq(n\\,45)") +
         " -movflags +faststart " + shell_quote(file.string()));
  const auto before = video_packets(good());
  ASSERT_EQ(before.size(), 120u);
  ASSERT_EQ(video_packets(file).size(), 119u);
  const double dropped_s = before[45].pts_s;  // the 46th packet in file (decoding) order

  const FfmpegDecoding judged = ffmpeg_decoding(file, 1.0 / 30);
  expect_decodes_fails_at(file, dropped_s, judged);
  const CheckReport report = check_file(file, small_tiktok());
  EXPECT_NE(report.find("decodes")->found.find("no picture"), std::string::npos)
      << report.find("decodes")->found;
}

// Every built-in preset accepts a file that ffmpeg made to its numbers; this ties the preset
// files and the checker together (a preset whose level cannot carry its size would fail here).
class PresetConformanceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PresetConformanceTest, AcceptsAFileMadeToItsSpec) {
  std::setlocale(LC_ALL, "C");
  const PresetCatalog catalog = PresetCatalog::load({});
  const Preset& preset = catalog.get(GetParam());
  ScratchDir dir("check-" + GetParam());
  const fs::path file = dir / (GetParam() + ".mp4");
  const double seconds = std::max(1.0, preset.duration_min_s + 0.5);
  test::make_clip(file, seconds,
                  "color=c=0x3366cc:size=" + std::to_string(preset.width_px) + "x" +
                      std::to_string(preset.height_px) + ":rate=30",
                  stereo_tone(0.2), encode_args(preset));
  const CheckReport report = check_file(file, preset);
  EXPECT_TRUE(report.passed()) << GetParam() << ": " << describe_failures(report);
}

INSTANTIATE_TEST_SUITE_P(BuiltinPresets, PresetConformanceTest,
                         ::testing::Values("tiktok", "youtube-shorts", "instagram-reels", "facebook-reels",
                                           "facebook-feed", "youtube", "x", "zalo"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// ---- LoudnessMeter ----------------------------------------------------------------------------

std::vector<float> sine(double amplitude, int channels, int sample_rate_hz, double seconds) {
  const auto frames = size_t(seconds * sample_rate_hz);
  std::vector<float> samples(frames * size_t(channels));
  for (size_t i = 0; i < frames; ++i) {
    const auto value = float(amplitude * std::sin(2.0 * kPi * 997.0 * double(i) / sample_rate_hz));
    for (int ch = 0; ch < channels; ++ch) samples[i * size_t(channels) + size_t(ch)] = value;
  }
  return samples;
}

TEST(LoudnessMeter, StereoToneMeasuresItsBs1770Loudness) {
  LoudnessMeter meter(2, 48000);
  const auto samples = sine(0.2, 2, 48000, 3.0);
  meter.add_frames(samples.data(), samples.size() / 2);
  EXPECT_EQ(meter.frames_added(), 144000u);
  EXPECT_NEAR(meter.integrated_lufs(), 20.0 * std::log10(0.2), 0.05);
  EXPECT_NEAR(meter.true_peak_dbtp(), 20.0 * std::log10(0.2), 0.1);
}

TEST(LoudnessMeter, FullScaleMonoToneIsMinus3Lufs) {
  // BS.1770-4, 2.1: a 0 dBFS 997 Hz sine in one front channel reads -3.01 LKFS.
  LoudnessMeter meter(1, 48000);
  const auto samples = sine(1.0, 1, 48000, 2.0);
  meter.add_frames(samples.data(), samples.size());
  EXPECT_NEAR(meter.integrated_lufs(), -3.01, 0.05);
  EXPECT_NEAR(meter.true_peak_dbtp(), 0.0, 0.1);
}

TEST(LoudnessMeter, ChunkedInputMatchesOneBlock) {
  const auto samples = sine(0.1, 2, 44100, 2.0);
  LoudnessMeter whole(2, 44100);
  whole.add_frames(samples.data(), samples.size() / 2);
  LoudnessMeter chunked(2, 44100);
  for (size_t frame = 0; frame < samples.size() / 2; frame += 1000) {
    chunked.add_frames(samples.data() + frame * 2, std::min<size_t>(1000, samples.size() / 2 - frame));
  }
  EXPECT_DOUBLE_EQ(chunked.integrated_lufs(), whole.integrated_lufs());
  EXPECT_DOUBLE_EQ(chunked.true_peak_dbtp(), whole.true_peak_dbtp());
}

TEST(LoudnessMeter, SilenceIsMinusInfinity) {
  LoudnessMeter meter(2, 48000);
  const std::vector<float> zeros(48000 * 2, 0.0f);
  meter.add_frames(zeros.data(), 48000);
  EXPECT_TRUE(std::isinf(meter.integrated_lufs()) && meter.integrated_lufs() < 0);
  EXPECT_TRUE(std::isinf(meter.true_peak_dbtp()) && meter.true_peak_dbtp() < 0);
}

TEST(LoudnessMeter, RejectsImpossibleFormats) {
  EXPECT_THROW(LoudnessMeter(0, 48000), Error);
  EXPECT_THROW(LoudnessMeter(2, 100), Error);
}

}  // namespace
}  // namespace shortpack

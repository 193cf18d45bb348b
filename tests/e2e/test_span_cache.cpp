// The span cache (issue 29) through the CLI: the weekly run after one caption changed encodes
// only the spans that show it. Judged from outside: FFmpeg's framemd5 of the video packets (the
// spans kept are the very bytes of the first run), FFmpeg's psnr filter against a full render of
// the edited campaign, a decode without one warning, and the report's seconds encoded and reused.
// A damaged cache, one made by another build, a killed run's leftovers and the size limit each
// cost an encode, never a wrong picture.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/spans_preset.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

constexpr double kSeconds = 15.0;
constexpr int kFrames = 450;

std::string srt(const std::string& third_cue) {
  return "1\n00:00:00,500 --> 00:00:02,500\nThe voluntary scheme\n\n"
         "2\n00:00:03,500 --> 00:00:05,500\nPay every month or once a year\n\n"
         "3\n00:00:06,500 --> 00:00:08,500\n" +
         third_cue +
         "\n\n"
         "4\n00:00:09,500 --> 00:00:11,500\nAsk at any post office\n\n"
         "5\n00:00:12,500 --> 00:00:14,500\nOr call 1900 9068\n";
}

class SpanCacheRun : public ::testing::Test {
 protected:
  void SetUp() override {
    std::setlocale(LC_ALL, "C");
    write_text(dir_ / "presets/spans-portrait.yaml", test::kSpansPortraitPreset);
    test::make_clip(dir_ / "src.mp4", kSeconds, "testsrc2=s=1280x720:r=30");
    write_text(dir_ / "vi.srt", srt("The state adds thirty percent"));
    write_text(dir_ / "c.yaml",
               "name: w\nlanguages: [vi]\nplatforms: [spans-portrait]\nclips:\n"
               "  - id: weekly\n    segments:\n      - {source: src.mp4}\n    captions: {vi: vi.srt}\n");
  }
  test::CommandResult render(const std::string& out, const std::string& extra = "") {
    return test::run_shortpack("render " + shell_quote((dir_ / "c.yaml").string()) + " --presets " +
                               shell_quote((dir_ / "presets").string()) + " --out " +
                               shell_quote((dir_ / out).string()) + " --progress none " + extra);
  }
  fs::path output(const std::string& out) { return dir_ / out / "w/weekly/weekly.spans-portrait.vi.mp4"; }
  fs::path spans(const std::string& out) { return dir_ / out / "w/.shortpack/spans"; }
  nlohmann::json record(const std::string& out) {
    const nlohmann::json report = test::read_json(dir_ / out / "w/report.json");
    EXPECT_EQ(report.at("outputs").size(), 1u);
    return report.at("outputs").at(0);
  }
  std::vector<fs::path> span_files(const std::string& out) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(spans(out))) {
      if (e.path().extension() == ".span") files.push_back(e.path());
    }
    return files;
  }
  // The video packets' lines of `ffmpeg -c copy -f framemd5`, in decoding order.
  static std::vector<std::string> framemd5(const fs::path& file) {
    const auto r = test::run_command("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
                                     " -map 0:v -c copy -f framemd5 - 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') lines.push_back(line);
    }
    return lines;
  }
  // The lowest per-frame PSNR (all planes, FFmpeg's psnr filter) of `a` against `b`, and how many
  // frames were compared.
  static std::pair<double, int> min_psnr(const fs::path& a, const fs::path& b) {
    const auto r = test::run_command("ffmpeg -nostdin -v error -i " + shell_quote(a.string()) + " -i " +
                                     shell_quote(b.string()) +
                                     " -lavfi '[0:v][1:v]psnr=stats_file=-' -f null - 2>/dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    double lowest = std::numeric_limits<double>::infinity();
    int frames = 0;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      const size_t at = line.find("psnr_avg:");
      if (at == std::string::npos) continue;
      ++frames;
      const std::string v = line.substr(at + 9, line.find(' ', at) - at - 9);
      if (v != "inf") lowest = std::min(lowest, std::stod(v));
    }
    return {lowest, frames};
  }
  static void expect_clean_decode(const fs::path& file) {
    const auto decode =
        test::run_command("ffmpeg -nostdin -v warning -i " + shell_quote(file.string()) + " -f null - 2>&1");
    EXPECT_EQ(decode.exit_code, 0);
    EXPECT_EQ(decode.output, "");
  }
  test::ScratchDir dir_{"span-cache-e2e"};
};

TEST_F(SpanCacheRun, AWeeklyRunAfterOneCueChangedEncodesOnlyTheSpansThatShowIt) {
  ASSERT_EQ(render("out").exit_code, 0);
  const nlohmann::json first = record("out");
  EXPECT_NEAR(first.at("video_encoded_s").get<double>(), kSeconds, 1e-9) << first.dump(2);
  ASSERT_FALSE(span_files("out").empty());
  const std::vector<std::string> before = framemd5(output("out"));
  ASSERT_EQ(before.size(), static_cast<size_t>(kFrames));

  // The week's edit: the third cue (6.5-8.5 s) says something else.
  write_text(dir_ / "vi.srt", srt("The state now adds fifty percent"));
  const auto run = render("out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const nlohmann::json again = record("out");
  EXPECT_EQ(again.at("status"), "ok") << again.dump(2);
  EXPECT_FALSE(again.contains("warnings")) << again.dump(2);
  const double encoded = again.at("video_encoded_s").get<double>();
  EXPECT_NEAR(encoded + again.at("video_reused_s").get<double>(), kSeconds, 1e-9);
  // The cue's 2 s and the rest of the span it is in (spans are 4 s at least: cut at the third
  // cue's start, 6.47 s, and at the fifth's, 12.47 s), not the clip.
  EXPECT_GE(encoded, 2.0) << again.dump(2);
  EXPECT_LE(encoded, 6.5) << again.dump(2);

  // The packets outside the re-encoded stretch are the first run's bytes; the stretch is where the
  // cue is, and covers it.
  const std::vector<std::string> after = framemd5(output("out"));
  ASSERT_EQ(after.size(), static_cast<size_t>(kFrames));
  int first_changed = kFrames;
  int last_changed = -1;
  for (int i = 0; i < kFrames; ++i) {
    if (after[i] == before[i]) continue;
    first_changed = std::min(first_changed, i);
    last_changed = std::max(last_changed, i);
  }
  // (Packets are in decoding order: a B-frame's may come up to its reorder delay, 3, early.)
  EXPECT_LE(last_changed - first_changed + 1, std::lround(encoded * 30.0) + 3);
  EXPECT_LE(first_changed, 195);  // the cue's first frame (6.5 s)
  EXPECT_GE(last_changed, 255);   // its last (8.5 s)
  expect_clean_decode(output("out"));

  // What a full render of the edited campaign shows, frame for frame.
  ASSERT_EQ(render("full", "--no-span-reuse").exit_code, 0);
  const auto [psnr, frames] = min_psnr(output("out"), output("full"));
  EXPECT_EQ(frames, kFrames);
  EXPECT_GE(psnr, 40.0);
  const auto check =
      test::run_shortpack("check " + shell_quote(output("out").string()) +
                          " --platform spans-portrait --presets " + shell_quote((dir_ / "presets").string()));
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

// The lowest fullness of a VBV buffer of `buffer_bits` refilled at `rate_bps` (30 fps), started
// 90 % full as x264 starts a stream, over the video packets of `file` as ffprobe reads them
// (decoding order); below 0 at the first underflow.
double lowest_vbv_fullness(const fs::path& file, double rate_bps, double buffer_bits) {
  const auto sizes =
      test::run_command("ffprobe -v error -select_streams v:0 -show_entries packet=size -of csv=p=0 " +
                        shell_quote(file.string()));
  EXPECT_EQ(sizes.exit_code, 0) << sizes.output;
  double fullness = 0.9 * buffer_bits;
  double lowest = fullness;
  int packets = 0;
  std::istringstream in(sizes.output);
  for (std::string line; std::getline(in, line) && fullness >= 0.0; ++packets) {
    fullness -= 8.0 * std::stod(line);
    lowest = std::min(lowest, fullness);
    fullness = std::min(buffer_bits, fullness + rate_bps / 30.0);
  }
  EXPECT_EQ(packets, kFrames);
  return lowest;
}

// A rate cap that binds at every keyframe (300 kbit/s, a one-second buffer, a keyframe every
// 0.5 s): every span starts with an IDR picture, and in the joined stream the span before may
// have left the buffer low. Spans are encoded taking the buffer half full at their start
// (kSpanVbvInit), so the joins hold and the output is not encoded a second time, whole. (With
// x264's own 0.9 the join fails here and the output is encoded again.) Judged from the file:
// ffprobe's packet sizes through the preset's leaky bucket.
TEST_F(SpanCacheRun, SpansJoinUnderARateCapThatBinds) {
  std::string capped = test::kSpansPortraitPreset;
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"maxrate_bps: 4000000, bufsize_bits: 8000000", "maxrate_bps: 300000, bufsize_bits: 300000"},
           {"keyint_s: 1", "keyint_s: 0.5"},
           {"crf: 23", "crf: 21"}}) {
    ASSERT_NE(capped.find(from), std::string::npos) << from;
    capped.replace(capped.find(from), from.size(), to);
  }
  write_text(dir_ / "presets/spans-capped.yaml", capped);
  write_text(dir_ / "capped.yaml",
             "name: w\nlanguages: [vi]\nplatforms: [spans-capped]\nclips:\n"
             "  - id: weekly\n    segments:\n      - {source: src.mp4}\n    captions: {vi: vi.srt}\n");
  const auto render_capped = [&](const std::string& out, const std::string& extra) {
    const auto run =
        test::run_shortpack("render " + shell_quote((dir_ / "capped.yaml").string()) + " --presets " +
                            shell_quote((dir_ / "presets").string()) + " --out " +
                            shell_quote((dir_ / out).string()) + " --progress none " + extra);
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return test::read_json(dir_ / out / "w/report.json").at("outputs").at(0);
  };
  const std::string name = "w/weekly/weekly.spans-capped.vi.mp4";
  // Encoded whole, the cap takes the buffer below half at a keyframe: it binds.
  render_capped("whole", "--no-span-reuse");
  EXPECT_LT(lowest_vbv_fullness(dir_ / "whole" / name, 300000.0, 300000.0), 0.5 * 300000.0);

  const nlohmann::json r = render_capped("capped", "");
  EXPECT_EQ(r.at("status"), "ok") << r.dump(2);
  EXPECT_FALSE(r.contains("warnings")) << r.dump(2);  // e.g. "its spans could not be joined"
  EXPECT_EQ(span_files("capped").size(), 3u);         // joined from three spans
  EXPECT_GE(lowest_vbv_fullness(dir_ / "capped" / name, 300000.0, 300000.0), 0.0);
  expect_clean_decode(dir_ / "capped" / name);
}

TEST_F(SpanCacheRun, ADamagedOrForeignCacheCostsAnEncodeWithAWarningNeverAWrongPicture) {
  ASSERT_EQ(render("out").exit_code, 0);
  const fs::path reference = dir_ / "reference.mp4";
  fs::copy_file(output("out"), reference);
  std::vector<fs::path> files = span_files("out");
  ASSERT_GE(files.size(), 3u);
  // One file cut short, one with a byte changed in its packets, one emptied.
  fs::resize_file(files[0], fs::file_size(files[0]) / 2);
  {
    std::fstream f(files[1], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(files[1]) / 2));
    f.put('\x5a');
  }
  fs::resize_file(files[2], 0);
  // A killed run's temporary file (its pid gone, an hour old).
  const fs::path leftover = files[0].parent_path() / ".x.span.999999-0123456789abcdef.part";
  write_text(leftover, "half a span");
  fs::last_write_time(leftover, fs::file_time_type::clock::now() - std::chrono::hours(1));

  ASSERT_EQ(render("out", "--force").exit_code, 0);
  nlohmann::json r = record("out");
  EXPECT_EQ(r.at("status"), "ok");
  const std::string warnings = r.value("warnings", nlohmann::json::array()).dump();
  EXPECT_EQ(r.at("warnings").size(), 3u) << warnings;
  EXPECT_NE(warnings.find("checksum does not match"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("encoded again"), std::string::npos) << warnings;
  EXPECT_GT(r.at("video_encoded_s").get<double>(), 0.0);
  // The same pictures (x264 does not make the very same bytes twice: its threads), every frame.
  const auto same_pictures = [&] {
    const auto [psnr, frames] = min_psnr(output("out"), reference);
    EXPECT_EQ(frames, kFrames);
    EXPECT_GE(psnr, 40.0);
    expect_clean_decode(output("out"));
  };
  same_pictures();
  EXPECT_FALSE(fs::exists(leftover));

  // A cache another build made: emptied, said once, every span encoded.
  write_text(spans("out") / "VERSION", "format 0; shortpack 0.0.1\n");
  ASSERT_EQ(render("out", "--force").exit_code, 0);
  r = record("out");
  EXPECT_NEAR(r.at("video_encoded_s").get<double>(), kSeconds, 1e-9) << r.dump(2);
  EXPECT_NE(r.at("warnings").dump().find("made by another build"), std::string::npos) << r.dump(2);
  same_pictures();

  // A size limit below one span: nothing is kept, and the next run encodes everything.
  ASSERT_EQ(render("out", "--force --limit span_cache=1").exit_code, 0);
  EXPECT_TRUE(span_files("out").empty());
  ASSERT_EQ(render("out", "--force").exit_code, 0);
  EXPECT_NEAR(record("out").at("video_encoded_s").get<double>(), kSeconds, 1e-9);
  EXPECT_FALSE(span_files("out").empty());
  EXPECT_EQ(test::leftover_files(dir_ / "out"), std::vector<std::string>{});
}

}  // namespace
}  // namespace shortpack

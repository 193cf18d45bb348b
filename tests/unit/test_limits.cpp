// Resource limits (pipeline/render/limits.h), the stall watchdog (pipeline/graph/stall_watchdog.h) and
// the output folder's safety checks (pipeline/render/output_safety.h), without media.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "filters/core/error.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/graph/stall_watchdog.h"
#include "pipeline/render/limits.h"
#include "pipeline/render/output_safety.h"
#include "support/error_of.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::write_text;
using ::testing::HasSubstr;

using test::error_of;

TEST(Limits, DefaultsMatchTheComponentsOwnDefaults) {
  const Limits l;
  EXPECT_EQ(campaign_limits(l).max_clips, CampaignLimits{}.max_clips);
  EXPECT_EQ(campaign_limits(l).max_file_bytes, CampaignLimits{}.max_file_bytes);
  EXPECT_EQ(campaign_limits(l).max_outputs, 20000);
  EXPECT_EQ(campaign_limits(l).max_variants, 1000);
  EXPECT_EQ(subtitle_limits(l).max_file_bytes, 20 * 1024 * 1024);
  EXPECT_EQ(subtitle_limits(l).max_cues, 100000);
  EXPECT_EQ(subtitle_limits(l).max_line_bytes, 65536);
  EXPECT_EQ(l.source_pixels, 8192 * 4320);
  EXPECT_DOUBLE_EQ(l.source_duration_s, 10800.0);
  EXPECT_DOUBLE_EQ(l.stall_s, 120.0);
  EXPECT_EQ(l.caption_frame_ms, 2000);
}

TEST(Limits, DescribeListsEveryLimitWithItsValue) {
  Limits l;
  l.stall_s = 2.5;
  const std::vector<LimitInfo> all = describe_limits(l);
  ASSERT_EQ(all.size(), 17U);
  std::map<std::string, std::string> values;
  for (const LimitInfo& i : all) {
    EXPECT_FALSE(i.description.empty()) << i.name;
    values[i.name] = i.value;
  }
  EXPECT_EQ(values.at("stall_s"), "2.5");
  EXPECT_EQ(values.at("source_duration_s"), "10800");
  EXPECT_EQ(values.at("subtitle_bytes"), "20971520");
  EXPECT_EQ(values.at("frames_in_flight"), "0");
  EXPECT_EQ(values.at("outputs"), "20000");
  EXPECT_EQ(values.at("variants"), "1000");
  EXPECT_EQ(values.at("caption_frame_ms"), "2000");
  EXPECT_EQ(values.at("encoder_memory"), "536870912");
  EXPECT_EQ(values.at("span_cache"), "4294967296");
  EXPECT_EQ(values.at("frame_spill"), "17179869184");
}

TEST(Limits, SetLimitTakesUnits) {
  Limits l;
  set_limit(l, "source_bytes=2G");
  EXPECT_EQ(l.source_bytes, 2LL << 30);
  set_limit(l, "subtitle_bytes=512K");
  EXPECT_EQ(l.subtitle_bytes, 512 * 1024);
  set_limit(l, "campaign_bytes=1.5M");
  EXPECT_EQ(l.campaign_bytes, 1572864);
  set_limit(l, "source_duration_s=90m");
  EXPECT_DOUBLE_EQ(l.source_duration_s, 5400.0);
  set_limit(l, "source_duration_s=2h");
  EXPECT_DOUBLE_EQ(l.source_duration_s, 7200.0);
  set_limit(l, "stall_s=0.25");
  EXPECT_DOUBLE_EQ(l.stall_s, 0.25);
  set_limit(l, "stall_s=0");
  EXPECT_DOUBLE_EQ(l.stall_s, 0.0);
  set_limit(l, "caption_frame_ms=500");
  EXPECT_EQ(l.caption_frame_ms, 500);
  set_limit(l, "clips=5");
  EXPECT_EQ(l.clips, 5);
  EXPECT_EQ(campaign_limits(l).max_clips, 5);
}

TEST(Limits, SetLimitRefusesWhatItCannotRead) {
  Limits l;
  EXPECT_THAT(error_of([&] { set_limit(l, "clip=5"); }, ErrorKind::kInput),
              HasSubstr("unknown limit 'clip' (known limits: campaign_bytes, clips,"));
  EXPECT_THAT(error_of([&] { set_limit(l, "clips"); }, ErrorKind::kInput), HasSubstr("expected NAME=VALUE"));
  EXPECT_THAT(error_of([&] { set_limit(l, "clips=many"); }, ErrorKind::kInput),
              HasSubstr("--limit clips=many: not a number (write a whole number, e.g. clips=5000)"));
  EXPECT_THAT(error_of([&] { set_limit(l, "clips=2.5"); }, ErrorKind::kInput),
              HasSubstr("not a whole number"));
  EXPECT_THAT(error_of([&] { set_limit(l, "clips=-1"); }, ErrorKind::kInput),
              HasSubstr("cannot be negative"));
  EXPECT_THAT(error_of([&] { set_limit(l, "clips=5K"); }, ErrorKind::kInput), HasSubstr("unknown unit 'K'"));
  EXPECT_THAT(error_of([&] { set_limit(l, "source_bytes=5h"); }, ErrorKind::kInput),
              HasSubstr("K, M, G or T (powers of 1024)"));
  EXPECT_THAT(error_of([&] { set_limit(l, "stall_s=5G"); }, ErrorKind::kInput), HasSubstr("s, m or h"));
  EXPECT_THAT(error_of([&] { set_limit(l, "stall_s=inf"); }, ErrorKind::kInput), HasSubstr("not a number"));
  EXPECT_THAT(error_of([&] { set_limit(l, "frames_in_flight=2000"); }, ErrorKind::kInput),
              HasSubstr("at most 1024"));
  EXPECT_THAT(error_of([&] { set_limit(l, "outputs=1e30"); }, ErrorKind::kInput), HasSubstr("at most"));
  EXPECT_EQ(l.clips, Limits{}.clips) << "a refused assignment changes nothing";
}

TEST(Limits, SourceLimitsNameTheFileTheValueAndTheOption) {
  ScratchDir dir("limits");
  write_text(dir / "clip.mp4", std::string(2000, 'x'));
  MediaInfo m;
  m.path = dir / "clip.mp4";
  m.has_video = true;
  m.width_px = 1920;
  m.height_px = 1080;
  m.duration_s = 60.0;
  Limits l;
  EXPECT_NO_THROW(check_source_limits(m, l, "clip 'a' segment 1"));
  l.source_bytes = 1000;
  EXPECT_EQ(
      error_of([&] { check_source_limits(m, l, "clip 'a' segment 1"); }, ErrorKind::kLimit),
      "clip 'a' segment 1: clip.mp4 is 2000 bytes, over the limit of 1000 bytes (use a smaller source, or "
      "raise the limit with --limit source_bytes=N)");
  l = {};
  l.source_duration_s = 30;
  EXPECT_THAT(error_of([&] { check_source_limits(m, l, "w"); }, ErrorKind::kLimit),
              HasSubstr("clip.mp4 lasts 60 s, over the limit of 30 s"));
  l = {};
  l.source_pixels = 1920 * 1079;
  EXPECT_THAT(error_of([&] { check_source_limits(m, l, "w"); }, ErrorKind::kLimit),
              HasSubstr("has pictures of 1920x1080 pixels, over the limit of 2071680 pixels"));
  m.has_video = false;  // a voice-over has no pictures to count
  EXPECT_NO_THROW(check_source_limits(m, l, "w"));
}

TEST(Limits, SubtitleLinesAreBoundedWhateverTheLineEnds) {
  SubtitleLimits limits;
  limits.max_line_bytes = 40;
  const std::string cue = "1\n00:00:01,000 --> 00:00:02,000\nshort text\n\n";
  EXPECT_NO_THROW(parse_srt(cue + cue + cue, "x.srt", limits));
  std::string cr_only = cue + cue + cue;  // classic Mac line ends: many short lines, not one long one
  std::replace(cr_only.begin(), cr_only.end(), '\n', '\r');
  EXPECT_NO_THROW(parse_srt(cr_only, "x.srt", limits));
  const std::string long_line = cue + "2\n00:00:03,000 --> 00:00:04,000\n" + std::string(41, 'a');
  EXPECT_THAT(
      error_of([&] { parse_srt(long_line + "\n", "x.srt", limits); }, ErrorKind::kLimit),
      HasSubstr("x.srt:7: the line is 41 bytes long, over the limit of 40 (no caption can show it; split it, "
                "or raise the limit with --limit subtitle_line_bytes=N)"));
  EXPECT_THAT(
      error_of(
          [&] { parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\n" + std::string(41, 'b'), "x.vtt", limits); },
          ErrorKind::kLimit),
      HasSubstr("x.vtt:4: the line is 41 bytes long"))
      << "the last line, without a line end, counts too";
}

// Margins that hold on a loaded 2-core machine under ASan: ticks every 20 ms against a 1 s limit
// (a 50x margin; the old 50 ms against 0.2 s tripped when one sleep overran by 150 ms).
TEST(StallWatchdog, TicksKeepItQuietSilenceTripsItOnce) {
  std::atomic<int> calls{0};
  StallWatchdog dog(1.0, "test", [&] { ++calls; });
  for (int i = 0; i < 60; ++i) {  // 1.2 s of steady progress, longer than the limit
    dog.tick();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_FALSE(dog.stalled());
  EXPECT_EQ(calls.load(), 0);
  const auto t0 = std::chrono::steady_clock::now();
  while (!dog.stalled() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double waited_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(dog.stalled());
  EXPECT_GE(waited_s, 0.9);  // not before the limit (the last tick was at most 20 ms before t0)
  EXPECT_LT(waited_s, 30.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_THAT(dog.message(), HasSubstr("no decoding or encoding progress for 1 s"));
  EXPECT_THAT(dog.message(), HasSubstr("--limit stall_s=N"));
}

// The threads of this process (/proc/self/task).
size_t thread_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator("/proc/self/task")) ++n;
  return n;
}

// Off means off: no timer thread at all, never stalled, never calling back (issue 26: a 50 ms sleep
// passed any timeout over 50 ms, "0 means 60 s" included). A watchdog that is on adds one thread,
// which shows that the count sees it.
TEST(StallWatchdog, ZeroTimeoutIsOff) {
  const size_t before = thread_count();
  {
    StallWatchdog on(30.0, "test");
    EXPECT_EQ(thread_count(), before + 1);
  }
  EXPECT_EQ(thread_count(), before);
  std::atomic<int> calls{0};
  for (const double off : {0.0, -1.0}) {
    StallWatchdog dog(
        off, "test", [&] { ++calls; }, 0.0);
    EXPECT_EQ(thread_count(), before) << off;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_FALSE(dog.stalled()) << off;
  }
  EXPECT_EQ(calls.load(), 0);
}

// Work that never comes back ends the process (exit 3) after the grace period.
TEST(StallWatchdogDeathTest, StuckWorkEndsTheProcess) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        StallWatchdog dog(0.1, "clip 'stuck'", {}, 0.2);
        std::this_thread::sleep_for(std::chrono::seconds(10));
      },
      ::testing::ExitedWithCode(3), "clip 'stuck': no decoding or encoding progress for 0.1 s");
}

RenderPlan plan_in(const fs::path& out) {
  RenderPlan plan;
  plan.output_dir = out / "camp";
  plan.units.push_back({"a", "tiktok", "en", plan.output_dir / "a/a.tiktok.en.mp4", "", 0, 0, "", {}});
  plan.units.push_back({"b", "tiktok", "en", plan.output_dir / "b/b.tiktok.en.mp4", "", 0, 0, "", {}});
  return plan;
}

TEST(OutputSafety, AFreshOrCleanTreePasses) {
  ScratchDir dir("safety");
  const RenderPlan plan = plan_in(dir.path());
  EXPECT_NO_THROW(check_output_tree(plan));  // nothing there yet
  ensure_output_folder(plan.output_dir, plan.output_dir / "a");
  write_text(plan.output_dir / "a/a.tiktok.en.mp4", "x");
  write_text(plan.output_dir / ".shortpack/locks/a.tiktok.en.lock", "");
  EXPECT_NO_THROW(check_output_tree(plan));
  EXPECT_TRUE(fs::is_directory(plan.output_dir / "a"));
}

TEST(OutputSafety, EverySymlinkInTheTreeIsRefused) {
  ScratchDir dir("safety");
  ScratchDir elsewhere("elsewhere");
  const RenderPlan plan = plan_in(dir.path());
  for (const std::string rel :
       {"", "b", "a/a.tiktok.en.mp4", "report.json", ".shortpack", ".shortpack/ledger.sqlite",
        ".shortpack/locks/a.tiktok.en.lock", "a/a.tiktok.en.srt"}) {
    SCOPED_TRACE(rel);
    fs::remove_all(dir.path() / "camp");
    const fs::path link = rel.empty() ? plan.output_dir : plan.output_dir / rel;
    fs::create_directories(link.parent_path());
    fs::create_directory_symlink(elsewhere.path(), link);
    EXPECT_THAT(error_of([&] { check_output_tree(plan); }, ErrorKind::kIo),
                HasSubstr(link.string() + ": it is a symbolic link to " + elsewhere.path().string()));
  }
}

TEST(OutputSafety, EnsureFolderRefusesLinksAndFilesOnTheWay) {
  ScratchDir dir("safety");
  ScratchDir elsewhere("elsewhere");
  const fs::path out = dir / "camp";
  ensure_output_folder(out, out);
  fs::create_directory_symlink(elsewhere.path(), out / "a");
  EXPECT_THAT(error_of([&] { ensure_output_folder(out, out / "a"); }, ErrorKind::kIo),
              HasSubstr("symbolic link"));
  fs::create_symlink(dir / "nowhere", out / "dangling");
  EXPECT_THAT(error_of([&] { ensure_output_folder(out, out / "dangling"); }, ErrorKind::kIo),
              HasSubstr("symbolic link"));
  write_text(out / "file", "x");
  EXPECT_THAT(error_of([&] { ensure_output_folder(out, out / "file"); }, ErrorKind::kIo),
              HasSubstr("not a folder"));
  EXPECT_TRUE(fs::is_empty(elsewhere.path()));
  EXPECT_THROW(ensure_output_folder(out, dir / "outside"), Error);
}

}  // namespace
}  // namespace shortpack

// In a real browser (headless Chromium): the review page written by `render` (issue 7) and an
// output video played in a page (issue 3). Each test leaves its render, pages, probe results and
// a screenshot in <build>/tests/browser/out/<test>/ to be looked at.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "browser/browser_support.h"
#include "support/image_io.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

const json* find_video(const json& probe, const std::string& src) {
  for (const json& v : probe.at("videos")) {
    if (v.at("src").get<std::string>() == src) return &v;
  }
  return nullptr;
}

const json* find_cell(const json& probe, const std::string& clip, const std::string& platform,
                      const std::string& language) {
  for (const json& c : probe.at("matrix")) {
    if (c.at("clip") == clip && c.at("platform") == platform && c.at("language") == language) return &c;
  }
  return nullptr;
}

std::string subtitles(const std::string& text) { return "1\n00:00:00,000 --> 00:00:05,000\n" + text + "\n"; }

TEST(ReviewPage, EveryOutputLoadsTheFailureIsMarkedAndNothingErrs) {
  // A space in the folder: the page is opened through a percent-encoded file:// URL.
  const fs::path dir = artifact_dir("review page");
  write_test_presets(dir / "presets");
  make_clip(dir / "media/street.mp4", 2.0, "testsrc2=size=640x360:rate=30");
  // Exists but cannot be decoded, and its name (which the error quotes) is markup.
  write_text(dir / "media/broken <b>clip</b> & \"quotes\".mp4", "this is not a video\n");
  for (const char* clip : {"street", "broken"}) {
    write_text(dir / (std::string("subs/") + clip + ".en.srt"), subtitles("Your pension, your future"));
    write_text(dir / (std::string("subs/") + clip + ".vi.srt"), subtitles("Lương hưu của bạn"));
  }
  const fs::path campaign = dir / "campaign.yaml";
  write_text(campaign,
             "name: review\nlanguages: [en, vi]\nplatforms: [small-portrait, small-landscape]\n"
             "clips:\n"
             "  - id: street\n    source: media/street.mp4\n"
             "    captions: {en: subs/street.en.srt, vi: subs/street.vi.srt}\n"
             "  - id: broken\n    source: 'media/broken <b>clip</b> & \"quotes\".mp4'\n"
             "    captions: {en: subs/broken.en.srt, vi: subs/broken.vi.srt}\n");
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --out " +
                                    shell_quote((dir / "out").string()));
  ASSERT_EQ(render.exit_code, 3) << render.output;  // one clip failed, the other rendered
  const fs::path out = dir / "out/review";
  const json report = read_json(out / "report.json");
  ASSERT_TRUE(fs::exists(out / "report.html"))
      << "render wrote report.json but no report.html beside it (pipeline/cli/cmd_render.cpp calls "
         "write_report_html from pipeline/report/report_html.h)";

  const json probe = probe_page(out / "report.html", {.screenshot = dir / "report.png"});
  ASSERT_FALSE(probe.is_null());
  std::cout << "browser: " << probe.at("browser").get<std::string>()
            << ", H.264/AAC in MP4: " << probe.at("can_play_h264_aac") << "\n";

  // No console error, no failed load, and nothing fetched from anywhere but the folder.
  EXPECT_TRUE(probe.at("console_errors").empty()) << probe.at("console_errors").dump(2);
  for (const json& url : probe.at("requests")) {
    const std::string u = url.get<std::string>();
    EXPECT_TRUE(u.rfind("file://", 0) == 0 || u.rfind("data:", 0) == 0) << "the page fetched " << u;
  }

  size_t ok = 0;
  size_t failed = 0;
  for (const json& o : report.at("outputs")) {
    const std::string clip = o.at("clip");
    const std::string platform = o.at("platform");
    const std::string language = o.at("language");
    const std::string status = o.at("status");
    SCOPED_TRACE(clip + " " + platform + " " + language);
    const json* cell = find_cell(probe, clip, platform, language);
    ASSERT_NE(cell, nullptr) << "no matrix cell";
    EXPECT_EQ(cell->at("status"), status);
    if (status == "ok") {
      ++ok;
      // Its video element loaded its metadata: the size and duration the report states.
      const json* video = find_video(probe, o.at("path").get<std::string>());
      ASSERT_NE(video, nullptr) << "no <video> with src " << o.at("path");
      EXPECT_EQ(video->at("error_code"), 0) << video->dump(2);
      EXPECT_GE(video->at("ready_state").get<int>(), 1) << "loadedmetadata never came: " << video->dump(2);
      EXPECT_EQ(video->at("video_width"), o.at("width"));
      EXPECT_EQ(video->at("video_height"), o.at("height"));
      ASSERT_TRUE(video->at("duration_s").is_number()) << video->dump(2);
      EXPECT_NEAR(video->at("duration_s").get<double>(), o.at("duration").get<double>(), 0.05);
      EXPECT_EQ(video->at("preload"), "metadata");
      EXPECT_TRUE(video->at("controls").get<bool>());
      // Its poster is the thumbnail: a frame of the output, 240 px high, same shape.
      const std::string poster = video->at("poster");
      ASSERT_FALSE(poster.empty());
      FramePtr thumb = read_png(out / poster);
      EXPECT_EQ(thumb->height, 240);
      EXPECT_NEAR(static_cast<double>(thumb->width) / thumb->height,
                  o.at("width").get<double>() / o.at("height").get<double>(), 0.02);
    } else {
      ++failed;
      EXPECT_EQ(status, "failed");
      // The reason is in the cell's title, as plain text (the markup in the file name escaped).
      const std::string error = o.at("error");
      EXPECT_NE(error.find("<b>clip</b>"), std::string::npos) << "the error should name the file: " << error;
      EXPECT_NE(cell->at("title").get<std::string>().find(error), std::string::npos) << cell->dump(2);
      EXPECT_EQ(find_video(probe, o.at("path").get<std::string>()), nullptr)
          << "a failed output has no video";
    }
  }
  EXPECT_EQ(ok, 4U);
  EXPECT_EQ(failed, 4U);
  EXPECT_EQ(probe.at("videos").size(), ok);
  EXPECT_EQ(probe.at("matrix").size(), 8U);

  // The screenshot of the whole page.
  FramePtr shot = read_png(dir / "report.png");
  EXPECT_EQ(shot->width, 1280);
  EXPECT_GE(shot->height, 900);
}

TEST(PlaybackInBrowser, AnOutputPlaysWithTheSizeAndDurationReportJsonStates) {
  const fs::path dir = artifact_dir("playback");
  write_test_presets(dir / "presets");
  make_clip(dir / "media/a.mp4", 3.0, "testsrc2=size=640x360:rate=30");
  write_text(dir / "subs/a.en.srt", subtitles("Plays in a browser"));
  const fs::path campaign = dir / "campaign.yaml";
  write_text(
      campaign,
      "name: playback\nlanguages: [en]\nplatforms: [small-portrait, small-landscape]\n"
      "clips:\n  - id: a\n    source: media/a.mp4\n    start: 0.5\n    captions: {en: subs/a.en.srt}\n");
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --out " +
                                    shell_quote((dir / "out").string()));
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const fs::path out = dir / "out/playback";
  const json report = read_json(out / "report.json");
  ASSERT_EQ(report.at("outputs").size(), 2U);

  // A plain page with one <video> per output, as a platform's web player would hold it.
  std::string page =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>playback</title>"
      "<link rel=\"icon\" href=\"data:,\"></head><body>\n";
  for (const json& o : report.at("outputs")) {
    page += "<video controls preload=\"auto\" src=\"" + o.at("path").get<std::string>() + "\"></video>\n";
  }
  page += "</body></html>\n";
  write_text(out / "play.html", page);

  const json probe = probe_page(out / "play.html", {.screenshot = dir / "play.png", .play = true});
  ASSERT_FALSE(probe.is_null());
  std::cout << "browser: " << probe.at("browser").get<std::string>() << "\n";
  // Without H.264/AAC in this Chromium nothing below could be true: say so plainly.
  ASSERT_EQ(probe.at("can_play_h264_aac"), "probably")
      << "this Chromium does not decode H.264/AAC in MP4 (a build without proprietary codecs)";
  EXPECT_TRUE(probe.at("console_errors").empty()) << probe.at("console_errors").dump(2);

  for (const json& o : report.at("outputs")) {
    SCOPED_TRACE(o.at("path").get<std::string>());
    ASSERT_EQ(o.at("status"), "ok");
    EXPECT_NEAR(o.at("duration").get<double>(), 2.5, 0.05);  // 3 s source from 0.5 s
    const json* video = find_video(probe, o.at("path").get<std::string>());
    ASSERT_NE(video, nullptr);
    EXPECT_EQ(video->at("error_code"), 0) << video->dump(2);
    // The size and duration the page reads are the ones report.json claims.
    EXPECT_EQ(video->at("video_width"), o.at("width"));
    EXPECT_EQ(video->at("video_height"), o.at("height"));
    ASSERT_TRUE(video->at("duration_s").is_number()) << video->dump(2);
    EXPECT_NEAR(video->at("duration_s").get<double>(), o.at("duration").get<double>(), 0.05);
    // And it plays: pictures were decoded and presented, and the clock moved.
    EXPECT_EQ(video->at("play_error"), "") << video->dump(2);
    EXPECT_GE(video->at("frames_presented").get<int>(), 3) << video->dump(2);
    EXPECT_GT(video->at("current_time_s").get<double>(), 0.1) << video->dump(2);
  }
}

}  // namespace
}  // namespace shortpack::test

// Outputs joined from spans (issue 29) play in headless Chromium from start to end: two rows of a
// variants table that differ only in a closing card share the encode before it, and each file
// plays through the join to its end with no media error, as a platform's web player would.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "browser/browser_support.h"
#include "support/json_files.h"
#include "support/spans_preset.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

TEST(PlaybackInBrowser, OutputsJoinedFromSpansPlayThroughTheJoinToTheEnd) {
  const fs::path dir = artifact_dir("spans playback");
  write_text(dir / "presets/spans-portrait.yaml", test::kSpansPortraitPreset);
  make_clip(dir / "media/a.mp4", 2.0, "testsrc2=size=1280x720:rate=30");
  write_text(dir / "rows.csv", "id,hotline\nhanoi,02439461234\nhue,02343822123\n");
  const fs::path campaign = dir / "campaign.yaml";
  write_text(campaign,
             "name: spans\nlanguages: [en]\nplatforms: [spans-portrait]\nvariants: rows.csv\nclips:\n"
             "  - id: a\n    segments:\n      - {source: media/a.mp4}\n"
             "      - {card: {en: \"{{hotline}}\"}, duration: 1, background: \"#0D47A1\"}\n"
             "    captions: none\n");
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --presets " +
                                    shell_quote((dir / "presets").string()) + " --out " +
                                    shell_quote((dir / "out").string()) + " --progress none");
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const fs::path out = dir / "out/spans";
  const json report = read_json(out / "report.json");
  ASSERT_EQ(report.at("outputs").size(), 2U);
  double reused_s = 0.0;
  for (const json& o : report.at("outputs")) reused_s += o.at("video_reused_s").get<double>();
  ASSERT_GT(reused_s, 1.5) << "the rows were not joined from a shared span: " << report.dump(2);

  std::string page =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>spans</title>"
      "<link rel=\"icon\" href=\"data:,\"></head><body>\n";
  for (const json& o : report.at("outputs")) {
    page += "<video controls preload=\"auto\" src=\"" + o.at("path").get<std::string>() + "\"></video>\n";
  }
  page += "</body></html>\n";
  write_text(out / "play.html", page);
  const json probe = probe_page(out / "play.html", {.screenshot = dir / "play.png", .play_to_end = true});
  ASSERT_FALSE(probe.is_null());
  ASSERT_EQ(probe.at("can_play_h264_aac"), "probably")
      << "this Chromium does not decode H.264/AAC in MP4 (a build without proprietary codecs)";
  EXPECT_TRUE(probe.at("console_errors").empty()) << probe.at("console_errors").dump(2);
  ASSERT_EQ(probe.at("videos").size(), 2U);
  for (const json& video : probe.at("videos")) {
    SCOPED_TRACE(video.at("src").get<std::string>());
    EXPECT_EQ(video.at("error_code"), 0) << video.dump(2);
    EXPECT_EQ(video.at("play_error"), "") << video.dump(2);
    EXPECT_EQ(video.at("ended"), true) << video.dump(2);
    EXPECT_NEAR(video.at("current_time_s").get<double>(), 3.0, 0.1) << video.dump(2);
    EXPECT_GE(video.at("frames_presented").get<int>(), 10) << video.dump(2);
  }
}

}  // namespace
}  // namespace shortpack::test

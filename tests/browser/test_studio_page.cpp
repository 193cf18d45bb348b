// The studio page in headless Chromium: switching variant, platform and language, scrubbing and turning
// the guides on shows the very PNG `shortpack preview` writes for that frame; an edit of the
// campaign file reaches the open page by itself (live reload).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <regex>
#include <thread>
#include <utility>
#include <vector>

#include "browser/browser_support.h"
#include "support/green_pixels.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/studio_process.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {

std::string replaced(std::string text, const std::string& what, const std::string& with) {
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + with.size())) {
    text.replace(at, what.size(), with);
  }
  return text;
}

// Writes <dir>/scenario.js: one block of studio_helpers.js and the scenario `file` (of
// tests/browser) with each placeholder replaced.
std::filesystem::path write_scenario(const std::filesystem::path& dir, const std::string& file,
                                     const std::vector<std::pair<std::string, std::string>>& placeholders) {
  const std::filesystem::path here = std::filesystem::path(SHORTPACK_SOURCE_DIR) / "tests/browser";
  std::string script = read_text(here / file);
  for (const auto& [what, with] : placeholders) script = replaced(script, what, with);
  const auto scenario = dir / "scenario.js";
  write_text(scenario, "{\n" + read_text(here / "studio_helpers.js") + script + "}\n");
  return scenario;
}

// Drives the studio at `url` with `scenario` in page_probe.mjs (`extra` options such as --play),
// with a screenshot <dir>/studio.png; returns what the probe wrote (null, with a failure, when
// it did not run).
nlohmann::json run_scenario(const std::string& url, const std::filesystem::path& scenario,
                            const std::filesystem::path& dir, const std::string& extra = "") {
  const auto json_file = dir / "probe.json";
  const auto run = run_command("node " + shell_quote(SHORTPACK_PAGE_PROBE) + " --chromium " +
                               shell_quote(chromium_binary()) + " --url " + shell_quote(url) + " --eval " +
                               shell_quote(scenario.string()) + extra + " --screenshot " +
                               shell_quote((dir / "studio.png").string()) + " --json-out " +
                               shell_quote(json_file.string()) + " --timeout-ms 90000");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  if (run.exit_code != 0) return nullptr;
  return read_json(json_file);
}

TEST(StudioPage, ShowsThePreviewFrameAndFollowsAnEdit) {
  const auto dir = artifact_dir("studio");
  write_test_presets(dir / "presets");
  make_clip(dir / "media/a.mp4", 2.0, "testsrc2=size=640x360:rate=30");
  write_text(dir / "subs/a.en.srt", "1\n00:00:00,000 --> 00:00:02,000\nHello, {{town}}\n");
  write_text(dir / "subs/a.vi.srt", "1\n00:00:00,000 --> 00:00:02,000\nXin chào {{town}}\n");
  const auto campaign = dir / "c.yaml";
  // Two rows of a variants table: the page picks the second (its caption names another town, and
  // it has a brand of its own with the logo's corner at the bottom left).
  write_text(dir / "brands/hue.yaml", "logo_position: bottom-left\n");
  const std::string yaml =
      "name: st\nlanguages: [en, vi]\nplatforms: [small-portrait, small-landscape]\n"
      "variants: [{id: hanoi, town: Ha Noi}, {id: hue, town: Hue, brand: brands/hue.yaml}]\n"
      "clips:\n  - id: a\n    source: media/a.mp4\n    captions: {en: subs/a.en.srt, vi: subs/a.vi.srt}\n";
  write_text(campaign, yaml);
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");

  const auto scenario = write_scenario(
      dir, "studio_scenario.js",
      {{"@PLATFORM@", "small-landscape"}, {"@LANG@", "vi"}, {"@FRAME@", "37"}, {"@VARIANT@", "hue"}});

  // The edit comes once the page has shown its frame (the scenario then waits up to 30 s for it).
  std::thread editor([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline &&
           read_text(dir / "studio.log").find("frame served: a.hue small-landscape vi guides=1") ==
               std::string::npos) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    write_text(campaign, replaced(yaml, "name: st", "name: st-renamed"));
  });
  const auto probe = run_scenario(studio.url(), scenario, dir);
  editor.join();
  ASSERT_FALSE(probe.is_null());
  EXPECT_TRUE(probe["console_errors"].empty()) << probe["console_errors"].dump();
  const auto& result = probe["eval_result"];
  ASSERT_TRUE(result.is_object()) << probe.dump();
  EXPECT_EQ(result["first_name"], "shortpack studio: st");
  EXPECT_EQ(result["reloaded_name"], "shortpack studio: st-renamed");

  // The frame the page shows, against `shortpack preview` for the time the page asked for.
  const std::string src = result["src"];
  std::smatch m;
  ASSERT_TRUE(std::regex_search(src, m, std::regex("[?&]t=([0-9.]+)"))) << src;
  EXPECT_NE(src.find("platform=small-landscape"), std::string::npos) << src;
  EXPECT_NE(src.find("lang=vi"), std::string::npos) << src;
  EXPECT_NE(src.find("variant=hue"), std::string::npos) << src;
  EXPECT_EQ(result["variants"], nlohmann::json::array({"hanoi", "hue"})) << result.dump();
  EXPECT_EQ(result["brand_file"], (dir / "brands/hue.yaml").string())
      << "the row's brand, not the campaign's";
  EXPECT_EQ(result["logo_position"], "bottom-left");
  EXPECT_EQ(src.find("logo_position="), std::string::npos)
      << "the row's own values are not a try-out: " << src;
  EXPECT_NE(src.find("guides=1"), std::string::npos) << src;
  const auto png = dir / "preview.png";
  const auto preview =
      run_shortpack("preview " + shell_quote(campaign.string()) +
                    " --clip a --variant hue --platform small-landscape --lang vi --guides --at " +
                    m[1].str() + " -o " + shell_quote(png.string()));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_NE(preview.output.find("frame 37 "), std::string::npos) << preview.output;
  const std::string expected = read_text(png);
  std::string shown;
  for (const auto& b : result["png"]) shown.push_back(static_cast<char>(b.get<int>()));
  EXPECT_GT(expected.size(), 1000u);
  EXPECT_TRUE(shown == expected) << shown.size() << " bytes shown against " << expected.size();
  EXPECT_GT(result["natural_width"].get<int>(), 0);
}

std::string bytes_of(const nlohmann::json& array) {
  std::string out;
  for (const auto& b : array) out.push_back(static_cast<char>(b.get<int>()));
  return out;
}

TEST(StudioPage, TriesAndSavesAPresetListsWarningsAndPlaysTheProxy) {
  const auto dir = artifact_dir("studio-tryout");
  write_test_presets(dir / "presets");
  make_clip(dir / "media/a.mp4", 2.0, "color=c=gray:size=640x360:rate=30");
  make_green_logo(dir / "brand/logo.png");
  write_text(
      dir / "subs/a.en.vtt",
      "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello, studio\n\n00:00:01.500 --> 00:00:01.000\nBack\n");
  const auto campaign = dir / "c.yaml";
  write_text(campaign,
             "name: st\nlanguages: [en]\nplatforms: [small-portrait]\n"
             "brand: {logo: brand/logo.png, logo_position: top-right}\n"
             "clips:\n  - id: a\n    source: media/a.mp4\n    captions: {en: subs/a.en.vtt}\n");
  const auto render_proxy = run_shortpack("render " + shell_quote(campaign.string()) + " --proxy --out " +
                                          shell_quote((dir / "out").string()));
  ASSERT_EQ(render_proxy.exit_code, 0) << render_proxy.output;
  StudioProcess studio(campaign, dir / "studio.log", {"--out", (dir / "out").string()});
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");

  const auto scenario = write_scenario(dir, "studio_tryout_scenario.js", {{"@FRAME@", "30"}});
  const auto probe = run_scenario(studio.url(), scenario, dir, " --play");
  ASSERT_FALSE(probe.is_null());
  EXPECT_TRUE(probe["console_errors"].empty()) << probe["console_errors"].dump();
  const auto& result = probe["eval_result"];
  ASSERT_TRUE(result.is_object()) << probe.dump();

  // The warning of the dropped cue, with its file and line, and no error.
  ASSERT_EQ(result["warnings"].size(), 1u) << result.dump();
  EXPECT_NE(result["warnings"][0].get<std::string>().find((dir / "subs/a.en.vtt").string() + ":6: "),
            std::string::npos)
      << result["warnings"][0];
  EXPECT_TRUE(result["errors"].empty()) << result["errors"].dump();

  // The review proxy plays: metadata, frames presented, its clock moving.
  EXPECT_EQ(result["proxy_available"], "1") << result["proxy_note"];
  const nlohmann::json* video = nullptr;
  for (const auto& v : probe["videos"]) {
    if (v["id"] == "proxy") video = &v;
  }
  ASSERT_NE(video, nullptr) << probe.dump();
  EXPECT_GE(video->at("ready_state").get<int>(), 1) << video->dump();
  EXPECT_EQ(video->at("video_width").get<int>(), 360) << video->dump();
  EXPECT_GE(video->at("frames_presented").get<int>(), 3) << video->dump();
  EXPECT_GE(video->at("current_time_s").get<double>(), 0.3) << video->dump();

  // Tried, saved, reloaded: the frame drawn from the saved preset is the tried one, and it is the
  // very PNG `shortpack preview` writes now.
  EXPECT_EQ(result["top_before"], "50");
  EXPECT_EQ(result["top_after"], "200");
  EXPECT_EQ(result["saved"], (dir / "presets/small-portrait.yaml").string());
  EXPECT_EQ(result["logo_after"], "bottom-left");
  const std::string saved_yaml = read_text(dir / "presets/small-portrait.yaml");
  EXPECT_NE(saved_yaml.find("captions: {size_px: 51}"), std::string::npos) << saved_yaml;  // 0.08 x 640
  // The logo width was not tried: only the position is saved, the brand's width stays.
  EXPECT_NE(saved_yaml.find("logo: {position: bottom-left}"), std::string::npos) << saved_yaml;
  const std::string tried = bytes_of(result["tried_png"]);
  EXPECT_GT(tried.size(), 1000u);
  EXPECT_TRUE(bytes_of(result["after_png"]) == tried) << "the saved preset does not show the tried frame";
  const std::string after_src = result["after_src"];
  std::smatch m;
  ASSERT_TRUE(std::regex_search(after_src, m, std::regex("[?&]t=([0-9.]+)"))) << after_src;
  const auto png = dir / "preview.png";
  const auto preview = run_shortpack("preview " + shell_quote(campaign.string()) +
                                     " --clip a --platform small-portrait --lang en --guides --at " +
                                     m[1].str() + " -o " + shell_quote(png.string()));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_TRUE(read_text(png) == tried) << "the page's try-out differs from `shortpack preview`";

  // `render` uses the saved preset: the logo (top right in the brand) is at the bottom left.
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --out " +
                                    shell_quote((dir / "out").string()));
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const auto pics = decode_frames(dir / "out/st/a/a.small-portrait.en.mp4", {30});
  const int top = first_green_row(pics[0]);
  EXPECT_GT(top, pics[0].height_px / 2) << "the rendered logo is not in the bottom half as saved";
  int left = pics[0].width_px;
  for (int x = 0; x < pics[0].width_px; ++x) {
    if (is_green(pics[0], x, top)) left = std::min(left, x);
  }
  EXPECT_LT(left, pics[0].width_px / 2) << "the rendered logo is not on the left as saved";
}

}  // namespace
}  // namespace shortpack::test

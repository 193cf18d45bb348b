// `one_file_per_shape: true` (issue 28): the vertical platforms of a campaign get one encode per
// clip x language, made to satisfy every one of them, under each platform's own name.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/spec/preset.h"
#include "support/green_pixels.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

const std::vector<std::string> kVertical = {"tiktok", "youtube-shorts", "instagram-reels", "facebook-reels"};

ino_t inode_of(const fs::path& file) {
  struct stat st {};
  EXPECT_EQ(::stat(file.c_str(), &st), 0) << file;
  return st.st_ino;
}

// The rectangle of every pixel that differs from the picture's top-left corner (the plain grey
// background, outside every safe zone): where captions and logo were drawn.
struct Ink {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // [x0, x1) x [y0, y1)
  int pixels = 0;
};
Ink ink_of(const test::YuvPicture& pic) {
  const int y_bg = pic.luma(0, 0), u_bg = pic.cb(0, 0), v_bg = pic.cr(0, 0);
  Ink ink;
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (std::abs(pic.luma(x, y) - y_bg) <= 24 && std::abs(pic.cb(x, y) - u_bg) <= 24 &&
          std::abs(pic.cr(x, y) - v_bg) <= 24)
        continue;
      ++ink.pixels;
      ink.x0 = std::min(ink.x0, x);
      ink.y0 = std::min(ink.y0, y);
      ink.x1 = std::max(ink.x1, x + 1);
      ink.y1 = std::max(ink.y1, y + 1);
    }
  }
  return ink;
}

class OneFilePerShape : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() { open_suite_folder("one-file-per-shape"); }
  static void need_media() {
    if (fs::exists(root() / "media/grey.mp4")) return;
    // A plain grey vertical picture: whatever is not grey in an output was drawn by shortpack.
    test::make_clip(root() / "media/grey.mp4", 3.5, "color=c=gray:s=1080x1920:r=30",
                    "sine=frequency=440:sample_rate=48000");
    test::make_green_logo(root() / "brand/logo.png");
  }
  static std::vector<nlohmann::json> plan_of(const fs::path& campaign, const fs::path& out) {
    const auto plan =
        test::run_shortpack("plan " + shell_quote(campaign.string()) + " --out " + shell_quote(out.string()) +
                            " --presets " + shell_quote((root() / "presets").string()));
    EXPECT_EQ(plan.exit_code, 0) << plan.output;
    return test::json_lines(plan.output);
  }
};

// The "done when": 4 vertical platforms x 2 languages render as 2 encodes (the plan and
// the log say so); the four files of a language are the same bytes, linked; captions and logo lie
// inside every one of the four safe zones; each file passes `check` for its own platform.
TEST_F(OneFilePerShape, FourVerticalPlatformsTwoLanguagesAreTwoEncodes) {
  need_media();
  write_text(root() / "subs/shape.vi.srt", "1\n00:00:00,300 --> 00:00:03,200\nMỘT TỆP CHO MỌI NỀN TẢNG\n");
  write_text(root() / "subs/shape.en.srt", "1\n00:00:00,300 --> 00:00:03,200\nONE FILE FOR EVERY PLATFORM\n");
  const fs::path campaign = root() / "shape.yaml";
  write_text(campaign,
             "name: shape\n"
             "languages: [vi, en]\n"
             "platforms: [tiktok, youtube-shorts, instagram-reels, facebook-reels]\n"
             "one_file_per_shape: true\n"
             "encode: {threads: 2}\n"
             "brand: {logo: brand/logo.png, logo_position: top-right, logo_width: 0.15}\n"
             "clips:\n"
             "  - id: grey\n"
             "    source: media/grey.mp4\n"
             "    reframe: crop-center\n"
             "    captions: {vi: subs/shape.vi.srt, en: subs/shape.en.srt}\n");
  const fs::path out = root() / "out-shape";

  // The plan: 8 outputs, 6 of them the same file as their language's TikTok output.
  const std::vector<nlohmann::json> plan = plan_of(campaign, out);
  ASSERT_EQ(plan.size(), 8u);
  int encodes = 0;
  for (const nlohmann::json& unit : plan) {
    if (!unit.contains("same_file_as")) {
      ++encodes;
      EXPECT_EQ(unit.at("platform"), "tiktok") << unit.dump();
      continue;
    }
    const std::string lang = unit.at("language");
    EXPECT_EQ(unit.at("same_file_as"), (out / "shape/grey" / ("grey.tiktok." + lang + ".mp4")).string());
  }
  EXPECT_EQ(encodes, 2);

  const auto run = test::run_shortpack("--log-level info render " + shell_quote(campaign.string()) +
                                       " --out " + shell_quote(out.string()));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("clip 'grey': 8 outputs, 2 encodes"), std::string::npos) << run.output;

  const PresetCatalog presets = PresetCatalog::load({});
  const nlohmann::json report = test::read_json(out / "shape/report.json");
  for (const std::string lang : {"vi", "en"}) {
    const fs::path first = out / "shape/grey" / ("grey.tiktok." + lang + ".mp4");
    const std::string digest = test::sha256sum(first);
    const test::YuvPicture pic = test::decode_frame(first, 45);  // 1.5 s: the caption is on screen
    const Ink ink = ink_of(pic);
    // Something was drawn: the logo (green) at the top, the caption's white text at the bottom.
    EXPECT_GT(test::count_green(pic), 500) << lang;
    EXPECT_LT(ink.y0, 400) << lang;
    EXPECT_GT(ink.y1, 1000) << lang;
    for (const std::string& platform : kVertical) {
      SCOPED_TRACE(platform + " " + lang);
      const fs::path file = out / "shape/grey" / ("grey." + platform + "." + lang + ".mp4");
      EXPECT_EQ(test::sha256sum(file), digest);
      EXPECT_EQ(inode_of(file), inode_of(first)) << "not a hard link of the one encode";
      const SafeZone& safe = presets.get(platform).safe;
      EXPECT_GE(ink.x0, safe.left_px);
      EXPECT_GE(ink.y0, safe.top_px);
      EXPECT_LE(ink.x1, pic.width_px - safe.right_px);
      EXPECT_LE(ink.y1, pic.height_px - safe.bottom_px);
      const auto check =
          test::run_shortpack("check " + shell_quote(file.string()) + " --platform " + platform);
      EXPECT_EQ(check.exit_code, 0) << check.output;
      const nlohmann::json* row = test::find_output(report, "grey", platform, lang);
      ASSERT_NE(row, nullptr);
      EXPECT_EQ(row->at("status"), "ok") << row->dump(2);
      EXPECT_EQ(row->at("sha256"), digest);
    }
  }
  EXPECT_EQ(test::list_files(out / "shape", ".mp4").size(), 8u);
  EXPECT_EQ(test::leftover_files(out / "shape"), std::vector<std::string>{});
}

// Platforms that cannot share keep their own encode, named in a warning; a clip too long for one
// platform of a shape fails that platform's output alone, and the others still share.
TEST_F(OneFilePerShape, APlatformOfAnotherShapeIsAloneAndATooLongClipFailsOnlyItsPlatform) {
  need_media();
  // small-portrait with another safe zone and rate cap: the same shape.
  write_text(
      root() / "presets/small-portrait-b.yaml",
      "label: small-portrait-b (tests)\n"
      "size: {width_px: 360, height_px: 640}\n"
      "duration: {min_s: 0.5, max_s: 10}\n"
      "video: {codec: h264, profile: high, level: \"3.1\", x264_preset: ultrafast, crf: 23,\n"
      "        maxrate_bps: 2000000, bufsize_bits: 2000000, closed_gop: true, keyint_s: 1, bframes: 0}\n"
      "loudness: {integrated_lufs: -14, true_peak_dbtp: -1, tolerance_lu: 1}\n"
      "safe_zone: {top_px: 90, bottom_px: 100, left_px: 40, right_px: 12}\n");
  const fs::path campaign = root() / "mixed.yaml";
  write_text(campaign,
             "name: mixed\n"
             "languages: [en]\n"
             "platforms: [small-portrait, small-landscape, short-max, small-portrait-b]\n"
             "one_file_per_shape: true\n"
             "encode: {threads: 2}\n"
             "clips:\n"
             "  - {id: grey, source: media/grey.mp4, end: 1.5, captions: none}\n");
  const fs::path out = root() / "out-mixed";
  const auto run = test::run_shortpack("--log-level info render " + shell_quote(campaign.string()) +
                                       " --out " + shell_quote(out.string()) + " --presets " +
                                       shell_quote((root() / "presets").string()));
  EXPECT_EQ(run.exit_code, 3) << run.output;  // short-max's output failed
  EXPECT_NE(run.output.find("one_file_per_shape: small-landscape shares no file"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("clip 'grey': 3 outputs, 2 encodes"), std::string::npos) << run.output;
  const nlohmann::json report = test::read_json(out / "mixed/report.json");
  const nlohmann::json* refused = test::find_output(report, "grey", "short-max", "en");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(refused->at("status"), "failed");
  EXPECT_NE(refused->at("error").get<std::string>().find("short-max takes"), std::string::npos)
      << refused->dump();
  for (const std::string platform : {"small-portrait", "small-portrait-b", "small-landscape"}) {
    const nlohmann::json* row = test::find_output(report, "grey", platform, "en");
    ASSERT_NE(row, nullptr) << platform;
    EXPECT_EQ(row->at("status"), "ok") << row->dump(2);
  }
  const fs::path dir = out / "mixed/grey";
  EXPECT_EQ(test::sha256sum(dir / "grey.small-portrait.en.mp4"),
            test::sha256sum(dir / "grey.small-portrait-b.en.mp4"));
  // The shared file carries the lower rate cap's VBV signalling in x264's settings.
  const auto info =
      test::run_command("strings " + shell_quote((dir / "grey.small-portrait.en.mp4").string()) +
                        " | grep -o 'vbv_maxrate=[0-9]*'");
  EXPECT_EQ(info.output, "vbv_maxrate=2000\n");

  // The plan says the same: the refused output is no encode, small-portrait-b is small-portrait's file.
  int shared = 0;
  for (const nlohmann::json& unit : plan_of(campaign, out)) {
    if (unit.contains("same_file_as")) {
      ++shared;
      EXPECT_EQ(unit.at("platform"), "small-portrait-b");
    }
  }
  EXPECT_EQ(shared, 1);
}

}  // namespace
}  // namespace shortpack

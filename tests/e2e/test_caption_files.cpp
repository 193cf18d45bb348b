// Subtitle files as people really write them (issue 14), end to end through the CLI and judged
// on the decoded pictures: an SRT {\an8} cue drawn in the top third of the safe zone without
// literal braces, a UTF-16 Vietnamese SRT rendered as its UTF-8 twin, a WebVTT file with one bad
// cue rendering the others with a warning, empty files refused unless `captions: {LANG: none}`,
// and every text problem of a campaign reported in one run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <clocale>
#include <memory>
#include <string>
#include <vector>

#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::shell_quote;
using test::write_text;
using ::testing::HasSubstr;

// small-portrait (support/media_probe.cpp): 360x640, safe zone top 50, bottom 120, left 12,
// right 30; 30 fps.
constexpr int kWidth = 360;
constexpr int kHeight = 640;
constexpr int kSafeTop = 50;
constexpr int kSafeBottom = kHeight - 120;

struct Ink {
  int count = 0;
  int x0 = 1 << 30, x1 = -1, y0 = 1 << 30, y1 = -1;  // bounding box of the bright pixels
};

// Caption text is white with a black outline; the source is a flat dark grey.
Ink bright_ink(const test::YuvPicture& pic, int y_from = 0, int y_to = kHeight) {
  Ink ink;
  for (int y = y_from; y < y_to; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (pic.luma(x, y) < 200) continue;
      ++ink.count;
      ink.x0 = std::min(ink.x0, x);
      ink.x1 = std::max(ink.x1, x);
      ink.y0 = std::min(ink.y0, y);
      ink.y1 = std::max(ink.y1, y);
    }
  }
  return ink;
}

std::string utf16le_with_bom(const std::u16string& text) {
  std::string out = "\xFF\xFE";
  for (char16_t u : text) {
    out += static_cast<char>(u & 0xFF);
    out += static_cast<char>(u >> 8);
  }
  return out;
}

class CaptionFiles : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() { open_suite_folder("caption-files"); }

  // 1.5 s of flat dark grey, so that only captions are bright.
  static void need_dark() {
    if (fs::exists(root() / "media/dark.mp4")) return;
    test::make_clip(root() / "media/dark.mp4", 1.5, "color=c=0x202020:s=640x360:r=30");
  }

  // A one-clip campaign; `captions` is the inside of the clip's captions map (or "none").
  static fs::path campaign(const std::string& file, const std::string& languages, const std::string& captions,
                           const std::string& extra_clip_keys = "") {
    write_text(root() / file,
               "name: captions\n"
               "languages: [" +
                   languages +
                   "]\n"
                   "platforms: [small-portrait]\n"
                   "encode: {threads: 2}\n"
                   "clips:\n"
                   "  - id: dark\n"
                   "    source: media/dark.mp4\n"
                   "    captions: " +
                   captions + "\n" + extra_clip_keys);
    return root() / file;
  }

  static test::CommandResult render(const fs::path& campaign_file, const std::string& out) {
    return render_with_presets(campaign_file, root() / out);
  }

  static fs::path output(const std::string& out, const std::string& lang) {
    return root() / out / "captions/dark" / ("dark.small-portrait." + lang + ".mp4");
  }
};

TEST_F(CaptionFiles, SrtAn8CueIsDrawnInTheTopThirdOfTheSafeZoneWithoutBraces) {
  need_dark();
  write_text(root() / "subs/top.en.srt", "1\n00:00:00,000 --> 00:00:01,500\n{\\an8}TOP TEXT\n");
  write_text(root() / "subs/plain.en.srt", "1\n00:00:00,000 --> 00:00:01,500\nTOP TEXT\n");
  const auto top = render(campaign("top.yaml", "en", "{en: subs/top.en.srt}"), "out-top");
  ASSERT_EQ(top.exit_code, 0) << top.output;
  const auto plain = render(campaign("plain.yaml", "en", "{en: subs/plain.en.srt}"), "out-plain");
  ASSERT_EQ(plain.exit_code, 0) << plain.output;

  const test::YuvPicture at_top = test::decode_frame(output("out-top", "en"), 15);
  const test::YuvPicture at_bottom = test::decode_frame(output("out-plain", "en"), 15);
  ASSERT_EQ(at_top.width_px, kWidth);
  ASSERT_EQ(at_top.height_px, kHeight);
  const Ink ink = bright_ink(at_top);
  ASSERT_GT(ink.count, 150) << "no caption drawn";
  const int top_third_end = kSafeTop + (kSafeBottom - kSafeTop) / 3;
  EXPECT_GE(ink.y0, kSafeTop) << "the caption reaches into the top UI margin";
  EXPECT_LE(ink.y1, top_third_end) << "the caption is not in the top third of the safe zone";
  EXPECT_EQ(bright_ink(at_top, top_third_end, kHeight).count, 0) << "text below the top third";

  // Without braces: the same ink, as wide and as much, as the plain cue drawn at the bottom
  // ("{\an8}" drawn literally would add six characters of width).
  const Ink reference = bright_ink(at_bottom);
  ASSERT_GT(reference.count, 150);
  EXPECT_GT(reference.y0, top_third_end) << "the plain cue should sit at the bottom";
  EXPECT_NEAR(ink.x1 - ink.x0, reference.x1 - reference.x0, 3);
  EXPECT_NEAR(ink.count, reference.count, reference.count / 10);
}

TEST_F(CaptionFiles, Utf16VietnameseSrtRendersLikeItsUtf8Twin) {
  need_dark();
  const std::u16string srt16 = u"1\r\n00:00:00,000 --> 00:00:01,500\r\nBảo hiểm xã hội\r\n";
  write_text(root() / "subs/vi16.vi.srt", utf16le_with_bom(srt16));
  write_text(root() / "subs/vi8.vi.srt", "1\r\n00:00:00,000 --> 00:00:01,500\r\nBảo hiểm xã hội\r\n");
  const auto r16 = render(campaign("vi16.yaml", "vi", "{vi: subs/vi16.vi.srt}"), "out-vi16");
  ASSERT_EQ(r16.exit_code, 0) << r16.output;
  const auto r8 = render(campaign("vi8.yaml", "vi", "{vi: subs/vi8.vi.srt}"), "out-vi8");
  ASSERT_EQ(r8.exit_code, 0) << r8.output;
  const test::YuvPicture p16 = test::decode_frame(output("out-vi16", "vi"), 15);
  const test::YuvPicture p8 = test::decode_frame(output("out-vi8", "vi"), 15);
  const Ink ink = bright_ink(p16);
  EXPECT_GT(ink.count, 150) << "no caption from the UTF-16 file";
  EXPECT_EQ(p16.y, p8.y) << "the UTF-16 file does not render as its UTF-8 twin";
}

// A WebVTT cue's `line:0` asks for the top, as SRT's {\an8} does: drawn in the top third of the
// safe zone, never in the platform's top margin; the next cue, without settings, at the bottom.
TEST_F(CaptionFiles, WebVttLineSettingPutsTheCueAtTheTopOfTheSafeZone) {
  need_dark();
  write_text(root() / "subs/line.en.vtt",
             "WEBVTT\n\n00:00.000 --> 00:00.700 line:0\nTOP TEXT\n\n00:00.800 --> 00:01.400\nLOW TEXT\n");
  const auto run = render(campaign("vtt-line.yaml", "en", "{en: subs/line.en.vtt}"), "out-vtt-line");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::vector<test::YuvPicture> pics = test::decode_frames(output("out-vtt-line", "en"), {10, 33});
  const int top_third_end = kSafeTop + (kSafeBottom - kSafeTop) / 3;
  const Ink top = bright_ink(pics[0]);
  ASSERT_GT(top.count, 150) << "no caption drawn";
  EXPECT_GE(top.y0, kSafeTop) << "the caption reaches into the top UI margin";
  EXPECT_LE(top.y1, top_third_end) << "the line:0 cue is not in the top third of the safe zone";
  const Ink low = bright_ink(pics[1]);
  ASSERT_GT(low.count, 150) << "no caption drawn";
  EXPECT_GT(low.y0, top_third_end) << "a cue without settings left its place at the bottom";
  EXPECT_LE(low.y1, kSafeBottom);
}

TEST_F(CaptionFiles, WebVttWithOneBadCueRendersTheOthersAndWarns) {
  need_dark();
  write_text(root() / "subs/bad-cue.en.vtt",
             "WEBVTT\n\n00:00.000 --> 00:00.400\nFIRST\n\n"
             "00:00.500 --> 00:00.9\nBROKEN\n\n"  // line 6: the end time has one digit of milliseconds
             "00:01.000 --> 00:01.400\nTHIRD\n");
  const auto run = render(campaign("vtt.yaml", "en", "{en: subs/bad-cue.en.vtt}"), "out-vtt");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("bad-cue.en.vtt:6: the cue is dropped: bad end time"));
  const std::vector<test::YuvPicture> pics = test::decode_frames(output("out-vtt", "en"), {6, 21, 36});
  EXPECT_GT(bright_ink(pics[0]).count, 100) << "the first cue is missing";
  EXPECT_EQ(bright_ink(pics[1]).count, 0) << "the broken cue was drawn";
  EXPECT_GT(bright_ink(pics[2]).count, 100) << "the cue after the broken one is missing";
  // The warning stays with the output it concerns: in report.json and on report.html.
  const auto report = test::read_json(root() / "out-vtt/captions/report.json");
  const nlohmann::json* row = test::find_output(report, "dark", "small-portrait", "en");
  ASSERT_NE(row, nullptr) << report.dump();
  ASSERT_TRUE(row->contains("warnings")) << row->dump();
  ASSERT_EQ(row->at("warnings").size(), 1u) << row->dump();
  EXPECT_THAT(row->at("warnings")[0].get<std::string>(),
              HasSubstr("bad-cue.en.vtt:6: the cue is dropped: bad end time"));
  EXPECT_THAT(test::read_text(root() / "out-vtt/captions/report.html"),
              HasSubstr("<p class=\"warning\">" + (root() / "subs/bad-cue.en.vtt").string() +
                        ":6: the cue is dropped"));
}

TEST_F(CaptionFiles, EmptySubtitleFileIsAnErrorUnlessTheLanguageSaysNone) {
  need_dark();
  write_text(root() / "subs/empty.en.srt", "");
  write_text(root() / "subs/ok.vi.srt", "1\n00:00:00,000 --> 00:00:01,000\nXin chào\n");
  const auto empty =
      render(campaign("empty.yaml", "vi, en", "{vi: subs/ok.vi.srt, en: subs/empty.en.srt}"), "out-empty");
  EXPECT_EQ(empty.exit_code, 2) << empty.output;
  EXPECT_THAT(empty.output, HasSubstr("empty.en.srt: the subtitle file is empty (0 bytes)"));
  EXPECT_FALSE(fs::exists(output("out-empty", "vi")));

  const auto none = render(campaign("none.yaml", "vi, en", "{vi: subs/ok.vi.srt, en: none}"), "out-none");
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_TRUE(fs::is_regular_file(output("out-none", "en")));
  EXPECT_EQ(bright_ink(test::decode_frame(output("out-none", "en"), 15)).count, 0);
  EXPECT_GT(bright_ink(test::decode_frame(output("out-none", "vi"), 15)).count, 100);
}

TEST_F(CaptionFiles, EveryTextProblemOfTheCampaignIsReportedInOneRun) {
  need_dark();
  // Private-use characters: no installed font has them.
  write_text(root() / "subs/pua.vi.srt",
             "1\n00:00:00,000 --> 00:00:00,500\na \uE000\n\n2\n00:00:00,500 --> 00:00:01,000\nb \uE001\n");
  write_text(root() / "subs/pua.en.srt", "1\n00:00:00,000 --> 00:00:01,000\nc \uE002\n");
  const fs::path file = campaign("pua.yaml", "vi, en", "{vi: subs/pua.vi.srt, en: subs/pua.en.srt}",
                                 "    title: {vi: \"t \uE003\", en: \"ok\"}\n");
  const auto run = render(file, "out-pua");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_THAT(run.output, HasSubstr("4 problems"));
  EXPECT_THAT(run.output, HasSubstr("pua.vi.srt:2 (cue 1): the 'vi' text has"));
  EXPECT_THAT(run.output, HasSubstr("U+E000"));
  EXPECT_THAT(run.output, HasSubstr("pua.vi.srt:6 (cue 2)"));
  EXPECT_THAT(run.output, HasSubstr("U+E001"));
  EXPECT_THAT(run.output, HasSubstr("pua.en.srt:2 (cue 1)"));
  EXPECT_THAT(run.output, HasSubstr("pua.yaml:9: the title of clip 'dark'"));
  EXPECT_THAT(run.output, HasSubstr("U+E003"));
}

}  // namespace
}  // namespace shortpack

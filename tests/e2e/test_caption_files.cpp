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
using ::testing::Not;

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

// ---- issue 27: read what players read, refuse nothing that can be drawn -------------------------

// Rows of the picture with bright ink, as runs: the number of text lines drawn.
int text_rows(const test::YuvPicture& pic) {
  int runs = 0;
  bool in_run = false;
  for (int y = 0; y < pic.height_px; ++y) {
    const bool inked = bright_ink(pic, y, y + 1).count > 0;
    if (inked && !in_run) ++runs;
    in_run = inked;
  }
  return runs;
}

class DamagedCaptionFiles : public CaptionFiles {
 protected:
  // One clip per subtitle file, every one on the dark source, with sidecar files; `files` are
  // (clip id, file name under subs/).
  static test::CommandResult render_clips(const std::vector<std::pair<std::string, std::string>>& files,
                                          const std::string& platform, const std::string& out) {
    std::string y = "name: damaged\nlanguages: [en]\nplatforms: [" + platform +
                    "]\nsidecar_captions: true\nencode: {threads: 2}\nclips:\n";
    for (const auto& [id, file] : files)
      y += "  - {id: " + id + ", source: media/dark.mp4, captions: {en: subs/" + file + "}}\n";
    write_text(root() / (out + ".yaml"), y);
    return render(root() / (out + ".yaml"), out);
  }
  static fs::path clip_file(const std::string& out, const std::string& id, const std::string& platform,
                            const std::string& ext) {
    return root() / out / "damaged" / id / (id + "." + platform + ".en." + ext);
  }
  // The warnings of one output in report.json.
  static std::string report_warnings(const std::string& out, const std::string& id,
                                     const std::string& platform) {
    const auto report = test::read_json(root() / out / "damaged/report.json");
    const nlohmann::json* row = test::find_output(report, id, platform, "en");
    if (row == nullptr || !row->contains("warnings")) return {};
    return row->at("warnings").dump();
  }
};

TEST_F(DamagedCaptionFiles, DamagedSrtAndWebVttAreReadAsPlayersReadThem) {
  need_dark();
  // Two-digit milliseconds are milliseconds: 0.046 s to 1.083 s (not 0.46 to 1.83).
  write_text(root() / "subs/ms.en.srt", "1\n00:00:00,46 --> 00:00:01,83\nEARLY\n");
  // A cue with a negative time among good ones: skipped, the others kept.
  write_text(root() / "subs/neg.en.srt",
             "1\n00:00:00,000 --> 00:00:00,500\nFIRST\n\n2\n-1:58:00,300 --> -1:58:03,540\nSHIFTED\n\n"
             "3\n00:00:01,000 --> 00:00:01,400\nLAST\n");
  // Four lines on a 9:16 platform whose captions take 3: drawn smaller, all four.
  write_text(root() / "subs/four.en.srt", "1\n00:00:00,000 --> 00:00:01,500\nONE\nTWO\nTHREE\nFOUR\n");
  // A NUL in WebVTT is U+FFFD.
  write_text(root() / "subs/nul.en.vtt", std::string("WEBVTT\n\n00:00.000 --> 00:01.500\nA\0B\n", 36));
  const auto run = render_clips(
      {{"ms", "ms.en.srt"}, {"neg", "neg.en.srt"}, {"four", "four.en.srt"}, {"nul", "nul.en.vtt"}},
      "small-portrait", "out-damaged");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string p = "small-portrait";

  EXPECT_THAT(test::read_text(clip_file("out-damaged", "ms", p, "srt")),
              HasSubstr("00:00:00,046 --> 00:00:01,083\nEARLY"));
  const auto ms = test::decode_frames(clip_file("out-damaged", "ms", p, "mp4"), {3, 36});
  EXPECT_GT(bright_ink(ms[0]).count, 100) << "no caption at 0.1 s";
  EXPECT_EQ(bright_ink(ms[1]).count, 0) << "a caption at 1.2 s";

  const std::string neg = test::read_text(clip_file("out-damaged", "neg", p, "srt"));
  EXPECT_THAT(neg, HasSubstr("FIRST"));
  EXPECT_THAT(neg, HasSubstr("00:00:01,000 --> 00:00:01,400\nLAST"));
  EXPECT_THAT(neg, Not(HasSubstr("SHIFTED")));
  const auto negs = test::decode_frames(clip_file("out-damaged", "neg", p, "mp4"), {6, 36});
  EXPECT_GT(bright_ink(negs[0]).count, 100) << "the first cue is missing";
  EXPECT_GT(bright_ink(negs[1]).count, 100) << "the last cue is missing";
  EXPECT_THAT(report_warnings("out-damaged", "neg", p),
              HasSubstr("neg.en.srt:6: the cue has a negative time"));

  EXPECT_THAT(test::read_text(clip_file("out-damaged", "four", p, "srt")),
              HasSubstr("ONE\nTWO\nTHREE\nFOUR"));
  const test::YuvPicture four = test::decode_frame(clip_file("out-damaged", "four", p, "mp4"), 15);
  EXPECT_EQ(text_rows(four), 4);
  const Ink four_ink = bright_ink(four);
  EXPECT_GE(four_ink.y0, kSafeTop);
  EXPECT_LE(four_ink.y1, kSafeBottom);
  EXPECT_THAT(
      report_warnings("out-damaged", "four", p),
      HasSubstr("four.en.srt:2: the text has 4 lines, more than the 3 captions take; it is drawn smaller"));

  EXPECT_THAT(test::read_text(clip_file("out-damaged", "nul", p, "vtt")), HasSubstr("A\uFFFDB"));
  EXPECT_GT(bright_ink(test::decode_frame(clip_file("out-damaged", "nul", p, "mp4"), 15)).count, 100);
  EXPECT_THAT(report_warnings("out-damaged", "nul", p),
              HasSubstr("nul.en.vtt:4: a NUL character is replaced by U+FFFD"));
  EXPECT_THAT(test::read_text(root() / "out-damaged/damaged/report.html"),
              HasSubstr("nul.en.vtt:4: a NUL character is replaced by U+FFFD"));
}

// An unbreakable 120-character cue (a hashtag chain) on TikTok: broken between characters as the
// last resort, inside the safe area, with a warning; the sidecar keeps it whole.
TEST_F(DamagedCaptionFiles, AnUnbreakableCueIsBrokenAnywhereOnTikTok) {
  need_dark();
  std::string tags;
  while (tags.size() < 120) tags += "#SUMMERSALE";
  tags.resize(120);
  write_text(root() / "subs/tags.en.srt", "1\n00:00:00,000 --> 00:00:01,500\n" + tags + "\n");
  const auto run = render_clips({{"tags", "tags.en.srt"}}, "tiktok", "out-tags");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("tags.en.srt:2: the text has no place to break a line"));
  EXPECT_THAT(test::read_text(clip_file("out-tags", "tags", "tiktok", "srt")), HasSubstr("\n" + tags + "\n"));
  const test::YuvPicture pic = test::decode_frame(clip_file("out-tags", "tags", "tiktok", "mp4"), 15);
  ASSERT_EQ(pic.width_px, 1080);
  const Ink ink = bright_ink(pic, 0, pic.height_px);
  EXPECT_GT(ink.count, 1000) << "nothing drawn";
  EXPECT_GE(text_rows(pic), 2);
  // TikTok's safe zone: left 65, right 165 px.
  EXPECT_GE(ink.x0, 65);
  EXPECT_LE(ink.x1, 1080 - 165);
  EXPECT_THAT(report_warnings("out-tags", "tags", "tiktok"),
              HasSubstr("tags.en.srt:2: the text has no place to break"));
}

}  // namespace
}  // namespace shortpack

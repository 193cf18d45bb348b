// Issue 32: ASS override tags, styles and drawings clamped to what can change the picture, each
// clamp a warning naming file and line; at most 64 cues on screen at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "pipeline/captions/ass_clamp.h"
#include "pipeline/captions/subtitles.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A 384x288 script (libass's default PlayRes: no PlayRes lines) whose style line is line 6 and
// whose events start at line 10.
std::string script(const std::string& style_values, const std::vector<std::string>& texts) {
  std::string s =
      "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\n"
      "Format: Name, Fontname, Fontsize, ScaleX, ScaleY, Spacing, Outline, Shadow, Alignment\n"
      "Style: Default,Noto Sans," +
      style_values + "\n\n[Events]\nFormat: Layer, Start, End, Style, Text\n";
  for (const std::string& t : texts) s += "Dialogue: 0,0:00:00.00,0:00:04.00,Default," + t + "\n";
  return s;
}

const std::string kNormalStyle = "20,100,100,0,2,2,2";

TEST(AssClamp, HugeOverrideValuesAreClampedWithAWarningNamingTheLine) {
  const auto t =
      parse_ass(script(kNormalStyle, {"x", "{\\fs4000\\blur200\\bord300\\t(\\frz3600)}Heavy"}), "a.ass");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[1].text, "{\\fs144\\blur9\\bord18\\t(\\frz3600)}Heavy");
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_EQ(
      t.warnings[0],
      "a.ass:11: values beyond what the 384x288 script can show are clamped: \\fs4000 to 144, \\blur200 to "
      "9, \\bord300 to 18 (the rest is drawn)");
}

TEST(AssClamp, TagsInsideAnimationsScalesShearAndRelativeSizesAreClamped) {
  const auto t = parse_ass(
      script(kNormalStyle, {"{\\t(0,500,\\fscx5000\\xbord1e9\\yshad-900)\\fax50\\be200\\fs+100}A"}), "a.ass");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text, "{\\t(0,500,\\fscx400\\xbord18\\yshad-72)\\fax2\\be20\\fs+10}A");
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("a.ass:10: "));
  EXPECT_THAT(t.warnings[0], HasSubstr("\\fscx5000 to 400, \\xbord1e9 to 18, \\yshad-900 to -72"));
}

TEST(AssClamp, HugeAndNonFiniteStyleValuesAreClamped) {
  const auto t = parse_ass(script("1e12,100000,nan,99999,inf,1e400,2", {"A"}), "a.ass");
  EXPECT_THAT(t.ass_header, HasSubstr("\nStyle: Default,Noto Sans,144,400,100,384,18,72,2\n"));
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0],
              HasSubstr("a.ass:6: values beyond what the 384x288 script can show are clamped: "
                        "fontsize 1e12 to 144, scalex 100000 to 400, scaley nan to 100, spacing "
                        "99999 to 384, outline inf to 18, shadow 1e400 to 72"));
}

TEST(AssClamp, AStylesSectionWithoutAFormatLineKeepsTheOtherFields) {
  const auto t = parse_ass(
      "[Script Info]\n\n[V4+ Styles]\nStyle: "
      "Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,"
      "0,100,100,0,0,1,1e12,2,2,10,10,20,1\n\n[Events]\nFormat: Layer, Start, End, Style, Text\n"
      "Dialogue: 0,0:00:00.00,0:00:01.00,Default,A\n",
      "a.ass");
  EXPECT_THAT(t.ass_header,
              HasSubstr("\nStyle: Default,Arial,20,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,"
                        "0,0,100,100,0,0,1,18,2,2,10,10,20,1\n"));
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("a.ass:4: values beyond what the 384x288 script can show are clamped: "
                                       "outline 1e12 to 18"));
}

TEST(AssClamp, BoundsFollowThePlayRes) {
  const std::string s = "[Script Info]\nPlayResX: 1920\nPlayResY: 1080\n" +
                        script(kNormalStyle, {"{\\fs500\\bord60\\blur30}A"}).substr(14);
  const auto t = parse_ass(s, "b.ass");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text, "{\\fs500\\bord60\\blur30}A");  // all within a 1080 high script
  EXPECT_TRUE(t.warnings.empty());
  const auto big = parse_ass(s.substr(0, s.find("{")) + "{\\fs1200\\bord150\\blur50}A\n", "b.ass");
  EXPECT_EQ(big.cues[0].text, "{\\fs540\\bord67.5\\blur33.75}A");
}

TEST(AssClamp, NormalScriptsAreKeptByteForByte) {
  const std::string s =
      script("48,100,100,1.5,3,1.5,2",
             {"{\\blur3\\bord2\\shad1\\fs40\\fscx120\\t(0,300,\\frz20\\blur5)}Moderate",
              "{\\pos(100,200)\\fad(100,100)\\be1\\fsp2}Text {\\p1}m 0 0 l 100 0 100 100{\\p0}"});
  const auto t = parse_ass(s, "a.ass");
  EXPECT_TRUE(t.warnings.empty());
  EXPECT_EQ(t.ass_header, s.substr(0, s.find("[Events]")));
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].text, "{\\blur3\\bord2\\shad1\\fs40\\fscx120\\t(0,300,\\frz20\\blur5)}Moderate");
  EXPECT_EQ(t.cues[1].text,
            "{\\pos(100,200)\\fad(100,100)\\be1\\fsp2}Text {\\p1}m 0 0 l 100 0 100 100{\\p0}");
}

TEST(AssClamp, DrawingsAreBoundedInSizeAndPoints) {
  // \p1: coordinates within 2 x 384; \p3 divides by 4, so within 4 x 768.
  const auto t = parse_ass(
      script(kNormalStyle, {"{\\p1}m 0 0 l 100000 -5000 100 100{\\p0}A", "{\\p3}m 0 0 l 3000 4000{\\p0}B"}),
      "a.ass");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].text, "{\\p1}m 0 0 l 768 -768 100 100{\\p0}A");
  EXPECT_EQ(t.cues[1].text, "{\\p3}m 0 0 l 3000 3072{\\p0}B");
  ASSERT_EQ(t.warnings.size(), 2u);
  EXPECT_THAT(t.warnings[0],
              HasSubstr("a.ass:10: values beyond what the 384x288 script can show are clamped: "
                        "drawing coordinate 100000 to 768"));
  std::string many = "{\\p1}m 0 0 l";
  for (int i = 0; i < 3000; ++i) many += " " + std::to_string(i % 50) + " " + std::to_string(i % 70);
  const auto big = parse_ass(script(kNormalStyle, {many + "{\\p0}C"}), "a.ass");
  ASSERT_EQ(big.cues.size(), 1u);
  // m 0 0 and 1999 points of the l command: 4000 numbers kept, each after its space (and one
  // before the l).
  const std::string& text = big.cues[0].text;
  EXPECT_EQ(std::count(text.begin(), text.end(), ' '), 4001);
  EXPECT_TRUE(text.ends_with("{\\p0}C"));
  ASSERT_EQ(big.warnings.size(), 1u);
  EXPECT_THAT(big.warnings[0],
              HasSubstr("a.ass:10: a drawing's points after the first 2000 are dropped (2002 "
                        "numbers)"));
}

TEST(AssClamp, AtMost64CuesOnScreen) {
  SubtitleTrack track;
  track.source = "many.srt";
  for (int i = 0; i < 66; ++i) {
    Cue c;
    c.start_ms = i < 65 ? 1000 : 5000;  // the 66th starts when the others have ended
    c.end_ms = i < 65 ? 3000 : 6000;
    c.line = 10 + i;
    track.cues.push_back(c);
  }
  captions::limit_cues_on_screen(track);
  ASSERT_EQ(track.cues.size(), 65u);
  EXPECT_EQ(track.cues[63].line, 73);
  EXPECT_EQ(track.cues[64].line, 75);
  EXPECT_THAT(track.warnings,
              ElementsAre("many.srt:74: more than 64 cues would be on screen at 0:00:01.00; this "
                          "one is not drawn"));
}

// read_subtitles applies the bound to every format: 65 SRT cues at once, the last one dropped.
TEST(AssClamp, ReadSubtitlesKeepsAt64CuesOnScreen) {
  test::ScratchDir dir("on-screen");
  std::string srt;
  for (int i = 0; i < 65; ++i) srt += std::to_string(i + 1) + "\n00:00:01,000 --> 00:00:03,000\ncue\n\n";
  test::write_text(dir / "many.srt", srt);
  const SubtitleTrack t = read_subtitles(dir / "many.srt");
  EXPECT_EQ(t.cues.size(), 64u);
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("many.srt:258: more than 64 cues would be on screen at 0:00:01.00"));
}

}  // namespace
}  // namespace shortpack

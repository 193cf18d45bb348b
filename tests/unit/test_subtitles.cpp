// Subtitle readers (SRT, WebVTT, ASS), retiming, sidecars, the ASS script and font coverage.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <sstream>

#include "filters/core/error.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/captions/line_breaks.h"
#include "pipeline/captions/subtitles.h"
#include "support/error_of.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using test::error_of;

const std::string kWj = "\u2060";  // word joiner, separates a literal backslash from N/n/h

// ---- SRT ------------------------------------------------------------------------------------

TEST(SrtReader, ReadsCuesWithNumbersTimesAndLines) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,500\nHello\nworld\n\n2\n00:00:03,250 --> 00:00:04,000\nSecond\n",
      "a.srt");
  ASSERT_EQ(t.format, SubtitleFormat::kSrt);
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].start_ms, 1000);
  EXPECT_EQ(t.cues[0].end_ms, 2500);
  EXPECT_EQ(t.cues[0].text, "Hello\\Nworld");
  EXPECT_EQ(t.cues[0].plain, "Hello\nworld");
  EXPECT_EQ(t.cues[0].line, 2);
  EXPECT_EQ(t.cues[0].id, "1");
  EXPECT_EQ(t.cues[1].start_ms, 3250);
  EXPECT_EQ(t.cues[1].line, 7);
}

TEST(SrtReader, AcceptsBomAndCrlf) {
  const auto t = parse_srt(
      "\xEF\xBB\xBF"
      "1\r\n00:00:01,000 --> 00:00:02,000\r\nXin chào\r\n\r\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].plain, "Xin chào");
  EXPECT_EQ(t.cues[0].line, 2);
}

TEST(SrtReader, AcceptsMissingAndWrongCueNumbersAndMissingBlankLines) {
  const auto t = parse_srt(
      "00:00:01,000 --> 00:00:02,000\nno number\n\n"
      "7\n00:00:03,000 --> 00:00:04,000\nwrong number\n"
      "00:00:05,000 --> 00:00:06,000\nno blank line before\n"
      "9\n00:00:07,000 --> 00:00:08,000\nnumber without blank line\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 4u);
  EXPECT_EQ(t.cues[0].id, "");
  EXPECT_EQ(t.cues[1].id, "7");
  EXPECT_EQ(t.cues[1].plain, "wrong number");
  EXPECT_EQ(t.cues[2].start_ms, 5000);
  EXPECT_EQ(t.cues[2].plain, "no blank line before");
  EXPECT_EQ(t.cues[3].id, "9");
  EXPECT_EQ(t.cues[3].plain, "number without blank line");
}

TEST(SrtReader, KeepsTextAfterABlankLineInsideACue) {
  const auto t = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nfirst\n\nstill the same cue\n", "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].plain, "first\nstill the same cue");
}

TEST(SrtReader, AcceptsDotMillisecondsShortFractionsAndLongHours) {
  const auto t = parse_srt(
      "1\n00:00:01.5 --> 00:00:02.25\na\n\n2\n123:04:05,006 --> 123:04:06,000 X1:10 X2:20 Y1:5 Y2:9\nb\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 2u);
  // SRT's 1-3 digits are milliseconds, as ffmpeg, srt and pysrt read them (issue 27).
  EXPECT_EQ(t.cues[0].start_ms, 1005);
  EXPECT_EQ(t.cues[0].end_ms, 2025);
  EXPECT_EQ(t.cues[1].start_ms, ((123 * 60 + 4) * 60 + 5) * 1000LL + 6);
}

// Issue 27: what FFmpeg, srt and pysrt agree on.
TEST(SrtTimings, TwoDigitMillisecondsAreMilliseconds) {
  const auto t = parse_srt("1\n00:00:01,46 --> 00:00:03,83\nhand-edited\n", "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].start_ms, 1046);
  EXPECT_EQ(t.cues[0].end_ms, 3083);
  EXPECT_EQ(to_srt(t), "1\n00:00:01,046 --> 00:00:03,083\nhand-edited\n\n");
}

TEST(SrtReader, ACueWithANegativeTimeIsSkippedAndTheOthersKept) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\nfirst\n\n2\n-1:58:00,300 --> -1:58:03,540\nshifted\n\n"
      "3\n00:00:03,000 --> 00:00:04,000\nlast\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].plain, "first");
  EXPECT_EQ(t.cues[1].plain, "last");
  EXPECT_EQ(t.cues[1].line, 10);
  EXPECT_THAT(t.warnings, ::testing::ElementsAre("a.srt:6: the cue has a negative time ('-1:58:00,300 --> "
                                                 "-1:58:03,540'); it is skipped, as players skip it, and the "
                                                 "other cues are kept"));
}

TEST(SrtReader, ABadArrowIsRefusedNamingItsOwnLine) {
  const std::string file =
      "1\n00:00:01,000 --> 00:00:02,000\none\n\n2\n00:00:03,000 -> 00:00:04,000\ntwo\n\n"
      "3\n00:00:05,000 --> 00:00:06,000\nthree\n";
  EXPECT_EQ(error_of([&] { parse_srt(file, "a.srt"); }),
            "a.srt:6: the timing line's arrow '->' is not '-->' (write it as 00:00:03,000 --> 00:00:04,000)");
  // Right after the text, without the blank line and the cue number, too.
  EXPECT_THAT(error_of([] {
                parse_srt("1\n00:00:01,000 --> 00:00:02,000\none\n00:00:03,000 => 00:00:04,000\n", "a.srt");
              }),
              HasSubstr("a.srt:4: the timing line's arrow '=>' is not '-->'"));
  // Text that starts with a time is still text.
  EXPECT_NO_THROW(parse_srt("1\n00:00:01,000 --> 00:00:02,000\n10:00:00 until 11:00:00\n", "a.srt"));
}

TEST(SrtReader, SortsCuesByStart) {
  const auto t = parse_srt(
      "2\n00:00:05,000 --> 00:00:06,000\nlater\n\n1\n00:00:01,000 --> 00:00:02,000\nearlier\n", "a.srt");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].plain, "earlier");
  EXPECT_EQ(t.cues[1].line, 2);
}

TEST(SrtReader, TurnsTagsIntoAssOverrides) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\n<i>it</i> <b>bold</b> <u>under</u>\n"
      "<font color=\"#FF8000\">orange <font color=red>red</font> back</font> plain\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text,
            "{\\i1}it{\\i0} {\\b1}bold{\\b0} {\\u1}under{\\u0}\\N"
            "{\\c&H0080FF&}orange {\\c&H0000FF&}red{\\c&H0080FF&} back{\\c} plain");
  EXPECT_EQ(t.cues[0].plain, "it bold under\norange red back plain");
}

TEST(SrtReader, NestedSameTagsCloseOnce) {
  const auto t = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n<i>a <i>b</i> c</i>\n", "a.srt");
  EXPECT_EQ(t.cues[0].text, "{\\i1}a b c{\\i0}");
}

// Issue 14 changed this: "{\an8}" is an override tag (applied, as ffmpeg, mpv and VLC do);
// braces that do not open an override block and backslashes outside one are still text.
TEST(SrtReader, EscapesBracesAndBackslashesSoLibassShowsThemAsText) {
  const auto t = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n{x}C:\\New \\h a<b {\\i1\n", "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text, "\\{x\\}C:\\" + kWj + "New \\" + kWj + "h a<b \\{\\i1");
  EXPECT_EQ(t.cues[0].plain, "{x}C:\\New \\h a<b {\\i1");
}

// ---- SRT override tags (issue 14) ------------------------------------------------------------

TEST(SrtOverrides, AlignmentIsTakenFromTheTextNotDrawn) {
  const auto t = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Speaker at the top\n", "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].alignment, 8);
  EXPECT_EQ(t.cues[0].text, "Speaker at the top");
  EXPECT_EQ(t.cues[0].plain, "Speaker at the top");
  EXPECT_FALSE(t.cues[0].position.has_value());
  EXPECT_TRUE(t.warnings.empty());
}

TEST(SrtOverrides, FirstAlignmentWinsAndEveryNumpadValueIsRead) {
  for (int an = 1; an <= 9; ++an) {
    const auto t =
        parse_srt("1\n00:00:01,000 --> 00:00:02,000\n{\\an" + std::to_string(an) + "}a{\\an2}b\n", "a.srt");
    EXPECT_EQ(t.cues[0].alignment, an);
    EXPECT_EQ(t.cues[0].plain, "ab");
  }
  // The SSA numbering (\a6: top centre, \a10: middle centre).
  EXPECT_EQ(parse_srt("00:00:01,000 --> 00:00:02,000\n{\\a6}x\n", "a.srt").cues[0].alignment, 8);
  EXPECT_EQ(parse_srt("00:00:01,000 --> 00:00:02,000\n{\\a10}x\n", "a.srt").cues[0].alignment, 5);
  // \an0 and \an10 are not alignments: ignored with a warning.
  const auto bad = parse_srt("00:00:01,000 --> 00:00:02,000\n{\\an0}x\n", "a.srt");
  EXPECT_EQ(bad.cues[0].alignment, 0);
  ASSERT_EQ(bad.warnings.size(), 1u);
  EXPECT_THAT(bad.warnings[0], HasSubstr("a.srt:1: override tags not applied: \\an0"));
}

TEST(SrtOverrides, StyleTagsAreKeptColoursNormalised) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\n{\\i1}it{\\i0} {\\b1}b{\\b0} {\\u1}u{\\u0} {\\s1}s{\\s0} "
      "{\\c&H00FFFF&}y{\\1c&HFF0000&}b{\\c}w {\\b700\\i}x{\\rAlt}r\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text,
            "{\\i1}it{\\i0} {\\b1}b{\\b0} {\\u1}u{\\u0} {\\s1}s{\\s0} {\\c&H00FFFF&}y{\\c&HFF0000&}b{\\c}w "
            "{\\b700\\i}x{\\r}r");
  EXPECT_EQ(t.cues[0].plain, "it b u s ybw xr");
  EXPECT_TRUE(t.warnings.empty());
}

TEST(SrtOverrides, PositionIsReadInTheSrtScriptSize) {
  const auto t = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n{\\an7\\pos(96, 72)}corner\n", "a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].alignment, 7);
  ASSERT_TRUE(t.cues[0].position.has_value());
  EXPECT_DOUBLE_EQ(t.cues[0].position->x_rel, 0.25);  // 96 / 384
  EXPECT_DOUBLE_EQ(t.cues[0].position->y_rel, 0.25);  // 72 / 288
  EXPECT_EQ(t.cues[0].text, "corner");
  // A malformed \pos is ignored with a warning, never a crash.
  const auto bad = parse_srt("00:00:01,000 --> 00:00:02,000\n{\\pos(1e999,x)}x\n", "a.srt");
  EXPECT_FALSE(bad.cues[0].position.has_value());
  EXPECT_EQ(bad.warnings.size(), 1u);
}

TEST(SrtOverrides, TagsThatWouldLeaveTheBrandOrTheSafeZoneAreDroppedWithAWarning) {
  const auto t =
      parse_srt("1\n00:00:01,000 --> 00:00:02,000\n{\\fs80\\fnComic Sans\\move(0,0,10,10)\\t(\\fs20)\\i1}x\n",
                "s/a.srt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text, "{\\i1}x");
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("s/a.srt:2: override tags not applied: \\fs80 \\fnComic Sans "
                                       "\\move(0,0,10,10) \\t(\\fs20)"));
}

TEST(SrtOverrides, HtmlAndAssTagsMix) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\n{\\an9}<i>top right</i>\n<font color=\"#00FF00\">g</font>\n",
      "a.srt");
  EXPECT_EQ(t.cues[0].alignment, 9);
  EXPECT_EQ(t.cues[0].text, "{\\i1}top right{\\i0}\\N{\\c&H00FF00&}g{\\c}");
}

// ---- SRT timings as common readers take them (issue 14) --------------------------------------

TEST(SrtTimings, MissingMillisecondsAndSpacesInsideTimes) {
  const auto t = parse_srt(
      "1\n00:01:39 --> 00:01:41\na\n\n2\n00: 00: 12,083 --> 00: 00: 13 , 5\nb\n\n"
      "3\n00:00:20,1 --> 00:00:21,12\nc\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 3u);
  EXPECT_EQ(t.cues[0].plain, "b");
  EXPECT_EQ(t.cues[0].start_ms, 12083);
  EXPECT_EQ(t.cues[0].end_ms, 13005);
  EXPECT_EQ(t.cues[1].start_ms, 20001);
  EXPECT_EQ(t.cues[1].end_ms, 21012);
  EXPECT_EQ(t.cues[2].start_ms, 99000);
  EXPECT_EQ(t.cues[2].end_ms, 101000);
}

TEST(SrtTimings, ArrowVariantsStartTheirOwnCue) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\nfirst\n"
      "2\n00:00:03,000 -- > 00:00:04,000\nsecond\n\n"
      "3\n00:00:05,000 ---> 00:00:06,000\nthird\n\n"
      "00:00:07,000 - -> 00:00:08,000\nfourth\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 4u);
  EXPECT_EQ(t.cues[0].plain, "first");
  EXPECT_EQ(t.cues[1].plain, "second");
  EXPECT_EQ(t.cues[1].start_ms, 3000);
  EXPECT_EQ(t.cues[1].id, "2");
  EXPECT_EQ(t.cues[2].plain, "third");
  EXPECT_EQ(t.cues[3].plain, "fourth");
  EXPECT_EQ(t.cues[3].end_ms, 8000);
}

TEST(SrtTimings, StillRefusedWhatNoReaderCanTime) {
  EXPECT_THAT(error_of([] { parse_srt("1\n00:00:01,000 -> 00:00:02,000\na\n", "x.srt"); }),
              HasSubstr("x.srt:1: expected a cue number or a timing line"));
  EXPECT_THAT(error_of([] { parse_srt("1\n00:00:01,0000 --> 00:00:02,000\na\n", "x.srt"); }),
              HasSubstr("x.srt:2: bad timestamp"));
  EXPECT_THAT(error_of([] { parse_srt("1\n00:00:01:000 --> 00:00:02,000\na\n", "x.srt"); }),
              HasSubstr("x.srt:2: bad timestamp"));
}

TEST(SrtReader, StrayCueNumbersAreNotText) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n\n3\n00:00:03,000 --> 00:00:04,000\nWorld\n\n4\n",
      "a.srt");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].plain, "Hello");
  EXPECT_EQ(t.cues[1].plain, "World");
  ASSERT_EQ(t.warnings.size(), 2u);
  EXPECT_THAT(t.warnings[0], HasSubstr("a.srt:5: the stray cue number '2'"));
  EXPECT_THAT(t.warnings[1], HasSubstr("a.srt:11: the stray cue number '4'"));
  // A number that is a cue's text stays text.
  const auto count =
      parse_srt("1\n00:00:01,000 --> 00:00:02,000\n3\n\n2\n00:00:02,000 --> 00:00:03,000\n2\n", "a.srt");
  ASSERT_EQ(count.cues.size(), 2u);
  EXPECT_EQ(count.cues[0].plain, "3");
  EXPECT_EQ(count.cues[1].plain, "2");
}

TEST(SrtReader, BackslashBeforeATagIsKeptApart) {
  const auto t = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nx\\<i>y</i>\n", "a.srt");
  EXPECT_EQ(t.cues[0].text, "x\\" + kWj + "{\\i1}y{\\i0}");
}

TEST(SrtReader, BadTimestampNamesFileLineAndFix) {
  const std::string m = error_of([] {
    parse_srt("1\n00:00:01,000 --> 00:00:02,000\na\n\n2\n00:00:61,000 --> 00:01:02,000\nb\n", "subs/x.srt");
  });
  EXPECT_THAT(m, StartsWith("subs/x.srt:6: bad timestamp '00:00:61,000'"));
  EXPECT_THAT(m, HasSubstr("below 60"));
  EXPECT_THAT(m, HasSubstr("HH:MM:SS,mmm"));
}

TEST(SrtReader, GarbageTimingIsRefused) {
  // Issue 14 changed this: "00:00:01" (no milliseconds) is read, as every common reader does.
  EXPECT_THAT(error_of([] { parse_srt("1\n00:00:01x --> 00:00:02,000\na\n", "x.srt"); }),
              HasSubstr("x.srt:2: bad timestamp '00:00:01x': unexpected text after the time"));
  EXPECT_THAT(error_of([] { parse_srt("1\n00:01,000 --> 00:00:02,000\na\n", "x.srt"); }),
              HasSubstr("x.srt:2: bad timestamp"));
  EXPECT_THAT(error_of([] { parse_srt("1\n00:00:01,000 --> soon\na\n", "x.srt"); }),
              HasSubstr("x.srt:2: bad timestamp 'soon'"));
}

TEST(SrtReader, EndBeforeStartIsRefused) {
  EXPECT_THAT(error_of([] { parse_srt("1\n00:00:05,000 --> 00:00:04,000\na\n", "x.srt"); }),
              HasSubstr("x.srt:2: the cue ends (00:00:04,000) before it starts (00:00:05,000)"));
}

TEST(SrtReader, TextWithoutTimingIsRefused) {
  EXPECT_THAT(error_of([] { parse_srt("hello\nworld\n", "x.srt"); }),
              HasSubstr("x.srt:1: expected a cue number or a timing line"));
}

TEST(SrtReader, InvalidUtf8IsRefusedWithLineAndColumn) {
  const std::string m =
      error_of([] { parse_srt("1\n00:00:01,000 --> 00:00:02,000\nab\xC3\x28\n", "x.srt"); });
  EXPECT_THAT(m, HasSubstr("x.srt:3: invalid UTF-8 (byte 0xC3 at column 3)"));
  EXPECT_THAT(m, HasSubstr("save the file as UTF-8"));
  // Overlong encodings and surrogates are not UTF-8 either.
  EXPECT_THAT(error_of([] { parse_srt("\xC0\xAF", "x.srt"); }), HasSubstr("x.srt:1: invalid UTF-8"));
  EXPECT_THAT(error_of([] { parse_srt("a\n\xED\xA0\x80", "x.srt"); }), HasSubstr("x.srt:2: invalid UTF-8"));
}

// Issue 27: the WebVTT parser replaces NUL with U+FFFD (the specification's first step).
TEST(VttReader, NulIsReplacedByTheReplacementCharacter) {
  const auto t = parse_vtt(std::string("WEBVTT\n\n00:00.000 --> 00:01.000\na\0b\n", 36), "x.vtt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].plain, "a\uFFFDb");
  EXPECT_THAT(t.warnings,
              ::testing::ElementsAre("x.vtt:4: a NUL character is replaced by U+FFFD, as the WebVTT "
                                     "specification says"));
}

TEST(SrtReader, NulBytesAndUtf16AreRefused) {
  EXPECT_THAT(
      error_of([] { parse_srt(std::string("1\n00:00:01,000 --> 00:00:02,000\na\0b\n", 36), "x.srt"); }),
      HasSubstr("x.srt:3: NUL byte at column 2"));
  EXPECT_THAT(error_of([] {
                parse_srt(std::string("\xFF\xFE"
                                      "1\0",
                                      4),
                          "x.srt");
              }),
              HasSubstr("UTF-16"));
}

TEST(SrtReader, LimitsOnSizeAndCueCount) {
  SubtitleLimits limits;
  limits.max_file_bytes = 40;
  EXPECT_THAT(error_of([&] { parse_srt(std::string(41, 'a'), "x.srt", limits); }, ErrorKind::kLimit),
              HasSubstr("over the limit of 40"));
  limits = {};
  limits.max_cues = 2;
  std::string three;
  for (int i = 0; i < 3; ++i)
    three += "00:00:0" + std::to_string(i) + ",000 --> 00:00:0" + std::to_string(i) + ",500\nx\n\n";
  EXPECT_THAT(error_of([&] { parse_srt(three, "x.srt", limits); }, ErrorKind::kLimit),
              HasSubstr("x.srt:7: more than 2 cues"));
}

// ---- WebVTT ---------------------------------------------------------------------------------

TEST(VttReader, ReadsHeaderBlocksIdsSettingsAndShortTimings) {
  const auto t = parse_vtt(
      "WEBVTT - campaign captions\nKind: captions\n\n"
      "NOTE this is a note\nspanning lines --> with an arrow\n\n"
      "STYLE\n::cue { color: yellow }\n\n"
      "REGION\nid:fred width:40%\n\n"
      "intro\n00:01.000 --> 00:02.500 align:start position:10% line:0\nFirst\n\n"
      "01:00:03.000 --> 01:00:04.000\nSecond\nline two\n",
      "a.vtt");
  ASSERT_EQ(t.format, SubtitleFormat::kVtt);
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].id, "intro");
  EXPECT_EQ(t.cues[0].start_ms, 1000);
  EXPECT_EQ(t.cues[0].end_ms, 2500);
  EXPECT_EQ(t.cues[0].line, 14);
  EXPECT_EQ(t.cues[0].plain, "First");
  EXPECT_EQ(t.cues[1].start_ms, 3603000);
  EXPECT_EQ(t.cues[1].text, "Second\\Nline two");
  EXPECT_EQ(t.cues[0].alignment, 7) << "line:0 align:start: top left";
  EXPECT_EQ(t.cues[1].alignment, 0) << "no settings: the style's place";
}

// `line` and `align` place a cue the way SRT's {\anN} does (numpad: 7 8 9 top, 1 2 3 bottom).
TEST(VttReader, LineAndAlignSettingsGiveTheCuesPlace) {
  const auto alignment = [](const std::string& settings) {
    const auto t = parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000 " + settings + "\nx\n", "a.vtt");
    return t.cues.at(0).alignment;
  };
  EXPECT_EQ(alignment("line:0"), 8);
  EXPECT_EQ(alignment("line:2"), 8) << "a line number from the top";
  EXPECT_EQ(alignment("line:-1"), 2) << "counted from the bottom";
  EXPECT_EQ(alignment("line:10%"), 8);
  EXPECT_EQ(alignment("line:50%,center"), 5);
  EXPECT_EQ(alignment("line:90%,end"), 2);
  EXPECT_EQ(alignment("align:end"), 3);
  EXPECT_EQ(alignment("align:left line:0"), 7);
  EXPECT_EQ(alignment("line:5% align:right"), 9);
  EXPECT_EQ(alignment("align:center"), 2);
  // Not valid: ignored, as the specification's parser does.
  EXPECT_EQ(alignment("line:abc"), 0);
  EXPECT_EQ(alignment("line:1.5"), 0) << "a line number is whole";
  EXPECT_EQ(alignment("line:150%"), 0);
  EXPECT_EQ(alignment("line:-5%"), 0);
  EXPECT_EQ(alignment("align:diagonal"), 0);
  EXPECT_EQ(alignment("line: position:30% size:50% vertical:rl"), 0);
}

TEST(VttReader, TagsAndEntities) {
  const auto t = parse_vtt(
      "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Mai>Chào</v> <c.yellow>vàng</c> <c.loud>x</c> <i>i</i> <b>b</b> "
      "<u>u</u>"
      " <lang en>hi</lang> <00:01.500>later\n&amp; &lt;tag&gt; a&nbsp;b &#x1780; {x}\n",
      "a.vtt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].text,
            "Chào {\\c&H00FFFF&}vàng{\\c} x {\\i1}i{\\i0} {\\b1}b{\\b0} {\\u1}u{\\u0} hi later\\N"
            "& <tag> a\u00A0b \u1780 \\{x\\}");
  EXPECT_EQ(t.cues[0].plain, "Chào vàng x i b u hi later\n& <tag> a\u00A0b \u1780 {x}");
}

TEST(VttReader, HeaderIsRequired) {
  EXPECT_THAT(error_of([] { parse_vtt("1\n00:00:01,000 --> 00:00:02,000\nx\n", "s.vtt"); }),
              HasSubstr("s.vtt:1: a WebVTT file must start with the line 'WEBVTT'"));
  EXPECT_THAT(error_of([] { parse_vtt("WEBVTTX\n", "s.vtt"); }), HasSubstr("s.vtt:1:"));
}

// Issue 14 changed this: the WebVTT parser drops a cue it cannot time (with a warning) and keeps
// the rest, instead of refusing the file.
TEST(VttReader, IdWithoutTimingAndBadTimesAreDroppedWithAWarning) {
  const auto t = parse_vtt(
      "WEBVTT\n\nintro\nhello\n\n00:01.000 --> 00:0x.000\nbad\n\n00:03.000 --> 00:02.000\nbackwards\n\n"
      "00:04.000 --> 00:05.000\nkept\n",
      "s.vtt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].plain, "kept");
  ASSERT_EQ(t.warnings.size(), 3u);
  EXPECT_THAT(t.warnings[0], HasSubstr("s.vtt:3: the text 'intro' is not in a cue and is skipped"));
  EXPECT_THAT(t.warnings[1], HasSubstr("s.vtt:6: the cue is dropped: bad end time"));
  EXPECT_THAT(
      t.warnings[2],
      HasSubstr(
          "s.vtt:9: the cue is dropped: it ends (00:00:02.000) before or when it starts (00:00:03.000)"));
}

// ---- WebVTT conformance: one test per rule of the specification's parser ---------------------
// https://www.w3.org/TR/webvtt1/#file-parsing

std::vector<std::string> plains(const SubtitleTrack& t) {
  std::vector<std::string> out;
  for (const Cue& c : t.cues) out.push_back(c.plain);
  return out;
}

using Plains = std::vector<std::string>;

TEST(VttSpec, SignatureIsWebvttAloneOrFollowedBySpaceOrTab) {
  EXPECT_EQ(plains(parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\na\n", "s.vtt")), Plains{"a"});
  EXPECT_EQ(plains(parse_vtt("WEBVTT Some title\n\n00:01.000 --> 00:02.000\na\n", "s.vtt")), Plains{"a"});
  EXPECT_EQ(plains(parse_vtt("WEBVTT\tx\n\n00:01.000 --> 00:02.000\na\n", "s.vtt")), Plains{"a"});
  EXPECT_EQ(plains(parse_vtt("\xEF\xBB\xBFWEBVTT\n\n00:01.000 --> 00:02.000\na\n", "s.vtt")), Plains{"a"});
  for (const char* bad : {"WEBVTTX\n\n00:01.000 --> 00:02.000\na\n", "webvtt\n", "WEBVTT\f\n", "\nWEBVTT\n",
                          "WEB VTT\n", " WEBVTT\n", ""}) {
    EXPECT_THAT(error_of([&] { parse_vtt(bad, "s.vtt"); }),
                HasSubstr("s.vtt:1: a WebVTT file must start with"))
        << bad;
  }
}

TEST(VttSpec, SignatureAloneIsAFileWithoutCues) {
  EXPECT_TRUE(parse_vtt("WEBVTT", "s.vtt").cues.empty());
  EXPECT_TRUE(parse_vtt("WEBVTT\n", "s.vtt").cues.empty());
  EXPECT_TRUE(parse_vtt("WEBVTT\n\n\n", "s.vtt").cues.empty());
}

TEST(VttSpec, HeaderLinesRunToABlankLineOrToACueTimingLine) {
  // Header lines (old "Kind:", "Language:", "Region:" settings) are not cues.
  const auto a =
      parse_vtt("WEBVTT\nKind: captions\nRegion: id=fred width=40%\n\n00:01.000 --> 00:02.000\na\n", "s.vtt");
  EXPECT_EQ(plains(a), Plains{"a"});
  EXPECT_TRUE(a.warnings.empty());
  // A cue right after the signature, no blank line (read 0 cues before issue 14).
  EXPECT_EQ(plains(parse_vtt("WEBVTT\n00:01.000 --> 00:02.000\nfirst\n\n00:03.000 --> 00:04.000\nsecond\n",
                             "s.vtt")),
            (Plains{"first", "second"}));
  // Header lines then a timing line without a blank line: the header ends before it.
  const auto c = parse_vtt("WEBVTT\nKind: captions\n00:01.000 --> 00:02.000\nx\n", "s.vtt");
  EXPECT_EQ(plains(c), Plains{"x"});
  EXPECT_EQ(c.cues[0].line, 3);
}

TEST(VttSpec, LineTerminatorsLfCrlfAndCr) {
  for (const char* nl : {"\n", "\r\n", "\r"}) {
    const std::string n = nl;
    const auto t = parse_vtt("WEBVTT" + n + n + "00:01.000 --> 00:02.000" + n + "a" + n + "b" + n + n +
                                 "00:03.000 --> 00:04.000" + n + "c" + n,
                             "s.vtt");
    EXPECT_EQ(plains(t), (Plains{"a\nb", "c"}));
    EXPECT_EQ(t.cues[1].line, 7);
  }
}

TEST(VttSpec, BlocksAreSeparatedByOneOrMoreBlankLines) {
  const auto t =
      parse_vtt("WEBVTT\n\n\n\n00:01.000 --> 00:02.000\na\n\n\n\n00:03.000 --> 00:04.000\nb\n\n\n", "s.vtt");
  EXPECT_EQ(plains(t), (Plains{"a", "b"}));
  EXPECT_EQ(t.cues[0].line, 5);
}

TEST(VttSpec, ATimingLineInsideACueStartsTheNextCue) {
  const auto t = parse_vtt(
      "WEBVTT\n\n00:01.000 --> 00:02.000\na\n00:03.000 --> 00:04.000\nb\nid\n00:05.000 --> 00:06.000\nc\n",
      "s.vtt");
  // "id" is text of the second cue: a timing line on a block's third line starts a new block, and
  // that block's first line is the timing line (no id).
  EXPECT_EQ(plains(t), (Plains{"a", "b\nid", "c"}));
  EXPECT_EQ(t.cues[2].id, "");
}

TEST(VttSpec, IdentifierIsTheLineBeforeTheTiming) {
  const auto t = parse_vtt(
      "WEBVTT\n\nintro – part 1\n00:01.000 --> 00:02.000\na\n\n1\n00:03.000 --> 00:04.000\nb\n", "s.vtt");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].id, "intro – part 1");
  EXPECT_EQ(t.cues[0].line, 4);
  EXPECT_EQ(t.cues[1].id, "1");
}

TEST(VttSpec, TimingOnTheThirdLineOfABlockIsNotACue) {
  const auto t = parse_vtt("WEBVTT\n\nline one\nline two\n00:01.000 --> 00:02.000\nx\n", "s.vtt");
  EXPECT_EQ(plains(t), Plains{"x"});  // the timing line starts a block of its own
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("s.vtt:3: the text 'line one' is not in a cue"));
}

TEST(VttSpec, TimestampsFollowTheSpecDigitRules) {
  const auto time_of = [](const std::string& start) {
    const auto t = parse_vtt("WEBVTT\n\n" + start + " --> 999:00:00.000\nx\n", "s.vtt");
    return t.cues.empty() ? int64_t{-1} : t.cues[0].start_ms;
  };
  EXPECT_EQ(time_of("01:02.003"), 62003);
  EXPECT_EQ(time_of("01:02:03.004"), 3723004);
  EXPECT_EQ(time_of("100:00:00.000"), 360000000);  // hours may have more than two digits
  EXPECT_EQ(time_of("1:02:03.004"), 3723004);      // and fewer
  EXPECT_EQ(time_of("1:02.003"), -1);              // one digit first: hours, so seconds are missing
  EXPECT_EQ(time_of("60:00.000"), -1);             // over 59 first: hours, seconds missing
  EXPECT_EQ(time_of("00:1.000"), -1);              // two digits exactly
  EXPECT_EQ(time_of("00:01.00"), -1);              // three digits of milliseconds exactly
  EXPECT_EQ(time_of("00:01.0000"), -1);
  EXPECT_EQ(time_of("00:01,000"), -1);  // ',' is SRT's
  EXPECT_EQ(time_of("00:60.000"), -1);  // seconds below 60
  EXPECT_EQ(time_of("00:60:00.000"), -1);
  EXPECT_EQ(time_of("00:01"), -1);  // the fraction is required
}

TEST(VttSpec, WhitespaceAroundTheArrowIsAsciiWhitespaceIncludingFormFeed) {
  EXPECT_EQ(plains(parse_vtt("WEBVTT\n\n00:01.000-->00:02.000\na\n", "s.vtt")), Plains{"a"});
  EXPECT_EQ(plains(parse_vtt("WEBVTT\n\n\t00:01.000\t-->\f00:02.000\f\na\n", "s.vtt")), Plains{"a"});
  EXPECT_EQ(
      plains(parse_vtt("WEBVTT\n\n00:01.000 - -> 00:02.000\na\n\n00:03.000 --> 00:04.000\nb\n", "s.vtt")),
      Plains{"b"});  // '-->' is three characters together
}

TEST(VttSpec, CueSettingsAreAcceptedAndIgnored) {
  const auto t = parse_vtt(
      "WEBVTT\n\n00:01.000 --> 00:02.000 line:0 position:10%,line-left align:start size:50% vertical:rl "
      "region:r "
      "nonsense x:y:z\na\n\n00:03.000 --> 00:04.000line:0\nb\n",
      "s.vtt");
  EXPECT_EQ(plains(t), (Plains{"a", "b"}));
  EXPECT_TRUE(t.warnings.empty());
}

TEST(VttSpec, AnInvalidCueIsDroppedWithItsTextAndTheOthersKept) {
  const auto t = parse_vtt(
      "WEBVTT\n\n1\n00:01.000 --> 00:02.000\nfirst\n\n2\n00:02.000 -> 00:03.000\nlost\nlost too\n\n"
      "3\n00:04.000 --> 00:05.000\nthird\n",
      "s.vtt");
  EXPECT_EQ(plains(t), (Plains{"first", "third"}));
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("s.vtt:7: the text '2' is not in a cue"));
  const auto u =
      parse_vtt("WEBVTT\n\n2\n00:02.000 --> 00:03\nlost\n\n00:04.000 --> 00:05.000\nkept\n", "s.vtt");
  EXPECT_EQ(plains(u), Plains{"kept"});
  ASSERT_EQ(u.warnings.size(), 1u);
  EXPECT_THAT(u.warnings[0], HasSubstr("s.vtt:4: the cue is dropped: bad end time"));
}

TEST(VttSpec, NoteBlocksAreComments) {
  const auto t = parse_vtt(
      "WEBVTT\n\nNOTE\n\nNOTE one line\n\nNOTE\nmany\nlines\n\nNOTE\tx\nthis --> that (an arrow in a "
      "note)\n\n"
      "00:01.000 --> 00:02.000\na\n\nNOTE after a cue\n\nNOTES are not notes\n",
      "s.vtt");
  EXPECT_EQ(plains(t), Plains{"a"});
  ASSERT_EQ(t.warnings.size(), 1u);
  EXPECT_THAT(t.warnings[0], HasSubstr("s.vtt:19: the text 'NOTES are not notes'"));
}

TEST(VttSpec, StyleBlocksBeforeTheFirstCueAreStyleSheets) {
  const auto t = parse_vtt(
      "WEBVTT\n\nSTYLE\n::cue { color: yellow }\n\n::cue(b) {\n  color: peachpuff;\n}\n\nSTYLE \t\n::cue "
      "{}\n\n"
      "00:01.000 --> 00:02.000\na\n",
      "s.vtt");
  // A blank line inside a STYLE block ends it; the rest is not a cue either (no longer refused).
  EXPECT_EQ(plains(t), Plains{"a"});
  EXPECT_TRUE(t.warnings.empty());
  // After a cue, "STYLE" is text that is not a cue.
  const auto late = parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\na\n\nSTYLE\n::cue {}\n", "s.vtt");
  EXPECT_EQ(plains(late), Plains{"a"});
  EXPECT_EQ(late.warnings.size(), 1u);
}

TEST(VttSpec, RegionBlocksAreRegionDefinitions) {
  const auto t = parse_vtt(
      "WEBVTT\n\nREGION\nid:fred\nwidth:40%\nlines:3\nregionanchor:0%,100%\n\n"
      "00:01.000 --> 00:02.000 region:fred\na\n",
      "s.vtt");
  EXPECT_EQ(plains(t), Plains{"a"});
  EXPECT_TRUE(t.warnings.empty());
}

TEST(VttSpec, CueTextIsKeptAsWrittenEmptyTextToo) {
  const auto t =
      parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\n\n00:03.000 --> 00:04.000\n  indented\n", "s.vtt");
  ASSERT_EQ(t.cues.size(), 2u);
  EXPECT_EQ(t.cues[0].plain, "");
  EXPECT_EQ(t.cues[1].plain, "  indented");
}

TEST(VttSpec, LimitsStillApply) {
  SubtitleLimits limits;
  limits.max_cues = 1;
  EXPECT_THAT(error_of(
                  [&] {
                    parse_vtt("WEBVTT\n\n00:01.000 --> 00:02.000\na\n\n00:03.000 --> 00:04.000\nb\n", "s.vtt",
                              limits);
                  },
                  ErrorKind::kLimit),
              HasSubstr("s.vtt:6: more than 1 cues"));
}

// ---- ASS ------------------------------------------------------------------------------------

const char* kAss =
    "[Script Info]\n"
    "ScriptType: v4.00+\n"
    "PlayResX: 1280\n"
    "PlayResY: 720\n"
    "\n"
    "[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
    "MarginR, MarginV, Encoding\n"
    "Style: Default,Noto "
    "Sans,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,2,0,2,10,10,10,1\n"
    "Style: Top,DejaVu "
    "Sans,40,&H0000FFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,2,0,8,20,20,200,1\n"
    "\n"
    "[Events]\n"
    "Format: Layer, Start, End, Style, Actor, MarginL, MarginR, MarginV, Effect, Text\n"
    "Comment: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,not shown\n"
    "Dialogue: 1,0:00:02.00,0:00:04.50,Top,Mai,0,0,0,,{\\i1}Hello{\\i0}, world\\Nline {\\p1}m 0 0 l 10 "
    "0{\\p0}two\n"
    "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,5,6,7,Banner;5,Plain, with commas\n";

TEST(AssReader, KeepsHeaderAndParsesEventsByFormat) {
  const auto t = parse_ass(kAss, "a.ass");
  ASSERT_EQ(t.format, SubtitleFormat::kAss);
  EXPECT_THAT(t.ass_header, StartsWith("[Script Info]\nScriptType: v4.00+\nPlayResX: 1280\n"));
  EXPECT_THAT(t.ass_header, HasSubstr("Style: Top,DejaVu Sans,40"));
  EXPECT_THAT(t.ass_header, Not(HasSubstr("[Events]")));
  ASSERT_EQ(t.cues.size(), 2u);
  const Cue& first = t.cues[0];  // sorted by start
  EXPECT_EQ(first.start_ms, 1000);
  EXPECT_EQ(first.end_ms, 3000);
  EXPECT_EQ(first.text, "Plain, with commas");
  EXPECT_EQ(first.ass_margin_l, "5");
  EXPECT_EQ(first.ass_margin_r, "6");
  EXPECT_EQ(first.ass_margin_v, "7");
  EXPECT_EQ(first.ass_effect, "Banner;5");
  EXPECT_EQ(first.line, 15);
  const Cue& second = t.cues[1];
  EXPECT_EQ(second.ass_layer, "1");
  EXPECT_EQ(second.ass_style, "Top");
  EXPECT_EQ(second.ass_name, "Mai");
  EXPECT_EQ(second.start_ms, 2000);
  EXPECT_EQ(second.end_ms, 4500);
  EXPECT_EQ(second.text, "{\\i1}Hello{\\i0}, world\\Nline {\\p1}m 0 0 l 10 0{\\p0}two");
  EXPECT_EQ(second.plain, "Hello, world\nline two");
}

TEST(AssReader, OtherFieldOrdersAndSsa) {
  const auto t = parse_ass(
      "[Script Info]\nScriptType: v4.00\n\n[Events]\nFormat: Start, End, Text\nDialogue: "
      "0:00:01.50,0:00:02.00,a,b\n",
      "a.ssa");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].start_ms, 1500);
  EXPECT_EQ(t.cues[0].text, "a,b");
  // No Format line: SSA's default order (Marked first).
  const auto ssa = parse_ass(
      "[Script Info]\nScriptType: v4.00\n\n[Events]\nDialogue: Marked=0,0:00:01.00,0:00:02.00,"
      "Default,,0000,0000,0000,,Hi\n",
      "b.ssa");
  ASSERT_EQ(ssa.cues.size(), 1u);
  EXPECT_EQ(ssa.cues[0].text, "Hi");
  EXPECT_EQ(ssa.cues[0].end_ms, 2000);
}

TEST(AssReader, Errors) {
  EXPECT_THAT(error_of([] { parse_ass("[Script Info]\nTitle: x\n", "a.ass"); }),
              HasSubstr("a.ass: no [Events] section"));
  EXPECT_THAT(error_of([] {
                parse_ass("[Events]\nFormat: Start, End, Style, Text\nDialogue: 0:00:01.00,0:00:02.00\n",
                          "a.ass");
              }),
              HasSubstr("a.ass:3: the Dialogue line has 2 fields, the Format line (line 2) names 4"));
  EXPECT_THAT(error_of([] {
                parse_ass("[Events]\nFormat: Start, End, Text\nDialogue: 0:00:0x.00,0:00:02.00,a\n", "a.ass");
              }),
              HasSubstr("a.ass:3: bad timestamp '0:00:0x.00'"));
  EXPECT_THAT(error_of([] { parse_ass("[Events]\nFormat: Start, Text, End\n", "a.ass"); }),
              HasSubstr("a.ass:2: the [Events] Format line must end with the Text field"));
  EXPECT_THAT(error_of([] {
                parse_ass("[Events]\nFormat: Start, End, Text\nDialogue: 0:00:03.00,0:00:02.00,a\n", "a.ass");
              }),
              HasSubstr("a.ass:3: the event ends (0:00:02.00) before it starts (0:00:03.00)"));
}

// ---- Files ----------------------------------------------------------------------------------

TEST(SubtitleFiles, DispatchByExtensionAndLimits) {
  test::ScratchDir dir("subs");
  test::write_text(dir / "a.SRT", "1\n00:00:01,000 --> 00:00:02,000\nx\n");
  test::write_text(dir / "a.vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nx\n");
  test::write_text(dir / "a.ass", kAss);
  test::write_text(dir / "a.txt", "x");
  EXPECT_EQ(read_subtitles(dir / "a.SRT").format, SubtitleFormat::kSrt);
  EXPECT_EQ(read_subtitles(dir / "a.vtt").format, SubtitleFormat::kVtt);
  EXPECT_EQ(read_subtitles(dir / "a.ass").format, SubtitleFormat::kAss);
  EXPECT_EQ(read_subtitles(dir / "a.vtt").source, dir / "a.vtt");
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "a.txt"); }), HasSubstr("unknown subtitle format '.txt'"));
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "missing.srt"); }), HasSubstr("missing.srt: cannot read"));
  SubtitleLimits small;
  small.max_file_bytes = 10;
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "a.SRT", small); }, ErrorKind::kLimit),
              HasSubstr("bytes, over the limit of 10"));
}

// ---- Encodings and empty files (issue 14) ---------------------------------------------------

std::string utf16(const std::u16string& text, bool big_endian, bool bom = true) {
  std::string out;
  if (bom) out = big_endian ? "\xFE\xFF" : "\xFF\xFE";
  for (char16_t u : text) {
    const char hi = static_cast<char>(u >> 8), lo = static_cast<char>(u & 0xFF);
    out += big_endian ? std::string{hi, lo} : std::string{lo, hi};
  }
  return out;
}

std::string utf32(const std::u32string& text, bool big_endian) {
  std::string out = big_endian ? std::string("\0\0\xFE\xFF", 4) : std::string("\xFF\xFE\0\0", 4);
  for (char32_t u : text) {
    std::string unit(4, '\0');
    for (int k = 0; k < 4; ++k) unit[big_endian ? 3 - k : k] = static_cast<char>((u >> (8 * k)) & 0xFF);
    out += unit;
  }
  return out;
}

const std::u16string kVietSrt16 = u"1\r\n00:00:01,000 --> 00:00:02,000\r\nBảo hiểm xã hội 🇻🇳\r\n";
const std::string kVietPlain = "Bảo hiểm xã hội 🇻🇳";

TEST(SubtitleEncodings, Utf16AndUtf32WithBomAreDecoded) {
  test::ScratchDir dir("enc");
  test::write_text(dir / "le.srt", utf16(kVietSrt16, false));
  test::write_text(dir / "be.srt", utf16(kVietSrt16, true));
  test::write_text(dir / "le32.srt", utf32(U"1\n00:00:01,000 --> 00:00:02,000\nBảo hiểm xã hội 🇻🇳\n", false));
  test::write_text(dir / "be32.vtt", utf32(U"WEBVTT\n\n00:01.000 --> 00:02.000\nBảo hiểm xã hội 🇻🇳\n", true));
  for (const char* name : {"le.srt", "be.srt", "le32.srt", "be32.vtt"}) {
    const auto t = read_subtitles(dir / name);
    ASSERT_EQ(t.cues.size(), 1u) << name;
    EXPECT_EQ(t.cues[0].plain, kVietPlain) << name;
  }
  // A BOM wins over a declared encoding (the file says what it is).
  EXPECT_EQ(read_subtitles(dir / "le.srt", {}, "windows-1258").cues[0].plain, kVietPlain);
}

TEST(SubtitleEncodings, BrokenUtf16NamesLineAndColumn) {
  test::ScratchDir dir("enc");
  std::u16string lone = u"1\n00:00:01,000 --> 00:00:02,000\nab";
  lone += static_cast<char16_t>(0xD800);
  lone += u"c\n";
  test::write_text(dir / "lone.srt", utf16(lone, false));
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "lone.srt"); }),
              HasSubstr("lone.srt:3:3: byte 0x00 is not UTF-16LE (a lone surrogate)"));
  test::write_text(dir / "odd.srt", utf16(u"1\n", false) + "x");
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "odd.srt"); }),
              HasSubstr("the file ends inside a character"));
}

TEST(SubtitleEncodings, DeclaredLegacyEncodingsGoThroughIconv) {
  test::ScratchDir dir("enc");
  // "Bảo hiểm" in Windows-1258: a, combining hook above (0xD2), and e + combining hook.
  test::write_text(dir / "vi.srt", "1\n00:00:01,000 --> 00:00:02,000\nBa\xD2o hi\xEA\xD2m\n");
  const auto t = read_subtitles(dir / "vi.srt", {}, "windows-1258");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].plain, "Bảo hiểm");  // glibc composes the combining marks (NFC)
  test::write_text(dir / "fr.srt", "1\n00:00:01,000 --> 00:00:02,000\nCaf\xE9 \x80\n");
  EXPECT_EQ(read_subtitles(dir / "fr.srt", {}, "windows-1252").cues[0].plain, "Café €");
  // UTF-16 without a BOM, when declared.
  test::write_text(dir / "nobom.srt", utf16(kVietSrt16, false, false));
  EXPECT_EQ(read_subtitles(dir / "nobom.srt", {}, "UTF-16LE").cues[0].plain, kVietPlain);
  // Bytes that are not in the declared encoding: file:line:column.
  test::write_text(dir / "bad.srt", "1\n00:00:01,000 --> 00:00:02,000\nab\x81\n");
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "bad.srt", {}, "windows-1252"); }),
              HasSubstr("bad.srt:3:3: byte 0x81 is not WINDOWS-1252"));
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "fr.srt", {}, "klingon-8"); }),
              HasSubstr("the encoding 'klingon-8' is not known"));
  EXPECT_TRUE(subtitle_encoding_known("windows-1258"));
  EXPECT_TRUE(subtitle_encoding_known("UTF-8"));
  EXPECT_FALSE(subtitle_encoding_known("klingon-8"));
}

TEST(SubtitleEncodings, UndeclaredLegacyBytesAreRefusedNamingTheSetting) {
  test::ScratchDir dir("enc");
  test::write_text(dir / "vi.srt", "1\n00:00:01,000 --> 00:00:02,000\nBa\xD2o\n");
  const std::string m = error_of([&] { read_subtitles(dir / "vi.srt"); });
  EXPECT_THAT(m, HasSubstr("vi.srt:3: invalid UTF-8 (byte 0xD2 at column 3)"));
  EXPECT_THAT(m, HasSubstr("captions_encoding: windows-1258"));
}

TEST(SubtitleFiles, EmptyFilesAndFilesWithoutCuesAreErrors) {
  test::ScratchDir dir("empty");
  test::write_text(dir / "zero.srt", "");
  test::write_text(dir / "blank.srt", "\n\n  \n");
  test::write_text(dir / "header.vtt", "WEBVTT\n\n");
  test::write_text(dir / "dropped.vtt", "WEBVTT\n\n00:01.000 --> 00:0x.000\nbad\n");
  test::write_text(dir / "empty-cue.srt", "1\n00:00:01,000 --> 00:00:02,000\n\n");
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "zero.srt"); }),
              HasSubstr("zero.srt: the subtitle file is empty (0 bytes)"));
  for (const char* name : {"blank.srt", "header.vtt", "empty-cue.srt"}) {
    const std::string m = error_of([&] { read_subtitles(dir / name); });
    EXPECT_THAT(m, HasSubstr(std::string(name) + ": the subtitle file has no cue with text"));
    EXPECT_THAT(m, HasSubstr("captions: {LANG: none}"));
  }
  EXPECT_THAT(error_of([&] { read_subtitles(dir / "dropped.vtt"); }),
              HasSubstr("no cue with text (every cue was dropped, see the warnings)"));
}

// The examples of README "Subtitle files" read as the README says.
TEST(SubtitleFiles, ReadmeExamplesReadAsDocumented) {
  const auto srt = parse_srt(
      "1\n00:00:01 -- > 00:00:03.500\n{\\an8}<i>Speaker at the top</i>\n\n2\n\n3\n"
      "00: 00: 04,000 --> 00:00:06,000\nBack at the bottom\n",
      "subs/x.vi.srt");
  ASSERT_EQ(srt.cues.size(), 2u);
  EXPECT_EQ(srt.cues[0].alignment, 8);
  EXPECT_EQ(srt.cues[0].end_ms, 3500);
  EXPECT_EQ(srt.cues[0].text, "{\\i1}Speaker at the top{\\i0}");
  EXPECT_EQ(srt.cues[1].alignment, 0);
  EXPECT_EQ(srt.cues[1].start_ms, 4000);
  ASSERT_EQ(srt.warnings.size(), 1u);
  EXPECT_THAT(srt.warnings[0], HasSubstr("subs/x.vi.srt:5: the stray cue number '2'"));
  const auto vtt = parse_vtt(
      "WEBVTT\n00:00.000 --> 00:02.000\nFirst\n\n00:02.000 --> 00:03.5\nDropped\n\n00:04.000 --> "
      "00:05.000\nKept\n",
      "subs/x.en.vtt");
  EXPECT_EQ(plains(vtt), (Plains{"First", "Kept"}));
  ASSERT_EQ(vtt.warnings.size(), 1u);
  EXPECT_THAT(
      vtt.warnings[0],
      HasSubstr(
          "subs/x.en.vtt:5: the cue is dropped: bad end time: the milliseconds have exactly three digits"));
}

// ---- Retiming and sidecars ------------------------------------------------------------------

SubtitleTrack four_cues() {
  return parse_srt(
      "1\n00:00:00,500 --> 00:00:01,500\nbefore\n\n"
      "2\n00:00:01,800 --> 00:00:02,400\ncrosses start\n\n"
      "3\n00:00:03,000 --> 00:00:04,000\ninside\n\n"
      "4\n00:00:04,500 --> 00:00:06,000\ncrosses end\n\n"
      "5\n00:00:06,000 --> 00:00:07,000\nafter\n",
      "r.srt");
}

TEST(Retime, DropsClipsAndShiftsToTheTrim) {
  const auto t = retime(four_cues(), 2000, 5000);
  ASSERT_EQ(t.cues.size(), 3u);
  EXPECT_EQ(t.cues[0].plain, "crosses start");
  EXPECT_EQ(t.cues[0].start_ms, 0);  // clipped at the trim start, then moved to 0
  EXPECT_EQ(t.cues[0].end_ms, 400);
  EXPECT_EQ(t.cues[1].start_ms, 1000);
  EXPECT_EQ(t.cues[1].end_ms, 2000);
  EXPECT_EQ(t.cues[2].plain, "crosses end");
  EXPECT_EQ(t.cues[2].start_ms, 2500);
  EXPECT_EQ(t.cues[2].end_ms, 3000);  // clipped at the trim end
  EXPECT_EQ(t.source, "r.srt");
}

TEST(Retime, CuesTouchingTheBoundaryAreDroppedAndOffsetApplies) {
  const auto t = retime(four_cues(), 1500, 6000, 3000);  // cue 1 ends at 1500, cue 5 starts at 6000
  ASSERT_EQ(t.cues.size(), 3u);
  EXPECT_EQ(t.cues[0].start_ms, 3300);  // 1800 - 1500 + 3000 (e.g. after a 3 s intro)
  EXPECT_EQ(t.cues.back().end_ms, 7500);
  const auto all = retime(four_cues(), 0, INT64_MAX);
  EXPECT_EQ(all.cues.size(), 5u);
  EXPECT_EQ(all.cues[4].end_ms, 7000);
}

TEST(Sidecars, SrtAndVttFromPlainText) {
  auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\n<i>A & B</i>\nx < y\n\n2\n00:01:02,003 --> 01:00:00,000\nx > y\n",
      "s.srt");
  EXPECT_EQ(to_srt(t),
            "1\n00:00:01,000 --> 00:00:02,000\nA & B\nx < y\n\n2\n00:01:02,003 --> 01:00:00,000\nx > y\n\n");
  EXPECT_EQ(to_vtt(t),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nA &amp; B\nx &lt; y\n\n"
            "00:01:02.003 --> 01:00:00.000\nx &gt; y\n\n");
  // Retimed sidecars round-trip through our own readers.
  const auto back = parse_vtt(to_vtt(retime(t, 500, 1500)), "s.vtt");
  ASSERT_EQ(back.cues.size(), 1u);
  EXPECT_EQ(back.cues[0].start_ms, 500);
  EXPECT_EQ(back.cues[0].end_ms, 1000);
  EXPECT_EQ(back.cues[0].plain, "A & B\nx < y");
}

// ---- ASS script -----------------------------------------------------------------------------

std::vector<std::string> fields_of(const std::string& script, const std::string& prefix) {
  std::istringstream in(script);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) {
      std::vector<std::string> fields;
      std::istringstream f(line.substr(prefix.size()));
      std::string field;
      while (std::getline(f, field, ',')) fields.push_back(field);
      return fields;
    }
  }
  ADD_FAILURE() << "no line starting with " << prefix << " in\n" << script;
  return {};
}

CaptionLayout tiktok_layout() {
  CaptionLayout layout;
  layout.width_px = 1080;
  layout.height_px = 1920;
  layout.safe = {270, 672, 65, 165};
  return layout;
}

TEST(AssScript, ScriptInfoStyleAndMarginsFromTheSafeZone) {
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,500\n<i>Xin chào</i>\n", "v.srt");
  CaptionStyle style;
  style.language = "vi";
  const std::string s = build_ass_script(track, style, tiktok_layout(), {"Bảo hiểm xã hội", 3000});
  EXPECT_THAT(s, HasSubstr("PlayResX: 1080\nPlayResY: 1920\n"));
  EXPECT_THAT(s, HasSubstr("ScaledBorderAndShadow: yes\n"));
  EXPECT_THAT(s, HasSubstr("WrapStyle: 2\n"));  // libass never wraps: the lines are ours
  EXPECT_THAT(s, HasSubstr("Language: vi\n"));
  const auto def = fields_of(s, "Style: Default,");
  ASSERT_EQ(def.size(), 22u);
  EXPECT_EQ(def[0], "Noto Sans");
  EXPECT_EQ(def[1], "81");          // 0.042 * 1920
  EXPECT_EQ(def[2], "&H00FFFFFF");  // white
  EXPECT_EQ(def[4], "&H00000000");  // black outline
  EXPECT_EQ(def[6], "-1");          // bold
  EXPECT_EQ(def[14], "1");          // outline + shadow
  EXPECT_EQ(def[15], "9.72");       // 0.12 * 81
  EXPECT_EQ(def[17], "2");          // bottom centre
  const int pad = 12;               // ceil(9.72) + 2
  EXPECT_EQ(def[18], std::to_string(65 + pad));
  EXPECT_EQ(def[19], std::to_string(165 + pad));
  EXPECT_EQ(def[20], std::to_string(672 + pad));
  EXPECT_EQ(def[21], "-1");  // base direction from the text
  const auto title = fields_of(s, "Style: Title,");
  ASSERT_EQ(title.size(), 22u);
  EXPECT_EQ(title[1], "97");  // 1.2 x the caption size
  EXPECT_EQ(title[17], "8");  // top centre
  EXPECT_EQ(title[20], std::to_string(270 + pad));
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,{\\i1}Xin chào{\\i0}\n"));
  EXPECT_THAT(s, HasSubstr("Dialogue: 10,0:00:00.00,0:00:03.00,Title,,0,0,0,,Bảo hiểm xã hội\n"));
}

TEST(AssScript, SrtAlignmentPlacesTheCueInsideTheSafeZone) {
  const auto track = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\n{\\an8}top\n\n2\n00:00:03,000 --> 00:00:04,000\n{\\an7}left\n\n"
      "3\n00:00:05,000 --> 00:00:06,000\n{\\an5}middle\n\n"
      "4\n00:00:07,000 --> 00:00:08,000\n{\\an3}bottom right\n\n"
      "5\n00:00:09,000 --> 00:00:10,000\n{\\pos(0,0)}clamped\n",
      "p.srt");
  const std::string s = build_ass_script(track, CaptionStyle{}, tiktok_layout());
  const auto top = fields_of(s, "Style: Top,");
  ASSERT_EQ(top.size(), 22u);
  EXPECT_EQ(top[1], "81");                       // the caption size, not the title's
  EXPECT_EQ(top[17], "8");                       // top centre
  EXPECT_EQ(top[20], std::to_string(270 + 12));  // the safe zone's top, like the title
  EXPECT_EQ(fields_of(s, "Style: Middle,")[17], "5");
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:01.00,0:00:02.00,Top,,0,0,0,,top\n"));
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:03.00,0:00:04.00,Top,,0,0,0,,{\\an7}left\n"));
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:05.00,0:00:06.00,Middle,,0,0,0,,middle\n"));
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:07.00,0:00:08.00,Default,,0,0,0,,{\\an3}bottom right\n"));
  // \pos(0,0) of the 384x288 SRT script is the frame's corner: moved to the safe area's corner, and
  // bottom-centre anchored there it would overflow, so the cue falls back to its alignment.
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:09.00,0:00:10.00,Default,,0,0,0,,clamped\n"));
  const auto placed = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n{\\an5\\pos(192,144)}centre\n", "p.srt");
  EXPECT_THAT(build_ass_script(placed, CaptionStyle{}, tiktok_layout()),
              HasSubstr("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\an5\\pos(540,960)}centre\n"));
}

TEST(AssScript, TitleAndCardErrorsNameWhereTheyAreWritten) {
  CaptionStyle style;
  style.language = "vi";
  std::string huge;
  for (int i = 0; i < 400; ++i) huge += "chữ ";
  TitleText title{huge, 3000};
  title.where = "campaign.yaml:9";
  EXPECT_THAT(error_of([&] { build_ass_script(SubtitleTrack{}, style, tiktok_layout(), title); }),
              StartsWith("campaign.yaml:9: the 'vi' title: the text is too long"));
  CardText card{huge, 0, 2000};
  card.where = "campaign.yaml:14";
  EXPECT_THAT(error_of([&] { build_ass_script(SubtitleTrack{}, style, tiktok_layout(), {}, {card}); }),
              StartsWith("campaign.yaml:14: the 'vi' card 1: the text is too long"));
}

TEST(AssScript, BoxStyleAndColours) {
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nx\n", "v.srt");
  CaptionStyle style;
  style.box = true;
  style.box_colour = "#10203080";
  style.primary_colour = "#FFCC00";
  style.bold = false;
  CaptionLayout layout{1920, 1080, {54, 54, 96, 96}};
  const std::string s = build_ass_script(track, style, layout);
  const auto def = fields_of(s, "Style: Default,");
  ASSERT_EQ(def.size(), 22u);
  EXPECT_EQ(def[1], "45");  // 0.042 * 1080
  EXPECT_EQ(def[2], "&H0000CCFF");
  EXPECT_EQ(def[4], "&H7F302010");  // box colour, ASS alpha = 255 - 0x80
  EXPECT_EQ(def[5], "&H7F302010");
  EXPECT_EQ(def[6], "0");
  EXPECT_EQ(def[14], "3");  // opaque box
  EXPECT_THAT(
      error_of([&] {
        CaptionStyle bad;
        bad.outline_colour = "black";
        build_ass_script(track, bad, layout);
      }),
      HasSubstr("the caption outline colour 'black' is not a colour of the form #RRGGBB or #RRGGBBAA"));
}

TEST(AssScript, KhmerRunsGetTheKhmerFont) {
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nសន្តិសុខសង្គម 2024\n", "km.srt");
  CaptionStyle style;
  style.language = "km";
  const std::string s = build_ass_script(track, style, tiktok_layout());
  EXPECT_THAT(s, HasSubstr(",,{\\fnNoto Sans Khmer}សន្តិសុខសង្គម {\\fnNoto Sans}2024\n"));
}

TEST(AssScript, ZeroWidthSpacesBecomeBreakOpportunities) {
  const std::string z = "\u200B";
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nការធានារ៉ាប់រង" + z + "សង្គម" + z + "ស្ម័គ្រចិត្ត" +
                                   z + "សម្រាប់" + z + "ប្រជាពលរដ្ឋ" + z + "គ្រប់រូប\n",
                               "km.srt");
  CaptionStyle style;
  style.language = "km";
  const std::string s = build_ass_script(track, style, tiktok_layout());
  // Two lines broken at a ZWSP (which the break swallows), the others kept.
  const auto cue = fields_of(s, "Dialogue: 0,");
  ASSERT_EQ(cue.size(), 9u);
  const std::string& text = cue[8];
  const size_t br = text.find("\\N");
  ASSERT_NE(br, std::string::npos) << text;
  EXPECT_EQ(text.find("\\N", br + 2), std::string::npos) << text;
  EXPECT_NE(text.find(z), std::string::npos) << text;
  EXPECT_NE(text.substr(br - z.size(), z.size()), z) << "the ZWSP at the break is dropped";
  EXPECT_EQ(text.substr(0, br).size() + text.substr(br + 2).size() + z.size(),
            track.cues[0].text.size() + std::string("{\\fnNoto Sans Khmer}").size());
  EXPECT_THAT(s, Not(::testing::ContainsRegex(R"(\{\\fs[0-9])"))) << "wraps at full size, no shrinking";
  EXPECT_EQ(track.cues[0].plain.find(' '), std::string::npos);  // sidecars keep the ZWSP
}

TEST(AssScript, LinesBreakAtIcuWordBoundariesWithoutZeroWidthSpaces) {
  // Thai without any space: ICU's dictionary finds the words; the break falls between two.
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nประกันสังคมแบบสมัครใจสำหรับทุกคน\n", "th.srt");
  CaptionStyle style;
  style.language = "th";
  const std::string s = build_ass_script(track, style, tiktok_layout());
  EXPECT_THAT(s, HasSubstr(",,{\\fnNoto Sans Thai}ประกันสังคมแบบ\\Nสมัครใจสำหรับทุกคน\n"));
  // English keeps breaking at spaces, the space at the break dropped.
  const auto en =
      parse_srt("1\n00:00:01,000 --> 00:00:02,000\nVoluntary social insurance for all\n", "en.srt");
  style.language = "en";
  EXPECT_THAT(build_ass_script(en, style, tiktok_layout()),
              HasSubstr(",,Voluntary social\\Ninsurance for all\n"));
}

// ---- Line break opportunities (pipeline/captions/line_breaks.h) ----

std::vector<std::string> lines_at(const captions::BreakableText& t, const std::vector<size_t>& breaks) {
  std::vector<std::string> out;
  std::string text = captions::with_line_breaks(t, breaks);
  for (size_t at = text.find("\\N"); at != std::string::npos; at = text.find("\\N")) {
    out.push_back(text.substr(0, at));
    text.erase(0, at + 2);
  }
  out.push_back(text);
  return out;
}

TEST(LineBreaks, SpacesOverridesAndHardBreaks) {
  const auto t = captions::find_line_breaks("{\\i1}one two{\\i0} three\\Nfour", "en");
  // Characters: o n e ' ' t w o ' ' t h r e e '\n' f o u r; breaks before "two" and "three" only
  // (the hard break always breaks and is not a choice).
  ASSERT_EQ(t.chars.size(), 18u);
  EXPECT_EQ(t.opportunities, (std::vector<size_t>{4, 8}));
  // Breaking drops the space before the break, keeps the override blocks where they apply.
  EXPECT_EQ(captions::with_line_breaks(t, {8}), "{\\i1}one two{\\i0}\\Nthree\\Nfour");
  EXPECT_EQ(captions::with_line_breaks(t, {4, 8}), "{\\i1}one\\Ntwo{\\i0}\\Nthree\\Nfour");
  // One candidate line alone carries the overrides in effect where it starts.
  EXPECT_EQ(captions::line_text(t, 4, 8), "{\\i1}two");
  EXPECT_EQ(captions::line_text(t, 8, 13), "{\\i1}{\\i0}three");
}

TEST(LineBreaks, ThaiKhmerAndLaoBreakBetweenWordsByDictionary) {
  // No spaces: every opportunity comes from ICU's dictionaries.
  const auto th = captions::find_line_breaks("ประกันสังคมแบบสมัครใจ", "th");
  EXPECT_FALSE(th.opportunities.empty());
  const auto km = captions::find_line_breaks("{\\fnNoto Sans Khmer}សន្តិសុខសង្គម", "km");
  EXPECT_FALSE(km.opportunities.empty());
  const auto lo = captions::find_line_breaks("ປະກັນສັງຄົມແບບສະໝັກໃຈສຳລັບທຸກຄົນ", "lo");
  EXPECT_FALSE(lo.opportunities.empty());
  // ZWSP is an opportunity, and the break swallows it.
  const auto z = captions::find_line_breaks("សន្តិសុខ\u200Bសង្គម", "km");
  std::vector<std::string> lines;
  for (size_t at : z.opportunities) {
    if (z.chars[at - 1] == 0x200B) lines = lines_at(z, {at});
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"សន្តិសុខ", "សង្គម"}));
}

TEST(LineBreaks, NeverInsideAGraphemeCluster) {
  // e + combining acute, a Khmer consonant + coeng + consonant, a ZWJ emoji sequence: no
  // opportunity inside any of them, and none next to a no-break space (\h).
  const auto t =
      captions::find_line_breaks("cafe\u0301 \u1780\u17D2\u179A \U0001F469\u200D\U0001F4BB a\\hb", "");
  for (size_t at : t.opportunities) {
    const char32_t before = t.chars[at - 1], after = t.chars[at];
    EXPECT_NE(after, 0x0301u);
    EXPECT_NE(after, 0x17D2u);
    EXPECT_NE(before, 0x17D2u);
    EXPECT_NE(after, 0x200Du);
    EXPECT_NE(before, 0x200Du);
    EXPECT_NE(before, 0xA0u);
    EXPECT_NE(after, 0xA0u);
  }
  EXPECT_EQ(t.opportunities.size(), 3u);  // after each of the three spaces
}

TEST(LineBreaks, WrapPointsForLibassKeepTheScaleInEffect) {
  // Opportunities after a space are left to libass; the others get a zero-width breakable space
  // that restores the \fscx in effect (the style's after a \r).
  const auto t = captions::find_line_breaks("{\\fscx80}ประกันสังคม{\\r}แบบ", "th");
  EXPECT_EQ(captions::with_wrap_points(t),
            "{\\fscx80}ประกัน{\\fscx0} {\\fscx80}สังคม{\\r}{\\fscx0} {\\fscx}แบบ");
  const auto spaces = captions::find_line_breaks("one two", "en");
  EXPECT_EQ(captions::with_wrap_points(spaces), "one two");
}

TEST(LineBreaks, DrawingsAreNeverBroken) {
  EXPECT_TRUE(captions::find_line_breaks("{\\p1}m 0 0 l 10 0 10 10{\\p0} x y", "").opportunities.empty());
}

TEST(AssScript, LongCueIsShrunkToMaxLines) {
  std::string words;
  for (int i = 0; i < 5; ++i) words += "Bảo hiểm xã hội tự nguyện ";
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n" + words + "\n", "v.srt");
  CaptionStyle style;
  style.language = "vi";
  style.max_lines = 3;
  const std::string s = build_ass_script(track, style, tiktok_layout());
  const size_t fs = s.find("{\\fs");
  ASSERT_NE(fs, std::string::npos) << s;
  const double size = std::stod(s.substr(fs + 4));
  EXPECT_LT(size, 81);
  EXPECT_GE(size, 40.5);
  // A text that cannot fit even at half size is reported with its file and line.
  std::string huge;
  for (int i = 0; i < 20; ++i) huge += "Bảo hiểm xã hội tự nguyện ";
  const auto too_long = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n" + huge + "\n", "v.srt");
  EXPECT_THAT(error_of([&] { build_ass_script(too_long, style, tiktok_layout()); }),
              HasSubstr("v.srt:2: the text is too long to fit in 3 lines"));
}

TEST(AssScript, MarksStackedPastTheDescenderMoveTheTextInsteadOfShrinkingIt) {
  // Eight combining dots below (above) reach far under (over) the line that libass places by.
  const std::string below = "x\u0323\u0323\u0323\u0323\u0323\u0323\u0323\u0323 y";
  const std::string above = "X\u0302\u0302\u0302\u0302\u0302\u0302\u0302\u0302 Y";
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n" + below + "\n", "v.srt");
  CaptionStyle style;
  style.language = "vi";
  const std::string s = build_ass_script(track, style, tiktok_layout(), {above, 2000});
  const auto cue = fields_of(s, "Dialogue: 0,");
  ASSERT_EQ(cue.size(), 9u);
  EXPECT_GT(std::stoi(cue[6]), 672 + 12) << "lifted above the style's MarginV";
  EXPECT_EQ(cue[8], below) << "not shrunk";
  const auto title = fields_of(s, "Dialogue: 10,");
  ASSERT_EQ(title.size(), 9u);
  EXPECT_GT(std::stoi(title[6]), 270 + 14) << "moved down from the style's MarginV";
  EXPECT_EQ(title[8], above);
}

// Issue 27: a cue of more lines than max_lines is drawn smaller (its lines in the height of
// max_lines lines), with a warning naming its line, instead of refused.
TEST(AssScript, MoreHardLinesThanAllowedAreDrawnSmallerWithAWarning) {
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\none\ntwo\nthree\nfour\n", "v.srt");
  CaptionStyle style;
  std::vector<std::string> warnings;
  const std::string s = build_ass_script(track, style, tiktok_layout(), {}, {}, &warnings);
  const auto cue = fields_of(s, "Dialogue: 0,");
  ASSERT_EQ(cue.size(), 9u) << s;
  const double full_px = std::round(CaptionStyle{}.size_rel * 1920);
  ASSERT_TRUE(cue[8].starts_with("{\\fs")) << cue[8];
  EXPECT_LE(std::stod(cue[8].substr(4)), std::floor(full_px * 3 / 4));
  EXPECT_THAT(cue[8], HasSubstr("}one\\Ntwo\\Nthree\\Nfour"));
  EXPECT_THAT(warnings,
              ::testing::ElementsAre("v.srt:2: the text has 4 lines, more than the 3 captions take; it "
                                     "is drawn smaller (split it into two cues)"));
  style.max_lines = 4;
  warnings.clear();
  const std::string four = build_ass_script(track, style, tiktok_layout(), {}, {}, &warnings);
  EXPECT_EQ(fields_of(four, "Dialogue: 0,")[8], "one\\Ntwo\\Nthree\\Nfour");
  EXPECT_TRUE(warnings.empty());
}

// Issue 27: a text with no break opportunity (a long link, a hashtag chain) is broken between
// grapheme clusters as the last resort (CSS overflow-wrap: anywhere), with a warning, instead of
// refused; never inside a cluster (e + COMBINING ACUTE ACCENT stays whole).
TEST(AssScript, UnbreakableTextIsBrokenAnywhereAsTheLastResort) {
  std::string text = "x";
  for (int i = 0; i < 59; ++i) text += "e\u0301";
  text += "y";  // 120 code points, 61 grapheme clusters, no line break opportunity
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\n" + text + "\n", "v.srt");
  CaptionStyle style;
  style.language = "en";
  std::vector<std::string> warnings;
  const std::string s = build_ass_script(track, style, tiktok_layout(), {}, {}, &warnings);
  const auto cue = fields_of(s, "Dialogue: 0,");
  ASSERT_EQ(cue.size(), 9u) << s;
  const std::string& laid = cue[8];
  EXPECT_THAT(laid, HasSubstr("\\N"));
  EXPECT_THAT(laid, Not(HasSubstr("\\N\u0301")));
  std::string unbroken = laid.substr(laid.find('}') + 1);
  for (size_t at = unbroken.find("\\N"); at != std::string::npos; at = unbroken.find("\\N"))
    unbroken.erase(at, 2);
  EXPECT_EQ(unbroken, text);
  EXPECT_THAT(warnings, ::testing::ElementsAre(HasSubstr("v.srt:2: the text has no place to break a line")));
}

TEST(AssScript, LongTitleOverAnAssTrackIsShrunkInTheScriptsUnits) {
  const auto track = parse_ass(kAss, "own.ass");
  CaptionStyle style;
  style.language = "vi";
  const std::string s =
      build_ass_script(track, style, tiktok_layout(),
                       {"Bảo hiểm xã hội tự nguyện: an tâm khi về già, tham gia ngay hôm nay", 2000});
  const auto title = fields_of(s, "Style: Title,");
  ASSERT_EQ(title.size(), 22u);
  const double style_size = std::stod(title[1]);
  EXPECT_NEAR(style_size, 97 * 720.0 / 1920, 0.01);  // the title size in the script's PlayRes units
  const size_t at = s.find(",Title,,0,0,0,,{\\fs");
  ASSERT_NE(at, std::string::npos) << s;
  const double fs = std::stod(s.substr(at + std::string(",Title,,0,0,0,,{\\fs").size()));
  EXPECT_LT(fs, style_size);
  EXPECT_GE(fs, style_size / 2 - 0.5);
}

TEST(AssScript, TitleAfterAnIntroAndCardsCentredInTheSafeArea) {
  const auto track = parse_srt("1\n00:00:05,000 --> 00:00:06,000\nx\n", "v.srt");
  CaptionStyle style;
  style.language = "vi";
  const std::string s =
      build_ass_script(track, style, tiktok_layout(), {"Tiêu đề", 2000, 3000},
                       {{"Lương hưu từ 60 tuổi", 8000, 10500}, {"{literal}", 11000, 12000, 1.0}});
  EXPECT_THAT(s, HasSubstr("Dialogue: 10,0:00:03.00,0:00:05.00,Title,,0,0,0,,Tiêu đề\n"));
  const auto card = fields_of(s, "Style: Card,");
  ASSERT_EQ(card.size(), 22u);
  EXPECT_EQ(card[1], "130");  // 1.6 x 81
  EXPECT_EQ(card[17], "5");
  // Centre of the safe area: x 65 + 850 / 2, y 270 + 978 / 2. At 130 px the card takes two lines,
  // broken by us (libass never wraps our scripts).
  EXPECT_THAT(
      s,
      HasSubstr(
          "Dialogue: 10,0:00:08.00,0:00:10.50,Card,,0,0,0,,{\\an5\\pos(490,759)}Lương hưu\\Ntừ 60 tuổi\n"));
  EXPECT_THAT(
      s, HasSubstr(
             "Dialogue: 10,0:00:11.00,0:00:12.00,Card,,0,0,0,,{\\an5\\pos(490,759)\\fs81}\\{literal\\}\n"));
  // Over an ASS track, positions and sizes are in the track's PlayRes units (1280x720 here).
  const std::string a =
      build_ass_script(parse_ass(kAss, "own.ass"), style, tiktok_layout(), {}, {{"Lương hưu", 0, 1000}});
  EXPECT_THAT(a, HasSubstr(",Card,,0,0,0,,{\\an5\\pos(580.74,284.62)\\q2}Lương hưu\n"));
  EXPECT_THAT(
      a, HasSubstr(
             "Style: Top,DejaVu Sans,40,&H0000FFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,2,"
             "0,8,86,205,200,1\nStyle: Card,Noto Sans,48.75,"));
}

TEST(AssScript, AssEventsLibassWrapsGetIcuWordEnds) {
  const std::string head =
      "[Script Info]\nScriptType: v4.00+\nPlayResX: 1080\nPlayResY: 1920\n{WRAP}\n[V4+ Styles]\n"
      "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
      "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
      "Alignment, MarginL, MarginR, MarginV, Encoding\n"
      "Style: Default,Noto Sans Thai,81,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,"
      "2,0,2,20,20,20,1\n\n[Events]\n"
      "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,ประกันสังคมแบบสมัครใจ\n";
  CaptionStyle style;
  style.language = "th";
  auto with_wrap = [&](const std::string& wrap) {
    std::string h = head;
    h.replace(h.find("{WRAP}"), 6, wrap);
    return build_ass_script(parse_ass(h, "th.ass"), style, tiktok_layout());
  };
  EXPECT_THAT(with_wrap("WrapStyle: 0\n"), HasSubstr(",,ประกัน{\\fscx0} {\\fscx}สังคม"));
  // The author turned wrapping off: the event is left alone.
  EXPECT_THAT(with_wrap("WrapStyle: 2\n"), HasSubstr(",,ประกันสังคมแบบสมัครใจ\n"));
}

// An author's Outline or Shadow of 1e12, inf or nan is clamped to 0..200 script units, in the Style
// line libass reads and in the margins placed around it (issue 26: the margins were computed by
// converting a huge double to int, undefined behaviour).
TEST(AssScript, HugeOrNonFiniteBordersAreClampedInTheStyleAndItsMargins) {
  const std::string script =
      "[Script Info]\nScriptType: v4.00+\nPlayResX: 1080\nPlayResY: 1920\n\n[V4+ Styles]\n"
      "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
      "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
      "Alignment, MarginL, MarginR, MarginV, Encoding\n"
      "Style: Default,Noto Sans,81,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,"
      "1e12,inf,2,20,20,20,1\n"
      "Style: Quiet,Noto Sans,81,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,"
      "nan,-4,2,20,20,20,1\n\n[Events]\n"
      "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,Hello\n";
  const std::string s = build_ass_script(parse_ass(script, "big.ass"), CaptionStyle{}, tiktok_layout());
  const auto def = fields_of(s, "Style: Default,");
  ASSERT_EQ(def.size(), 22u);
  // The reader's clamp (issue 32, ass_clamp: a border at most PlayResY / 16 = 120) comes first;
  // the shadow, within +-PlayResY / 4 there, is then held to the script builder's 0..200.
  EXPECT_EQ(def[15], "120");
  EXPECT_EQ(def[16], "200");
  // Safe zone 270/672/65/165 at scale 1, plus 120 + 200 units of border and shadow and 2 px.
  EXPECT_EQ(def[18], "387");
  EXPECT_EQ(def[19], "487");
  EXPECT_EQ(def[20], "994");
  const auto quiet = fields_of(s, "Style: Quiet,");
  ASSERT_EQ(quiet.size(), 22u);
  EXPECT_EQ(quiet[15], "0");
  EXPECT_EQ(quiet[16], "0");
  EXPECT_EQ(quiet[18], "67");
}

TEST(AssScript, AssInputKeepsItsStylesAndRaisesMarginsToTheSafeZone) {
  const auto track = retime(parse_ass(kAss, "own.ass"), 1500, 10000);
  CaptionLayout layout{1080, 1920, {270, 672, 65, 165}};
  const std::string s = build_ass_script(track, CaptionStyle{}, layout, {"Title", 2000});
  EXPECT_THAT(s, HasSubstr("PlayResX: 1280\nPlayResY: 720\n"));
  // PlayRes 1280x720 on 1080x1920: x scale 1.185, y scale 0.375.
  const auto def = fields_of(s, "Style: Default,");
  ASSERT_EQ(def.size(), 22u);
  EXPECT_EQ(def[0], "Noto Sans");
  EXPECT_EQ(def[1], "48");
  // Safe zone plus the style's outline (2 script units = 5.3 px at this scale) and 2 px, in
  // script units: ceil((65 + 7.33) * 1280 / 1080), ceil((165 + 7.33) * 1280 / 1080),
  // ceil((672 + 7.33) * 720 / 1920).
  EXPECT_EQ(def[18], "86");
  EXPECT_EQ(def[19], "205");
  EXPECT_EQ(def[20], "255");
  const auto top = fields_of(s, "Style: Top,");
  ASSERT_EQ(top.size(), 22u);
  EXPECT_EQ(top[20], "200");  // already more than the safe top (103 in PlayRes units): kept
  // Events keep their fields, with the retimed times.
  EXPECT_THAT(s, HasSubstr("Dialogue: 0,0:00:00.00,0:00:01.50,Default,,"));
  EXPECT_THAT(s, HasSubstr(",Banner;5,Plain, with commas\n"));
  EXPECT_THAT(s, HasSubstr("Dialogue: 1,0:00:00.50,0:00:03.00,Top,Mai,0,0,0,,{\\i1}Hello{\\i0}, world"));
  EXPECT_THAT(s, HasSubstr("Style: Title,"));
  EXPECT_THAT(s, HasSubstr(",Title,,0,0,0,,{\\q2}Title\n"));  // our lines, whatever the author's WrapStyle
}

// ---- Font coverage --------------------------------------------------------------------------

TEST(FontCoverage, FallbackFamilies) {
  EXPECT_EQ(fallback_family_for_language("km"), "Noto Sans Khmer");
  EXPECT_EQ(fallback_family_for_language("km-KH"), "Noto Sans Khmer");
  EXPECT_EQ(fallback_family_for_language("th"), "Noto Sans Thai");
  EXPECT_EQ(fallback_family_for_language("lo"), "Noto Sans Lao");
  EXPECT_EQ(fallback_family_for_language("ar"), "Noto Sans Arabic");
  EXPECT_EQ(fallback_family_for_language("pa-Arab"), "Noto Sans Arabic");
  EXPECT_EQ(fallback_family_for_language("vi"), "Noto Sans");
  EXPECT_EQ(fallback_family_for_language("en"), "Noto Sans");
  EXPECT_EQ(fallback_family_for_code_point(0x1780), "Noto Sans Khmer");
  EXPECT_EQ(fallback_family_for_code_point('a'), "");
  EXPECT_THAT(font_chain("km", "Be Vietnam Pro"),
              ::testing::ElementsAre("Be Vietnam Pro", "Noto Sans Khmer", "Noto Sans", "DejaVu Sans"));
}

TEST(FontCoverage, InstalledScriptsPass) {
  EXPECT_TRUE(family_installed("Noto Sans Khmer"));
  EXPECT_FALSE(family_installed("No Such Font Family"));
  EXPECT_NO_THROW(check_text_coverage("Bảo hiểm xã hội tự nguyện", "vi", "Noto Sans", "t"));
  EXPECT_NO_THROW(check_text_coverage("សន្តិសុខសង្គម ការធានារ៉ាប់រងសង្គមស្ម័គ្រចិត្ត", "km", "Noto Sans", "t"));
  EXPECT_NO_THROW(check_text_coverage("ประกันสังคม", "th", "Noto Sans", "t"));
  EXPECT_NO_THROW(check_text_coverage("ປະກັນສັງຄົມ", "lo", "Noto Sans", "t"));
  EXPECT_NO_THROW(check_text_coverage("الضمان الاجتماعي", "ar", "Noto Sans", "t"));
  // Invisible characters are not checked; a Khmer word in English text finds its script's font.
  EXPECT_NO_THROW(
      check_text_coverage("a\u200Db\u200C\uFEFF\u2060 \u00A0 ក", "en", "No Such Font Family", "t"));
}

// A character none of the chain's families has is looked up the way libass's fontconfig provider
// falls back (issue 26): Adlam is drawn by Noto Sans Adlam, so it passes, and its run is written
// with that family, so what libass draws is what was checked.
TEST(FontCoverage, FontconfigsFallbackFindsWhatLibassDraws) {
  if (!family_installed("Noto Sans Adlam")) {
    SHORTPACK_SKIP_OR_FAIL("Noto Sans Adlam is not installed (Debian: fonts-noto-core)");
  }
  EXPECT_NO_THROW(check_text_coverage("A \U0001E900 B", "en", "Noto Sans", "t"));
  EXPECT_TRUE(text_coverage_problems("A \U0001E900 B", "vi", "Be Vietnam Pro", "t").empty());
  EXPECT_EQ(apply_font_fallback("A \U0001E900 B", "en", "Noto Sans"),
            "A {\\fnNoto Sans Adlam}\U0001E900 {\\fnNoto Sans}B");
}

TEST(FontCoverage, EveryMissingCharacterOfEveryCueIsListed) {
  const auto t = parse_srt(
      "1\n00:00:01,000 --> 00:00:02,000\na \uE000 b \uE001 \uE000\n\n"
      "2\n00:00:03,000 --> 00:00:04,000\nc \uE002\n",
      "e.srt");
  const auto problems = glyph_coverage_problems(t, "en", "Noto Sans");
  ASSERT_EQ(problems.size(), 3u);  // each character once per cue
  EXPECT_THAT(problems[0], HasSubstr("e.srt:2 (cue 1): the 'en' text has"));
  EXPECT_THAT(problems[0], HasSubstr("U+E000"));
  EXPECT_THAT(problems[1], HasSubstr("U+E001"));
  EXPECT_THAT(problems[2], HasSubstr("e.srt:6 (cue 2)"));
  EXPECT_THAT(problems[2], HasSubstr("U+E002"));
  EXPECT_TRUE(text_coverage_problems("plain text", "en", "Noto Sans", "x").empty());
}

TEST(FontCoverage, MissingGlyphNamesLanguageCueCharacterAndCode) {
  const auto track =
      parse_srt("1\n00:00:01,000 --> 00:00:02,000\nok\n\n12\n00:00:03,000 --> 00:00:04,000\nx \uE000 y\n",
                "subs/km.srt");
  const std::string m = error_of([&] { check_glyph_coverage(track, "km", "Noto Sans"); });
  EXPECT_THAT(m, StartsWith("subs/km.srt:6 (cue 12): the 'km' text has '\uE000' (U+E000)"));
  EXPECT_THAT(m, HasSubstr("no installed font covers"));
  EXPECT_THAT(m, HasSubstr("Noto Sans Khmer"));
  EXPECT_THAT(error_of([] { check_text_coverage("中文", "vi", "Noto Sans", "the 'vi' title"); }),
              HasSubstr("the 'vi' title: the 'vi' text has '中' (U+4E2D)"));
}

}  // namespace
}  // namespace shortpack

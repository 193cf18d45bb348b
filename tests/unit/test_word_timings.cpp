// Word timings: WebVTT inline timestamps, ASS karaoke, *.words.json, ICU word segments, the
// sidecar round trip and retiming.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/captions/line_breaks.h"
#include "pipeline/captions/subtitles.h"
#include "support/error_of.h"

namespace shortpack {
namespace {

using ::testing::HasSubstr;

using test::error_of;

struct W {
  std::string text;
  int64_t start_ms, end_ms;
};

void expect_words(const Cue& cue, const std::vector<W>& expected) {
  ASSERT_EQ(cue.words.size(), expected.size()) << cue.plain;
  std::string joined;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(cue.words[i].text, expected[i].text) << i;
    EXPECT_EQ(cue.words[i].start_ms, expected[i].start_ms) << i;
    EXPECT_EQ(cue.words[i].end_ms, expected[i].end_ms) << i;
    joined += cue.words[i].text;
  }
  EXPECT_EQ(joined, cue.plain);
}

TEST(VttWords, InlineTimestampsCutTheCueIntoTimedWords) {
  const auto t = parse_vtt(
      "WEBVTT\n\n00:01.000 --> 00:03.000\n<c.yellow>One</c> <00:01.400>two <00:02.100>three\n", "a.vtt");
  ASSERT_EQ(t.cues.size(), 1u);
  EXPECT_EQ(t.cues[0].plain, "One two three");
  expect_words(t.cues[0], {{"One ", 1000, 1400}, {"two ", 1400, 2100}, {"three", 2100, 3000}});
  EXPECT_TRUE(t.warnings.empty());
}

TEST(VttWords, ACueWithoutTimestampsHasNoWords) {
  const auto t = parse_vtt("WEBVTT\n\n00:01.000 --> 00:03.000\nOne two\n", "a.vtt");
  EXPECT_TRUE(t.cues[0].words.empty());
}

TEST(VttWords, TimestampsOutsideTheCueOrBackwardsAreWarnedAndIgnored) {
  const auto t = parse_vtt(
      "WEBVTT\n\n00:01.000 --> 00:03.000\nOne <00:02.000>two <00:01.500>three <00:09.000>four <1:2>five\n",
      "s/a.vtt");
  expect_words(t.cues[0], {{"One ", 1000, 2000}, {"two three four five", 2000, 3000}});
  ASSERT_EQ(t.warnings.size(), 3u);
  EXPECT_THAT(t.warnings[0], HasSubstr("s/a.vtt:3: the inline timestamp <00:01.500> is ignored"));
  EXPECT_THAT(t.warnings[2], HasSubstr("s/a.vtt:3: the inline timestamp <1:2> is ignored"));
}

TEST(AssWords, KaraokeTagsGiveSyllablesTimedFromTheEventStart) {
  const auto t = parse_ass(
      "[Script Info]\nScriptType: v4.00+\n\n[Events]\n"
      "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,{\\k50}Hel{\\kf30}lo {\\K0}{\\ko40\\i1}world\n",
      "k.ass");
  ASSERT_EQ(t.cues.size(), 1u);
  // \K0 has no time: its (empty) text joins the next syllable.
  expect_words(t.cues[0], {{"Hel", 1000, 1500}, {"lo ", 1500, 1800}, {"world", 1800, 2200}});
}

TEST(AssWords, AnEventWithoutKaraokeHasNoWords) {
  const auto t = parse_ass(
      "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: 0,0:00:01.00,0:00:03.00,Default,,0,0,0,,{\\kt5\\i1}Hello\n",
      "k.ass");
  EXPECT_TRUE(t.cues[0].words.empty());
}

TEST(WordsJson, GroupsWordsIntoCuesAtPausesAndSentenceEnds) {
  const auto t = parse_words_json(
      "[\n"
      "  {\"text\": \"Xin\", \"startMs\": 0, \"endMs\": 300, \"timestampMs\": 150, \"confidence\": 0.9},\n"
      "  {\"text\": \" ch\xC3\xA0o.\", \"startMs\": 300, \"endMs\": 700},\n"
      "  {\"text\": \" B\xE1\xBA\xA3o\", \"startMs\": 800, \"endMs\": 1120},\n"
      "  {\"text\": \" here\", \"startMs\": 3000, \"endMs\": 3400.4}\n"
      "]\n",
      "w/a.words.json");
  EXPECT_EQ(t.format, SubtitleFormat::kWords);
  ASSERT_EQ(t.cues.size(), 3u);
  EXPECT_EQ(t.cues[0].plain, "Xin ch\xC3\xA0o.");
  EXPECT_EQ(t.cues[0].line, 2);
  expect_words(t.cues[0], {{"Xin", 0, 300}, {" ch\xC3\xA0o.", 300, 700}});
  EXPECT_EQ(t.cues[1].plain, "B\xE1\xBA\xA3o");  // leading space of a cue's first word dropped
  EXPECT_EQ(t.cues[1].line, 4);
  EXPECT_EQ(t.cues[2].start_ms, 3000);
  EXPECT_EQ(t.cues[2].end_ms, 3400);
  EXPECT_EQ(t.cues[2].line, 5);
}

TEST(WordsJson, BadEntriesNameTheFileAndLine) {
  const auto bad = [](const std::string& text) {
    return error_of([&] { (void)parse_words_json(text, "w/a.words.json"); });
  };
  EXPECT_THAT(bad("[{\"text\": \"a\", \"startMs\": 0, \"endMs\": 1},\n {\"text\": \"b\", \"startMs\": 5}]"),
              HasSubstr("w/a.words.json:2: the word has no number 'endMs'"));
  EXPECT_THAT(bad("[\n{\"text\": \"a\", \"startMs\": 9, \"endMs\": 1}]"),
              HasSubstr("w/a.words.json:2: the word ends (endMs 1) before it starts"));
  EXPECT_THAT(bad("[\n\n{\"word\": \"a\", \"start\": 0, \"end\": 1}]"),
              HasSubstr("w/a.words.json:3: unknown key 'end'"));
  EXPECT_THAT(
      bad("[{\"text\": \"a\", \"startMs\": 500, \"endMs\": 600},\n{\"text\": \"b\", \"startMs\": 100, "
          "\"endMs\": 200}]"),
      HasSubstr("w/a.words.json:2: the word 'b' starts before the word before it"));
  EXPECT_THAT(bad("[{\"text\": 5, \"startMs\": 0, \"endMs\": 1}]"),
              HasSubstr("w/a.words.json:1: the word has no string 'text'"));
  EXPECT_THAT(bad("{\"text\": \"a\"}"), HasSubstr("w/a.words.json:1: a words file is a JSON array"));
  EXPECT_THAT(bad("[\n{\"text\": \"a\",\n \"startMs\": 0,,}]"),
              HasSubstr("w/a.words.json:3: not valid JSON"));
  EXPECT_THAT(bad("[\n[1, 2]]"), HasSubstr("w/a.words.json:2: an entry is not an object"));
}

TEST(WordsJson, IsRecognisedByName) {
  EXPECT_TRUE(is_words_json_path("subs/a.vi.WORDS.json"));
  EXPECT_TRUE(is_words_json_path("a.words.json"));
  EXPECT_FALSE(is_words_json_path("a.json"));
  EXPECT_FALSE(is_words_json_path(".words.json"));
}

TEST(WordSidecar, VttKeepsTheWordsAsInlineTimestampsAndReadsBackTheSame) {
  const auto t = parse_vtt(
      "WEBVTT\n\n00:01.000 --> 00:03.000\nOne <00:01.400>two &amp; <00:02.100>three\n\n"
      "00:04.000 --> 00:05.000\nplain\n",
      "a.vtt");
  const std::string vtt = to_vtt(t);
  EXPECT_THAT(vtt, HasSubstr("One <00:00:01.400>two &amp; <00:00:02.100>three\n"));
  const auto back = parse_vtt(vtt, "b.vtt");
  ASSERT_EQ(back.cues.size(), 2u);
  expect_words(back.cues[0], {{"One ", 1000, 1400}, {"two & ", 1400, 2100}, {"three", 2100, 3000}});
  EXPECT_TRUE(back.cues[1].words.empty());
  // The SRT sidecar has no word times: the text only.
  EXPECT_THAT(to_srt(t), HasSubstr("One two & three\n"));
}

TEST(WordSidecar, RetimeMovesAndClipsTheWords) {
  const auto t =
      parse_vtt("WEBVTT\n\n00:01.000 --> 00:03.000\nOne <00:01.400>two <00:02.100>three\n", "a.vtt");
  const auto r = retime(t, 1500, 2500, 10000);
  ASSERT_EQ(r.cues.size(), 1u);
  // "One " ends before the range: its text joins the first kept word.
  expect_words(r.cues[0], {{"One two ", 10000, 10600}, {"three", 10600, 11000}});
}

TEST(WordSegments, ThaiAndKhmerAreSegmentedIntoDictionaryWords) {
  // "ภาษาไทย" = "ภาษา" + "ไทย"; Khmer "សួស្តី" + "ពិភពលោក" (ICU's dictionary may split the second).
  const auto thai = captions::word_segments("\u0E20\u0E32\u0E29\u0E32\u0E44\u0E17\u0E22", "th");
  ASSERT_EQ(thai.size(), 2u);
  EXPECT_EQ(thai[0].text, "\u0E20\u0E32\u0E29\u0E32");
  EXPECT_EQ(thai[1].text, "\u0E44\u0E17\u0E22");
  EXPECT_EQ(thai[0].graphemes, 4u);  // SARA AA is a cluster of its own
  const auto latin = captions::word_segments("Hi, you there!", "en");
  ASSERT_EQ(latin.size(), 3u);
  EXPECT_EQ(latin[0].text, "Hi, ");
  EXPECT_EQ(latin[2].text, "there!");
  EXPECT_EQ(latin[2].graphemes, 5u);
}

TEST(EmojiClusters, FindsWholeClustersAndLeavesTextPresentationAlone) {
  const auto len = [](const std::string& s) { return emoji_cluster_at(s, 0); };
  EXPECT_EQ(len("\u2705 ok"), 3u);
  EXPECT_EQ(len("\U0001F44D\U0001F3FDx"), 8u);                         // skin tone
  EXPECT_EQ(len("\U0001F468\u200D\U0001F469\u200D\U0001F467!"), 18u);  // ZWJ family
  EXPECT_EQ(len("\U0001F1FB\U0001F1F3\U0001F1FA"), 8u);                // one flag, then a lone indicator
  EXPECT_EQ(len("1\uFE0F\u20E3"), 7u);                                 // keycap
  EXPECT_EQ(len("\u2764\uFE0F"), 6u);                                  // heart with VS16
  EXPECT_EQ(len("\u2764 love"), 0u);                                   // text presentation
  EXPECT_EQ(len("\u00A9 2026"), 0u);
  EXPECT_EQ(len("1 2"), 0u);
  EXPECT_EQ(len("\U0001F1FB"), 0u);
}

}  // namespace
}  // namespace shortpack

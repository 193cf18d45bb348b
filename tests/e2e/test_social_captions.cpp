// Social-native captions (issue 18) end to end: a full `shortpack render` through the CLI, the
// MP4 decoded by the test's own decoder. A Thai and a Khmer cue under `animation: word-highlight`
// light each word ICU finds (the cue's time shared by grapheme count), one after the other, the
// highlights tiling the line; a caption with "✅" has the emoji's green where it is and no tofu
// box; a title with "🎉" is drawn in colour.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/captions/font_coverage.h"
#include "support/icu_words.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

// small-portrait (support/media_probe.cpp): 360x640 at 30 fps; captions sit in the lower half.
constexpr int kCaptionTop = 320;

struct Span {
  int count = 0;
  int x0 = 1 << 30, x1 = -1, y0 = 1 << 30, y1 = -1;
  void add(int x, int y) {
    ++count;
    x0 = std::min(x0, x);
    x1 = std::max(x1, x);
    y0 = std::min(y0, y);
    y1 = std::max(y1, y);
  }
};

// The highlight (#FF0000: Cr far above the grey background's, the white text's and the outline's)
// in the caption half, by chroma block.
Span red_span(const test::YuvPicture& p) {
  Span s;
  for (int y = kCaptionTop; y < p.height_px; y += 2) {
    for (int x = 0; x < p.width_px; x += 2) {
      if (p.cr(x, y) > 190) s.add(x, y);
    }
  }
  return s;
}

// All caption ink in the caption half: white text or the highlight.
Span text_span(const test::YuvPicture& p) {
  Span s;
  for (int y = kCaptionTop; y < p.height_px; ++y) {
    for (int x = 0; x < p.width_px; ++x) {
      if (p.luma(x, y) > 200 || p.cr(x, y) > 190) s.add(x, y);
    }
  }
  return s;
}

// A decoded pixel as BT.709 limited-range RGB.
struct Rgb {
  int r, g, b;
};
Rgb rgb_at(const test::YuvPicture& p, int x, int y) {
  const double l = 1.164 * (p.luma(x, y) - 16), cb = p.cb(x, y) - 128.0, cr = p.cr(x, y) - 128.0;
  const auto clamp = [](double v) { return static_cast<int>(std::clamp(v, 0.0, 255.0)); };
  return {clamp(l + 1.793 * cr), clamp(l - 0.213 * cb - 0.533 * cr), clamp(l + 2.112 * cb)};
}
bool is_green(const Rgb& c) { return c.g > c.r + 30 && c.g > c.b + 50; }
bool is_colourful(const Rgb& c) { return std::max({c.r, c.g, c.b}) - std::min({c.r, c.g, c.b}) > 90; }
bool is_dark(const Rgb& c) { return c.r + c.g + c.b < 60; }

class SocialCaptions : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() {
    open_suite_folder("social-captions");
    // A flat grey 2 s source: neither red, green nor colourful.
    test::make_clip(dir_->path() / "media/grey.mp4", 2.0, "color=c=0x606060:s=180x320:r=30",
                    "sine=frequency=440:sample_rate=48000",
                    "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac");
  }

  // Renders a one-clip campaign (clip 'c' of media/grey.mp4, small-portrait, one language) and
  // returns the output MP4.
  static fs::path render(const std::string& name, const std::string& language, const std::string& brand,
                         const std::string& clip_keys) {
    const fs::path yaml = root() / (name + ".yaml");
    write_text(yaml, "name: " + name + "\nlanguages: [" + language +
                         "]\nplatforms: [small-portrait]\nencode: {preset: ultrafast}\n" + brand +
                         "clips:\n  - id: c\n    source: media/grey.mp4\n" + clip_keys);
    const auto run = render_with_presets(yaml, root() / ("out-" + name));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    return root() / ("out-" + name) / name / "c" / ("c.small-portrait." + language + ".mp4");
  }
};

class SocialCaptionsSpaceless : public SocialCaptions,
                                public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

// One 2 s cue without word timings: shortpack shares its time among ICU's words by grapheme
// count. In the middle of each word's share, the highlight is on that word alone: the spans move
// right word by word, do not overlap, leave no more than a space between them, and together run
// from the line's first ink to its last, so each lit span is one whole ICU word.
TEST_P(SocialCaptionsSpaceless, HighlightCoversEachIcuWordInTurn) {
  const auto [language, text] = GetParam();
  write_text(root() / "subs" / (std::string("cue.") + language + ".srt"),
             std::string("1\n00:00:00,000 --> 00:00:02,000\n") + text + "\n");
  const fs::path mp4 =
      render(std::string("hl-") + language, language,
             "brand: {captions: {animation: word-highlight, highlight_colour: \"#FF0000\"}}\n",
             std::string("    captions: {") + language + ": subs/cue." + language + ".srt}\n");
  const std::vector<test::IcuWord> words = test::icu_words(text, language);
  ASSERT_GE(words.size(), 3u) << "the test text should have several words";
  size_t total = 0;
  for (const auto& w : words) total += w.graphemes;
  std::vector<int64_t> frames;
  for (size_t i = 0, before = 0; i < words.size(); before += words[i].graphemes, ++i) {
    const double mid_ms = 2000.0 * (static_cast<double>(before) + words[i].graphemes / 2.0) / total;
    frames.push_back(std::llround(mid_ms * 30 / 1000));
  }
  const std::vector<test::YuvPicture> pics = test::decode_frames(mp4, frames);
  const Span line = text_span(pics[1]);
  std::vector<Span> lit;
  for (const auto& p : pics) lit.push_back(red_span(p));
  for (size_t i = 0; i < lit.size(); ++i) {
    ASSERT_GT(lit[i].count, 10) << "no highlight on frame " << frames[i] << " (word " << i << ")";
    EXPECT_LT(std::abs((lit[i].y0 + lit[i].y1) - (lit[0].y0 + lit[0].y1)), 20) << "the cue wrapped";
    if (i == 0) continue;
    EXPECT_GT(lit[i].x0, lit[i - 1].x1 - 4) << "word " << i << " overlaps word " << i - 1;
    EXPECT_LT(lit[i].x0 - lit[i - 1].x1, 16) << "part of the line between words " << i - 1 << " and " << i;
  }
  EXPECT_LE(lit.front().x0 - line.x0, 4) << "the first word's highlight misses its start";
  EXPECT_LE(line.x1 - lit.back().x1, 4) << "the last word's highlight misses its end";
}

INSTANTIATE_TEST_SUITE_P(
    ThaiKhmer, SocialCaptionsSpaceless,
    ::testing::Values(std::make_pair("th",
                                     "\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35\u0E04\u0E23\u0E31\u0E1A "
                                     "\u0E22\u0E34\u0E19\u0E14\u0E35\u0E15\u0E49\u0E2D\u0E19"
                                     "\u0E23\u0E31\u0E1A"),
                      std::make_pair("km",
                                     "\u179F\u17BD\u179F\u17D2\u178F\u17B8\u1796\u17B7\u1797"
                                     "\u1796\u179B\u17C4\u1780\u179F\u1793\u17D2\u178F\u17B7"
                                     "\u1797\u17B6\u1796")),
    [](const auto& info) { return std::string(info.param.first); });

// "Done ✅": the emoji's green square sits right of the word, and nothing dark (the tofu box or
// the placeholder glyph blended as text) is inside it.
TEST_F(SocialCaptions, ACheckMarkEmojiCaptionIsGreenWhereTheEmojiIsAndHasNoTofu) {
  if (!colour_emoji_covers("\u2705"))
    SHORTPACK_SKIP_OR_FAIL("the colour emoji font (fonts-noto-color-emoji) is not installed");
  write_text(root() / "subs/done.en.srt", "1\n00:00:00,000 --> 00:00:02,000\nDone \u2705\n");
  const test::YuvPicture pic =
      test::decode_frame(render("emoji", "en", "", "    captions: {en: subs/done.en.srt}\n"), 30);
  Span green, white;
  for (int y = kCaptionTop; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (is_green(rgb_at(pic, x, y))) green.add(x, y);
      if (pic.luma(x, y) > 200 && !is_green(rgb_at(pic, x, y))) white.add(x, y);
    }
  }
  ASSERT_GT(green.count, 100) << "no green emoji in the caption";
  ASSERT_GT(white.count, 50) << "no caption text";
  EXPECT_GT(green.x0, (white.x0 + white.x1) / 2) << "the emoji should follow the word";
  int dark = 0;
  for (int y = green.y0 + 2; y <= green.y1 - 2; ++y) {
    for (int x = green.x0 + 2; x <= green.x1 - 2; ++x) dark += is_dark(rgb_at(pic, x, y)) ? 1 : 0;
  }
  EXPECT_EQ(dark, 0) << "dark pixels inside the emoji: a tofu box or the placeholder";
}

// A title "Sale 🎉": colourful pixels (the party popper) in the top half, right of the word.
TEST_F(SocialCaptions, ATitleWithAnEmojiRendersInColour) {
  if (!colour_emoji_covers("\U0001F389")) SHORTPACK_SKIP_OR_FAIL("the colour emoji font is not installed");
  const test::YuvPicture pic = test::decode_frame(
      render("title", "en", "", "    captions: none\n    title: {en: \"Sale \U0001F389\"}\n"), 15);
  Span colourful, white;
  for (int y = 0; y < pic.height_px / 2; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      const Rgb c = rgb_at(pic, x, y);
      if (is_colourful(c)) colourful.add(x, y);
      if (pic.luma(x, y) > 200 && !is_colourful(c)) white.add(x, y);
    }
  }
  ASSERT_GT(white.count, 50) << "no title text";
  EXPECT_GT(colourful.count, 100) << "the emoji is not in colour";
  EXPECT_GT(colourful.x0, (white.x0 + white.x1) / 2) << "the emoji should follow the word";
}

}  // namespace
}  // namespace shortpack

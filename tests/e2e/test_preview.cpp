// Preview: a still is the rendered output's frame (same code path), guides land where the preset
// says, and a contact sheet has one tile per platform x language.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "support/image_io.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {

struct PreviewFixture : ::testing::Test {
  ScratchDir dir{"preview"};
  std::filesystem::path campaign;

  void SetUp() override {
    write_test_presets(dir / "presets");
    make_clip(dir / "media/a.mp4", 2.0, "testsrc2=size=640x360:rate=30");
    write_text(dir / "subs/a.en.srt", "1\n00:00:00,000 --> 00:00:02,000\nHello, preview\n");
    write_text(dir / "subs/a.vi.srt", "1\n00:00:00,000 --> 00:00:02,000\nXin chào\n");
    campaign = dir / "c.yaml";
    write_text(campaign,
               "name: pv\nlanguages: [en, vi]\nplatforms: [small-portrait, small-landscape]\n"
               "clips:\n  - id: a\n    source: media/a.mp4\n    start: 0.2\n"
               "    captions: {en: subs/a.en.srt, vi: subs/a.vi.srt}\n");
  }
};

TEST_F(PreviewFixture, StillEqualsTheRenderedFrame) {
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --out " +
                                    shell_quote((dir / "out").string()));
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const auto png = dir / "still.png";
  const auto preview =
      run_shortpack("preview " + shell_quote(campaign.string()) +
                    " --clip a --platform small-portrait --lang en --at 1.0 -o " + shell_quote(png.string()));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_NE(preview.output.find("frame 30 "), std::string::npos) << preview.output;
  FramePtr still = read_png(png);
  ASSERT_EQ(still->width, 360);
  ASSERT_EQ(still->height, 640);
  // Frame 30 of the encoded output and its two neighbours, through an independent decoder, as
  // RGB: the still is within encoding error (ultrafast crf 23) of frame 30, captions included,
  // and clearly not frame 29 or 31, so a still one frame early or late fails. testsrc2 moves
  // enough from one frame to the next for that: about 50 dB against frame 30, 31 dB against its
  // neighbours (which alone would pass a bound of 30 dB).
  expect_frame_n_not_neighbours(*still, dir / "out/pv/a/a.small-portrait.en.mp4", 30, rgb_of, "still");
}

TEST_F(PreviewFixture, GuidesDrawTheSafeZoneWhereThePresetSaysIt) {
  const auto plain = dir / "plain.png";
  const auto guided = dir / "guided.png";
  const std::string common = "preview " + shell_quote(campaign.string()) +
                             " --clip a --platform small-portrait --lang vi --at 0.5 -o ";
  ASSERT_EQ(run_shortpack(common + shell_quote(plain.string())).exit_code, 0);
  ASSERT_EQ(run_shortpack(common + shell_quote(guided.string()) + " --guides").exit_code, 0);
  FramePtr a = read_png(plain);
  FramePtr b = read_png(guided);
  auto px = [](const AVFrame& f, int x, int y, int c) { return f.data[0][y * f.linesize[0] + 3 * x + c]; };
  // small-portrait: 360x640, safe zone top 50, bottom 120, left 12, right 30. The outline is
  // green, 4 px wide, just inside the safe rectangle.
  const int outline_points[][2] = {{180, 51}, {180, 640 - 120 - 2}, {13, 300}, {360 - 30 - 2, 300}};
  for (const auto& p : outline_points) {
    EXPECT_GT(px(*b, p[0], p[1], 1), 180) << "green at " << p[0] << "," << p[1];
    EXPECT_LT(px(*b, p[0], p[1], 0), 100) << "green at " << p[0] << "," << p[1];
  }
  // The covered margins are tinted; the inside of the safe zone is untouched.
  EXPECT_NE(px(*a, 180, 20, 0), px(*b, 180, 20, 0));
  EXPECT_NE(px(*a, 180, 600, 1), px(*b, 180, 600, 1));
  const Rect inside{20, 60, 300, 400};
  EXPECT_TRUE(std::isinf(psnr_luma(*a, *b, inside)));
}

TEST_F(PreviewFixture, ContactSheetHasATilePerPlatformAndLanguage) {
  const auto sheet = dir / "sheet.png";
  const auto r = run_shortpack("preview " + shell_quote(campaign.string()) +
                               " --clip a --sheet --at 1 --tile 320 -o " + shell_quote(sheet.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  FramePtr img = read_png(sheet);
  // Rows: small-portrait (180 px wide tiles), small-landscape (568 px wide): 2 languages each.
  EXPECT_EQ(img->width, 16 + 2 * (568 + 16));
  EXPECT_EQ(img->height, 16 + 2 * (320 + 44 + 16));
}

// Checks a contact sheet of 2 languages x rows.size() platforms, rows[i] its tiles' width:
// no label pixel outside its own tile's area (label band and picture), and each label drawn.
void expect_labels_inside_their_tiles(const std::filesystem::path& sheet, const std::vector<int>& tile_w,
                                      int tile_h) {
  FramePtr img = read_png(sheet);
  const int gap = 16, label_h = 44, rows = static_cast<int>(tile_w.size()), cols = 2;
  const int widest = *std::max_element(tile_w.begin(), tile_w.end());
  ASSERT_EQ(img->width, gap + cols * (widest + gap));
  ASSERT_EQ(img->height, gap + rows * (tile_h + label_h + gap));
  auto px = [&](int x, int y, int c) {
    return static_cast<int>(img->data[0][y * img->linesize[0] + 3 * x + c]);
  };
  auto luma = [&](int x, int y) {
    return 0.2126 * px(x, y, 0) + 0.7152 * px(x, y, 1) + 0.0722 * px(x, y, 2);
  };
  const double bg = luma(2, 2);
  // A tile's area: its label band and its picture, and a 2 px ring around them (converting the
  // sheet to RGB upsamples chroma with a filter that bleeds a picture's colours a pixel or two).
  const int ring = 2;
  auto in_a_tile = [&](int x, int y) {
    for (int row = 0; row < rows; ++row) {
      const int y0 = gap + row * (tile_h + label_h + gap);
      if (y < y0 - ring || y >= y0 + label_h + tile_h + ring) continue;
      for (int col = 0; col < cols; ++col) {
        const int x0 = gap + col * (tile_w[row] + gap);
        if (x >= x0 - ring && x < x0 + tile_w[row] + ring) return true;
      }
    }
    return false;
  };
  int outside = 0;
  int first_x = -1, first_y = -1;
  for (int y = 0; y < img->height; ++y) {
    for (int x = 0; x < img->width; ++x) {
      if (in_a_tile(x, y)) continue;
      if (std::abs(luma(x, y) - bg) > 4 && outside++ == 0) {
        first_x = x;
        first_y = y;
      }
    }
  }
  EXPECT_EQ(outside, 0) << "label pixels outside the tiles, the first at " << first_x << "," << first_y;
  // And every label is drawn: bright pixels in each tile's label band.
  for (int row = 0; row < rows; ++row) {
    for (int col = 0; col < cols; ++col) {
      const int x0 = gap + col * (tile_w[row] + gap), y0 = gap + row * (tile_h + label_h + gap);
      int bright = 0;
      for (int y = y0; y < y0 + label_h; ++y) {
        for (int x = x0; x < x0 + tile_w[row]; ++x) bright += luma(x, y) > 200;
      }
      EXPECT_GT(bright, 100) << "no label over tile " << row << "," << col;
    }
  }
}

// At --tile 300 (what README uses) a portrait tile is 168 px wide, narrower than its label at
// full size: labels shrink or are elided, and no label pixel lands outside its own tile.
TEST_F(PreviewFixture, ContactSheetLabelsStayOverTheirOwnTiles) {
  const auto sheet = dir / "sheet300.png";
  const auto r = run_shortpack("preview " + shell_quote(campaign.string()) +
                               " --clip a --sheet --at 1 --tile 300 -o " + shell_quote(sheet.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Rows: small-portrait (360x640), small-landscape (640x360): 300 x the shape, even.
  expect_labels_inside_their_tiles(sheet, {168, 534}, 300);
}

// A platform name too long for its tile even at the smallest label size is cut short with an
// ellipsis, and still stays over its tile.
TEST_F(PreviewFixture, ContactSheetElidesLabelsTooLongForTheirTile) {
  std::filesystem::copy_file(dir / "presets/small-portrait.yaml",
                             dir / "presets/a-platform-with-a-very-long-name.yaml");
  const auto long_campaign = dir / "long.yaml";
  write_text(long_campaign,
             "name: pv\nlanguages: [en, vi]\nplatforms: [a-platform-with-a-very-long-name]\n"
             "clips:\n  - id: a\n    source: media/a.mp4\n    start: 0.2\n"
             "    captions: {en: subs/a.en.srt, vi: subs/a.vi.srt}\n");
  const auto sheet = dir / "long.png";
  const auto r = run_shortpack("preview " + shell_quote(long_campaign.string()) +
                               " --clip a --sheet --at 1 --tile 300 -o " + shell_quote(sheet.string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_labels_inside_their_tiles(sheet, {168}, 300);
}

TEST_F(PreviewFixture, UnknownClipIsAClearInputError) {
  const auto r = run_shortpack("preview " + shell_quote(campaign.string()) +
                               " --clip nope --platform small-portrait --lang en -o " +
                               shell_quote((dir / "x.png").string()));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no clip 'nope'"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "x.png"));
}

// A time that is not a finite number from 0 to 86400 s is refused with one sentence naming --at and
// the range, exit 2, no file (issue 26: nan and 1e300 exited 0, converting them to a frame index was
// undefined behaviour). 86400 itself is allowed and shows the last frame.
TEST_F(PreviewFixture, OddTimesAreRefusedNamingTheOption) {
  for (const std::string at : {"nan", "inf", "-inf", "1e300", "-1", "abc", "86400.5", "1e999", ""}) {
    SCOPED_TRACE("--at '" + at + "'");
    const auto png = dir / "odd.png";
    const auto r = run_shortpack("preview " + shell_quote(campaign.string()) +
                                 " --clip a --platform small-portrait --lang en --at " + shell_quote(at) +
                                 " -o " + shell_quote(png.string()));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("--at must be a time in seconds from 0 to 86400"), std::string::npos) << r.output;
    EXPECT_FALSE(std::filesystem::exists(png));
  }
  const auto last = dir / "last.png";
  const auto r = run_shortpack("preview " + shell_quote(campaign.string()) +
                               " --clip a --platform small-portrait --lang en --at 86400 -o " +
                               shell_quote(last.string()));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("frame 53 "), std::string::npos) << r.output;  // 1.8 s at 30 fps: 54 frames
}

}  // namespace
}  // namespace shortpack::test

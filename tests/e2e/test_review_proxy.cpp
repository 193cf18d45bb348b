// Review proxies (render --proxy) show the text exactly as the final output does, scaled: the same
// lines, the same sizes, the same places (issue 15). Judged on decoded frames: the final frame
// shrunk to the proxy's size against the proxy frame, over the band where the captions are.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "support/image_io.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::shell_quote;
using test::write_text;
using test::YuvPicture;

// A TikTok-sized preset (1080x1920, TikTok's safe zone); its proxy is 360x640.
void write_tall_preset(const fs::path& folder) {
  write_text(folder / "tall.yaml",
             "label: tall (tests)\n"
             "size: {width_px: 1080, height_px: 1920}\n"
             "frame_rate: {min_fps: 23, max_fps: 60, target_fps: 30}\n"
             "duration: {min_s: 0.5, max_s: 10}\n"
             "video: {codec: h264, profile: high, level: \"4.2\", x264_preset: ultrafast, crf: 18,\n"
             "        closed_gop: true, keyint_s: 1, bframes: 0, pixel_format: yuv420p}\n"
             "audio: {codec: aac, sample_rate_hz: 48000, channels: 2, bitrate_bps: 128000}\n"
             "loudness: {integrated_lufs: -14, true_peak_dbtp: -1, tolerance_lu: 1}\n"
             "safe_zone: {top_px: 150, bottom_px: 672, left_px: 65, right_px: 165}\n");
}

// The luma plane shrunk by an integer factor (mean of each factor x factor block).
YuvPicture shrink_luma(const YuvPicture& big, int factor) {
  YuvPicture small;
  small.width_px = big.width_px / factor;
  small.height_px = big.height_px / factor;
  small.y.resize(static_cast<size_t>(small.width_px) * small.height_px);
  for (int y = 0; y < small.height_px; ++y) {
    for (int x = 0; x < small.width_px; ++x) {
      int sum = 0;
      for (int dy = 0; dy < factor; ++dy) {
        for (int dx = 0; dx < factor; ++dx) sum += big.luma(x * factor + dx, y * factor + dy);
      }
      small.y[static_cast<size_t>(y) * small.width_px + x] =
          static_cast<uint8_t>((sum + factor * factor / 2) / (factor * factor));
    }
  }
  return small;
}

// Per row, how many pixels differ from the flat background (the top-left pixel) by more than 24.
std::vector<int> ink_per_row(const YuvPicture& pic) {
  const int bg = pic.luma(4, 4);
  std::vector<int> rows(static_cast<size_t>(pic.height_px), 0);
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) rows[static_cast<size_t>(y)] += std::abs(pic.luma(x, y) - bg) > 24;
  }
  return rows;
}

// Lines of text: bands of rows with at least 40 % of the densest row's ink (each line's x-height).
int line_count(const YuvPicture& pic) { return test::dense_row_bands(ink_per_row(pic)); }

struct Band {
  int top = std::numeric_limits<int>::max();
  int bottom = -1;  // exclusive
};

void extend_by_ink(Band& band, const YuvPicture& pic) {
  const std::vector<int> rows = ink_per_row(pic);
  for (int y = 0; y < pic.height_px; ++y) {
    if (rows[static_cast<size_t>(y)] > 0) {
      band.top = std::min(band.top, y);
      band.bottom = std::max(band.bottom, y + 1);
    }
  }
}

double psnr_luma_rows(const YuvPicture& a, const YuvPicture& b, const Band& band) {
  double sum = 0;
  int64_t n = 0;
  for (int y = band.top; y < band.bottom; ++y) {
    for (int x = 0; x < a.width_px; ++x) {
      const double d = static_cast<double>(a.luma(x, y)) - b.luma(x, y);
      sum += d * d;
      ++n;
    }
  }
  const double mse = sum / static_cast<double>(std::max<int64_t>(n, 1));
  return mse == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(255.0 * 255.0 / mse);
}

TEST(ReviewProxy, CaptionLinesAreTheFinalOutputsScaled) {
  ScratchDir dir("review-proxy");
  write_tall_preset(dir / "presets");
  // A flat picture: the captions are the only detail, so the comparison is about them.
  test::make_clip(dir / "media/a.mp4", 1.0, "color=c=0x305080:size=1080x1920:rate=30");
  // Two lines on the final output. Laid out again at the proxy's size (as proxies used to be),
  // its rounded safe zone and margins left 2 % less room and the cue took three lines.
  write_text(dir / "subs/a.en.srt",
             "1\n00:00:00,000 --> 00:00:01,000\nThe scheme pays a monthly pension to every member\n");
  const fs::path campaign = dir / "c.yaml";
  write_text(campaign,
             "name: rp\nlanguages: [en]\nplatforms: [tall]\n"
             "clips:\n  - id: a\n    source: media/a.mp4\n    captions: {en: subs/a.en.srt}\n");
  const std::string render =
      "render " + shell_quote(campaign.string()) + " --out " + shell_quote((dir / "out").string());
  const auto final_run = test::run_shortpack(render);
  ASSERT_EQ(final_run.exit_code, 0) << final_run.output;
  const auto proxy_run = test::run_shortpack(render + " --proxy");
  ASSERT_EQ(proxy_run.exit_code, 0) << proxy_run.output;

  const YuvPicture final_frame = test::decode_frame(dir / "out/rp/a/a.tall.en.mp4", 15);
  const YuvPicture proxy = test::decode_frame(dir / "out/rp/proxy/a/a.tall.en.proxy.mp4", 15);
  ASSERT_EQ(final_frame.width_px, 1080);
  ASSERT_EQ(final_frame.height_px, 1920);
  ASSERT_EQ(proxy.width_px, 360);
  ASSERT_EQ(proxy.height_px, 640);
  const YuvPicture shrunk = shrink_luma(final_frame, 3);

  EXPECT_EQ(line_count(final_frame), 2);
  EXPECT_EQ(line_count(shrunk), 2);
  EXPECT_EQ(line_count(proxy), 2) << "the proxy breaks the cue into other lines than the final output";

  // The caption band: every row with ink in either picture, and a few rows around it.
  Band band;
  extend_by_ink(band, shrunk);
  extend_by_ink(band, proxy);
  ASSERT_GT(band.bottom - band.top, 20) << "no captions found";
  band.top = std::max(0, band.top - 4);
  band.bottom = std::min(proxy.height_px, band.bottom + 4);
  EXPECT_GE(psnr_luma_rows(shrunk, proxy, band), 30.0)
      << "rows " << band.top << ".." << band.bottom << " of the proxy differ from the final output shrunk";
}

}  // namespace
}  // namespace shortpack

// The size a video source's pictures are read at (pipeline/media/video_source.h): a source that is
// converted anyway is scaled down first to the most detail its outputs need; the display aspect
// is kept; a source that would otherwise pass through untouched keeps its coded size.
#include <gtest/gtest.h>

#include "pipeline/media/media_colour.h"
#include "pipeline/media/video_source.h"

namespace shortpack {
namespace {

MediaInfo hlg_phone_clip() {
  MediaInfo info;
  info.width_px = 3840;  // stored landscape, turned upright by the rotation tag
  info.height_px = 2160;
  info.rotation_deg = 90;
  info.pixel_format = "yuv420p10le";
  info.colour = complete_colour(AVCOL_SPC_BT2020_NCL, AVCOL_PRI_BT2020, AVCOL_TRC_ARIB_STD_B67,
                                AVCOL_RANGE_MPEG, AV_PIX_FMT_YUV420P10LE, 2160)
                    .colour;
  return info;
}

double display_aspect(const VideoFormat& f) { return av_q2d(f.sample_aspect) * f.width_px / f.height_px; }

TEST(ReadSize, ConvertedSourceIsReadAtTheSizeItsOutputsNeed) {
  const VideoFormat f = VideoSource::planned_format(hlg_phone_clip(), {30, 1}, {1080, 1920});
  EXPECT_EQ(f.width_px, 1080);  // upright
  EXPECT_EQ(f.height_px, 1920);
  EXPECT_EQ(av_cmp_q(f.sample_aspect, AVRational{1, 1}), 0);
  EXPECT_EQ(f.pixel_format, AV_PIX_FMT_YUV420P);
}

TEST(ReadSize, UnevenLimitsKeepTheDisplayAspect) {
  // A landscape 4K HLG master whose outputs need 1080 x 610 (rounding): the sample aspect absorbs it.
  MediaInfo info = hlg_phone_clip();
  info.rotation_deg = 0;
  const VideoFormat f = VideoSource::planned_format(info, {30, 1}, {1079, 610});
  EXPECT_EQ(f.width_px, 1080);  // even, never below the limit
  EXPECT_EQ(f.height_px, 610);
  EXPECT_NEAR(display_aspect(f), 3840.0 / 2160.0, 1e-4);
}

TEST(ReadSize, NoLimitOrLittleGainKeepsTheCodedSize) {
  const MediaInfo info = hlg_phone_clip();
  const VideoFormat whole = VideoSource::planned_format(info, {30, 1}, {});
  EXPECT_EQ(whole.width_px, 2160);
  EXPECT_EQ(whole.height_px, 3840);
  // 90 % of each side: scaling would cost more than it saves.
  const VideoFormat near = VideoSource::planned_format(info, {30, 1}, {1944, 3456});
  EXPECT_EQ(near.width_px, 2160);
  EXPECT_EQ(near.height_px, 3840);
  // A limit larger than the source never scales up.
  const VideoFormat big = VideoSource::planned_format(info, {30, 1}, {4320, 7680});
  EXPECT_EQ(big.width_px, 2160);
}

TEST(ReadSize, SourceThatPassesThroughUntouchedKeepsItsCodedSize) {
  // 8-bit BT.709 4:2:0 goes to the reframe without a conversion; the reframe's one scale is cheaper
  // than two.
  MediaInfo info;
  info.width_px = 3840;
  info.height_px = 2160;
  info.pixel_format = "yuv420p";
  info.colour = complete_colour(AVCOL_SPC_BT709, AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_RANGE_MPEG,
                                AV_PIX_FMT_YUV420P, 2160)
                    .colour;
  const VideoFormat f = VideoSource::planned_format(info, {30, 1}, {1080, 608});
  EXPECT_EQ(f.width_px, 3840);
  EXPECT_EQ(f.height_px, 2160);
}

}  // namespace
}  // namespace shortpack

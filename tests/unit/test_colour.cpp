// How a source's colour description is completed (pipeline/media/media_colour.h): the rules
// players follow for untagged files, and what is refused or warned about.
#include <gtest/gtest.h>

#include "pipeline/media/media_colour.h"

namespace shortpack {
namespace {

StreamColour untagged(AVPixelFormat format, int height_px) {
  return complete_colour(AVCOL_SPC_UNSPECIFIED, AVCOL_PRI_UNSPECIFIED, AVCOL_TRC_UNSPECIFIED,
                         AVCOL_RANGE_UNSPECIFIED, format, height_px);
}

TEST(StreamColour, UntaggedSdIsBt601AndHdIsBt709) {
  const ColourDescription sd = untagged(AV_PIX_FMT_YUV420P, 480).colour;
  EXPECT_EQ(sd.matrix, AVCOL_SPC_SMPTE170M);
  EXPECT_EQ(sd.primaries, AVCOL_PRI_BT709);  // what editors write and browsers show
  EXPECT_EQ(sd.range, AVCOL_RANGE_MPEG);
  EXPECT_FALSE(sd.is_output());
  // Tagged SD primaries are kept (and converted).
  EXPECT_EQ(complete_colour(AVCOL_SPC_BT470BG, AVCOL_PRI_BT470BG, AVCOL_TRC_BT709, AVCOL_RANGE_MPEG,
                            AV_PIX_FMT_YUV420P, 576)
                .colour.primaries,
            AVCOL_PRI_BT470BG);
  const ColourDescription hd = untagged(AV_PIX_FMT_YUV420P, 720).colour;
  EXPECT_EQ(hd.matrix, AVCOL_SPC_BT709);
  EXPECT_EQ(hd.primaries, AVCOL_PRI_BT709);
  EXPECT_TRUE(hd.is_output());
  EXPECT_EQ(untagged(AV_PIX_FMT_YUVJ420P, 1080).colour.range, AVCOL_RANGE_JPEG);
}

TEST(StreamColour, HdrCurveWithoutPrimariesMeansBt2020) {
  const StreamColour c = complete_colour(AVCOL_SPC_BT2020_NCL, AVCOL_PRI_UNSPECIFIED, AVCOL_TRC_ARIB_STD_B67,
                                         AVCOL_RANGE_MPEG, AV_PIX_FMT_YUV420P10LE, 2160);
  EXPECT_EQ(c.colour.primaries, AVCOL_PRI_BT2020);
  EXPECT_TRUE(c.colour.is_hdr());
  EXPECT_TRUE(c.warning.empty());
  EXPECT_TRUE(c.contradiction.empty());
}

TEST(StreamColour, UnknownCurveIsReadAsBt709WithAWarning) {
  const StreamColour c = complete_colour(AVCOL_SPC_BT709, AVCOL_PRI_BT709, AVCOL_TRC_SMPTE428,
                                         AVCOL_RANGE_MPEG, AV_PIX_FMT_YUV420P, 1080);
  EXPECT_EQ(c.colour.transfer, AVCOL_TRC_BT709);
  EXPECT_NE(c.warning.find("smpte428"), std::string::npos) << c.warning;
}

TEST(StreamColour, ContradictionsAreNamed) {
  EXPECT_NE(complete_colour(AVCOL_SPC_RGB, AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_RANGE_MPEG,
                            AV_PIX_FMT_YUV420P, 1080)
                .contradiction.find("RGB"),
            std::string::npos);
  EXPECT_NE(complete_colour(AVCOL_SPC_ICTCP, AVCOL_PRI_BT2020, AVCOL_TRC_BT709, AVCOL_RANGE_MPEG,
                            AV_PIX_FMT_YUV420P10LE, 1080)
                .contradiction.find("ICtCp"),
            std::string::npos);
  EXPECT_TRUE(complete_colour(AVCOL_SPC_RGB, AVCOL_PRI_BT709, AVCOL_TRC_BT709, AVCOL_RANGE_JPEG,
                              AV_PIX_FMT_GBRP, 1080)
                  .contradiction.empty());
}

TEST(StreamColour, DescriptionsDifferingInAnyFieldAreDifferent) {
  const ColourDescription base;
  ColourDescription other = base;
  const ColourDescriptionHash hash;
  EXPECT_EQ(hash(base), hash(other));
  for (int field = 0; field < 5; ++field) {
    other = base;
    switch (field) {
      case 0:
        other.matrix = AVCOL_SPC_BT470BG;
        break;
      case 1:
        other.primaries = AVCOL_PRI_BT2020;
        break;
      case 2:
        other.transfer = AVCOL_TRC_SMPTE2084;
        break;
      case 3:
        other.range = AVCOL_RANGE_JPEG;
        break;
      default:
        other.peak_nits = 1000;
        break;
    }
    EXPECT_FALSE(other == base) << field;
    EXPECT_NE(hash(other), hash(base)) << field;
  }
}

}  // namespace
}  // namespace shortpack

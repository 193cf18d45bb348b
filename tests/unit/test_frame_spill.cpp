// Decoded pictures kept on disk between a clip's passes (issue 28: pipeline/graph/frame_spill.h):
// what comes back is the picture that went in, byte for byte, with its tags; the budget holds;
// nothing is left in the folder.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "filters/core/error.h"
#include "pipeline/graph/frame_spill.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;

// A yuv420p picture of random bytes (odd sizes: chroma planes round up), tagged.
FramePtr noise_picture(int width, int height, unsigned seed) {
  FramePtr f = alloc_video_frame(width, height, AV_PIX_FMT_YUV420P);
  std::mt19937 random(seed);
  for (int p = 0; p < 3; ++p) {
    const int w = p == 0 ? width : (width + 1) / 2;
    const int h = p == 0 ? height : (height + 1) / 2;
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(random());
    }
  }
  f->sample_aspect_ratio = {4, 3};
  f->color_range = AVCOL_RANGE_MPEG;
  f->colorspace = AVCOL_SPC_BT709;
  f->color_primaries = AVCOL_PRI_BT709;
  f->color_trc = AVCOL_TRC_BT709;
  f->chroma_location = AVCHROMA_LOC_LEFT;
  f->pts = 1234;
  AVFrameSideData* side = av_frame_new_side_data(f.get(), AV_FRAME_DATA_DISPLAYMATRIX, 36);
  if (side != nullptr) std::memset(side->data, 7, 36);
  return f;
}

bool same_pixels(const AVFrame& a, const AVFrame& b) {
  if (a.width != b.width || a.height != b.height || a.format != b.format) return false;
  for (int p = 0; p < 3; ++p) {
    const int w = p == 0 ? a.width : (a.width + 1) / 2;
    const int h = p == 0 ? a.height : (a.height + 1) / 2;
    for (int y = 0; y < h; ++y) {
      if (std::memcmp(a.data[p] + y * a.linesize[p], b.data[p] + y * b.linesize[p], static_cast<size_t>(w)) !=
          0)
        return false;
    }
  }
  return true;
}

class FrameSpillTest : public ::testing::Test {
 protected:
  test::ScratchDir scratch_{"frame_spill"};
  fs::path dir_ = scratch_.path();
};

TEST_F(FrameSpillTest, APictureComesBackAsItWentInWithItsTags) {
  FrameSpill spill(dir_, 1 << 20);
  const FramePtr a = noise_picture(33, 19, 1);
  const FramePtr b = noise_picture(64, 36, 2);
  ASSERT_TRUE(spill.store(0, 7, *a));
  ASSERT_TRUE(spill.store(1, 7, *b));  // another segment, same index
  EXPECT_FALSE(spill.store(0, 7, *b)) << "a picture is kept once";
  EXPECT_EQ(spill.pictures(), 2U);
  EXPECT_EQ(spill.bytes(), 33 * 19 + 2 * 17 * 10 + 64 * 36 * 3 / 2);
  const SharedFrame back_b = spill.load(1, 7);
  const SharedFrame back_a = spill.load(0, 7);
  ASSERT_TRUE(back_a && back_b);
  EXPECT_TRUE(same_pixels(*a, *back_a));
  EXPECT_TRUE(same_pixels(*b, *back_b));
  EXPECT_FALSE(same_pixels(*a, *noise_picture(33, 19, 3)));  // the comparison can fail
  EXPECT_EQ(back_a->sample_aspect_ratio.num, 4);
  EXPECT_EQ(back_a->sample_aspect_ratio.den, 3);
  EXPECT_EQ(back_a->color_range, AVCOL_RANGE_MPEG);
  EXPECT_EQ(back_a->colorspace, AVCOL_SPC_BT709);
  EXPECT_EQ(back_a->color_primaries, AVCOL_PRI_BT709);
  EXPECT_EQ(back_a->color_trc, AVCOL_TRC_BT709);
  EXPECT_EQ(back_a->chroma_location, AVCHROMA_LOC_LEFT);
  EXPECT_EQ(back_a->pts, 1234);
  const AVFrameSideData* side = av_frame_get_side_data(back_a.get(), AV_FRAME_DATA_DISPLAYMATRIX);
  ASSERT_NE(side, nullptr);
  ASSERT_EQ(side->size, 36U);
  EXPECT_EQ(side->data[35], 7);
  EXPECT_EQ(spill.load(0, 8), nullptr);
  EXPECT_EQ(spill.load(2, 7), nullptr);
  // Read again: the same bytes (a load does not consume the picture).
  EXPECT_TRUE(same_pixels(*a, *spill.load(0, 7)));
}

TEST_F(FrameSpillTest, TheFileIsGoneFromTheFolderFromTheStart) {
  FrameSpill spill(dir_, 1 << 20);
  ASSERT_TRUE(spill.store(0, 0, *noise_picture(64, 36, 1)));
  EXPECT_TRUE(fs::is_empty(dir_));
  EXPECT_NE(spill.load(0, 0), nullptr);
}

TEST_F(FrameSpillTest, PicturesPastTheBudgetAreNotKeptAndStoringStops) {
  const int one = 64 * 36 * 3 / 2;
  FrameSpill spill(dir_, 2 * one + one / 2);
  EXPECT_TRUE(spill.store(0, 0, *noise_picture(64, 36, 1)));
  EXPECT_TRUE(spill.store(0, 1, *noise_picture(64, 36, 2)));
  EXPECT_FALSE(spill.store(0, 2, *noise_picture(64, 36, 3)));
  EXPECT_FALSE(spill.store(0, 3, *noise_picture(2, 2, 4))) << "storing stopped at the budget";
  EXPECT_EQ(spill.bytes(), 2 * one);
  EXPECT_EQ(spill.load(0, 2), nullptr);
  EXPECT_NE(spill.load(0, 1), nullptr);
  EXPECT_TRUE(spill.failure().empty());
}

TEST_F(FrameSpillTest, StopStoringKeepsWhatIsThere) {
  FrameSpill spill(dir_, 1 << 20);
  ASSERT_TRUE(spill.store(0, 0, *noise_picture(8, 8, 1)));
  spill.stop_storing();
  EXPECT_FALSE(spill.store(0, 1, *noise_picture(8, 8, 2)));
  EXPECT_NE(spill.load(0, 0), nullptr);
}

TEST_F(FrameSpillTest, AFolderThatCannotTakeAFileIsNamed) {
  try {
    FrameSpill spill(dir_ / "missing", 1 << 20);
    FAIL() << "a spill in a missing folder";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kMedia);
    EXPECT_NE(std::string(e.what()).find((dir_ / "missing").string()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("TMPDIR"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace shortpack

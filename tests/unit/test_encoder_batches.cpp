// How a clip's encoders are cut into batches that fit the encoder memory budget (issue 28:
// pipeline/graph/clip_graph.h, encoder_batches and estimated_x264_bytes).
#include <gtest/gtest.h>

#include <numeric>

#include "pipeline/graph/clip_graph.h"

namespace shortpack {
namespace {

VideoEncodeSettings video(int width_px, int height_px, int threads = 1) {
  VideoEncodeSettings v;
  v.width_px = width_px;
  v.height_px = height_px;
  v.threads = threads;
  return v;
}

// One geometry per entry of `per_geometry` (its size), each with `languages` languages of one encoder.
ClipGraphSpec spec_of(const std::vector<VideoEncodeSettings>& per_geometry, int languages, int64_t budget) {
  ClipGraphSpec spec;
  spec.encoder_memory_bytes = budget;
  for (const VideoEncodeSettings& v : per_geometry) {
    GeometryBranchSpec g;
    for (int l = 0; l < languages; ++l) {
      LanguageBranchSpec lang;
      EncoderBranchSpec e;
      e.video = v;
      e.label = "e";
      lang.encoders.push_back(std::move(e));
      g.languages.push_back(std::move(lang));
    }
    spec.geometries.push_back(std::move(g));
  }
  return spec;
}

constexpr int64_t kMiB = 1 << 20;

TEST(EncoderMemory, EstimateFollowsPixelsThreadsAndPreset) {
  // Measured beside ffmpeg (clip_graph.h): 150 MiB for one 1080x1920 veryfast encoder on 1
  // thread, 192 MiB on 2; the estimate stays at or above what was measured, within 10 %.
  const int64_t one = estimated_x264_bytes(video(1080, 1920, 1));
  const int64_t two = estimated_x264_bytes(video(1080, 1920, 2));
  EXPECT_GE(one, 150 * kMiB);
  EXPECT_LE(one, 165 * kMiB);
  EXPECT_GE(two, 192 * kMiB);
  EXPECT_LE(two, 211 * kMiB);
  EXPECT_LT(estimated_x264_bytes(video(360, 640)), one / 5);
  VideoEncodeSettings slow = video(1080, 1920, 1);
  slow.x264_preset = "slow";
  EXPECT_GT(estimated_x264_bytes(slow), 2 * one);  // more look-ahead and references
}

TEST(EncoderMemory, BatchesAreTheFewestOfNearEqualCountsThatFit) {
  const VideoEncodeSettings vertical = video(1080, 1920);
  const int64_t each = estimated_x264_bytes(vertical);
  // The campaign job: 6 geometries x 3 languages at 1080x1920-like sizes, 18 encoders.
  const ClipGraphSpec spec = spec_of(std::vector<VideoEncodeSettings>(6, vertical), 3, 512 * kMiB);
  EXPECT_EQ(encoder_batches(spec), (std::vector<size_t>(6, 3)));  // 3 fit in 512 MiB, 4 do not
  EXPECT_LE(3 * each, 512 * kMiB);
  EXPECT_GT(4 * each, 512 * kMiB);
  // No budget: one pass. A budget below one encoder: one at a time.
  EXPECT_EQ(encoder_batches(spec_of(std::vector<VideoEncodeSettings>(6, vertical), 3, 0)),
            (std::vector<size_t>{18}));
  EXPECT_EQ(encoder_batches(spec_of(std::vector<VideoEncodeSettings>(2, vertical), 2, 1)),
            (std::vector<size_t>(4, 1)));
  // 7 encoders with room for 3: three batches (3 would need 3 passes too), near-equal: 2, 2, 3.
  const auto seven = encoder_batches(spec_of(std::vector<VideoEncodeSettings>(7, vertical), 1, 3 * each));
  EXPECT_EQ(seven, (std::vector<size_t>{2, 2, 3}));
  // Small encoders all fit at once.
  EXPECT_EQ(encoder_batches(spec_of(std::vector<VideoEncodeSettings>(6, video(360, 640)), 3, 512 * kMiB)),
            (std::vector<size_t>{18}));
  EXPECT_TRUE(encoder_batches(ClipGraphSpec{}).empty());
}

TEST(EncoderMemory, OutputsJoinedFromSpansAreBatchedLikeOthers) {
  // A span is encoded by its first user, which comes first in encoder order: it is in the same batch
  // as every other user or an earlier one, so spans do not change the batches (the graph keeps
  // spans from pass to pass: e2e SpanRender.OnePassOrOneEncoderAPassMakeTheSameBytes).
  ClipGraphSpec spec = spec_of(std::vector<VideoEncodeSettings>(6, video(1080, 1920)), 3, 512 * kMiB);
  const std::vector<size_t> batches = encoder_batches(spec);
  ASSERT_EQ(batches.size(), 6u);
  spec.geometries[0].languages[0].encoders[0].spans = {SpanUse{0, 30, 0, true}};
  spec.geometries[0].languages[1].encoders[0].spans = {SpanUse{0, 30, 0, false}};
  EXPECT_EQ(encoder_batches(spec), batches);
}

}  // namespace
}  // namespace shortpack

// Spans (issue 29): where a clip's timeline is cut (render/spans.h), what a span's description
// covers, and how spans' packets are joined into one stream (media/span_join.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cstring>
#include <string>
#include <unordered_set>

#include "filters/core/error.h"
#include "pipeline/media/span_join.h"
#include "pipeline/render/spans.h"
#include "support/error_of.h"
#include "support/fake_span.h"

namespace shortpack {
namespace {

const AVRational kFps{30, 1};
constexpr int64_t kFrames = 600;  // 20 s

class Spans : public ::testing::Test {
 protected:
  void SetUp() override { std::setlocale(LC_NUMERIC, "C"); }
};

std::string script_with(const std::string& events) {
  return "[Script Info]\nPlayResX: 1080\nPlayResY: 1920\n\n[V4+ Styles]\nStyle: Default,Noto Sans,60\n\n"
         "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n" +
         events;
}

// A 17 s media segment then a 3 s card.
std::vector<SegmentSource> media_then_card(int64_t card_frames = 90) {
  SegmentSource media;
  media.kind = SegmentSource::Kind::kMedia;
  media.first_frame = 0;
  media.frame_count = kFrames - card_frames;
  SegmentSource card;
  card.kind = SegmentSource::Kind::kColour;
  card.first_frame = kFrames - card_frames;
  card.frame_count = card_frames;
  return {media, card};
}

VideoKey tiktok_video() {
  VideoKey v;
  v.width_px = 1080;
  v.height_px = 1920;
  v.frame_rate_num = 30;
  v.profile = "high";
  v.level = 42;
  v.x264_preset = "veryfast";
  v.crf = 23;
  v.gop_frames = 60;
  v.bframes = 2;
  return v;
}

LanguageBranchSpec language(const std::string& captions, const std::string& card_text) {
  LanguageBranchSpec l;
  l.language = "vi";
  l.ass_script = script_with(captions);
  l.card_scripts = {"", card_text.empty() ? ""
                                          : script_with("Dialogue: 0,0:00:00.00,0:00:03.00,Default,,0,0,0,," +
                                                        card_text + "\n")};
  return l;
}

SpanBranch branch(const LanguageBranchSpec& l, const std::vector<SegmentSource>& segments) {
  return {0, tiktok_video(), pieces_of(l, segments, kFps, kFrames)};
}

const std::string kCues =
    "Dialogue: 0,0:00:01.00,0:00:04.00,Default,,0,0,0,,Xin chào\n"
    "Dialogue: 0,0:00:08.00,0:00:12.00,Default,,0,0,0,,Gọi đường dây nóng\n";

TEST_F(Spans, VariantsDifferingOnlyInTheClosingCardShareEverySpanBeforeIt) {
  const auto segments = media_then_card();
  std::vector<SpanBranch> branches;
  for (const char* hotline : {"024 3000 0001", "0294 3000 0002", "028 3000 0003", "0236 3000 0004"})
    branches.push_back(branch(language(kCues, hotline), segments));
  const SpanPlan plan = plan_spans(branches, kFrames);
  ASSERT_EQ(plan.uses.size(), 4u);
  ASSERT_EQ(plan.spans.size(), 5u);  // one shared, four cards
  for (size_t b = 0; b < 4; ++b) {
    ASSERT_EQ(plan.uses[b].size(), 2u) << b;
    const SpanUse& before = plan.uses[b][0];
    const SpanUse& card = plan.uses[b][1];
    EXPECT_EQ(before.first_frame, 0);
    EXPECT_EQ(before.frame_count, 509);  // the card's first frame (510) less the one-frame margin
    EXPECT_EQ(before.span, plan.uses[0][0].span);
    EXPECT_EQ(before.encodes, b == 0);
    EXPECT_EQ(card.first_frame, 509);
    EXPECT_EQ(card.frame_count, kFrames - 509);
    EXPECT_TRUE(card.encodes);
    for (size_t o = 0; o < b; ++o) EXPECT_NE(card.span, plan.uses[o][1].span);
  }
  EXPECT_EQ(plan.frames_reused, 3 * 509);
  EXPECT_EQ(plan.frames_encoded, 509 + 4 * (kFrames - 509));
}

TEST_F(Spans, ACueThatDiffersCutsOnlyAroundItAndTheRestIsShared) {
  const auto segments = media_then_card();
  const std::string changed =
      "Dialogue: 0,0:00:01.00,0:00:04.00,Default,,0,0,0,,Xin chào\n"
      "Dialogue: 0,0:00:08.00,0:00:12.00,Default,,0,0,0,,Gọi ngay đường dây nóng\n";
  const SpanPlan plan =
      plan_spans({branch(language(kCues, "x"), segments), branch(language(changed, "x"), segments)}, kFrames);
  ASSERT_EQ(plan.uses[1].size(), 3u);
  EXPECT_EQ(plan.uses[1][0].span, plan.uses[0][0].span);
  EXPECT_FALSE(plan.uses[1][0].encodes);
  EXPECT_NE(plan.uses[1][1].span, plan.uses[0][1].span);
  EXPECT_TRUE(plan.uses[1][1].encodes);
  EXPECT_EQ(plan.uses[1][1].first_frame, 239);  // 8 s, one frame early
  EXPECT_EQ(plan.uses[1][1].frame_count, 361 - 239);
  EXPECT_EQ(plan.uses[1][2].span, plan.uses[0][2].span);
  EXPECT_FALSE(plan.uses[1][2].encodes);
}

TEST_F(Spans, ACardShorterThanAKeyframeIntervalTakesFramesFromTheSpanBeforeIt) {
  const auto segments = media_then_card(20);
  const SpanPlan plan =
      plan_spans({branch(language(kCues, "a"), segments), branch(language(kCues, "b"), segments)}, kFrames);
  ASSERT_EQ(plan.uses[1].size(), 2u);
  EXPECT_EQ(plan.uses[1][1].frame_count, 60);
  EXPECT_EQ(plan.uses[1][1].first_frame, kFrames - 60);
  EXPECT_EQ(plan.uses[1][0].span, plan.uses[0][0].span);
}

TEST_F(Spans, NothingSharedOrDifferentSettingsOrAShortClipEncodeWhole) {
  const auto segments = media_then_card();
  SpanBranch other_crf = branch(language(kCues, "a"), segments);
  other_crf.video.crf = 24;
  SpanPlan plan = plan_spans({branch(language(kCues, "a"), segments), other_crf}, kFrames);
  EXPECT_TRUE(plan.uses[0].empty());
  EXPECT_TRUE(plan.uses[1].empty());
  EXPECT_EQ(plan.frames_encoded, 2 * kFrames);

  LanguageBranchSpec en = language(kCues, "a");
  en.fonts.default_family = "Noto Sans Khmer";  // same text, other fonts: other pictures
  plan = plan_spans({branch(language(kCues, "a"), segments), branch(en, segments)}, kFrames);
  EXPECT_TRUE(plan.uses[0].empty());
  EXPECT_TRUE(plan.uses[1].empty());

  // A 40-frame clip whose last 20 frames differ, keyframes every 60: too short to cut.
  SpanBranch a{0, tiktok_video(), {{SpanPiece::Kind::kCardScript, 20, 40, "card a"}}};
  SpanBranch b{0, tiktok_video(), {{SpanPiece::Kind::kCardScript, 20, 40, "card b"}}};
  plan = plan_spans({a, b}, 40);
  EXPECT_TRUE(plan.uses[0].empty());
  EXPECT_TRUE(plan.uses[1].empty());
  EXPECT_EQ(plan.frames_encoded, 80);
  b.pieces[0].text = "card a";  // the same pictures: one span of the whole clip, shared
  plan = plan_spans({a, b}, 40);
  ASSERT_EQ(plan.uses[1].size(), 1u);
  EXPECT_FALSE(plan.uses[1][0].encodes);
}

TEST_F(Spans, OutputsWithTheSamePicturesShareOneSpanOfTheWholeClip) {
  const auto segments = media_then_card();
  // (as two encoders that differ only in their sound, e.g. a voice-over)
  const SpanPlan plan =
      plan_spans({branch(language(kCues, "a"), segments), branch(language(kCues, "a"), segments)}, kFrames);
  ASSERT_EQ(plan.uses[1].size(), 1u);
  EXPECT_EQ(plan.uses[1][0].frame_count, kFrames);
  EXPECT_FALSE(plan.uses[1][0].encodes);
  EXPECT_EQ(plan.frames_reused, kFrames);
}

// Every field of a span's description changes its equality and its hash: a field added to the
// struct and left out of the hash fails here.
TEST_F(Spans, EveryFieldOfTheKeyChangesItsHash) {
  SpanKey base{1, tiktok_video(), 30, 60, {{SpanPiece::Kind::kCaptionEvent, 25, 95, "Dialogue: x"}}};
  std::vector<SpanKey> changed(9, base);
  changed[0].geometry = 2;
  changed[1].video.crf = 24;
  changed[2].video.maxrate_bps = 1;
  changed[3].first_frame = 31;
  changed[4].frame_count = 61;
  changed[5].pieces[0].kind = SpanPiece::Kind::kCardScript;
  changed[6].pieces[0].first_frame = 26;
  changed[7].pieces[0].end_frame = 96;
  changed[8].pieces[0].text = "Dialogue: y";
  std::unordered_set<size_t> hashes{std::hash<SpanKey>{}(base)};
  for (const SpanKey& k : changed) {
    EXPECT_FALSE(k == base);
    EXPECT_TRUE(hashes.insert(std::hash<SpanKey>{}(k)).second);
  }
  SpanKey more = base;
  more.pieces.push_back(base.pieces[0]);
  EXPECT_FALSE(more == base);
  EXPECT_NE(std::hash<SpanKey>{}(more), std::hash<SpanKey>{}(base));
  // A description is compared by its fields alone: this size changes when a field is added.
  static_assert(sizeof(SpanPiece) == sizeof(int) * 2 + sizeof(int64_t) * 2 + sizeof(std::string),
                "a field added to SpanPiece: add it to its hash and to this test");
  static_assert(sizeof(SpanKey) ==
                    sizeof(size_t) + sizeof(VideoKey) + 2 * sizeof(int64_t) + sizeof(std::vector<SpanPiece>),
                "a field added to SpanKey: add it to its hash and to this test");
}

TEST_F(Spans, AJoinedStreamHasRisingDecodingTimesBeforeEachPictureAndEveryFrameOnce) {
  const EncodedSpan a = test::fake_span(0, 61);
  const EncodedSpan b = test::fake_span(61, 50);
  const std::vector<PacketPtr> joined = join_spans({&a, &b}, 111);
  ASSERT_EQ(joined.size(), 111u);
  std::vector<bool> seen(111, false);
  for (size_t i = 0; i < joined.size(); ++i) {
    EXPECT_EQ(joined[i]->dts, static_cast<int64_t>(i) - 2) << i;
    EXPECT_LE(joined[i]->dts, joined[i]->pts) << i;
    seen[static_cast<size_t>(joined[i]->pts)] = true;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 111);
  EXPECT_EQ(joined[61]->pts, 61);
  EXPECT_TRUE(joined[61]->flags & AV_PKT_FLAG_KEY);
}

TEST_F(Spans, SpansThatCannotMakeOneStreamAreRefused) {
  const EncodedSpan a = test::fake_span(0, 60);
  const EncodedSpan gap = test::fake_span(61, 50);
  const EncodedSpan other_sps = test::fake_span(60, 50, 2);
  EncodedSpan incomplete = test::fake_span(60, 50);
  incomplete.complete = false;
  EXPECT_THROW((void)join_spans({&a, &gap}, 111), Error);
  EXPECT_THROW((void)join_spans({&a, &other_sps}, 110), Error);
  EXPECT_THROW((void)join_spans({&a, &incomplete}, 110), Error);
  EXPECT_THROW((void)join_spans({&a, nullptr}, 110), Error);
  const EncodedSpan b = test::fake_span(60, 50);
  EXPECT_THROW((void)join_spans({&a, &b}, 120), Error);  // frames missing at the end
  EXPECT_NO_THROW((void)join_spans({&a, &b}, 110));
}

TEST_F(Spans, TheVbvCheckFindsTheFirstPictureThatWouldEmptyTheBuffer) {
  const EncodedSpan a = test::fake_span(0, 60);
  std::vector<PacketPtr> packets = join_spans({&a}, 60);
  // 1000-byte pictures at 30 fps are 240 kbit/s.
  EXPECT_NO_THROW(check_vbv(packets, VbvModel{300000, 600000, 0.9, kFps}));
  EXPECT_THROW(check_vbv(packets, VbvModel{200000, 16000, 0.9, kFps}), Error);
  EXPECT_NO_THROW(check_vbv(packets, VbvModel{0, 0, 0.9, kFps}));  // no cap
}

// An output written span by span as they are made: the same stream as the join of all of them,
// with the VBV buffer carried from one span to the next (a span that passes alone can still empty
// a buffer the span before left low).
TEST_F(Spans, AStreamJoinedSpanBySpanIsTheWholeJoinAndCarriesTheBuffer) {
  const EncodedSpan a = test::fake_span(0, 61);
  const EncodedSpan b = test::fake_span(61, 50);
  const std::vector<PacketPtr> whole = join_spans({&a, &b}, 111);
  SpanJoin join(111, VbvModel{});
  std::vector<PacketPtr> parts = join.append(&a);
  ASSERT_EQ(parts.size(), 61U);
  EXPECT_THROW(join.finish(), Error);  // frames 61-110 are missing
  for (PacketPtr& p : join.append(&b)) parts.push_back(std::move(p));
  EXPECT_NO_THROW(join.finish());
  ASSERT_EQ(parts.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) {
    EXPECT_EQ(parts[i]->pts, whole[i]->pts) << i;
    EXPECT_EQ(parts[i]->dts, whole[i]->dts) << i;
    EXPECT_EQ(parts[i]->data, whole[i]->data) << i;  // references to the span's bytes, not copies
  }
  // 1000-byte pictures against 7000 bits of refill a frame: the buffer (72000 of 80000 bits at
  // the start) loses 1000 bits a picture and cannot give picture 65 its 8000.
  const VbvModel tight{210000, 80000, 0.9, kFps};
  EXPECT_NO_THROW(check_vbv(join_spans({&a}, 61), tight));
  const EncodedSpan b_alone = test::fake_span(0, 50);
  EXPECT_NO_THROW(check_vbv(join_spans({&b_alone}, 50), tight));  // alone, each span fits
  SpanJoin capped(111, tight);
  EXPECT_NO_THROW((void)capped.append(&a));
  EXPECT_EQ(test::error_of([&] { (void)capped.append(&b); }, ErrorKind::kEncode),
            "the joined stream would empty the VBV buffer (80000 bits at 210000 bit/s) at picture 65 in "
            "decoding order");
  // A later span that reorders more frames than the first cannot share its decoding times.
  EncodedSpan deeper = test::fake_span(61, 50);
  deeper.reorder_delay_frames = 3;
  SpanJoin reordered(111, VbvModel{});
  (void)reordered.append(&a);
  EXPECT_EQ(test::error_of([&] { (void)reordered.append(&deeper); }, ErrorKind::kEncode),
            "span 2 reorders 3 frames, more than the first span (2)");
}

}  // namespace
}  // namespace shortpack

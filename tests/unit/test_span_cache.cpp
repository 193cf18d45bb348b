// The span cache (issue 29, pipeline/render/span_cache.h): what a span's fingerprint covers, how a
// span file reads back (and refuses damage), and how the folder is kept (another build's cache
// emptied, a killed run's leftovers removed, the least recently used spans removed over the size
// limit); and the cuts that make spans findable again (render/spans.h, SpanCuts::kCacheable).
#include <gtest/gtest.h>

#include <chrono>
#include <clocale>
#include <fstream>
#include <set>
#include <string>

#include "filters/core/error.h"
#include "pipeline/render/span_cache.h"
#include "pipeline/render/spans.h"
#include "support/fake_span.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;

class SpanCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::setlocale(LC_NUMERIC, "C");
    test::write_text(dir_ / "src.mp4", "the source's bytes");
    test::write_text(dir_ / "font.ttf", "a font's bytes");
  }
  // A clip of a media segment and a colour card, one geometry with a logo, one language.
  ClipGraphSpec spec() {
    ClipGraphSpec s;
    s.frame_rate = {30, 1};
    s.frame_count = 300;
    SegmentSource media;
    media.kind = SegmentSource::Kind::kMedia;
    media.path = dir_ / "src.mp4";
    media.in_s = 1.5;
    media.frame_count = 240;
    SegmentSource card;
    card.kind = SegmentSource::Kind::kColour;
    card.first_frame = 240;
    card.frame_count = 60;
    card.entry = TransitionKind::kCrossfade;
    card.entry_frames = 10;
    s.segments = {media, card};
    GeometryBranchSpec g;
    g.reframe.width_px = 1080;
    g.reframe.height_px = 1920;
    g.logo = RgbaImage{2, 2, std::vector<uint8_t>(16, 200)};
    LanguageBranchSpec l;
    l.card_scripts = {"", "card"};
    g.languages.push_back(l);
    s.geometries.push_back(g);
    return s;
  }
  SpanKey key() {
    VideoKey v;
    v.width_px = 1080;
    v.height_px = 1920;
    v.frame_rate_num = 30;
    v.profile = "high";
    v.level = 42;
    v.x264_preset = "veryfast";
    v.crf = 23;
    v.gop_frames = 60;
    return {0,
            v,
            60,
            60,
            {{SpanPiece::Kind::kFonts, 0, 300, "Noto Sans\n" + (dir_ / "font.ttf").string()},
             {SpanPiece::Kind::kCaptionEvent, 70, 100, "Dialogue: 0,0:00:02.50,..."}}};
  }
  std::string fingerprint(const ClipGraphSpec& s, const SpanKey& k) {
    DigestCache files;  // a fresh one: file contents read again
    return span_fingerprint(s, k, files);
  }
  test::ScratchDir dir_{"span-cache-unit"};
};

TEST_F(SpanCacheTest, EveryFieldThatDecidesTheSpanChangesItsFingerprint) {
  const std::string base = fingerprint(spec(), key());
  EXPECT_EQ(base.size(), 64u);
  EXPECT_EQ(fingerprint(spec(), key()), base);  // the same description, the same fingerprint
  std::vector<std::function<void(ClipGraphSpec&, SpanKey&)>> changes{
      [](ClipGraphSpec& s, SpanKey&) {
        s.frame_rate = {25, 1};
      },
      [](ClipGraphSpec& s, SpanKey&) { s.frame_count = 301; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[0].kind = SegmentSource::Kind::kImage; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[0].in_s = 1.5000001; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[0].first_frame = 1; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[0].frame_count = 241; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[1].colour_yuv[2] = 129; },
      [](ClipGraphSpec& s, SpanKey&) {
        s.segments[1].image = std::make_shared<RgbaImage>(RgbaImage{1, 1, {1, 2, 3, 4}});
      },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[0].reframe = ReframeKind::kFitPad; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[0].smart_crop = true; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[1].motion = MotionPath::kZoomIn; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[1].entry = TransitionKind::kFadeBlack; },
      [](ClipGraphSpec& s, SpanKey&) { s.segments[1].entry_frames = 11; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].reframe.width_px = 1078; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].reframe.pad_yuv[0] = 17; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].reframe.background_darken = 0.5; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].reframe.background_downscale = 4; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].reframe.background_behind_picture = true; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].logo->pixels[5] = 1; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].logo.reset(); },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].logo_placement.corner = Corner::kBottomLeft; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].logo_placement.width_rel = 0.2; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].logo_placement.opacity = 0.5; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].logo_placement.bottom_px = 3; },
      [](ClipGraphSpec& s, SpanKey&) { s.geometries[0].languages[0].card_scripts[1].clear(); },
      [](ClipGraphSpec& s, SpanKey&) {  // another geometry reads the source in more detail
        s.geometries.push_back(s.geometries[0]);
        s.geometries[1].reframe.height_px = 3840;
      },
      [](ClipGraphSpec&, SpanKey& k) { k.video.crf = 24; },
      [](ClipGraphSpec&, SpanKey& k) { k.video.maxrate_bps = 1; },
      [](ClipGraphSpec&, SpanKey& k) { k.video.gop_frames = 30; },
      [](ClipGraphSpec&, SpanKey& k) { k.video.x264_preset = "fast"; },
      [](ClipGraphSpec&, SpanKey& k) { k.first_frame = 61; },
      [](ClipGraphSpec&, SpanKey& k) { k.frame_count = 59; },
      [](ClipGraphSpec&, SpanKey& k) { k.pieces[1].text = "Dialogue: 0,0:00:02.50,...!"; },
      [](ClipGraphSpec&, SpanKey& k) { k.pieces[1].end_frame = 101; },
      [](ClipGraphSpec&, SpanKey& k) { k.pieces.pop_back(); },
  };
  std::set<std::string> seen{base};
  for (size_t i = 0; i < changes.size(); ++i) {
    ClipGraphSpec s = spec();
    SpanKey k = key();
    changes[i](s, k);
    EXPECT_TRUE(seen.insert(fingerprint(s, k)).second) << "change " << i << " left the fingerprint alone";
  }
  // File contents count, not only their names.
  test::write_text(dir_ / "src.mp4", "the source, edited");
  EXPECT_TRUE(seen.insert(fingerprint(spec(), key())).second);
  test::write_text(dir_ / "font.ttf", "another font");
  EXPECT_TRUE(seen.insert(fingerprint(spec(), key())).second);
  // A field added to a description must be added to the fingerprint (and here).
  static_assert(sizeof(SegmentSource) == 120, "a field added to SegmentSource: add it to span_fingerprint");
  static_assert(sizeof(ReframeOptions) == 32, "a field added to ReframeOptions: add it to span_fingerprint");
  static_assert(sizeof(LogoPlacement) == 40, "a field added to LogoPlacement: add it to span_fingerprint");
}

TEST_F(SpanCacheTest, ASpanFileReadsBackWholeAndRefusesDamage) {
  const EncodedSpan span = test::fake_span(60, 61);
  const std::string fp(64, 'a');
  const std::string bytes = span_file_bytes(fp, span);
  const std::shared_ptr<EncodedSpan> back = read_span_file(bytes, fp);
  EXPECT_EQ(back->first_frame, 60);
  EXPECT_EQ(back->frame_count, 61);
  EXPECT_EQ(back->reorder_delay_frames, 2);
  EXPECT_TRUE(back->complete);
  ASSERT_EQ(back->packets.size(), span.packets.size());
  for (size_t i = 0; i < span.packets.size(); ++i) {
    const AVPacket& a = *span.packets[i];
    const AVPacket& b = *back->packets[i];
    EXPECT_EQ(a.pts, b.pts);
    EXPECT_EQ(a.dts, b.dts);
    EXPECT_EQ(a.flags, b.flags);
    ASSERT_EQ(a.size, b.size);
    EXPECT_EQ(std::memcmp(a.data, b.data, static_cast<size_t>(a.size)), 0);
  }
  ASSERT_EQ(back->parameters->extradata_size, 4);
  EXPECT_EQ(back->parameters->extradata[0], 1);
  EXPECT_EQ(back->parameters->codec_id, AV_CODEC_ID_H264);

  std::string flipped = bytes;
  flipped[bytes.size() / 2] ^= 0x10;
  const auto refused = [&](const std::string& b, const std::string& f, const std::string& why) {
    try {
      (void)read_span_file(b, f);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused(flipped, fp, "checksum");
  refused(bytes.substr(0, bytes.size() - 10), fp, "checksum");
  refused(bytes.substr(0, 10), fp, "not a span file");
  refused("", fp, "not a span file");
  refused(bytes, std::string(64, 'b'), "another span");
}

TEST_F(SpanCacheTest, TheFolderIsKeptDamageAnotherBuildAndLeftoversAreCleanedAndTheOldestGoFirst) {
  const fs::path dir = dir_ / "out/.shortpack/spans";
  const EncodedSpan span = test::fake_span(0, 30);
  {
    SpanCache cache(dir, 1 << 30);
    ASSERT_TRUE(cache.usable());
    EXPECT_TRUE(cache.take_warnings().empty());  // a new folder is not news
    EXPECT_EQ(cache.find(std::string(64, 'a')), nullptr);
    for (const char c : {'a', 'b', 'c'}) {
      cache.stage(std::string(64, c), span);
      cache.commit(std::string(64, c));
    }
    EXPECT_EQ(cache.stored(), 3);
    const auto found = cache.find(std::string(64, 'b'));
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->packets.size(), 30u);
    EXPECT_EQ(cache.hits(), 1);
  }
  const fs::path a = dir / "aa" / (std::string(64, 'a') + ".span");
  const fs::path b = dir / "bb" / (std::string(64, 'b') + ".span");
  const fs::path c = dir / "cc" / (std::string(64, 'c') + ".span");
  ASSERT_TRUE(fs::exists(a) && fs::exists(b) && fs::exists(c));
  const int64_t one = static_cast<int64_t>(fs::file_size(a));
  // Least recently used first: a (an hour ago), then c, then b.
  const auto now = fs::file_time_type::clock::now();
  fs::last_write_time(a, now - std::chrono::hours(1));
  fs::last_write_time(c, now - std::chrono::minutes(30));
  // A killed run's temporary file (its pid gone, an hour old), and one of a live writer (ours).
  const fs::path dead = dir / "aa" / ".x.span.999999-0123456789abcdef.part";
  const fs::path live = dir / "aa" / (".x.span." + std::to_string(::getpid()) + "-0123456789abcdef.part");
  test::write_text(dead, "half");
  test::write_text(live, "half");
  fs::last_write_time(dead, now - std::chrono::hours(1));
  fs::last_write_time(live, now - std::chrono::hours(1));
  {
    SpanCache cache(dir, 2 * one);
    EXPECT_FALSE(fs::exists(dead));
    EXPECT_TRUE(fs::exists(live));
    EXPECT_EQ(cache.trim(), 1);
    EXPECT_FALSE(fs::exists(a));
    EXPECT_TRUE(fs::exists(b) && fs::exists(c));
    // A damaged file: removed, said, not used.
    fs::resize_file(c, static_cast<uintmax_t>(one - 1));
    EXPECT_EQ(cache.find(std::string(64, 'c')), nullptr);
    EXPECT_FALSE(fs::exists(c));
    const std::vector<std::string> w = cache.take_warnings();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find(c.string()), std::string::npos) << w[0];
    EXPECT_NE(w[0].find("encoded again"), std::string::npos) << w[0];
  }
  // Another build's folder: emptied, said once.
  test::write_text(dir / "VERSION", "format 0; shortpack 0.0.1\n");
  {
    SpanCache cache(dir, 1 << 30);
    EXPECT_FALSE(fs::exists(b));
    const std::vector<std::string> w = cache.take_warnings();
    ASSERT_EQ(w.size(), 1u);
    EXPECT_NE(w[0].find("another build"), std::string::npos) << w[0];
    EXPECT_EQ(test::read_text(dir / "VERSION"), span_cache_build() + "\n");
  }
  // A folder that cannot be made: no cache, said, nothing thrown.
  test::write_text(dir_ / "blocked", "a file where the folder would be");
  SpanCache blocked(dir_ / "blocked/spans", 1 << 30);
  EXPECT_FALSE(blocked.usable());
  EXPECT_EQ(blocked.find(std::string(64, 'b')), nullptr);
  EXPECT_EQ(blocked.take_warnings().size(), 1u);
}

// A staged span (written as it is encoded, before the outputs that show it are checked) is not
// found until it is committed; a discarded one, or one still staged when the cache goes, leaves
// nothing in the folder.
TEST_F(SpanCacheTest, AStagedSpanIsFoundOnlyOnceCommittedAndLeavesNothingOtherwise) {
  const fs::path dir = dir_ / "staged/.shortpack/spans";
  const EncodedSpan span = test::fake_span(0, 30);
  auto files_in = [&dir] {
    std::set<std::string> names;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().filename() != "VERSION") names.insert(e.path().filename().string());
    }
    return names;
  };
  const std::string kept(64, 'a');
  const std::string dropped(64, 'b');
  const std::string left(64, 'c');
  {
    SpanCache cache(dir, 1 << 30);
    cache.stage(kept, span);
    cache.stage(dropped, span);
    cache.stage(left, span);
    EXPECT_EQ(files_in().size(), 3u);  // on disk already, under temporary names
    EXPECT_EQ(cache.find(kept), nullptr) << "a staged span is not in the cache yet";
    cache.commit(kept);
    cache.discard(dropped);
    EXPECT_EQ(cache.stored(), 1);
    const auto found = cache.find(kept);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->packets.size(), 30u);
    EXPECT_EQ(cache.find(dropped), nullptr);
    EXPECT_TRUE(cache.take_warnings().empty());
  }
  EXPECT_EQ(files_in(), (std::set<std::string>{kept + ".span"}));
}

// Cacheable cuts depend on nothing but the branch itself: the same cuts alone and among others,
// at its pieces' edges, at least 4 s (kCacheMinSpanSeconds) apart; a changed cue changes only the
// spans that show it.
TEST_F(SpanCacheTest, CacheableCutsAreTheBranchsOwnAndACueChangesOnlyItsSpans) {
  VideoKey v = key().video;
  const auto cue = [](int64_t first, int64_t end, const std::string& text) {
    return SpanPiece{SpanPiece::Kind::kCaptionEvent, first, end, text};
  };
  // 21 s at 30 fps, a cue every 3 s (frames 6-87, 96-177, ...), as subtitles usually come.
  SpanBranch a{0, v, {}};
  for (int k = 0; k < 7; ++k) a.pieces.push_back(cue(k * 90 + 6, k * 90 + 87, "cue " + std::to_string(k)));
  const SpanBranch other{0, v, {cue(40, 50, "elsewhere")}};
  SpanBranch edited = a;
  edited.pieces[3].text = "cue 3, edited";  // frames 276-357
  const SpanPlan alone = plan_spans({a}, 630, SpanCuts::kCacheable, {30, 1});
  const SpanPlan among = plan_spans({other, a, edited}, 630, SpanCuts::kCacheable, {30, 1});
  ASSERT_EQ(alone.uses[0].size(), among.uses[1].size());
  std::vector<int64_t> starts;
  for (size_t i = 0; i < alone.uses[0].size(); ++i) {
    const SpanUse& u = alone.uses[0][i];
    EXPECT_EQ(u.first_frame, among.uses[1][i].first_frame);
    EXPECT_EQ(u.frame_count, among.uses[1][i].frame_count);
    EXPECT_TRUE(alone.spans[u.span] == among.spans[among.uses[1][i].span]);
    EXPECT_GE(u.frame_count, 60);  // a keyframe interval at least
    starts.push_back(u.first_frame);
  }
  // The first edge 4 s (120 frames) on is the end of the second cue (177); the start of the
  // third (186) moves the cut there, once: the end of the third (267) is too close to be a cut
  // and may not move it again, or a run of cues would slide it to the end of the clip. Likewise
  // 366 and 546; 627 is too close to the end.
  EXPECT_EQ(starts, (std::vector<int64_t>{0, 186, 366, 546}));
  // The edited branch shares every span but the one its changed cue shows on.
  int shared = 0;
  for (size_t i = 0; i < among.uses[2].size(); ++i) {
    const bool same = among.uses[2][i].span == among.uses[1][i].span;
    shared += same ? 1 : 0;
    EXPECT_EQ(same, among.uses[2][i].first_frame != 186) << among.uses[2][i].first_frame;
    EXPECT_EQ(among.uses[2][i].encodes, !same);
  }
  EXPECT_EQ(shared, 3);
  // A closing card gets a span of its own: a cut where it starts, as the variants of a card need.
  SpanBranch card = a;
  card.pieces.resize(5);  // cues to frame 447
  card.pieces.push_back({SpanPiece::Kind::kCardScript, 509, 630, "hotline"});
  const SpanPlan carded = plan_spans({card}, 630, SpanCuts::kCacheable, {30, 1});
  std::vector<int64_t> card_starts;
  for (const SpanUse& u : carded.uses[0]) card_starts.push_back(u.first_frame);
  EXPECT_EQ(card_starts, (std::vector<int64_t>{0, 186, 366, 509}));
  // A card is cut a keyframe interval (60) after the start, not 4 s: rows of a short clip still
  // share what comes before their cards. A cue's edge there is not cut.
  const SpanBranch short_card{0, v, {{SpanPiece::Kind::kCardScript, 70, 130, "hotline"}}};
  const SpanBranch short_cue{0, v, {cue(70, 130, "a cue")}};
  const SpanPlan short_plan = plan_spans({short_card, short_cue}, 130, SpanCuts::kCacheable, {30, 1});
  ASSERT_EQ(short_plan.uses[0].size(), 2u);
  EXPECT_EQ(short_plan.uses[0][1].first_frame, 70);
  EXPECT_TRUE(short_plan.uses[1].empty());  // encoded whole
  // A long stretch without pieces is cut every 8 s (240 frames) from the clip's start.
  const SpanPlan plain = plan_spans({SpanBranch{0, v, {}}, SpanBranch{0, v, {cue(500, 560, "late")}}}, 600,
                                    SpanCuts::kCacheable, {30, 1});
  std::vector<int64_t> plain_starts;
  for (const SpanUse& u : plain.uses[0]) plain_starts.push_back(u.first_frame);
  EXPECT_EQ(plain_starts, (std::vector<int64_t>{0, 240, 480}));
  std::vector<int64_t> late_starts;
  for (const SpanUse& u : plain.uses[1]) late_starts.push_back(u.first_frame);
  EXPECT_EQ(late_starts,
            (std::vector<int64_t>{0, 240, 500}));  // the grid's 480 moved to the cue; 560: the end
  // Too short to cut: encoded whole, unless another branch shows the very same pictures.
  const SpanBranch brief{0, v, {cue(10, 20, "brief")}};
  EXPECT_TRUE(plan_spans({brief}, 100, SpanCuts::kCacheable, {30, 1}).uses[0].empty());
  const SpanPlan twins = plan_spans({brief, brief}, 100, SpanCuts::kCacheable, {30, 1});
  ASSERT_EQ(twins.uses[1].size(), 1u);
  EXPECT_FALSE(twins.uses[1][0].encodes);
}

}  // namespace
}  // namespace shortpack

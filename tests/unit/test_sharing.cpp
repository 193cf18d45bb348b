// What decides sharing (render/sharing.h) and one file per shape (render/shape.h): every key of
// the preset field table is walked, so that a key added to the table which changes an output but
// is left out of the descriptions fails here instead of silently sharing the wrong branch.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <clocale>
#include <set>
#include <string>

#include "pipeline/base/atomic_file.h"
#include "pipeline/render/shape.h"
#include "pipeline/render/sharing.h"
#include "pipeline/spec/preset.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;

// Keys that no output's bytes depend on: read by the check of a file against its platform, by
// select_active (a clip too long or short for the platform), or only shown.
const std::set<std::string> kCheckOnly = {"label", "conservative_guess", "duration.min_s", "duration.max_s",
                                          "max_file_bytes", "loudness.tolerance_lu",
                                          // the post beside the file (issue 30): words, cover, caption file
                                          "post.title_max_chars", "post.text_max_chars",
                                          "post.text_shown_chars", "post.hashtags_max", "post.cover_width_px",
                                          "post.cover_height_px", "post.cover_max_bytes", "post.caption_file",
                                          "post.caption_language"};
// Keys that decide the clip's one frame rate (render/timeline.cpp), the same for every output of
// a clip: they change the timeline, not what one output shares with another.
const std::set<std::string> kTimeline = {"frame_rate.min_fps", "frame_rate.max_fps", "frame_rate.target_fps"};
// Keys with one allowed value today (a second codec must be classified when it is added).
const std::set<std::string> kOneValue = {"video.codec", "video.pixel_format", "audio.codec"};
// Keys platforms must share to be one file (render/shape.h's ShapeKey).
const std::set<std::string> kShapeKeys = {"size.width_px",           "size.height_px",
                                          "video.x264_preset",       "audio.sample_rate_hz",
                                          "audio.channels",          "loudness.integrated_lufs",
                                          "loudness.true_peak_dbtp", "captions.size_px",
                                          "logo.width_px",           "logo.position"};

const AVRational kFps{30, 1};

class Sharing : public ::testing::Test {
 protected:
  void SetUp() override { std::setlocale(LC_NUMERIC, "C"); }
  static const PresetCatalog& catalog() {
    static const PresetCatalog presets = PresetCatalog::load({});
    return presets;
  }
  static OutputSharing sharing(const Preset& p, const MixKey& mix = {}) {
    return sharing_of(p, video_settings_of(p, kFps, EncodeOverride{}, false), mix);
  }
};

TEST_F(Sharing, ClassifiedKeysAreKeysOfThePresetTable) {
  const std::vector<std::string> keys = preset_keys();
  for (const auto* list : {&kCheckOnly, &kTimeline, &kOneValue, &kShapeKeys}) {
    for (const std::string& key : *list) {
      EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key << " is not a preset key";
    }
  }
  EXPECT_GE(keys.size(), 30u);
}

// The rule: two presets differing only in a field that changes the picture, the encode or
// the sound are not shared (their descriptions differ, and so do their hashes); a field that
// changes none of them is listed above, and the list is checked to be true.
TEST_F(Sharing, EveryPresetKeyThatChangesAnOutputChangesItsSharing) {
  const Preset& base = catalog().get("tiktok");
  int changed_keys = 0;
  for (const std::string& key : preset_keys()) {
    const std::optional<Preset> other = preset_with_other_value(base, key);
    if (kOneValue.count(key) != 0) {
      EXPECT_FALSE(other.has_value()) << key << " has another value now: decide what it changes";
      continue;
    }
    ASSERT_TRUE(other.has_value()) << key;
    const OutputSharing a = sharing(base);
    const OutputSharing b = sharing(*other);
    if (kCheckOnly.count(key) != 0 || kTimeline.count(key) != 0) {
      EXPECT_EQ(a, b) << key << " is listed as not changing an output, but changes its sharing";
      continue;
    }
    ++changed_keys;
    EXPECT_NE(a, b) << "presets differing only in " << key << " would share one output";
    EXPECT_NE(std::hash<OutputSharing>{}(a), std::hash<OutputSharing>{}(b)) << key << " is not hashed";
  }
  EXPECT_GE(changed_keys, 20);
}

// The parts of the descriptions that no preset field reaches: the texts, the voice-over mixed in,
// and the branch an encoder hangs under.
TEST_F(Sharing, TextsMixAndBranchesAreCompared) {
  const CaptionKey caption{"vi", "[Script Info]", {"", "card"}, {}};
  for (CaptionKey other : {CaptionKey{"en", "[Script Info]", {"", "card"}, {}},
                           CaptionKey{"vi", "[Script Info] ", {"", "card"}, {}},
                           CaptionKey{"vi", "[Script Info]", {"", "card", ""}, {}},
                           CaptionKey{"vi", "[Script Info]", {"card", ""}, {}},
                           CaptionKey{"vi", "[Script Info]", {"", "card"}, {"a.vi.srt:3"}}}) {
    EXPECT_NE(caption, other);
    EXPECT_NE(std::hash<CaptionKey>{}(caption), std::hash<CaptionKey>{}(other));
  }
  const Preset& p = catalog().get("tiktok");
  const OutputSharing programme = sharing(p);
  const OutputSharing voiced = sharing(p, MixKey{"vo/vi.wav"});
  EXPECT_NE(programme, voiced);
  EXPECT_NE(std::hash<OutputSharing>{}(programme), std::hash<OutputSharing>{}(voiced));
  const EncoderKey e{0, 0, programme.video, programme.audio};
  for (EncoderKey other : {EncoderKey{1, 0, programme.video, programme.audio},
                           EncoderKey{0, 1, programme.video, programme.audio},
                           EncoderKey{0, 0, programme.video, voiced.audio}}) {
    EXPECT_NE(e, other);
    EXPECT_NE(std::hash<EncoderKey>{}(e), std::hash<EncoderKey>{}(other));
  }
  EXPECT_EQ(e, (EncoderKey{0, 0, programme.video, programme.audio}));
  EXPECT_EQ(std::hash<EncoderKey>{}(e),
            std::hash<EncoderKey>{}(EncoderKey{0, 0, programme.video, programme.audio}));
}

// The campaign's `encode:` and a review proxy decide the x264 settings over the preset's.
TEST_F(Sharing, CampaignEncodeOverridesAndProxiesDecideTheEncoder) {
  Preset p = catalog().get("tiktok");
  Preset q = p;
  q.video.crf = 30;
  EncodeOverride encode;
  encode.crf = 20;
  EXPECT_EQ(video_key_of(video_settings_of(p, kFps, encode, false)),
            video_key_of(video_settings_of(q, kFps, encode, false)));
  EXPECT_EQ(video_settings_of(p, kFps, encode, false).crf, 20);
  EXPECT_EQ(video_settings_of(p, kFps, encode, true).crf, p.video.crf);  // a proxy keeps its own
  EXPECT_NE(video_key_of(video_settings_of(p, kFps, {}, false)),
            video_key_of(video_settings_of(p, {25, 1}, {}, false)));
}

// Every key is either one that platforms must share to be one file, or one the shape merges so
// that the merged presets decide one encode, or one that only the own check reads (kept per
// platform). A key added to the table that changes an output and is in neither list fails here:
// the merged presets of two platforms differing in it would not share.
TEST_F(Sharing, EveryPresetKeyIsSharedMergedOrTheOutputsOwn) {
  const Preset& base = catalog().get("tiktok");
  for (const std::string& key : preset_keys()) {
    const std::optional<Preset> other = preset_with_other_value(base, key);
    if (!other) continue;
    if (kShapeKeys.count(key) != 0) {
      EXPECT_NE(shape_key_of(base), shape_key_of(*other)) << key << " must be equal to share a file";
      continue;
    }
    EXPECT_EQ(shape_key_of(base), shape_key_of(*other)) << key << " is not listed as a shape key";
    const std::vector<const Preset*> group = {&base, &*other};
    const Preset a = merged_preset(base, group);
    const Preset b = merged_preset(*other, group);
    EXPECT_EQ(sharing(a), sharing(b)) << "platforms differing only in " << key << " would not share a file";
    if (kCheckOnly.count(key) != 0 || kTimeline.count(key) != 0) {
      EXPECT_EQ(preset_to_yaml(b), preset_to_yaml(*other))
          << key << ": the merged preset keeps the platform's own value of a key only its check reads";
    }
  }
}

TEST_F(Sharing, TheFourVerticalPlatformsMergeToWhatEachOfThemTakes) {
  std::vector<const Preset*> group;
  for (const char* name : {"tiktok", "youtube-shorts", "instagram-reels", "facebook-reels"})
    group.push_back(&catalog().get(name));
  const Preset m = merged_preset(catalog().get("facebook-reels"), group);
  // The intersection of the safe zones: TikTok's right rail, the others' top bar.
  EXPECT_EQ(m.safe.top_px, 270);
  EXPECT_EQ(m.safe.bottom_px, 672);
  EXPECT_EQ(m.safe.left_px, 65);
  EXPECT_EQ(m.safe.right_px, 165);
  EXPECT_EQ(m.video.maxrate_bps, 12000000);  // not Instagram's 25 Mb/s
  EXPECT_EQ(m.video.bufsize_bits, 24000000);
  EXPECT_EQ(m.video.crf, 21);               // YouTube Shorts asks for the best
  EXPECT_DOUBLE_EQ(m.video.keyint_s, 0.5);  // and the shortest keyframe interval
  EXPECT_EQ(m.audio.bitrate_bps, 384000);
  // Its own limits stay: Facebook Reels still refuses a clip over 90 s, alone.
  EXPECT_DOUBLE_EQ(m.duration_max_s, 90.0);
  EXPECT_DOUBLE_EQ(m.duration_min_s, 3.0);
  EXPECT_EQ(m.max_file_bytes, 1000000000);
  EXPECT_EQ(m.label, "Facebook Reels");
  for (const Preset* p : group) EXPECT_EQ(sharing(merged_preset(*p, group)), sharing(m)) << p->name;
}

TEST_F(Sharing, ShapeGroupsOfACampaign) {
  Campaign c;
  c.platforms = {"youtube", "tiktok", "facebook-feed", "youtube-shorts", "instagram-reels", "facebook-reels"};
  const ShapeGroups without = shape_groups(c, catalog());
  EXPECT_TRUE(without.groups.empty());
  EXPECT_EQ(without.alone, c.platforms);
  EXPECT_EQ(preset_to_yaml(without.rendered.at("tiktok")), preset_to_yaml(catalog().get("tiktok")));
  EXPECT_EQ(preset_to_yaml(rendered_preset(c, catalog(), "tiktok")), preset_to_yaml(catalog().get("tiktok")));

  c.one_file_per_shape = true;
  const ShapeGroups with = shape_groups(c, catalog());
  ASSERT_EQ(with.groups.size(), 1u);
  EXPECT_EQ(with.groups[0],
            (std::vector<std::string>{"tiktok", "youtube-shorts", "instagram-reels", "facebook-reels"}));
  EXPECT_EQ(with.alone, (std::vector<std::string>{"youtube", "facebook-feed"}));
  EXPECT_EQ(rendered_preset(c, catalog(), "tiktok").safe.top_px, 270);
  EXPECT_EQ(rendered_preset(c, catalog(), "youtube").safe.top_px, catalog().get("youtube").safe.top_px);
}

// A shared file gets each platform's name by a hard link (same inode), made through a temporary
// name; doing it again over an existing link leaves nothing behind.
TEST(LinkOrCopy, LinksUnderTheNewNameAndLeavesNoTemporaryFile) {
  test::ScratchDir dir("link-or-copy");
  test::write_text(dir / "a.mp4", "bytes");
  test::write_text(dir / "b.mp4", "old");
  EXPECT_TRUE(link_or_copy_atomically(dir / "a.mp4", dir / "b.mp4"));
  EXPECT_TRUE(link_or_copy_atomically(dir / "a.mp4", dir / "b.mp4"));
  EXPECT_EQ(test::read_text(dir / "b.mp4"), "bytes");
  struct stat sa {};
  struct stat sb {};
  ASSERT_EQ(::stat((dir / "a.mp4").c_str(), &sa), 0);
  ASSERT_EQ(::stat((dir / "b.mp4").c_str(), &sb), 0);
  EXPECT_EQ(sa.st_ino, sb.st_ino);
  EXPECT_EQ(sa.st_nlink, 2u);
  int entries = 0;
  for (const auto& e : fs::directory_iterator(dir.path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 2);
}

}  // namespace
}  // namespace shortpack

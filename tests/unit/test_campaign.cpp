// The campaign and brand loader: a full campaign read back field by field, and every way a
// campaign can be wrong reported as "<file>:<line>: <problem> (<fix>)".
#include "pipeline/spec/campaign.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "filters/core/error.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::line_of;
using test::ScratchDir;
using test::write_text;
using ::testing::HasSubstr;

// A tiny preset file in the documented format (see pipeline/spec/preset.h).
std::string tiny_preset(const std::string& label, int width, int height) {
  return "label: " + label + "\nsize: {width_px: " + std::to_string(width) +
         ", height_px: " + std::to_string(height) + "}\nduration: {max_s: 600}\n";
}

class CampaignLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(presets_dir_ / "tiktok.yaml", tiny_preset("TikTok", 1080, 1920));
    write_text(presets_dir_ / "youtube-shorts.yaml", tiny_preset("YouTube Shorts", 1080, 1920));
    write_text(presets_dir_ / "facebook-feed.yaml", tiny_preset("Facebook feed", 1080, 1350));
    presets_ = PresetCatalog::load({presets_dir_.path()}, /*include_builtin=*/false);
    for (const char* rel :
         {"media/benefits.mp4", "media/interview.mp4", "media/post-office.mp4", "media/book.jpg",
          "subs/benefits.vi.srt", "subs/benefits.en.vtt", "subs/benefits.km.srt", "subs/pension.vi.srt",
          "subs/pension.en.srt", "subs/pension.km.ass", "vo/pension.vi.wav", "vo/pension.en.wav",
          "brand/logo.png", "brand/intro.mp4", "brand/outro.mp4", "brand/bed.wav", "media/notes.txt"}) {
      write_text(dir_ / rel, "not really media; the loader only checks that the file exists\n");
    }
    fs::create_directories(dir_ / "media/folder.mp4");
  }

  fs::path write_campaign(const std::string& yaml, const std::string& name = "campaign.yaml") {
    write_text(dir_ / name, yaml);
    return dir_ / name;
  }

  Campaign load(const std::string& yaml, const CampaignLimits& limits = {}) {
    return load_campaign(write_campaign(yaml), presets_, limits);
  }

  // Loading must fail with `kind`, naming the file and the line of `marker` in `yaml`, and
  // mentioning every fragment.
  void expect_error(const std::string& yaml, const std::string& marker,
                    const std::vector<std::string>& fragments, ErrorKind kind = ErrorKind::kInput,
                    const CampaignLimits& limits = {}) {
    const std::string where = "campaign.yaml:" + std::to_string(line_of(yaml, marker)) + ": ";
    try {
      load(yaml, limits);
      ADD_FAILURE() << "loaded without error; expected " << where << fragments.front();
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), kind) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(where));
      for (const std::string& fragment : fragments) EXPECT_THAT(e.what(), HasSubstr(fragment));
    }
  }

  ScratchDir dir_{"campaign"};
  ScratchDir presets_dir_{"campaign-presets"};
  PresetCatalog presets_;
};

// A small valid campaign; error tests change one line of it.
const std::string kBase = R"(name: may-voluntary-si
languages: [vi, en, km]
platforms: [tiktok, youtube-shorts]
clips:
  - id: benefits
    source: media/benefits.mp4
    start: 2.0
    end: 32.0
    captions: {vi: subs/benefits.vi.srt, en: subs/benefits.en.vtt, km: subs/benefits.km.srt}
)";

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const size_t pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

TEST_F(CampaignLoader, FullCampaignRoundTrip) {
  const std::string yaml = R"(name: may-voluntary-si
languages: [vi, en, km]
platforms: [tiktok, youtube-shorts, facebook-feed]
encode: {preset: veryfast, crf: 23, threads: 4}
sidecar_captions: true
title_duration: 3.5
brand:
  logo: brand/logo.png
  logo_position: bottom-left
  logo_width: 0.2
  logo_opacity: 0.8
  intro: brand/intro.mp4
  outro: brand/outro.mp4
  colours: {primary: "#0d47a1", accent: "#FFC107"}
  captions:
    font: Noto Sans
    size: 0.05
    colour: "#FFFFFF"
    outline_colour: primary
    outline: 0.1
    shadow: 0.05
    box: true
    box_colour: "#00000080"
    bold: false
    max_lines: 2
    fonts: {km: Noto Sans Khmer, vi: Noto Serif}
  music: {file: brand/bed.wav, level_db: -18, fade_in: 0.5, fade_out: 1.5}
clips:
  - id: benefits
    source: media/benefits.mp4
    start: 2.0
    end: 32
    reframe: smart-crop
    captions: {vi: subs/benefits.vi.srt, en: subs/benefits.en.vtt, km: subs/benefits.km.srt}
    title: {vi: "Bảo hiểm xã hội tự nguyện", en: "Voluntary social insurance", km: "ធានារ៉ាប់រង"}
    title_duration: 5
    bumpers: false
  - id: pension-explainer
    segments:
      - {source: media/interview.mp4, start: 3.0, end: 11.0}
      - {card: {vi: "Lương hưu từ 60 tuổi", en: "Pension from age 60", km: "សោធន"}, duration: 2.5, background: "#123456"}
      - {source: media/post-office.mp4, start: 0, end: 6.0, transition: {crossfade: 0.5}, reframe: crop-center}
      - {image: media/book.jpg, duration: 3.0, motion: zoom-in, transition: {fade-black: 0.4}}
      - {card: {vi: a, en: b, km: c}, duration: 2, transition: {cut: 0}}
    captions: {vi: subs/pension.vi.srt, en: subs/pension.en.srt, km: subs/pension.km.ass}
    voiceover: {vi: vo/pension.vi.wav, en: vo/pension.en.wav}
    voiceover_duck: -18
  - id: teaser_2
    source: media/benefits.mp4
    captions: none
)";
  const Campaign c = load(yaml);
  const fs::path root = fs::absolute(dir_.path()).lexically_normal();
  EXPECT_EQ(c.source_file, root / "campaign.yaml");
  EXPECT_TRUE(c.source_file.is_absolute());
  EXPECT_EQ(c.name, "may-voluntary-si");
  EXPECT_EQ(c.languages, (std::vector<std::string>{"vi", "en", "km"}));
  EXPECT_EQ(c.platforms, (std::vector<std::string>{"tiktok", "youtube-shorts", "facebook-feed"}));
  EXPECT_EQ(c.encode.x264_preset, "veryfast");
  EXPECT_EQ(c.encode.crf, 23);
  EXPECT_EQ(c.encode.threads, 4);
  EXPECT_TRUE(c.sidecar_captions);

  const Brand& b = c.brand;
  EXPECT_EQ(b.source_file, root / "campaign.yaml");  // inline brand: paths relative to the campaign
  EXPECT_EQ(b.logo, root / "brand/logo.png");
  EXPECT_EQ(b.logo_position, LogoPosition::kBottomLeft);
  EXPECT_DOUBLE_EQ(b.logo_width_rel, 0.2);
  EXPECT_DOUBLE_EQ(b.logo_opacity, 0.8);
  EXPECT_EQ(b.intro, root / "brand/intro.mp4");
  EXPECT_EQ(b.outro, root / "brand/outro.mp4");
  EXPECT_EQ(b.colours.at("primary"), "#0D47A1");
  EXPECT_EQ(b.colours.at("accent"), "#FFC107");
  EXPECT_EQ(b.caption_style.font_family, "Noto Sans");
  EXPECT_DOUBLE_EQ(b.caption_style.size_rel, 0.05);
  EXPECT_EQ(b.caption_style.primary_colour, "#FFFFFF");
  EXPECT_EQ(b.caption_style.outline_colour, "#0D47A1");  // named brand colour resolved
  EXPECT_DOUBLE_EQ(b.caption_style.outline_rel, 0.1);
  EXPECT_DOUBLE_EQ(b.caption_style.shadow_rel, 0.05);
  EXPECT_TRUE(b.caption_style.box);
  EXPECT_EQ(b.caption_style.box_colour, "#00000080");
  EXPECT_FALSE(b.caption_style.bold);
  EXPECT_EQ(b.caption_style.max_lines, 2);
  EXPECT_EQ(b.fonts_by_language.at("km"), "Noto Sans Khmer");
  EXPECT_EQ(b.fonts_by_language.at("vi"), "Noto Serif");
  ASSERT_TRUE(b.music.has_value());
  EXPECT_EQ(b.music->file, root / "brand/bed.wav");
  EXPECT_DOUBLE_EQ(b.music->level_db, -18.0);
  EXPECT_DOUBLE_EQ(b.music->fade_in_s, 0.5);
  EXPECT_DOUBLE_EQ(b.music->fade_out_s, 1.5);

  ASSERT_EQ(c.clips.size(), 3u);
  const Clip& benefits = c.clips[0];
  EXPECT_EQ(benefits.id, "benefits");
  EXPECT_EQ(benefits.line, line_of(yaml, "- id: benefits"));
  ASSERT_EQ(benefits.segments.size(), 1u);  // a plain source is one media segment
  EXPECT_EQ(benefits.segments[0].kind, Segment::Kind::kMedia);
  EXPECT_EQ(benefits.segments[0].source, root / "media/benefits.mp4");
  EXPECT_EQ(benefits.segments[0].start_s, 2.0);
  EXPECT_EQ(benefits.segments[0].end_s, 32.0);
  EXPECT_EQ(benefits.segments[0].transition.kind, TransitionKind::kCut);
  EXPECT_EQ(benefits.reframe, ReframeMode::kSmartCrop);
  EXPECT_FALSE(benefits.captions_none);
  EXPECT_EQ(benefits.captions.at("vi"), root / "subs/benefits.vi.srt");
  EXPECT_EQ(benefits.captions.at("en"), root / "subs/benefits.en.vtt");
  EXPECT_EQ(benefits.captions.at("km"), root / "subs/benefits.km.srt");
  EXPECT_EQ(benefits.title.at("vi"), "Bảo hiểm xã hội tự nguyện");
  EXPECT_EQ(benefits.title.at("km"), "ធានារ៉ាប់រង");
  EXPECT_DOUBLE_EQ(benefits.title_duration_s, 5.0);
  EXPECT_FALSE(benefits.use_bumpers);

  const Clip& script = c.clips[1];
  EXPECT_EQ(script.id, "pension-explainer");
  EXPECT_EQ(script.reframe, ReframeMode::kFitBlur);
  EXPECT_TRUE(script.use_bumpers);
  EXPECT_DOUBLE_EQ(script.title_duration_s, 3.5);  // the campaign's default
  EXPECT_DOUBLE_EQ(script.voiceover_duck_db, -18.0);
  EXPECT_DOUBLE_EQ(benefits.voiceover_duck_db, -12.0);  // the default
  ASSERT_EQ(script.segments.size(), 5u);
  const Segment& interview = script.segments[0];
  EXPECT_EQ(interview.kind, Segment::Kind::kMedia);
  EXPECT_EQ(interview.source, root / "media/interview.mp4");
  EXPECT_EQ(interview.start_s, 3.0);
  EXPECT_EQ(interview.end_s, 11.0);
  EXPECT_EQ(interview.line, line_of(yaml, "{source: media/interview.mp4"));
  EXPECT_FALSE(interview.reframe.has_value());
  const Segment& card = script.segments[1];
  EXPECT_EQ(card.kind, Segment::Kind::kCard);
  EXPECT_EQ(card.card_text.at("vi"), "Lương hưu từ 60 tuổi");
  EXPECT_EQ(card.card_text.at("en"), "Pension from age 60");
  EXPECT_DOUBLE_EQ(card.duration_s, 2.5);
  EXPECT_EQ(card.background, "#123456");
  const Segment& post = script.segments[2];
  EXPECT_EQ(post.transition.kind, TransitionKind::kCrossfade);
  EXPECT_DOUBLE_EQ(post.transition.duration_s, 0.5);
  EXPECT_EQ(post.reframe, ReframeMode::kCropCenter);
  EXPECT_EQ(post.start_s, 0.0);
  const Segment& book = script.segments[3];
  EXPECT_EQ(book.kind, Segment::Kind::kImage);
  EXPECT_EQ(book.source, root / "media/book.jpg");
  EXPECT_DOUBLE_EQ(book.duration_s, 3.0);
  EXPECT_EQ(book.motion, MotionKind::kZoomIn);
  EXPECT_EQ(book.transition.kind, TransitionKind::kFadeBlack);
  EXPECT_DOUBLE_EQ(book.transition.duration_s, 0.4);
  EXPECT_EQ(script.segments[4].background, "#0D47A1");  // brand primary is the default card background
  EXPECT_EQ(script.segments[4].transition.kind, TransitionKind::kCut);
  EXPECT_EQ(script.voiceover.at("vi"), root / "vo/pension.vi.wav");
  EXPECT_EQ(script.voiceover.count("km"), 0u);
  EXPECT_EQ(script.captions.at("km"), root / "subs/pension.km.ass");

  const Clip& teaser = c.clips[2];
  EXPECT_TRUE(teaser.captions_none);
  EXPECT_TRUE(teaser.captions.empty());
  EXPECT_FALSE(teaser.segments[0].start_s.has_value());
  EXPECT_FALSE(teaser.segments[0].end_s.has_value());
}

TEST_F(CampaignLoader, DefaultsWhenOptionalKeysAreLeftOut) {
  const Campaign c = load(kBase);
  EXPECT_FALSE(c.encode.x264_preset.has_value());
  EXPECT_FALSE(c.encode.crf.has_value());
  EXPECT_FALSE(c.sidecar_captions);
  EXPECT_TRUE(c.brand.logo.empty());
  EXPECT_FALSE(c.brand.music.has_value());
  EXPECT_EQ(c.brand.logo_position, LogoPosition::kTopRight);
  ASSERT_EQ(c.clips.size(), 1u);
  EXPECT_DOUBLE_EQ(c.clips[0].title_duration_s, 4.0);
  EXPECT_EQ(c.clips[0].reframe, ReframeMode::kFitBlur);
  EXPECT_TRUE(c.clips[0].use_bumpers);
}

TEST_F(CampaignLoader, BrandFromAFileResolvesPathsRelativeToTheBrandFile) {
  write_text(dir_ / "kit/brand.yaml", R"(logo: art/logo.png
logo_position: top-left
colours: {primary: "#112233"}
captions: {colour: primary, fonts: {km: Noto Sans Khmer}}
)");
  write_text(dir_ / "kit/art/logo.png", "png");
  const Campaign c = load(replace(kBase, "clips:\n", "brand: kit/brand.yaml\nclips:\n"));
  const fs::path root = fs::absolute(dir_.path()).lexically_normal();
  EXPECT_EQ(c.brand.source_file, root / "kit/brand.yaml");
  EXPECT_EQ(c.brand.logo, root / "kit/art/logo.png");
  EXPECT_EQ(c.brand.logo_position, LogoPosition::kTopLeft);
  EXPECT_EQ(c.brand.caption_style.primary_colour, "#112233");
  EXPECT_EQ(c.brand.fonts_by_language.at("km"), "Noto Sans Khmer");

  const Brand alone = load_brand(dir_ / "kit/brand.yaml");
  EXPECT_EQ(alone.logo, c.brand.logo);
  EXPECT_EQ(alone.source_file, c.brand.source_file);
}

TEST_F(CampaignLoader, ErrorsInABrandFileNameTheBrandFileAndLine) {
  const std::string brand = "logo: logo.png\nlogo_size: 0.2\n";
  write_text(dir_ / "kit/brand.yaml", brand);
  write_text(dir_ / "kit/logo.png", "png");
  try {
    load(replace(kBase, "clips:\n", "brand: kit/brand.yaml\nclips:\n"));
    ADD_FAILURE() << "loaded a brand file with an unknown key";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_THAT(e.what(), HasSubstr("kit/brand.yaml:2: unknown key 'logo_size' in brand"));
    EXPECT_THAT(e.what(), HasSubstr("known keys: logo, logo_position, logo_width"));
  }
  // A logo path relative to the brand file, not the campaign.
  write_text(dir_ / "kit/brand.yaml", "logo: brand/logo.png\n");
  try {
    load_brand(dir_ / "kit/brand.yaml");
    ADD_FAILURE() << "resolved a brand path against the wrong folder";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("brand.yaml:1: brand: file not found: brand/logo.png"));
    EXPECT_THAT(e.what(), HasSubstr("paths are relative to the brand file"));
  }
  const std::string yaml = replace(kBase, "clips:\n", "brand: kit/missing.yaml\nclips:\n");
  expect_error(yaml, "brand: kit/missing.yaml", {"file not found: kit/missing.yaml"});
}

TEST_F(CampaignLoader, LanguageTagsAreCanonicalisedAndMatched) {
  const std::string yaml = R"(name: x
languages: [VI, zh-hant-tw]
platforms: [tiktok]
clips:
  - id: a
    source: media/benefits.mp4
    captions: {vi: subs/benefits.vi.srt, ZH-Hant-tw: subs/benefits.en.vtt}
)";
  const Campaign c = load(yaml);
  EXPECT_EQ(c.languages, (std::vector<std::string>{"vi", "zh-Hant-TW"}));
  EXPECT_EQ(c.clips[0].captions.count("zh-Hant-TW"), 1u);
}

TEST_F(CampaignLoader, YamlSyntaxErrorNamesFileAndLine) {
  const std::string yaml =
      replace(kBase, "platforms: [tiktok, youtube-shorts]", "platforms: [tiktok, youtube-shorts");
  try {
    load(yaml);
    ADD_FAILURE() << "loaded broken YAML";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_THAT(e.what(), HasSubstr("campaign.yaml:"));
    EXPECT_THAT(e.what(), HasSubstr("YAML syntax error"));
  }
  // A tab-indented or badly indented key: the line of the problem is reported.
  const std::string bad_indent = replace(kBase, "    start: 2.0", "   start: 2.0");
  expect_error(bad_indent, "   start: 2.0", {"YAML syntax error"});
}

TEST_F(CampaignLoader, UnknownKeysAreErrorsWithTheKnownKeys) {
  expect_error(
      replace(kBase, "    source: media", "    sourse: media"), "sourse:",
      {"unknown key 'sourse' in clip 'benefits'", "did you mean 'source'?", "known keys: id, source"});
  expect_error(replace(kBase, "platforms:", "platform: [tiktok]\nplatforms:"), "platform:",
               {"unknown key 'platform' in the campaign file", "known keys: name, languages, platforms"});
  expect_error(replace(kBase, "clips:\n", "brand: {logo: brand/logo.png, logo_size: 2}\nclips:\n"),
               "brand:", {"unknown key 'logo_size' in brand", "known keys: logo"});
  expect_error(replace(kBase, "clips:\n", "encode: {preset: fast, qp: 2}\nclips:\n"),
               "encode:", {"unknown key 'qp' in encode", "known keys: preset, crf, threads"});
  expect_error(replace(kBase, "    end: 32.0\n", "    end: 32.0\n    end: 33.0\n"), "end: 33.0",
               {"key 'end' appears twice in clip 'benefits'"});
}

TEST_F(CampaignLoader, OneFilePerShapeIsAFlagOffByDefault) {
  EXPECT_FALSE(load(kBase).one_file_per_shape);
  EXPECT_TRUE(load(replace(kBase, "clips:\n", "one_file_per_shape: true\nclips:\n")).one_file_per_shape);
  EXPECT_FALSE(load(replace(kBase, "clips:\n", "one_file_per_shape: false\nclips:\n")).one_file_per_shape);
  expect_error(replace(kBase, "clips:\n", "one_file_per_shape: yes please\nclips:\n"), "one_file_per_shape",
               {"'one_file_per_shape' must be true or false"});
  expect_error(replace(kBase, "clips:\n", "one_file_per_shapes: true\nclips:\n"), "one_file_per_shapes",
               {"unknown key 'one_file_per_shapes'", "one_file_per_shape"});
}

TEST_F(CampaignLoader, WrongTypesAreNamed) {
  expect_error(replace(kBase, "start: 2.0", "start: two"), "start: two",
               {"clip 'benefits': 'start' must be a number of seconds"});
  expect_error(replace(kBase, "end: 32.0", "end: [1, 2]"), "end: [1, 2]",
               {"'end' must be a number of seconds"});
  expect_error(replace(kBase, "languages: [vi, en, km]", "languages: vi"), "languages: vi",
               {"'languages' must be a non-empty list"});
  expect_error(replace(kBase, "languages: [vi, en, km]", "languages: []"), "languages: []",
               {"'languages' must be a non-empty list"});
  expect_error(replace(kBase, "clips:\n", "sidecar_captions: maybe\nclips:\n"), "sidecar_captions",
               {"'sidecar_captions' must be true or false"});
  expect_error(replace(kBase, "    end: 32.0\n", "    end: 32.0\n    bumpers: 1\n"), "bumpers",
               {"'bumpers' must be true or false"});
  expect_error(replace(kBase, "    end: 32.0\n", "    end: 32.0\n    reframe: stretch\n"), "reframe",
               {"'reframe' is 'stretch'", "fit-blur, fit-pad, crop-center, smart-crop"});
  expect_error(replace(kBase, "  - id: benefits\n", "  - just-a-name\n  - id: benefits\n"), "just-a-name",
               {"clip 1 must be a map of keys"});
}

TEST_F(CampaignLoader, VoiceoverDuckIsALevelInRangeForAClipWithAVoice) {
  const std::string with_voice =
      replace(kBase, "    end: 32.0\n",
              "    end: 32.0\n    voiceover: {vi: subs/benefits.vi.srt}\n    voiceover_duck: -50\n");
  expect_error(with_voice, "voiceover_duck: -50",
               {"'voiceover_duck' is -50, outside -40..0", "voiceover_duck: -12"});
  expect_error(replace(with_voice, "-50", "loud"), "voiceover_duck: loud",
               {"'voiceover_duck' must be a level change in dB"});
  expect_error(replace(kBase, "    end: 32.0\n", "    end: 32.0\n    voiceover_duck: -6\n"),
               "voiceover_duck: -6", {"'voiceover_duck' is set but the clip has no voiceover"});
}

TEST_F(CampaignLoader, MissingRequiredKeys) {
  expect_error(replace(kBase, "name: may-voluntary-si\n", "# no name\n"),
               "languages:", {"missing required key 'name'"});
  expect_error(replace(kBase, "platforms: [tiktok, youtube-shorts]\n", ""),
               "name:", {"missing required key 'platforms'"});
  expect_error("name: x\nlanguages: [vi]\nplatforms: [tiktok]\n", "name:", {"missing required key 'clips'"});
  expect_error(replace(kBase, "  - id: benefits\n    source", "  - source"), "- source",
               {"clip 1: missing required key 'id'"});
  expect_error(replace(kBase, "    source: media/benefits.mp4\n", ""), "- id: benefits",
               {"clip 'benefits': missing required key 'source' (or 'segments')"});
  expect_error(replace(kBase, "    source: media/benefits.mp4\n", "    source:\n"),
               "    source:", {"clip 'benefits': 'source' has no value"});
  expect_error(replace(kBase, "en: subs/benefits.en.vtt", "en: "),
               "captions:", {"'captions: en' has no value"});
  expect_error(replace(kBase, "media/benefits.mp4", "\"  \""), "source:", {"'source' is empty"});
}

TEST_F(CampaignLoader, MissingFilesAreNamedRelativeToTheCampaign) {
  expect_error(replace(kBase, "media/benefits.mp4", "media/x.mp4"), "media/x.mp4",
               {"clip 'benefits': file not found: media/x.mp4", "paths are relative to the campaign file"});
  expect_error(replace(kBase, "subs/benefits.km.srt", "subs/benefits.kh.srt"),
               "captions:", {"file not found: subs/benefits.kh.srt"});
  expect_error(replace(kBase, "media/benefits.mp4", "media/folder.mp4"), "media/folder.mp4",
               {"not a regular file: media/folder.mp4"});
  expect_error(replace(kBase, "clips:\n", "brand: {logo: brand/missing.png}\nclips:\n"),
               "brand:", {"brand: file not found: brand/missing.png"});
  try {
    load_campaign(dir_ / "nope.yaml", presets_);
    ADD_FAILURE() << "loaded a campaign that does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_THAT(e.what(), HasSubstr("nope.yaml: file not found"));
  }
}

TEST_F(CampaignLoader, PlatformsMustBeKnownPresets) {
  expect_error(
      replace(kBase, "[tiktok, youtube-shorts]", "[tiktok,\n  tiktk]"), "tiktk]",
      {"unknown platform 'tiktk'", "known platforms: ", "facebook-feed", "tiktok", "youtube-shorts"});
  expect_error(replace(kBase, "[tiktok, youtube-shorts]", "[tiktok, tiktok]"),
               "platforms:", {"platform 'tiktok' is listed twice"});
}

TEST_F(CampaignLoader, IdsNamesAndLanguagesAreChecked) {
  expect_error(replace(kBase, "id: benefits", "id: ../x"), "id: ../x", {"bad clip id '../x'"});
  expect_error(replace(kBase, "id: benefits", "id: -x"), "id: -x", {"bad clip id '-x'"});
  expect_error(replace(kBase, "id: benefits", "id: Benefits"), "id: Benefits", {"bad clip id 'Benefits'"});
  expect_error(replace(kBase, "name: may-voluntary-si", "name: May Campaign"),
               "name:", {"bad campaign name 'May Campaign'"});
  expect_error(replace(kBase, "name: may-voluntary-si", "name: ../../etc"), "name:", {"bad campaign name"});
  const std::string twice = kBase + R"(  - id: benefits
    source: media/interview.mp4
    captions: none
)";
  expect_error(twice, "  - id: benefits\n    source: media/interview",
               {"duplicate clip id 'benefits'", "first used on line 5"});
  expect_error(replace(kBase, "[vi, en, km]", "[vi, en, vi]"),
               "languages:", {"language 'vi' is listed twice"});
  expect_error(replace(kBase, "[vi, en, km]", "[vi, english]"),
               "languages:", {"'english' is not a language tag"});
}

TEST_F(CampaignLoader, EncodeOverrideIsValidated) {
  expect_error(replace(kBase, "clips:\n", "encode: {preset: turbo}\nclips:\n"),
               "encode:", {"encode: 'turbo' is not an x264 preset", "ultrafast"});
  expect_error(replace(kBase, "clips:\n", "encode:\n  crf: 60\nclips:\n"), "crf: 60",
               {"'crf' is 60, outside 0..51"});
  expect_error(replace(kBase, "clips:\n", "encode:\n  crf: 20.5\nclips:\n"), "crf: 20.5",
               {"'crf' must be a whole number"});
}

TEST_F(CampaignLoader, TrimTimesAreChecked) {
  expect_error(replace(kBase, "start: 2.0", "start: -1"), "start: -1",
               {"'start' is -1 s, before the beginning"});
  expect_error(replace(kBase, "end: 32.0", "end: 2.0"), "end: 2.0",
               {"'end' (2 s) must be after 'start' (2 s)"});
  expect_error(replace(kBase, "start: 2.0", "start: .nan"),
               "start:", {"'start' must be a number of seconds"});
}

TEST_F(CampaignLoader, EveryLanguageNeedsCaptionsUnlessNone) {
  expect_error(replace(kBase, ", km: subs/benefits.km.srt", ""),
               "captions:", {"clip 'benefits': no captions for 'km'", "captions: none"});
  const std::string no_captions = replace(
      kBase, "    captions: {vi: subs/benefits.vi.srt, en: subs/benefits.en.vtt, km: subs/benefits.km.srt}\n",
      "");
  expect_error(no_captions, "- id: benefits", {"clip 'benefits': no captions for 'vi'"});
  expect_error(
      replace(kBase, "km: subs/benefits.km.srt", "km: subs/benefits.km.srt, fr: subs/benefits.en.vtt"),
      "captions:", {"entry for 'fr', which is not in the campaign's languages (vi, en, km)"});
  expect_error(replace(kBase, "km: subs/benefits.km.srt", "km: media/notes.txt"),
               "captions:", {"captions for 'km' are not a subtitle file: media/notes.txt"});
  expect_error(
      replace(kBase, "{vi: subs/benefits.vi.srt, en: subs/benefits.en.vtt, km: subs/benefits.km.srt}",
              "nothing"),
      "captions:", {"'captions' must be a map of language -> value"});
  const Campaign c = load(replace(
      kBase, "{vi: subs/benefits.vi.srt, en: subs/benefits.en.vtt, km: subs/benefits.km.srt}", "none"));
  EXPECT_TRUE(c.clips[0].captions_none);
}

TEST_F(CampaignLoader, CaptionsNoneForOneLanguageAndCaptionsEncoding) {
  const Campaign c = load(replace(kBase, "km: subs/benefits.km.srt", "km: none"));
  EXPECT_FALSE(c.clips[0].captions_none);
  EXPECT_EQ(c.clips[0].captions.count("km"), 0u);
  EXPECT_EQ(c.clips[0].captions_none_for.count("km"), 1u);
  EXPECT_EQ(c.clips[0].captions.count("vi"), 1u);

  const std::string captions_line =
      "    captions: {vi: subs/benefits.vi.srt, en: subs/benefits.en.vtt, km: subs/benefits.km.srt}\n";
  const Campaign all =
      load(replace(kBase, captions_line, captions_line + "    captions_encoding: windows-1258\n"));
  EXPECT_EQ(all.clips[0].captions_encoding.at("vi"), "windows-1258");
  EXPECT_EQ(all.clips[0].captions_encoding.at("km"), "windows-1258");
  const Campaign one =
      load(replace(kBase, captions_line, captions_line + "    captions_encoding: {vi: CP1258}\n"));
  EXPECT_EQ(one.clips[0].captions_encoding.size(), 1u);
  EXPECT_EQ(one.clips[0].captions_encoding.at("vi"), "CP1258");
  const std::string bad = replace(kBase, captions_line, captions_line + "    captions_encoding: klingon-8\n");
  expect_error(bad, "captions_encoding:", {"unknown encoding: klingon-8", "windows-1258"});
  expect_error(replace(kBase, captions_line, captions_line + "    captions_encoding: {fr: windows-1258}\n"),
               "captions_encoding:", {"entry for 'fr'"});
}

TEST_F(CampaignLoader, TitlesAndVoiceoversFollowTheLanguages) {
  expect_error(replace(kBase, "    start: 2.0\n", "    start: 2.0\n    title: {vi: a, en: b}\n"),
               "title:", {"clip 'benefits': title has no text for 'km'"});
  expect_error(replace(kBase, "    start: 2.0\n", "    start: 2.0\n    voiceover: {th: vo/pension.vi.wav}\n"),
               "voiceover:", {"entry for 'th', which is not in the campaign's languages"});
  expect_error(replace(kBase, "    start: 2.0\n", "    start: 2.0\n    voiceover: {vi: vo/missing.wav}\n"),
               "voiceover:", {"file not found: vo/missing.wav"});
  expect_error(replace(kBase, "    start: 2.0\n", "    start: 2.0\n    title_duration: 0\n"),
               "title_duration", {"'title_duration' is 0 s"});
}

// A scripted clip; error tests change one of its lines.
const std::string kScript = R"(name: script
languages: [vi, en, km]
platforms: [tiktok]
clips:
  - id: pension
    captions: none
    segments:
      - {source: media/interview.mp4, start: 3.0, end: 11.0}
      - {card: {vi: a, en: b, km: c}, duration: 2.5}
      - {source: media/post-office.mp4, start: 0, end: 6.0, transition: {crossfade: 0.5}}
      - {image: media/book.jpg, duration: 3.0, motion: zoom-in, transition: {fade-black: 0.4}}
)";

TEST_F(CampaignLoader, ScriptedClipIsValid) {
  const Campaign c = load(kScript);
  ASSERT_EQ(c.clips[0].segments.size(), 4u);
  EXPECT_EQ(c.clips[0].segments[1].background, "#0D47A1");  // no brand: the built-in default
  EXPECT_EQ(c.clips[0].segments[3].line, line_of(kScript, "{image:"));
}

TEST_F(CampaignLoader, SegmentErrorsNameClipAndSegment) {
  expect_error(replace(kScript, "{vi: a, en: b, km: c}", "{vi: a, en: b}"),
               "{card:", {"clip 'pension' segment 2: card has no text for 'km'"});
  expect_error(replace(kScript, "{vi: a, en: b, km: c}", "{vi: a, en: b, km: c, fr: d}"),
               "{card:", {"segment 2: 'card' has an entry for 'fr'"});
  expect_error(
      replace(kScript, "start: 3.0, end: 11.0}", "start: 3.0, end: 11.0, transition: {crossfade: 0.5}}"),
      "{source: media/interview",
      {"clip 'pension' segment 1: the first segment cannot enter with a crossfade"});
  expect_error(replace(kScript, "{crossfade: 0.5}", "{crossfade: 0.5, fade-black: 0.5}"), "{crossfade",
               {"segment 3: a transition has exactly one kind"});
  expect_error(replace(kScript, "{crossfade: 0.5}", "{wipe: 0.5}"), "{wipe",
               {"unknown key 'wipe' in clip 'pension' segment 3", "known keys: cut, crossfade, fade-black"});
  expect_error(replace(kScript, "{crossfade: 0.5}", "{crossfade: 3}"), "{crossfade: 3}",
               {"segment 3: crossfade of 3 s is longer than segment 2 (2.5 s)"});
  expect_error(replace(kScript, "{fade-black: 0.4}", "{fade-black: 4}"),
               "{image:", {"segment 4: fade-black of 4 s is longer than the segment itself (3 s)"});
  expect_error(replace(kScript, "{crossfade: 0.5}", "{crossfade: 0}"), "{crossfade: 0}",
               {"'crossfade' is 0 s; it must be more than 0"});
  expect_error(replace(kScript, "{crossfade: 0.5}", "{cut: 1}"), "{cut: 1}", {"a cut has no duration"});
  expect_error(replace(kScript, "duration: 2.5}", "duration: 2.5, start: 1}"), "{card:",
               {"segment 2: 'start' does not apply to a card",
                "a card takes: card, duration, background, transition"});
  expect_error(
      replace(kScript, "{card: {vi: a, en: b, km: c}, duration: 2.5}", "{card: {vi: a, en: b, km: c}}"),
      "{card:", {"segment 2: missing required key 'duration'"});
  expect_error(replace(kScript, "motion: zoom-in", "motion: spin"), "motion: spin",
               {"segment 4: 'motion' is 'spin'"});
  expect_error(replace(kScript, "media/book.jpg", "media/book.png"),
               "{image:", {"segment 4: file not found: media/book.png"});
  expect_error(replace(kScript, "duration: 2.5}", "duration: 2.5, background: blue}"),
               "{card:", {"segment 2: 'background' is not a colour", "#RRGGBB"});
  expect_error(replace(kScript, "{source: media/post-office.mp4",
                       "{image: media/book.jpg, source: media/post-office.mp4"),
               "{image: media/book.jpg, source",
               {"segment 3: a segment has only one of 'source', 'card' or 'image'"});
  expect_error(replace(kScript, "{source: media/post-office.mp4, start: 0, end: 6.0, ", "{"),
               "{transition:", {"segment 3: a segment needs one of 'source', 'card' or 'image'"});
  expect_error(
      replace(kScript, "    captions: none\n", "    captions: none\n    source: media/interview.mp4\n"),
      "      - {source: media/interview",
      {"clip 'pension': a clip has either 'source' or 'segments', not both"});
  expect_error(replace(kScript, "    captions: none\n", "    captions: none\n    start: 1\n"), "start: 1",
               {"'start' belongs in each segment"});
  expect_error(
      "name: s\nlanguages: [vi]\nplatforms: [tiktok]\nclips:\n  - id: a\n    captions: none\n    segments: "
      "[]\n",
      "segments:", {"'segments' must be a non-empty list"});
}

TEST_F(CampaignLoader, TransitionsMustFitBetweenBothNeighbours) {
  // Segment 2 (2.5 s) is entered with 1.5 s and left with 1.5 s: 3 s of transitions in 2.5 s.
  const std::string yaml = replace(replace(kScript, "{crossfade: 0.5}", "{crossfade: 1.5}"), "duration: 2.5}",
                                   "duration: 2.5, transition: {fade-black: 1.5}}");
  expect_error(yaml, "{card:",
               {"segment 2: its transitions in (1.5 s) and out (1.5 s) add up to more than its 2.5 s"});
}

TEST_F(CampaignLoader, WordHighlightTakesABrandColourNameAndWordFiles) {
  write_text(dir_ / "subs/benefits.en.words.json", "[{\"text\": \"Hi\", \"startMs\": 0, \"endMs\": 500}]\n");
  const Campaign c =
      load(replace(replace(kBase, "clips:\n",
                           "brand:\n  colours: {accent: \"#FFC107\"}\n  captions: {animation: "
                           "word-highlight, highlight_colour: accent, highlight_box: true}\nclips:\n"),
                   "subs/benefits.en.vtt", "subs/benefits.en.words.json"));
  EXPECT_EQ(c.brand.caption_style.animation, CaptionStyle::Animation::kWordHighlight);
  EXPECT_EQ(c.brand.caption_style.highlight_colour, "#FFC107");
  EXPECT_TRUE(c.brand.caption_style.highlight_box);
  EXPECT_EQ(c.clips.at(0).captions.at("en").filename(), "benefits.en.words.json");
  EXPECT_EQ(load(kBase).brand.caption_style.animation, CaptionStyle::Animation::kNone);
}

TEST_F(CampaignLoader, BrandValuesAreChecked) {
  const auto with_brand = [](const std::string& brand) {
    return replace(kBase, "clips:\n", "brand:\n" + brand + "clips:\n");
  };
  expect_error(with_brand("  logo_position: middle\n"), "logo_position",
               {"brand: 'logo_position' is 'middle'", "top-left"});
  expect_error(with_brand("  logo_width: 0.9\n"), "logo_width", {"'logo_width' is 0.9, outside 0.02..0.5"});
  expect_error(with_brand("  logo_opacity: 2\n"), "logo_opacity", {"'logo_opacity' is 2, outside 0..1"});
  expect_error(with_brand("  colours: {primary: red}\n"), "colours", {"'colours: primary' is not a colour"});
  expect_error(with_brand("  colours:\n    primary: #0D47A1\n"),
               "primary:", {"'colours: primary' has no value", "quote values that start with '#'"});
  expect_error(with_brand("  captions:\n    size: 0.5\n"), "size: 0.5",
               {"brand captions: 'size' is 0.5, outside 0.01..0.2"});
  expect_error(with_brand("  captions:\n    max_lines: 4\n"), "max_lines",
               {"'max_lines' is 4, outside 1..3"});
  expect_error(with_brand("  captions:\n    box_colour: \"#00000\"\n"), "box_colour",
               {"'box_colour' is not a colour"});
  expect_error(with_brand("  captions:\n    colour: accent\n"), "colour: accent",
               {"'colour' is not a colour"});
  expect_error(with_brand("  captions:\n    fonts: {khmer: Noto Sans Khmer}\n"), "fonts",
               {"'khmer' in 'fonts' is not a language tag"});
  expect_error(with_brand("  captions:\n    animation: karaoke\n"), "animation",
               {"brand captions: 'animation' is 'karaoke'", "none, word-highlight"});
  expect_error(with_brand("  colours: {accent: \"#FFC107\"}\n  captions:\n    highlight_colour: accnt\n"),
               "highlight_colour", {"'highlight_colour' is not a colour", "accent"});
  expect_error(with_brand("  captions:\n    highlight_box: maybe\n"), "highlight_box",
               {"'highlight_box' must be true or false"});
  expect_error(with_brand("  captions:\n    weight: 700\n"), "weight",
               {"unknown key 'weight' in brand captions"});
  expect_error(with_brand("  music: {level_db: -20}\n"), "music",
               {"brand music: missing required key 'file'"});
  expect_error(with_brand("  music: {file: brand/bed.wav, level_db: 6}\n"), "music",
               {"'level_db' is 6, outside -60..0"});
  expect_error(with_brand("  intro: brand/nothing.mp4\n"), "intro", {"file not found: brand/nothing.mp4"});
  expect_error(replace(kBase, "clips:\n", "brand: [a, b]\nclips:\n"),
               "brand:", {"'brand' must be a map or the path of a brand file"});
}

TEST_F(CampaignLoader, DocumentShapeErrors) {
  expect_error("", "", {"the campaign file is empty"});
  expect_error("# only a comment\n", "#", {"the campaign file is empty"});
  expect_error("- a\n- b\n", "- a", {"the campaign file must be a map of keys"});
  expect_error(kBase + "---\nname: other\n", "---",
               {"unexpected content after the end of the campaign file"});
  // yaml-cpp 0.7's LoadAll never returns on these; the loader must.
  expect_error(",\n", ",", {"unexpected content after the end of the campaign file"});
  expect_error("name: x\n,\n", ",", {"YAML syntax error"});
  expect_error("- a\n,\n", ",", {"unexpected content after the end"});
}

TEST_F(CampaignLoader, MessagesQuoteHostileValuesSafely) {
  // Invalid UTF-8 and control characters are escaped; a long value is cut short.
  expect_error(replace(kBase, "name: may-voluntary-si", "name: \"a\\e\xff\""),
               "name:", {"bad campaign name 'a\\x1B\\xFF'"});
  const std::string long_name(5000, 'k');
  try {
    load(replace(kBase, "[tiktok, youtube-shorts]", "[tiktok, " + long_name + "]"));
    ADD_FAILURE() << "loaded an unknown platform";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown platform '" + std::string(80, 'k') + "...'"));
    EXPECT_LT(std::string(e.what()).size(), 600u);
  }
}

TEST_F(CampaignLoader, LimitsAreEnforced) {
  CampaignLimits small;
  small.max_file_bytes = 100;
  try {
    load(kBase, small);
    ADD_FAILURE() << "a file over the size limit was loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kLimit);
    EXPECT_THAT(e.what(), HasSubstr("campaign.yaml: the campaign file is"));
    EXPECT_THAT(e.what(), HasSubstr("more than the limit of 100 bytes"));
  }
  CampaignLimits few;
  few.max_clips = 2;
  std::string three = kBase;
  for (const char* id : {"b", "c"})
    three += std::string("  - id: ") + id + "\n    source: media/benefits.mp4\n    captions: none\n";
  expect_error(three, "  - id: benefits", {"the campaign has 3 clips, more than the limit of 2"},
               ErrorKind::kLimit, few);
  EXPECT_NO_THROW(load(three));

  CampaignLimits short_script;
  short_script.max_segments_per_clip = 3;
  expect_error(kScript, "      - {source: media/interview", {"4 segments, more than the limit of 3"},
               ErrorKind::kLimit, short_script);
}

// Nine levels of ten aliases: 10^9 leaves if anything walked the expanded tree.
std::string alias_bomb(const std::string& anchor_prefix) {
  std::string out = anchor_prefix + "0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int level = 1; level < 9; ++level) {
    const std::string prev = "*a" + std::to_string(level - 1);
    out += anchor_prefix + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) out += (i ? ", " : "") + prev;
    out += "]\n";
  }
  return out;
}

TEST_F(CampaignLoader, AliasBombIsRefusedQuickly) {
  const auto started = std::chrono::steady_clock::now();
  // The parser keeps aliases as shared nodes; the loader stops at the first unknown key.
  expect_error(alias_bomb("bomb") + kBase, "bomb0", {"unknown key 'bomb0' in the campaign file"});
  // An alias reused where the loader walks (languages, platforms, clips): refused at its first entry.
  const std::string reused =
      "name: x\nlanguages: &l [[vi, en], [vi, en], [vi, en]]\nplatforms: *l\nclips: *l\n";
  expect_error(reused, "languages:", {"each entry of 'languages' must be a name"});
  // The same clip aliased many times is refused as a duplicate id, not walked 2000 times.
  std::string many = replace(kBase, "  - id: benefits", "  - &c\n    id: benefits");
  many += "  - *c\n";
  // yaml-cpp gives an alias its anchor's marks, so the line is the anchored clip's.
  expect_error(many, "  - &c", {"duplicate clip id 'benefits': a YAML alias repeats this clip"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LT(seconds, 5.0);
}

TEST_F(CampaignLoader, DeepNestingIsASyntaxErrorNotACrash) {
  const std::string deep =
      "name: x\nlanguages: " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  expect_error(deep, "languages:", {"YAML syntax error"});
}

TEST(CampaignHelpers, ValidIds) {
  for (const char* ok : {"benefits", "a", "clip_2", "x-y-z", "0", "_x"}) EXPECT_TRUE(is_valid_id(ok)) << ok;
  for (const char* bad : {"", "../x", "-x", "A", "a b", "a/b", "a.b", "ä", "x\n"})
    EXPECT_FALSE(is_valid_id(bad)) << bad;
  EXPECT_TRUE(is_valid_id(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_id(std::string(65, 'a')));
}

TEST(CampaignHelpers, LanguageTags) {
  for (const char* ok :
       {"vi", "en", "km", "fil", "zh-Hant", "pt-BR", "es-419", "sr-Latn-RS", "de-CH-1996", "en-x-easy"}) {
    EXPECT_TRUE(is_valid_language_tag(ok)) << ok;
  }
  for (const char* bad :
       {"", "v", "english", "en_US", "en-", "-en", "en--US", "e1", "en-x", "vi/../x", "zh-Hant-"}) {
    EXPECT_FALSE(is_valid_language_tag(bad)) << bad;
  }
  EXPECT_EQ(canonical_language_tag("ZH-hant-tw"), "zh-Hant-TW");
  EXPECT_EQ(canonical_language_tag("PT-br"), "pt-BR");
  EXPECT_EQ(canonical_language_tag("es-419"), "es-419");
}

TEST(CampaignHelpers, EnumNames) {
  EXPECT_STREQ(to_string(ReframeMode::kFitBlur), "fit-blur");
  EXPECT_STREQ(to_string(ReframeMode::kSmartCrop), "smart-crop");
  EXPECT_STREQ(to_string(LogoPosition::kBottomRight), "bottom-right");
  EXPECT_STREQ(to_string(TransitionKind::kFadeBlack), "fade-black");
  EXPECT_STREQ(to_string(MotionKind::kPanLeft), "pan-left");
  EXPECT_STREQ(to_string(ReframeMode::kInvalid), "invalid");
}

}  // namespace
}  // namespace shortpack

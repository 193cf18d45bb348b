// Posts (issue 30): the campaign's `post:` keys read, resolved per platform, language and variant,
// counted in grapheme clusters, and every post over a platform's limit said in one run (exit 2).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/publish/posts.h"
#include "pipeline/spec/campaign.h"
#include "pipeline/spec/post.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::line_of;
using test::ScratchDir;
using test::write_text;
using ::testing::HasSubstr;

class PostKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "media/a.mp4", "the loader only checks that the file exists\n");
    write_text(dir_ / "regions.csv", "id,city\nhanoi,Hà Nội\nhue,Huế\n");
  }
  static const PresetCatalog& presets() {
    static const PresetCatalog catalog = PresetCatalog::load({});  // the built-in presets
    return catalog;
  }
  Campaign load(const std::string& yaml) {
    write_text(dir_ / "campaign.yaml", yaml);
    return load_campaign(dir_ / "campaign.yaml", presets());
  }
  std::string error_of(const std::string& yaml) {
    try {
      load(yaml);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "loaded without error";
    return {};
  }
  ScratchDir dir_{"posts"};
};

const std::string kHead =
    "name: spring\n"
    "languages: [vi, en, km]\n"
    "platforms: [tiktok, youtube]\n"
    "variants: regions.csv\n"
    "brand: {hashtags: [\"#shop\", sale]}\n"
    "clips:\n"
    "  - id: a\n"
    "    source: media/a.mp4\n"
    "    captions: none\n";

TEST(PostCount, GraphemeClustersAreCountedAsPlatformsCountThem) {
  EXPECT_EQ(grapheme_count(""), 0u);
  EXPECT_EQ(grapheme_count("abc"), 3u);
  EXPECT_EQ(grapheme_count("e\xCC\x81"), 1u);        // e + combining acute
  EXPECT_EQ(grapheme_count("Vi\xE1\xBB\x87t"), 4u);  // Việt (precomposed ệ)
  EXPECT_EQ(grapheme_count("\xE1\x9E\x9F\xE1\x9F\x92\xE1\x9E\x8F\xE1\x9F\x92\xE1\x9E\x9A\xE1\x9E\xB8"),
            3u);  // ស្ត្រី: COENG extends the consonant before it (UAX #29 as ICU 72 has it)
  EXPECT_EQ(grapheme_count("\xE1\x9E\x80\xE1\x9E\xB6"), 1u);          // កា: consonant + vowel sign
  EXPECT_EQ(grapheme_count("\xF0\x9F\x91\x8D\xF0\x9F\x8F\xBD"), 1u);  // thumbs up, skin tone
  EXPECT_EQ(first_graphemes("e\xCC\x81tude", 2), "e\xCC\x81t");
  EXPECT_EQ(first_graphemes("ab", 5), "ab");
}

TEST(PostTable, FieldsAreRfc4180AndLanguagesAreNamedAsThePlatformNamesThem) {
  EXPECT_EQ(csv_field(""), "\"\"");
  EXPECT_EQ(csv_field("Buy now, \"best\"\n\n#a"), "\"Buy now, \"\"best\"\"\n\n#a\"");
  const std::string row = csv_field("a,b") + "," + csv_field("say \"hi\"") + "\r\n";
  const CsvTable back = parse_csv("x,y\r\n" + row, "t.csv");  // the variants' RFC 4180 reader reads it back
  ASSERT_EQ(back.rows.size(), 1u);
  EXPECT_EQ(back.rows[0].cells, (std::vector<std::string>{"a,b", "say \"hi\""}));
  EXPECT_EQ(caption_language_name("pt-BR", "bcp47"), "pt-BR");
  EXPECT_EQ(caption_language_name("pt-BR", "iso639-1"), "pt");
  EXPECT_EQ(caption_language_name("km", "iso639-1"), "km");
  EXPECT_EQ(caption_language_name("fil", "iso639-1"), "fil");  // no two-letter code: the tag as is
}

TEST_F(PostKeys, KeysAreResolvedPerPlatformLanguageAndVariant) {
  const Campaign c =
      load(kHead +
           "    post:\n"
           "      title: {vi: \"Ưu đãi {{city}}\", en: \"Deals in {{city}}\", km: \"ការផ្តល់ជូន {{city}}\"}\n"
           "      text: {vi: \"Mua ngay\", en: \"Buy now in {{city}}\", km: \"ទិញឥឡូវ\"}\n"
           "      hashtags: {vi: [\"{{id}}\", shop], en: [deals], km: [deals]}\n"
           "      cover: {at: 2.5}\n"
           "      youtube: {title: {en: \"YouTube deals, {{city}}\"}, hashtags: [yt]}\n");
  ASSERT_EQ(c.clips.size(), 2u);
  const Clip& hue = c.clips[1];
  ASSERT_EQ(hue.variant, "hue");
  ASSERT_TRUE(hue.post);
  EXPECT_EQ(*hue.post->cover_at_s, 2.5);
  const ResolvedPost tiktok_en = *post_for(c, hue, "tiktok", "en");
  EXPECT_EQ(tiktok_en.title, "Deals in Huế");
  EXPECT_EQ(tiktok_en.text, "Buy now in Huế");
  EXPECT_EQ(tiktok_en.hashtags, (std::vector<std::string>{"deals", "shop", "sale"}));  // the brand's follow
  EXPECT_EQ(tiktok_en.text_with_hashtags(), "Buy now in Huế\n\n#deals #shop #sale");
  const ResolvedPost youtube_en = *post_for(c, hue, "youtube", "en");
  EXPECT_EQ(youtube_en.title, "YouTube deals, Huế");  // the platform's override
  EXPECT_EQ(youtube_en.text, "Buy now in Huế");       // the clip's, not overridden
  EXPECT_EQ(youtube_en.hashtags, (std::vector<std::string>{"yt", "shop", "sale"}));
  const ResolvedPost youtube_vi = *post_for(c, hue, "youtube", "vi");
  EXPECT_EQ(youtube_vi.title, "Ưu đãi Huế");  // the override has no vi: the clip's
  EXPECT_EQ(youtube_vi.hashtags, (std::vector<std::string>{"yt", "shop", "sale"}));
  EXPECT_EQ(post_for(c, c.clips[0], "tiktok", "vi")->hashtags,
            (std::vector<std::string>{"hanoi", "shop", "sale"}));  // "shop" once
  EXPECT_EQ(post_for(c, c.clips[0], "tiktok", "vi")->title, "Ưu đãi Hà Nội");
}

TEST_F(PostKeys, A101CharacterYouTubeTitleNamesFileLineAndTheLimit) {
  const std::string title(101, 'x');
  const std::string yaml = kHead +
                           "    post:\n"
                           "      title: {vi: \"a\", en: \"a\", km: \"a\"}\n"
                           "      text: {vi: \"a\", en: \"a\", km: \"a\"}\n"
                           "      youtube:\n"
                           "        title:\n"
                           "          en: \"" +
                           title + "\"\n";
  const std::string message = error_of(yaml);
  EXPECT_THAT(message, HasSubstr("campaign.yaml:" + std::to_string(line_of(yaml, "en: \"xxx")) + ": "));
  EXPECT_THAT(message, HasSubstr("101 characters, over YouTube's limit of 100"));
  // The same title in 100 characters loads: the limit is counted, not guessed.
  const std::string ok = kHead +
                         "    post:\n"
                         "      title: {vi: \"a\", en: \"a\", km: \"a\"}\n"
                         "      text: {vi: \"a\", en: \"a\", km: \"a\"}\n"
                         "      youtube: {title: {en: \"" +
                         std::string(100, 'x') + "\"}}\n";
  EXPECT_NO_THROW(load(ok));
}

TEST_F(PostKeys, ATitleOf100GraphemesWithCombiningMarksIsNotTooLong) {
  std::string title;
  for (int i = 0; i < 100; ++i) title += "e\xCC\x81";  // 200 code points, 100 characters
  EXPECT_NO_THROW(load(kHead +
                       "    post:\n"
                       "      title: {vi: \"" +
                       title +
                       "\", en: \"a\", km: \"a\"}\n"
                       "      text: {vi: \"a\", en: \"a\", km: \"a\"}\n"));
}

TEST_F(PostKeys, EveryProblemIsSaidInOneRun) {
  std::string tags;
  for (int i = 0; i < 60; ++i) tags += (i ? ", t" : "t") + std::to_string(i);
  const std::string yaml = kHead +
                           "    post:\n"
                           "      title: {vi: \"a\", en: \"a\"}\n"
                           "      text: {vi: \"" +
                           std::string(2190, 'y') +
                           "\", en: \"a\", km: \"a\"}\n"
                           "      hashtags: [" +
                           tags + "]\n";
  const std::string message = error_of(yaml);
  // km has no title for YouTube (the only platform with a title field) ...
  EXPECT_THAT(message, HasSubstr("campaign.yaml:" + std::to_string(line_of(yaml, "title: {vi")) +
                                 ": the post of clip 'a' (variant 'hanoi') has no km title for YouTube"));
  // ... the vi text with its 62 hashtags is over TikTok's 2200 ...
  EXPECT_THAT(message, HasSubstr("campaign.yaml:" + std::to_string(line_of(yaml, "text: {vi")) +
                                 ": the vi text of clip 'a' (variant 'hanoi') with its hashtags has"));
  EXPECT_THAT(message, HasSubstr("over TikTok's limit of 2200"));
  // ... and 62 hashtags (the brand's two included) are over YouTube's 60.
  EXPECT_THAT(message, HasSubstr("campaign.yaml:" + std::to_string(line_of(yaml, "hashtags: [t0")) +
                                 ": the vi post of clip 'a' (variant 'hanoi') has 62 hashtags"));
  EXPECT_THAT(message, HasSubstr("over YouTube's limit of 60"));
  EXPECT_THAT(message, HasSubstr("problems in the campaign:"));
  // Said once per line, platform and language, not once per variant with the same text.
  EXPECT_EQ(message.find("(variant 'hue') has no km title"), std::string::npos) << message;
}

TEST_F(PostKeys, StructuralMistakesNameTheirLine) {
  const std::string yaml = kHead +
                           "    post:\n"
                           "      title: {vi: \"a\", en: \"a\", km: \"a\"}\n"
                           "      youtbe: {title: {en: \"a\"}}\n";
  const std::string message = error_of(yaml);
  EXPECT_THAT(message, HasSubstr("campaign.yaml:" + std::to_string(line_of(yaml, "youtbe")) + ":"));
  EXPECT_THAT(message, HasSubstr("youtube"));  // did you mean
  const std::string two_words = kHead + "    post:\n      hashtags: [\"two words\"]\n";
  EXPECT_THAT(error_of(two_words), HasSubstr("is not one hashtag"));
  const std::string other_language = kHead + "    post:\n      title: {fr: \"a\"}\n";
  EXPECT_THAT(error_of(other_language), HasSubstr("not in the campaign's languages"));
}

TEST_F(PostKeys, PlatformLimitsArePresetDataWithTheirSources) {
  const Preset& youtube = presets().get("youtube");
  EXPECT_EQ(youtube.post.title_max_chars, 100);
  EXPECT_EQ(youtube.post.text_max_chars, 5000);
  EXPECT_EQ(youtube.post.hashtags_max, 60);
  EXPECT_EQ(youtube.post.cover_width_px, 1280);
  EXPECT_EQ(youtube.post.cover_height_px, 720);
  EXPECT_EQ(youtube.post.cover_max_bytes, 2000000);
  EXPECT_TRUE(youtube.post.caption_file);
  const Preset& tiktok = presets().get("tiktok");
  EXPECT_EQ(tiktok.post.cover_width_px, 1080);
  EXPECT_EQ(tiktok.post.cover_height_px, 1920);
  EXPECT_EQ(tiktok.post.text_max_chars, 2200);
  EXPECT_FALSE(tiktok.post.caption_file);
  for (const auto& [name, preset] : presets().all()) {
    EXPECT_GT(preset.post.text_max_chars, 0) << name << " states no text limit";
    EXPECT_GT(preset.post.cover_width_px, 0) << name << " has no cover size";
    // `presets show` writes the section, and it reads back the same.
    const fs::path again = fs::path(::testing::TempDir()) / (name + ".yaml");
    write_text(again, preset_to_yaml(preset));
    EXPECT_EQ(
        preset_to_yaml(load_preset_file(again)).substr(preset_to_yaml(load_preset_file(again)).find('\n')),
        preset_to_yaml(preset).substr(preset_to_yaml(preset).find('\n')));
  }
}

TEST_F(PostKeys, ACoverWithOneSideIsABadPreset) {
  write_text(dir_ / "p/bad.yaml",
             "label: Bad\nsize: {width_px: 1080, height_px: 1920}\nduration: {max_s: 60}\n"
             "post: {cover_width_px: 1080}\n");
  try {
    (void)load_preset_file(dir_ / "p/bad.yaml");
    ADD_FAILURE() << "loaded";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("bad.yaml:4: post needs cover_width_px and cover_height_px together"));
  }
}

}  // namespace
}  // namespace shortpack

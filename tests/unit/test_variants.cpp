// Variants (issue 17): the CSV reader, {{column}} placeholders, the loader's `variants:` key with
// every problem of a bad table in one error, the plan's names and fingerprints per row, and the
// digest cache that spares a re-run from re-reading unchanged files.
#include "pipeline/spec/variants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "filters/core/error.h"
#include "pipeline/base/digest_cache.h"
#include "pipeline/render/plan.h"
#include "pipeline/spec/campaign.h"
#include "support/error_of.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::write_text;
using ::testing::HasSubstr;
using ::testing::Not;

using test::error_of;

TEST(Csv, QuotedFieldsBomAndCrlf) {
  const CsvTable t = parse_csv(
      "\xEF\xBB\xBFid,hotline,office\r\nhanoi,\"024, 3946\",\"Số 1 \"\"Bà Triệu\"\"\"\r\n"
      "\r\nhue,0234,\"two\r\nlines\"\r\n",
      "regions.csv");
  ASSERT_EQ(t.header, (std::vector<std::string>{"id", "hotline", "office"}));
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].line, 2);
  EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"hanoi", "024, 3946", "Số 1 \"Bà Triệu\""}));
  EXPECT_EQ(t.rows[1].line, 4);  // the blank line 3 is skipped
  EXPECT_EQ(t.rows[1].cells[2], "two\r\nlines");
}

TEST(Csv, LastRowWithoutNewlineAndEmptyFields) {
  const CsvTable t = parse_csv("id,a,b\nx,,\ny,1,2", "t.csv");
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.rows[0].cells, (std::vector<std::string>{"x", "", ""}));
  EXPECT_EQ(t.rows[1].cells, (std::vector<std::string>{"y", "1", "2"}));
}

TEST(Csv, ErrorsNameFileAndLine) {
  EXPECT_THAT(error_of([] { parse_csv("id,a\nx,1\ny\n", "t.csv"); }),
              HasSubstr("t.csv:3: the row has 1 fields"));
  EXPECT_THAT(error_of([] { parse_csv("id,a\nx,\"open\n\n", "t.csv"); }),
              HasSubstr("t.csv:2: a quoted field is never closed"));
  EXPECT_THAT(error_of([] { parse_csv("id,a\nx,\"a\"b\n", "t.csv"); }),
              HasSubstr("t.csv:2: text after a closing quote"));
  EXPECT_THAT(error_of([] { parse_csv("id\n\xC3(\n", "t.csv"); }), HasSubstr("not UTF-8"));
  EXPECT_THAT(error_of([] { parse_csv("", "t.csv"); }), HasSubstr("no header row"));
}

TEST(Placeholders, AreFilledAndGapsAreNamedWithTheirLine) {
  std::vector<PlaceholderGap> gaps;
  const std::map<std::string, std::string> values{{"id", "hanoi"}, {"hotline", "024 3946"}, {"empty", ""}};
  EXPECT_EQ(expand_placeholders("Call {{hotline}} ({{ id }})", values, gaps), "Call 024 3946 (hanoi)");
  EXPECT_TRUE(gaps.empty());
  EXPECT_EQ(expand_placeholders("a\n{{nope}} {{empty}} {{nope}}", values, gaps),
            "a\n{{nope}} {{empty}} {{nope}}");
  ASSERT_EQ(gaps.size(), 2u);
  EXPECT_EQ(gaps[0].column, "nope");
  EXPECT_EQ(gaps[0].line, 2);
  EXPECT_TRUE(gaps[0].missing_column);
  EXPECT_EQ(gaps[1].column, "empty");
  EXPECT_FALSE(gaps[1].missing_column);
  gaps.clear();
  (void)expand_placeholders("{{bad name}} and {{unclosed", values, gaps);
  EXPECT_EQ(gaps.size(), 2u);
  EXPECT_EQ(expand_placeholders("no braces { here }", values, gaps), "no braces { here }");
}

class VariantCampaign : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(presets_dir_ / "tiktok.yaml",
               "label: TikTok\nsize: {width_px: 1080, height_px: 1920}\nduration: {max_s: 600}\n");
    write_text(presets_dir_ / "facebook-feed.yaml",
               "label: FB\nsize: {width_px: 1080, height_px: 1350}\nduration: {max_s: 600}\n");
    presets_ = PresetCatalog::load({presets_dir_.path()}, /*include_builtin=*/false);
    for (const char* rel :
         {"media/a.mp4", "subs/a.vi.srt", "subs/a.en.srt", "vo/hanoi.vi.wav", "vo/hue.vi.wav"}) {
      write_text(dir_ / rel, "not media\n");
    }
  }
  Campaign load(const std::string& csv, const std::string& clip_extra = "") {
    write_text(dir_ / "regions.csv", csv);
    write_text(dir_ / "campaign.yaml",
               "name: c\nlanguages: [vi, en]\nplatforms: [tiktok, facebook-feed]\n"
               "variants: regions.csv\nclips:\n  - id: a\n    source: media/a.mp4\n"
               "    captions: {vi: subs/a.vi.srt, en: subs/a.en.srt}\n"
               "    title: {vi: \"Gọi {{hotline}}\", en: \"Call {{hotline}}\"}\n" +
                   clip_extra);
    return load_campaign(dir_ / "campaign.yaml", presets_);
  }
  ScratchDir dir_{"variants"};
  ScratchDir presets_dir_{"variants-presets"};
  PresetCatalog presets_;
};

TEST_F(VariantCampaign, EachRowExpandsTheClip) {
  const Campaign c =
      load("id,hotline,platforms\nhanoi,024 3946,\"tiktok facebook-feed\"\nhue,0234 38,tiktok\n",
           "    voiceover: {vi: \"vo/{{id}}.vi.wav\"}\n");
  ASSERT_EQ(c.variants.size(), 2u);
  ASSERT_EQ(c.clips.size(), 2u);
  EXPECT_EQ(c.clips[0].variant, "hanoi");
  EXPECT_EQ(c.clips[0].title.at("vi"), "Gọi 024 3946");
  EXPECT_EQ(c.clips[1].title.at("en"), "Call 0234 38");
  EXPECT_EQ(c.clips[1].voiceover.at("vi"), dir_ / "vo/hue.vi.wav");
  EXPECT_EQ(c.variants[1].platforms, (std::vector<std::string>{"tiktok"}));
  EXPECT_EQ(c.variants[1].line, 3);

  const RenderPlan plan = make_plan(c, presets_, dir_ / "out");
  ASSERT_EQ(plan.units.size(), 6u);  // hanoi: 2 platforms x 2 languages, hue: tiktok x 2
  EXPECT_EQ(plan.units[0].output_path, dir_ / "out/c/a/a.hanoi.tiktok.vi.mp4");
  EXPECT_EQ(plan.units[5].output_path.filename(), "a.hue.tiktok.en.mp4");
  EXPECT_EQ(plan.units[5].variant, "hue");
  EXPECT_THAT(plan_to_json_lines(plan), HasSubstr("\"variant\":\"hue\""));
}

TEST_F(VariantCampaign, EditingOneRowChangesOnlyItsFingerprints) {
  const std::string table = "id,hotline,unused\nhanoi,024 3946,x\nhue,0234 38,y\n";
  const RenderPlan before = make_plan(load(table), presets_, dir_ / "out");
  const RenderPlan edited =
      make_plan(load("id,hotline,unused\nhanoi,024 3946,x\nhue,0234 99,y\n"), presets_, dir_ / "out");
  const RenderPlan unused =
      make_plan(load("id,hotline,unused\nhanoi,024 3946,changed\nhue,0234 38,y\n"), presets_, dir_ / "out");
  ASSERT_EQ(before.units.size(), 8u);
  for (size_t i = 0; i < before.units.size(); ++i) {
    const bool hue = before.units[i].variant == "hue";
    EXPECT_EQ(before.units[i].fingerprint != edited.units[i].fingerprint, hue) << i;
    EXPECT_EQ(before.units[i].fingerprint, unused.units[i].fingerprint) << "a column no text uses";
  }
}

TEST_F(VariantCampaign, ACaptionFilesColumnsAreInItsFingerprint) {
  write_text(dir_ / "subs/a.vi.srt", "1\n00:00:01,000 --> 00:00:02,000\nGọi {{office}}\n");
  const RenderPlan a = make_plan(load("id,hotline,office\nhanoi,1,Hà Nội\n"), presets_, dir_ / "out");
  const RenderPlan b = make_plan(load("id,hotline,office\nhanoi,1,Huế\n"), presets_, dir_ / "out");
  for (size_t i = 0; i < a.units.size(); ++i) {
    EXPECT_EQ(a.units[i].fingerprint != b.units[i].fingerprint, a.units[i].language == "vi") << i;
  }
}

TEST_F(VariantCampaign, ABadTableIsRefusedWithEveryProblemAndItsLine) {
  const std::string message = error_of(
      [&] { load("id,hotlin,platforms\nhanoi,1,tiktok\nhanoi,2,tiktok\nBad Id,3,tiktok\nhue,,youtube\n"); });
  EXPECT_THAT(message, HasSubstr("regions.csv:3: duplicate variant id 'hanoi' (first on line 2"));
  EXPECT_THAT(message, HasSubstr("regions.csv:4: bad variant id 'Bad Id'"));
  EXPECT_THAT(message, HasSubstr("regions.csv:5: variant 'hue': 'youtube' in 'platforms'"));
  EXPECT_THAT(
      message,
      HasSubstr("campaign.yaml:9: the title of clip 'a' (vi) uses {{hotline}}, but the variants table "));
  EXPECT_THAT(message, HasSubstr("regions.csv:1 has no column 'hotline' (did you mean 'hotlin'?"));
  EXPECT_THAT(message, HasSubstr("problems in the campaign's variants"));
}

TEST_F(VariantCampaign, AnEmptyValueNamesTheRowAndTheCampaignLine) {
  const std::string message = error_of([&] { load("id,hotline\nhanoi,1\nhue,\n"); });
  EXPECT_THAT(message, HasSubstr("regions.csv:3: variant 'hue' has an empty 'hotline', which "));
  EXPECT_THAT(message, HasSubstr("campaign.yaml:9 uses in the title of clip 'a' (en) (fill it in)"));
  EXPECT_THAT(message, Not(HasSubstr("'hanoi'")));
}

TEST_F(VariantCampaign, AFilledInPathMustExist) {
  const std::string message =
      error_of([&] { load("id,hotline\nhanoi,1\nhcm,2\n", "    voiceover: {vi: \"vo/{{id}}.vi.wav\"}\n"); });
  EXPECT_THAT(message,
              HasSubstr("campaign.yaml:10: the vi voiceover of clip 'a' for variant 'hcm': file not found"));
  EXPECT_THAT(message, HasSubstr("regions.csv:3"));
}

// {{column}} in a source or an image path: each row shows its own footage, and so has its own
// timeline (Campaign::timeline_key); a row whose file is missing is refused with both lines.
TEST_F(VariantCampaign, SourcesAndImagesTakePlaceholders) {
  for (const char* rel : {"media/hanoi.mp4", "media/hue.mp4", "art/hanoi.png", "art/hue.png"})
    write_text(dir_ / rel, "not media\n");
  write_text(dir_ / "regions.csv", "id\nhanoi\nhue\n");
  const auto campaign = [&](const std::string& segments) {
    write_text(dir_ / "campaign.yaml",
               "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nvariants: regions.csv\nclips:\n"
               "  - id: a\n    captions: none\n" +
                   segments);
  };
  campaign(
      "    source: \"media/{{id}}.mp4\"\n  - id: b\n    captions: none\n    segments:\n"
      "      - {source: media/a.mp4}\n      - {image: \"art/{{id}}.png\", duration: 2}\n");
  const Campaign c = load_campaign(dir_ / "campaign.yaml", presets_);
  ASSERT_EQ(c.clips.size(), 4u);
  EXPECT_EQ(c.clips[0].segments[0].source, dir_ / "media/hanoi.mp4");
  EXPECT_EQ(c.clips[1].segments[0].source, dir_ / "media/hue.mp4");
  EXPECT_EQ(c.clips[2].segments[1].source, dir_ / "art/hanoi.png");
  EXPECT_EQ(c.clips[3].segments[1].source, dir_ / "art/hue.png");
  EXPECT_NE(c.timeline_key(c.clips[0]), c.timeline_key(c.clips[1])) << "their own footage";
  EXPECT_NE(c.timeline_key(c.clips[2]), c.timeline_key(c.clips[3]));

  // Editing one row's footage changes only that row's fingerprints.
  const RenderPlan before = make_plan(c, presets_, dir_ / "out");
  write_text(dir_ / "media/hue.mp4", "other bytes\n");
  const RenderPlan after = make_plan(load_campaign(dir_ / "campaign.yaml", presets_), presets_, dir_ / "out");
  ASSERT_EQ(before.units.size(), after.units.size());
  for (size_t i = 0; i < before.units.size(); ++i) {
    const bool changed = before.units[i].clip_id == "a" && before.units[i].variant == "hue";
    EXPECT_EQ(before.units[i].fingerprint != after.units[i].fingerprint, changed) << i;
  }

  write_text(dir_ / "regions.csv", "id\nhanoi\nhcm\n");
  const std::string message = error_of([&] { load_campaign(dir_ / "campaign.yaml", presets_); });
  EXPECT_THAT(message,
              HasSubstr("campaign.yaml:8: the source of clip 'a' for variant 'hcm': file not found: " +
                        (dir_ / "media/hcm.mp4").string() + " (" + (dir_ / "regions.csv").string() +
                        ":3 fills in the path)"));
  EXPECT_THAT(message, HasSubstr("campaign.yaml:13: the image of clip 'b' segment 2 for variant 'hcm': file "
                                 "not found"));
  EXPECT_THAT(message, Not(HasSubstr("'hanoi'")));
}

TEST_F(VariantCampaign, InlineRowsAndNoTable) {
  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nvariants:\n"
             "  - {id: hanoi, hotline: \"024\"}\n  - {id: hue, hotline: \"0234\", languages: [vi]}\n"
             "clips:\n  - id: a\n    source: media/a.mp4\n    captions: none\n"
             "    title: {vi: \"Gọi {{hotline}}\"}\n");
  const Campaign c = load_campaign(dir_ / "campaign.yaml", presets_);
  ASSERT_EQ(c.clips.size(), 2u);
  EXPECT_EQ(c.clips[1].title.at("vi"), "Gọi 0234");
  EXPECT_EQ(c.variants[1].table_file, dir_ / "campaign.yaml");
  EXPECT_EQ(c.variants[1].line, 6);

  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nclips:\n  - id: a\n"
             "    source: media/a.mp4\n    captions: none\n    title: {vi: \"Gọi {{hotline}}\"}\n");
  EXPECT_THAT(
      error_of([&] { load_campaign(dir_ / "campaign.yaml", presets_); }),
      HasSubstr(
          "campaign.yaml:8: the title of clip 'a' (vi) uses {{hotline}}, but the campaign has no variants"));
}

TEST_F(VariantCampaign, AClipThatSaysVariantsFalseIsMadeOnce) {
  write_text(dir_ / "regions.csv", "id,hotline\nhanoi,1\nhue,2\n");
  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nvariants: regions.csv\nclips:\n"
             "  - id: same\n    source: media/a.mp4\n    captions: none\n    variants: false\n"
             "  - id: own\n    source: media/a.mp4\n    captions: none\n    title: {vi: \"{{hotline}}\"}\n");
  const Campaign c = load_campaign(dir_ / "campaign.yaml", presets_);
  const RenderPlan plan = make_plan(c, presets_, dir_ / "out");
  std::vector<std::string> names;
  for (const RenderUnit& u : plan.units) names.push_back(u.output_path.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"same.tiktok.vi.mp4", "own.hanoi.tiktok.vi.mp4",
                                             "own.hue.tiktok.vi.mp4"}));

  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nvariants: regions.csv\nclips:\n"
             "  - id: same\n    source: media/a.mp4\n    captions: none\n    variants: false\n"
             "    title: {vi: \"{{hotline}}\"}\n");
  EXPECT_THAT(error_of([&] { load_campaign(dir_ / "campaign.yaml", presets_); }),
              HasSubstr("campaign.yaml:10: the title of clip 'same' (vi) uses {{hotline}}, but the clip says "
                        "variants: false"));
}

TEST_F(VariantCampaign, WithoutVariantsTheNamesStayAsTheyWere) {
  EXPECT_EQ(output_file_name("benefits", "tiktok", "km"), "benefits.tiktok.km.mp4");
  EXPECT_EQ(output_file_name("benefits", "tiktok", "km", false, "hanoi"), "benefits.hanoi.tiktok.km.mp4");
  EXPECT_EQ(output_file_name("benefits", "tiktok", "km", true, "hanoi"),
            "benefits.hanoi.tiktok.km.proxy.mp4");
}

// A `brand` column: the row's own brand file (relative to the campaign, {{column}} filled in),
// shared by rows naming the same file; an empty value is the campaign's brand.
TEST_F(VariantCampaign, ABrandColumnGivesTheRowItsOwnBrand) {
  write_text(dir_ / "brands/hanoi.yaml",
             "logo: art/green.png\nlogo_position: bottom-left\ncolours: {primary: \"#00FF00\"}\n"
             "captions: {colour: primary, fonts: {vi: Noto Serif}}\n");
  write_text(dir_ / "brands/art/green.png", "png");
  write_text(dir_ / "kit.yaml", "colours: {primary: \"#112233\"}\n");
  write_text(dir_ / "regions.csv", "id,brand\nhanoi,brands/{{id}}.yaml\nhue,\nhcm,brands/hanoi.yaml\n");
  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nbrand: kit.yaml\nvariants: regions.csv\n"
             "clips:\n  - id: a\n    captions: none\n    segments:\n"
             "      - {source: media/a.mp4}\n      - {card: {vi: \"Xin chào\"}, duration: 2}\n"
             "      - {card: {vi: \"Hẹn gặp lại\"}, duration: 2, background: \"#ABCDEF\"}\n");
  const Campaign c = load_campaign(dir_ / "campaign.yaml", presets_);
  ASSERT_EQ(c.clips.size(), 3u);
  const Clip& hanoi = c.clips[0];
  const Clip& hue = c.clips[1];
  const Clip& hcm = c.clips[2];
  ASSERT_NE(hanoi.brand, nullptr);
  EXPECT_EQ(c.brand_of(hanoi).source_file, dir_ / "brands/hanoi.yaml");
  EXPECT_EQ(c.brand_of(hanoi).logo, dir_ / "brands/art/green.png") << "relative to the brand file";
  EXPECT_EQ(c.brand_of(hanoi).logo_position, LogoPosition::kBottomLeft);
  EXPECT_EQ(c.brand_of(hanoi).caption_style.primary_colour, "#00FF00");
  EXPECT_EQ(c.brand_of(hanoi).fonts_by_language.at("vi"), "Noto Serif");
  EXPECT_EQ(hanoi.segments[1].background, "#00FF00") << "a card's default background: its brand's primary";
  EXPECT_EQ(hanoi.segments[2].background, "#ABCDEF");
  EXPECT_EQ(hcm.brand, hanoi.brand) << "rows naming the same file share one brand";

  EXPECT_EQ(hue.brand, nullptr) << "an empty value: the campaign's brand";
  EXPECT_EQ(&c.brand_of(hue), &c.brand);
  EXPECT_EQ(c.brand_of(hue).source_file, dir_ / "kit.yaml");
  EXPECT_TRUE(c.brand_of(hue).logo.empty());
  EXPECT_EQ(hue.segments[1].background, "#112233");
}

TEST_F(VariantCampaign, AMissingOrBadBrandFileIsRefusedWithTheRowsLine) {
  write_text(dir_ / "brands/bad.yaml", "logo: art/none.png\n");
  const std::string message =
      error_of([&] { load("id,hotline,brand\nhanoi,1,brands/bad.yaml\nhue,2,\nhcm,3,brands/nope.yaml\n"); });
  EXPECT_THAT(message, HasSubstr("regions.csv:4: variant 'hcm': brand file not found: brands/nope.yaml (the "
                                 "'brand' column names a brand YAML file relative to the campaign's folder"));
  EXPECT_THAT(message, HasSubstr("regions.csv:2: variant 'hanoi': its brand cannot be used: "));
  EXPECT_THAT(
      message,
      HasSubstr(
          "brands/bad.yaml:1: brand: file not found: art/none.png (paths are relative to the brand file"));
  EXPECT_THAT(message, Not(HasSubstr("'hue'")));

  write_text(dir_ / "brands/plain.yaml", "logo_opacity: 0.5\n");
  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nbrand: {colours: {teal: \"#008080\"}}\n"
             "variants: [{id: hanoi, brand: brands/plain.yaml}]\nclips:\n  - id: a\n    captions: none\n"
             "    segments:\n      - {card: {vi: \"Xin chào\"}, duration: 2, background: teal}\n");
  EXPECT_THAT(
      error_of([&] { load_campaign(dir_ / "campaign.yaml", presets_); }),
      HasSubstr("campaign.yaml:10: the card of clip 'a' segment 1 has the background 'teal', a colour "
                "that the brand of variant 'hanoi' ("));
}

// A card's colour name needs to be a colour of the brand each row renders with, not of the
// campaign's brand as well: rows with their own brand look it up there, the others in the campaign's.
TEST_F(VariantCampaign, ACardColourNameIsLookedUpInEachRowsBrand) {
  write_text(dir_ / "brands/teal.yaml", "colours: {teal: \"#008080\"}\n");
  write_text(dir_ / "brands/dark-teal.yaml", "colours: {teal: \"#004040\"}\n");
  const std::string clips =
      "clips:\n  - id: a\n    captions: none\n"
      "    segments:\n      - {card: {vi: \"Xin chào\"}, duration: 2, background: teal}\n";
  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nbrand: {colours: {primary: \"#112233\"}}\n"
             "variants: [{id: hanoi, brand: brands/teal.yaml}, {id: hue, brand: brands/dark-teal.yaml}]\n" +
                 clips);
  const Campaign c = load_campaign(dir_ / "campaign.yaml", presets_);
  ASSERT_EQ(c.clips.size(), 2u);
  EXPECT_EQ(c.clips[0].segments[0].background, "#008080");
  EXPECT_EQ(c.clips[1].segments[0].background, "#004040");

  // A row on the campaign's brand, which has no 'teal': refused, naming that brand.
  write_text(dir_ / "campaign.yaml",
             "name: c\nlanguages: [vi]\nplatforms: [tiktok]\nbrand: {colours: {primary: \"#112233\"}}\n"
             "variants: [{id: hanoi, brand: brands/teal.yaml}, {id: hue}]\n" +
                 clips);
  EXPECT_THAT(
      error_of([&] { load_campaign(dir_ / "campaign.yaml", presets_); }),
      HasSubstr("campaign.yaml:10: the card of clip 'a' segment 1 has the background 'teal', a colour "
                "that the campaign's brand (" +
                (dir_ / "campaign.yaml").string() + ") does not define"));
}

// Editing one variant's brand file (or a file it names) re-renders only that variant's outputs.
TEST_F(VariantCampaign, EditingOneVariantsBrandChangesOnlyItsFingerprints) {
  write_text(dir_ / "brands/hanoi.yaml", "logo: logo.png\n");
  write_text(dir_ / "brands/hue.yaml", "logo: logo-hue.png\n");
  write_text(dir_ / "brands/logo.png", "png");
  write_text(dir_ / "brands/logo-hue.png", "png");
  const std::string table = "id,hotline,brand\nhanoi,1,brands/hanoi.yaml\nhue,2,brands/hue.yaml\nhcm,3,\n";
  const RenderPlan before = make_plan(load(table), presets_, dir_ / "out");
  ASSERT_EQ(before.units.size(), 12u);
  write_text(dir_ / "brands/hue.yaml", "logo: logo-hue.png\nlogo_opacity: 0.5\n");
  const RenderPlan edited = make_plan(load(table), presets_, dir_ / "out");
  write_text(dir_ / "brands/logo-hue.png", "another png");
  const RenderPlan new_logo = make_plan(load(table), presets_, dir_ / "out");
  write_text(dir_ / "brands/hue.yaml",
             "logo: logo-hue.png\nlogo_opacity: 0.5\ncaptions: {fonts: {vi: Noto Serif}}\n");
  const RenderPlan new_font = make_plan(load(table), presets_, dir_ / "out");
  const RenderPlan other_brand = make_plan(
      load("id,hotline,brand\nhanoi,1,brands/hanoi.yaml\nhue,2,brands/hue.yaml\nhcm,3,brands/hanoi.yaml\n"),
      presets_, dir_ / "out");
  for (size_t i = 0; i < before.units.size(); ++i) {
    const std::string& v = before.units[i].variant;
    EXPECT_EQ(before.units[i].fingerprint != edited.units[i].fingerprint, v == "hue") << i;
    EXPECT_EQ(edited.units[i].fingerprint != new_logo.units[i].fingerprint, v == "hue") << i;
    EXPECT_EQ(new_logo.units[i].fingerprint != new_font.units[i].fingerprint,
              v == "hue" && before.units[i].language == "vi")
        << i << ": a font for vi";
    EXPECT_EQ(new_font.units[i].fingerprint != other_brand.units[i].fingerprint, v == "hcm") << i;
  }
}

TEST(DigestCache, AChangedFileOfTheSameSizeIsReadAgain) {
  ScratchDir dir("digest-cache");
  write_text(dir / "source.bin", "aaaa");
  const fs::path cache_file = dir / "digests.json";
  std::string first;
  {
    DigestCache cache(cache_file);
    first = cache.sha256(dir / "source.bin");
    EXPECT_EQ(cache.files_read(), 1);
    EXPECT_EQ(cache.sha256(dir / "source.bin"), first);
    EXPECT_EQ(cache.files_read(), 1);
    cache.save();
  }
  {
    DigestCache cache(cache_file);  // a new run: nothing read while the file is unchanged
    EXPECT_EQ(cache.sha256(dir / "source.bin"), first);
    EXPECT_EQ(cache.files_read(), 0);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write_text(dir / "source.bin", "bbbb");  // same size, new mtime
  DigestCache cache(cache_file);
  EXPECT_NE(cache.sha256(dir / "source.bin"), first);
  EXPECT_EQ(cache.files_read(), 1);
  write_text(cache_file, "{not json");
  DigestCache broken(cache_file);  // a broken cache is ignored
  EXPECT_EQ(broken.sha256(dir / "source.bin"), cache.sha256(dir / "source.bin"));
}

}  // namespace
}  // namespace shortpack

// Variants (issue 17) through the CLI: a 3-row table renders 3x the outputs, each with its own
// row's hotline on the end card (read back by Tesseract OCR from the encoded file); editing one
// row re-renders only that row's outputs; a bad table is refused with file:line, nothing written;
// a row's own brand (a `brand` column) puts its logo and intro on that row's outputs only.
#include <gtest/gtest.h>

#include <clocale>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/green_pixels.h"
#include "support/image_io.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

class VariantRender : public ::testing::Test {
 protected:
  void SetUp() override {
    std::setlocale(LC_ALL, "C");
    test::write_test_presets(dir_ / "presets");
    test::make_clip(dir_ / "src.mp4", 1.0, "color=c=0x405060:s=640x360:r=30");
    write_text(dir_ / "cue.srt", "1\n00:00:00,000 --> 00:00:00,900\nOffice: {{office}}\n");
  }
  void write_campaign(const std::string& table) {
    write_text(dir_ / "regions.csv", table);
    write_text(dir_ / "c.yaml",
               "name: v\nlanguages: [en]\nplatforms: [small-portrait]\nvariants: regions.csv\nclips:\n"
               "  - id: end\n    segments:\n      - {source: src.mp4}\n"
               "      - {card: {en: \"{{hotline}}\"}, duration: 1.5, background: \"#0D47A1\"}\n"
               "    captions: {en: cue.srt}\n");
  }
  test::CommandResult render() {
    return test::run_shortpack("render " + shell_quote((dir_ / "c.yaml").string()) + " --presets " +
                               shell_quote((dir_ / "presets").string()) + " --out " +
                               shell_quote((dir_ / "out").string()) + " --progress none");
  }
  // status of each output in report.json, by file name
  std::map<std::string, std::string> statuses() {
    const auto report = test::read_json(dir_ / "out/v/report.json");
    std::map<std::string, std::string> out;
    for (const auto& o : report.at("outputs")) {
      out[fs::path(o.at("path").get<std::string>()).filename().string()] = o.at("status").get<std::string>();
    }
    return out;
  }
  // What Tesseract reads on the card (1.8 s: the card alone on screen), upscaled, white on blue
  // turned black on white.
  // A picture (a PNG from `preview`) is read as it is, a video at 1.8 s.
  std::string ocr_card(const fs::path& video) {
    const bool still = video.extension() == ".png";
    return test::ocr_digits(video, still ? -1.0 : 1.8, 3, dir_ / (video.stem().string() + ".ocr.png"));
  }
  test::ScratchDir dir_{"variants-e2e"};
};

TEST_F(VariantRender, EachRowGetsItsOwnOutputsAndText) {
  if (test::run_command("tesseract --list-langs").output.find("eng") == std::string::npos) {
    SHORTPACK_SKIP_OR_FAIL("tesseract with the 'eng' model is not installed (scripts/setup installs it)");
  }
  write_campaign(
      "id,hotline,office\nhanoi,02439461234,Ha Noi\nhue,02343822123,Hue\nhcm,02838295000,Sai Gon\n");
  const auto first = render();
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const std::map<std::string, std::string> want_text{
      {"hanoi", "02439461234"}, {"hue", "02343822123"}, {"hcm", "02838295000"}};
  EXPECT_EQ(test::list_files(dir_ / "out/v/end", ".mp4"),
            (std::vector<std::string>{"end.hanoi.small-portrait.en.mp4", "end.hcm.small-portrait.en.mp4",
                                      "end.hue.small-portrait.en.mp4"}));
  for (const auto& [id, hotline] : want_text) {
    const fs::path video = dir_ / "out/v/end" / ("end." + id + ".small-portrait.en.mp4");
    const test::MediaProbe probe = test::probe_file(video);
    EXPECT_NEAR(probe.duration_s, 2.5, 0.1) << id;
    EXPECT_EQ(ocr_card(video), hotline) << id;
  }
  for (const auto& [name, status] : statuses()) EXPECT_EQ(status, "ok") << name;
  // The ledger's coverage, per variant too.
  const auto ledger = test::run_shortpack("ledger " + shell_quote((dir_ / "c.yaml").string()) +
                                          " --presets " + shell_quote((dir_ / "presets").string()) +
                                          " --out " + shell_quote((dir_ / "out").string()) + " --json");
  ASSERT_EQ(ledger.exit_code, 0) << ledger.output;
  const auto coverage = nlohmann::json::parse(ledger.output);
  ASSERT_EQ(coverage.at("by_variant").size(), 3u) << ledger.output;
  for (const auto& v : coverage.at("by_variant")) EXPECT_EQ(v.at("ok"), 1) << v.dump();

  // One row's hotline changes: only that row's output is rendered again.
  write_campaign(
      "id,hotline,office\nhanoi,02439461234,Ha Noi\nhue,19009068000,Hue\nhcm,02838295000,Sai Gon\n");
  const auto second = render();
  ASSERT_EQ(second.exit_code, 0) << second.output;
  EXPECT_EQ(statuses(), (std::map<std::string, std::string>{{"end.hanoi.small-portrait.en.mp4", "skipped"},
                                                            {"end.hcm.small-portrait.en.mp4", "skipped"},
                                                            {"end.hue.small-portrait.en.mp4", "ok"}}));
  EXPECT_EQ(ocr_card(dir_ / "out/v/end/end.hue.small-portrait.en.mp4"), "19009068000");

  // A column only the caption file uses is part of the fingerprint too.
  write_campaign(
      "id,hotline,office\nhanoi,02439461234,Ha Noi\nhue,19009068000,Hue\nhcm,02838295000,Thu Duc\n");
  const auto third = render();
  ASSERT_EQ(third.exit_code, 0) << third.output;
  EXPECT_EQ(statuses().at("end.hcm.small-portrait.en.mp4"), "ok");
  EXPECT_EQ(statuses().at("end.hanoi.small-portrait.en.mp4"), "skipped");
}

// Rows that take subsets of the languages and platforms (as the demo's regions.csv does): after a
// complete render, report.html counts nothing missing and needs no attention; the cells no row
// asked for are "not planned", shown quietly (issue 26: they were MISSING, "Needs attention: 5 of 8").
TEST_F(VariantRender, CellsNoRowAsksForAreNotPlannedNotMissing) {
  write_text(dir_ / "regions.csv",
             "id,languages,platforms\nhanoi,en,small-portrait\nhue,en vi,small-landscape\n");
  write_text(dir_ / "c.yaml",
             "name: v\nlanguages: [en, vi]\nplatforms: [small-portrait, small-landscape]\n"
             "variants: regions.csv\nclips:\n  - {id: end, source: src.mp4, captions: none}\n");
  const auto run = render();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(statuses(), (std::map<std::string, std::string>{{"end.hanoi.small-portrait.en.mp4", "ok"},
                                                            {"end.hue.small-landscape.en.mp4", "ok"},
                                                            {"end.hue.small-landscape.vi.mp4", "ok"}}));
  const std::string page = test::read_text(dir_ / "out/v/report.html");
  // 2 rows x 2 platforms x 2 languages in the matrix, 3 of them planned and rendered.
  const auto count_of = [&](const std::string& what) {
    size_t n = 0;
    for (size_t at = page.find(what); at != std::string::npos; at = page.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count_of("data-cell "), 8U);
  EXPECT_EQ(count_of("data-status=\"ok\""), 3U);
  EXPECT_EQ(count_of("data-status=\"missing\""), 0U);
  EXPECT_EQ(count_of("data-status=\"not-planned\""), 5U);
  EXPECT_NE(page.find("<div class=\"stat missing\"><b>0</b>"), std::string::npos);
  EXPECT_EQ(page.find("Needs attention"), std::string::npos);
  EXPECT_NE(page.find("= 8 outputs, 3 of them planned"), std::string::npos);
}

// `preview --variant ROW` shows that row's text; an unknown row is refused with the known ones.
TEST_F(VariantRender, PreviewShowsTheNamedVariant) {
  if (test::run_command("tesseract --list-langs").output.find("eng") == std::string::npos) {
    SHORTPACK_SKIP_OR_FAIL("tesseract with the 'eng' model is not installed (scripts/setup installs it)");
  }
  write_campaign("id,hotline,office\nhanoi,02439461234,Ha Noi\nhue,02343822123,Hue\n");
  const auto preview = [&](const std::string& variant, const fs::path& png) {
    return test::run_shortpack("preview " + shell_quote((dir_ / "c.yaml").string()) + " --presets " +
                               shell_quote((dir_ / "presets").string()) +
                               " --clip end --platform small-portrait --lang en --at 1.8 -o " +
                               shell_quote(png.string()) + (variant.empty() ? "" : " --variant " + variant));
  };
  for (const auto& [variant, hotline] : std::map<std::string, std::string>{
           {"hanoi", "02439461234"}, {"hue", "02343822123"}, {"", "02439461234"}}) {
    const fs::path png = dir_ / ("preview-" + (variant.empty() ? std::string("first") : variant) + ".png");
    const auto result = preview(variant, png);
    ASSERT_EQ(result.exit_code, 0) << result.output;
    EXPECT_EQ(ocr_card(png), hotline) << (variant.empty() ? "no --variant: the first row" : variant);
  }
  const auto unknown = preview("hoi-an", dir_ / "unknown.png");
  EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("clip 'end' has no variant 'hoi-an' (its variants: hanoi, hue)"),
            std::string::npos)
      << unknown.output;
  EXPECT_FALSE(fs::exists(dir_ / "unknown.png"));
}

TEST_F(VariantRender, ABadTableIsRefusedWithFileAndLineBeforeAnythingIsWritten) {
  write_campaign("id,hotline,office\nhanoi,1,A\nhanoi,2,B\nHue!,3,C\nhcm,,D\n");
  const auto run = render();
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("regions.csv:3: duplicate variant id 'hanoi'"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("regions.csv:4: bad variant id 'Hue!'"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("regions.csv:5: variant 'hcm' has an empty 'hotline', which "), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("c.yaml:9"), std::string::npos) << run.output;  // the card's line
  EXPECT_FALSE(fs::exists(dir_ / "out")) << "nothing may be written for a refused campaign";

  // A column the caption file names but the table lacks: found before rendering, with the file's line.
  write_campaign("id,hotline\nhanoi,1\n");
  const auto missing = render();
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_NE(missing.output.find("cue.srt:3: the subtitle file uses {{office}}, but the variants table"),
            std::string::npos)
      << missing.output;
  EXPECT_TRUE(test::list_files(dir_ / "out", ".mp4").empty());
}

// The glyph check runs on every row's text: one row's value that no font covers is refused,
// naming the card's line (or the cue's) and the row with its table's file:line, before anything
// renders.
TEST_F(VariantRender, EveryRowsTextIsCheckedForGlyphs) {
  write_campaign("id,hotline,office\nhanoi,1900 9068,A\nhue,1900 \uE000,\uE001\n");
  const auto run = render();
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("c.yaml:9: the card of clip 'end' for variant 'hue' (" +
                            (dir_ / "regions.csv").string() + ":3) segment 2"),
            std::string::npos)
      << run.output;
  // The row's value in a caption file: the cue's file:line, then the row's.
  EXPECT_NE(run.output.find("cue.srt:2 (cue 1)"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("U+E001), which no installed font covers"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("(clip 'end' for variant 'hue' (" + (dir_ / "regions.csv").string() + ":3))"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("U+E000"), std::string::npos) << run.output;
  EXPECT_EQ(run.output.find("variant 'hanoi'"), std::string::npos) << run.output;
  EXPECT_TRUE(test::list_files(dir_ / "out", ".mp4").empty());
}

// The glyph check tries each row's text in that row's brand's fonts first.
TEST_F(VariantRender, TheGlyphCheckUsesTheRowsBrandFonts) {
  write_text(dir_ / "brands/serif.yaml", "captions: {fonts: {en: Noto Serif}}\n");
  write_campaign("id,hotline,office,brand\nserif,1900 \uE000,A,brands/serif.yaml\nplain,1900 \uE000,B,\n");
  const auto run = render();
  EXPECT_EQ(run.exit_code, 2) << run.output;
  std::map<std::string, std::string> line_of;  // variant -> its card's problem
  std::istringstream lines(run.output);
  for (std::string line; std::getline(lines, line);) {
    for (const char* v : {"serif", "plain"}) {
      // "... for variant 'serif' (<table>:2) segment 2": the row with its table's file:line.
      if (line.find("the card of clip 'end' for variant '" + std::string(v) + "' (") != std::string::npos &&
          line.find(") segment 2") != std::string::npos)
        line_of[v] = line;
    }
  }
  ASSERT_EQ(line_of.size(), 2u) << run.output;
  EXPECT_NE(line_of["serif"].find("(tried: Noto Serif, "), std::string::npos) << line_of["serif"];
  EXPECT_EQ(line_of["plain"].find("Noto Serif"), std::string::npos) << line_of["plain"];
  EXPECT_TRUE(test::list_files(dir_ / "out", ".mp4").empty());
}

// A row's `brand` column: its brand's green logo, intro bumper and primary colour (the card's
// background) are on its output, and on no other row's (the campaign's brand has none of them);
// the two rows' timelines differ by the intro.
TEST_F(VariantRender, ARowsOwnBrandPutsItsLogoAndIntroOnItsOutputsOnly) {
  test::make_green_logo(dir_ / "brands/green.png");
  test::make_clip(dir_ / "brands/intro.mp4", 0.5, "color=c=0x808080:s=640x360:r=30");
  write_text(dir_ / "brands/green.yaml",
             "logo: green.png\nintro: intro.mp4\ncolours: {primary: \"#FF0000\"}\n");
  write_text(dir_ / "regions.csv", "id,brand\ngreen,brands/green.yaml\nplain,\n");
  write_text(dir_ / "c.yaml",
             "name: v\nlanguages: [en]\nplatforms: [small-portrait]\nvariants: regions.csv\nclips:\n"
             "  - id: a\n    captions: none\n    segments:\n      - {source: src.mp4}\n"
             "      - {card: {en: \".\"}, duration: 1.0}\n");
  const auto run = render();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const auto& [name, status] : statuses()) EXPECT_EQ(status, "ok") << name;

  const fs::path green = dir_ / "out/v/a/a.green.small-portrait.en.mp4";
  const fs::path plain = dir_ / "out/v/a/a.plain.small-portrait.en.mp4";
  EXPECT_NEAR(test::probe_file(green).duration_s, 2.5, 0.1) << "the brand's 0.5 s intro, then the clip";
  EXPECT_NEAR(test::probe_file(plain).duration_s, 2.0, 0.1) << "the campaign's brand has no intro";
  const test::YuvPicture with_logo = test::decode_frames(green, {30}).at(0);  // in the clip, after the intro
  const test::YuvPicture without = test::decode_frames(plain, {15}).at(0);
  EXPECT_GT(test::count_green(with_logo), 400) << "the row's brand logo is missing";
  EXPECT_GE(test::first_green_row(with_logo), 0);
  EXPECT_EQ(test::count_green(without), 0) << "another row's logo on the campaign brand's output";
  EXPECT_EQ(test::first_green_row(without), -1);
  // The card takes its row's brand's primary colour: red, and the default blue without one.
  const test::YuvPicture red_card = test::decode_frames(green, {60}).at(0);
  const test::YuvPicture blue_card = test::decode_frames(plain, {45}).at(0);
  EXPECT_GT(red_card.mean(2, 20, 80, 150, 200), 200) << "not the row's brand's red";
  EXPECT_GT(blue_card.mean(1, 20, 80, 150, 200), 150) << "not the default blue (#0D47A1)";
  EXPECT_LT(blue_card.mean(2, 20, 80, 150, 200), 140);

  // `preview --variant` shows the row with its own brand, not the clip's first row's.
  const auto green_in_preview = [&](const std::string& variant, double at_s) {
    const fs::path png = dir_ / ("brand-" + variant + ".png");
    const auto result = test::run_shortpack(
        "preview " + shell_quote((dir_ / "c.yaml").string()) + " --presets " +
        shell_quote((dir_ / "presets").string()) + " --clip a --platform small-portrait --lang en --at " +
        std::to_string(at_s) + " -o " + shell_quote(png.string()) + " --variant " + variant);
    EXPECT_EQ(result.exit_code, 0) << result.output;
    const FramePtr rgb = test::read_png(png);
    int n = 0;
    for (int y = 0; y < rgb->height; ++y) {
      const uint8_t* row = rgb->data[0] + static_cast<ptrdiff_t>(y) * rgb->linesize[0];
      for (int x = 0; x < rgb->width; ++x)
        n += row[3 * x] < 60 && row[3 * x + 1] > 200 && row[3 * x + 2] < 60;
    }
    return n;
  };
  EXPECT_GT(green_in_preview("green", 1.0), 400);
  EXPECT_EQ(green_in_preview("plain", 0.5), 0);
}

// A source path with {{id}}: each row renders its own footage (its own decode and graph), with its
// own length; the plan says the same durations as the files.
TEST_F(VariantRender, ARowsOwnSourceIsWhatItsOutputsShow) {
  test::make_clip(dir_ / "media/red.mp4", 1.0, "color=c=0xC02020:s=640x360:r=30");
  test::make_clip(dir_ / "media/blue.mp4", 1.5, "color=c=0x2020C0:s=640x360:r=30");
  write_text(dir_ / "regions.csv", "id\nred\nblue\n");
  write_text(dir_ / "c.yaml",
             "name: v\nlanguages: [en]\nplatforms: [small-portrait]\nvariants: regions.csv\nclips:\n"
             "  - id: a\n    captions: none\n    source: \"media/{{id}}.mp4\"\n");
  const auto run = render();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const auto& [name, status] : statuses()) EXPECT_EQ(status, "ok") << name;

  const fs::path red = dir_ / "out/v/a/a.red.small-portrait.en.mp4";
  const fs::path blue = dir_ / "out/v/a/a.blue.small-portrait.en.mp4";
  EXPECT_EQ(test::probe_file(red).video.packets, 30);
  EXPECT_EQ(test::probe_file(blue).video.packets, 45);
  const test::YuvPicture r = test::decode_frame(red, 20);
  const test::YuvPicture b = test::decode_frame(blue, 40);
  const int w = r.width_px;
  const int h = r.height_px;
  EXPECT_GT(r.mean(2, w / 4, h / 3, 3 * w / 4, 2 * h / 3), 170) << "the red row does not show red.mp4";
  EXPECT_LT(r.mean(1, w / 4, h / 3, 3 * w / 4, 2 * h / 3), 128);
  EXPECT_GT(b.mean(1, w / 4, h / 3, 3 * w / 4, 2 * h / 3), 170) << "the blue row does not show blue.mp4";
  EXPECT_LT(b.mean(2, w / 4, h / 3, 3 * w / 4, 2 * h / 3), 128);

  const auto plan = test::run_shortpack("plan " + shell_quote((dir_ / "c.yaml").string()) + " --presets " +
                                        shell_quote((dir_ / "presets").string()) + " --out " +
                                        shell_quote((dir_ / "out").string()));
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  std::map<std::string, double> planned;
  for (const auto& unit : test::json_lines(plan.output))
    planned[unit.at("variant").get<std::string>()] = unit.at("duration_s").get<double>();
  EXPECT_NEAR(planned["red"], 1.0, 1e-6) << plan.output;
  EXPECT_NEAR(planned["blue"], 1.5, 1e-6) << plan.output;
}

}  // namespace
}  // namespace shortpack

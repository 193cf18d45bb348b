// The caption burner on generated frames: blending values, placement inside the safe zone,
// and golden images of every script the campaigns use (compared by PSNR on luma over the
// region where captions are).
//
// Golden PNGs live in tests/data/golden/ and are written only by scripts/make-goldens
// (SHORTPACK_WRITE_GOLDENS=1, under which every golden test writes its image and then fails);
// a test never rewrites them otherwise. When a comparison fails, the image that was rendered is
// saved next to the temp folder for review (the failure names the path).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <regex>

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>
#include <unicode/unistr.h>

#include "filters/caption_burner.h"
#include "filters/core/error.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/captions/subtitles.h"
#include "support/fonts.h"
#include "support/icu_words.h"
#include "support/image_io.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr uint8_t kBgY = 100, kBgU = 136, kBgV = 120;  // a muted teal
constexpr double kGoldenPsnrDb = 35.0;                 // over the caption region
constexpr double kGoldenTilePsnrDb = 25.0;             // worst 32x32 tile: one missing diacritic gives ~10 dB

const SafeZone kTikTokSafe{270, 672, 65, 165};  // the union of the published vertical guides
const SafeZone kYouTubeSafe{54, 108, 96, 96};   // presets/youtube.yaml

FramePtr background(int w, int h, uint8_t y = kBgY, uint8_t u = kBgU, uint8_t v = kBgV) {
  FramePtr frame = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P);
  fill_yuv420p(*frame, y, u, v);
  return frame;
}

VideoFormat format_of(int w, int h) { return {w, h, AV_PIX_FMT_YUV420P, {1, 1}, {30, 1}}; }

struct Rendered {
  FramePtr frame;
  CaptionBurner::Box box;
  bool drawn = false;
  std::string script;
};

Rendered render(const std::string& script, int w, int h, int64_t time_ms) {
  Rendered r;
  r.script = script;
  CaptionBurner burner(script, FontSetup{});
  burner.configure(format_of(w, h));
  r.frame = background(w, h);
  r.drawn = burner.process(*r.frame, time_ms);
  r.box = burner.last_box();
  return r;
}

Rendered render_track(const SubtitleTrack& track, const std::string& language, const CaptionLayout& layout,
                      int64_t time_ms, const TitleText& title = {}) {
  CaptionStyle style;
  style.language = language;
  check_glyph_coverage(track, language, style.font_family);
  return render(build_ass_script(track, style, layout, title), layout.width_px, layout.height_px, time_ms);
}

void expect_inside(const CaptionBurner::Box& box, const CaptionLayout& layout) {
  EXPECT_GT(box.w, 0);
  EXPECT_GT(box.h, 0);
  EXPECT_GE(box.x, layout.safe.left_px);
  EXPECT_GE(box.y, layout.safe.top_px);
  EXPECT_LE(box.x + box.w, layout.width_px - layout.safe.right_px);
  EXPECT_LE(box.y + box.h, layout.height_px - layout.safe.bottom_px);
}

fs::path golden_path(const std::string& name) {
  return fs::path(SHORTPACK_TEST_DATA) / "golden" / (name + ".png");
}

void expect_matches_golden(const AVFrame& frame, const std::string& name) {
  const fs::path path = golden_path(name);
  if (test::writing_goldens()) {
    // Writing is never a pass: a golden is a claim someone has to review. scripts/make-goldens
    // expects exactly this failure (kGoldenWritten) from every golden test and counts them.
    test::write_png(path, frame);
    ADD_FAILURE() << test::kGoldenWritten << " " << path
                  << ": review it and run without SHORTPACK_WRITE_GOLDENS";
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << "no golden image " << path << " (run scripts/make-goldens and review it)";
  const FramePtr golden = test::read_png(path);
  const FramePtr actual = test::to_rgb24(frame);
  ASSERT_EQ(golden->width, actual->width);
  ASSERT_EQ(golden->height, actual->height);
  // Compared where either image has captions, so that small text is not drowned by the
  // untouched background; and that region must be very different from the bare background,
  // or the comparison would prove nothing.
  const FramePtr blank = test::to_rgb24(*background(frame.width, frame.height));
  const test::Rect region =
      test::union_of(test::changed_region(*golden, *blank), test::changed_region(*actual, *blank));
  ASSERT_FALSE(region.empty()) << "nothing was drawn";
  EXPECT_LT(test::psnr_luma(*blank, *actual, region), 20.0) << "hardly anything was drawn";
  const double psnr = test::psnr_luma(*golden, *actual, region);
  const double worst_tile = test::min_tile_psnr_luma(*golden, *actual, region);
  if (psnr < kGoldenPsnrDb || worst_tile < kGoldenTilePsnrDb) {
    const fs::path saved = fs::temp_directory_path() / ("shortpack-actual-" + name + ".png");
    test::write_png(saved, frame);
    ADD_FAILURE() << name << ": PSNR " << psnr << " dB over the caption region (minimum " << kGoldenPsnrDb
                  << "), worst tile " << worst_tile << " dB (minimum " << kGoldenTilePsnrDb
                  << "); the rendered image is " << saved;
  }
}

// ---- Blending ------------------------------------------------------------------------------

// A square drawn with ASS vector drawing: full coverage inside, none outside (but for a faint
// one-pixel fringe that libass's rasteriser leaves).
std::string square_script(int w, int h, int x, int y, int size, const std::string& colour_tags,
                          const std::string& matrix = "TV.709") {
  return "[Script Info]\nScriptType: v4.00+\nPlayResX: " + std::to_string(w) +
         "\nPlayResY: " + std::to_string(h) + "\nScaledBorderAndShadow: yes\nYCbCr Matrix: " + matrix +
         "\n\n[V4+ Styles]\n"
         "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
         "Italic, "
         "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
         "MarginL, "
         "MarginR, MarginV, Encoding\n"
         "Style: Default,Noto "
         "Sans,40,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,7,0,0,0,1\n"
         "\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
         "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\an7\\pos(" +
         std::to_string(x) + "," + std::to_string(y) + ")\\bord0\\shad0" + colour_tags + "\\p1}m 0 0 l " +
         std::to_string(size) + " 0 " + std::to_string(size) + " " + std::to_string(size) + " 0 " +
         std::to_string(size) + "{\\p0}\n";
}

uint8_t luma(const AVFrame& f, int x, int y) { return f.data[0][y * f.linesize[0] + x]; }
uint8_t cb(const AVFrame& f, int x, int y) { return f.data[1][(y / 2) * f.linesize[1] + x / 2]; }
uint8_t cr(const AVFrame& f, int x, int y) { return f.data[2][(y / 2) * f.linesize[2] + x / 2]; }

TEST(CaptionBlend, WhiteOverGreyIsLimitedRangeWhiteAndOnlyUnderTheGlyph) {
  const int w = 320, h = 240, x0 = 51, y0 = 40, size = 100;
  CaptionBurner burner(square_script(w, h, x0, y0, size, "\\1c&HFFFFFF&"), FontSetup{});
  burner.configure(format_of(w, h));
  FramePtr frame = background(w, h, 128, 128, 128);
  ASSERT_TRUE(burner.process(*frame, 1500));
  // libass's rasteriser leaves a faint (alpha <= 2) fringe one pixel wide at the square's edges.
  const auto box = burner.last_box();
  EXPECT_NEAR(box.x, x0, 1);
  EXPECT_NEAR(box.y, y0, 1);
  EXPECT_NEAR(box.w, size, 2);
  EXPECT_NEAR(box.h, size, 2);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const bool inside = x > x0 && x < x0 + size - 1 && y > y0 && y < y0 + size - 1;
      const bool outside = x < x0 - 1 || x > x0 + size || y < y0 - 1 || y > y0 + size;
      if (inside) {
        ASSERT_EQ(luma(*frame, x, y), 235) << "at " << x << "," << y;
      } else if (outside) {
        ASSERT_EQ(luma(*frame, x, y), 128) << "at " << x << "," << y;
      }
    }
  }
  EXPECT_EQ(cb(*frame, 80, 80), 128);
  EXPECT_EQ(cr(*frame, 80, 80), 128);
}

TEST(CaptionBlend, ColourConvertsWithBt709AndChromaAveragesEachBlock) {
  const int w = 320, h = 240, x0 = 51, y0 = 40, size = 100;  // x0 odd: the left chroma column is half covered
  CaptionBurner burner(square_script(w, h, x0, y0, size, "\\1c&H0000FF&"), FontSetup{});  // pure red
  burner.configure(format_of(w, h));
  FramePtr frame = background(w, h, 128, 128, 128);
  ASSERT_TRUE(burner.process(*frame, 1500));
  // BT.709 limited range red: Y 63, Cb 102, Cr 240.
  EXPECT_EQ(luma(*frame, 80, 80), 63);
  EXPECT_EQ(cb(*frame, 80, 80), 102);
  EXPECT_EQ(cr(*frame, 80, 80), 240);
  // Chroma column 25 covers luma columns 50 (outside) and 51 (inside): half coverage, the mean.
  EXPECT_NEAR(cb(*frame, 50, 80), (128 + 102) / 2.0, 1.0);
  EXPECT_NEAR(cr(*frame, 50, 80), (128 + 240) / 2.0, 1.0);
  EXPECT_EQ(cb(*frame, 48, 80), 128);  // the block left of it is untouched
  EXPECT_EQ(cr(*frame, 48, 80), 128);
}

TEST(CaptionBlend, Bt601ScriptsKeepTheirAuthorsColours) {
  // Red in a TV.601 script (and in one without the header, as VSFilter assumes) is converted with
  // BT.601 coefficients: Y 81, Cb 90, Cr 240.
  for (const std::string matrix : {"TV.601", ""}) {
    SCOPED_TRACE("YCbCr Matrix: " + matrix);
    std::string script = square_script(320, 240, 40, 40, 64, "\\1c&H0000FF&", matrix);
    if (matrix.empty()) script.replace(script.find("YCbCr Matrix: \n"), 15, "");
    CaptionBurner burner(script, FontSetup{});
    burner.configure(format_of(320, 240));
    FramePtr frame = background(320, 240, 128, 128, 128);
    ASSERT_TRUE(burner.process(*frame, 1500));
    EXPECT_EQ(luma(*frame, 60, 60), 81);
    EXPECT_EQ(cb(*frame, 60, 60), 90);
    EXPECT_EQ(cr(*frame, 60, 60), 240);
  }
}

TEST(CaptionBlend, HalfAlphaGivesTheMean) {
  const int w = 320, h = 240;
  CaptionBurner burner(square_script(w, h, 40, 40, 64, "\\1c&HFFFFFF&\\1a&H80&"), FontSetup{});
  burner.configure(format_of(w, h));
  FramePtr frame = background(w, h, 128, 128, 128);
  ASSERT_TRUE(burner.process(*frame, 1500));
  EXPECT_NEAR(luma(*frame, 60, 60), (128 + 235) / 2.0, 1.0);
}

TEST(CaptionBlend, NothingOutsideTheCueAndEveryFrameIsBlended) {
  const int w = 320, h = 240;
  CaptionBurner burner(square_script(w, h, 40, 40, 64, "\\1c&HFFFFFF&"), FontSetup{});
  burner.configure(format_of(w, h));
  FramePtr before = background(w, h, 128, 128, 128);
  EXPECT_FALSE(burner.process(*before, 500));
  EXPECT_EQ(burner.last_box().w, 0);
  EXPECT_EQ(luma(*before, 60, 60), 128);
  // Two frames in a row with the same captions: libass reports no change, both are drawn on.
  FramePtr first = background(w, h, 128, 128, 128);
  FramePtr second = background(w, h, 128, 128, 128);
  EXPECT_TRUE(burner.process(*first, 1200));
  EXPECT_TRUE(burner.process(*second, 1300));
  EXPECT_EQ(luma(*first, 60, 60), 235);
  EXPECT_EQ(luma(*second, 60, 60), 235);
  FramePtr after = background(w, h, 128, 128, 128);
  EXPECT_FALSE(burner.process(*after, 2500));
  EXPECT_EQ(luma(*after, 60, 60), 128);
}

TEST(CaptionBlend, MeasureThenProcessDrawsWhatMeasureSaw) {
  const int w = 320, h = 240;
  CaptionBurner burner(square_script(w, h, 40, 40, 64, "\\1c&HFFFFFF&"), FontSetup{});
  burner.configure(format_of(w, h));
  FramePtr reference = background(w, h, 128, 128, 128);
  ASSERT_TRUE(burner.process(*reference, 1500));
  // Ask first (nothing at 500 ms, the square at 1500 ms), then draw at the same time.
  EXPECT_EQ(burner.measure(500).w, 0);
  const auto box = burner.measure(1500);
  EXPECT_GT(box.w, 60);
  FramePtr frame = background(w, h, 128, 128, 128);
  EXPECT_TRUE(burner.process(*frame, 1500));
  EXPECT_EQ(burner.last_box().x, box.x);
  for (int y = 0; y < h; ++y) {
    ASSERT_EQ(std::memcmp(frame->data[0] + y * frame->linesize[0],
                          reference->data[0] + y * reference->linesize[0], w),
              0);
  }
  // Measured at one time, drawn at another: what is drawn is what that other time shows.
  EXPECT_GT(burner.measure(1500).w, 0);
  FramePtr empty = background(w, h, 128, 128, 128);
  EXPECT_FALSE(burner.process(*empty, 2500));
  EXPECT_EQ(luma(*empty, 60, 60), 128);
}

TEST(CaptionBlend, MeasureInkFindsTheBoxThatProcessDraws) {
  const CaptionLayout layout{1080, 1920, kTikTokSafe};
  CaptionStyle style;
  style.language = "vi";
  const auto track = parse_srt("1\n00:00:01,000 --> 00:00:02,000\nBảo hiểm xã hội tự nguyện\n", "v.srt");
  for (const std::string& script : {square_script(320, 240, 41, 40, 64, "\\1c&HFFFFFF&\\1a&H80&"),
                                    build_ass_script(track, style, layout)}) {
    const bool small = script.find("PlayResX: 320") != std::string::npos;
    CaptionBurner burner(script, FontSetup{});
    burner.configure(small ? format_of(320, 240) : format_of(1080, 1920));
    const CaptionBurner::Box ink = burner.measure_ink(1500);
    EXPECT_GT(ink.w, 0);
    EXPECT_EQ(burner.measure_ink(500).w, 0);
    // measure_ink prepared nothing: process() still draws, and what it draws has that box.
    FramePtr frame = small ? background(320, 240) : background(1080, 1920);
    ASSERT_TRUE(burner.process(*frame, 1500));
    const CaptionBurner::Box drawn = burner.last_box();
    EXPECT_EQ(ink.x, drawn.x);
    EXPECT_EQ(ink.y, drawn.y);
    EXPECT_EQ(ink.w, drawn.w);
    EXPECT_EQ(ink.h, drawn.h);
  }
}

TEST(CaptionBlend, RefusesSharedFramesAndOtherFormats) {
  CaptionBurner burner(square_script(64, 64, 0, 0, 8, ""), FontSetup{});
  EXPECT_THROW(burner.configure({64, 64, AV_PIX_FMT_RGB24, {1, 1}, {30, 1}}), Error);
  burner.configure(format_of(64, 64));
  FramePtr frame = background(64, 64);
  FramePtr other_reader = ref_frame(*frame);
  EXPECT_THROW(burner.process(*frame, 1500), Error);
}

// ---- Golden images --------------------------------------------------------------------------

struct GoldenCase {
  std::string name;
  std::string language;
  std::string srt_text;  // one cue from 0 to 5 s
  int width_px;
  int height_px;
  std::string title;
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

class CaptionGolden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(CaptionGolden, MatchesGoldenAndStaysInsideTheSafeZone) {
  const GoldenCase& c = GetParam();
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:05,000\n" + c.srt_text + "\n", c.name + ".srt");
  const CaptionLayout layout{c.width_px, c.height_px, c.width_px < c.height_px ? kTikTokSafe : kYouTubeSafe};
  const Rendered r = render_track(track, c.language, layout, 1000, {c.title, 4000});
  ASSERT_TRUE(r.drawn);
  expect_inside(r.box, layout);
  expect_matches_golden(*r.frame, c.name);
}

const std::string kVi = "Bảo hiểm xã hội tự nguyện\nỔn định cuộc sống khi về già";
const std::string kKm = "សន្តិសុខសង្គម\nការធានារ៉ាប់រងសង្គមស្ម័គ្រចិត្ត";
const std::string kTh = "ประกันสังคม\nมาตรา 40 สมัครได้ทุกคน";
const std::string kAr = "الضمان الاجتماعي\nللجميع، طوعاً.";

INSTANTIATE_TEST_SUITE_P(Scripts, CaptionGolden,
                         ::testing::Values(GoldenCase{"vi_1080x1920", "vi", kVi, 1080, 1920,
                                                      "Tham gia ngay hôm nay!"},
                                           GoldenCase{"vi_1920x1080", "vi", kVi, 1920, 1080, ""},
                                           GoldenCase{"km_1080x1920", "km", kKm, 1080, 1920, "សន្តិសុខសង្គម"},
                                           GoldenCase{"km_1920x1080", "km", kKm, 1920, 1080, ""},
                                           GoldenCase{"th_1080x1920", "th", kTh, 1080, 1920, ""},
                                           GoldenCase{"th_1920x1080", "th", kTh, 1920, 1080, ""},
                                           GoldenCase{"ar_1080x1920", "ar", kAr, 1080, 1920, ""},
                                           GoldenCase{"ar_1920x1080", "ar", kAr, 1920, 1080, ""}),
                         [](const ::testing::TestParamInfo<GoldenCase>& info) { return info.param.name; });

// An ASS file authored at 1280x720 with its own styles: a yellow top-left style, a boxed italic
// bottom style and an event with its own position and colour.
const char* kOwnStyles =
    "[Script Info]\nTitle: own styles\nScriptType: v4.00+\nPlayResX: 1280\nPlayResY: 720\nWrapStyle: 0\n"
    "ScaledBorderAndShadow: yes\n\n"
    "[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
    "MarginR, MarginV, Encoding\n"
    "Style: Default,DejaVu "
    "Sans,44,&H00FFFFFF,&H000000FF,&H00202020,&H80000000,0,-1,0,0,100,100,0,0,3,6,0,2,20,20,"
    "20,1\n"
    "Style: Sign,Noto "
    "Sans,36,&H0000FFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,2,0,1,3,2,7,30,30,30,1\n"
    "\n[Events]\n"
    "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    "Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,Voluntary social insurance\\Nfor everyone\n"
    "Dialogue: 0,0:00:00.00,0:00:05.00,Sign,,0,0,0,,SOCIAL SECURITY OFFICE\n"
    "Dialogue: 1,0:00:00.00,0:00:05.00,Sign,,0,0,0,,{\\an5\\pos(640,360)\\c&H4080FF&\\fs60}Bảo hiểm xã hội\n";

class CaptionGoldenAss : public ::testing::TestWithParam<std::pair<int, int>> {};

TEST_P(CaptionGoldenAss, OwnStylesScaledToTheFrame) {
  const auto [w, h] = GetParam();
  // The golden was made with DejaVu Sans Oblique (the Default style is italic). Without it,
  // libass slants the upright face and the comparison fails for a missing package, not a bug.
  ASSERT_NE(test::font_file_for("DejaVu Sans:italic").find("DejaVuSans-Oblique"), std::string::npos)
      << "DejaVu Sans Oblique is not installed (Debian fonts-dejavu-extra; scripts/setup installs it)";
  const auto track = parse_ass(kOwnStyles, "own.ass");
  const CaptionLayout layout{w, h, w < h ? kTikTokSafe : kYouTubeSafe};
  const Rendered r = render_track(track, "vi", layout, 1000);
  ASSERT_TRUE(r.drawn);
  expect_inside(r.box, layout);  // the author's margins were raised to the safe zone
  expect_matches_golden(*r.frame, "ass_own_styles_" + std::to_string(w) + "x" + std::to_string(h));
}

INSTANTIATE_TEST_SUITE_P(Sizes, CaptionGoldenAss,
                         ::testing::Values(std::pair{1080, 1920}, std::pair{1920, 1080}),
                         [](const auto& info) {
                           return std::to_string(info.param.first) + "x" + std::to_string(info.param.second);
                         });

// ---- Safe zone, wrapping and shrinking ------------------------------------------------------

double fitted_size(const std::string& script, double style_size) {
  std::smatch m;
  static const std::regex fs_tag(R"(\{\\fs([0-9.]+)\})");
  return std::regex_search(script, m, fs_tag) ? std::stod(m[1]) : style_size;
}

struct LongCase {
  std::string language;
  std::string text;
};

class CaptionSafeZone : public ::testing::TestWithParam<LongCase> {};

TEST_P(CaptionSafeZone, LongCueWrapsAndShrinksInsideTheZone) {
  const LongCase& c = GetParam();
  for (const CaptionLayout& layout :
       {CaptionLayout{1080, 1920, kTikTokSafe}, CaptionLayout{1920, 1080, kYouTubeSafe}}) {
    SCOPED_TRACE(std::to_string(layout.width_px) + "x" + std::to_string(layout.height_px));
    const auto track = parse_srt("1\n00:00:00,000 --> 00:00:05,000\n" + c.text + "\n", "long.srt");
    const Rendered r = render_track(track, c.language, layout, 1000);
    ASSERT_TRUE(r.drawn);
    expect_inside(r.box, layout);
    // At most max_lines (3) lines: a Noto line is ~1.36 em apart; allow the outline.
    const double size = fitted_size(r.script, std::round(0.042 * layout.height_px));
    EXPECT_LE(r.box.h, 3 * 1.45 * size + 0.3 * size) << r.script;
  }
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Scripts, CaptionSafeZone,
    ::testing::Values(LongCase{"vi", repeat("Bảo hiểm xã hội tự nguyện giúp bạn an tâm khi về già. ", 3)},
                      LongCase{"en", repeat("Voluntary social insurance keeps you safe in old age. ", 3)},
                      // Khmer is written without spaces between words: libass cannot wrap it, so it shrinks.
                      LongCase{"km", "ការធានារ៉ាប់រងសង្គមស្ម័គ្រចិត្តសម្រាប់ប្រជាពលរដ្ឋគ្រប់រូប"},
                      LongCase{"ar", repeat("الضمان الاجتماعي الطوعي يحميك في الشيخوخة. ", 3)}),
    [](const ::testing::TestParamInfo<LongCase>& info) { return info.param.language; });

TEST(CaptionSafeZoneKhmer, KhmerWrapsAtFullSizeWithOrWithoutZeroWidthSpaces) {
  const std::string z = "\u200B";
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:05,000\nការធានារ៉ាប់រង" + z + "សង្គម" + z + "ស្ម័គ្រចិត្ត" +
                                   z + "សម្រាប់" + z + "ប្រជាពលរដ្ឋ" + z + "គ្រប់រូប\n",
                               "km.srt");
  const CaptionLayout layout{1080, 1920, kTikTokSafe};
  const Rendered marked = render_track(track, "km", layout, 1000);
  expect_inside(marked.box, layout);
  EXPECT_EQ(fitted_size(marked.script, 81), 81) << "not shrunk";
  // The same words without ZWSP: ICU's dictionary finds the word boundaries itself.
  auto joined = track;
  joined.cues[0].text = "ការធានារ៉ាប់រងសង្គមស្ម័គ្រចិត្តសម្រាប់ប្រជាពលរដ្ឋគ្រប់រូប";
  const Rendered unmarked = render_track(joined, "km", layout, 1000);
  expect_inside(unmarked.box, layout);
  EXPECT_EQ(fitted_size(unmarked.script, 81), 81) << "not shrunk";
  // Two lines each: far taller than one line of 81 px text, and as tall as each other.
  EXPECT_GT(marked.box.h, 1.8 * 81);
  EXPECT_NEAR(unmarked.box.h, marked.box.h, 0.2 * marked.box.h);
}

TEST(CaptionSafeZoneMarks, MarksStackedFarBelowAndAboveStayInside) {
  const std::string below = "x\u0323\u0323\u0323\u0323\u0323\u0323\u0323\u0323 y";
  const std::string above = "X\u0302\u0302\u0302\u0302\u0302\u0302\u0302\u0302 Y";
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:05,000\n" + below + "\n", "marks.srt");
  const CaptionLayout layout{1080, 1920, kTikTokSafe};
  CaptionStyle style;
  style.language = "vi";
  CaptionBurner burner(build_ass_script(track, style, layout, {above, 1000}), FontSetup{});
  burner.configure(format_of(1080, 1920));
  FramePtr both = background(1080, 1920);
  ASSERT_TRUE(burner.process(*both, 500));  // title and cue
  expect_inside(burner.last_box(), layout);
  EXPECT_LT(burner.last_box().y, layout.safe.top_px + 10);
  EXPECT_GT(burner.last_box().y + burner.last_box().h, 1920 - layout.safe.bottom_px - 10);
}

TEST(CaptionTitle, TitleSitsInTheTopSafeAreaForItsDuration) {
  const auto track = parse_srt("1\n00:00:06,000 --> 00:00:07,000\nlater\n", "t.srt");
  const CaptionLayout layout{1080, 1920, kTikTokSafe};
  CaptionStyle style;
  style.language = "vi";
  const std::string script =
      build_ass_script(track, style, layout, {"Bảo hiểm xã hội tự nguyện: tham gia ngay", 3000});
  CaptionBurner burner(script, FontSetup{});
  burner.configure(format_of(1080, 1920));
  FramePtr frame = background(1080, 1920);
  ASSERT_TRUE(burner.process(*frame, 1000));
  const auto box = burner.last_box();
  expect_inside(box, layout);
  EXPECT_LT(box.y, layout.safe.top_px + 40);  // at the top of the safe area, not the bottom
  FramePtr later = background(1080, 1920);
  EXPECT_FALSE(burner.process(*later, 4000));  // gone after its duration (and before the cue)
}

// A logo in a top corner pushes the title below it; in a bottom corner, the captions above it.
TEST(CaptionTitle, TextKeepsClearOfTheLogo) {
  const auto track =
      parse_srt("1\n00:00:00,000 --> 00:00:03,000\nNgười hưởng lương hưu được cấp thẻ BHYT\n", "c.srt");
  CaptionStyle style;
  style.language = "vi";
  const TitleText title{"Bảo hiểm xã hội tự nguyện cho mọi người", 3000};
  const SubtitleTrack none{SubtitleFormat::kSrt, "none.srt", {}, {}, {}};
  auto overlaps = [](const CaptionBurner::Box& t, const CaptionLayout::Box& l) {
    return t.x < l.x + l.w && l.x < t.x + t.w && t.y < l.y + l.h && l.y < t.y + t.h;
  };
  // Top-right of TikTok's safe zone, 216x108 (a 2:1 logo at 20 % of the width).
  const CaptionLayout::Box top_logo{698, 270, 216, 108};
  {
    const CaptionLayout plain{1080, 1920, kTikTokSafe};
    CaptionBurner burner(build_ass_script(none, style, plain, title), FontSetup{});
    burner.configure(format_of(1080, 1920));
    FramePtr frame = background(1080, 1920);
    ASSERT_TRUE(burner.process(*frame, 1000));
    ASSERT_TRUE(overlaps(burner.last_box(), top_logo))
        << "the title would not meet the logo: the test proves nothing";
  }
  const CaptionLayout with_logo{1080, 1920, kTikTokSafe, top_logo};
  CaptionBurner burner(build_ass_script(none, style, with_logo, title), FontSetup{});
  burner.configure(format_of(1080, 1920));
  FramePtr frame = background(1080, 1920);
  ASSERT_TRUE(burner.process(*frame, 1000));
  const auto box = burner.last_box();
  expect_inside(box, with_logo);
  EXPECT_FALSE(overlaps(box, top_logo)) << box.x << "," << box.y << " " << box.w << "x" << box.h;
  EXPECT_GE(box.y, top_logo.y + top_logo.h);
  EXPECT_LT(box.y, top_logo.y + top_logo.h + 60) << "the title should sit just below the logo";

  // Bottom-left, just above the bottom margin: the captions rise above it.
  const CaptionLayout::Box bottom_logo{65, 1920 - 672 - 108, 216, 108};
  const CaptionLayout low{1080, 1920, kTikTokSafe, bottom_logo};
  CaptionBurner captions(build_ass_script(track, style, low), FontSetup{});
  captions.configure(format_of(1080, 1920));
  FramePtr low_frame = background(1080, 1920);
  ASSERT_TRUE(captions.process(*low_frame, 1000));
  const auto cbox = captions.last_box();
  expect_inside(cbox, low);
  EXPECT_LE(cbox.y + cbox.h, bottom_logo.y);
}

TEST(CaptionCard, CardIsCentredInTheSafeArea) {
  const SubtitleTrack none{SubtitleFormat::kSrt, "none.srt", {}, {}, {}};
  for (const CaptionLayout& layout :
       {CaptionLayout{1080, 1920, kTikTokSafe}, CaptionLayout{1920, 1080, kYouTubeSafe}}) {
    CaptionStyle style;
    style.language = "vi";
    const std::string script = build_ass_script(
        none, style, layout, {}, {{"Lương hưu từ 60 tuổi cho mọi người lao động tự do", 0, 3000}});
    const Rendered r = render(script, layout.width_px, layout.height_px, 1000);
    ASSERT_TRUE(r.drawn);
    expect_inside(r.box, layout);
    const double cx =
        layout.safe.left_px + (layout.width_px - layout.safe.left_px - layout.safe.right_px) / 2.0;
    const double cy =
        layout.safe.top_px + (layout.height_px - layout.safe.top_px - layout.safe.bottom_px) / 2.0;
    EXPECT_NEAR(r.box.x + r.box.w / 2.0, cx, 6);
    EXPECT_NEAR(r.box.y + r.box.h / 2.0, cy, 0.1 * r.box.h);
  }
}

// ---- Line breaking in scripts without spaces ------------------------------------------------

// The Text field of the script's first Default dialogue.
std::string first_dialogue_text(const std::string& script) {
  const size_t at = script.find("Dialogue: 0,");
  if (at == std::string::npos) return {};
  const size_t eol = script.find('\n', at);
  const std::string line = script.substr(at, eol - at);
  size_t pos = 0;
  for (int commas = 0; commas < 9 && pos != std::string::npos; ++commas) pos = line.find(',', pos + 1);
  return pos == std::string::npos ? std::string() : line.substr(pos + 1);
}

// The lines of an ASS text as laid out: override blocks removed, split at \N.
std::vector<std::string> laid_out_lines(const std::string& ass_text) {
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < ass_text.size(); ++i) {
    if (ass_text[i] == '{') {
      i = ass_text.find('}', i);
      continue;
    }
    if (ass_text.compare(i, 2, "\\N") == 0) {
      lines.emplace_back();
      ++i;
      continue;
    }
    lines.back() += ass_text[i];
  }
  return lines;
}

// Lines of text on the frame, counted from the pixels: bands of rows where the ink covers at
// least 40 % as many pixels as in the densest row, i.e. the x-height band (the body of the
// letters) of each line. Marks above and below are much sparser; in Khmer they can reach the
// next line, so counting bands of any ink would merge lines.
int ink_line_count(const AVFrame& frame) {
  std::vector<int> row_ink(static_cast<size_t>(frame.height), 0);
  for (int y = 0; y < frame.height; ++y) {
    for (int x = 0; x < frame.width; ++x)
      row_ink[static_cast<size_t>(y)] += std::abs(luma(frame, x, y) - kBgY) > 8;
  }
  return test::dense_row_bands(row_ink);
}

// The width of one line of `text` at the caption size of a 1920 px high frame, never wrapped.
int natural_width_px(const std::string& text, const std::string& language) {
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:05,000\n" + text + "\n", "one.srt");
  const CaptionLayout wide{8000, 1920, {0, 0, 0, 0}};
  return render_track(track, language, wide, 1000).box.w;
}

struct SpacelessCase {
  std::string language;
  std::string text;  // no spaces at all
};

void PrintTo(const SpacelessCase& c, std::ostream* os) { *os << c.language; }

class CaptionSpaceless : public ::testing::TestWithParam<SpacelessCase> {};

const std::string kEnglishTwoLines = "Voluntary social insurance for all";

TEST_P(CaptionSpaceless, WrapsAtWordBoundariesAtTheSizeOfEnglish) {
  const SpacelessCase& c = GetParam();
  ASSERT_EQ(c.text.find(' '), std::string::npos);
  // Texts of similar width, or the comparison would say nothing.
  const int english_w = natural_width_px(kEnglishTwoLines, "en");
  const int other_w = natural_width_px(c.text, c.language);
  ASSERT_GT(other_w, 0.8 * english_w);
  ASSERT_LT(other_w, 1.25 * english_w);

  const CaptionLayout layout{1080, 1920, kTikTokSafe};
  const auto srt = [](const std::string& text) {
    return parse_srt("1\n00:00:00,000 --> 00:00:05,000\n" + text + "\n", "cue.srt");
  };
  const Rendered english = render_track(srt(kEnglishTwoLines), "en", layout, 1000);
  const Rendered other = render_track(srt(c.text), c.language, layout, 1000);
  ASSERT_TRUE(english.drawn);
  ASSERT_TRUE(other.drawn);
  expect_inside(other.box, layout);
  // The same font size (81 px = 0.042 x 1920, no smaller \fs) and the same number of lines.
  EXPECT_EQ(fitted_size(english.script, 81), 81) << english.script;
  EXPECT_EQ(fitted_size(other.script, 81), 81) << other.script;
  const int english_lines = ink_line_count(*english.frame);
  EXPECT_EQ(english_lines, 2);
  EXPECT_EQ(ink_line_count(*other.frame), english_lines) << other.script;

  // Every line break is one of ICU's own line boundaries and never inside a grapheme cluster.
  const std::vector<std::string> lines = laid_out_lines(first_dialogue_text(other.script));
  EXPECT_EQ(static_cast<int>(lines.size()), ink_line_count(*other.frame)) << other.script;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Locale locale = icu::Locale::forLanguageTag(c.language, status);
  std::unique_ptr<icu::BreakIterator> words(icu::BreakIterator::createLineInstance(locale, status));
  std::unique_ptr<icu::BreakIterator> clusters(icu::BreakIterator::createCharacterInstance(locale, status));
  ASSERT_TRUE(U_SUCCESS(status)) << u_errorName(status);
  const icu::UnicodeString whole = icu::UnicodeString::fromUTF8(c.text);
  words->setText(whole);
  clusters->setText(whole);
  int32_t at = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const icu::UnicodeString line = icu::UnicodeString::fromUTF8(lines[i]);
    ASSERT_GT(line.length(), 0) << "line " << i << " is empty";
    ASSERT_EQ(whole.tempSubString(at, line.length()), line)
        << "line " << i << " is not the text that follows";
    if (i > 0) {
      EXPECT_TRUE(words->isBoundary(at))
          << "line " << i << " starts at " << at << ", not an ICU line boundary";
      EXPECT_TRUE(clusters->isBoundary(at)) << "line " << i << " starts inside a grapheme cluster";
    }
    at += line.length();
  }
  EXPECT_EQ(at, whole.length()) << "the lines do not hold the whole text";
}

INSTANTIATE_TEST_SUITE_P(Scripts, CaptionSpaceless,
                         ::testing::Values(SpacelessCase{"th", "ประกันสังคมแบบสมัครใจสำหรับทุกคน"},
                                           SpacelessCase{"km", "ការធានារ៉ាប់រងសង្គមសម្រាប់មនុស្សគ្រប់គ្នា"},
                                           SpacelessCase{"lo", "ປະກັນສັງຄົມແບບສະໝັກໃຈສຳລັບທຸກຄົນໃນລາວ"}),
                         [](const ::testing::TestParamInfo<SpacelessCase>& info) {
                           return info.param.language;
                         });

// An author's ASS event in Thai without spaces, wider than the safe area: libass wraps it at
// ICU's word ends (inside the safe zone, two lines) instead of running it off the safe area.
TEST(CaptionSpacelessAss, AuthorsThaiEventWrapsAtWordEnds) {
  const std::string ass =
      "[Script Info]\nScriptType: v4.00+\nPlayResX: 1080\nPlayResY: 1920\nWrapStyle: 0\n"
      "ScaledBorderAndShadow: yes\n\n[V4+ Styles]\n"
      "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
      "Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, "
      "Alignment, MarginL, MarginR, MarginV, Encoding\n"
      "Style: Default,Noto Sans Thai,81,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,"
      "6,0,2,20,20,20,1\n\n[Events]\n"
      "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
      "Dialogue: 0,0:00:00.00,0:00:05.00,Default,,0,0,0,,ประกันสังคมแบบสมัครใจสำหรับทุกคน\n";
  const CaptionLayout layout{1080, 1920, kTikTokSafe};
  ASSERT_GT(natural_width_px("ประกันสังคมแบบสมัครใจสำหรับทุกคน", "th"),
            layout.width_px - layout.safe.left_px - layout.safe.right_px)
      << "the event would fit on one line: the test proves nothing";
  const Rendered r = render_track(parse_ass(ass, "th.ass"), "th", layout, 1000);
  ASSERT_TRUE(r.drawn);
  expect_inside(r.box, layout);
  EXPECT_EQ(ink_line_count(*r.frame), 2) << r.script;
}

// ---- Missing glyphs -------------------------------------------------------------------------

TEST(CaptionGlyphs, MissingGlyphIsRefusedBeforeRendering) {
  const auto track = parse_srt(
      "1\n00:00:00,000 --> 00:00:02,000\nសន្តិសុខសង្គម\n\n2\n00:00:02,000 --> 00:00:04,000\nសង្គម \uE000\n",
      "km.srt");
  try {
    check_glyph_coverage(track, "km", "Noto Sans");
    FAIL() << "a private-use character was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput);
    EXPECT_THAT(e.what(), HasSubstr("km.srt:6 (cue 2)"));
    EXPECT_THAT(e.what(), HasSubstr("'km'"));
    EXPECT_THAT(e.what(), HasSubstr("U+E000"));
  }
  const auto han = parse_srt("1\n00:00:00,000 --> 00:00:02,000\nBảo hiểm 保险\n", "vi.srt");
  EXPECT_THROW(check_glyph_coverage(han, "vi", "Noto Sans"), Error);
}

// ---- word highlight ---------------------------------------------------------------------------

// Pixels of the highlight colour (#FFD400, the default) on a frame: bright, saturated yellow,
// which neither the white text, its black outline nor the teal background comes near.
struct Highlight {
  int count = 0;
  int x_min = INT_MAX, x_max = -1;
};
Highlight highlight_in(const AVFrame& frame, int x_from = 0, int x_to = INT_MAX) {
  const FramePtr rgb = test::to_rgb24(frame);
  Highlight h;
  for (int y = 0; y < rgb->height; ++y) {
    const uint8_t* row = rgb->data[0] + y * rgb->linesize[0];
    for (int x = std::max(0, x_from); x < std::min(rgb->width, x_to); ++x) {
      const uint8_t r = row[3 * x], g = row[3 * x + 1], b = row[3 * x + 2];
      if (r > 190 && g > 150 && b < 110) {
        ++h.count;
        h.x_min = std::min(h.x_min, x);
        h.x_max = std::max(h.x_max, x);
      }
    }
  }
  return h;
}

// Runs of columns with ink, split where at least `gap_px` columns have none: the words of a
// line of Latin text drawn without an outline.
std::vector<std::pair<int, int>> ink_runs(const AVFrame& frame, int gap_px) {
  std::vector<std::pair<int, int>> runs;
  int blank = gap_px;
  for (int x = 0; x < frame.width; ++x) {
    bool ink = false;
    for (int y = 0; y < frame.height && !ink; ++y) ink = std::abs(luma(frame, x, y) - kBgY) > 8;
    if (ink) {
      if (blank >= gap_px) runs.emplace_back(x, x);
      runs.back().second = x;
      blank = 0;
    } else {
      ++blank;
    }
  }
  return runs;
}

CaptionStyle highlight_style(const std::string& language) {
  CaptionStyle style;
  style.language = language;
  style.animation = CaptionStyle::Animation::kWordHighlight;
  style.outline_rel = 0.0;  // so that the spaces between words are gaps in the ink
  return style;
}

TEST(CaptionWordHighlight, TheSpokenWordIsInTheHighlightColourAndMovesOn) {
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const auto track =
      parse_vtt("WEBVTT\n\n00:00.000 --> 00:03.000\nAlpha <00:01.000>Bravo <00:02.000>Charlie\n", "w.vtt");
  const std::string script = build_ass_script(track, highlight_style("en"), layout);
  const Rendered none = render(script, 1280, 720, 3500);
  EXPECT_FALSE(none.drawn);
  const Rendered in_two = render(script, 1280, 720, 1500);
  const auto words = ink_runs(*in_two.frame, 5);
  ASSERT_EQ(words.size(), 3u) << script;
  const auto lit = [&](const Rendered& r, size_t word) {
    return highlight_in(*r.frame, words[word].first, words[word].second + 1).count;
  };
  EXPECT_GT(lit(in_two, 1), 100);
  EXPECT_EQ(lit(in_two, 0), 0);
  EXPECT_EQ(lit(in_two, 2), 0);
  // A frame later in the cue (word 3), the highlight has moved and the text has not.
  const Rendered in_three = render(script, 1280, 720, 2500);
  EXPECT_EQ(ink_runs(*in_three.frame, 5), words);
  EXPECT_GT(lit(in_three, 2), 100);
  EXPECT_EQ(lit(in_three, 1), 0);
  const Rendered in_one = render(script, 1280, 720, 400);
  EXPECT_GT(lit(in_one, 0), 100);
  EXPECT_EQ(lit(in_one, 1) + lit(in_one, 2), 0);
}

TEST(CaptionWordHighlight, WithABoxTheSpokenWordSitsOnABoxInTheHighlightColour) {
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const auto track =
      parse_vtt("WEBVTT\n\n00:00.000 --> 00:03.000\nAlpha <00:01.000>Bravo <00:02.000>Charlie\n", "w.vtt");
  const CaptionStyle plain_style = highlight_style("en");
  const auto words =
      ink_runs(*render(build_ass_script(track, plain_style, layout), 1280, 720, 1500).frame, 5);
  ASSERT_EQ(words.size(), 3u);
  CaptionStyle style = plain_style;
  style.highlight_box = true;
  const std::string script = build_ass_script(track, style, layout);
  const Rendered r = render(script, 1280, 720, 1500);
  const auto lit = [&](size_t word) {
    return highlight_in(*r.frame, words[word].first, words[word].second + 1).count;
  };
  // The box fills the word's cell around its (white) letters: far more yellow than letters alone.
  const int word_px = (words[1].second - words[1].first + 1);
  EXPECT_GT(lit(1), word_px * 10) << script;
  EXPECT_EQ(lit(0), 0);
  EXPECT_EQ(lit(2), 0);
  // The letters of the spoken word stay white on it.
  const FramePtr rgb = test::to_rgb24(*r.frame);
  int white = 0;
  for (int y = 0; y < rgb->height; ++y) {
    for (int x = words[1].first; x <= words[1].second; ++x) {
      const uint8_t* p = rgb->data[0] + y * rgb->linesize[0] + 3 * x;
      white += p[0] > 230 && p[1] > 230 && p[2] > 230;
    }
  }
  EXPECT_GT(white, 40);
}

TEST(CaptionWordHighlight, WithoutTheAnimationNothingIsHighlighted) {
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const auto track = parse_vtt("WEBVTT\n\n00:00.000 --> 00:03.000\nAlpha <00:01.000>Bravo\n", "w.vtt");
  CaptionStyle style = highlight_style("en");
  style.animation = CaptionStyle::Animation::kNone;
  const Rendered r = render(build_ass_script(track, style, layout), 1280, 720, 1500);
  EXPECT_TRUE(r.drawn);
  EXPECT_EQ(highlight_in(*r.frame).count, 0);
}

TEST(CaptionWordHighlight, ALongCueIsShownInPagesOfWholeWordsAtFullSize) {
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  std::string text;
  for (int i = 0; i < 24; ++i) text += (i ? " " : "") + std::string("word") + std::to_string(i);
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:12,000\n" + text + "\n", "long.srt");
  CaptionStyle style = highlight_style("en");
  style.max_lines = 1;
  const std::string script = build_ass_script(track, style, layout);
  EXPECT_THAT(script, Not(HasSubstr("\\fs")));  // pages, not a smaller font
  EXPECT_THAT(script, HasSubstr(",word0 word1"));
  const Rendered first = render(script, 1280, 720, 100);
  const Rendered last = render(script, 1280, 720, 11900);
  EXPECT_GT(highlight_in(*first.frame).count, 50);
  EXPECT_GT(highlight_in(*last.frame).count, 50);
  EXPECT_EQ(ink_line_count(*first.frame), 1);
  // The last page does not show the first words: its first ink starts elsewhere or it is shorter.
  EXPECT_NE(ink_runs(*first.frame, 5), ink_runs(*last.frame, 5));
}

// The highlighted text of each Default event of a script, override blocks removed, in order,
// with the event's start and end.
struct LitEvent {
  std::string text;
  int64_t start_ms = 0, end_ms = 0;
};
std::vector<LitEvent> lit_events(const std::string& script) {
  std::vector<LitEvent> out;
  const std::regex event(
      R"(Dialogue: 0,(\d+):(\d\d):(\d\d)\.(\d\d),(\d+):(\d\d):(\d\d)\.(\d\d),Default,[^\n]*?\{\\1c&H[0-9A-F]+&\}(.*?)\{\\1c\})");
  const auto ms = [](const std::smatch& m, int i) {
    return ((std::stoll(m[i]) * 60 + std::stoll(m[i + 1])) * 60 + std::stoll(m[i + 2])) * 1000 +
           std::stoll(m[i + 3]) * 10;
  };
  for (auto it = std::sregex_iterator(script.begin(), script.end(), event); it != std::sregex_iterator();
       ++it) {
    std::string text = std::regex_replace((*it)[9].str(), std::regex(R"(\{[^}]*\}|\\N)"), "");
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out.push_back({text, ms(*it, 1), ms(*it, 5)});
  }
  return out;
}

class CaptionWordHighlightSpaceless : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

TEST_P(CaptionWordHighlightSpaceless, HighlightsWholeWordsAsIcuSegmentsThem) {
  const auto [language, text] = GetParam();
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:04,000\n" + std::string(text) + "\n", "s.srt");
  const std::string script = build_ass_script(track, highlight_style(language), layout);
  const std::vector<test::IcuWord> expected = test::icu_words(text, language);
  ASSERT_GE(expected.size(), 3u) << "the test text should have several words";
  const std::vector<LitEvent> events = lit_events(script);
  ASSERT_EQ(events.size(), expected.size()) << script;
  int previous_x = -1;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].text, expected[i].text) << "word " << i;
    // On the frame: the word's highlight is there, and it is to the right of the one before.
    const Rendered r = render(script, 1280, 720, (events[i].start_ms + events[i].end_ms) / 2);
    const Highlight h = highlight_in(*r.frame);
    EXPECT_GT(h.count, 30) << "word " << i;
    EXPECT_GT(h.x_min, previous_x) << "word " << i;
    previous_x = h.x_min;
  }
  EXPECT_EQ(events.front().start_ms, 0);
  EXPECT_EQ(events.back().end_ms, 4000);
}

INSTANTIATE_TEST_SUITE_P(
    ThaiKhmer, CaptionWordHighlightSpaceless,
    ::testing::Values(
        std::make_pair("th",
                       "\u0E2A\u0E27\u0E31\u0E2A\u0E14\u0E35\u0E04\u0E23\u0E31\u0E1A "
                       "\u0E22\u0E34\u0E19\u0E14\u0E35\u0E15\u0E49\u0E2D\u0E19\u0E23\u0E31\u0E1A"),
        std::make_pair("km",
                       "\u179F\u17BD\u179F\u17D2\u178F\u17B8\u1796\u17B7\u1797\u1796\u179B"
                       "\u17C4\u1780\u179F\u1793\u17D2\u178F\u17B7\u1797\u17B6\u1796")),
    [](const auto& info) { return std::string(info.param.first); });

// ---- colour emoji ------------------------------------------------------------------------------

struct Colours {
  int green = 0;      // clearly green: the ✅ box of Noto Color Emoji
  int colourful = 0;  // far from grey and from the teal background
  int dark = 0;       // near black: a placeholder glyph blended as text would be (key colour #01xxxx)
  int x_min = INT_MAX;
};
Colours colours_in(const AVFrame& frame) {
  const FramePtr rgb = test::to_rgb24(frame);
  Colours c;
  for (int y = 0; y < rgb->height; ++y) {
    const uint8_t* row = rgb->data[0] + y * rgb->linesize[0];
    for (int x = 0; x < rgb->width; ++x) {
      const int r = row[3 * x], g = row[3 * x + 1], b = row[3 * x + 2];
      if (g > r + 30 && g > b + 50) {
        ++c.green;
        c.x_min = std::min(c.x_min, x);
      }
      if (std::max({r, g, b}) - std::min({r, g, b}) > 90) ++c.colourful;
      if (r + g + b < 60) ++c.dark;
    }
  }
  return c;
}

TEST(CaptionEmoji, ACheckMarkEmojiIsDrawnInColourWhereLibassPutIt) {
  if (!colour_emoji_covers("\u2705"))
    SHORTPACK_SKIP_OR_FAIL("the colour emoji font (fonts-noto-color-emoji) is not installed");
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  CaptionStyle style;
  style.outline_rel = 0.0;  // no black outline: any dark pixel would be the placeholder
  const auto with = parse_srt("1\n00:00:00,000 --> 00:00:02,000\nDone \u2705\n", "e.srt");
  check_glyph_coverage(with, "en", style.font_family);  // the pre-flight accepts it
  const std::string script = build_ass_script(with, style, layout);
  EXPECT_THAT(script, HasSubstr("; shortpack-emoji 010001 \u2705"));
  const Rendered r = render(script, 1280, 720, 1000);
  const Colours c = colours_in(*r.frame);
  EXPECT_GT(c.green, 150);
  EXPECT_EQ(c.dark, 0) << "the placeholder was blended (a tofu box)";
  // The emoji sits after the word, where libass laid out the placeholder.
  const auto text_only = parse_srt("1\n00:00:00,000 --> 00:00:02,000\nDone\n", "t.srt");
  const Rendered plain = render(build_ass_script(text_only, style, layout), 1280, 720, 1000);
  EXPECT_EQ(colours_in(*plain.frame).green, 0);
  ASSERT_GT(plain.box.w, 0);
  EXPECT_GT(c.x_min, plain.box.x + plain.box.w / 2);
  EXPECT_TRUE(r.box.w > plain.box.w);
  EXPECT_LE(r.box.y + r.box.h, 720 - layout.safe.bottom_px);
}

TEST(CaptionEmoji, TheTextKeepsItsOutlineAndTheEmojiGetsNone) {
  if (!colour_emoji_covers("\u2705")) SHORTPACK_SKIP_OR_FAIL("the colour emoji font is not installed");
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const CaptionStyle style;  // the default black outline
  const auto track = parse_srt("1\n00:00:00,000 --> 00:00:02,000\nDone \u2705 done\n", "e.srt");
  const Rendered r = render(build_ass_script(track, style, layout), 1280, 720, 1000);
  const FramePtr rgb = test::to_rgb24(*r.frame);
  const Colours c = colours_in(*r.frame);
  ASSERT_GT(c.green, 150);
  // Dark (outline) pixels: plenty around the words, none on the columns of the emoji's square.
  int green_x_max = -1;
  for (int y = 0; y < rgb->height; ++y) {
    for (int x = 0; x < rgb->width; ++x) {
      const uint8_t* p = rgb->data[0] + y * rgb->linesize[0] + 3 * x;
      if (p[1] > p[0] + 30 && p[1] > p[2] + 50) green_x_max = std::max(green_x_max, x);
    }
  }
  int dark_text = 0, dark_emoji = 0;
  for (int y = 0; y < rgb->height; ++y) {
    for (int x = 0; x < rgb->width; ++x) {
      const uint8_t* p = rgb->data[0] + y * rgb->linesize[0] + 3 * x;
      if (p[0] + p[1] + p[2] >= 60) continue;
      (x >= c.x_min && x <= green_x_max ? dark_emoji : dark_text) += 1;
    }
  }
  EXPECT_GT(dark_text, 200);
  EXPECT_EQ(dark_emoji, 0);
}

TEST(CaptionEmoji, ATitleWithAnEmojiRendersInColourAndScalesWithTheText) {
  if (!colour_emoji_covers("\U0001F389")) SHORTPACK_SKIP_OR_FAIL("the colour emoji font is not installed");
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const SubtitleTrack none;
  const auto colourful_at = [&](double size_rel) {
    CaptionStyle style;
    style.size_rel = size_rel;
    const std::string script = build_ass_script(none, style, layout, TitleText{"Sale \U0001F389", 2000, 0});
    const Rendered r = render(script, 1280, 720, 1000);
    EXPECT_LE(r.box.y + r.box.h, 360) << "the title is at the top";
    return colours_in(*r.frame).colourful;
  };
  const int small = colourful_at(0.04);
  const int large = colourful_at(0.08);
  EXPECT_GT(small, 100);
  EXPECT_GT(large, 3 * small);  // twice the size, four times the area
}

// An author's own ASS event with an emoji (no outline in the author's style, so any dark pixel
// would be the placeholder): drawn in colour right of the word, at the event's own \fs size.
TEST(CaptionEmoji, EmojiInAnAuthorsAssEventIsDrawnInColourAtTheEventsSize) {
  if (!colour_emoji_covers("\u2705")) SHORTPACK_SKIP_OR_FAIL("the colour emoji font is not installed");
  const auto script_with = [](const std::string& text) {
    return "[Script Info]\nScriptType: v4.00+\nPlayResX: 1280\nPlayResY: 720\nScaledBorderAndShadow: yes\n\n"
           "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
           "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
           "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
           "Style: Default,Noto Sans,48,&H00FFFFFF,&H000000FF,&H00000000,&H00000000,-1,0,0,0,100,100,0,0,1,"
           "0,0,2,20,20,20,1\n\n[Events]\n"
           "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
           "Dialogue: 0,0:00:00.00,0:00:02.00,Default,,0,0,0,," +
           text + "\n";
  };
  const CaptionLayout layout(1280, 720, kYouTubeSafe);
  const Rendered r = render_track(parse_ass(script_with("Done \u2705"), "e.ass"), "en", layout, 1000);
  EXPECT_THAT(r.script, HasSubstr("; shortpack-emoji"));
  const Colours c = colours_in(*r.frame);
  EXPECT_GT(c.green, 150);
  EXPECT_EQ(c.dark, 0) << "the placeholder was blended (a tofu box)";
  const Rendered plain = render_track(parse_ass(script_with("Done"), "t.ass"), "en", layout, 1000);
  EXPECT_EQ(colours_in(*plain.frame).green, 0);
  ASSERT_GT(plain.box.w, 0);
  EXPECT_GT(c.x_min, plain.box.x + plain.box.w / 2) << "the emoji should follow the word";
  // The event's own size override scales the emoji with the text: twice the size, about four
  // times the area.
  const Rendered large =
      render_track(parse_ass(script_with("{\\fs96}Done \u2705"), "l.ass"), "en", layout, 1000);
  EXPECT_GT(colours_in(*large.frame).green, 3 * c.green);
}

TEST(CaptionEmoji, PreflightAcceptsCoveredEmojiAndStillRefusesWhatNoFontHas) {
  if (!colour_emoji_covers("\u2705")) SHORTPACK_SKIP_OR_FAIL("the colour emoji font is not installed");
  EXPECT_NO_THROW(
      check_text_coverage("Yes \u2705 \U0001F44D\U0001F3FD \U0001F1FB\U0001F1F3", "vi", "Noto Sans", "t"));
  EXPECT_THAT(text_coverage_problems("a \uE000 \u2705", "en", "Noto Sans", "c.yaml:3"),
              ::testing::ElementsAre(HasSubstr("c.yaml:3: the 'en' text has '\uE000' (U+E000)")));
}

// A ZWJ sequence whose every emoji the colour font has, but not the sequence itself (dog + ZWJ +
// pizza): the burner would draw only the dog, so the pre-flight refuses it, naming the file and
// the cue's line; sequences the font has a glyph for pass.
TEST(CaptionEmoji, PreflightRefusesAZwjSequenceTheColourFontHasNoGlyphFor) {
  if (!colour_emoji_covers("\U0001F436")) SHORTPACK_SKIP_OR_FAIL("the colour emoji font is not installed");
  const std::string dog_pizza = "\U0001F436\u200D\U0001F355";
  ASSERT_TRUE(colour_emoji_covers(dog_pizza)) << "the font should have both emoji: the test proves nothing";
  const auto track =
      parse_srt("1\n00:00:00,000 --> 00:00:01,000\nFine\n\n2\n00:00:01,000 --> 00:00:02,000\nLunch " +
                    dog_pizza + " and " + dog_pizza + "\n",
                "z.en.srt");
  EXPECT_THAT(glyph_coverage_problems(track, "en", "Noto Sans"),
              ::testing::ElementsAre(::testing::AllOf(
                  HasSubstr("z.en.srt:6 (cue 2): the 'en' text has the emoji sequence '" + dog_pizza + "'"),
                  HasSubstr("(U+1F436 U+200D U+1F355)"), HasSubstr("has no single glyph for"))));
  EXPECT_THROW(check_glyph_coverage(track, "en", "Noto Sans"), Error);
  // A family, the rainbow flag, a skin tone and a country flag are single glyphs of the font.
  EXPECT_THAT(
      text_coverage_problems("\U0001F468\u200D\U0001F469\u200D\U0001F467 \U0001F3F3\uFE0F\u200D\U0001F308 "
                             "\U0001F44D\U0001F3FD \U0001F1FB\U0001F1F3",
                             "en", "Noto Sans", "t"),
      ::testing::IsEmpty());
}

}  // namespace
}  // namespace shortpack

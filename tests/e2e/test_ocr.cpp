// An independent judge of burned-in captions (issue 16): Tesseract OCR reads the caption band of
// the encoded output, for English, Vietnamese (stacked diacritics), Khmer (subscript consonants)
// and Thai (no spaces), and must find the cue's text. The golden images of the filter tests are
// made by the code under test; OCR is not, so a caption drawn with the wrong glyphs (tofu, a
// fallback font without the script, marks lost in shaping) or not at all fails here.
//
// Frames are cut and binarised by ffmpeg (a judge, never shortpack's own code) and read by the
// `tesseract` program with Debian's tesseract-ocr-{eng,vie,khm,tha} models.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/base/edit_distance.h"
#include "pipeline/captions/text_util.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

// UTF-8 to code points, leaving out white space (OCR places spaces by its own judgement).
std::u32string code_points(const std::string& s) {
  std::u32string out;
  for (const char32_t cp : captions::decode_utf8(s)) {
    if (cp == U' ' || cp == U'\n' || cp == U'\t' || cp == U'\r' || cp == U'\f' || cp == 0x200B) continue;
    out.push_back(cp);
  }
  // Thai SARA AM is one code point in text, NIKHAHIT + SARA AA in Tesseract's output.
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == 0x0E4D && out[i + 1] == 0x0E32) out.replace(i, 2, 1, 0x0E33);
  }
  return out;
}

struct OcrCase {
  const char* language;   // campaign language
  const char* tesseract;  // Tesseract model
  const char* text;
};

void PrintTo(const OcrCase& c, std::ostream* os) { *os << c.language; }

class CaptionOcr : public test::SuiteFolder<::testing::TestWithParam<OcrCase>> {
 protected:
  static void SetUpTestSuite() { open_suite_folder("ocr", /*presets=*/false); }
};

// The cue is on screen for 0..1.5 s of a 2 s clip at TikTok's size; frames at 0.5 s (inside the
// cue) and 1.8 s (after it) are read.
TEST_P(CaptionOcr, TesseractReadsTheCueFromTheEncodedOutput) {
  const OcrCase& c = GetParam();
  if (test::run_command("tesseract --list-langs").output.find(c.tesseract) == std::string::npos) {
    SHORTPACK_SKIP_OR_FAIL("tesseract with the '" << c.tesseract
                                                  << "' model is not installed (scripts/setup installs it)");
  }
  const fs::path root = dir_->path() / c.language;
  test::make_clip(root / "src.mp4", 2.0, "color=c=0x405060:s=1080x1920:r=30");
  write_text(root / "cue.srt", std::string("1\n00:00:00,000 --> 00:00:01,500\n") + c.text + "\n");
  write_text(root / "c.yaml", std::string("name: ocr\nlanguages: [") + c.language +
                                  "]\nplatforms: [tiktok]\nclips:\n  - id: c\n    source: src.mp4\n"
                                  "    captions: {" +
                                  c.language + ": cue.srt}\n");
  const auto run = test::run_shortpack("render " + shell_quote((root / "c.yaml").string()) + " --out " +
                                       shell_quote((root / "out").string()) + " --progress none");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path video = root / "out/ocr/c" / (std::string("c.tiktok.") + c.language + ".mp4");

  auto read_at = [&](const std::string& at_s) {
    // The lower part of the frame (captions sit above TikTok's bottom safe margin), white text
    // turned black on white, as Tesseract reads best.
    const fs::path png = root / ("band-" + at_s + ".png");
    const auto cut = test::run_command(
        "ffmpeg -nostdin -hide_banner -loglevel error -y -ss " + at_s + " -i " + shell_quote(video.string()) +
        " -frames:v 1 -vf \"crop=1080:800:0:900,format=gray,lutyuv=y='if(gt(val,180),0,255)'\" " +
        shell_quote(png.string()));
    EXPECT_EQ(cut.exit_code, 0) << cut.output;
    const auto ocr = test::run_command("tesseract " + shell_quote(png.string()) + " - -l " + c.tesseract +
                                       " --psm 6 2>/dev/null");
    EXPECT_EQ(ocr.exit_code, 0) << ocr.output;
    return ocr.output;
  };
  const std::u32string want = code_points(c.text);
  const std::string during = read_at("0.5");
  const size_t distance = edit_distance(code_points(during), want);
  // At most one code point in ten wrong: OCR's own errors, not a wrong rendering (a missing
  // script or a fallback box reads as nothing like the text).
  EXPECT_LE(distance * 10, want.size()) << "Tesseract read '" << during << "' for '" << c.text << "'";
  const std::string after = read_at("1.8");
  EXPECT_GT(edit_distance(code_points(after), want) * 2, want.size())
      << "Tesseract reads the cue after it ended: '" << after << "'";
}

INSTANTIATE_TEST_SUITE_P(Scripts, CaptionOcr,
                         ::testing::Values(OcrCase{"en", "eng", "Voluntary social insurance for everyone"},
                                           OcrCase{"vi", "vie", "Bảo hiểm xã hội tự nguyện cho mọi người"},
                                           OcrCase{"km", "khm", "សន្តិសុខសង្គមសម្រាប់ទាំងអស់គ្នា"},
                                           OcrCase{"th", "tha", "ประกันสังคมสำหรับทุกคน"}),
                         [](const ::testing::TestParamInfo<OcrCase>& info) {
                           return std::string(info.param.language);
                         });

}  // namespace
}  // namespace shortpack

// Phone footage and photos look as they did on the phone (issue 25). Every input is made from one
// SDR reference picture the way cameras, phones and design tools make them (FFmpeg's zscale for
// HLG, PQ and BT.601; exiftool for EXIF orientation; heif-enc for HEIC; an ICC profile embedded
// with exiftool), and every output is judged against that reference or against an independent
// colour-managed rendering of the same file (lcms's jpgicc, as a browser shows it) in CIELAB,
// never against shortpack's own numbers.
#include <gtest/gtest.h>
#include <lcms2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/image_io.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;

using test::ffmpeg;

void run_tool(const std::string& command) {
  const auto r = test::run_command(command);
  if (r.exit_code != 0) throw std::runtime_error(command + " failed:\n" + r.output);
}

// --- the reference picture: 4 x 2 flat patches of everyday saturated colours --------------------

using Rgb = std::array<double, 3>;
const std::array<Rgb, 8> kPatches = {{{200, 40, 40},
                                      {40, 170, 60},
                                      {40, 60, 200},
                                      {220, 200, 40},
                                      {190, 50, 170},
                                      {40, 180, 200},
                                      {230, 120, 30},
                                      {210, 150, 120}}};

void write_reference_png(const fs::path& path, int width_px, int height_px) {
  FramePtr f = alloc_video_frame(width_px, height_px, AV_PIX_FMT_RGB24);
  for (int y = 0; y < height_px; ++y) {
    for (int x = 0; x < width_px; ++x) {
      const Rgb& c = kPatches[static_cast<size_t>((y * 2 / height_px) * 4 + x * 4 / width_px)];
      for (int k = 0; k < 3; ++k) f->data[0][y * f->linesize[0] + 3 * x + k] = static_cast<uint8_t>(c[k]);
    }
  }
  test::write_png(path, *f);
}

// --- CIELAB of BT.709 / sRGB values (D65) --------------------------------------------------------

struct Lab {
  double l, a, b;
  [[nodiscard]] double chroma() const { return std::hypot(a, b); }
  [[nodiscard]] double hue_deg() const { return std::atan2(b, a) * 180.0 / M_PI; }
};

Lab lab_of(const Rgb& rgb) {
  double lin[3];
  for (int k = 0; k < 3; ++k) {
    const double v = std::clamp(rgb[k] / 255.0, 0.0, 1.0);
    lin[k] = v <= 0.04045 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
  }
  const double x = (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047;
  const double y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  const double z = (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883;
  const auto f = [](double t) {
    return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
  };
  return {116.0 * f(y) - 16.0, 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))};
}

// BT.709 limited-range Y'CbCr means to R'G'B' 0..255.
Rgb rgb_of_yuv(double y, double u, double v) {
  const double yy = (y - 16.0) * 255.0 / 219.0;
  const double pb = (u - 128.0) * 255.0 / 224.0;
  const double pr = (v - 128.0) * 255.0 / 224.0;
  return {yy + 1.5748 * pr, yy - 0.1873 * pb - 0.4681 * pr, yy + 1.8556 * pb};
}

struct ColourError {
  double mean_hue_deg = 0, median_chroma_ratio = 0, mean_lightness = 0;
};

double hue_difference(const Lab& a, const Lab& b) {
  double d = std::fabs(a.hue_deg() - b.hue_deg());
  return d > 180 ? 360 - d : d;
}

ColourError compare(const std::vector<Rgb>& got, const std::vector<Rgb>& want) {
  ColourError e;
  std::vector<double> ratios;
  for (size_t i = 0; i < got.size(); ++i) {
    const Lab g = lab_of(got[i]);
    const Lab w = lab_of(want[i]);
    e.mean_hue_deg += hue_difference(g, w) / static_cast<double>(got.size());
    e.mean_lightness += (g.l - w.l) / static_cast<double>(got.size());
    ratios.push_back(g.chroma() / w.chroma());
    std::printf("patch %zu: got L %.1f C %.1f h %.1f, want L %.1f C %.1f h %.1f\n", i, g.l, g.chroma(),
                g.hue_deg(), w.l, w.chroma(), w.hue_deg());
  }
  std::sort(ratios.begin(), ratios.end());
  e.median_chroma_ratio = (ratios[3] + ratios[4]) / 2.0;
  std::printf("mean hue error %.2f deg, median chroma ratio %.3f, mean lightness difference %+.1f\n",
              e.mean_hue_deg, e.median_chroma_ratio, e.mean_lightness);
  return e;
}

std::vector<Rgb> reference_colours() { return {kPatches.begin(), kPatches.end()}; }

// The patches' colours in a decoded output picture where a `source_w` x `source_h` source was
// fitted (fit-pad) into the picture: the mean of the middle of each patch.
std::vector<Rgb> patch_colours(const test::YuvPicture& pic, int source_w, int source_h) {
  const double scale =
      std::min(static_cast<double>(pic.width_px) / source_w, static_cast<double>(pic.height_px) / source_h);
  const double off_x = (pic.width_px - source_w * scale) / 2;
  const double off_y = (pic.height_px - source_h * scale) / 2;
  std::vector<Rgb> out;
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 4; ++i) {
      const int cx = static_cast<int>(off_x + (i + 0.5) * source_w / 4.0 * scale);
      const int cy = static_cast<int>(off_y + (j + 0.5) * source_h / 2.0 * scale);
      out.push_back(rgb_of_yuv(pic.mean(0, cx - 8, cy - 8, cx + 8, cy + 8),
                               pic.mean(1, cx - 8, cy - 8, cx + 8, cy + 8),
                               pic.mean(2, cx - 8, cy - 8, cx + 8, cy + 8)));
    }
  }
  return out;
}

// The same from an RGB24 picture (a preview PNG, a jpgicc rendering).
std::vector<Rgb> patch_colours(const AVFrame& rgb, int source_w, int source_h) {
  const double scale =
      std::min(static_cast<double>(rgb.width) / source_w, static_cast<double>(rgb.height) / source_h);
  const double off_x = (rgb.width - source_w * scale) / 2;
  const double off_y = (rgb.height - source_h * scale) / 2;
  std::vector<Rgb> out;
  for (int j = 0; j < 2; ++j) {
    for (int i = 0; i < 4; ++i) {
      const int cx = static_cast<int>(off_x + (i + 0.5) * source_w / 4.0 * scale);
      const int cy = static_cast<int>(off_y + (j + 0.5) * source_h / 2.0 * scale);
      Rgb sum{0, 0, 0};
      for (int y = cy - 8; y < cy + 8; ++y) {
        for (int x = cx - 8; x < cx + 8; ++x) {
          for (int k = 0; k < 3; ++k) sum[k] += rgb.data[0][y * rgb.linesize[0] + 3 * x + k] / 256.0;
        }
      }
      out.push_back(sum);
    }
  }
  return out;
}

// --- ICC profiles made with lcms2 ----------------------------------------------------------------

// An RGB profile with the sRGB curve and the given primaries (D65).
void write_profile(const fs::path& path, const cmsCIExyYTRIPLE& primaries, const char* description) {
  const cmsCIExyY d65{0.3127, 0.3290, 1.0};
  const cmsFloat64Number params[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
  cmsToneCurve* curve = cmsBuildParametricToneCurve(nullptr, 4, params);
  cmsToneCurve* curves[3] = {curve, curve, curve};
  cmsHPROFILE p = cmsCreateRGBProfile(&d65, &primaries, curves);
  cmsMLU* text = cmsMLUalloc(nullptr, 1);
  cmsMLUsetASCII(text, "en", "US", description);
  cmsWriteTag(p, cmsSigProfileDescriptionTag, text);
  cmsMLUfree(text);
  ASSERT_TRUE(cmsSaveProfileToFile(p, path.c_str()));
  cmsCloseProfile(p);
  cmsFreeToneCurve(curve);
}

class PhoneMedia : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() {
    open_suite_folder("phone-media");
    fs::create_directories(root() / "media");
    write_reference_png(root() / "media" / "reference.png", 640, 360);
    write_reference_png(root() / "media" / "reference-sd.png", 640, 480);
  }
  static fs::path media(const std::string& name) { return root() / "media" / name; }
  static std::string q(const fs::path& p) { return shell_quote(p.string()); }

  // Renders `source_file` alone to small-landscape (640x360, fit-pad) and returns its frame 10.
  // Renders `source_file` alone as clip `clip` to small-landscape (640x360, fit-pad) under `out`.
  static test::CommandResult render_source(const std::string& clip, const std::string& source_file,
                                           const fs::path& out) {
    const fs::path campaign = root() / (clip + ".yaml");
    test::write_text(campaign,
                     "name: " + clip + "\nlanguages: [en]\nplatforms: [small-landscape]\nclips:\n  - {id: " +
                         clip + ", source: media/" + source_file + ", reframe: fit-pad, captions: none}\n");
    return render_with_presets(campaign, out);
  }

  static test::YuvPicture render_frame(const std::string& clip, const std::string& source_file) {
    const auto run = render_source(clip, source_file, root() / "out");
    EXPECT_EQ(run.exit_code, 0) << run.output;
    last_output_ = root() / "out" / clip / clip / (clip + ".small-landscape.en.mp4");
    return test::decode_frame(last_output_, 10);
  }

  // `shortpack preview` of a still segment on small-portrait or small-landscape, read back as RGB.
  static FramePtr preview_still(const std::string& name, const std::string& image_file,
                                const std::string& platform) {
    const fs::path campaign = root() / (name + ".yaml");
    test::write_text(campaign, "name: " + name + "\nlanguages: [en]\nplatforms: [" + platform +
                                   "]\nclips:\n  - id: " + name +
                                   "\n    captions: none\n    segments:\n      - {image: media/" +
                                   image_file + ", duration: 1.0, motion: none, reframe: fit-pad}\n");
    const fs::path png = root() / (name + ".png");
    const auto run =
        test::run_shortpack("preview " + q(campaign) + " --clip " + name + " --platform " + platform +
                            " --lang en --at 0.5 -o " + q(png) + " --presets " + q(root() / "presets"));
    EXPECT_EQ(run.exit_code, 0) << run.output;
    last_log_ = run.output;
    return test::read_png(png);
  }

  static inline fs::path last_output_;
  static inline std::string last_log_;
};

const char* kHdrEncode = "-c:v libx265 -preset ultrafast -pix_fmt yuv420p10le -tag:v hvc1 -an";

TEST_F(PhoneMedia, HlgClipLooksLikeTheSdrPictureItWasMadeFrom) {
  // What an iPhone records: 10-bit HEVC, BT.2020 primaries and matrix, the HLG curve.
  ffmpeg("-loop 1 -framerate 30 -t 1 -i " + q(media("reference.png")) +
         " -vf zscale=pin=bt709:tin=bt709:p=bt2020:t=arib-std-b67:m=bt2020nc:r=tv,format=yuv420p10le " +
         kHdrEncode +
         " -x265-params log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc " +
         "-color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc " + q(media("hlg.mp4")));
  const ColourError e = compare(patch_colours(render_frame("hlg", "hlg.mp4"), 640, 360), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_GE(e.median_chroma_ratio, 0.7);
  EXPECT_LE(std::fabs(e.mean_lightness), 15.0);
  // The file says what it is: BT.709 SDR.
  const auto probe = test::run_command(
      "ffprobe -v error -select_streams v:0 -show_entries "
      "stream=color_space,color_transfer,color_primaries -of csv=p=0 " +
      q(last_output_));
  EXPECT_EQ(probe.output, "bt709,bt709,bt709\n");
}

TEST_F(PhoneMedia, PqClipWithMetadataLooksLikeTheSdrPictureItWasMadeFrom) {
  // HDR10: the PQ curve, with the mastering display and content light levels an HDR10 file carries.
  ffmpeg("-loop 1 -framerate 30 -t 1 -i " + q(media("reference.png")) +
         " -vf zscale=pin=bt709:tin=bt709:p=bt2020:t=smpte2084:m=bt2020nc:r=tv,format=yuv420p10le " +
         kHdrEncode + " -x265-params " +
         shell_quote("log-level=error:colorprim=bt2020:transfer=smpte2084:colormatrix=bt2020nc:hdr10=1:"
                     "master-display=G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,1):"
                     "max-cll=1000,400") +
         " " + "-color_primaries bt2020 -color_trc smpte2084 -colorspace bt2020nc " + q(media("pq.mp4")));
  const ColourError e = compare(patch_colours(render_frame("pq", "pq.mp4"), 640, 360), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_GE(e.median_chroma_ratio, 0.7);
  EXPECT_LE(std::fabs(e.mean_lightness), 15.0);
}

TEST_F(PhoneMedia, TaggedBt601ClipIsConvertedAsBt601) {
  ffmpeg("-loop 1 -framerate 30 -t 1 -i " + q(media("reference-sd.png")) +
         " -vf zscale=pin=bt709:tin=bt709:p=170m:t=601:m=170m:r=tv,format=yuv420p -c:v libx264 -preset "
         "ultrafast "
         "-color_primaries smpte170m -color_trc smpte170m -colorspace smpte170m -an " +
         q(media("sd601.mp4")));
  const ColourError e =
      compare(patch_colours(render_frame("sd601", "sd601.mp4"), 640, 480), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_LE(std::fabs(e.mean_lightness), 3.0);
}

TEST_F(PhoneMedia, UntaggedSdClipIsReadAsBt601AsPlayersDo) {
  ffmpeg("-loop 1 -framerate 30 -t 1 -i " + q(media("reference-sd.png")) +
         " -vf zscale=pin=bt709:tin=bt709:p=170m:t=601:m=170m:r=tv,format=yuv420p,"
         "setparams=colorspace=unknown:color_primaries=unknown:color_trc=unknown -c:v libx264 -preset "
         "ultrafast -an " +
         q(media("sd-untagged.mp4")));
  const auto tags = test::run_command(
      "ffprobe -v error -select_streams v:0 -show_entries stream=color_space -of "
      "csv=p=0 " +
      q(media("sd-untagged.mp4")));
  ASSERT_EQ(tags.output, "unknown\n") << "the source must be untagged";
  const ColourError e =
      compare(patch_colours(render_frame("sduntagged", "sd-untagged.mp4"), 640, 480), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
}

TEST_F(PhoneMedia, RotatedHlgPhoneClipIsUpright) {
  // A portrait phone clip: stored landscape (turned clockwise), HLG, with a rotation tag that
  // tells players to turn it back (as in test_sources.cpp's rotated clip).
  write_reference_png(media("portrait.png"), 360, 640);
  ffmpeg("-loop 1 -framerate 30 -t 1 -i " + q(media("portrait.png")) +
         " -vf "
         "transpose=clock,zscale=pin=bt709:tin=bt709:p=bt2020:t=arib-std-b67:m=bt2020nc:r=tv,format="
         "yuv420p10le " +
         kHdrEncode +
         " -x265-params log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc " +
         "-color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc " +
         q(media("stored-hlg.mp4")));
  ffmpeg("-i " + q(media("stored-hlg.mp4")) + " -c copy -metadata:s:v:0 rotate=90 " +
         q(media("rotated-hlg.mp4")));
  const test::YuvPicture pic = render_frame("rotatedhlg", "rotated-hlg.mp4");
  // Upright: each patch of the portrait reference where it belongs (a sideways picture puts other
  // colours there), in the right colours.
  const ColourError e = compare(patch_colours(pic, 360, 640), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_GE(e.median_chroma_ratio, 0.7);
  // And as a picture: PSNR against the upright reference, fitted the same way by FFmpeg.
  ffmpeg("-i " + q(media("portrait.png")) + " -vf scale=202:360,pad=640:360:219:0 " +
         q(root() / "upright-ref.png"));
  FramePtr got = test::rgb_of(pic);
  FramePtr want = test::read_png(root() / "upright-ref.png");
  EXPECT_GE(test::psnr_luma(*got, *want, {219, 0, 202, 360}), 20.0);
}

TEST_F(PhoneMedia, LargeHlgClipReadAtItsOutputSizeKeepsItsColoursAndItsPicture) {
  // A 1280x720 HLG master for a 640x360 output: the pictures are scaled down before the colour
  // conversion (VideoSource's read limit) and must still be the reference picture, in its colours
  // and in place: judged against FFmpeg's own scaling of the SDR reference.
  write_reference_png(media("reference-720.png"), 1280, 720);
  ffmpeg("-loop 1 -framerate 30 -t 1 -i " + q(media("reference-720.png")) +
         " -vf zscale=pin=bt709:tin=bt709:p=bt2020:t=arib-std-b67:m=bt2020nc:r=tv,format=yuv420p10le " +
         kHdrEncode +
         " -x265-params log-level=error:colorprim=bt2020:transfer=arib-std-b67:colormatrix=bt2020nc " +
         "-color_primaries bt2020 -color_trc arib-std-b67 -colorspace bt2020nc " + q(media("hlg-720.mp4")));
  const test::YuvPicture pic = render_frame("hlg720", "hlg-720.mp4");
  const ColourError e = compare(patch_colours(pic, 1280, 720), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_GE(e.median_chroma_ratio, 0.7);
  EXPECT_LE(std::fabs(e.mean_lightness), 15.0);
  ffmpeg("-i " + q(media("reference-720.png")) + " -vf scale=640:360 " + q(root() / "scaled-ref.png"));
  FramePtr got = test::rgb_of(pic);
  FramePtr want = test::read_png(root() / "scaled-ref.png");
  EXPECT_GE(test::psnr_luma(*got, *want, {0, 0, 640, 360}), 20.0);
}

// --- stills --------------------------------------------------------------------------------------

// An asymmetric picture: testsrc2's frame has text and a gradient that tell every turn and mirror.
class PhotoOrientation : public PhoneMedia, public ::testing::WithParamInterface<int> {};

TEST_P(PhotoOrientation, ExifOrientationIsShownUpright) {
  const int orientation = GetParam();
  const std::string n = std::to_string(orientation);
  const fs::path upright = media("upright.png");
  if (!fs::exists(upright)) ffmpeg("-f lavfi -i testsrc2=s=360x640 -frames:v 1 " + q(upright));
  // The stored pixels are the upright picture turned back the way the camera held it.
  const char* stored_filter = orientation == 6   ? "transpose=2"
                              : orientation == 8 ? "transpose=1"
                                                 : "hflip,vflip";
  const fs::path stored = media("exif" + n + ".jpg");
  ffmpeg("-i " + q(upright) + " -vf " + stored_filter + " -q:v 2 " + q(stored));
  run_tool("exiftool -q -overwrite_original -Orientation#=" + n + " " + q(stored));
  const std::string platform = orientation == 3 ? "small-portrait" : "small-portrait";
  FramePtr got = preview_still("exif" + n, stored.filename().string(), platform);
  FramePtr want = test::read_png(upright);
  ASSERT_EQ(got->width, want->width);
  ASSERT_EQ(got->height, want->height);
  const double psnr = test::psnr_luma(*got, *want);
  std::printf("orientation %d: PSNR %.1f dB against the upright picture\n", orientation, psnr);
  EXPECT_GE(psnr, 20.0);
}

INSTANTIATE_TEST_SUITE_P(PhoneMedia, PhotoOrientation, ::testing::Values(3, 6, 8));

TEST_F(PhoneMedia, WebpWithExifOrientationIsShownUpright) {
  // The same portrait turned as a phone stores it, as lossless WebP with its EXIF chunk (exiftool).
  const fs::path upright = media("upright.png");
  if (!fs::exists(upright)) ffmpeg("-f lavfi -i testsrc2=s=360x640 -frames:v 1 " + q(upright));
  const fs::path stored = media("exif6.webp");
  ffmpeg("-i " + q(upright) + " -vf transpose=2 -c:v libwebp -lossless 1 " + q(stored));
  run_tool("exiftool -q -overwrite_original -Orientation#=6 " + q(stored));
  FramePtr got = preview_still("webp6", stored.filename().string(), "small-portrait");
  FramePtr want = test::read_png(upright);
  ASSERT_EQ(got->width, want->width);
  ASSERT_EQ(got->height, want->height);
  EXPECT_GE(test::psnr_luma(*got, *want), 20.0);
}

TEST_F(PhoneMedia, PngWithAnIccProfileIsColourManaged) {
  // A PNG export carrying a profile (iCCP, written by exiftool) whose red and green are swapped:
  // judged against jpgicc's rendering of the same pixels and profile in a JPEG.
  const fs::path icc = media("png-swapped.icc");
  write_profile(icc, {{0.30, 0.60, 1.0}, {0.64, 0.33, 1.0}, {0.15, 0.06, 1.0}}, "red and green swapped");
  const fs::path png = media("tagged.png");
  fs::copy_file(media("reference.png"), png, fs::copy_options::overwrite_existing);
  run_tool("exiftool -q -overwrite_original " + shell_quote("-icc_profile<=" + icc.string()) + " " + q(png));
  const fs::path jpeg = media("tagged-as-jpeg.jpg");
  ffmpeg("-i " + q(media("reference.png")) + " -q:v 1 " + q(jpeg));
  run_tool("exiftool -q -overwrite_original " + shell_quote("-icc_profile<=" + icc.string()) + " " + q(jpeg));
  run_tool("jpgicc -q 98 " + q(jpeg) + " " + q(media("tagged-srgb.jpg")));
  ffmpeg("-i " + q(media("tagged-srgb.jpg")) + " -pix_fmt rgb24 " + q(media("tagged-srgb.png")));
  FramePtr want_picture = test::read_png(media("tagged-srgb.png"));
  FramePtr got = preview_still("pngicc", png.filename().string(), "small-landscape");
  const ColourError e = compare(patch_colours(*got, 640, 360), patch_colours(*want_picture, 640, 360));
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_LE(std::fabs(e.mean_lightness), 5.0);
}

TEST_F(PhoneMedia, HeicPhotoIsReadInItsColours) {
  run_tool("heif-enc -q 90 " + q(media("reference.png")) + " -o " + q(media("photo.heic")));
  FramePtr got = preview_still("heic", "photo.heic", "small-landscape");
  const ColourError e = compare(patch_colours(*got, 640, 360), reference_colours());
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_LE(std::fabs(e.mean_lightness), 5.0);
}

TEST_F(PhoneMedia, BrokenHeicIsRefusedWithTheFileAndWhatToDo) {
  run_tool("heif-enc -q 50 " + q(media("reference.png")) + " -o " + q(media("whole.heic")));
  std::string bytes = test::read_text(media("whole.heic"));
  bytes.resize(bytes.size() / 2);  // cut off, as an interrupted copy leaves it
  test::write_text(media("broken.heic"), bytes);
  const fs::path campaign = root() / "broken.yaml";
  test::write_text(campaign,
                   "name: broken\nlanguages: [en]\nplatforms: [small-landscape]\nclips:\n  - id: b\n"
                   "    captions: none\n    segments:\n      - {image: media/broken.heic, duration: 1.0}\n");
  const auto run = render_with_presets(campaign, root() / "out-broken");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("broken.heic"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("re-export"), std::string::npos) << run.output;
  EXPECT_EQ(test::list_files(root() / "out-broken", ".mp4"), std::vector<std::string>{});
}

// A JPEG with an embedded profile looks as lcms's jpgicc (what a colour-managed browser does)
// shows it.
class PhotoProfile : public PhoneMedia, public ::testing::WithParamInterface<std::string> {};

TEST_P(PhotoProfile, IccProfileIsApplied) {
  const std::string name = GetParam();
  const fs::path icc = media(name + ".icc");
  if (name == "swapped") {
    // A profile whose red and green primaries are swapped: raw values are visibly wrong.
    write_profile(icc, {{0.30, 0.60, 1.0}, {0.64, 0.33, 1.0}, {0.15, 0.06, 1.0}}, "red and green swapped");
  } else if (name == "adobe-rgb") {
    write_profile(icc, {{0.64, 0.33, 1.0}, {0.21, 0.71, 1.0}, {0.15, 0.06, 1.0}}, "Adobe RGB primaries");
  } else {
    write_profile(icc, {{0.680, 0.320, 1.0}, {0.265, 0.690, 1.0}, {0.150, 0.060, 1.0}}, "Display P3");
  }
  const fs::path photo = media(name + ".jpg");
  ffmpeg("-i " + q(media("reference.png")) + " -q:v 2 " + q(photo));
  run_tool("exiftool -q -overwrite_original " + shell_quote("-icc_profile<=" + icc.string()) + " " +
           q(photo));
  // The independent rendering: jpgicc from the embedded profile to sRGB, read back by FFmpeg.
  run_tool("jpgicc -q 98 " + q(photo) + " " + q(media(name + "-srgb.jpg")));
  ffmpeg("-i " + q(media(name + "-srgb.jpg")) + " -pix_fmt rgb24 " + q(media(name + "-srgb.png")));
  FramePtr want_picture = test::read_png(media(name + "-srgb.png"));
  FramePtr got = preview_still("icc" + name.substr(0, 3), photo.filename().string(), "small-landscape");
  const std::vector<Rgb> want = patch_colours(*want_picture, 640, 360);
  const ColourError e = compare(patch_colours(*got, 640, 360), want);
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_LE(std::fabs(e.mean_lightness), 5.0);
  EXPECT_GE(e.median_chroma_ratio, 0.85);
}

INSTANTIATE_TEST_SUITE_P(PhoneMedia, PhotoProfile, ::testing::Values("swapped", "adobe-rgb", "display-p3"));

TEST_F(PhoneMedia, CmykJpegIsShownThroughItsCmykProfile) {
  // What a print designer exports: a CMYK JPEG (Adobe marker, YCCK) with its CMYK profile embedded
  // (Ghostscript's SWOP profile), made from the reference by lcms's jpgicc; judged against jpgicc's
  // own sRGB rendering of that file, what a colour-managed browser shows. libavcodec alone reads
  // the four channels as Y'CbCr plus alpha: wrong colours, and black ink as transparency.
  const fs::path profile = "/usr/share/color/icc/ghostscript/default_cmyk.icc";
  ASSERT_TRUE(fs::exists(profile)) << profile << " is missing: run scripts/setup (package libgs-common)";
  ffmpeg("-i " + q(media("reference.png")) + " -q:v 2 " + q(media("for-print.jpg")));
  run_tool("jpgicc -o" + q(profile) + " -e -q 95 " + q(media("for-print.jpg")) + " " + q(media("cmyk.jpg")));
  const auto components = test::run_command("exiftool -s3 -ColorComponents " + q(media("cmyk.jpg")));
  ASSERT_EQ(components.output, "4\n") << "jpgicc did not write a CMYK JPEG";
  run_tool("jpgicc -q 98 " + q(media("cmyk.jpg")) + " " + q(media("cmyk-srgb.jpg")));
  ffmpeg("-i " + q(media("cmyk-srgb.jpg")) + " -pix_fmt rgb24 " + q(media("cmyk-srgb.png")));
  FramePtr want_picture = test::read_png(media("cmyk-srgb.png"));
  FramePtr got = preview_still("cmyk", "cmyk.jpg", "small-landscape");
  const ColourError e = compare(patch_colours(*got, 640, 360), patch_colours(*want_picture, 640, 360));
  EXPECT_LE(e.mean_hue_deg, 5.0);
  EXPECT_LE(std::fabs(e.mean_lightness), 5.0);
  EXPECT_GE(e.median_chroma_ratio, 0.85);
}

TEST_F(PhoneMedia, ContradictoryColourDescriptionIsRefusedBeforeRendering) {
  // ICtCp only exists with PQ or HLG; with the BT.709 curve the tags cannot be right.
  ffmpeg(
      "-f lavfi -i testsrc2=s=320x240:r=30 -t 1 -c:v libx265 -preset ultrafast -pix_fmt yuv420p10le "
      "-x265-params log-level=error:colormatrix=ictcp:transfer=bt709:colorprim=bt2020 -colorspace ictcp "
      "-color_trc bt709 -color_primaries bt2020 " +
      q(media("ictcp.mp4")));
  const auto run = render_source("ictcp", "ictcp.mp4", root() / "out-ictcp");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("ictcp.mp4"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("re-export"), std::string::npos) << run.output;
  EXPECT_EQ(test::list_files(root() / "out-ictcp", ".mp4"), std::vector<std::string>{});
}

TEST_F(PhoneMedia, UnknownTransferIsAWarningAndRendersAsBt709) {
  ffmpeg(
      "-f lavfi -i testsrc2=s=320x240:r=30 -t 1 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "
      "-color_trc smpte428 " +
      q(media("odd-curve.mp4")));
  const auto run = render_source("oddcurve", "odd-curve.mp4", root() / "out-oddcurve");
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("odd-curve.mp4"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("read as BT.709"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace shortpack

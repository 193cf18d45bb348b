// The colour converter (filters/colour_convert.h) on generated pictures: the conversions it is
// made of checked against the standards' own formulas, and the tone curve's promises.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "filters/colour_convert.h"
#include "filters/core/error.h"

namespace shortpack {
namespace {

// Y'CbCr (8-bit limited range) of R'G'B' 0..1 with luma weights kr, kb.
std::array<double, 3> ycbcr(double r, double g, double b, double kr, double kb) {
  const double y = kr * r + (1 - kr - kb) * g + kb * b;
  return {16 + 219 * y, 128 + 224 * (b - y) / (2 * (1 - kb)), 128 + 224 * (r - y) / (2 * (1 - kr))};
}

int code16(double code8) { return static_cast<int>(std::lround(code8 * 256)); }

TEST(ColourConverter, Bt709InputMapsToItself) {
  const ColourConverter c(ColourDescription{});
  for (const auto& rgb :
       {std::array<double, 3>{0.8, 0.15, 0.15}, {0.1, 0.7, 0.3}, {0.5, 0.5, 0.5}, {0.9, 0.8, 0.2}}) {
    const auto want = ycbcr(rgb[0], rgb[1], rgb[2], 0.2126, 0.0722);
    const auto got = c.map(code16(want[0]), code16(want[1]), code16(want[2]));
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(got[k], want[k], 0.35) << "component " << k;
  }
}

TEST(ColourConverter, Bt601MatrixBecomesBt709) {
  // Only the matrix differs (BT.709 primaries and curve): the same R'G'B' in both matrices.
  ColourDescription in;
  in.matrix = AVCOL_SPC_SMPTE170M;
  const ColourConverter c(in);
  for (const auto& rgb : {std::array<double, 3>{0.8, 0.15, 0.15}, {0.1, 0.7, 0.3}, {0.15, 0.2, 0.85}}) {
    const auto from = ycbcr(rgb[0], rgb[1], rgb[2], 0.299, 0.114);
    const auto want = ycbcr(rgb[0], rgb[1], rgb[2], 0.2126, 0.0722);
    const auto got = c.map(code16(from[0]), code16(from[1]), code16(from[2]));
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(got[k], want[k], 0.6) << "component " << k;
  }
}

TEST(ColourConverter, FullRangeBecomesLimited) {
  ColourDescription in;
  in.range = AVCOL_RANGE_JPEG;
  const ColourConverter c(in);
  EXPECT_NEAR(c.map(0, 32768, 32768)[0], 16.0, 0.3);
  EXPECT_NEAR(c.map(65535, 32768, 32768)[0], 235.0, 0.3);
  EXPECT_NEAR(c.map(32768, 32768, 32768)[1], 128.0, 0.3);
}

// CIELAB hue (degrees) of CIE XYZ (D65 white).
double lab_hue_deg(double x, double y, double z) {
  const auto f = [](double t) {
    return t > 216.0 / 24389.0 ? std::cbrt(t) : (24389.0 / 27.0 * t + 16.0) / 116.0;
  };
  const double a = 500 * (f(x / 0.95047) - f(y));
  const double b = 200 * (f(y) - f(z / 1.08883));
  return std::atan2(b, a) * 180 / M_PI;
}

// CIELAB hue of an 8-bit BT.709 Y'CbCr colour (the BT.709 curve undone, as zimg applies it).
double lab_hue_of_ycbcr(const std::array<float, 3>& c) {
  const double y = (c[0] - 16) / 219.0;
  const double pb = (c[1] - 128) / 224.0;
  const double pr = (c[2] - 128) / 224.0;
  double rgb[3] = {y + 1.5748 * pr, y - 0.1873 * pb - 0.4681 * pr, y + 1.8556 * pb};
  for (double& v : rgb) {
    v = std::clamp(v, 0.0, 1.0);
    v = v < 0.081 ? v / 4.5 : std::pow((v + 0.099) / 1.099, 1 / 0.45);
  }
  return lab_hue_deg(0.4124 * rgb[0] + 0.3576 * rgb[1] + 0.1805 * rgb[2],
                     0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2],
                     0.0193 * rgb[0] + 0.1192 * rgb[1] + 0.9505 * rgb[2]);
}

TEST(ColourConverter, Bt2020GreenKeepsItsHueBetterThanClipping) {
  // The pure BT.2020 green lies outside BT.709. Clipping each channel turns it into BT.709's own
  // green, 10 degrees of CIELAB hue away; pulled towards its luminance it stays nearer its hue.
  ColourDescription in;
  in.matrix = AVCOL_SPC_BT2020_NCL;
  in.primaries = AVCOL_PRI_BT2020;
  const ColourConverter c(in);
  const auto from = ycbcr(0, 1, 0, 0.2627, 0.0593);
  const double got = lab_hue_of_ycbcr(c.map(code16(from[0]), code16(from[1]), code16(from[2])));
  const double x = 0.170, y = 0.797;  // the BT.2020 green primary
  const double want = lab_hue_deg(x / y * 0.678, 0.678, (1 - x - y) / y * 0.678);
  const double clipped = lab_hue_deg(0.3576, 0.7152, 0.1192);  // BT.709's green
  std::printf("BT.2020 green: hue %.1f, mapped %.1f, clipped %.1f\n", want, got, clipped);
  EXPECT_NEAR(got, want, 8.0);
  EXPECT_LT(std::fabs(got - want), std::fabs(clipped - want));
}

TEST(ColourConverter, HdrGreyStaysGrey) {
  ColourDescription in;
  in.matrix = AVCOL_SPC_BT2020_NCL;
  in.primaries = AVCOL_PRI_BT2020;
  in.transfer = AVCOL_TRC_ARIB_STD_B67;
  const ColourConverter c(in);
  for (const int y10 : {100, 300, 500, 700, 900}) {
    const auto got = c.map(y10 << 6, 512 << 6, 512 << 6);
    EXPECT_NEAR(got[1], 128.0, 0.5) << y10;
    EXPECT_NEAR(got[2], 128.0, 0.5) << y10;
  }
  // Brighter signal, brighter picture, up to white and never past it.
  double last = 0;
  for (int y10 = 64; y10 <= 940; y10 += 16) {
    const double y = c.map(y10 << 6, 512 << 6, 512 << 6)[0];
    EXPECT_GE(y, last - 0.01) << y10;
    EXPECT_LE(y, 235.5);
    last = y;
  }
}

TEST(ColourConverter, ProcessIsTheTableAtEachPixel) {
  ColourDescription in;
  in.transfer = AVCOL_TRC_SMPTE2084;
  in.primaries = AVCOL_PRI_BT2020;
  in.matrix = AVCOL_SPC_BT2020_NCL;
  const ColourConverter c(in);
  FramePtr f = alloc_video_frame(6, 4, AV_PIX_FMT_YUV420P10LE);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x)
      reinterpret_cast<uint16_t*>(f->data[0] + y * f->linesize[0])[x] = 64 + 100 * x + 20 * y;
  }
  for (int p = 1; p < 3; ++p) {
    for (int y = 0; y < 2; ++y) {
      for (int x = 0; x < 3; ++x)
        reinterpret_cast<uint16_t*>(f->data[p] + y * f->linesize[p])[x] = 300 + 150 * x + 90 * p;
    }
  }
  FramePtr out = c.process(*f);
  ASSERT_EQ(out->format, AV_PIX_FMT_YUV420P);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 6; ++x) {
      const int cb = reinterpret_cast<uint16_t*>(f->data[1] + (y / 2) * f->linesize[1])[x / 2];
      const int cr = reinterpret_cast<uint16_t*>(f->data[2] + (y / 2) * f->linesize[2])[x / 2];
      const auto want = c.map((64 + 100 * x + 20 * y) << 6, cb << 6, cr << 6);
      EXPECT_NEAR(out->data[0][y * out->linesize[0] + x], want[0], 0.51) << x << "," << y;
    }
  }
  EXPECT_EQ(out->colorspace, AVCOL_SPC_BT709);
}

TEST(ColourConverter, RgbPicturesAreRefused) {
  const ColourConverter c(ColourDescription{});
  FramePtr f = alloc_video_frame(4, 4, AV_PIX_FMT_RGB24);
  EXPECT_THROW((void)c.process(*f), Error);
}

TEST(Bt2390Eetf, KeepsLowLevelsAndReachesTheTargetAtThePeak) {
  EXPECT_NEAR(bt2390_eetf_nits(1.0, 1000, 100), 1.0, 0.01);
  EXPECT_NEAR(bt2390_eetf_nits(10.0, 1000, 100), 10.0, 0.1);
  EXPECT_NEAR(bt2390_eetf_nits(1000, 1000, 100), 100.0, 0.5);
  double last = 0;
  for (double nits = 0.5; nits <= 1000; nits *= 1.2) {
    const double out = bt2390_eetf_nits(nits, 1000, 100);
    EXPECT_GT(out, last) << nits;
    EXPECT_LE(out, 100.0 + 1e-6) << nits;
    last = out;
  }
  // Content no brighter than the display is only clipped.
  EXPECT_DOUBLE_EQ(bt2390_eetf_nits(80, 100, 100), 80.0);
}

}  // namespace
}  // namespace shortpack

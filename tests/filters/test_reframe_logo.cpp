// Reframe geometry, logo alpha blending, transitions and smart crop on generated frames.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "filters/core/error.h"
#include "filters/core/image.h"
#include "filters/logo_overlay.h"
#include "filters/reframe.h"
#include "filters/smart_crop.h"
#include "filters/transition.h"

namespace shortpack {
namespace {

FramePtr flat(int w, int h, uint8_t y, uint8_t u = 128, uint8_t v = 128) {
  FramePtr f = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P);
  fill_yuv420p(*f, y, u, v);
  f->sample_aspect_ratio = {1, 1};
  return f;
}

uint8_t luma(const AVFrame& f, int x, int y) { return f.data[0][y * f.linesize[0] + x]; }
uint8_t cb(const AVFrame& f, int x, int y) { return f.data[1][(y / 2) * f.linesize[1] + x / 2]; }

VideoFormat format_of(const AVFrame& f, AVRational sar = {1, 1}) {
  VideoFormat v;
  v.width_px = f.width;
  v.height_px = f.height;
  v.pixel_format = AV_PIX_FMT_YUV420P;
  v.sample_aspect = sar;
  v.frame_rate = {30, 1};
  return v;
}

TEST(Reframe, FitPadCentresTheWholePictureInsideBars) {
  FramePtr in = flat(1920, 1080, 200);
  Reframe r({ReframeKind::kFitPad, 1080, 1920});
  r.configure(format_of(*in));
  // 16:9 into 9:16: full width, 1080 * 1080 / 1920 = 607.5 -> 608 rows, centred.
  EXPECT_EQ(r.foreground().w, 1080);
  EXPECT_EQ(r.foreground().h, 608);
  EXPECT_EQ(r.foreground().y, 656);
  FramePtr out = r.process(*in);
  ASSERT_EQ(out->width, 1080);
  ASSERT_EQ(out->height, 1920);
  EXPECT_EQ(luma(*out, 540, 100), 16);   // bar: black
  EXPECT_EQ(luma(*out, 540, 960), 200);  // picture
  EXPECT_EQ(luma(*out, 540, 1800), 16);
}

// The bars show the picture itself, cover-cropped, blurred and darkened (issue 26: a flat input
// let a constant fill pass). Left half bright (216), right half dark (40): the cover crop of the
// 16:9 picture for 9:16 is its middle 608 columns, so the bars' left side shows the bright half
// and their right side the dark half, each darkened towards black: 16 + (Y - 16) * 0.55.
TEST(Reframe, FitBlurFillsTheBarsWithADarkenedCopy) {
  FramePtr in = flat(1920, 1080, 216);
  for (int y = 0; y < 1080; ++y) {
    for (int x = 960; x < 1920; ++x) in->data[0][y * in->linesize[0] + x] = 40;
  }
  Reframe r({ReframeKind::kFitBlur, 1080, 1920});
  r.configure(format_of(*in));
  FramePtr out = r.process(*in);
  for (const int y : {100, 1800}) {                // the top bar and the bottom bar
    EXPECT_NEAR(luma(*out, 100, y), 126, 3) << y;  // bright half, darkened
    EXPECT_NEAR(luma(*out, 980, y), 29, 3) << y;   // dark half, darkened
    // Blurred: the edge between the halves is a ramp, not a step.
    const int mid = luma(*out, 540, y);
    EXPECT_GT(mid, 40) << y;
    EXPECT_LT(mid, 115) << y;
  }
  // The picture itself, untouched.
  EXPECT_EQ(luma(*out, 100, 960), 216);
  EXPECT_EQ(luma(*out, 1000, 960), 40);
}

// A frame of smooth gradients and fine detail in every plane, so that any row or column of the
// background computed from the wrong source rows or weights shows.
FramePtr textured(int w, int h) {
  FramePtr f = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P);
  f->sample_aspect_ratio = {1, 1};
  for (int p = 0; p < 3; ++p) {
    const int pw = p == 0 ? w : w / 2;
    const int ph = p == 0 ? h : h / 2;
    for (int y = 0; y < ph; ++y) {
      for (int x = 0; x < pw; ++x) {
        const int v = (x * 7 + y * 3 + p * 50 + ((x * 31 + y * 17) % 23) * 5) % 220 + 16;
        f->data[p][y * f->linesize[p] + x] = static_cast<uint8_t>(v);
      }
    }
  }
  return f;
}

// The fit-blur background is scaled up only where the picture does not cover it (the bands above
// and below, or left and right); the frame is the same, byte for byte, as when the whole background
// is scaled up under the picture. A 4:5 frame (1350 / 168 rows: no whole scale factor) takes the
// whole-frame way and is the same too.
TEST(Reframe, FitBlurBackgroundOnlyAroundThePictureIsTheSameFrame) {
  struct Case {
    int in_w, in_h, out_w, out_h;
  };
  for (const Case c : {Case{1920, 1080, 1080, 1920}, Case{1080, 1920, 1920, 1080},
                       Case{1920, 1080, 1080, 1350}, Case{1280, 720, 720, 1280}}) {
    SCOPED_TRACE(std::to_string(c.in_w) + "x" + std::to_string(c.in_h) + " -> " + std::to_string(c.out_w) +
                 "x" + std::to_string(c.out_h));
    FramePtr in = textured(c.in_w, c.in_h);
    ReframeOptions around{ReframeKind::kFitBlur, c.out_w, c.out_h};
    ReframeOptions behind = around;
    behind.background_behind_picture = true;
    Reframe a(around);
    Reframe b(behind);
    a.configure(format_of(*in));
    b.configure(format_of(*in));
    ASSERT_LT(a.foreground().w * a.foreground().h, c.out_w * c.out_h);  // there is a background
    FramePtr fa = a.process(*in);
    FramePtr fb = b.process(*in);
    int differing = 0;
    int background_not_flat = 0;
    for (int p = 0; p < 3; ++p) {
      const int pw = p == 0 ? c.out_w : c.out_w / 2;
      const int ph = p == 0 ? c.out_h : c.out_h / 2;
      for (int y = 0; y < ph; ++y) {
        for (int x = 0; x < pw; ++x) {
          const uint8_t va = fa->data[p][y * fa->linesize[p] + x];
          differing += va != fb->data[p][y * fb->linesize[p] + x] ? 1 : 0;
          background_not_flat += va != fa->data[p][0] ? 1 : 0;
        }
      }
    }
    EXPECT_EQ(differing, 0);
    EXPECT_GT(background_not_flat, 1000);  // the comparison is of pictures, not of flat colour
  }
}

TEST(Reframe, CropCenterCutsTheSidesEqually) {
  // Left third dark, middle bright, right third dark: the vertical crop shows the middle only.
  FramePtr in = flat(1920, 1080, 30);
  for (int y = 0; y < 1080; ++y) {
    for (int x = 640; x < 1280; ++x) in->data[0][y * in->linesize[0] + x] = 220;
  }
  Reframe r({ReframeKind::kCropCenter, 1080, 1920});
  r.configure(format_of(*in));
  EXPECT_EQ(r.source_crop().w, 608);  // 1080 * 9 / 16 = 607.5
  EXPECT_EQ(r.source_crop().x, 656);
  FramePtr out = r.process(*in);
  EXPECT_EQ(luma(*out, 10, 960), 220);
  EXPECT_EQ(luma(*out, 1070, 960), 220);
}

TEST(Reframe, DetailNeededIsTheFittedPictureOrTheCropScaledUp) {
  const VideoFormat landscape = format_of(*flat(1920, 1080, 100));
  Reframe fit({ReframeKind::kFitBlur, 1080, 1920});
  fit.configure(landscape);
  EXPECT_EQ(fit.detail_needed(), (std::array<int, 2>{1080, 608}));
  // Crop: 608 of 1080 source columns fill 1080 output columns, so 1920 x 1080 / 608 are needed.
  Reframe crop({ReframeKind::kCropCenter, 1080, 1920});
  crop.configure(landscape);
  EXPECT_EQ(crop.detail_needed(), (std::array<int, 2>{3411, 1920}));
  Reframe window({ReframeKind::kCropWindow, 1080, 1920});
  window.configure(landscape);
  EXPECT_EQ(window.detail_needed(), crop.detail_needed());
}

TEST(Reframe, APictureAlreadyAtTheNeededSizeIsCopiedNotResampled) {
  // A source read at detail_needed() (pipeline/media/video_source.h) lands in the frame as it is.
  FramePtr in = flat(1080, 608, 0);
  for (int y = 0; y < 608; ++y) {
    for (int x = 0; x < 1080; ++x)
      in->data[0][y * in->linesize[0] + x] = static_cast<uint8_t>((x * 7 + y * 13) % 251);
  }
  Reframe r({ReframeKind::kFitPad, 1080, 1920});
  r.configure(format_of(*in));
  ASSERT_EQ(r.detail_needed(), (std::array<int, 2>{1080, 608}));
  FramePtr out = r.process(*in);
  const Reframe::Rect fg = r.foreground();
  for (int y = 0; y < 608; y += 7) {
    for (int x = 0; x < 1080; x += 5)
      ASSERT_EQ(luma(*out, fg.x + x, fg.y + y), luma(*in, x, y)) << x << "," << y;
  }
}

TEST(Reframe, AnamorphicPixelsAreUndone) {
  // 720x576 with 64:45 pixels is 1024x576 on screen (16:9): into 1920x1080 it fills the frame.
  FramePtr in = flat(720, 576, 100);
  Reframe r({ReframeKind::kFitPad, 1920, 1080});
  r.configure(format_of(*in, {64, 45}));
  EXPECT_EQ(r.foreground().w, 1920);
  EXPECT_EQ(r.foreground().h, 1080);
  // The same picture read as square pixels would be pillarboxed.
  Reframe square({ReframeKind::kFitPad, 1920, 1080});
  square.configure(format_of(*in));
  EXPECT_EQ(square.foreground().w, 1350);
}

RgbaImage logo_of(int w, int h, uint8_t r, uint8_t g, uint8_t b, uint8_t a) {
  RgbaImage img;
  img.width_px = w;
  img.height_px = h;
  img.pixels.resize(static_cast<size_t>(w) * h * 4);
  for (size_t i = 0; i < img.pixels.size(); i += 4) {
    img.pixels[i] = r;
    img.pixels[i + 1] = g;
    img.pixels[i + 2] = b;
    img.pixels[i + 3] = a;
  }
  return img;
}

TEST(LogoOverlay, BlendsWithStraightAlphaAndOpacityInTheSafeCorner) {
  FramePtr frame = flat(1080, 1920, 16);  // black
  LogoPlacement place{Corner::kTopRight, 0.2, 0.5, 270, 672, 65, 165};
  LogoOverlay logo(logo_of(100, 50, 255, 255, 255, 255), place);
  logo.configure(format_of(*frame));
  const auto rect = logo.placed();
  EXPECT_EQ(rect.w, 216);
  EXPECT_EQ(rect.h, 108);
  // Right-aligned against the 165 px margin, then snapped down to an even column (chroma sites):
  // the snap moves the logo away from the edge, never into the margin.
  EXPECT_EQ(rect.x, 698);
  EXPECT_LE(rect.x + rect.w, 1080 - 165);
  EXPECT_EQ(rect.y, 270);
  logo.process(*frame);
  // White at 50 % over black: (235 + 16) / 2.
  EXPECT_NEAR(luma(*frame, rect.x + 100, rect.y + 50), 126, 1);
  EXPECT_EQ(luma(*frame, rect.x - 2, rect.y + 50), 16);  // outside the logo: untouched
  EXPECT_NEAR(cb(*frame, rect.x + 100, rect.y + 50), 128, 1);
}

TEST(LogoOverlay, TransparentPixelsLeaveTheFrameAlone) {
  FramePtr frame = flat(640, 360, 90, 100, 150);
  LogoOverlay logo(logo_of(64, 64, 255, 0, 0, 0), {Corner::kBottomLeft, 0.2, 1.0, 0, 0, 0, 0});
  logo.configure(format_of(*frame));
  logo.process(*frame);
  for (int y = 0; y < 360; y += 7) {
    for (int x = 0; x < 640; x += 7) ASSERT_EQ(luma(*frame, x, y), 90);
  }
}

TEST(LogoOverlay, RefusesALogoWiderThanTheSafeArea) {
  FramePtr frame = flat(1080, 1920, 16);
  LogoOverlay logo(logo_of(100, 100, 255, 255, 255, 255), {Corner::kTopLeft, 0.95, 1.0, 270, 672, 65, 165});
  EXPECT_THROW(logo.configure(format_of(*frame)), Error);
}

TEST(Transition, CrossfadeIsTheWeightedMean) {
  FramePtr a = flat(64, 64, 40);
  FramePtr b = flat(64, 64, 200);
  FramePtr mid = crossfade(*a, *b, 0.25);
  EXPECT_EQ(luma(*mid, 10, 10), 80);  // 40 * 0.75 + 200 * 0.25
  fade_to_black(*mid, 1.0);
  EXPECT_EQ(luma(*mid, 10, 10), 16);
}

TEST(SmartCrop, FollowsAMovingSubjectSmoothly) {
  // A bright disc crossing a dark, slightly textured landscape frame in 4 s.
  const int w = 640, h = 360;
  SmartCropOptions options;
  options.output_aspect = 9.0 / 16.0;
  VideoFormat fmt;
  fmt.width_px = w;
  fmt.height_px = h;
  fmt.pixel_format = AV_PIX_FMT_YUV420P;
  SmartCropAnalyzer analyzer(fmt, options);
  const int samples = 24;  // 6 per second
  std::vector<double> subject_x;
  for (int k = 0; k < samples; ++k) {
    FramePtr f = flat(w, h, 30);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x)
        f->data[0][y * f->linesize[0] + x] = static_cast<uint8_t>(30 + ((x * 7 + y * 13) % 5));
    }
    const double cx = 120 + (w - 240) * k / static_cast<double>(samples - 1);
    subject_x.push_back(cx);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        if (std::hypot(x - cx, y - h / 2.0) < 40) f->data[0][y * f->linesize[0] + x] = 235;
      }
    }
    analyzer.add(*f, k / 6.0);
  }
  const auto path = analyzer.finish();
  ASSERT_EQ(path->samples(), static_cast<size_t>(samples));
  double previous = -1;
  int inside = 0;
  for (int k = 0; k < samples; ++k) {
    const CropWindow win = path->at(k / 6.0);
    EXPECT_NEAR(win.w, 360.0 * 9 / 16, 1.0);
    if (subject_x[static_cast<size_t>(k)] > win.x && subject_x[static_cast<size_t>(k)] < win.x + win.w)
      ++inside;
    const double centre = win.x + win.w / 2;
    if (previous >= 0) {
      // Bounded movement: at most 30 % of the spare travel per second, i.e. per 1/6 s step.
      EXPECT_LE(std::fabs(centre - previous), 0.30 * (w - win.w) / 6.0 + 1e-6);
    }
    previous = centre;
  }
  EXPECT_GE(inside, samples * 3 / 4) << "the window should keep the subject in view most of the time";
  // It follows: the window ends clearly to the right of where it started.
  EXPECT_GT(path->at(4.0).x, path->at(0.0).x + 100);
}

}  // namespace
}  // namespace shortpack

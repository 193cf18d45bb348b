// Micro-benchmarks of the per-frame kernels of the render graph (issue 6, item 7):
// reframe (fit-blur, fit-pad), logo blend, caption burn, crossfade, the copy a caption branch
// makes before drawing, the PNG a studio frame is sent as, and swscale / OpenCV resizes of the
// same size for comparison.
//
// Each benchmark reports frames per second (items_per_second). At 30 fps a kernel that costs
// more than ~33 ms per frame on one core cannot keep a single output real-time; the whole graph
// budget on a 2-core machine is shared with x264, which costs far more (see scripts/bench).
//
// Not a test: built with -DSHORTPACK_BENCH=ON, run by scripts/bench (unless --skip-micro) or by
// hand: build-bench/tests/bench/shortpack_microbench --benchmark_filter=Reframe
#include <benchmark/benchmark.h>

#include <cstdint>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>

#include "filters/caption_burner.h"
#include "filters/colour_convert.h"
#include "filters/core/frame.h"
#include "filters/logo_overlay.h"
#include "filters/reframe.h"
#include "filters/transition.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/media/av_ptr.h"
#include "pipeline/media/image_reader.h"
#include "pipeline/media/image_writer.h"

extern "C" {
#include <libswscale/swscale.h>
}

namespace shortpack {
namespace {

constexpr int kSrcW = 1920, kSrcH = 1080;  // the master
constexpr int kOutW = 1080, kOutH = 1920;  // a 9:16 platform (tiktok)

VideoFormat format_of(int w, int h) { return {w, h, AV_PIX_FMT_YUV420P, {1, 1}, {30, 1}}; }

// A picture with structure and noise (a flat frame would flatter the scalers' caches nothing,
// but blur and blend cost the same either way; noise keeps it honest for any data-dependent path).
FramePtr test_picture(int w, int h, uint32_t seed) {
  FramePtr f = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-12, 12);
  for (int p = 0; p < 3; ++p) {
    const int pw = p == 0 ? w : w / 2;
    const int ph = p == 0 ? h : h / 2;
    for (int y = 0; y < ph; ++y) {
      uint8_t* row = f->data[p] + static_cast<ptrdiff_t>(y) * f->linesize[p];
      for (int x = 0; x < pw; ++x) {
        const int base =
            p == 0 ? 16 + (x * 219 / pw + y * 64 / ph) % 220 : 128 + ((x / 8 + y / 8) % 2 ? 30 : -30);
        row[x] = static_cast<uint8_t>(std::clamp(base + noise(rng), 0, 255));
      }
    }
  }
  return f;
}

void frames_per_second(benchmark::State& state) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_ReframeFitBlur_1920x1080_to_1080x1920(benchmark::State& state) {
  const FramePtr in = test_picture(kSrcW, kSrcH, 1);
  Reframe reframe({.kind = ReframeKind::kFitBlur, .width_px = kOutW, .height_px = kOutH});
  reframe.configure(format_of(kSrcW, kSrcH));
  for (auto _ : state) {
    FramePtr out = reframe.process(*in);
    benchmark::DoNotOptimize(out->data[0]);
  }
  frames_per_second(state);
}
BENCHMARK(BM_ReframeFitBlur_1920x1080_to_1080x1920)->Unit(benchmark::kMillisecond);

void BM_ReframeFitPad_1920x1080_to_1080x1920(benchmark::State& state) {
  const FramePtr in = test_picture(kSrcW, kSrcH, 1);
  Reframe reframe({.kind = ReframeKind::kFitPad, .width_px = kOutW, .height_px = kOutH});
  reframe.configure(format_of(kSrcW, kSrcH));
  for (auto _ : state) {
    FramePtr out = reframe.process(*in);
    benchmark::DoNotOptimize(out->data[0]);
  }
  frames_per_second(state);
}
BENCHMARK(BM_ReframeFitPad_1920x1080_to_1080x1920)->Unit(benchmark::kMillisecond);

// The brand logo when the repository's is there, else a generated one of the same shape.
RgbaImage bench_logo() {
  const std::filesystem::path png = std::filesystem::path(SHORTPACK_SOURCE_DIR) / "assets/brand/logo.png";
  if (std::filesystem::exists(png)) return read_image_rgba(png);
  RgbaImage logo{512, 256, std::vector<uint8_t>(512 * 256 * 4)};
  for (size_t i = 0; i < logo.pixels.size(); i += 4) {
    logo.pixels[i] = 13;
    logo.pixels[i + 1] = 71;
    logo.pixels[i + 2] = 161;
    logo.pixels[i + 3] = static_cast<uint8_t>((i / 4) % 512 < 400 ? 255 : 0);
  }
  return logo;
}

// Colour conversion (issue 25) of an HLG 10-bit BT.2020 picture to BT.709 SDR, as a phone clip
// needs it: the table lookup per pixel, spread over the TBB workers (so items_per_second counts
// the frames of wall time, not of one core).
void colour_convert(benchmark::State& state, int w, int h) {
  ColourDescription hlg;
  hlg.matrix = AVCOL_SPC_BT2020_NCL;
  hlg.primaries = AVCOL_PRI_BT2020;
  hlg.transfer = AVCOL_TRC_ARIB_STD_B67;
  const ColourConverter converter(hlg);
  FramePtr in = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P10LE);
  std::mt19937 rng(7);
  for (int p = 0; p < 3; ++p) {
    const int pw = p == 0 ? w : w / 2;
    const int ph = p == 0 ? h : h / 2;
    for (int y = 0; y < ph; ++y) {
      auto* row = reinterpret_cast<uint16_t*>(in->data[p] + static_cast<ptrdiff_t>(y) * in->linesize[p]);
      // Smooth content with a little grain, as camera pictures are.
      for (int x = 0; x < pw; ++x) row[x] = static_cast<uint16_t>(200 + (x + y) % 600 + rng() % 8);
    }
  }
  for (auto _ : state) benchmark::DoNotOptimize(converter.process(*in));
  state.SetItemsProcessed(state.iterations());
}
void BM_ColourConvertHlg_1920x1080(benchmark::State& state) { colour_convert(state, 1920, 1080); }
BENCHMARK(BM_ColourConvertHlg_1920x1080)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_ColourConvertHlg_2160x3840(benchmark::State& state) { colour_convert(state, 2160, 3840); }
BENCHMARK(BM_ColourConvertHlg_2160x3840)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LogoOverlay_1080x1920(benchmark::State& state) {
  FramePtr frame = test_picture(kOutW, kOutH, 2);
  LogoPlacement placement{Corner::kTopRight, 0.16, 0.9, 150, 672, 65, 165};  // brand.yaml on tiktok
  LogoOverlay logo(bench_logo(), placement);
  logo.configure(format_of(kOutW, kOutH));
  for (auto _ : state) {
    logo.process(*frame);  // blends in place: drawing on the same frame costs the same each time
    benchmark::ClobberMemory();
  }
  frames_per_second(state);
  state.counters["logo_px"] = logo.placed().w * logo.placed().h;
}
BENCHMARK(BM_LogoOverlay_1080x1920)->Unit(benchmark::kMicrosecond);

// A two-line caption cue as the render path builds it (build_ass_script at 1080x1920, tiktok's
// safe zone), visible from 0 to 3 s.
std::string two_line_script() {
  SubtitleTrack track;
  track.format = SubtitleFormat::kSrt;
  Cue cue;
  cue.start_ms = 0;
  cue.end_ms = 3000;
  cue.plain = "Voluntary social insurance gives you\na pension after fifteen years of paying in";
  cue.text = "Voluntary social insurance gives you\\Na pension after fifteen years of paying in";
  cue.line = 1;
  track.cues.push_back(cue);
  CaptionStyle style;
  style.language = "en";
  const CaptionLayout layout{kOutW, kOutH, SafeZone{150, 672, 65, 165}};
  return build_ass_script(track, style, layout);
}

// Steady cue: libass returns the same images (changed == 0); the cost is the blend.
void BM_CaptionBurner_TwoLineCue_1080x1920(benchmark::State& state) {
  FramePtr frame = test_picture(kOutW, kOutH, 3);
  CaptionBurner burner(two_line_script(), FontSetup{});
  burner.configure(format_of(kOutW, kOutH));
  int64_t time_ms = 0;
  for (auto _ : state) {
    const bool drawn = burner.process(*frame, time_ms);
    benchmark::DoNotOptimize(drawn);
    time_ms = (time_ms + 33) % 3000;
  }
  frames_per_second(state);
  const auto box = burner.last_box();
  state.counters["glyph_box_px"] = box.w * box.h;
}
BENCHMARK(BM_CaptionBurner_TwoLineCue_1080x1920)->Unit(benchmark::kMicrosecond);

// Every frame a different picture from libass (shown/hidden alternately): render + prepare + blend.
void BM_CaptionBurner_CueChangeEveryFrame_1080x1920(benchmark::State& state) {
  FramePtr frame = test_picture(kOutW, kOutH, 3);
  CaptionBurner burner(two_line_script(), FontSetup{});
  burner.configure(format_of(kOutW, kOutH));
  bool visible = true;
  for (auto _ : state) {
    const bool drawn = burner.process(*frame, visible ? 1000 : 5000);
    benchmark::DoNotOptimize(drawn);
    visible = !visible;
  }
  frames_per_second(state);
}
BENCHMARK(BM_CaptionBurner_CueChangeEveryFrame_1080x1920)->Unit(benchmark::kMicrosecond);

// What a language branch does per frame: copy the shared geometry frame, then burn.
void BM_CaptionBranch_CopyAndBurn_1080x1920(benchmark::State& state) {
  const FramePtr shared = test_picture(kOutW, kOutH, 3);
  CaptionBurner burner(two_line_script(), FontSetup{});
  burner.configure(format_of(kOutW, kOutH));
  int64_t time_ms = 0;
  for (auto _ : state) {
    FramePtr copy = make_writable_copy(*shared);
    burner.process(*copy, time_ms);
    benchmark::DoNotOptimize(copy->data[0]);
    time_ms = (time_ms + 33) % 3000;
  }
  frames_per_second(state);
}
BENCHMARK(BM_CaptionBranch_CopyAndBurn_1080x1920)->Unit(benchmark::kMicrosecond);

void BM_MakeWritableCopy_1080x1920(benchmark::State& state) {
  const FramePtr shared = test_picture(kOutW, kOutH, 4);
  for (auto _ : state) {
    FramePtr copy = make_writable_copy(*shared);
    benchmark::DoNotOptimize(copy->data[0]);
  }
  frames_per_second(state);
}
BENCHMARK(BM_MakeWritableCopy_1080x1920)->Unit(benchmark::kMicrosecond);

// The studio's and preview's last step: a 1080x1920 frame to PNG bytes (RGB conversion, deflate).
void BM_EncodePng_1080x1920(benchmark::State& state) {
  const FramePtr frame = test_picture(kOutW, kOutH, 5);
  for (auto _ : state) {
    const std::string png = encode_png(*frame);
    benchmark::DoNotOptimize(png.data());
  }
  frames_per_second(state);
}
BENCHMARK(BM_EncodePng_1080x1920)->Unit(benchmark::kMillisecond);

void BM_Crossfade_1080x1920(benchmark::State& state) {
  const FramePtr a = test_picture(kOutW, kOutH, 5);
  const FramePtr b = test_picture(kOutW, kOutH, 6);
  double weight = 0.0;
  for (auto _ : state) {
    FramePtr out = crossfade(*a, *b, weight);
    benchmark::DoNotOptimize(out->data[0]);
    weight = weight >= 1.0 ? 0.0 : weight + 0.05;
  }
  frames_per_second(state);
}
BENCHMARK(BM_Crossfade_1080x1920)->Unit(benchmark::kMillisecond);

// For comparison: the foreground of fit-blur (1920x1080 -> 1080x608) with swscale (bicubic is
// what an FFmpeg `scale` filter does by default) and with OpenCV (INTER_AREA is what Reframe uses).
constexpr int kFgW = 1080, kFgH = 608;

void BM_Swscale_1920x1080_to_1080x608(benchmark::State& state, int flags) {
  const FramePtr in = test_picture(kSrcW, kSrcH, 7);
  FramePtr out = alloc_video_frame(kFgW, kFgH, AV_PIX_FMT_YUV420P);
  SwsPtr sws(sws_getContext(kSrcW, kSrcH, AV_PIX_FMT_YUV420P, kFgW, kFgH, AV_PIX_FMT_YUV420P, flags, nullptr,
                            nullptr, nullptr));
  if (!sws) {
    state.SkipWithError("sws_getContext failed");
    return;
  }
  for (auto _ : state) {
    sws_scale(sws.get(), in->data, in->linesize, 0, kSrcH, out->data, out->linesize);
    benchmark::DoNotOptimize(out->data[0]);
  }
  frames_per_second(state);
}
BENCHMARK_CAPTURE(BM_Swscale_1920x1080_to_1080x608, bicubic, SWS_BICUBIC)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Swscale_1920x1080_to_1080x608, bilinear, SWS_BILINEAR)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Swscale_1920x1080_to_1080x608, area, SWS_AREA)->Unit(benchmark::kMillisecond);

void BM_CvResize_1920x1080_to_1080x608(benchmark::State& state, int interpolation) {
  const FramePtr in = test_picture(kSrcW, kSrcH, 7);
  FramePtr out = alloc_video_frame(kFgW, kFgH, AV_PIX_FMT_YUV420P);
  for (auto _ : state) {
    for (int p = 0; p < 3; ++p) {
      const int sw = p == 0 ? kSrcW : kSrcW / 2, sh = p == 0 ? kSrcH : kSrcH / 2;
      const int dw = p == 0 ? kFgW : kFgW / 2, dh = p == 0 ? kFgH : kFgH / 2;
      const cv::Mat from(sh, sw, CV_8UC1, in->data[p], static_cast<size_t>(in->linesize[p]));
      cv::Mat to(dh, dw, CV_8UC1, out->data[p], static_cast<size_t>(out->linesize[p]));
      cv::resize(from, to, to.size(), 0, 0, interpolation);
    }
    benchmark::DoNotOptimize(out->data[0]);
  }
  frames_per_second(state);
}
BENCHMARK_CAPTURE(BM_CvResize_1920x1080_to_1080x608, area, cv::INTER_AREA)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CvResize_1920x1080_to_1080x608, linear, cv::INTER_LINEAR)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace shortpack

BENCHMARK_MAIN();

#include "filters/reframe.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "filters/core/error.h"
#include "filters/core/plane_view.h"
#include "filters/core/scaler.h"

namespace shortpack {
namespace {

int even_floor(double v) { return static_cast<int>(std::floor(v / 2.0)) * 2; }
int even_round(double v) { return static_cast<int>(std::lround(v / 2.0)) * 2; }

cv::Rect plane_rect(const Reframe::Rect& r, int p) {
  if (p == 0) return {r.x, r.y, r.w, r.h};
  return {r.x / 2, r.y / 2, std::max(1, r.w / 2), std::max(1, r.h / 2)};
}

// Scales the `src` rectangle of `in` into the `dst` rectangle of `out`: swscale bicubic, the
// scaler FFmpeg's own `scale` filter uses (3.6x faster here than OpenCV's area resize of the
// same picture, see tests/bench).
void scale_into(const AVFrame& in, const Reframe::Rect& src, AVFrame& out, const Reframe::Rect& dst) {
  scale_yuv420p(in, {src.x, src.y, src.w, src.h}, out, {dst.x, dst.y, dst.w, dst.h});
}

// Largest rectangle of the output's aspect inside a w x h source (display aspect `dar_x`: the
// horizontal stretch of a source pixel), centred; in source pixels, even.
Reframe::Rect cover_crop(int src_w, int src_h, double pixel_aspect, int out_w, int out_h) {
  const double disp_w = src_w * pixel_aspect;
  const double out_aspect = static_cast<double>(out_w) / out_h;
  double crop_disp_w = disp_w;
  double crop_h = src_h;
  if (disp_w / src_h > out_aspect) {
    crop_disp_w = src_h * out_aspect;
  } else {
    crop_h = disp_w / out_aspect;
  }
  Reframe::Rect r;
  r.w = std::clamp(even_round(crop_disp_w / pixel_aspect), 2, src_w - src_w % 2);
  r.h = std::clamp(even_round(crop_h), 2, src_h - src_h % 2);
  r.x = even_floor((src_w - r.w) / 2.0);
  r.y = even_floor((src_h - r.h) / 2.0);
  return r;
}

// Scales the 16-bit background `wide` up to the whole of `to` (8-bit), rounding once.
void upscale(const cv::Mat& wide, cv::Mat& to) {
  thread_local cv::Mat big;
  big.create(to.rows, to.cols, CV_16UC1);
  cv::resize(wide, big, big.size(), 0, 0, cv::INTER_LINEAR);
  big.convertTo(to, CV_8UC1, 1.0 / 256.0);
}

// Rows [y0, y1) of upscale(wide, to) (columns when `columns`), made from a band of `wide`: with a
// whole scale factor f along the axis, output row y depends on the rows around (y + 0.5) / f - 0.5
// only, and a band starting at row r0 maps its row y - r0 * f with the very same weights; one row
// of margin either side keeps the band's own edges (where resize clamps) out of the rows kept.
void upscale_band(const cv::Mat& wide, cv::Mat& to, bool columns, int f, int y0, int y1) {
  const int n = columns ? wide.cols : wide.rows;
  const int r0 = std::max(0, y0 / f - 1);
  const int r1 = std::min(n, (y1 + f - 1) / f + 1);
  thread_local cv::Mat big;
  if (columns) {
    big.create(to.rows, (r1 - r0) * f, CV_16UC1);
    cv::resize(wide.colRange(r0, r1), big, big.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat band = to.colRange(y0, y1);
    big.colRange(y0 - r0 * f, y1 - r0 * f).convertTo(band, CV_8UC1, 1.0 / 256.0);
  } else {
    big.create((r1 - r0) * f, to.cols, CV_16UC1);
    cv::resize(wide.rowRange(r0, r1), big, big.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat band = to.rowRange(y0, y1);
    big.rowRange(y0 - r0 * f, y1 - r0 * f).convertTo(band, CV_8UC1, 1.0 / 256.0);
  }
}

// upscale(wide, to) where `picture` does not cover it: the bands above and below the picture, or
// left and right of it, the same pixels for a fraction of the work (a 16:9 picture covers a third
// of a 9:16 frame). False, having drawn nothing, when the picture leaves bands on both axes or the
// scale factor along the bands' axis is not a whole number.
bool upscale_around(const cv::Mat& wide, cv::Mat& to, const cv::Rect& picture) {
  const bool rows = picture.width == to.cols && picture.height < to.rows;
  const bool columns = picture.height == to.rows && picture.width < to.cols;
  if (!rows && !columns) return false;
  const int n = columns ? wide.cols : wide.rows;
  const int length = columns ? to.cols : to.rows;
  if (length % n != 0) return false;
  const int begin = columns ? picture.x : picture.y;
  const int end = begin + (columns ? picture.width : picture.height);
  if (begin > 0) upscale_band(wide, to, columns, length / n, 0, begin);
  if (end < length) upscale_band(wide, to, columns, length / n, end, length);
  return true;
}

}  // namespace

Reframe::Reframe(ReframeOptions options) : options_(options) {}

VideoFormat Reframe::configure(const VideoFormat& in) {
  if (in.pixel_format != AV_PIX_FMT_YUV420P) {
    throw Error(ErrorKind::kInternal, "reframe takes yuv420p frames, got " + in.describe());
  }
  if (options_.width_px <= 0 || options_.height_px <= 0 || options_.width_px % 2 != 0 ||
      options_.height_px % 2 != 0) {
    throw Error(ErrorKind::kInternal, "reframe needs an even output size");
  }
  if (in.width_px < 2 || in.height_px < 2)
    throw Error(ErrorKind::kMedia, "the picture is too small to reframe");
  in_ = in;
  out_ = in;
  out_.width_px = options_.width_px;
  out_.height_px = options_.height_px;
  out_.sample_aspect = {1, 1};
  const double pixel_aspect =
      in.sample_aspect.num > 0 && in.sample_aspect.den > 0 ? av_q2d(in.sample_aspect) : 1.0;
  const double disp_w = in.width_px * pixel_aspect;
  const double disp_h = in.height_px;
  const double scale = std::min(options_.width_px / disp_w, options_.height_px / disp_h);
  fg_dst_.w = std::clamp(even_round(disp_w * scale), 2, options_.width_px);
  fg_dst_.h = std::clamp(even_round(disp_h * scale), 2, options_.height_px);
  fg_dst_.x = even_floor((options_.width_px - fg_dst_.w) / 2.0);
  fg_dst_.y = even_floor((options_.height_px - fg_dst_.h) / 2.0);
  fills_frame_ = fg_dst_.w == options_.width_px && fg_dst_.h == options_.height_px;
  crop_src_ = cover_crop(in.width_px, in.height_px, pixel_aspect, options_.width_px, options_.height_px);
  return out_;
}

std::array<int, 2> Reframe::detail_needed() const {
  if (options_.kind == ReframeKind::kFitBlur || options_.kind == ReframeKind::kFitPad)
    return {fg_dst_.w, fg_dst_.h};
  const auto scaled = [](int source, int out, int crop) {
    return static_cast<int>(std::ceil(static_cast<double>(source) * out / std::max(1, crop)));
  };
  return {scaled(in_.width_px, out_.width_px, crop_src_.w),
          scaled(in_.height_px, out_.height_px, crop_src_.h)};
}

CropWindow Reframe::center_window() const {
  return {static_cast<double>(crop_src_.x), static_cast<double>(crop_src_.y),
          static_cast<double>(crop_src_.w), static_cast<double>(crop_src_.h)};
}

FramePtr Reframe::process(const AVFrame& in) const {
  FramePtr out = alloc_video_frame(options_.width_px, options_.height_px, AV_PIX_FMT_YUV420P);
  av_frame_copy_props(out.get(), &in);
  out->sample_aspect_ratio = {1, 1};
  const Rect whole_src{0, 0, in.width - in.width % 2, in.height - in.height % 2};
  const Rect whole_dst{0, 0, options_.width_px, options_.height_px};
  switch (options_.kind) {
    case ReframeKind::kCropCenter:
      scale_into(in, crop_src_, *out, whole_dst);
      return out;
    case ReframeKind::kCropWindow:
      return process(in, center_window());
    case ReframeKind::kFitPad:
      if (!fills_frame_) fill_yuv420p(*out, options_.pad_yuv[0], options_.pad_yuv[1], options_.pad_yuv[2]);
      scale_into(in, whole_src, *out, fg_dst_);
      return out;
    case ReframeKind::kFitBlur:
      if (!fills_frame_) fit_blur_background(in, *out);
      scale_into(in, whole_src, *out, fg_dst_);
      return out;
    case ReframeKind::kInvalid:
      break;
  }
  throw Error(ErrorKind::kInternal, "reframe used before a mode was chosen");
}

void Reframe::fit_blur_background(const AVFrame& in, AVFrame& out) const {
  // Background: cover-crop scaled down to 1/N, blurred and darkened there, scaled back up.
  const int ds = std::max(1, options_.background_downscale);
  const int small_w = std::max(4, even_round(static_cast<double>(options_.width_px) / ds));
  const int small_h = std::max(4, even_round(static_cast<double>(options_.height_px) / ds));
  thread_local cv::Mat small[3];
  thread_local cv::Mat wide[3];
  for (int p = 0; p < 3; ++p) {
    const int sw = p == 0 ? small_w : small_w / 2;
    const int sh = p == 0 ? small_h : small_h / 2;
    const cv::Mat src_plane = plane_view(in, p);
    const cv::Mat from = src_plane(plane_rect(crop_src_, p) & cv::Rect(0, 0, src_plane.cols, src_plane.rows));
    small[p].create(sh, sw, CV_8UC1);
    cv::resize(from, small[p], small[p].size(), 0, 0, cv::INTER_AREA);
    // Blur, darken and scale up in 16-bit fixed point (x256), rounded to 8 bits once at the
    // end: rounding the small picture first turns sub-level changes between frames into
    // whole 8x8 blocks flipping by one level, which x264 pays for in every frame.
    const double k = options_.background_darken;
    const double base = p == 0 ? 16.0 : 128.0;
    small[p].convertTo(wide[p], CV_16UC1, 256.0 * k, 256.0 * base * (1.0 - k));
    cv::GaussianBlur(wide[p], wide[p], cv::Size(0, 0), 2.0);
    cv::Mat to = plane_view(out, p);
    const cv::Rect picture = plane_rect(fg_dst_, p);
    if (options_.background_behind_picture || !upscale_around(wide[p], to, picture)) upscale(wide[p], to);
  }
}

FramePtr Reframe::process(const AVFrame& in, const CropWindow& window) const {
  FramePtr out = alloc_video_frame(options_.width_px, options_.height_px, AV_PIX_FMT_YUV420P);
  av_frame_copy_props(out.get(), &in);
  out->sample_aspect_ratio = {1, 1};
  Rect src;
  src.w = std::clamp(even_round(window.w), 2, in.width - in.width % 2);
  src.h = std::clamp(even_round(window.h), 2, in.height - in.height % 2);
  src.x = std::clamp(even_round(window.x), 0, in.width - src.w);
  src.y = std::clamp(even_round(window.y), 0, in.height - src.h);
  src.x -= src.x % 2;
  src.y -= src.y % 2;
  scale_into(in, src, *out, {0, 0, options_.width_px, options_.height_px});
  return out;
}

}  // namespace shortpack

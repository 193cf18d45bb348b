#include "filters/logo_overlay.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "filters/core/error.h"

namespace shortpack {

LogoOverlay::LogoOverlay(RgbaImage logo, LogoPlacement placement)
    : logo_(std::move(logo)), placement_(placement) {}

LogoOverlay::Rect LogoOverlay::place(const LogoPlacement& placement, int logo_w, int logo_h, int frame_w,
                                     int frame_h) {
  if (logo_w <= 0 || logo_h <= 0) throw Error(ErrorKind::kInput, "the logo is empty");
  const int safe_w = frame_w - placement.left_px - placement.right_px;
  const int safe_h = frame_h - placement.top_px - placement.bottom_px;
  int w = static_cast<int>(std::lround(frame_w * placement.width_rel / 2.0)) * 2;
  int h = static_cast<int>(std::lround(static_cast<double>(w) * logo_h / logo_w / 2.0)) * 2;
  w = std::max(w, 2);
  h = std::max(h, 2);
  if (w > safe_w || h > safe_h) {
    throw Error(ErrorKind::kInput, "the logo (" + std::to_string(w) + "x" + std::to_string(h) +
                                       " px at this size) does not fit inside the " + std::to_string(safe_w) +
                                       "x" + std::to_string(safe_h) + " safe area; make logo_width smaller");
  }
  const bool right = placement.corner == Corner::kTopRight || placement.corner == Corner::kBottomRight;
  const bool bottom = placement.corner == Corner::kBottomLeft || placement.corner == Corner::kBottomRight;
  Rect r;
  r.w = w;
  r.h = h;
  r.x = right ? frame_w - placement.right_px - w : placement.left_px;
  r.y = bottom ? frame_h - placement.bottom_px - h : placement.top_px;
  r.x -= r.x % 2;  // chroma sites: away from the right/bottom edge, never into the margin
  r.y -= r.y % 2;
  return r;
}

VideoFormat LogoOverlay::configure(const VideoFormat& in) {
  if (in.pixel_format != AV_PIX_FMT_YUV420P)
    throw Error(ErrorKind::kInternal, "logo overlay takes yuv420p frames");
  rect_ = place(placement_, logo_.width_px, logo_.height_px, in.width_px, in.height_px);
  const int w = rect_.w;
  const int h = rect_.h;

  // Scale premultiplied RGBA (so edges do not pick up the colour of transparent pixels).
  cv::Mat rgba(logo_.height_px, logo_.width_px, CV_8UC4, logo_.pixels.data());
  cv::Mat premul;
  cv::cvtColor(rgba, premul, cv::COLOR_RGBA2mRGBA);
  cv::Mat scaled;
  const bool shrinking = w < logo_.width_px;
  cv::resize(premul, scaled, cv::Size(w, h), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  y_.assign(static_cast<size_t>(w) * h, 16);
  a_.assign(static_cast<size_t>(w) * h, 0);
  const int cw = w / 2;
  const int ch = h / 2;
  u_.assign(static_cast<size_t>(cw) * ch, 128);
  v_.assign(static_cast<size_t>(cw) * ch, 128);
  ac_.assign(static_cast<size_t>(cw) * ch, 0);
  std::vector<double> sum_u(static_cast<size_t>(cw) * ch, 0.0), sum_v(sum_u.size(), 0.0),
      sum_a(sum_u.size(), 0.0);
  for (int yy = 0; yy < h; ++yy) {
    const auto* row = scaled.ptr<uint8_t>(yy);
    for (int xx = 0; xx < w; ++xx) {
      const uint8_t pa = row[4 * xx + 3];
      const double alpha = pa / 255.0 * placement_.opacity;
      uint8_t r = 0, g = 0, b = 0;
      if (pa > 0) {
        r = static_cast<uint8_t>(std::min(255, row[4 * xx] * 255 / pa));
        g = static_cast<uint8_t>(std::min(255, row[4 * xx + 1] * 255 / pa));
        b = static_cast<uint8_t>(std::min(255, row[4 * xx + 2] * 255 / pa));
      }
      const Yuv c = rgb_to_yuv709(r, g, b);
      const size_t i = static_cast<size_t>(yy) * w + xx;
      y_[i] = c.y;
      a_[i] = static_cast<uint8_t>(std::lround(alpha * 255.0));
      const size_t ci = static_cast<size_t>(yy / 2) * cw + xx / 2;
      sum_u[ci] += alpha * c.u;
      sum_v[ci] += alpha * c.v;
      sum_a[ci] += alpha;
    }
  }
  for (size_t ci = 0; ci < sum_a.size(); ++ci) {
    if (sum_a[ci] > 0) {
      u_[ci] = static_cast<uint8_t>(std::lround(sum_u[ci] / sum_a[ci]));
      v_[ci] = static_cast<uint8_t>(std::lround(sum_v[ci] / sum_a[ci]));
    }
    ac_[ci] = static_cast<uint8_t>(std::lround(sum_a[ci] / 4.0 * 255.0));
  }
  return in;
}

void LogoOverlay::process(AVFrame& frame) const {
  auto blend = [](uint8_t dst, uint8_t src, uint8_t a) {
    return static_cast<uint8_t>((src * a + dst * (255 - a) + 127) / 255);
  };
  for (int yy = 0; yy < rect_.h; ++yy) {
    uint8_t* dst = frame.data[0] + static_cast<ptrdiff_t>(rect_.y + yy) * frame.linesize[0] + rect_.x;
    const uint8_t* ys = y_.data() + static_cast<size_t>(yy) * rect_.w;
    const uint8_t* as = a_.data() + static_cast<size_t>(yy) * rect_.w;
    for (int xx = 0; xx < rect_.w; ++xx) {
      if (as[xx] != 0) dst[xx] = blend(dst[xx], ys[xx], as[xx]);
    }
  }
  const int cw = rect_.w / 2;
  for (int yy = 0; yy < rect_.h / 2; ++yy) {
    uint8_t* du = frame.data[1] + static_cast<ptrdiff_t>(rect_.y / 2 + yy) * frame.linesize[1] + rect_.x / 2;
    uint8_t* dv = frame.data[2] + static_cast<ptrdiff_t>(rect_.y / 2 + yy) * frame.linesize[2] + rect_.x / 2;
    const size_t row = static_cast<size_t>(yy) * cw;
    for (int xx = 0; xx < cw; ++xx) {
      const uint8_t a = ac_[row + xx];
      if (a == 0) continue;
      du[xx] = blend(du[xx], u_[row + xx], a);
      dv[xx] = blend(dv[xx], v_[row + xx], a);
    }
  }
}

}  // namespace shortpack

#include "filters/transition.h"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "filters/core/error.h"
#include "filters/core/plane_view.h"

namespace shortpack {
FramePtr crossfade(const AVFrame& a, const AVFrame& b, double weight_b) {
  if (a.width != b.width || a.height != b.height) throw Error(ErrorKind::kInternal, "crossfade of two sizes");
  FramePtr out = alloc_video_frame(a.width, a.height, AV_PIX_FMT_YUV420P);
  av_frame_copy_props(out.get(), &a);
  const double w = std::clamp(weight_b, 0.0, 1.0);
  for (int p = 0; p < 3; ++p) {
    cv::Mat dst = plane_view(*out, p);
    cv::addWeighted(plane_view(a, p), 1.0 - w, plane_view(b, p), w, 0.0, dst);
  }
  return out;
}

void fade_to_black(AVFrame& frame, double amount) {
  const double k = 1.0 - std::clamp(amount, 0.0, 1.0);
  for (int p = 0; p < 3; ++p) {
    cv::Mat plane = plane_view(frame, p);
    const double base = p == 0 ? 16.0 : 128.0;
    plane.convertTo(plane, CV_8UC1, k, base * (1.0 - k));
  }
}

FramePtr apply_motion(const AVFrame& in, MotionPath path, double progress, double max_zoom) {
  const double t = std::clamp(progress, 0.0, 1.0);
  double zoom = max_zoom;
  double fx = 0.5;  // horizontal position of the window centre within the spare width (0..1)
  switch (path) {
    case MotionPath::kZoomIn:
      zoom = 1.0 + (max_zoom - 1.0) * t;
      break;
    case MotionPath::kZoomOut:
      zoom = max_zoom - (max_zoom - 1.0) * t;
      break;
    case MotionPath::kPanLeft:
      fx = 1.0 - t;
      break;
    case MotionPath::kPanRight:
      fx = t;
      break;
    case MotionPath::kNone:
      return ref_frame(in);
  }
  FramePtr out = alloc_video_frame(in.width, in.height, AV_PIX_FMT_YUV420P);
  av_frame_copy_props(out.get(), &in);
  const double win_w = in.width / zoom;
  const double win_h = in.height / zoom;
  const double x = (in.width - win_w) * fx;
  const double y = (in.height - win_h) * 0.5;
  for (int p = 0; p < 3; ++p) {
    const double s = p == 0 ? 1.0 : 0.5;
    const cv::Mat src = plane_view(in, p);
    cv::Mat dst = plane_view(*out, p);
    // Sub-pixel window through an affine map, so that slow moves do not step pixel by pixel.
    const double scale = dst.cols / (win_w * s);
    cv::Mat m = (cv::Mat_<double>(2, 3) << scale, 0, -x * s * scale, 0, dst.rows / (win_h * s),
                 -y * s * dst.rows / (win_h * s));
    cv::warpAffine(src, dst, m, dst.size(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  }
  return out;
}

}  // namespace shortpack

#include "filters/smart_crop.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include "filters/core/error.h"

namespace shortpack {

CropPath::CropPath(int src_w, int src_h, double win_w, double win_h, std::vector<double> times_s,
                   std::vector<double> centres_x, std::vector<double> centres_y)
    : src_w_(src_w),
      src_h_(src_h),
      win_w_(win_w),
      win_h_(win_h),
      times_(std::move(times_s)),
      cx_(std::move(centres_x)),
      cy_(std::move(centres_y)) {}

CropWindow CropPath::at(double t) const {
  double cx = src_w_ / 2.0;
  double cy = src_h_ / 2.0;
  if (!times_.empty()) {
    const auto it = std::upper_bound(times_.begin(), times_.end(), t);
    if (it == times_.begin()) {
      cx = cx_.front();
      cy = cy_.front();
    } else if (it == times_.end()) {
      cx = cx_.back();
      cy = cy_.back();
    } else {
      const size_t i = static_cast<size_t>(it - times_.begin());
      const double span = times_[i] - times_[i - 1];
      const double w = span > 0 ? (t - times_[i - 1]) / span : 0.0;
      cx = cx_[i - 1] + (cx_[i] - cx_[i - 1]) * w;
      cy = cy_[i - 1] + (cy_[i] - cy_[i - 1]) * w;
    }
  }
  const double x = std::clamp(cx - win_w_ / 2.0, 0.0, src_w_ - win_w_);
  const double y = std::clamp(cy - win_h_ / 2.0, 0.0, src_h_ - win_h_);
  return {x, y, win_w_, win_h_};
}

namespace {

constexpr int kAnalysisWidth = 320;

struct Sample {
  double t = 0;
  double target_x = 0, target_y = 0;  // where the window centre should be (source px)
  double face_x0 = -1, face_x1 = -1, face_y0 = -1, face_y1 = -1;  // union of faces, -1: none
  bool shot_start = false;
};

// Spectral residual saliency: the log-amplitude spectrum minus its local average, back to space.
cv::Point2d saliency_centre(const cv::Mat& grey) {
  cv::Mat small;
  cv::resize(grey, small, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
  small.convertTo(small, CV_32F);
  cv::Mat planes[] = {small, cv::Mat::zeros(small.size(), CV_32F)};
  cv::Mat complex;
  cv::merge(planes, 2, complex);
  cv::dft(complex, complex);
  cv::split(complex, planes);
  cv::Mat mag, phase;
  cv::cartToPolar(planes[0], planes[1], mag, phase);
  cv::Mat log_mag;
  cv::log(mag + 1e-6F, log_mag);
  cv::Mat avg;
  cv::blur(log_mag, avg, cv::Size(3, 3));
  cv::Mat residual = log_mag - avg;
  cv::Mat amp;
  cv::exp(residual, amp);
  cv::polarToCart(amp, phase, planes[0], planes[1]);
  cv::merge(planes, 2, complex);
  cv::dft(complex, complex, cv::DFT_INVERSE | cv::DFT_SCALE);
  cv::split(complex, planes);
  cv::Mat sal;
  cv::magnitude(planes[0], planes[1], sal);
  sal = sal.mul(sal);
  cv::GaussianBlur(sal, sal, cv::Size(0, 0), 2.5);
  // Centre of mass of the strongest part of the map.
  double max_v = 0;
  cv::minMaxLoc(sal, nullptr, &max_v);
  cv::Mat strong;
  cv::threshold(sal, strong, max_v * 0.3, 0, cv::THRESH_TOZERO);
  const cv::Moments m = cv::moments(strong);
  if (m.m00 <= 0) return {0.5, 0.5};
  return {m.m10 / m.m00 / 64.0, m.m01 / m.m00 / 64.0};
}

std::vector<double> median5(const std::vector<double>& v, size_t from, size_t to) {
  std::vector<double> out(v.begin() + static_cast<ptrdiff_t>(from), v.begin() + static_cast<ptrdiff_t>(to));
  for (size_t i = from; i < to; ++i) {
    std::vector<double> w;
    for (size_t j = (i >= from + 2 ? i - 2 : from); j <= std::min(to - 1, i + 2); ++j) w.push_back(v[j]);
    std::nth_element(w.begin(), w.begin() + static_cast<ptrdiff_t>(w.size() / 2), w.end());
    out[i - from] = w[w.size() / 2];
  }
  return out;
}

void gaussian(std::vector<double>& v, const std::vector<double>& t, double sigma) {
  if (sigma <= 0 || v.size() < 2) return;
  std::vector<double> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    double sum = 0, wsum = 0;
    for (size_t j = 0; j < v.size(); ++j) {
      const double d = (t[j] - t[i]) / sigma;
      if (std::fabs(d) > 3) continue;
      const double w = std::exp(-0.5 * d * d);
      sum += w * v[j];
      wsum += w;
    }
    out[i] = sum / wsum;
  }
  v = out;
}

void limit_speed(std::vector<double>& v, const std::vector<double>& t, double max_per_s) {
  for (size_t i = 1; i < v.size(); ++i) {
    const double step = max_per_s * (t[i] - t[i - 1]);
    v[i] = std::clamp(v[i], v[i - 1] - step, v[i - 1] + step);
  }
  for (size_t i = v.size(); i-- > 1;) {
    const double step = max_per_s * (t[i] - t[i - 1]);
    v[i - 1] = std::clamp(v[i - 1], v[i] - step, v[i] + step);
  }
}

}  // namespace

struct SmartCropAnalyzer::Impl {
  VideoFormat format;
  SmartCropOptions options;
  double pixel_aspect = 1.0;
  double win_w = 0, win_h = 0;  // in source pixels
  std::unique_ptr<cv::CascadeClassifier> faces;
  std::vector<Sample> samples;
  cv::Mat last_hist;
};

SmartCropAnalyzer::SmartCropAnalyzer(const VideoFormat& format, SmartCropOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->format = format;
  impl_->options = options;
  impl_->pixel_aspect =
      format.sample_aspect.num > 0 && format.sample_aspect.den > 0 ? av_q2d(format.sample_aspect) : 1.0;
  const double disp_w = format.width_px * impl_->pixel_aspect;
  const double disp_h = format.height_px;
  double win_disp_w = disp_w;
  double win_h = disp_h;
  if (disp_w / disp_h > options.output_aspect) {
    win_disp_w = disp_h * options.output_aspect;
  } else {
    win_h = disp_w / options.output_aspect;
  }
  impl_->win_w = win_disp_w / impl_->pixel_aspect;
  impl_->win_h = win_h;
  if (!options.face_cascade_file.empty()) {
    impl_->faces = std::make_unique<cv::CascadeClassifier>();
    if (!impl_->faces->load(options.face_cascade_file)) impl_->faces.reset();
  }
}

SmartCropAnalyzer::~SmartCropAnalyzer() = default;

void SmartCropAnalyzer::add(const AVFrame& frame, double t_s) {
  Impl& d = *impl_;
  const cv::Mat luma(frame.height, frame.width, CV_8UC1, frame.data[0],
                     static_cast<size_t>(frame.linesize[0]));
  // Analysis copy: display aspect, 320 px wide.
  const double disp_w = frame.width * d.pixel_aspect;
  const int aw = kAnalysisWidth;
  const int ah = std::max(16, static_cast<int>(std::lround(aw * frame.height / disp_w)));
  cv::Mat grey;
  cv::resize(luma, grey, cv::Size(aw, ah), 0, 0, cv::INTER_AREA);
  const double sx = frame.width / static_cast<double>(aw);  // analysis px -> source px
  const double sy = frame.height / static_cast<double>(ah);

  Sample s;
  s.t = t_s;
  // Shot changes from the grey histogram.
  cv::Mat hist;
  const int bins = 32;
  const float range[] = {0, 256};
  const float* ranges[] = {range};
  cv::calcHist(&grey, 1, nullptr, cv::Mat(), hist, 1, &bins, ranges);
  hist /= static_cast<double>(grey.total());
  s.shot_start =
      d.last_hist.empty() || cv::norm(hist, d.last_hist, cv::NORM_L1) > d.options.shot_change_threshold;
  d.last_hist = hist;

  std::vector<cv::Rect> found;
  if (d.faces) {
    cv::Mat eq;
    cv::equalizeHist(grey, eq);
    d.faces->detectMultiScale(eq, found, 1.1, 4, 0, cv::Size(std::max(12, ah / 12), std::max(12, ah / 12)));
  }
  if (!found.empty()) {
    // Weighted by area: the speaker (largest face) counts most; the union is kept in frame.
    double wsum = 0, cx = 0, cy = 0;
    cv::Rect uni = found.front();
    for (const cv::Rect& r : found) {
      const double w = static_cast<double>(r.area());
      cx += w * (r.x + r.width / 2.0);
      cy += w * (r.y + r.height / 2.0);
      wsum += w;
      uni |= r;
    }
    s.target_x = cx / wsum * sx;
    s.target_y = cy / wsum * sy;
    s.face_x0 = uni.x * sx;
    s.face_x1 = (uni.x + uni.width) * sx;
    s.face_y0 = uni.y * sy;
    s.face_y1 = (uni.y + uni.height) * sy;
  } else {
    const cv::Point2d c = saliency_centre(grey);
    s.target_x = c.x * frame.width;
    s.target_y = c.y * frame.height;
  }
  d.samples.push_back(s);
}

std::shared_ptr<const CropPath> SmartCropAnalyzer::finish() const {
  const Impl& d = *impl_;
  const int w = d.format.width_px;
  const int h = d.format.height_px;
  std::vector<double> times, xs, ys;
  for (const Sample& s : d.samples) times.push_back(s.t);
  xs.resize(d.samples.size());
  ys.resize(d.samples.size());
  const double travel_x = std::max(1.0, w - d.win_w);
  const double travel_y = std::max(1.0, h - d.win_h);
  size_t start = 0;
  while (start < d.samples.size()) {
    size_t end = start + 1;
    while (end < d.samples.size() && !d.samples[end].shot_start) ++end;
    std::vector<double> tx, ty,
        tt(times.begin() + static_cast<ptrdiff_t>(start), times.begin() + static_cast<ptrdiff_t>(end));
    std::vector<double> raw_x, raw_y;
    for (size_t i = start; i < end; ++i) {
      raw_x.push_back(d.samples[i].target_x);
      raw_y.push_back(d.samples[i].target_y);
    }
    tx = median5(raw_x, 0, raw_x.size());
    ty = median5(raw_y, 0, raw_y.size());
    gaussian(tx, tt, d.options.smoothing_s);
    gaussian(ty, tt, d.options.smoothing_s);
    // Keep faces inside the window, moving it as little as needed.
    for (size_t i = 0; i < tx.size(); ++i) {
      const Sample& s = d.samples[start + i];
      tx[i] = std::clamp(tx[i], d.win_w / 2.0, w - d.win_w / 2.0);
      ty[i] = std::clamp(ty[i], d.win_h / 2.0, h - d.win_h / 2.0);
      if (s.face_x0 >= 0 && s.face_x1 - s.face_x0 <= d.win_w) {
        tx[i] = std::clamp(tx[i], s.face_x1 - d.win_w / 2.0, s.face_x0 + d.win_w / 2.0);
      }
      if (s.face_y0 >= 0 && s.face_y1 - s.face_y0 <= d.win_h) {
        ty[i] = std::clamp(ty[i], s.face_y1 - d.win_h / 2.0, s.face_y0 + d.win_h / 2.0);
      }
    }
    limit_speed(tx, tt, d.options.max_speed_rel_per_s * travel_x);
    limit_speed(ty, tt, d.options.max_speed_rel_per_s * travel_y);
    std::copy(tx.begin(), tx.end(), xs.begin() + static_cast<ptrdiff_t>(start));
    std::copy(ty.begin(), ty.end(), ys.begin() + static_cast<ptrdiff_t>(start));
    start = end;
  }
  if (times.empty()) {
    times = {0.0};
    xs = {w / 2.0};
    ys = {h / 2.0};
  }
  return std::make_shared<const CropPath>(w, h, d.win_w, d.win_h, std::move(times), std::move(xs),
                                          std::move(ys));
}

}  // namespace shortpack

// Smart crop: where to put a moving crop window so that a landscape picture becomes a vertical
// one (or any narrower/taller shape) without losing the speaker.
//
// Analysis runs once per segment, on small grey copies of frames sampled a few times a second:
// faces (OpenCV Haar cascade) first, else a spectral-residual saliency map (Hou & Zhang 2007).
// The targets are then smoothed per shot (a large change of the grey histogram starts a new
// shot, where the window may jump): a median removes detection noise, a Gaussian removes jitter,
// a speed limit keeps moves slow, and the window is finally pushed just enough to keep the
// detected faces inside ("never cut a face") before the speed limit is applied again.
// The analyser is single-threaded; the resulting CropPath is immutable and shared.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "filters/core/frame.h"
#include "filters/reframe.h"

namespace shortpack {

struct SmartCropOptions {
  double output_aspect = 9.0 / 16.0;    // width / height of the output
  std::string face_cascade_file;        // Haar cascade XML; empty: saliency only
  double max_speed_rel_per_s = 0.30;    // of the source's spare travel per second
  double smoothing_s = 0.6;             // Gaussian sigma over time
  double shot_change_threshold = 0.45;  // L1 distance of normalised 32-bin histograms
};

// The window per time, in source pixels (display-aspect corrected size).
class CropPath {
 public:
  CropPath(int src_w, int src_h, double win_w, double win_h, std::vector<double> times_s,
           std::vector<double> centres_x, std::vector<double> centres_y);
  [[nodiscard]] CropWindow at(double t_s) const;
  [[nodiscard]] size_t samples() const { return times_.size(); }
  [[nodiscard]] const std::vector<double>& centres_x() const { return cx_; }
  [[nodiscard]] const std::vector<double>& centres_y() const { return cy_; }

 private:
  int src_w_, src_h_;
  double win_w_, win_h_;
  std::vector<double> times_, cx_, cy_;
};

class SmartCropAnalyzer {
 public:
  // `format`: the frames that will be fed (yuv420p, with their sample aspect).
  SmartCropAnalyzer(const VideoFormat& format, SmartCropOptions options);
  ~SmartCropAnalyzer();
  SmartCropAnalyzer(const SmartCropAnalyzer&) = delete;
  SmartCropAnalyzer& operator=(const SmartCropAnalyzer&) = delete;

  // Analyses one frame shown at t_s (seconds from the segment start).
  void add(const AVFrame& frame, double t_s);
  // The smoothed path. With no frames added, a centred still window.
  [[nodiscard]] std::shared_ptr<const CropPath> finish() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shortpack

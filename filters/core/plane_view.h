// OpenCV views of the planes of a yuv420p frame: no copy, the Mat points into the frame.
// The caller must keep the frame alive and only write to frames it owns (see frame.h).
#pragma once

#include <opencv2/core.hpp>

#include "filters/core/frame.h"

namespace shortpack {

// Plane 0 is luma (width x height); planes 1 and 2 are chroma (rounded-up halves).
inline cv::Mat plane_view(const AVFrame& f, int plane) {
  const int w = plane == 0 ? f.width : (f.width + 1) / 2;
  const int h = plane == 0 ? f.height : (f.height + 1) / 2;
  return {h, w, CV_8UC1, f.data[plane], static_cast<size_t>(f.linesize[plane])};
}

}  // namespace shortpack

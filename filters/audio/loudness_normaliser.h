// Loudness normalisation: one static gain to the target integrated loudness (ITU-R BS.1770,
// measured by the caller with LoudnessMeter), then a look-ahead peak limiter that only acts on
// the few peaks that would pass the ceiling. A static gain cannot pump; the limiter's 5 ms
// look-ahead and 80 ms release keep what it does inaudible.
#pragma once

#include <cstddef>

namespace shortpack {

struct LoudnessTarget {
  double integrated_lufs = -14.0;
  double true_peak_dbtp = -1.0;
  // Head-room kept under the true-peak ceiling for inter-sample peaks and AAC overshoot.
  double margin_db = 1.0;
};

struct NormaliseResult {
  double gain_db = 0.0;
  int limited_samples = 0;  // frames where the limiter reduced the gain
};

// In place, on interleaved float samples. measured_lufs below -70 (silence) leaves them as they are.
NormaliseResult normalise_loudness(float* interleaved, size_t frames, int channels, int sample_rate_hz,
                                   double measured_lufs, const LoudnessTarget& target);

// A look-ahead limiter on its own (ceiling in dBFS of sample peak).
int limit_peaks(float* interleaved, size_t frames, int channels, int sample_rate_hz, double ceiling_dbfs);

}  // namespace shortpack

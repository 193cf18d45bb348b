#include "filters/audio/loudness_normaliser.h"

#include "filters/audio/loudness_meter.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <vector>

namespace shortpack {

int limit_peaks(float* x, size_t frames, int channels, int sample_rate_hz, double ceiling_dbfs) {
  const auto ceiling = static_cast<float>(std::pow(10.0, ceiling_dbfs / 20.0));
  const size_t lookahead = std::max<size_t>(1, static_cast<size_t>(0.005 * sample_rate_hz));
  const double release_coef = std::exp(-1.0 / (0.080 * sample_rate_hz));
  // Needed gain per frame: the largest reduction any channel needs.
  std::vector<float> need(frames, 1.0F);
  bool any = false;
  for (size_t i = 0; i < frames; ++i) {
    float peak = 0.0F;
    for (int c = 0; c < channels; ++c) peak = std::max(peak, std::fabs(x[i * channels + c]));
    if (peak > ceiling) {
      need[i] = ceiling / peak;
      any = true;
    }
  }
  if (!any) return 0;
  // Sliding minimum over the look-ahead window (so the gain is already down when a peak arrives),
  // then a linear attack across the window and an exponential release.
  std::vector<float> target(frames, 1.0F);
  std::deque<size_t> window;
  for (size_t i = 0; i < frames + lookahead; ++i) {
    if (i < frames) {
      while (!window.empty() && need[window.back()] >= need[i]) window.pop_back();
      window.push_back(i);
    }
    if (i >= lookahead) {
      const size_t out = i - lookahead;
      while (!window.empty() && window.front() + lookahead < out) window.pop_front();
      // min over [out, out + lookahead]
      target[out] = window.empty() ? 1.0F : need[window.front()];
    }
  }
  int limited = 0;
  double gain = 1.0;
  const double attack_step = 1.0 / static_cast<double>(lookahead);
  for (size_t i = 0; i < frames; ++i) {
    const double t = target[i];
    if (t < gain) {
      gain = std::max(t, gain - attack_step);
      gain = std::min(gain, static_cast<double>(need[i]));  // never let a sample through above the ceiling
    } else {
      gain = t + (gain - t) * release_coef;
    }
    if (gain < 0.9999) ++limited;
    for (int c = 0; c < channels; ++c) x[i * channels + c] = static_cast<float>(x[i * channels + c] * gain);
  }
  return limited;
}

NormaliseResult normalise_loudness(float* x, size_t frames, int channels, int sample_rate_hz,
                                   double measured_lufs, const LoudnessTarget& target) {
  NormaliseResult result;
  if (!(measured_lufs > -70.0) || frames == 0) return result;  // silence or nothing measurable
  const size_t n = frames * static_cast<size_t>(channels);
  const std::vector<float> original(x, x + n);
  // Limiting peaky material lowers its loudness, so the gain is corrected against a new
  // measurement of the limited result (a few passes converge to within 0.2 LU).
  double gain_db = target.integrated_lufs - measured_lufs;
  for (int pass = 0; pass < 4; ++pass) {
    const auto gain = static_cast<float>(std::pow(10.0, gain_db / 20.0));
    for (size_t i = 0; i < n; ++i) x[i] = original[i] * gain;
    result.gain_db = gain_db;
    result.limited_samples =
        limit_peaks(x, frames, channels, sample_rate_hz, target.true_peak_dbtp - target.margin_db);
    if (result.limited_samples == 0) break;
    LoudnessMeter meter(channels, sample_rate_hz);
    meter.add_frames(x, frames);
    const double error_db = target.integrated_lufs - meter.integrated_lufs();
    if (std::fabs(error_db) < 0.2 || !(error_db == error_db)) break;
    gain_db += error_db;
  }
  return result;
}

}  // namespace shortpack

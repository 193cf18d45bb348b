#include "filters/audio/mixer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace shortpack {

void apply_ramp(float* x, size_t frames, int channels, size_t first, size_t count, double from, double to,
                FadeShape shape) {
  const size_t end = std::min(frames, first + count);
  for (size_t i = first; i < end; ++i) {
    const double t = count <= 1 ? 1.0 : static_cast<double>(i - first) / static_cast<double>(count - 1);
    double g = from + (to - from) * t;
    if (shape == FadeShape::kEqualPower) g = std::sin(g * M_PI / 2.0);
    for (int c = 0; c < channels; ++c) x[i * channels + c] = static_cast<float>(x[i * channels + c] * g);
  }
}

void mix_into(float* dst, size_t dst_frames, const float* src, size_t src_frames, int channels, size_t at,
              double gain) {
  if (at >= dst_frames) return;
  const size_t n = std::min(src_frames, dst_frames - at);
  const auto g = static_cast<float>(gain);
  for (size_t i = 0; i < n * static_cast<size_t>(channels); ++i) dst[at * channels + i] += src[i] * g;
}

double duck_and_mix(float* programme, const float* voice, size_t frames, int channels, int sample_rate_hz,
                    const DuckingOptions& o) {
  if (frames == 0) return 0.0;
  // Voice activity from the RMS of 20 ms windows, held across short pauses.
  const size_t window = std::max<size_t>(1, static_cast<size_t>(0.020 * sample_rate_hz));
  const size_t hold = static_cast<size_t>(o.hold_ms / 1000.0 * sample_rate_hz);
  const double threshold = std::pow(10.0, o.threshold_dbfs / 20.0);
  std::vector<uint8_t> active(frames, 0);
  size_t last_active_end = 0;
  bool any_active = false;
  for (size_t w0 = 0; w0 < frames; w0 += window) {
    const size_t w1 = std::min(frames, w0 + window);
    double sum = 0.0;
    for (size_t i = w0 * channels; i < w1 * channels; ++i) sum += static_cast<double>(voice[i]) * voice[i];
    const double rms = std::sqrt(sum / static_cast<double>((w1 - w0) * channels));
    if (rms > threshold) {
      std::fill(active.begin() + static_cast<ptrdiff_t>(w0), active.begin() + static_cast<ptrdiff_t>(w1), 1);
      // Bridge the gap since the last speech if it is short.
      if (any_active && w0 > last_active_end && w0 - last_active_end <= hold) {
        std::fill(active.begin() + static_cast<ptrdiff_t>(last_active_end),
                  active.begin() + static_cast<ptrdiff_t>(w0), 1);
      }
      last_active_end = w1;
      any_active = true;
    }
  }
  // Smooth gain: one-pole towards the target with separate attack and release times.
  const double duck_gain = std::pow(10.0, o.duck_db / 20.0);
  const double attack = std::exp(-1.0 / (o.attack_ms / 1000.0 * sample_rate_hz));
  const double release = std::exp(-1.0 / (o.release_ms / 1000.0 * sample_rate_hz));
  double g = 1.0;
  size_t ducked = 0;
  for (size_t i = 0; i < frames; ++i) {
    const double target = active[i] != 0 ? duck_gain : 1.0;
    const double coef = target < g ? attack : release;
    g = target + (g - target) * coef;
    if (active[i] != 0) ++ducked;
    for (int c = 0; c < channels; ++c) {
      const size_t k = i * channels + c;
      programme[k] = static_cast<float>(programme[k] * g) + voice[k];
    }
  }
  return static_cast<double>(ducked) / static_cast<double>(frames);
}

}  // namespace shortpack

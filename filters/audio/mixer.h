// Sample-level audio work on interleaved float buffers: fades, crossfades at segment joins,
// voice-over ducking (a side-chain compressor keyed by the voice) and the brand's music bed.
// Stateless functions; each call works on the buffers it is given.
#pragma once

#include <cstddef>

namespace shortpack {

enum class FadeShape { kLinear = 0, kEqualPower };

// Multiplies frames [first, first + count) by a ramp from `from` to `to`.
void apply_ramp(float* x, size_t frames, int channels, size_t first, size_t count, double from, double to,
                FadeShape shape = FadeShape::kLinear);

// Adds `src` (frames, channels) into `dst` starting at frame `at` (clipped to dst_frames), times gain.
void mix_into(float* dst, size_t dst_frames, const float* src, size_t src_frames, int channels, size_t at,
              double gain = 1.0);

struct DuckingOptions {
  double duck_db = -12.0;       // programme level change while the voice speaks
  double threshold_dbfs = -45;  // voice RMS (20 ms windows) above this counts as speaking
  double attack_ms = 60.0;      // how fast the programme goes down
  double release_ms = 350.0;    // how fast it comes back
  double hold_ms = 200.0;       // gaps between words shorter than this keep it down
};

// programme := programme * duck_gain(voice) + voice. Returns the fraction of frames ducked.
double duck_and_mix(float* programme, const float* voice, size_t frames, int channels, int sample_rate_hz,
                    const DuckingOptions& options);

}  // namespace shortpack

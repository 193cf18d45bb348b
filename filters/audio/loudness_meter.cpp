#include "filters/audio/loudness_meter.h"

#include <ebur128.h>

#include <cmath>
#include <limits>
#include <string>

#include "filters/core/error.h"

namespace shortpack {

void LoudnessMeter::StateDeleter::operator()(ebur128_state* state) const noexcept { ebur128_destroy(&state); }

LoudnessMeter::LoudnessMeter(int channels, int sample_rate_hz)
    : channels_(channels), sample_rate_hz_(sample_rate_hz) {
  if (channels < 1 || channels > 64) {
    throw Error(ErrorKind::kInput,
                "loudness meter: " + std::to_string(channels) + " channels, must be 1..64");
  }
  if (sample_rate_hz < 8000 || sample_rate_hz > 384000) {
    throw Error(ErrorKind::kInput, "loudness meter: sample rate " + std::to_string(sample_rate_hz) +
                                       " Hz, must be 8000..384000");
  }
  state_.reset(ebur128_init(unsigned(channels), static_cast<unsigned long>(sample_rate_hz),
                            EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK));
  if (!state_) throw Error(ErrorKind::kInternal, "loudness meter: libebur128 could not allocate its state");
}

void LoudnessMeter::add_frames(const float* interleaved, size_t frames) {
  if (frames == 0) return;
  if (ebur128_add_frames_float(state_.get(), interleaved, frames) != EBUR128_SUCCESS) {
    throw Error(ErrorKind::kInternal,
                "loudness meter: libebur128 refused " + std::to_string(frames) + " frames");
  }
  frames_added_ += frames;
}

double LoudnessMeter::integrated_lufs() const {
  double lufs = 0.0;
  if (ebur128_loudness_global(state_.get(), &lufs) != EBUR128_SUCCESS) {
    throw Error(ErrorKind::kInternal, "loudness meter: libebur128 could not compute integrated loudness");
  }
  return lufs;  // libebur128 returns -HUGE_VAL below the absolute gate
}

double LoudnessMeter::true_peak_dbtp() const {
  double peak = 0.0;
  for (int ch = 0; ch < channels_; ++ch) {
    double channel_peak = 0.0;
    if (ebur128_true_peak(state_.get(), unsigned(ch), &channel_peak) != EBUR128_SUCCESS) {
      throw Error(ErrorKind::kInternal, "loudness meter: libebur128 could not compute the true peak");
    }
    peak = std::max(peak, channel_peak);
  }
  if (peak <= 0.0) return -std::numeric_limits<double>::infinity();
  return 20.0 * std::log10(peak);
}

}  // namespace shortpack

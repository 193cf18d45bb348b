// Loudness and true peak by ITU-R BS.1770-4 / EBU R 128, over libebur128.
//
// Feed interleaved float samples (nominal range -1..1) with add_frames(); read the integrated
// loudness (gated, over everything fed so far) and the true peak (4x oversampled, max over all
// channels) at any time. Channels follow libebur128's default map: 1 = mono (weighted as one
// front channel), 2 = L, R; 4 = L, R, Ls, Rs; 5 = L, R, C, Ls, Rs; 6 = L, R, C, LFE (ignored),
// Ls, Rs; channels beyond the sixth are ignored.
//
// Ownership and threads: a LoudnessMeter owns its ebur128_state; move-only; not thread-safe
// (one meter per audio stream).
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

// ebur128_state is a typedef of an unnamed struct, so it cannot be forward-declared.
#include <ebur128.h>

namespace shortpack {

class LoudnessMeter {
 public:
  // Throws Error(kInput) for channels outside 1..64 or sample rates outside 8000..384000 Hz,
  // Error(kInternal) when libebur128 cannot allocate.
  LoudnessMeter(int channels, int sample_rate_hz);

  // `interleaved` holds frames * channels samples.
  void add_frames(const float* interleaved, size_t frames);

  // Integrated loudness in LUFS; -infinity when nothing above the absolute gate (-70 LUFS) was fed.
  [[nodiscard]] double integrated_lufs() const;
  // True peak in dBTP (20*log10 of the oversampled linear peak), max over channels;
  // -infinity for digital silence.
  [[nodiscard]] double true_peak_dbtp() const;

  [[nodiscard]] int channels() const noexcept { return channels_; }
  [[nodiscard]] int sample_rate_hz() const noexcept { return sample_rate_hz_; }
  [[nodiscard]] size_t frames_added() const noexcept { return frames_added_; }

 private:
  struct StateDeleter {
    void operator()(ebur128_state* state) const noexcept;
  };
  std::unique_ptr<ebur128_state, StateDeleter> state_;
  int channels_ = 0;
  int sample_rate_hz_ = 0;
  size_t frames_added_ = 0;
};

static_assert(!std::is_copy_constructible_v<LoudnessMeter>);

}  // namespace shortpack

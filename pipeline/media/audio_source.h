// Reads a trimmed stretch of a file's audio as 48 kHz (or the given rate) interleaved float
// stereo, whatever the source layout (mono, stereo, 5.1 ... are remixed by libswresample).
//
// The result has exactly round(duration_s * rate) frames: a source without audio, or one whose
// audio is shorter, is padded with silence; longer audio is cut.
#pragma once

#include <filesystem>
#include <vector>

namespace shortpack {

struct AudioBuffer {
  int sample_rate_hz = 48000;
  int channels = 2;
  std::vector<float> samples;  // interleaved
  [[nodiscard]] size_t frames() const { return samples.size() / static_cast<size_t>(channels); }
  [[nodiscard]] double duration_s() const {
    return static_cast<double>(frames()) / static_cast<double>(sample_rate_hz);
  }
};

// Throws Error(kMedia) when the file cannot be read or its audio cannot be decoded.
AudioBuffer read_audio(const std::filesystem::path& path, double start_s, double duration_s,
                       int sample_rate_hz = 48000, int channels = 2);

}  // namespace shortpack

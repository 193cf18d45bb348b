// The preset the span tests render with (tests/e2e/test_spans.cpp, the browser's playback of
// joined outputs): B-frames, a VBV cap and keyframes every second, as the social presets have,
// at a small size.
#pragma once

namespace shortpack::test {

inline constexpr const char* kSpansPortraitPreset =
    "label: spans-portrait (tests)\nsize: {width_px: 540, height_px: 960}\n"
    "frame_rate: {min_fps: 23, max_fps: 60, target_fps: 30}\nduration: {min_s: 1, max_s: 60}\n"
    "video: {codec: h264, profile: high, level: \"4.0\", x264_preset: veryfast, crf: 23,\n"
    "        maxrate_bps: 4000000, bufsize_bits: 8000000, closed_gop: true, keyint_s: 1, bframes: 3,\n"
    "        pixel_format: yuv420p}\n"
    "audio: {codec: aac, sample_rate_hz: 48000, channels: 2, bitrate_bps: 128000}\n"
    "loudness: {integrated_lufs: -14, true_peak_dbtp: -1, tolerance_lu: 1}\n"
    "safe_zone: {top_px: 50, bottom_px: 120, left_px: 12, right_px: 30}\n";

}  // namespace shortpack::test

// The warnings and errors libavcodec logs for one codec context, captured for the code that owns it.
//
// Captured: every line at AV_LOG_WARNING or more severe, and the error resilience's report at
// AV_LOG_INFO ("concealing N DC, N AC, N MV errors in P frame"): it is the one trace of a concealed
// picture that does not depend on timing, where the frame's decode_error_flags, with frame threads
// in FFmpeg 5.1, sometimes do not reach the picture returned (seen on a damaged H.264 P picture:
// flagged in about half the runs).
//
// libav's log callback is process-global and a frame-threaded decoder logs from its own worker
// threads, each through a copy of the user's AVCodecContext. So a capture is keyed by the context's
// `opaque` pointer, which libavcodec copies into every thread context: CodecLogCapture sets it to
// itself and registers itself in a process-wide table that the log tap (pipeline/base/log) looks
// lines up in, under a mutex. Lines of other objects (other decoders, demuxers) are not captured.
//
// Ownership: the capture does not own the context; it must outlive every call into the context
// (destroy the context first, or at least stop decoding). The context's `opaque` is ours while the
// capture lives. Thread safety: lines arrive from any thread; the accessors lock.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
}

namespace shortpack {

struct CodecLogLine {
  int level = 0;  // AV_LOG_PANIC..AV_LOG_WARNING, or AV_LOG_INFO for a concealment report
  std::string text;
  int64_t packet_pts = INT64_MIN;  // the packet marked current when it was logged (INT64_MIN: none)
};

class CodecLogCapture {
 public:
  explicit CodecLogCapture(AVCodecContext& codec);
  ~CodecLogCapture();
  CodecLogCapture(const CodecLogCapture&) = delete;
  CodecLogCapture& operator=(const CodecLogCapture&) = delete;

  // Marks the packet being decoded, for lines logged from now on. Only meaningful without frame
  // threads, where a packet's lines are logged while it is sent and its frames received.
  void set_current_packet_pts(int64_t pts);
  // The first lines captured (at most 64), and how many were logged in all.
  [[nodiscard]] std::vector<CodecLogLine> lines() const;
  [[nodiscard]] size_t line_count() const;

 private:
  friend void capture_codec_log_line(void* avcl, int level, const std::string& line);
  void add(int level, const std::string& text);

  mutable std::mutex mutex_;
  std::vector<CodecLogLine> lines_;
  size_t total_lines_ = 0;
  int64_t current_pts_ = INT64_MIN;
};

}  // namespace shortpack

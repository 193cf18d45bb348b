// Decoded pictures kept on disk between a clip's passes (issue 28).
//
// A clip whose encoders do not fit `encoder_memory` at once runs in several passes
// (encoder_batches), and each pass needs the same source pictures. Decoding is the dearer half of
// a pass on camera footage (a 290 Mbit/s grainy 1080p master: ~100 ms of CPU a picture, against a
// read and a copy of 3 MB from the page cache), so the first pass keeps every picture it
// decodes here and the later passes read them back instead of decoding again. The bytes are the
// decoder's (after normalising, VideoSource), so every pass sees the same pictures either way.
//
// The file is created in `dir` (the system's temporary folder: $TMPDIR, node-local scratch on a
// cluster) and unlinked at once, so nothing is left behind even when the process is killed; its
// pages go back when the spill is destroyed. It holds at most `budget_bytes`; pictures past that,
// or after a write fails (a full disk), are not kept and the later passes decode them, as they
// would without a spill. Resident memory does not grow: the pictures live in the page cache,
// which the kernel writes out and reclaims under pressure.
//
// Thread safety: one user at a time (the graph's serial input node of one pass after another).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "filters/core/frame.h"

namespace shortpack {

class FrameSpill {
 public:
  // Throws Error(kMedia) naming `dir` when no file can be made there.
  FrameSpill(const std::filesystem::path& dir, int64_t budget_bytes);
  ~FrameSpill();
  FrameSpill(const FrameSpill&) = delete;
  FrameSpill& operator=(const FrameSpill&) = delete;

  // Keeps a copy of `frame` (a software picture) as picture `index` of segment `segment`. False
  // when it is not kept: already kept, over the budget, storing stopped, or the write failed.
  bool store(int segment, int64_t index, const AVFrame& frame);
  // The picture kept as (segment, index) with its size, format and properties (sample aspect,
  // colour tags, time stamp, side data: av_frame_copy_props); null when it was not kept or cannot be read
  // back (then it is forgotten).
  SharedFrame load(int segment, int64_t index);
  // No more pictures are kept (the last pass only reads).
  void stop_storing() { storing_ = false; }

  [[nodiscard]] int64_t bytes() const { return end_; }
  [[nodiscard]] size_t pictures() const { return entries_.size(); }
  // Why storing stopped early ("" when it did not): the failed write's reason.
  [[nodiscard]] const std::string& failure() const { return failure_; }

 private:
  struct Entry {
    int64_t offset = 0;
    int size = 0;
    FramePtr properties;  // no pictures: size, format and av_frame_copy_props's (tags, time, side data)
  };

  int fd_ = -1;
  int64_t budget_bytes_ = 0;
  int64_t end_ = 0;  // bytes written
  bool storing_ = true;
  std::string failure_;
  std::vector<uint8_t> packed_;  // one picture, packed (reused from picture to picture)
  std::map<std::pair<int, int64_t>, Entry> entries_;
};

}  // namespace shortpack

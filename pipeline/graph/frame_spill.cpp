#include "pipeline/graph/frame_spill.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "filters/core/error.h"

extern "C" {
#include <libavutil/imgutils.h>
}

namespace shortpack {

namespace {

// Writes or reads all of `size` bytes at `offset`; false with errno set on failure (a short read
// at the end of the file is EIO).
bool write_all(int fd, const uint8_t* data, size_t size, int64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return true;
}

bool read_all(int fd, uint8_t* data, size_t size, int64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
  return true;
}

}  // namespace

FrameSpill::FrameSpill(const std::filesystem::path& dir, int64_t budget_bytes) : budget_bytes_(budget_bytes) {
  std::string pattern = (dir / "shortpack-frames-XXXXXX").string();
  fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd_ < 0) {
    throw Error(ErrorKind::kMedia, "cannot keep decoded pictures in " + dir.string() + " (" +
                                       std::strerror(errno) + "); set TMPDIR to a writable folder");
  }
  ::unlink(pattern.c_str());  // gone from the folder now; its pages go with the descriptor
}

FrameSpill::~FrameSpill() {
  if (fd_ >= 0) ::close(fd_);
}

bool FrameSpill::store(int segment, int64_t index, const AVFrame& frame) {
  if (!storing_ || frame.hw_frames_ctx != nullptr || entries_.count({segment, index}) != 0) return false;
  const auto format = static_cast<AVPixelFormat>(frame.format);
  const int size = av_image_get_buffer_size(format, frame.width, frame.height, 1);
  if (size <= 0 || end_ + size > budget_bytes_) {
    storing_ = false;
    return false;
  }
  packed_.resize(static_cast<size_t>(size));
  if (av_image_copy_to_buffer(packed_.data(), size, frame.data, frame.linesize, format, frame.width,
                              frame.height, 1) != size)
    return false;
  Entry e{end_, size, make_frame()};
  e.properties->width = frame.width;
  e.properties->height = frame.height;
  e.properties->format = frame.format;
  if (av_frame_copy_props(e.properties.get(), &frame) < 0) return false;
  if (!write_all(fd_, packed_.data(), packed_.size(), end_)) {
    failure_ = std::strerror(errno);
    storing_ = false;
    return false;
  }
  entries_.emplace(std::pair{segment, index}, std::move(e));
  end_ += size;
  return true;
}

SharedFrame FrameSpill::load(int segment, int64_t index) {
  const auto it = entries_.find({segment, index});
  if (it == entries_.end()) return nullptr;
  const Entry& e = it->second;
  const AVFrame& kept = *e.properties;
  const auto format = static_cast<AVPixelFormat>(kept.format);
  packed_.resize(static_cast<size_t>(e.size));
  FramePtr f = alloc_video_frame(kept.width, kept.height, format);
  uint8_t* planes[4] = {};
  int lines[4] = {};
  if (!read_all(fd_, packed_.data(), packed_.size(), e.offset) || av_frame_copy_props(f.get(), &kept) < 0 ||
      av_image_fill_arrays(planes, lines, packed_.data(), format, kept.width, kept.height, 1) < 0) {
    entries_.erase(it);
    return nullptr;
  }
  av_image_copy(f->data, f->linesize, const_cast<const uint8_t**>(planes), lines, format, kept.width,
                kept.height);
  return share(std::move(f));
}

}  // namespace shortpack

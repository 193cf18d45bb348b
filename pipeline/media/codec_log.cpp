#include "pipeline/media/codec_log.h"

#include <atomic>
#include <unordered_set>

#include "pipeline/base/log.h"

namespace shortpack {

namespace {

// Enough for any file under test; beyond it the count still grows but the text is dropped.
constexpr size_t kMaxLinesKept = 64;

std::mutex g_registry_mutex;
std::unordered_set<const CodecLogCapture*> g_registry;  // live captures
std::atomic<int> g_live{0};

}  // namespace

void capture_codec_log_line(void* avcl, int level, const std::string& line) {
  if (g_live.load(std::memory_order_acquire) == 0) return;
  if (level > AV_LOG_WARNING && !(level == AV_LOG_INFO && line.rfind("concealing ", 0) == 0)) return;
  // Only codec contexts: their first member is the AVClass pointer avcodec_get_class() returns.
  if (*static_cast<const AVClass* const*>(avcl) != avcodec_get_class()) return;
  auto* key = static_cast<CodecLogCapture*>(static_cast<AVCodecContext*>(avcl)->opaque);
  if (key == nullptr) return;
  std::lock_guard lock(g_registry_mutex);  // held while adding, so the capture cannot go away
  if (g_registry.count(key) == 0) return;
  key->add(level, line);
}

CodecLogCapture::CodecLogCapture(AVCodecContext& codec) {
  install_libav_log_callback();
  set_libav_log_tap(capture_codec_log_line);
  codec.opaque = this;
  std::lock_guard lock(g_registry_mutex);
  g_registry.insert(this);
  g_live.fetch_add(1, std::memory_order_release);
}

CodecLogCapture::~CodecLogCapture() {
  std::lock_guard lock(g_registry_mutex);
  g_registry.erase(this);
  g_live.fetch_sub(1, std::memory_order_release);
}

void CodecLogCapture::set_current_packet_pts(int64_t pts) {
  std::lock_guard lock(mutex_);
  current_pts_ = pts;
}

std::vector<CodecLogLine> CodecLogCapture::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

size_t CodecLogCapture::line_count() const {
  std::lock_guard lock(mutex_);
  return total_lines_;
}

void CodecLogCapture::add(int level, const std::string& text) {
  std::lock_guard lock(mutex_);
  ++total_lines_;
  if (lines_.size() >= kMaxLinesKept) return;
  lines_.push_back({level, text, current_pts_});
}

}  // namespace shortpack

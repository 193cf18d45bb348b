#include "pipeline/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <mutex>

extern "C" {
#include <libavutil/log.h>
}

namespace shortpack {
namespace {

thread_local std::string t_last_libav_error;
std::atomic<LibavLogTap> g_tap{nullptr};

// The line without libav's "[h264 @ 0x...] " prefix: the tap's reader names the object itself.
std::string bare_line(void* avcl, int level, const char* fmt, va_list args) {
  char line[1024];
  int print_prefix = 0;
  va_list copy;
  va_copy(copy, args);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &print_prefix);
  va_end(copy);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

void av_log_to_spdlog(void* avcl, int level, const char* fmt, va_list args) {
  if (const LibavLogTap tap = g_tap.load(std::memory_order_acquire);
      tap != nullptr && avcl != nullptr && level <= AV_LOG_INFO) {
    const std::string text = bare_line(avcl, level, fmt, args);
    if (!text.empty()) tap(avcl, level, text);
  }
  if (level > av_log_get_level()) return;
  char line[1024];
  int print_prefix = 1;
  av_log_format_line2(avcl, level, fmt, args, line, sizeof line, &print_prefix);
  std::string text(line);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return;
  if (level <= AV_LOG_ERROR) {
    t_last_libav_error = text;
    spdlog::debug("libav: {}", text);  // libav errors surface as our own Error; keep them for debug
  } else if (level <= AV_LOG_INFO) {
    spdlog::debug("libav: {}", text);
  } else {
    spdlog::trace("libav: {}", text);
  }
}

}  // namespace

std::string take_last_libav_error() {
  std::string last;
  last.swap(t_last_libav_error);
  return last;
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("shortpack");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%^%l%$: %v");
  spdlog::set_level(spdlog::level::from_str(level));
  av_log_set_level(level == "trace" ? AV_LOG_DEBUG : level == "debug" ? AV_LOG_WARNING : AV_LOG_ERROR);
  install_libav_log_callback();
}

void install_libav_log_callback() {
  static std::once_flag once;
  std::call_once(once, [] { av_log_set_callback(av_log_to_spdlog); });
}

void set_libav_log_tap(LibavLogTap tap) { g_tap.store(tap, std::memory_order_release); }

}  // namespace shortpack

#include "pipeline/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

extern "C" {
#include <libavutil/log.h>
}

namespace shortpack {
namespace {

thread_local std::string t_last_libav_error;

void av_log_to_spdlog(void* avcl, int level, const char* fmt, va_list args) {
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
  } else if (level <= AV_LOG_WARNING) {
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
  av_log_set_callback(av_log_to_spdlog);
}

}  // namespace shortpack

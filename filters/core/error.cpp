#include "filters/core/error.h"

#include <cerrno>

extern "C" {
#include <libavutil/error.h>
}

namespace shortpack {

std::string av_error_text(int errnum) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  if (av_strerror(errnum, buf, sizeof buf) < 0) {
    return "libav error " + std::to_string(errnum);
  }
  return buf;
}

int check_av(int ret, ErrorKind kind, std::string_view context) {
  if (ret < 0) {
    if (ret == AVERROR(ENOSPC) || ret == AVERROR(EDQUOT)) kind = ErrorKind::kDiskFull;
    throw Error(kind, std::string(context) + ": " + av_error_text(ret));
  }
  return ret;
}

ErrorKind io_error_kind(int errnum) noexcept {
  return errnum == ENOSPC || errnum == EDQUOT ? ErrorKind::kDiskFull : ErrorKind::kIo;
}

int exit_code_for(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::kInput:
    case ErrorKind::kLimit:
      return 2;
    case ErrorKind::kMedia:
    case ErrorKind::kEncode:
      return 3;
    case ErrorKind::kIo:
    case ErrorKind::kDiskFull:
      return 4;
    case ErrorKind::kCancelled:
      return 130;
    case ErrorKind::kInvalid:
    case ErrorKind::kInternal:
      break;
  }
  return 70;
}

}  // namespace shortpack

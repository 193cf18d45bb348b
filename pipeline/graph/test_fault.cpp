#include "pipeline/graph/test_fault.h"

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <new>
#include <opencv2/core.hpp>
#include <system_error>

namespace shortpack {
namespace {

struct Fault {
  std::string what;
  std::string label;
};

Fault read_fault() {
  const char* env = std::getenv("SHORTPACK_TEST_FAULT");
  if (env == nullptr) return {};
  const std::string text = env;
  const size_t at = text.find('@');
  if (at == std::string::npos) return {};
  return {text.substr(0, at), text.substr(at + 1)};
}

}  // namespace

void throw_test_fault_if_asked(const std::string& label, int64_t frame_index) {
  static const Fault fault = read_fault();
  if (frame_index != 5 || fault.label.empty() || fault.label != label) return;
  if (fault.what == "bad_alloc") throw std::bad_alloc();
  if (fault.what == "opencv") CV_Error(cv::Error::StsAssert, "injected test fault");
  if (fault.what == "filesystem") {
    throw std::filesystem::filesystem_error("injected test fault", label,
                                            std::make_error_code(std::errc::permission_denied));
  }
}

}  // namespace shortpack

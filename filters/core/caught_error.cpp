#include "filters/core/caught_error.h"

#include <exception>
#include <filesystem>
#include <new>
#include <string>
#include <system_error>

namespace shortpack {
namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

Error caught_error() {
  try {
    throw;
  } catch (const Error& e) {
    return e;
  } catch (const std::bad_alloc&) {
    return Error(ErrorKind::kLimit, "out of memory");
  } catch (const std::system_error& e) {  // std::filesystem::filesystem_error among them
    const bool errno_code =
        e.code().category() == std::generic_category() || e.code().category() == std::system_category();
    return Error(errno_code ? io_error_kind(e.code().value()) : ErrorKind::kInternal, trimmed(e.what()));
  } catch (const std::exception& e) {
    return Error(ErrorKind::kInternal, "unexpected error: " + trimmed(e.what()));
  } catch (...) {
    return Error(ErrorKind::kInternal, "an unknown exception");
  }
}

}  // namespace shortpack

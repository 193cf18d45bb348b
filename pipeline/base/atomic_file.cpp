#include "pipeline/base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <system_error>

#include "filters/core/error.h"

namespace shortpack {
namespace fs = std::filesystem;

fs::path temp_path_for(const fs::path& final_path) {
  static std::atomic<int> counter{0};
  return final_path.parent_path() / ("." + final_path.filename().string() + "." + std::to_string(getpid()) +
                                     "-" + std::to_string(counter++) + ".part");
}

void sync_file_and_folder(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    const int err = errno;
    throw Error(io_error_kind(err),
                "cannot flush " + file.string() + " to disk: " + std::generic_category().message(err));
  }
  ::close(fd);
  const int dfd = ::open(file.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void copy_file_atomically(const fs::path& source, const fs::path& final_path) {
  const fs::path temp = temp_path_for(final_path);
  std::error_code ec;
  fs::copy_file(source, temp, fs::copy_options::overwrite_existing, ec);
  if (!ec) {
    try {
      sync_file_and_folder(temp);
    } catch (...) {
      fs::remove(temp, ec);
      throw;
    }
    fs::rename(temp, final_path, ec);
  }
  if (ec) {
    std::error_code ignore;
    fs::remove(temp, ignore);
    throw Error(io_error_kind(ec.value()), "cannot write " + final_path.string() + ": " + ec.message());
  }
}

bool link_or_copy_atomically(const fs::path& source, const fs::path& final_path) {
  const fs::path temp = temp_path_for(final_path);
  std::error_code ec;
  fs::create_hard_link(source, temp, ec);
  if (ec) {
    copy_file_atomically(source, final_path);
    return false;
  }
  fs::rename(temp, final_path, ec);
  // A rename onto a name of the same file does nothing and leaves the temporary name (a re-run
  // whose outputs are already linked): it goes either way.
  std::error_code ignore;
  fs::remove(temp, ignore);
  if (ec) throw Error(io_error_kind(ec.value()), "cannot write " + final_path.string() + ": " + ec.message());
  const int dfd = ::open(final_path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

void write_file_atomically(const fs::path& file, const std::string& text) {
  const fs::path temp = temp_path_for(file);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      const int err = errno;
      std::error_code ec;
      fs::remove(temp, ec);
      throw Error(io_error_kind(err),
                  "cannot write " + file.string() + " (is the disk full or the folder read-only?)");
    }
  }
  try {
    sync_file_and_folder(temp);
  } catch (...) {
    std::error_code ec;
    fs::remove(temp, ec);
    throw;
  }
  std::error_code ec;
  fs::rename(temp, file, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(temp, ignore);  // keeps the rename's error for the message
    throw Error(io_error_kind(ec.value()), "cannot write " + file.string() + ": " + ec.message());
  }
}

}  // namespace shortpack

#include "pipeline/base/atomic_file.h"

#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>

#include "filters/core/error.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

std::string errno_text(int err) { return std::generic_category().message(err); }

// Closes `fd`, keeping the errno the caller already read.
void close_quietly(int fd) {
  if (fd >= 0) (void)::close(fd);
}

// Writes all of `data` to `fd`; returns 0 or the errno of the write that failed.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Writes `fd` (a temporary file just written) to disk and closes it; returns 0 or an errno.
int sync_and_close(int fd) {
  int err = ::fsync(fd) != 0 ? errno : 0;
  if (::close(fd) != 0 && err == 0) err = errno;  // NFS reports a failed write at close
  return err;
}

void sync_folder(const fs::path& folder) {
  const int dfd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

// Renames `temp` to `final_path`, or removes `temp` and throws with the rename's error.
void rename_into_place(const fs::path& temp, const fs::path& final_path) {
  sync_folder(temp.parent_path());
  std::error_code ec;
  fs::rename(temp, final_path, ec);
  if (ec) {
    std::error_code ignore;
    fs::remove(temp, ignore);  // keeps the rename's error for the message
    throw Error(io_error_kind(ec.value()), "cannot write " + final_path.string() + ": " + ec.message());
  }
}

[[noreturn]] void fail_writing(const fs::path& temp, const fs::path& final_path, int err) {
  std::error_code ignore;
  fs::remove(temp, ignore);
  throw Error(io_error_kind(err), "cannot write " + final_path.string() + ": " + errno_text(err));
}

}  // namespace

fs::path temp_path_for(const fs::path& final_path) {
  std::array<unsigned char, 8> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(ErrorKind::kIo, "cannot read random bytes for a temporary name: " + errno_text(errno));
    }
    got += static_cast<size_t>(n);
  }
  // <pid>-<64 random bits>: unpredictable, and the pid tells a later run (batch/workspace's
  // remove_stale_temp_files) that the writer is gone, so a killed run's leftovers are cleaned up.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = std::to_string(::getpid()) + "-";
  for (const unsigned char b : bytes) {
    tag += kHex[b >> 4];
    tag += kHex[b & 15];
  }
  return final_path.parent_path() / ("." + final_path.filename().string() + "." + tag + ".part");
}

int create_temp_file(const fs::path& temp, const fs::path& final_path) {
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    throw Error(io_error_kind(err),
                "cannot write in " + final_path.parent_path().string() + ": " + errno_text(err));
  }
  return fd;
}

void sync_file_and_folder(const fs::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  const int err = fd < 0 ? errno : ::fsync(fd) != 0 ? errno : 0;
  close_quietly(fd);
  if (err != 0) {
    throw Error(io_error_kind(err), "cannot flush " + file.string() + " to disk: " + errno_text(err));
  }
  sync_folder(file.parent_path());
}

void copy_file_atomically(const fs::path& source, const fs::path& final_path) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    const int err = errno;
    throw Error(io_error_kind(err), "cannot read " + source.string() + ": " + errno_text(err));
  }
  const fs::path temp = temp_path_for(final_path);
  int out = -1;
  try {
    out = create_temp_file(temp, final_path);
  } catch (...) {
    close_quietly(in);
    throw;
  }
  std::array<char, 1 << 16> buffer{};
  int err = 0;
  for (;;) {
    const ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) err = errno;
    if (n <= 0) break;
    err = write_all(out, std::string_view(buffer.data(), static_cast<size_t>(n)));
    if (err != 0) break;
  }
  close_quietly(in);
  if (err != 0) {
    close_quietly(out);
    fail_writing(temp, final_path, err);
  }
  if ((err = sync_and_close(out)) != 0) fail_writing(temp, final_path, err);
  rename_into_place(temp, final_path);
}

void write_file_atomically(const fs::path& file, const std::string& text) {
  const fs::path temp = temp_path_for(file);
  const int fd = create_temp_file(temp, file);
  int err = write_all(fd, text);
  if (err != 0) {
    close_quietly(fd);
    fail_writing(temp, file, err);
  }
  if ((err = sync_and_close(fd)) != 0) fail_writing(temp, file, err);
  rename_into_place(temp, file);
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
  sync_folder(final_path.parent_path());
  return true;
}

std::optional<int64_t> temp_file_pid(const std::string& name) {
  // .<final name>.<pid>-<tag>.part (tag: a counter, or random hex digits: base/atomic_file)
  constexpr std::string_view kSuffix = ".part";
  if (name.size() < 2 + kSuffix.size() || name[0] != '.' ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return std::nullopt;
  }
  const std::string stem = name.substr(0, name.size() - kSuffix.size());
  const size_t dot = stem.rfind('.');
  if (dot == std::string::npos || dot == 0) return std::nullopt;
  const std::string tail = stem.substr(dot + 1);  // <pid>-<counter>
  const size_t dash = tail.find('-');
  if (dash == std::string::npos || dash == 0 || dash + 1 == tail.size()) return std::nullopt;
  int64_t pid = 0;
  for (size_t i = 0; i < tail.size(); ++i) {
    if (i == dash) continue;
    const bool digit = tail[i] >= '0' && tail[i] <= '9';
    if (!digit && (i < dash || tail[i] < 'a' || tail[i] > 'f')) return std::nullopt;
    if (i < dash) {
      if (pid > 100000000) return std::nullopt;
      pid = pid * 10 + (tail[i] - '0');
    }
  }
  return pid;
}

}  // namespace shortpack

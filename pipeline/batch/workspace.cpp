#include "pipeline/batch/workspace.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <system_error>
#include <thread>
#include <vector>

#include "filters/core/error.h"

namespace shortpack {
namespace fs = std::filesystem;

fs::path state_dir(const fs::path& output_dir) { return output_dir / ".shortpack"; }
fs::path locks_dir(const fs::path& output_dir) { return state_dir(output_dir) / "locks"; }

fs::path lock_file_for(const fs::path& output_dir, const fs::path& output_file) {
  return locks_dir(output_dir) / (output_file.stem().string() + ".lock");
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  std::string name;
  for (const char* p = buffer; *p != '\0'; ++p) {
    const char c = *p;
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_';
    name += safe ? c : '_';
  }
  return name.empty() ? "localhost" : name;
}

void prepare_output_folder(const fs::path& output_dir) {
  auto fail = [&](const std::string& why) {
    throw Error(ErrorKind::kIo, "cannot write to the output folder " + output_dir.string() + ": " + why);
  };
  std::error_code ec;
  fs::create_directories(locks_dir(output_dir), ec);
  if (ec) fail(ec.message());
  // Creating a file is the only test that tells a read-only mount, a full disk or missing rights.
  const fs::path probe = state_dir(output_dir) / (".probe." + std::to_string(::getpid()) + "-0.part");
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(std::generic_category().message(errno));
  const bool written = ::write(fd, "x", 1) == 1;
  const int saved = errno;
  ::close(fd);
  ::unlink(probe.c_str());
  if (!written) fail(std::generic_category().message(saved));
}

OutputLock::~OutputLock() { release(); }

OutputLock::OutputLock(OutputLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void OutputLock::release() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
    fd_ = -1;
  }
}

OutputLock OutputLock::try_acquire(const fs::path& lock_file, std::string* holder) {
  const int fd = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(ErrorKind::kIo, "cannot open the lock file " + lock_file.string() + ": " +
                                    std::generic_category().message(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (holder != nullptr) {
      char text[128] = {};
      const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
      *holder = n > 0 ? std::string(text, static_cast<size_t>(n)) : "another process";
      while (!holder->empty() && (holder->back() == '\n' || holder->back() == '\0')) holder->pop_back();
    }
    ::close(fd);
    return {};
  }
  const std::string me = "pid " + std::to_string(::getpid()) + " on " + host_name() + "\n";
  if (::ftruncate(fd, 0) == 0) {
    [[maybe_unused]] const ssize_t n = ::pwrite(fd, me.data(), me.size(), 0);  // informative only
  }
  OutputLock lock;
  lock.fd_ = fd;
  return lock;
}

OutputLock OutputLock::wait_acquire(const fs::path& lock_file, const std::atomic<bool>* cancel) {
  for (;;) {
    OutputLock lock = try_acquire(lock_file);
    if (lock.held()) return lock;
    if (cancel != nullptr && cancel->load()) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

namespace {

bool pid_alive(int64_t pid) {
  if (pid <= 0 || pid > 0x3fffffff) return false;
  if (::kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno == EPERM;  // exists, owned by someone else
}

// The final file name inside a temporary name: ".x.mp4.123-4.part" -> "x.mp4".
std::string final_name_of(const std::string& temp_name) {
  const std::string stem = temp_name.substr(1, temp_name.size() - 1 - 5);
  return stem.substr(0, stem.rfind('.'));
}

}  // namespace

int remove_stale_temp_files(const fs::path& output_dir, double min_age_s) {
  std::vector<fs::path> folders{output_dir, state_dir(output_dir)};
  std::error_code ec;
  for (fs::directory_iterator it(output_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && name[0] != '.' && it->is_directory(ec)) folders.push_back(it->path());
  }
  int removed = 0;
  const auto now = fs::file_time_type::clock::now();
  for (const fs::path& folder : folders) {
    std::vector<fs::path> candidates;
    std::error_code iter_ec;
    for (fs::directory_iterator it(folder, iter_ec), end; !iter_ec && it != end; it.increment(iter_ec)) {
      if (temp_file_pid(it->path().filename().string())) candidates.push_back(it->path());
    }
    for (const fs::path& temp : candidates) {
      const std::string name = temp.filename().string();
      if (pid_alive(*temp_file_pid(name))) continue;
      const std::string final_name = final_name_of(name);
      OutputLock lock;
      if (folder != output_dir && folder != state_dir(output_dir) &&
          fs::path(final_name).extension() == ".mp4") {
        // An output's temporary file: whoever writes it holds the output's lock.
        const fs::path lock_file = lock_file_for(output_dir, folder / final_name);
        if (!fs::exists(lock_file)) {
          std::error_code ignore;
          fs::create_directories(lock_file.parent_path(), ignore);
        }
        try {
          lock = OutputLock::try_acquire(lock_file);
        } catch (const Error&) {
          continue;
        }
        if (!lock.held()) continue;
      } else {
        std::error_code time_ec;
        const auto modified = fs::last_write_time(temp, time_ec);
        if (time_ec || std::chrono::duration<double>(now - modified).count() < min_age_s) continue;
      }
      std::error_code remove_ec;
      if (fs::remove(temp, remove_ec)) ++removed;
    }
  }
  return removed;
}

}  // namespace shortpack

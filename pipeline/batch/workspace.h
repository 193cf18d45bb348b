// The hidden state folder of a campaign's output folder, `<out>/<campaign>/.shortpack/`:
//
//   .shortpack/ledger-<host>[-part-I-of-N].sqlite   one ledger per host and shard (see ledger.h)
//   .shortpack/locks/<clip>.<platform>.<lang>.lock   one lock file per output (flock)
//
// Everything in it is per output or per writer, so shards on several machines sharing the folder
// (NFS, a cluster file system) never write to the same file.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "pipeline/base/atomic_file.h"  // temp_file_pid, which names temporary files here

namespace shortpack {

std::filesystem::path state_dir(const std::filesystem::path& output_dir);
std::filesystem::path locks_dir(const std::filesystem::path& output_dir);
// The lock file of the output whose final path is `output_file` (<clip>.<platform>.<lang>.mp4).
std::filesystem::path lock_file_for(const std::filesystem::path& output_dir,
                                    const std::filesystem::path& output_file);

// This machine's name, reduced to [A-Za-z0-9._-] (safe in a file name).
std::string host_name();

// Creates the output folder and its state folders and proves they can be written. Throws
// Error(kIo) "cannot write to the output folder DIR: <reason>" (read-only, not a folder, no space).
void prepare_output_folder(const std::filesystem::path& output_dir);

// An exclusive flock() on an output's lock file, held while the output is rendered and recorded.
// The holder's pid and host are written into the file so that others can say who holds it.
// flock is released by the kernel when the process dies, so a killed run never leaves a lock
// behind. Move-only; the destructor releases the lock. Not thread-safe (one owner).
class OutputLock {
 public:
  OutputLock() = default;
  ~OutputLock();
  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;

  // Tries once. When another process holds the lock, returns an empty lock and sets *holder to
  // what the file says about the holder ("pid 123 on host"). Throws Error(kIo) when the lock file
  // cannot be opened.
  static OutputLock try_acquire(const std::filesystem::path& lock_file, std::string* holder = nullptr);
  // Waits (polling every 100 ms) until the lock is free or `cancel` is set (then returns an
  // empty lock).
  static OutputLock wait_acquire(const std::filesystem::path& lock_file, const std::atomic<bool>* cancel);

  [[nodiscard]] bool held() const { return fd_ >= 0; }
  void release();

 private:
  int fd_ = -1;
};

// Removes temporary files (`.<name>.<pid>-<n>.part`, see base/atomic_file.h) left in
// `output_dir` and its clip folders by a run that was killed: only those whose pid is not alive
// on this machine and, for an output's temporary file, whose output lock is free (a run on
// another machine writing that output holds the lock). Other temporary files (reports) must
// also be older than `min_age_s` (their writer might live on another machine). Returns how many
// were removed.
int remove_stale_temp_files(const std::filesystem::path& output_dir, double min_age_s = 600.0);

}  // namespace shortpack

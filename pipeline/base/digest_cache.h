// SHA-256 digests of files, remembered by (path, size, mtime, ctime, inode) as build tools do, so
// that a re-run does not re-read multi-GB sources (or thousands of outputs) that have not changed.
// A file whose size, modification or change time (in nanoseconds) or inode differs is read again.
//
// The digests live in one JSON file (the output folder's .shortpack/digests.json). It is a cache:
// a missing, unreadable or foreign file is ignored, and saving it is best effort (written whole
// under a temporary name and renamed, so concurrent runs never see half a file; the last one wins).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

namespace shortpack {

class DigestCache {
 public:
  // `file` empty: in memory only.
  explicit DigestCache(std::filesystem::path file = {});
  // The file's digest: remembered when its stat is unchanged, else read. Throws Error(kIo) as
  // sha256_file does. Thread-safe.
  std::string sha256(const std::filesystem::path& path);
  // Writes the cache file when digests were added or changed (and its folder exists). Never throws.
  void save();
  [[nodiscard]] int64_t files_read() const { return files_read_; }  // digests computed (tests, bench)
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  struct Entry {
    int64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    uint64_t inode = 0;
    std::string sha256;
    bool operator==(const Entry& o) const {
      return size == o.size && mtime_ns == o.mtime_ns && ctime_ns == o.ctime_ns && inode == o.inode;
    }
  };
  std::filesystem::path file_;
  std::map<std::string, Entry> entries_;  // absolute path -> stat and digest
  std::mutex mutex_;
  int64_t files_read_ = 0;
  bool dirty_ = false;
};

}  // namespace shortpack

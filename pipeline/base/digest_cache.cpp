#include "pipeline/base/digest_cache.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "filters/core/error.h"
#include "pipeline/base/atomic_file.h"
#include "pipeline/base/hash.h"

namespace shortpack {
namespace fs = std::filesystem;

DigestCache::DigestCache(fs::path file) : file_(std::move(file)) {
  if (file_.empty()) return;
  std::ifstream in(file_, std::ios::binary);
  if (!in) return;
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    if (j.value("version", 0) != 1) return;
    for (const auto& [path, e] : j.at("files").items()) {
      entries_[path] =
          Entry{e.at("size").get<int64_t>(), e.at("mtime_ns").get<int64_t>(), e.at("ctime_ns").get<int64_t>(),
                e.at("inode").get<uint64_t>(), e.at("sha256").get<std::string>()};
    }
  } catch (const nlohmann::json::exception& e) {
    spdlog::debug("{}: ignored ({})", file_.string(), e.what());
    entries_.clear();
  }
}

std::string DigestCache::sha256(const fs::path& path) {
  const std::string key = fs::absolute(path).lexically_normal().string();
  struct stat st {};
  if (::stat(key.c_str(), &st) != 0) return sha256_file(path);  // throws the usual error
  Entry now{static_cast<int64_t>(st.st_size),
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
            static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec,
            static_cast<uint64_t>(st.st_ino),
            {}};
  {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it != entries_.end() && it->second == now) return it->second.sha256;
  }
  now.sha256 = sha256_file(path);
  std::lock_guard lock(mutex_);
  ++files_read_;
  entries_[key] = now;
  dirty_ = true;
  return now.sha256;
}

void DigestCache::save() {
  std::lock_guard lock(mutex_);
  if (file_.empty() || !dirty_) return;
  std::error_code ec;
  if (!fs::is_directory(file_.parent_path(), ec)) return;
  nlohmann::json files = nlohmann::json::object();
  for (const auto& [path, e] : entries_) {
    files[path] = {{"size", e.size},
                   {"mtime_ns", e.mtime_ns},
                   {"ctime_ns", e.ctime_ns},
                   {"inode", e.inode},
                   {"sha256", e.sha256}};
  }
  try {
    write_file_atomically(file_, nlohmann::json{{"version", 1}, {"files", files}}.dump() + "\n");
    dirty_ = false;
  } catch (const Error& e) {
    spdlog::warn("the digest cache was not saved: {}", e.what());
  }
}

}  // namespace shortpack

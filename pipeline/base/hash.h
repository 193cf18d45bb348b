// SHA-256 (libavutil's) for report checksums and render-unit fingerprints.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct AVSHA;

namespace shortpack {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  Sha256& update(std::string_view bytes);
  // Adds a labelled field so that ("ab","c") and ("a","bc") differ.
  Sha256& field(std::string_view name, std::string_view value);
  // Lower-case hex digest; the object is finished afterwards.
  std::string hex();

 private:
  AVSHA* ctx_;
};

// Digest of a file's bytes. Throws Error(kIo) when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);
std::string sha256_text(std::string_view text);

}  // namespace shortpack

#include "pipeline/base/hash.h"

#include <array>
#include <cstdio>
#include <fstream>
#include <vector>

#include "filters/core/error.h"

extern "C" {
#include <libavutil/mem.h>
#include <libavutil/sha.h>
}

namespace shortpack {

Sha256::Sha256() : ctx_(av_sha_alloc()) {
  if (ctx_ == nullptr) throw Error(ErrorKind::kInternal, "out of memory allocating a hash");
  av_sha_init(ctx_, 256);
}

Sha256::~Sha256() { av_free(ctx_); }

Sha256& Sha256::update(std::string_view bytes) {
  av_sha_update(ctx_, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return *this;
}

Sha256& Sha256::field(std::string_view name, std::string_view value) {
  update(name);
  update(std::string_view("\x1f", 1));
  update(std::to_string(value.size()));
  update(std::string_view("\x1f", 1));
  update(value);
  return update(std::string_view("\x1e", 1));
}

std::string Sha256::hex() {
  std::array<uint8_t, 32> digest{};
  av_sha_final(ctx_, digest.data());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::kIo, "cannot read " + path.string());
  Sha256 sha;
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    sha.update(std::string_view(buf.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) throw Error(ErrorKind::kIo, "cannot read " + path.string());
  return sha.hex();
}

std::string sha256_text(std::string_view text) { return Sha256().update(text).hex(); }

}  // namespace shortpack

// The one error type of shortpack.
//
// Every failure that reaches a user is a shortpack::Error: one sentence that names the file,
// the line or timestamp where it applies, and what to do. The kind decides the exit code
// (see README, "Exit codes"). libav return codes are turned into Errors by check_av(), which
// adds av_strerror's text to the caller's context.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace shortpack {

enum class ErrorKind {
  kInvalid = 0,  // 0 is never a valid kind (house style)
  kInput,        // the user's campaign, brand, preset, subtitle or asset is wrong (exit 2)
  kMedia,        // a media file cannot be read or decoded (that output fails, exit 3)
  kEncode,       // encoding or muxing failed (that output fails, exit 3)
  kIo,           // the file system refused (output folder not writable, ...) (exit 4)
  kDiskFull,     // no space left on the device, or the quota is used up (exit 4; a batch stops)
  kLimit,        // a configured resource limit was hit (exit 2 for inputs, 3 for one output)
  kCancelled,    // SIGINT/SIGTERM asked us to stop (exit 130)
  kInternal,     // a bug in shortpack (exit 70)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  [[nodiscard]] ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// av_strerror() as a std::string.
std::string av_error_text(int errnum);

// Throws Error(kind, "<context>: <libav text>") when ret < 0, otherwise returns ret. A full disk
// (ENOSPC, EDQUOT) is Error(kDiskFull) whatever `kind` says.
int check_av(int ret, ErrorKind kind, std::string_view context);

// The kind of a file system failure with this errno: kDiskFull for ENOSPC and EDQUOT, else kIo.
ErrorKind io_error_kind(int errnum) noexcept;

// The file system refused (kIo or kDiskFull): a run stops instead of failing one output.
constexpr bool is_file_system_error(ErrorKind kind) noexcept {
  return kind == ErrorKind::kIo || kind == ErrorKind::kDiskFull;
}

// Exit code of the CLI for an error kind.
int exit_code_for(ErrorKind kind) noexcept;

}  // namespace shortpack

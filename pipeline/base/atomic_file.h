// Files appear whole or not at all: written under a hidden temporary name beside the final path,
// flushed to disk, then renamed (rename is atomic within a folder).
//
// Temporary names carry the writer's pid (so that a later run can tell a killed run's leftovers)
// and 64 random bits (getrandom), and temporary files are created with
// O_CREAT | O_EXCL | O_NOFOLLOW: a name planted in advance (a file, or a symbolic link pointing
// elsewhere) is never opened or written through. Errors keep the errno of the call that failed
// (read before any clean-up call can change it), so a full disk is kDiskFull.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace shortpack {

// A fresh, unpredictable temporary name beside `final_path`: ".<name>.<pid>-<16 hex digits>.part".
std::filesystem::path temp_path_for(const std::filesystem::path& final_path);
// The pid in a temporary file name made by temp_path_for(), if it is one.
std::optional<int64_t> temp_file_pid(const std::string& file_name);
// Creates `temp` (a name from temp_path_for) for writing with O_CREAT | O_EXCL | O_NOFOLLOW |
// O_CLOEXEC, mode 0644 before the umask, and returns its descriptor (the caller closes it).
// Throws Error(kIo / kDiskFull) naming `final_path` when it cannot.
int create_temp_file(const std::filesystem::path& temp, const std::filesystem::path& final_path);
// fsync of a file, then of its folder (so the rename is durable). Throws Error(kIo / kDiskFull).
void sync_file_and_folder(const std::filesystem::path& file);
// Copies `source` to `final_path` through a temporary name and a rename. Throws Error(kIo).
void copy_file_atomically(const std::filesystem::path& source, const std::filesystem::path& final_path);
// Gives the complete file `source` a second name, `final_path`: a hard link made under a temporary
// name and renamed into place, or, where the file system makes no hard link (another file system,
// one without links, a refusal), a copy as above. For files never written again in place (every
// output is replaced by a rename). Returns true when it linked. Throws Error(kIo).
bool link_or_copy_atomically(const std::filesystem::path& source, const std::filesystem::path& final_path);
// Writes `text` to `file` the same way. Throws Error(kIo).
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace shortpack

// Files appear whole or not at all: written under a hidden temporary name beside the final path,
// flushed to disk, then renamed (rename is atomic within a folder).
#pragma once

#include <filesystem>
#include <string>

namespace shortpack {

// A unique temporary name beside `final_path` (hidden, ends in .part).
std::filesystem::path temp_path_for(const std::filesystem::path& final_path);
// fsync of a file, then of its folder (so the rename is durable). Throws Error(kIo).
void sync_file_and_folder(const std::filesystem::path& file);
// Copies `source` to `final_path` through a temporary name and a rename. Throws Error(kIo).
void copy_file_atomically(const std::filesystem::path& source, const std::filesystem::path& final_path);
// Writes `text` to `file` the same way. Throws Error(kIo).
void write_file_atomically(const std::filesystem::path& file, const std::string& text);

}  // namespace shortpack

#include "pipeline/render/output_safety.h"

#include <set>
#include <string>
#include <system_error>

#include "filters/core/error.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse_link(const fs::path& path) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(path, ec);
  throw Error(ErrorKind::kIo,
              "refusing to write through " + path.string() + ": it is a symbolic link" +
                  (ec ? std::string() : " to " + target.string()) +
                  "; shortpack writes only inside the output folder (remove the link; to write "
                  "elsewhere, give that folder with --out)");
}

// Nothing there, or a real folder / regular file.
void check_entry(const fs::path& path, bool folder) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(path, ec);
  if (ec || st.type() == fs::file_type::not_found) return;
  if (st.type() == fs::file_type::symlink) refuse_link(path);
  if (folder && st.type() != fs::file_type::directory) {
    throw Error(ErrorKind::kIo, "cannot write into " + path.string() + ": it is not a folder (move it away)");
  }
  if (!folder && st.type() != fs::file_type::regular) {
    throw Error(ErrorKind::kIo,
                "cannot write " + path.string() + ": something that is not a file is there (move it away)");
  }
}

}  // namespace

void check_output_tree(const RenderPlan& plan) {
  const fs::path& root = plan.output_dir;
  check_entry(root, true);
  std::set<fs::path> folders;
  for (const RenderUnit& u : plan.units) {
    folders.insert(u.output_path.parent_path());
    check_entry(u.output_path, false);
  }
  for (const fs::path& f : folders) check_entry(f, true);
  // Anything shortpack writes sits at most three levels down (.shortpack/locks/<output>.lock).
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_symlink(ec)) refuse_link(it->path());
    if (it.depth() >= 2) it.disable_recursion_pending();
  }
}

void ensure_output_folder(const fs::path& output_dir, const fs::path& folder) {
  const fs::path rel = folder.lexically_normal().lexically_relative(output_dir.lexically_normal());
  if (rel.empty() || *rel.begin() == "..") {
    throw Error(ErrorKind::kInternal,
                folder.string() + " is not inside the output folder " + output_dir.string());
  }
  std::error_code ec;
  if (!output_dir.parent_path().empty()) fs::create_directories(output_dir.parent_path(), ec);
  fs::path at = output_dir;
  auto step = [&](const fs::path& p) {
    std::error_code mk;
    fs::create_directory(p, mk);  // no error when it exists; a link or file there is checked below
    check_entry(p, true);
    if (mk && !fs::is_directory(fs::symlink_status(p))) {
      if (p == output_dir) {
        throw Error(ErrorKind::kIo, "cannot create the output folder " + p.string() + ": " + mk.message() +
                                        " (give a writable folder with --out)");
      }
      throw Error(ErrorKind::kIo, "cannot create the folder " + p.string() + ": " + mk.message());
    }
  };
  step(at);
  for (const fs::path& part : rel) {
    if (part == ".") continue;
    at /= part;
    step(at);
  }
}

}  // namespace shortpack

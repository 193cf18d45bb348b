// Outputs are written only inside the output folder, also when someone planted a symbolic link
// in it (out/<campaign>/<clip> -> /elsewhere, a link at an output's path, a link in the state
// folder that would redirect a lock or ledger write).
//
// The output folder is what --out names; the user may put it anywhere, through links or not.
// Below it, shortpack writes only into folders and files it made itself, so any symbolic link
// among them is refused before anything is written.
#pragma once

#include <filesystem>

#include "pipeline/render/plan.h"

namespace shortpack {

// Checks every path a render of `plan` writes: the campaign folder (plan.output_dir), its clip
// folders, every output file and its caption sidecars, the report files and the state folder
// (.shortpack/ and what is in it, two levels down). None may be a symbolic link; folders must be
// folders and files regular files (when they exist). Throws Error(kIo) "refusing to write ...:
// <path> is a symbolic link to <target> (...)" naming the first offender. Reads only.
void check_output_tree(const RenderPlan& plan);

// Creates `folder` (and what is missing between) inside `output_dir`, refusing to go through a
// symbolic link or a file on the way. `folder` must be `output_dir` or below it. Throws Error(kIo).
void ensure_output_folder(const std::filesystem::path& output_dir, const std::filesystem::path& folder);

}  // namespace shortpack

// report.json: one entry per output (clip, platform, language, path, width, height, duration,
// bytes, sha256, status, error, fingerprint, checks). Written atomically.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

#include "pipeline/render.h"

namespace shortpack {

nlohmann::ordered_json report_to_json(const RenderReport& report);
// Writes <dir>/report.json through a temporary file and a rename. Throws Error(kIo).
void write_report(const RenderReport& report, const std::filesystem::path& file);

}  // namespace shortpack

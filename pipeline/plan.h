// The plan: every output of a campaign as an independent render unit (clip x platform x
// language), with a fingerprint of everything that determines its bytes. Units of one clip are
// rendered together (they share decoding), but any subset of units can be rendered on its own:
// that is how shards and incremental runs work.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/campaign.h"

namespace shortpack {

struct RenderUnit {
  std::string clip_id;
  std::string platform;
  std::string language;
  std::filesystem::path output_path;  // final path
  std::string fingerprint;            // sha256 hex
  double duration_s = 0.0;            // expected output duration (0 when the source is unreadable)
  double cost = 0.0;                  // estimated work: duration x output pixels
};

struct RenderPlan {
  std::filesystem::path output_dir;   // <out>/<campaign name>
  std::vector<RenderUnit> units;      // clip order, then platform order, then language order
};

// Builds the plan. `out_root` is --out (default "out"). Deterministic for the same inputs.
RenderPlan make_plan(const Campaign& campaign, const PresetCatalog& presets, const std::filesystem::path& out_root);

// The output file name of a unit: <clip>.<platform>.<lang>.mp4
std::string output_file_name(const std::string& clip, const std::string& platform, const std::string& language);

// One JSON object per line (what `shortpack plan` prints).
std::string plan_to_json_lines(const RenderPlan& plan);

}  // namespace shortpack

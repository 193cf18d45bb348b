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
  std::filesystem::path output_dir;  // <out>/<campaign name> (proxies: <out>/<campaign name>/proxy)
  std::vector<RenderUnit> units;     // clip order, then platform order, then language order
  bool proxy = false;                // review proxies (render --proxy)
};

// Builds the plan. `out_root` is --out (default "out"). Deterministic for the same inputs.
// A proxy plan (render --proxy) has the same units, named <clip>.<platform>.<lang>.proxy.mp4 in a
// folder of their own, <out>/<campaign>/proxy/, with their own report, ledger and fingerprints:
// proxies never stand in for, skip or overwrite a final output.
RenderPlan make_plan(const Campaign& campaign, const PresetCatalog& presets,
                     const std::filesystem::path& out_root, bool proxy = false);

// The output file name of a unit: <clip>.<platform>.<lang>.mp4 (a proxy: <clip>.<platform>.<lang>.proxy.mp4)
std::string output_file_name(const std::string& clip, const std::string& platform,
                             const std::string& language, bool proxy = false);

// One JSON object per line (what `shortpack plan` prints).
std::string plan_to_json_lines(const RenderPlan& plan);

}  // namespace shortpack

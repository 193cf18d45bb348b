// The plan: every output of a campaign as an independent render unit (clip x variant x platform
// x language), with a fingerprint of everything that determines its bytes. Units of one clip are
// rendered together (they share decoding), but any subset of units can be rendered on its own:
// that is how shards and incremental runs work.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/base/digest_cache.h"
#include "pipeline/spec/campaign.h"

namespace shortpack {

struct RenderUnit {
  std::string clip_id;
  std::string platform;
  std::string language;
  std::filesystem::path output_path;  // final path
  std::string fingerprint;            // sha256 hex
  double duration_s = 0.0;            // expected output duration (0 when the source is unreadable)
  double cost = 0.0;                  // estimated work: duration x output pixels
  std::string variant;                // the variants table's row id; empty when the campaign has none
  // The output whose encode this unit's file is, when it is another's: its settings resolve the
  // same (render/sharing.h; with one_file_per_shape, its shape's), and the file is linked or
  // copied under this unit's name. Empty: the unit is encoded (or refused by its platform's limits).
  std::filesystem::path same_file_as;
};

struct RenderPlan {
  std::filesystem::path output_dir;  // <out>/<campaign name> (proxies: <out>/<campaign name>/proxy)
  std::vector<RenderUnit> units;     // clip order, then variant, platform and language order
  bool proxy = false;                // review proxies (render --proxy)
  // Source and output digests by file stat (see digest_cache.h), shared by the plan and the run
  // that renders it; <output_dir>/.shortpack/digests.json.
  std::shared_ptr<DigestCache> digests;
};

// Builds the plan. `out_root` is --out (default "out"). Deterministic for the same inputs.
// File digests come from the output folder's digest cache (read, not written here).
// A proxy plan (render --proxy) has the same units, named <clip>.<platform>.<lang>.proxy.mp4 in a
// folder of their own, <out>/<campaign>/proxy/, with their own report, ledger and fingerprints:
// proxies never stand in for, skip or overwrite a final output.
RenderPlan make_plan(const Campaign& campaign, const PresetCatalog& presets,
                     const std::filesystem::path& out_root, bool proxy = false);

// The output file name of a unit: <clip>.<platform>.<lang>.mp4, with a variant
// <clip>.<variant>.<platform>.<lang>.mp4 (a proxy: ... .proxy.mp4)
std::string output_file_name(const std::string& clip, const std::string& platform,
                             const std::string& language, bool proxy = false,
                             const std::string& variant = {});
// How messages, progress and ledgers name a unit's clip: "benefits", or "benefits.hanoi" with a variant.
std::string clip_key(const std::string& clip, const std::string& variant);

// One JSON object per line (what `shortpack plan` prints).
std::string plan_to_json_lines(const RenderPlan& plan);

}  // namespace shortpack

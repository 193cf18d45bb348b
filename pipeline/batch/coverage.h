// Coverage indicators from the ledgers of a campaign's output folder: what was produced, for
// which audience (platform x language), when, and what is missing, failed or out of date.
#pragma once

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/batch/ledger.h"
#include "pipeline/render/plan.h"

namespace shortpack {

enum class CoverageState { kInvalid = 0, kOk, kFailed, kMissing, kStale };
const char* to_string(CoverageState state);

struct CoverageCell {
  size_t ok = 0;
  size_t failed = 0;
  size_t missing = 0;
  size_t stale = 0;
  double minutes = 0.0;          // of the ok outputs
  std::string last_rendered_at;  // newest ok row
};

struct CoverageItem {
  OutputKey key;
  CoverageState state = CoverageState::kInvalid;
  std::string detail;  // why failed / missing / out of date
};

struct Coverage {
  std::string campaign;
  bool against_plan = false;                                          // false: only what the ledgers know
  std::map<std::pair<std::string, std::string>, CoverageCell> cells;  // (platform, language)
  std::map<std::string, CoverageCell> by_variant;  // variant id (outputs "<clip>.<variant>"); empty: none
  std::vector<CoverageItem> items;                 // every output, plan order
  size_t outputs = 0;
  size_t ok = 0;
  double minutes_ok = 0.0;        // video minutes of the outputs that are ok now
  double minutes_rendered = 0.0;  // of every ok render in the ledgers (work done over time)
  size_t renders = 0;             // rows in the ledgers
  std::vector<std::string> ledger_files;
  std::vector<std::string> hosts;
  std::string first_render_at;
  std::string last_render_at;
  [[nodiscard]] bool complete() const { return ok == outputs; }
};

// Coverage of `output_dir`. With a plan, every unit of the plan is expected and a recorded
// output whose fingerprint differs is out of date; without, the outputs the ledgers name are.
// An ok output whose file is gone or has another size is missing (`verify`: sha256 too).
Coverage coverage_of(const std::filesystem::path& output_dir, const RenderPlan* plan, bool verify);

std::string coverage_text(const Coverage& coverage);
nlohmann::ordered_json coverage_json(const Coverage& coverage);

}  // namespace shortpack

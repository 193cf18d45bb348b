// `shortpack report DIR`: the report parts of a sharded run (report.part-I-of-N.json, one per
// shard) merged into report.json, in plan order, with the coverage from every ledger part.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/report/report.h"

namespace shortpack {

struct MergedReport {
  RenderReport report;
  ReportRun run;
  std::vector<std::filesystem::path> parts;  // the parts merged
  std::vector<std::string> problems;         // missing parts, plan units in no part, ignored parts
  [[nodiscard]] bool all_ok() const { return problems.empty() && report.all_ok(); }
};

// Reads the parts in `output_dir`. Parts of another shard count than the newest part's are
// ignored (a folder sharded 4 ways last week and 8 ways now). When the same output is in several
// parts, the most recently finished part wins. Throws Error(kInput) when there is no part.
MergedReport merge_report_parts(const std::filesystem::path& output_dir);

}  // namespace shortpack

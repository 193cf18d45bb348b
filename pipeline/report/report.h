// report.json: one entry per output (clip, platform, language, path, width, height, duration,
// bytes, sha256, status, error, fingerprint, checks; `note` for skipped outputs). Batch runs add
// a `run` object (shard, host, times, size of the whole plan) and each output's `plan_index`, so
// that shard parts (report.part-I-of-N.json) can be merged back in plan order. Written atomically.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/render/render.h"

namespace shortpack {

// About the run that wrote a report (batch runs).
struct ReportRun {
  std::string shard = "all";  // "all", "I/N", or "merged" for `shortpack report`
  int shard_index = 0;
  int shard_count = 1;
  size_t plan_units = 0;  // units in the whole plan
  std::string host;
  std::string started_at;          // UTC, as in the ledger
  std::string finished_at;         // UTC
  std::vector<size_t> plan_index;  // per output: its position in the plan
  nlohmann::ordered_json extra;    // more top-level keys (e.g. "coverage", "parts"); null: none
};

nlohmann::ordered_json report_to_json(const RenderReport& report, const ReportRun* run = nullptr);
// Writes the report through a temporary file and a rename. Throws Error(kIo).
void write_report(const RenderReport& report, const std::filesystem::path& file,
                  const ReportRun* run = nullptr);

// Reads a report written by write_report. output_dir is the folder the file is in, and output
// paths are made absolute against it.
// Throws Error(kInput) naming the file when it is not one.
RenderReport read_report(const std::filesystem::path& file, ReportRun* run = nullptr);

// A check's rules as report.json's "checks" array, and back (unknown keys ignored, missing ones
// empty). Throws nlohmann::json's exceptions for a value that is not such an array.
nlohmann::ordered_json checks_to_json(const std::vector<CheckRule>& checks);
std::vector<CheckRule> checks_from_json(const nlohmann::json& checks);

// "ok" | "failed" | "skipped" -> status; kInvalid otherwise.
OutputStatus output_status_from(const std::string& text);

}  // namespace shortpack

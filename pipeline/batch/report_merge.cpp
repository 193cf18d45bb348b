#include "pipeline/batch/report_merge.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "filters/core/error.h"
#include "pipeline/batch/ledger.h"

namespace shortpack {
namespace fs = std::filesystem;

MergedReport merge_report_parts(const fs::path& output_dir) {
  struct Part {
    fs::path file;
    int index = 0;
    int count = 0;
    RenderReport report;
    ReportRun run;
  };
  static const std::regex kName(R"(report\.part-(\d{1,5})-of-(\d{1,5})\.json)");
  std::vector<Part> parts;
  std::error_code ec;
  for (fs::directory_iterator it(output_dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::smatch m;
    const std::string name = it->path().filename().string();
    if (!std::regex_match(name, m, kName)) continue;
    Part p;
    p.file = it->path();
    p.index = std::stoi(m[1].str());
    p.count = std::stoi(m[2].str());
    p.report = read_report(p.file, &p.run);
    parts.push_back(std::move(p));
  }
  if (parts.empty()) {
    throw Error(ErrorKind::kInput, "no report parts (report.part-I-of-N.json) in " + output_dir.string() +
                                       "; `render --shard` writes them");
  }
  // The newest layout wins.
  const Part& newest = *std::max_element(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
    return a.run.finished_at < b.run.finished_at;
  });
  const int count = newest.count;
  MergedReport merged;
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
    return std::tie(a.count, a.index) < std::tie(b.count, b.index);
  });
  std::set<int> seen;
  size_t plan_units = 0;
  struct Entry {
    OutputRecord record;
    std::string finished_at;
  };
  std::map<size_t, Entry> by_index;
  for (Part& p : parts) {
    if (p.count != count) {
      merged.problems.push_back("ignored " + p.file.filename().string() + " (an older run in " +
                                std::to_string(p.count) + " shards)");
      continue;
    }
    seen.insert(p.index);
    merged.parts.push_back(p.file);
    if (merged.report.campaign.empty()) merged.report.campaign = p.report.campaign;
    plan_units = std::max(plan_units, p.run.plan_units);
    for (size_t i = 0; i < p.report.outputs.size(); ++i) {
      const size_t at = i < p.run.plan_index.size() ? p.run.plan_index[i] : i;
      auto it = by_index.find(at);
      if (it == by_index.end() || it->second.finished_at < p.run.finished_at) {
        by_index[at] = Entry{std::move(p.report.outputs[i]), p.run.finished_at};
      }
    }
    if (merged.run.started_at.empty() || p.run.started_at < merged.run.started_at) {
      merged.run.started_at = p.run.started_at;
    }
    merged.run.finished_at = std::max(merged.run.finished_at, p.run.finished_at);
  }
  for (int i = 0; i < count; ++i) {
    if (seen.count(i) == 0) {
      merged.problems.push_back("report.part-" + std::to_string(i) + "-of-" + std::to_string(count) +
                                ".json is missing (shard " + std::to_string(i) + " has not finished)");
    }
  }
  size_t missing_units = 0;
  for (size_t i = 0; i < plan_units; ++i) missing_units += by_index.count(i) == 0 ? 1 : 0;
  if (missing_units > 0 && seen.size() == static_cast<size_t>(count)) {
    merged.problems.push_back(std::to_string(missing_units) + " output(s) of the plan are in no part");
  }
  merged.report.output_dir = output_dir;
  merged.run.shard = "merged";
  merged.run.shard_index = 0;
  merged.run.shard_count = count;
  merged.run.plan_units = plan_units;
  for (auto& [at, entry] : by_index) {
    merged.report.outputs.push_back(std::move(entry.record));
    merged.run.plan_index.push_back(at);
  }
  return merged;
}

}  // namespace shortpack

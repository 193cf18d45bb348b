#include "pipeline/batch/report_merge.h"

#include <algorithm>
#include <map>
#include <regex>
#include <set>

#include "filters/core/error.h"
#include "pipeline/batch/ledger.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

struct Part {
  fs::path file;
  int index = 0;
  int count = 0;
  RenderReport report;
  ReportRun run;
};

// Every report.part-I-of-N.json in the folder, read. Throws Error(kInput) when there is none.
std::vector<Part> read_parts(const fs::path& output_dir) {
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
  return parts;
}

// The outputs of the parts of one layout (N shards), by plan index: the newest record of each.
class PartMerger {
 public:
  PartMerger(MergedReport& merged, int count) : merged_(merged), count_(count) {}

  void add(Part& p) {
    if (p.count != count_) {
      merged_.problems.push_back("ignored " + p.file.filename().string() + " (an older run in " +
                                 std::to_string(p.count) + " shards)");
      return;
    }
    seen_.insert(p.index);
    merged_.parts.push_back(p.file);
    if (merged_.report.campaign.empty()) merged_.report.campaign = p.report.campaign;
    plan_units_ = std::max(plan_units_, p.run.plan_units);
    for (size_t i = 0; i < p.report.outputs.size(); ++i) {
      const size_t at = i < p.run.plan_index.size() ? p.run.plan_index[i] : i;
      auto it = by_index_.find(at);
      if (it == by_index_.end() || it->second.finished_at < p.run.finished_at) {
        by_index_[at] = Entry{std::move(p.report.outputs[i]), p.run.finished_at};
      }
    }
    if (merged_.run.started_at.empty() || p.run.started_at < merged_.run.started_at) {
      merged_.run.started_at = p.run.started_at;
    }
    merged_.run.finished_at = std::max(merged_.run.finished_at, p.run.finished_at);
  }

  // What is missing (a shard not finished, outputs in no part), then the outputs in plan order.
  void finish(const fs::path& output_dir) {
    for (int i = 0; i < count_; ++i) {
      if (seen_.count(i) == 0) {
        merged_.problems.push_back("report.part-" + std::to_string(i) + "-of-" + std::to_string(count_) +
                                   ".json is missing (shard " + std::to_string(i) + " has not finished)");
      }
    }
    size_t missing_units = 0;
    for (size_t i = 0; i < plan_units_; ++i) missing_units += by_index_.count(i) == 0 ? 1 : 0;
    if (missing_units > 0 && seen_.size() == static_cast<size_t>(count_)) {
      merged_.problems.push_back(std::to_string(missing_units) + " output(s) of the plan are in no part");
    }
    merged_.report.output_dir = output_dir;
    merged_.run.shard = "merged";
    merged_.run.shard_index = 0;
    merged_.run.shard_count = count_;
    merged_.run.plan_units = plan_units_;
    for (auto& [at, entry] : by_index_) {
      merged_.report.outputs.push_back(std::move(entry.record));
      merged_.run.plan_index.push_back(at);
    }
  }

 private:
  struct Entry {
    OutputRecord record;
    std::string finished_at;
  };
  MergedReport& merged_;
  const int count_;
  std::set<int> seen_;
  size_t plan_units_ = 0;
  std::map<size_t, Entry> by_index_;
};

}  // namespace

MergedReport merge_report_parts(const fs::path& output_dir) {
  std::vector<Part> parts = read_parts(output_dir);
  // The newest layout wins.
  const int count = std::max_element(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
                      return a.run.finished_at < b.run.finished_at;
                    })->count;
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) {
    return std::tie(a.count, a.index) < std::tie(b.count, b.index);
  });
  MergedReport merged;
  PartMerger merger(merged, count);
  for (Part& p : parts) merger.add(p);
  merger.finish(output_dir);
  return merged;
}

}  // namespace shortpack

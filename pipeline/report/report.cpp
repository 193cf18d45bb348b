#include "pipeline/report/report.h"

#include <fstream>
#include <sstream>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/atomic_file.h"

namespace shortpack {
namespace fs = std::filesystem;

OutputStatus output_status_from(const std::string& text) {
  if (text == "ok") return OutputStatus::kOk;
  if (text == "failed") return OutputStatus::kFailed;
  if (text == "skipped") return OutputStatus::kSkipped;
  return OutputStatus::kInvalid;
}

nlohmann::ordered_json report_to_json(const RenderReport& report, const ReportRun* run) {
  nlohmann::ordered_json j;
  j["campaign"] = report.campaign;
  j["output_dir"] = report.output_dir.string();
  j["shortpack_version"] = SHORTPACK_VERSION;
  if (run != nullptr) {
    nlohmann::ordered_json r;
    r["shard"] = run->shard;
    r["shard_index"] = run->shard_index;
    r["shard_count"] = run->shard_count;
    r["plan_units"] = run->plan_units;
    r["host"] = run->host;
    r["started_at"] = run->started_at;
    r["finished_at"] = run->finished_at;
    j["run"] = std::move(r);
    size_t ok = 0;
    size_t failed = 0;
    size_t skipped = 0;
    for (const OutputRecord& o : report.outputs) {
      ok += o.status == OutputStatus::kOk ? 1 : 0;
      failed += o.status == OutputStatus::kFailed ? 1 : 0;
      skipped += o.status == OutputStatus::kSkipped ? 1 : 0;
    }
    j["summary"] = {{"outputs", report.outputs.size()}, {"ok", ok}, {"skipped", skipped}, {"failed", failed}};
    if (run->extra.is_object()) {
      for (const auto& [k, v] : run->extra.items()) j[k] = v;
    }
  }
  auto& outputs = j["outputs"] = nlohmann::ordered_json::array();
  for (size_t i = 0; i < report.outputs.size(); ++i) {
    const OutputRecord& o = report.outputs[i];
    nlohmann::ordered_json e;
    e["clip"] = o.clip;
    if (!o.variant.empty()) e["variant"] = o.variant;
    e["platform"] = o.platform;
    e["language"] = o.language;
    std::error_code ec;
    const fs::path rel = fs::relative(o.path, report.output_dir, ec);
    e["path"] = ec ? o.path.string() : rel.string();
    e["width"] = o.width_px;
    e["height"] = o.height_px;
    e["duration"] = o.duration_s;
    e["bytes"] = o.bytes;
    e["sha256"] = o.sha256;
    e["status"] = to_string(o.status);
    e["error"] = o.error;
    if (!o.note.empty()) e["note"] = o.note;
    if (!o.warnings.empty()) e["warnings"] = o.warnings;
    e["fingerprint"] = o.fingerprint;
    e["render_s"] = o.render_s;
    e["video_encoded_s"] = o.video_encoded_s;
    e["video_reused_s"] = o.video_reused_s;
    if (o.proxy) e["proxy"] = true;
    if (run != nullptr && i < run->plan_index.size()) e["plan_index"] = run->plan_index[i];
    e["checks"] = checks_to_json(o.checks);
    outputs.push_back(std::move(e));
  }
  return j;
}

nlohmann::ordered_json checks_to_json(const std::vector<CheckRule>& checks) {
  auto j = nlohmann::ordered_json::array();
  for (const CheckRule& c : checks) {
    j.push_back({{"rule", c.name}, {"passed", c.passed}, {"found", c.found}, {"limit", c.limit}});
  }
  return j;
}

std::vector<CheckRule> checks_from_json(const nlohmann::json& checks) {
  std::vector<CheckRule> rules;
  for (const auto& c : checks) {
    CheckRule rule;
    rule.name = c.value("rule", "");
    rule.passed = c.value("passed", false);
    rule.found = c.value("found", "");
    rule.limit = c.value("limit", "");
    rules.push_back(std::move(rule));
  }
  return rules;
}

void write_report(const RenderReport& report, const fs::path& file, const ReportRun* run) {
  write_file_atomically(file, report_to_json(report, run).dump(2) + "\n");
}

RenderReport read_report(const fs::path& file, ReportRun* run) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(ErrorKind::kInput, "cannot read the report " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  RenderReport report;
  try {
    const auto j = nlohmann::json::parse(text.str());
    report.campaign = j.at("campaign").get<std::string>();
    // The folder the file is in now (it may have been written where the folder was mounted
    // elsewhere); relative paths in it are relative to that folder.
    report.output_dir = fs::absolute(file).parent_path();
    if (run != nullptr && j.contains("run")) {
      const auto& r = j.at("run");
      run->shard = r.value("shard", "all");
      run->shard_index = r.value("shard_index", 0);
      run->shard_count = r.value("shard_count", 1);
      run->plan_units = r.value("plan_units", size_t{0});
      run->host = r.value("host", "");
      run->started_at = r.value("started_at", "");
      run->finished_at = r.value("finished_at", "");
    }
    for (const auto& e : j.at("outputs")) {
      OutputRecord o;
      o.clip = e.at("clip").get<std::string>();
      o.variant = e.value("variant", std::string());
      o.platform = e.at("platform").get<std::string>();
      o.language = e.at("language").get<std::string>();
      const fs::path path = e.at("path").get<std::string>();
      o.path = path.is_absolute() ? path : report.output_dir / path;
      o.width_px = e.value("width", 0);
      o.height_px = e.value("height", 0);
      o.duration_s = e.value("duration", 0.0);
      o.bytes = e.value("bytes", int64_t{0});
      o.sha256 = e.value("sha256", "");
      o.status = output_status_from(e.at("status").get<std::string>());
      if (o.status == OutputStatus::kInvalid)
        throw std::runtime_error("unknown status " + e.at("status").dump());
      o.error = e.value("error", "");
      o.note = e.value("note", "");
      if (e.contains("warnings")) o.warnings = e.at("warnings").get<std::vector<std::string>>();
      o.fingerprint = e.value("fingerprint", "");
      o.render_s = e.value("render_s", 0.0);
      o.video_encoded_s = e.value("video_encoded_s", 0.0);
      o.video_reused_s = e.value("video_reused_s", 0.0);
      if (e.contains("checks")) o.checks = checks_from_json(e.at("checks"));
      if (run != nullptr) run->plan_index.push_back(e.value("plan_index", run->plan_index.size()));
      report.outputs.push_back(std::move(o));
    }
  } catch (const std::exception& e) {
    throw Error(ErrorKind::kInput, file.string() + " is not a shortpack report: " + e.what());
  }
  return report;
}

}  // namespace shortpack

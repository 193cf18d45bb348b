#include "pipeline/batch/batch_render.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/hash.h"
#include "pipeline/batch/ledger.h"
#include "pipeline/batch/workspace.h"
#include "pipeline/report/report.h"
#include "pipeline/report/report_html.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

// A variant's outputs are keyed (and recorded in the ledger) by "<clip>.<variant>".
OutputKey key_of(const RenderUnit& u) { return {clip_key(u.clip_id, u.variant), u.platform, u.language}; }
OutputKey key_of(const OutputRecord& r) { return {clip_key(r.clip, r.variant), r.platform, r.language}; }
std::string label_of(const OutputRecord& r) {
  return clip_key(r.clip, r.variant) + "." + r.platform + "." + r.language;
}

std::string relative_path(const fs::path& path, const fs::path& dir) {
  std::error_code ec;
  const fs::path rel = fs::relative(path, dir, ec);
  return ec || rel.empty() ? path.string() : rel.generic_string();
}

// The output at the unit's final path is the one the row describes, with the unit's inputs.
// `not_before`: when set, only rows written at or after that time count (--force).
bool up_to_date(const RenderUnit& unit, const LedgerRow& row, const fs::path& dir,
                const std::string& not_before, DigestCache* digests) {
  if (row.status != "ok" || row.fingerprint != unit.fingerprint) return false;
  if (!not_before.empty() && row.rendered_at < not_before) return false;
  if (row.path != relative_path(unit.output_path, dir)) return false;
  std::error_code ec;
  const auto size = fs::file_size(unit.output_path, ec);
  if (ec || static_cast<int64_t>(size) != row.bytes) return false;
  try {
    return (digests != nullptr ? digests->sha256(unit.output_path) : sha256_file(unit.output_path)) ==
           row.sha256;
  } catch (const Error&) {
    return false;
  }
}

void fill_skipped(OutputRecord& r, const RenderUnit& unit, const LedgerRow& row, const std::string& why,
                  bool proxy) {
  r = record_of(unit, proxy);
  r.status = OutputStatus::kSkipped;
  r.width_px = row.width_px;
  r.height_px = row.height_px;
  r.duration_s = row.duration_s;
  r.bytes = row.bytes;
  r.sha256 = row.sha256;
  // The conformance the file was put in place with: the file is the same (sha256), so are the
  // rules it passed. A row from an older ledger has none ("[]").
  try {
    r.checks = checks_from_json(nlohmann::json::parse(row.checks_json));
  } catch (const nlohmann::json::exception&) {
    r.checks.clear();
  }
  r.note =
      why + " (rendered " + row.rendered_at + " on " + row.host + " by pid " + std::to_string(row.pid) + ")";
}

bool is_cancellation(const OutputRecord& r) { return r.error.rfind("cancelled", 0) == 0; }

}  // namespace

bool is_disk_full_error(const std::string& text) {
  return text.find(std::strerror(ENOSPC)) != std::string::npos ||
         text.find(std::strerror(EDQUOT)) != std::string::npos;
}

int BatchResult::exit_code() const {
  if (!io_error.empty()) return 4;
  if (cancelled) return 130;
  return failed > 0 ? 3 : 0;
}

fs::path report_file_for(const fs::path& output_dir, const ShardSpec& shard) {
  return output_dir / (shard.whole() ? std::string("report.json") : "report." + shard.file_tag() + ".json");
}

BatchResult render_batch(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
                         const BatchOptions& options) {
  BatchResult result;
  std::atomic<bool> own_cancel{false};
  std::atomic<bool>& cancel = options.cancel != nullptr ? *options.cancel : own_cancel;
  Progress* progress = options.progress;
  const fs::path& dir = plan.output_dir;
  const std::string started_at = utc_timestamp_now();
  const std::string host = host_name();
  const std::string shard_text = options.shard.whole() ? "all" : options.shard.text();
  const std::string not_before = options.force ? started_at : std::string();

  // This shard's units, by plan index.
  const std::vector<int> shard_of = assign_shards(plan.units, options.shard.count);
  std::vector<size_t> mine;
  std::map<OutputKey, size_t> index_of;
  double total_cost = 0.0;
  for (size_t i = 0; i < plan.units.size(); ++i) {
    if (shard_of[i] != options.shard.index) continue;
    mine.push_back(i);
    index_of[key_of(plan.units[i])] = i;
    total_cost += plan.units[i].cost;
  }
  auto cost_of = [&](const OutputKey& key) { return plan.units[index_of.at(key)].cost; };

  std::error_code exists_ec;
  if (fs::is_directory(dir, exists_ec)) result.stale_temp_files_removed = remove_stale_temp_files(dir);

  // Step 1, without locks: what is already up to date.
  std::map<size_t, OutputRecord> final_records;
  std::vector<RenderUnit> to_render;
  {
    const LedgerIndex known = LedgerIndex::read(dir);
    for (size_t i : mine) {
      const RenderUnit& u = plan.units[i];
      auto row = known.latest_ok.find(key_of(u));
      if (row != known.latest_ok.end() && up_to_date(u, row->second, dir, not_before, plan.digests.get())) {
        fill_skipped(final_records[i], u, row->second, "up to date", plan.proxy);
      } else {
        to_render.push_back(u);
      }
    }
  }
  if (progress != nullptr) {
    progress->plan(mine.size(), total_cost, final_records.size(), shard_text);
    for (const auto& [i, r] : final_records) progress->finished(r, plan.units[i].cost);
  }
  if (result.stale_temp_files_removed > 0 && progress != nullptr) {
    progress->message("removed " + std::to_string(result.stale_temp_files_removed) +
                      " temporary file(s) left by a run that was killed");
  }

  // The ledger and the folder's state are opened when the first clip starts: by then every clip
  // was prepared, so bad input stops the run before anything is written.
  std::unique_ptr<LedgerWriter> ledger;
  auto ensure_ready = [&] {
    if (ledger) return;
    prepare_output_folder(dir);
    ledger = std::make_unique<LedgerWriter>(
        ledger_file_for(dir, host, options.shard.whole() ? "" : options.shard.file_tag()));
  };

  std::map<OutputKey, OutputLock> held;
  std::set<OutputKey> deferred;
  constexpr std::string_view kBusy = "being rendered by another run";

  auto claim = [&](std::vector<OutputRecord*>& records, bool wait) {
    ensure_ready();
    for (OutputRecord* r : records) {
      if (cancel.load()) return;
      const OutputKey key = key_of(*r);
      const RenderUnit& unit = plan.units.at(index_of.at(key));
      const fs::path lock_file = lock_file_for(dir, unit.output_path);
      std::string holder;
      OutputLock lock = OutputLock::try_acquire(lock_file, &holder);
      if (!lock.held() && wait) {
        if (progress != nullptr) progress->message("waiting for " + holder + " to finish " + label_of(*r));
        lock = OutputLock::wait_acquire(lock_file, &cancel);
      }
      if (!lock.held()) {
        if (cancel.load()) return;
        r->status = OutputStatus::kSkipped;
        r->note = std::string(kBusy) + " (" + holder + ")";
        deferred.insert(key);
        continue;
      }
      // Again under the lock: another run may have rendered it since step 1.
      if (auto row = latest_ok_row(dir, key);
          row && up_to_date(unit, *row, dir, not_before, plan.digests.get())) {
        fill_skipped(*r, unit, *row,
                     row->pid == ::getpid() && row->host == host ? "up to date" : "rendered by another run",
                     plan.proxy);
        continue;  // the lock is released here
      }
      held[key] = std::move(lock);
      if (progress != nullptr) progress->started(*r, unit.cost);
    }
  };

  // The ledger row of a finished output, as this run records it.
  auto row_of = [&](const OutputRecord& r, const char* status) {
    LedgerRow row;
    row.campaign = campaign.name;
    row.clip = clip_key(r.clip, r.variant);
    row.platform = r.platform;
    row.language = r.language;
    row.path = relative_path(r.path, dir);
    row.status = status;
    row.fingerprint = r.fingerprint;
    const bool conforming =
        std::all_of(r.checks.begin(), r.checks.end(), [](const CheckRule& c) { return c.passed; });
    row.conformance = r.checks.empty() ? "unknown" : conforming ? "pass" : "fail";
    row.checks_json = checks_to_json(r.checks).dump();
    row.render_s = r.render_s;
    row.host = host;
    row.shard = shard_text;
    row.pid = ::getpid();
    row.rendered_at = utc_timestamp_now();
    return row;
  };

  auto on_done = [&](const OutputRecord& done) {
    OutputRecord r = done;
    const OutputKey key = key_of(r);
    if (r.status == OutputStatus::kSkipped && r.note.rfind(kBusy, 0) == 0) return;  // taken again later
    if (r.status == OutputStatus::kOk) {
      try {
        LedgerRow row = row_of(r, "ok");
        row.sha256 = r.sha256;
        row.width_px = r.width_px;
        row.height_px = r.height_px;
        row.duration_s = r.duration_s;
        row.bytes = r.bytes;
        ledger->append(row);
      } catch (const Error& e) {
        // A file the ledger does not know would be rendered again anyway; remove it so that the
        // folder, the ledger and the report agree.
        std::error_code ec;
        fs::remove(r.path, ec);
        r.status = OutputStatus::kFailed;
        r.error = std::string(e.what()) + "; the rendered file was removed";
        if (result.io_error.empty()) result.io_error = e.what();
        cancel.store(true);
      }
    } else if (r.status == OutputStatus::kFailed && !is_cancellation(r)) {
      if (ledger) {
        try {
          LedgerRow row = row_of(r, "failed");
          row.error = r.error;
          ledger->append(row);
        } catch (const Error& e) {
          spdlog::warn("{}", e.what());  // a failure that cannot be recorded is still in the report
        }
      }
      if (is_disk_full_error(r.error) && result.io_error.empty()) {
        result.io_error = "the disk holding " + dir.string() + " is full (" + label_of(r) +
                          " could not be written); free some space and run again";
        cancel.store(true);
      }
    }
    held.erase(key);  // the lock goes after the row
    if (r.status == OutputStatus::kFailed && is_cancellation(r) && !result.io_error.empty()) {
      r.error = "not rendered: " + result.io_error;
    }
    if (progress != nullptr) {
      progress->finished(r, cost_of(key));
      // A full disk is said once, at the end, not for every output it stopped.
      if (r.status == OutputStatus::kFailed && !is_cancellation(r) && !is_disk_full_error(r.error) &&
          r.error.rfind("not rendered", 0) != 0 && progress->mode() != ProgressMode::kJson) {
        progress->message("failed: " + label_of(r) + ": " + r.error);
      }
    }
    final_records[index_of.at(key)] = std::move(r);
  };

  auto run_pass = [&](const std::vector<RenderUnit>& units, bool wait) {
    if (units.empty() || cancel.load() || !result.io_error.empty()) return;
    RenderOptions render = options.render;
    render.proxy = plan.proxy;
    render.cancel = &cancel;
    render.on_clip_start = [&](std::vector<OutputRecord*>& records) { claim(records, wait); };
    try {
      (void)render_units(campaign, presets, plan, units, render, on_done);
    } catch (const Error& e) {
      held.clear();
      if (e.kind() != ErrorKind::kIo) throw;
      if (result.io_error.empty()) result.io_error = e.what();
    }
    held.clear();
  };

  run_pass(to_render, false);
  // Step 3: what other runs were rendering when we came to it.
  std::vector<RenderUnit> again;
  for (size_t i : mine) {
    if (deferred.count(key_of(plan.units[i])) != 0) again.push_back(plan.units[i]);
  }
  deferred.clear();
  run_pass(again, true);

  // The report: every unit of the shard, as it is on disk now.
  result.cancelled = cancel.load() && result.io_error.empty();
  result.report.campaign = campaign.name;
  result.report.output_dir = dir;
  result.run.shard = shard_text;
  result.run.shard_index = options.shard.index;
  result.run.shard_count = options.shard.count;
  result.run.plan_units = plan.units.size();
  result.run.host = host;
  result.run.started_at = started_at;
  for (size_t i : mine) {
    auto it = final_records.find(i);
    OutputRecord r;
    if (it != final_records.end()) {
      r = std::move(it->second);
    } else {
      r = record_of(plan.units[i], plan.proxy);
      r.error = !result.io_error.empty() ? "not rendered: " + result.io_error : "cancelled before it started";
    }
    result.rendered += r.status == OutputStatus::kOk ? 1 : 0;
    result.skipped += r.status == OutputStatus::kSkipped ? 1 : 0;
    result.failed += r.status == OutputStatus::kFailed ? 1 : 0;
    result.report.outputs.push_back(std::move(r));
    result.run.plan_index.push_back(i);
  }
  result.run.finished_at = utc_timestamp_now();
  result.report_file = report_file_for(dir, options.shard);
  try {
    write_report(result.report, result.report_file, &result.run);
  } catch (const Error& e) {
    std::error_code ec;
    fs::remove(result.report_file, ec);  // an old report would not match the folder any more
    if (result.io_error.empty()) result.io_error = e.what();
  }
  // The review page of a whole run (shard parts get theirs from `shortpack report`).
  if (options.shard.whole() && fs::exists(result.report_file)) {
    std::vector<std::string> clips;
    for (const Clip& c : campaign.clips) clips.push_back(clip_key(c.id, c.variant));
    try {
      write_report_html(result.report, clips, campaign.platforms, campaign.languages, dir);
    } catch (const Error& e) {
      std::error_code ec;
      fs::remove(dir / "report.html", ec);
      spdlog::warn("{}", e.what());
    }
  }
  if (plan.digests) plan.digests->save();  // the next run's plan and up-to-date checks read it
  return result;
}

}  // namespace shortpack

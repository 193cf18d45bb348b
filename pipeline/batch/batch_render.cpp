#include "pipeline/batch/batch_render.h"

#include <unistd.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/hash.h"
#include "pipeline/batch/ledger.h"
#include "pipeline/batch/workspace.h"
#include "pipeline/publish/posts.h"
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

// Outputs stopped by a cancel (a signal, or this run stopping on a file system error), and outputs
// that failed because the disk is full: decided by the failure's kind, never by its text.
bool is_cancellation(const OutputRecord& r) { return r.error_kind == ErrorKind::kCancelled; }
bool is_disk_full(const OutputRecord& r) { return r.error_kind == ErrorKind::kDiskFull; }

}  // namespace

int BatchResult::exit_code() const {
  if (!io_error.empty()) return 4;
  if (cancelled) return 130;
  return failed > 0 ? 3 : 0;
}

fs::path report_file_for(const fs::path& output_dir, const ShardSpec& shard) {
  return output_dir / (shard.whole() ? std::string("report.json") : "report." + shard.file_tag() + ".json");
}

namespace {

constexpr std::string_view kBusy = "being rendered by another run";

// One batch run of a shard: which units are this shard's, what is already up to date, the locks
// and ledger rows of what it renders, and the report at the end. render_batch() is its steps.
class BatchRun {
 public:
  BatchRun(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
           const BatchOptions& options)
      : campaign_(campaign),
        presets_(presets),
        plan_(plan),
        options_(options),
        cancel_(options.cancel != nullptr ? *options.cancel : own_cancel_),
        progress_(options.progress),
        dir_(plan.output_dir),
        started_at_(utc_timestamp_now()),
        host_(host_name()),
        shard_text_(options.shard.whole() ? "all" : options.shard.text()),
        not_before_(options.force ? started_at_ : std::string()) {}

  // This shard's units, by plan index, and temporary files a killed run left.
  void select_units() {
    const std::vector<int> shard_of = assign_shards(plan_.units, options_.shard.count);
    for (size_t i = 0; i < plan_.units.size(); ++i) {
      if (shard_of[i] != options_.shard.index) continue;
      mine_.push_back(i);
      index_of_[key_of(plan_.units[i])] = i;
      total_cost_ += plan_.units[i].cost;
    }
    std::error_code exists_ec;
    if (fs::is_directory(dir_, exists_ec)) result_.stale_temp_files_removed = remove_stale_temp_files(dir_);
  }

  // Step 1, without locks: what is already up to date. Returns the units left to render.
  std::vector<RenderUnit> skip_up_to_date() {
    std::vector<RenderUnit> to_render;
    const LedgerIndex known = LedgerIndex::read(dir_);
    for (size_t i : mine_) {
      const RenderUnit& u = plan_.units[i];
      auto row = known.latest_ok.find(key_of(u));
      if (row != known.latest_ok.end() &&
          up_to_date(u, row->second, dir_, not_before_, plan_.digests.get())) {
        fill_skipped(final_records_[i], u, row->second, "up to date", plan_.proxy);
      } else {
        to_render.push_back(u);
      }
    }
    if (progress_ != nullptr) {
      progress_->plan(mine_.size(), total_cost_, final_records_.size(), shard_text_);
      for (const auto& [i, r] : final_records_) progress_->finished(r, plan_.units[i].cost);
      if (result_.stale_temp_files_removed > 0) {
        progress_->message("removed " + std::to_string(result_.stale_temp_files_removed) +
                           " temporary file(s) left by a run that was killed");
      }
    }
    return to_render;
  }

  // Renders `units`; `wait`: wait for another run's lock instead of deferring the output.
  void run_pass(const std::vector<RenderUnit>& units, bool wait) {
    if (units.empty() || cancel_.load() || !result_.io_error.empty()) return;
    RenderOptions render = options_.render;
    render.proxy = plan_.proxy;
    render.cancel = &cancel_;
    render.on_clip_start = [this, wait](std::vector<OutputRecord*>& records) { claim(records, wait); };
    try {
      (void)render_units(campaign_, presets_, plan_, units, render,
                         [this](const OutputRecord& r) { on_done(r); });
    } catch (const Error& e) {
      held_.clear();
      if (!is_file_system_error(e.kind())) throw;
      if (result_.io_error.empty()) result_.io_error = e.what();
    }
    held_.clear();
  }

  // Step 3: what other runs were rendering when this one came to it.
  std::vector<RenderUnit> deferred_units() {
    std::vector<RenderUnit> again;
    for (size_t i : mine_) {
      if (deferred_.count(key_of(plan_.units[i])) != 0) again.push_back(plan_.units[i]);
    }
    deferred_.clear();
    return again;
  }

  // The report: every unit of the shard, as it is on disk now; report.json (and the review page
  // of a whole run: shard parts get theirs from `shortpack report`).
  BatchResult finish() {
    collect_records();
    result_.report_file = report_file_for(dir_, options_.shard);
    try {
      write_report(result_.report, result_.report_file, &result_.run);
    } catch (const Error& e) {
      std::error_code ec;
      fs::remove(result_.report_file, ec);  // an old report would not match the folder any more
      if (result_.io_error.empty()) result_.io_error = e.what();
    }
    if (options_.shard.whole() && fs::exists(result_.report_file)) {
      write_post_table();  // first: the review page shows each output as its post
      write_review_page();
    }
    if (plan_.digests) plan_.digests->save();  // the next run's plan and up-to-date checks read it
    return std::move(result_);
  }

 private:
  // The ledger and the folder's state are opened when the first clip starts: by then every clip
  // was prepared, so bad input stops the run before anything is written.
  void ensure_ready() {
    if (ledger_) return;
    prepare_output_folder(dir_);
    ledger_ = std::make_unique<LedgerWriter>(
        ledger_file_for(dir_, host_, options_.shard.whole() ? "" : options_.shard.file_tag()));
  }

  // Before a clip renders: each output's lock, or the output deferred (another run has it) or
  // skipped (another run finished it meanwhile).
  void claim(std::vector<OutputRecord*>& records, bool wait) {
    ensure_ready();
    for (OutputRecord* r : records) {
      if (cancel_.load()) return;
      const OutputKey key = key_of(*r);
      const RenderUnit& unit = plan_.units.at(index_of_.at(key));
      const fs::path lock_file = lock_file_for(dir_, unit.output_path);
      std::string holder;
      OutputLock lock = OutputLock::try_acquire(lock_file, &holder);
      if (!lock.held() && wait) {
        if (progress_ != nullptr) progress_->message("waiting for " + holder + " to finish " + label_of(*r));
        lock = OutputLock::wait_acquire(lock_file, &cancel_);
      }
      if (!lock.held()) {
        if (cancel_.load()) return;
        r->status = OutputStatus::kSkipped;
        r->note = std::string(kBusy) + " (" + holder + ")";
        deferred_.insert(key);
        continue;
      }
      // Again under the lock: another run may have rendered it since step 1.
      if (auto row = latest_ok_row(dir_, key);
          row && up_to_date(unit, *row, dir_, not_before_, plan_.digests.get())) {
        fill_skipped(*r, unit, *row,
                     row->pid == ::getpid() && row->host == host_ ? "up to date" : "rendered by another run",
                     plan_.proxy);
        continue;  // the lock is released here
      }
      held_[key] = std::move(lock);
      if (progress_ != nullptr) progress_->started(*r, unit.cost);
    }
  }

  // The ledger row of a finished output, as this run records it.
  LedgerRow row_of(const OutputRecord& r, const char* status) const {
    LedgerRow row;
    row.campaign = campaign_.name;
    row.clip = clip_key(r.clip, r.variant);
    row.platform = r.platform;
    row.language = r.language;
    row.path = relative_path(r.path, dir_);
    row.status = status;
    row.fingerprint = r.fingerprint;
    const bool conforming =
        std::all_of(r.checks.begin(), r.checks.end(), [](const CheckRule& c) { return c.passed; });
    row.conformance = r.checks.empty() ? "unknown" : conforming ? "pass" : "fail";
    row.checks_json = checks_to_json(r.checks).dump();
    row.render_s = r.render_s;
    row.host = host_;
    row.shard = shard_text_;
    row.pid = ::getpid();
    row.rendered_at = utc_timestamp_now();
    return row;
  }

  // An output in place: its ledger row. A file the ledger does not know would be rendered again
  // anyway, so when the row cannot be written the file is removed (folder, ledger and report
  // agree) and the run stops.
  void record_ok(OutputRecord& r) {
    try {
      LedgerRow row = row_of(r, "ok");
      row.sha256 = r.sha256;
      row.width_px = r.width_px;
      row.height_px = r.height_px;
      row.duration_s = r.duration_s;
      row.bytes = r.bytes;
      ledger_->append(row);
    } catch (const Error& e) {
      std::error_code ec;
      fs::remove(r.path, ec);
      r.fail(e.kind(), std::string(e.what()) + "; the rendered file was removed");
      if (result_.io_error.empty()) result_.io_error = e.what();
      cancel_.store(true);
    }
  }

  // A failed output: its ledger row (when the ledger is open); a full disk stops the run.
  void record_failed(const OutputRecord& r) {
    if (ledger_) {
      try {
        LedgerRow row = row_of(r, "failed");
        row.error = r.error;
        ledger_->append(row);
      } catch (const Error& e) {
        spdlog::warn("{}", e.what());  // a failure that cannot be recorded is still in the report
      }
    }
    if (is_disk_full(r) && result_.io_error.empty()) {
      result_.io_error = "the disk holding " + dir_.string() + " is full (" + label_of(r) +
                         " could not be written); free some space and run again";
      cancel_.store(true);
    }
  }

  void on_done(const OutputRecord& done) {
    OutputRecord r = done;
    const OutputKey key = key_of(r);
    if (r.status == OutputStatus::kSkipped && r.note.rfind(kBusy, 0) == 0) return;  // taken again later
    if (r.status == OutputStatus::kOk) {
      record_ok(r);
    } else if (r.status == OutputStatus::kFailed && !is_cancellation(r)) {
      record_failed(r);
    }
    held_.erase(key);  // the lock goes after the row
    if (r.status == OutputStatus::kFailed && is_cancellation(r) && !result_.io_error.empty()) {
      r.error = "not rendered: " + result_.io_error;
    }
    if (progress_ != nullptr) {
      progress_->finished(r, plan_.units[index_of_.at(key)].cost);
      // A full disk is said once, at the end, not for every output it stopped.
      if (r.status == OutputStatus::kFailed && !is_cancellation(r) && !is_disk_full(r) &&
          progress_->mode() != ProgressMode::kJson) {
        progress_->message("failed: " + label_of(r) + ": " + r.error);
      }
    }
    final_records_[index_of_.at(key)] = std::move(r);
  }

  // Every unit of the shard into the result, in plan order, with the run's facts.
  void collect_records() {
    result_.cancelled = cancel_.load() && result_.io_error.empty();
    result_.report.campaign = campaign_.name;
    result_.report.output_dir = dir_;
    result_.run.shard = shard_text_;
    result_.run.shard_index = options_.shard.index;
    result_.run.shard_count = options_.shard.count;
    result_.run.plan_units = plan_.units.size();
    result_.run.host = host_;
    result_.run.started_at = started_at_;
    for (size_t i : mine_) {
      auto it = final_records_.find(i);
      OutputRecord r;
      if (it != final_records_.end()) {
        r = std::move(it->second);
      } else {
        r = record_of(plan_.units[i], plan_.proxy);
        r.fail(ErrorKind::kCancelled, !result_.io_error.empty() ? "not rendered: " + result_.io_error
                                                                : "cancelled before it started");
      }
      result_.rendered += r.status == OutputStatus::kOk ? 1 : 0;
      result_.skipped += r.status == OutputStatus::kSkipped ? 1 : 0;
      result_.failed += r.status == OutputStatus::kFailed ? 1 : 0;
      result_.report.outputs.push_back(std::move(r));
      result_.run.plan_index.push_back(i);
    }
    result_.run.finished_at = utc_timestamp_now();
  }

  void write_review_page() {
    std::vector<std::string> clips;
    for (const Clip& c : campaign_.clips) clips.push_back(clip_key(c.id, c.variant));
    // Every unit of the whole plan (all shards): a cell outside it is not planned, not missing.
    PlannedOutputs planned;
    for (const RenderUnit& u : plan_.units)
      planned.insert({clip_key(u.clip_id, u.variant), u.platform, u.language});
    try {
      write_report_html(result_.report, clips, campaign_.platforms, campaign_.languages, dir_, &planned);
    } catch (const Error& e) {
      std::error_code ec;
      fs::remove(dir_ / "report.html", ec);
      spdlog::warn("{}", e.what());
    }
  }

  // publish/posts.csv and posts.json (issue 30): the posts of the outputs on disk now.
  void write_post_table() {
    if (plan_.proxy) return;  // review proxies are not posted
    try {
      write_posts(result_.report, campaign_, presets_, dir_);
    } catch (const Error& e) {
      if (result_.io_error.empty()) result_.io_error = e.what();
    }
  }

  const Campaign& campaign_;
  const PresetCatalog& presets_;
  const RenderPlan& plan_;
  const BatchOptions& options_;
  std::atomic<bool> own_cancel_{false};
  std::atomic<bool>& cancel_;
  Progress* progress_;
  const fs::path& dir_;
  const std::string started_at_;
  const std::string host_;
  const std::string shard_text_;
  const std::string not_before_;  // --force: only ledger rows written since the run started count

  BatchResult result_;
  std::vector<size_t> mine_;              // this shard's units, by plan index
  std::map<OutputKey, size_t> index_of_;  // -> plan index
  double total_cost_ = 0.0;
  std::map<size_t, OutputRecord> final_records_;  // by plan index
  std::unique_ptr<LedgerWriter> ledger_;
  std::map<OutputKey, OutputLock> held_;
  std::set<OutputKey> deferred_;
};

}  // namespace

BatchResult render_batch(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
                         const BatchOptions& options) {
  BatchRun run(campaign, presets, plan, options);
  run.select_units();
  run.run_pass(run.skip_up_to_date(), false);
  run.run_pass(run.deferred_units(), true);
  return run.finish();
}

}  // namespace shortpack

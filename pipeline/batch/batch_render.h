// A batch render: the part of a plan one process owns (a shard, or all of it), rendered
// incrementally and safely alongside other runs.
//
// For each unit of the shard, in plan order:
//   1. Up to date? The newest ok ledger row of the output (any ledger file of the folder) has the
//      unit's fingerprint, and the file at the final path still has that row's size and sha256:
//      the unit is `skipped` and nothing is rendered (with `force`: only rows written after this
//      run started count, i.e. outputs another run rendered meanwhile).
//   2. Otherwise, when its clip comes up, the unit's lock (.shortpack/locks/) is tried. A unit
//      another run is rendering is put aside; the rest are checked again under the lock and
//      rendered together (one graph per clip); each rendered unit gets a ledger row after its file
//      was renamed into place, then its lock is released.
//   3. Units put aside are taken again at the end: this run waits for each lock, and then finds
//      the output up to date (skipped, rendered by the other run) or renders it itself (the other
//      run failed or died).
// So two runs on one folder share the work and never render an output at the same time.
//
// Failures: a unit that fails is recorded (status failed) and the run goes on, except when the
// disk is full or the folder cannot be written: then the run stops (the current clip's temporary
// files are removed), and `io_error` says so in one sentence. SIGINT/SIGTERM (the `cancel` flag)
// stop the run the same way. In every case the report is written last, listing every unit of
// the shard as it is on disk; a report that cannot be written is removed rather than left stale.
#pragma once

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/batch/progress.h"
#include "pipeline/batch/shard.h"
#include "pipeline/render/render.h"
#include "pipeline/report/report.h"

namespace shortpack {

struct BatchOptions {
  ShardSpec shard;
  bool force = false;
  RenderOptions render;                 // threads, frames in flight (cancel and on_clip_start are set here)
  std::atomic<bool>* cancel = nullptr;  // set by SIGINT/SIGTERM handlers; may be null
  Progress* progress = nullptr;         // may be null
};

struct BatchResult {
  RenderReport report;  // every unit of the shard, in plan order
  ReportRun run;        // shard, host, times, plan indices
  std::filesystem::path report_file;
  size_t rendered = 0;
  size_t skipped = 0;
  size_t failed = 0;
  int stale_temp_files_removed = 0;
  bool cancelled = false;  // by the cancel flag
  std::string io_error;    // one sentence when the file system stopped the run
  // 4 on io_error, 130 when cancelled, 3 when an output failed, 0 otherwise.
  [[nodiscard]] int exit_code() const;
};

// The report file of a shard: report.json for the whole plan, report.part-I-of-N.json otherwise.
std::filesystem::path report_file_for(const std::filesystem::path& output_dir, const ShardSpec& shard);

// Throws Error(kInput) for input that cannot render (nothing written). Every other failure ends
// up in the result.
BatchResult render_batch(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
                         const BatchOptions& options);

}  // namespace shortpack

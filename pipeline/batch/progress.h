// Progress of a batch render, for people and for schedulers.
//   bar:  a live line on stderr (percent by estimated cost, outputs done, elapsed, ETA, current
//         clip), redrawn at least once a second; failures are printed above it.
//   json: one JSON object per line on stdout, flushed at once: {"event": "plan"|"started"|
//         "finished"|"failed"|"skipped"|"done", ..., "percent": P} (see README, "Batch runs").
//   none: nothing (failures are still printed on stderr by the caller).
// `auto` is bar when stderr is a terminal, none otherwise. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

namespace shortpack {

struct OutputRecord;

enum class ProgressMode { kInvalid = 0, kAuto, kBar, kJson, kNone };
// "auto" | "bar" | "json" | "none"; kInvalid otherwise.
ProgressMode parse_progress_mode(const std::string& text);

class Progress {
 public:
  // `out` and `err` are where json lines and the bar go (stdout and stderr by default).
  explicit Progress(ProgressMode mode, std::FILE* out = stdout, std::FILE* err = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  [[nodiscard]] ProgressMode mode() const { return mode_; }
  // Totals: every unit of the run, and the estimated cost of those (cost of a unit: see plan.h).
  void plan(size_t units, double total_cost, size_t up_to_date, const std::string& shard);
  void started(const OutputRecord& record, double cost);
  // ok, failed or skipped.
  void finished(const OutputRecord& record, double cost);
  // A line for people (bar and none: stderr above the bar; json: {"event":"message"}).
  void message(const std::string& text);
  // The last event; stops the bar's redraw.
  void done(const nlohmann::ordered_json& summary);

 private:
  void emit(nlohmann::ordered_json event);  // json mode, under the lock
  void draw_locked();
  void clear_bar_locked();
  [[nodiscard]] double percent_locked() const;

  ProgressMode mode_;
  std::FILE* out_;
  std::FILE* err_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
  bool stop_ = false;
  bool bar_shown_ = false;
  size_t units_ = 0;
  size_t done_units_ = 0;
  double total_cost_ = 0.0;
  double done_cost_ = 0.0;
  double rendered_cost_ = 0.0;   // of units actually rendered (for the ETA)
  double to_render_cost_ = 0.0;  // remaining cost of units that will be rendered
  std::string current_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace shortpack

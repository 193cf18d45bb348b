#include "pipeline/batch/progress.h"

#include <unistd.h>

#include <cmath>

#include "pipeline/render/render.h"

namespace shortpack {
namespace {

std::string clock_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char text[32];
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", static_cast<long long>(s / 60),
                  static_cast<long long>(s % 60));
  }
  return text;
}

nlohmann::ordered_json unit_json(const char* event, const OutputRecord& r) {
  nlohmann::ordered_json j;
  j["event"] = event;
  j["clip"] = r.clip;
  if (!r.variant.empty()) j["variant"] = r.variant;
  j["platform"] = r.platform;
  j["language"] = r.language;
  j["output"] = r.path.string();
  return j;
}

}  // namespace

ProgressMode parse_progress_mode(const std::string& text) {
  if (text == "auto") return ProgressMode::kAuto;
  if (text == "bar") return ProgressMode::kBar;
  if (text == "json") return ProgressMode::kJson;
  if (text == "none") return ProgressMode::kNone;
  return ProgressMode::kInvalid;
}

Progress::Progress(ProgressMode mode, std::FILE* out, std::FILE* err) : mode_(mode), out_(out), err_(err) {
  if (mode_ == ProgressMode::kAuto || mode_ == ProgressMode::kInvalid) {
    mode_ = ::isatty(::fileno(err_)) != 0 ? ProgressMode::kBar : ProgressMode::kNone;
  }
  if (mode_ == ProgressMode::kBar) {
    ticker_ = std::thread([this] {
      std::unique_lock lock(mutex_);
      while (!stop_) {
        wake_.wait_for(lock, std::chrono::seconds(1));
        if (!stop_ && units_ > 0) draw_locked();
      }
    });
  }
}

Progress::~Progress() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    if (mode_ == ProgressMode::kBar) clear_bar_locked();
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

double Progress::percent_locked() const {
  if (total_cost_ <= 0.0) return units_ == 0 ? 100.0 : 100.0 * static_cast<double>(done_units_) / units_;
  return std::min(100.0, 100.0 * done_cost_ / total_cost_);
}

void Progress::emit(nlohmann::ordered_json event) {
  event["percent"] = std::round(percent_locked() * 10.0) / 10.0;
  const std::string line = event.dump() + "\n";
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

void Progress::clear_bar_locked() {
  if (bar_shown_) {
    std::fputs("\r\033[K", err_);
    std::fflush(err_);
    bar_shown_ = false;
  }
}

void Progress::draw_locked() {
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double pct = percent_locked();
  // ETA from the rendering speed so far (skipped outputs cost nothing).
  double eta = NAN;
  if (rendered_cost_ > 0.0) eta = elapsed / rendered_cost_ * std::max(0.0, to_render_cost_);
  if (to_render_cost_ <= 0.0) eta = 0.0;
  constexpr int kWidth = 24;
  const int filled = static_cast<int>(std::lround(pct / 100.0 * kWidth));
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '-');
  char text[512];
  std::snprintf(text, sizeof text, "\r\033[K[%s] %5.1f%%  %zu/%zu outputs  %s elapsed  ETA %s%s%s",
                bar.c_str(), pct, done_units_, units_, clock_text(elapsed).c_str(), clock_text(eta).c_str(),
                current_.empty() ? "" : "  ", current_.c_str());
  std::fputs(text, err_);
  std::fflush(err_);
  bar_shown_ = true;
}

void Progress::plan(size_t units, double total_cost, size_t up_to_date, const std::string& shard) {
  std::lock_guard lock(mutex_);
  units_ = units;
  total_cost_ = total_cost;
  to_render_cost_ = total_cost;
  start_ = std::chrono::steady_clock::now();
  if (mode_ == ProgressMode::kJson) {
    nlohmann::ordered_json j;
    j["event"] = "plan";
    j["units"] = units;
    j["up_to_date"] = up_to_date;
    j["cost"] = total_cost;
    j["shard"] = shard;
    emit(std::move(j));
  } else if (mode_ == ProgressMode::kBar) {
    draw_locked();
  }
}

void Progress::started(const OutputRecord& record, double /*cost*/) {
  std::lock_guard lock(mutex_);
  current_ = record.clip;
  if (mode_ == ProgressMode::kJson) emit(unit_json("started", record));
  if (mode_ == ProgressMode::kBar) draw_locked();
}

void Progress::finished(const OutputRecord& record, double cost) {
  std::lock_guard lock(mutex_);
  ++done_units_;
  done_cost_ += cost;
  to_render_cost_ -= cost;
  if (record.status != OutputStatus::kSkipped) rendered_cost_ += cost;
  const char* event = record.status == OutputStatus::kOk        ? "finished"
                      : record.status == OutputStatus::kSkipped ? "skipped"
                                                                : "failed";
  if (mode_ == ProgressMode::kJson) {
    auto j = unit_json(event, record);
    if (record.status == OutputStatus::kFailed) j["error"] = record.error;
    if (record.status == OutputStatus::kSkipped) j["reason"] = record.note;
    if (record.status == OutputStatus::kOk) {
      j["bytes"] = record.bytes;
      j["duration_s"] = record.duration_s;
    }
    emit(std::move(j));
  } else if (mode_ == ProgressMode::kBar) {
    draw_locked();
  }
}

void Progress::message(const std::string& text) {
  std::lock_guard lock(mutex_);
  if (mode_ == ProgressMode::kJson) {
    nlohmann::ordered_json j;
    j["event"] = "message";
    j["text"] = text;
    emit(std::move(j));
    return;
  }
  clear_bar_locked();
  std::fputs((text + "\n").c_str(), err_);
  if (mode_ == ProgressMode::kBar && units_ > 0 && !stop_) draw_locked();
  std::fflush(err_);
}

void Progress::done(const nlohmann::ordered_json& summary) {
  std::unique_lock lock(mutex_);
  if (mode_ == ProgressMode::kJson) {
    nlohmann::ordered_json j;
    j["event"] = "done";
    for (const auto& [k, v] : summary.items()) j[k] = v;
    emit(std::move(j));
  } else if (mode_ == ProgressMode::kBar) {
    draw_locked();
    std::fputs("\n", err_);
    bar_shown_ = false;
  }
  stop_ = true;
  lock.unlock();
  wake_.notify_all();
}

}  // namespace shortpack

// Detects work that stopped making progress: a decoder or encoder stuck on a hostile file, a
// hung network mount, a deadlock. The render graph ticks the watchdog for every frame it decodes
// and encodes; when no tick comes for `timeout_s`, the watchdog marks itself stalled and calls
// `on_stall` once, and the graph fails the clip at its next step instead of waiting forever.
//
// Work stuck inside a library call cannot be cancelled from outside. If the stalled work still
// has not come back `grace_s` after the stall was declared, the watchdog ends the process with
// exit code 3 and one message on stderr: a scheduled run must end, and a killed run is safe
// (temporary files are removed by the next run, see pipeline/batch/workspace.h).
//
// Thread safety: tick() and stalled() from any thread. One background thread per watchdog (a
// timer, not render work), started by the constructor and joined by the destructor.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace shortpack {

class StallWatchdog {
 public:
  // timeout_s <= 0: disabled (no thread; stalled() is always false). `what` names the work in the
  // hard-exit message ("clip 'benefits'"). grace_s < 0: max(timeout_s, 30 s).
  StallWatchdog(double timeout_s, std::string what, std::function<void()> on_stall = {},
                double grace_s = -1.0);
  ~StallWatchdog();
  StallWatchdog(const StallWatchdog&) = delete;
  StallWatchdog& operator=(const StallWatchdog&) = delete;

  void tick() noexcept { progress_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] bool stalled() const noexcept { return stalled_.load(std::memory_order_acquire); }
  [[nodiscard]] double timeout_s() const noexcept { return timeout_s_; }
  // "no decoding or encoding progress for 120 s ..." (the error the graph reports).
  [[nodiscard]] std::string message() const;

 private:
  void run();

  double timeout_s_;
  double grace_s_;
  std::string what_;
  std::function<void()> on_stall_;
  std::atomic<uint64_t> progress_{0};
  std::atomic<bool> stalled_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace shortpack

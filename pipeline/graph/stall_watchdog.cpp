#include "pipeline/graph/stall_watchdog.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "pipeline/base/text.h"

namespace shortpack {

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

StallWatchdog::StallWatchdog(double timeout_s, std::string what, std::function<void()> on_stall,
                             double grace_s)
    : timeout_s_(timeout_s),
      grace_s_(grace_s >= 0.0 ? grace_s : std::max(timeout_s, 30.0)),
      what_(std::move(what)),
      on_stall_(std::move(on_stall)) {
  if (timeout_s_ > 0.0) thread_ = std::thread([this] { run(); });
}

StallWatchdog::~StallWatchdog() {
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string StallWatchdog::message() const {
  return "no decoding or encoding progress for " + number_text(timeout_s_) +
         " s: a decoder or encoder stalled (a damaged or hostile file, or a hung disk); if the machine is "
         "just slow, raise the limit with --limit stall_s=N";
}

void StallWatchdog::run() {
  const auto poll = std::chrono::duration<double>(std::clamp(timeout_s_ / 8.0, 0.01, 0.5));
  uint64_t seen = progress_.load(std::memory_order_relaxed);
  auto last_change = Clock::now();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, poll);
    if (stop_) break;
    const uint64_t now_progress = progress_.load(std::memory_order_relaxed);
    const auto now = Clock::now();
    if (now_progress != seen) {
      seen = now_progress;
      last_change = now;
      continue;
    }
    const double idle_s = std::chrono::duration<double>(now - last_change).count();
    if (!stalled_.load(std::memory_order_relaxed) && idle_s >= timeout_s_) {
      stalled_.store(true, std::memory_order_release);
      if (on_stall_) {
        lock.unlock();
        on_stall_();
        lock.lock();
      }
    } else if (stalled_.load(std::memory_order_relaxed) && idle_s >= timeout_s_ + grace_s_) {
      // The stalled work did not come back: nothing in this process can stop it.
      std::fprintf(stderr,
                   "shortpack: %s: %s; the stalled work did not stop within %s s more, ending the run\n",
                   what_.c_str(), message().c_str(), number_text(grace_s_).c_str());
      std::fflush(stderr);
      std::_Exit(3);
    }
  }
}

}  // namespace shortpack

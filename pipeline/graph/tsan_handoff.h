// ThreadSanitizer annotations for the hand-offs of the render graph.
//
// oneTBB passes a message from one node's body to the next through its task queues, and that
// synchronisation happens inside libtbb.so, which Debian builds without ThreadSanitizer: TSan
// does not see it and reports every hand-off as a race. Each message is therefore "released" by
// the body that made it and "acquired" by the body that takes it, keyed on the object it carries
// (the frame): this tells TSan exactly what TBB guarantees, and nothing more, so a real race on
// shared state between two bodies is still reported. Without -fsanitize=thread these are no-ops.
// The remaining reports inside TBB's own templates are suppressed in tests/sanitizers/tsan.supp.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define SHORTPACK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SHORTPACK_TSAN 1
#endif
#endif

#ifdef SHORTPACK_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
#endif

namespace shortpack {

// After the body that made `object` is done writing it (before it is returned to TBB).
inline void handoff_release(const void* object) {
#ifdef SHORTPACK_TSAN
  if (object != nullptr) __tsan_release(const_cast<void*>(object));
#else
  (void)object;
#endif
}

// In the body that takes `object`, before reading it.
inline void handoff_acquire(const void* object) {
#ifdef SHORTPACK_TSAN
  if (object != nullptr) __tsan_acquire(const_cast<void*>(object));
#else
  (void)object;
#endif
}

// Releases `token` when the scope ends: every body of a graph holds one on the same token, and the
// thread that waited for the graph (wait_for_all, a parallel loop's join: both inside libtbb)
// acquires it, so what the bodies did happens before what comes after the wait.
class HandoffOnExit {
 public:
  explicit HandoffOnExit(const void* token) : token_(token) {}
  ~HandoffOnExit() { handoff_release(token_); }
  HandoffOnExit(const HandoffOnExit&) = delete;
  HandoffOnExit& operator=(const HandoffOnExit&) = delete;

 private:
  const void* token_;
};

// Right after `graph.wait_for_all()`, on the thread that waited. TBB's own bookkeeping runs after
// a body returns, outside the body's HandoffOnExit: the input node stores the message its body
// made in the node's members (the node lives on the waiting thread's stack), a node takes its next
// message. Each task then ends by giving back its count of the graph's wait context (an atomic
// in TBB's headers, seen by TSan); the waiting loop that reads the count is inside libtbb.so,
// unseen. Taking and giving back one count here is an atomic read-modify-write of that counter,
// so every task's work happens before what follows the wait, e.g. this thread reusing the stack
// where the nodes were (seen: a report when a later call's frame overwrote the input node).
template <class Graph>
void handoff_graph_done(Graph& graph) {
#ifdef SHORTPACK_TSAN
  graph.reserve_wait();
  graph.release_wait();
#else
  (void)graph;
#endif
}

// A body's first step: its own copy of the message TBB hands it. The message itself (an index and
// a shared_ptr) lives in TBB's task, written by the thread that spawned the task inside
// libtbb.so; only the reads of that copy are hidden from TSan. What the message points to (the
// frame) is still covered by handoff_release/handoff_acquire above.
// Without TSan it is the message itself (no copy on the per-frame path); bind the result to a
// const reference either way.
#ifdef SHORTPACK_TSAN
template <class Message>
Message take_message(const Message& msg) {
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  Message copy = msg;
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  return copy;
}
#else
template <class Message>
const Message& take_message(const Message& msg) {
  return msg;
}
#endif

}  // namespace shortpack

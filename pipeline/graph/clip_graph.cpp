#include "pipeline/graph/clip_graph.h"

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for_each.h>
#include <spdlog/spdlog.h>

#include <time.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>

#include "filters/core/caught_error.h"
#include "filters/core/error.h"
#include "filters/transition.h"
#include "pipeline/base/memory.h"
#include "pipeline/graph/frame_spill.h"
#include "pipeline/graph/stall_watchdog.h"
#include "pipeline/graph/test_fault.h"
#include "pipeline/graph/tsan_handoff.h"
#include "pipeline/media/mp4_writer.h"
#include "pipeline/media/span_join.h"
#include "pipeline/media/video_source.h"

namespace shortpack {
namespace flow = oneapi::tbb::flow;

namespace {

struct FrameMsg {
  int64_t index = -1;
  SharedFrame frame;    // null when an upstream branch failed for this frame, or when unused
  bool unused = false;  // no encoder of the language needs it (spans other branches encode)
};

struct SourceMsg {
  int64_t index = -1;
  std::shared_ptr<const TimelineFrame> frame;  // null when unused
  bool unused = false;                         // no encoder of the pass encodes it (it was not decoded)
};

struct GeometryMsg {
  int64_t index = -1;
  std::shared_ptr<const GeometryFrame> frame;  // null when the geometry branch failed for this frame
  bool unused = false;                         // as SourceMsg
};

struct EncoderState {
  const EncoderBranchSpec* spec = nullptr;
  std::unique_ptr<VideoEncoder> encoder;  // whole encodes; with spans, the open span's encoder
  std::unique_ptr<Mp4Writer> writer;      // whole encodes; with spans, made at the first span joined
  size_t next_span = 0;                   // with spans: the SpanUse of the frames arriving
  BranchOutcome outcome;
  std::atomic<bool> failed{false};
  // With spans: the output written span by span as they are made (write_ready_spans), from
  // whichever thread made the last one it waited for; `writer` too is used under this mutex.
  struct Join {
    std::mutex mutex;
    std::unique_ptr<SpanJoin> stream;
    size_t written = 0;            // its SpanUses written to `writer`
    std::optional<Error> failure;  // the join or the writer failed: the rest is not written
    bool retry_whole = false;      // the spans cannot make a valid stream
  } join;

  // Whether this branch encodes frame `index` (always, encoded whole; with spans, when the frame
  // is in a span it encodes). Reads only the spec: any thread.
  [[nodiscard]] bool encodes(int64_t index) const {
    if (spec->spans.empty()) return true;
    return std::any_of(spec->spans.begin(), spec->spans.end(), [index](const SpanUse& u) {
      return u.encodes && index >= u.first_frame && index < u.first_frame + u.frame_count;
    });
  }

  void fail(ErrorKind kind, const std::string& why) {
    if (!failed.exchange(true)) {
      outcome.error = why;
      outcome.error_kind = kind;
      spdlog::debug("{}: {}", spec->label, why);
      handoff_release(this);
    }
  }
};

struct LanguageState {
  std::unique_ptr<LanguageStage> stage;
  std::vector<EncoderState*> encoders;
  bool failed = false;  // its outputs failed: nothing more is drawn (a slow script stays undrawn)
  void fail_all(ErrorKind kind, const std::string& why) {
    failed = true;
    for (auto* e : encoders) e->fail(kind, why);
  }
};

struct GeometryState {
  std::unique_ptr<GeometryStage> stage;
  std::vector<EncoderState*> encoders;
  void fail_all(ErrorKind kind, const std::string& why) {
    for (auto* e : encoders) e->fail(kind, why);
  }
};

// Counts, per frame, the encoders that have taken it; frames complete in order because every
// encoder is serial and in order, so a ring of cumulative counters (ring > limit) is enough.
class CompletionRing {
 public:
  CompletionRing(size_t ring, int leaves) : counts_(ring), leaves_(leaves) {}
  // True when `index` was the last leaf's.
  bool done(int64_t index) {
    const size_t ring = counts_.size();
    const auto generation = static_cast<int64_t>(static_cast<size_t>(index) / ring);
    const int64_t after = counts_[static_cast<size_t>(index) % ring].fetch_add(1) + 1;
    return after == static_cast<int64_t>(leaves_) * (generation + 1);
  }

 private:
  std::vector<std::atomic<int64_t>> counts_;
  int leaves_;
};

}  // namespace

ReframeOptions segment_reframe(const GeometryBranchSpec& g, const std::vector<SegmentSource>& segments,
                               size_t segment) {
  ReframeOptions options = g.reframe;
  const bool window = segment < g.crop_paths.size() && g.crop_paths[segment];
  options.kind = window ? ReframeKind::kCropWindow : segments.at(segment).reframe;
  return options;
}

std::vector<std::vector<ReframeOptions>> reframe_views(const std::vector<SegmentSource>& segments,
                                                       const std::vector<GeometryBranchSpec>& geometries) {
  std::vector<std::vector<ReframeOptions>> views(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    for (const GeometryBranchSpec& g : geometries) views[i].push_back(segment_reframe(g, segments, i));
  }
  return views;
}

GeometryStage::GeometryStage(const GeometryBranchSpec& spec, const TimelineSource& source)
    : segments_(source.segments()), crop_paths_(spec.crop_paths) {
  crop_paths_.resize(segments_.size());
  if (!source.formats().empty()) fps_ = av_q2d(source.formats().front().frame_rate);
  for (size_t i = 0; i < segments_.size(); ++i) {
    reframes_.push_back(std::make_unique<Reframe>(segment_reframe(spec, segments_, i)));
    format_ = reframes_.back()->configure(source.formats()[i]);
    read_scales_.push_back(source.read_scale(i));
  }
  if (spec.logo) {
    logo_ = std::make_unique<LogoOverlay>(*spec.logo, spec.logo_placement);
    logo_->configure(format_);
  }
  has_text_.assign(segments_.size(), false);
  for (const LanguageBranchSpec& l : spec.languages) {
    for (size_t i = 0; i < l.card_scripts.size() && i < segments_.size(); ++i) {
      if (!l.card_scripts[i].empty()) has_text_[i] = true;
    }
  }
}

FramePtr GeometryStage::layer(const TimelineFrame::Layer& l) const {
  const SegmentSource& s = segments_[static_cast<size_t>(l.segment)];
  const auto& path = crop_paths_[static_cast<size_t>(l.segment)];
  FramePtr out;
  if (path) {
    // The path was found on the coded pictures; these may be read smaller (TimelineSource).
    CropWindow w = path->at(static_cast<double>(l.local_index) / fps_);
    const auto [sx, sy] = read_scales_[static_cast<size_t>(l.segment)];
    w = {w.x * sx, w.y * sy, w.w * sx, w.h * sy};
    out = reframes_[static_cast<size_t>(l.segment)]->process(*l.frame, w);
  } else {
    out = reframes_[static_cast<size_t>(l.segment)]->process(*l.frame);
  }
  if (s.motion != MotionPath::kNone) {
    const double progress = (static_cast<double>(l.local_index) + 0.5) / static_cast<double>(s.frame_count);
    out = apply_motion(*out, s.motion, progress);
  }
  return out;
}

GeometryFrame GeometryStage::process(const TimelineFrame& f) const {
  GeometryFrame out;
  out.index = f.index;
  out.mix = f.mix;
  out.black = f.black;
  // Which layers show: a, unless b has fully replaced it; b, once it has any weight.
  const bool show_a = !(f.b && f.mix >= 1.0);
  const bool show_b = f.b && f.mix > 0.0;
  FramePtr a = show_a ? layer(f.a) : nullptr;
  FramePtr b = show_b ? layer(*f.b) : nullptr;
  const bool layered = (show_a && has_text_[static_cast<size_t>(f.a.segment)]) ||
                       (show_b && has_text_[static_cast<size_t>(f.b->segment)]);
  if (!layered) {
    out.picture = share(compose(std::move(a), std::move(b), f.mix, f.black, f.index));
    return out;
  }
  if (a) out.a = GeometryFrame::Layer{f.a.segment, f.a.local_index, share(std::move(a))};
  if (b) out.b = GeometryFrame::Layer{f.b->segment, f.b->local_index, share(std::move(b))};
  return out;
}

FramePtr GeometryStage::compose(FramePtr a, FramePtr b, double mix, double black, int64_t index) const {
  FramePtr out;
  if (a && b) {
    out = crossfade(*a, *b, mix);
  } else {
    out = a ? std::move(a) : std::move(b);
  }
  if (!out) throw Error(ErrorKind::kInternal, "frame " + std::to_string(index) + " has no picture");
  if (black > 0.0) fade_to_black(*out, black);
  if (logo_) logo_->process(*out);
  out->pts = index;
  return out;
}

LanguageStage::LanguageStage(const LanguageBranchSpec& spec, const GeometryStage& geometry,
                             AVRational frame_rate, int64_t caption_frame_ms)
    : geometry_(geometry),
      fps_(av_q2d(frame_rate)),
      caption_frame_ms_(caption_frame_ms),
      caption_cues_(spec.caption_cues),
      recent_ns_(static_cast<size_t>(std::max(1.0, std::round(fps_))), 0) {
  if (!spec.ass_script.empty()) {
    captions_ = std::make_unique<CaptionBurner>(spec.ass_script, spec.fonts);
    captions_->configure(geometry.format());
  }
  cards_.resize(spec.card_scripts.size());
  for (size_t i = 0; i < spec.card_scripts.size(); ++i) {
    if (spec.card_scripts[i].empty()) continue;
    cards_[i] = std::make_unique<CaptionBurner>(spec.card_scripts[i], spec.fonts);
    cards_[i]->configure(geometry.format());
  }
}

LanguageStage::~LanguageStage() = default;

FramePtr LanguageStage::with_card_text(const GeometryFrame::Layer& l) {
  // The layer is shared with the other languages: draw on a copy (compose also works in place).
  FramePtr copy = make_writable_copy(*l.picture);
  const auto segment = static_cast<size_t>(l.segment);
  if (segment < cards_.size() && cards_[segment]) {
    const auto local_ms = std::llround(static_cast<double>(l.local_index) * 1000.0 / fps_);
    cards_[segment]->process(*copy, local_ms);
  }
  return copy;
}

SharedFrame LanguageStage::process(const GeometryFrame& f) {
  const auto time_ms = std::llround(static_cast<double>(f.index) * 1000.0 / fps_);
  FramePtr own;
  if (!f.picture) {
    own = geometry_.compose(f.a ? with_card_text(*f.a) : nullptr, f.b ? with_card_text(*f.b) : nullptr, f.mix,
                            f.black, f.index);
  }
  if (captions_) {
    const int64_t started_ns = thread_cpu_ns();
    // Nothing to draw now: pass the shared picture on, no copy (libass caches the layout, so
    // asking first costs little when there is something to draw).
    const CaptionBurner::Box box = captions_->measure(time_ms);
    if (box.w > 0 && box.h > 0) {
      if (!own) own = make_writable_copy(*f.picture);  // the geometry's picture is shared
      captions_->process(*own, time_ms);
    }
    check_caption_time(thread_cpu_ns() - started_ns, time_ms);
  }
  return own ? share(std::move(own)) : f.picture;
}

// CPU time, not wall time: libass draws on this thread alone, and a machine busy with other
// work must not fail a script that is cheap to draw.
int64_t LanguageStage::thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void LanguageStage::check_caption_time(int64_t cpu_ns, int64_t time_ms) {
  recent_sum_ns_ += cpu_ns - recent_ns_[recent_next_];
  recent_ns_[recent_next_] = cpu_ns;
  recent_next_ = (recent_next_ + 1) % recent_ns_.size();
  const int64_t limit_ns = caption_frame_ms_ * 1'000'000;
  if (caption_frame_ms_ <= 0 || (cpu_ns <= limit_ns && recent_sum_ns_ <= limit_ns)) return;
  const bool one_frame = cpu_ns > limit_ns;
  std::string where;
  size_t on_screen = 0;
  for (const auto& cue : caption_cues_) {
    if (cue.start_ms > time_ms || cue.end_ms <= time_ms) continue;
    if (on_screen++ == 0) where = cue.where;
  }
  const auto seconds = [](double s) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.3f", s);
    std::string t = buf.data();
    while (t.back() == '0') t.pop_back();
    if (t.back() == '.') t.pop_back();
    return t + " s";
  };
  throw Error(
      ErrorKind::kLimit,
      (where.empty() ? std::string("the captions") : where + ": the cue") + " at " +
          seconds(static_cast<double>(time_ms) / 1000.0) + " of the output took " +
          seconds(static_cast<double>(one_frame ? cpu_ns : recent_sum_ns_) / 1e9) +
          (one_frame ? " to draw one frame" : " to draw the second of frames up to it") +
          ", over the limit of " + seconds(static_cast<double>(caption_frame_ms_) / 1000.0) +
          (on_screen > 1 ? " (" + std::to_string(on_screen) + " cues on screen)" : std::string()) +
          "; simplify its override tags (size, border, blur, drawings) or raise the limit with --limit "
          "caption_frame_ms=N");
}

namespace {

// Every branch of one graph run, flattened: one state per encoder of its batch (in spec order), per
// geometry and per language that feeds one of them, and each geometry's languages.
// The spans of a clip, by SpanUse::span: those made ready (ClipGraphSpec::ready_spans) and those
// its passes encode, kept from pass to pass (a later pass joins spans an earlier one encoded).
struct SpanStore {
  std::vector<std::shared_ptr<const EncodedSpan>> ready;  // ClipGraphSpec::ready_spans
  std::vector<std::shared_ptr<EncodedSpan>> encoded;      // by the passes so far
  [[nodiscard]] const EncodedSpan* at(size_t k) const {
    if (k < ready.size() && ready[k]) return ready[k].get();
    return k < encoded.size() ? encoded[k].get() : nullptr;
  }
};

struct Branches {
  std::vector<std::unique_ptr<EncoderState>> encoders;
  std::vector<std::unique_ptr<GeometryState>> geometries;
  std::vector<std::unique_ptr<LanguageState>> languages;
  std::vector<std::vector<LanguageState*>> languages_of;

  // What each encoder's branch came to (after the graph: its failure, or ok).
  [[nodiscard]] std::vector<BranchOutcome> outcomes() const {
    std::vector<BranchOutcome> out;
    for (const auto& e : encoders) {
      handoff_acquire(e.get());
      out.push_back(e->outcome);
      out.back().ok = !e->failed;
    }
    return out;
  }
  void fail_all(ErrorKind kind, const std::string& why) {
    for (auto& e : encoders) e->fail(kind, why);
  }
};

// The encoders of the spec, in outcome order, that one graph run makes: [first, last).
struct EncoderRange {
  size_t first = 0;
  size_t last = 0;
  [[nodiscard]] bool has(size_t i) const { return i >= first && i < last; }
};

Branches encoder_states_of(const ClipGraphSpec& spec, EncoderRange range) {
  Branches b;
  size_t i = 0;
  for (const auto& g : spec.geometries) {
    for (const auto& l : g.languages) {
      for (const auto& e : l.encoders) {
        if (!range.has(i++)) continue;
        b.encoders.push_back(std::make_unique<EncoderState>());
        b.encoders.back()->spec = &e;
      }
    }
  }
  return b;
}

// The language stage of one language branch with those of its encoders that are in `range`
// (`spec_index`: the spec's index of its first encoder, moved past them); null when none is.
std::unique_ptr<LanguageState> language_state_of(const ClipGraphSpec& spec, const LanguageBranchSpec& l,
                                                 GeometryState& gs, EncoderRange range, size_t& spec_index,
                                                 Branches& b) {
  auto ls = std::make_unique<LanguageState>();
  for (size_t k = 0; k < l.encoders.size(); ++k, ++spec_index) {
    if (range.has(spec_index)) ls->encoders.push_back(b.encoders[spec_index - range.first].get());
  }
  if (ls->encoders.empty()) return nullptr;
  gs.encoders.insert(gs.encoders.end(), ls->encoders.begin(), ls->encoders.end());
  try {
    if (gs.stage)
      ls->stage = std::make_unique<LanguageStage>(l, *gs.stage, spec.frame_rate, spec.caption_frame_ms);
  } catch (...) {
    const Error e = caught_error();
    ls->fail_all(e.kind(), e.what());
  }
  return ls;
}

// The geometry and language stages that feed the encoders in `range`, each owning its filters
// (configured here, before the first frame); a stage that cannot be set up fails the outputs below
// it, the others go on.
void set_up_stages(const ClipGraphSpec& spec, const TimelineSource& source, EncoderRange range, Branches& b) {
  size_t spec_index = 0;
  for (const auto& g : spec.geometries) {
    size_t count = 0;
    for (const auto& l : g.languages) count += l.encoders.size();
    if (spec_index + count <= range.first || spec_index >= range.last) {
      spec_index += count;
      continue;
    }
    auto gs = std::make_unique<GeometryState>();
    std::string error;
    ErrorKind error_kind = ErrorKind::kInternal;
    try {
      gs->stage = std::make_unique<GeometryStage>(g, source);
    } catch (...) {
      const Error e = caught_error();
      error = e.what();
      error_kind = e.kind();
    }
    std::vector<LanguageState*> languages;
    for (const auto& l : g.languages) {
      auto ls = language_state_of(spec, l, *gs, range, spec_index, b);
      if (!ls) continue;
      languages.push_back(ls.get());
      b.languages.push_back(std::move(ls));
    }
    if (!gs->stage) gs->fail_all(error_kind, error);
    b.languages_of.push_back(std::move(languages));
    b.geometries.push_back(std::move(gs));
  }
}

// The x264 encoder and the MP4 writer (a temporary file) of every branch still standing.
void open_encoders(const ClipGraphSpec& spec, Branches& b) {
  for (auto& e : b.encoders) {
    if (e->failed) continue;
    if (!e->spec->spans.empty()) {  // an encoder per span; a writer at the first span joined
      const VideoEncodeSettings& v = e->spec->video;
      e->join.stream = std::make_unique<SpanJoin>(spec.frame_count,
                                                  VbvModel{v.maxrate_bps, v.bufsize_bits, 0.9, v.frame_rate});
      continue;
    }
    try {
      e->encoder = std::make_unique<VideoEncoder>(e->spec->video, e->spec->label);
      e->writer = std::make_unique<Mp4Writer>(e->spec->path, *e->encoder->context(), e->spec->audio);
    } catch (...) {
      const Error err = caught_error();
      e->fail(err.kind(), err.what());
    }
  }
}

// Per span: whether an encoder from `first` on (in encoder order) joins it.
std::vector<bool> spans_used_from(const ClipGraphSpec& spec, size_t first) {
  std::vector<bool> used(spec.span_count, false);
  size_t index = 0;
  for (const auto& g : spec.geometries) {
    for (const auto& l : g.languages) {
      for (const auto& e : l.encoders) {
        if (index++ < first) continue;
        for (const SpanUse& u : e.spans) {
          if (u.span < used.size()) used[u.span] = true;
        }
      }
    }
  }
  return used;
}

// The spans of one pass as they are made (by SpanUse::span). The branch that encodes a span
// publishes it (`made`) and hands it to on_span_encoded; each output of the pass that joins it
// writes it to its file as soon as it and the spans before it are there (write_ready_spans), so
// an output holds no more than the spans being encoded, not the whole pass. `readers` counts who
// still reads a span's packets (its maker until on_span_encoded returned, each output of the pass
// that joins it until it wrote it); a span no later pass joins gives its packets back when the
// last is done.
struct SpanFlow {
  std::vector<std::atomic<bool>> made;
  std::vector<std::atomic<int>> readers;
  std::vector<bool> encoded_here;                   // encoded in this pass
  std::vector<bool> kept;                           // joined by a later pass: its packets stay
  std::vector<std::vector<EncoderState*>> joiners;  // per span: the outputs of the pass that join it
  std::mutex on_made;                               // on_span_encoded: one call at a time

  SpanFlow(const Branches& b, std::vector<bool> joined_later)
      : made(joined_later.size()),
        readers(joined_later.size()),
        encoded_here(joined_later.size(), false),
        kept(std::move(joined_later)),
        joiners(kept.size()) {
    for (const auto& e : b.encoders) {
      for (const SpanUse& u : e->spec->spans) {
        if (u.span >= kept.size()) continue;
        if (u.encodes) {
          encoded_here[u.span] = true;
          readers[u.span].fetch_add(1);  // its maker
        }
        joiners[u.span].push_back(e.get());
        readers[u.span].fetch_add(1);
      }
    }
  }
};

// What the node bodies share: the watchdog, the frames-in-flight bookkeeping and the TSan token
// every body releases when it ends (HandoffOnExit) and the waiting thread acquires.
struct GraphShared {
  const ClipGraphSpec& spec;
  SpanStore& spans;
  std::vector<bool> wanted;  // per frame: an encoder of the pass encodes it
  size_t frames_in_flight;
  StallWatchdog watchdog;
  CompletionRing ring;
  flow::limiter_node<SourceMsg>* limiter = nullptr;
  SpanFlow* span_flow = nullptr;
  const int finished = 0;

  // Whether span k can be joined now: made in this pass and published, or made before it.
  [[nodiscard]] bool span_ready(size_t k) const {
    if (k < span_flow->made.size() && span_flow->encoded_here[k])
      return span_flow->made[k].load(std::memory_order_acquire);
    const EncodedSpan* span = spans.at(k);
    return span != nullptr && span->complete;
  }
  // One reader of span k is done with its packets.
  void done_reading(size_t k) const {
    if (k >= span_flow->made.size() || !span_flow->encoded_here[k]) return;
    if (span_flow->readers[k].fetch_sub(1, std::memory_order_acq_rel) != 1 || span_flow->kept[k]) return;
    EncodedSpan& span = *spans.encoded.at(k);
    span.packets.clear();
    span.packets.shrink_to_fit();
  }
};

// Writes the spans of output `e` that are ready, in order, from the first not yet written (any
// thread; `final`: after the graph, when a span not made fails the join). A join that cannot
// make a valid stream, or a writer that fails, stops the output; its failure is taken after the
// graph (join_encoder).
void write_ready_spans(GraphShared& shared, EncoderState& e, bool final) {
  EncoderState::Join& j = e.join;
  const std::lock_guard lock(j.mutex);
  const std::vector<SpanUse>& uses = e.spec->spans;
  const VideoEncodeSettings& v = e.spec->video;
  const auto let_go = [&] {  // the spans it will not write
    e.writer.reset();        // removes the temporary file
    for (; j.written < uses.size(); ++j.written) shared.done_reading(uses[j.written].span);
  };
  const auto stop = [&](const Error& err, bool join_error) {
    j.failure = err;
    j.retry_whole = join_error && err.kind() == ErrorKind::kEncode;
    let_go();
  };
  if (e.failed.load()) {
    let_go();
    return;
  }
  while (j.written < uses.size() && !j.failure) {
    const size_t k = uses[j.written].span;
    if (!final && !shared.span_ready(k)) return;
    const EncodedSpan* span = shared.spans.at(k);
    handoff_acquire(span);
    std::vector<PacketPtr> packets;
    try {
      packets = j.stream->append(span);
      if (!e.writer)
        e.writer = std::make_unique<Mp4Writer>(e.spec->path, *span->parameters, av_inv_q(v.frame_rate),
                                               v.frame_rate, e.spec->audio);
    } catch (...) {
      stop(caught_error(), true);
      return;
    }
    try {
      for (PacketPtr& p : packets) {
        e.writer->write_video(*p, av_inv_q(v.frame_rate));
        p.reset();
      }
    } catch (...) {
      stop(caught_error(), false);
      return;
    }
    ++j.written;
    shared.done_reading(k);
  }
}

// Span k is made (complete, by the branch that encoded it): on_span_encoded takes it, and the
// outputs waiting for it write it.
void span_made(GraphShared& shared, size_t k) {
  SpanFlow& flow = *shared.span_flow;
  flow.made[k].store(true, std::memory_order_release);
  if (shared.spec.on_span_encoded) {
    const std::lock_guard lock(flow.on_made);
    shared.spec.on_span_encoded(k, shared.spans.encoded.at(k));
  }
  shared.done_reading(k);
  for (EncoderState* e : flow.joiners[k]) write_ready_spans(shared, *e, false);
}

// input_node body: the next frame of the timeline (decoded, upright, on the output's frame grid).
struct SourceBody {
  GraphShared* shared;
  TimelineSource* source;
  SourceMsg operator()(oneapi::tbb::flow_control& control) const {
    const HandoffOnExit done(&shared->finished);
    const ClipGraphSpec& spec = shared->spec;
    if (spec.cancel != nullptr && spec.cancel->load()) throw Error(ErrorKind::kCancelled, "cancelled");
    if (shared->watchdog.stalled()) throw Error(ErrorKind::kMedia, shared->watchdog.message());
    handoff_acquire(source);  // a serial body, but not always on the same thread
    const int64_t index = source->next_index();
    const bool wanted = index < 0 || static_cast<size_t>(index) >= shared->wanted.size() ||
                        shared->wanted[static_cast<size_t>(index)];
    std::optional<TimelineFrame> frame = source->next(wanted);
    if (!frame) {
      control.stop();
      handoff_release(source);
      return {};
    }
    shared->watchdog.tick();
    if (spec.on_source_frame) spec.on_source_frame(frame->index);
    SourceMsg msg{frame->index, nullptr, !wanted};
    if (wanted) msg.frame = std::make_shared<const TimelineFrame>(std::move(*frame));
    handoff_release(msg.frame.get());
    handoff_release(source);
    return msg;
  }
};

// Geometry body (parallel): reframe, transition, logo, for one output size and safe zone.
struct GeometryBody {
  GraphShared* shared;
  GeometryState* gs;
  GeometryMsg operator()(const SourceMsg& message) const {
    const HandoffOnExit done(&shared->finished);
    const SourceMsg& msg = take_message(message);
    if (msg.unused) return {msg.index, nullptr, true};
    if (!msg.frame || !gs->stage) return {msg.index, nullptr};
    handoff_acquire(msg.frame.get());
    try {
      GeometryMsg out{msg.index, std::make_shared<const GeometryFrame>(gs->stage->process(*msg.frame))};
      handoff_release(out.frame.get());
      return out;
    } catch (...) {
      const Error e = caught_error();
      gs->fail_all(e.kind(), e.what());
      return {msg.index, nullptr};
    }
  }
};

// Language body (serial: libass renderers are not thread-safe): card text, captions, title.
struct LanguageBody {
  GraphShared* shared;
  LanguageState* ls;
  FrameMsg operator()(const GeometryMsg& message) const {
    const HandoffOnExit done(&shared->finished);
    const GeometryMsg& msg = take_message(message);
    if (msg.unused) return {msg.index, nullptr, true};
    if (!msg.frame || !ls->stage) return {msg.index, nullptr};
    handoff_acquire(msg.frame.get());
    handoff_acquire(ls);  // the burners: a serial body, not always on the same thread
    struct Release {
      LanguageState* state;
      ~Release() { handoff_release(state); }
    } release{ls};
    if (ls->failed) return {msg.index, nullptr};
    if (std::none_of(ls->encoders.begin(), ls->encoders.end(),
                     [&msg](const EncoderState* e) { return e->encodes(msg.index); })) {
      return {msg.index, nullptr, true};  // nothing to draw: its spans are encoded by other branches
    }
    try {
      FrameMsg out{msg.index, ls->stage->process(*msg.frame)};
      handoff_release(out.frame.get());
      return out;
    } catch (...) {
      const Error e = caught_error();
      ls->fail_all(e.kind(), e.what());
      return {msg.index, nullptr};
    }
  }
};

// Encoder body (serial, frames in order from its own sequencer): x264, then the MP4 writer; the
// frame's slot in the limiter is given back once every encoder has taken it.
struct EncoderBody {
  GraphShared* shared;
  EncoderState* es;
  flow::continue_msg operator()(const FrameMsg& message) const {
    const HandoffOnExit done(&shared->finished);
    const FrameMsg& msg = take_message(message);
    handoff_acquire(msg.frame.get());
    handoff_acquire(es);  // the encoder: a serial body, not always on the same thread
    if (shared->watchdog.stalled()) {
      es->fail(ErrorKind::kMedia, shared->watchdog.message());
    } else if (msg.unused && !es->encodes(msg.index)) {
      ++es->outcome.frames;
    } else if (!msg.frame) {
      es->fail(ErrorKind::kMedia, "an upstream branch failed");
    } else if (!es->failed) {
      encode(*msg.frame, msg.index);
    }
    handoff_release(es);
    if (shared->ring.done(msg.index)) shared->limiter->decrementer().try_put(flow::continue_msg());
    return flow::continue_msg();
  }
  void encode(const AVFrame& frame, int64_t index) const {
    try {
      throw_test_fault_if_asked(es->spec->label, index);
      FramePtr f = ref_frame(frame);
      f->pts = index;
      f->pict_type = AV_PICTURE_TYPE_NONE;  // decoded picture types must not force keyframes
      f->key_frame = 0;
      if (!es->spec->spans.empty()) {
        encode_in_span(f.get(), index);
      } else {
        const AVRational tb = es->encoder->context()->time_base;
        es->encoder->encode(f.get(), [&](AVPacket& p) { es->writer->write_video(p, tb); });
      }
      ++es->outcome.frames;
      shared->watchdog.tick();
    } catch (...) {
      const Error e = caught_error();
      es->fail(e.kind(), e.what());
    }
  }
  // With spans: the frame goes to its span's own encoder when this branch encodes that span (an
  // encoder opened at the span's first frame, so its first picture is an IDR, and flushed at its
  // last); a span another branch encodes is skipped.
  void encode_in_span(const AVFrame* frame, int64_t index) const {
    const std::vector<SpanUse>& uses = es->spec->spans;
    while (es->next_span < uses.size() &&
           index >= uses[es->next_span].first_frame + uses[es->next_span].frame_count)
      ++es->next_span;
    if (es->next_span >= uses.size() || index < uses[es->next_span].first_frame)
      throw Error(ErrorKind::kInternal,
                  es->spec->label + ": frame " + std::to_string(index) + " is in no span");
    const SpanUse& use = uses[es->next_span];
    if (!use.encodes) return;
    const std::shared_ptr<EncodedSpan>& made = shared->spans.encoded.at(use.span);  // by frames_wanted()
    if (!made)
      throw Error(ErrorKind::kInternal,
                  es->spec->label + ": span " + std::to_string(use.span) + " has no place");
    EncodedSpan& span = *made;
    if (!es->encoder) {
      es->encoder = std::make_unique<VideoEncoder>(es->spec->video, es->spec->label, kSpanVbvInit);
      span.first_frame = use.first_frame;
      span.frame_count = use.frame_count;
      span.parameters.reset(avcodec_parameters_alloc());
      if (!span.parameters) throw Error(ErrorKind::kInternal, "out of memory describing a span");
      check_av(avcodec_parameters_from_context(span.parameters.get(), es->encoder->context()),
               ErrorKind::kEncode, es->spec->label + ": cannot describe a span's stream");
      span.reorder_delay_frames = es->encoder->context()->has_b_frames;
    }
    const auto keep = [&span](AVPacket& p) {
      span.packets.push_back(make_packet());
      av_packet_move_ref(span.packets.back().get(), &p);
    };
    es->encoder->encode(frame, keep);
    if (index + 1 < use.first_frame + use.frame_count) return;
    es->encoder->encode(nullptr, keep);
    es->encoder.reset();
    // The span's x264 (about 150 MB at 1080x1920) goes back to the system before the next span's
    // opens: glibc would keep its pages in this thread's arena, and a pass of spans grew by about
    // 80 MB over a 10 s clip's three outputs.
    return_freed_memory();
    span.complete = true;
    handoff_release(&span);
    span_made(*shared, use.span);
  }
};

// The flow graph of one clip: input -> limiter -> per geometry (parallel body -> sequencer ->
// broadcast) -> per language (serial body) -> per encoder (sequencer -> serial body). Runs it to the
// end; an exception from the input body (cancel, stall) fails every branch.
void run_graph(GraphShared& shared, TimelineSource& source, Branches& b) {
  flow::graph graph;
  flow::input_node<SourceMsg> input(graph, SourceBody{&shared, &source});
  flow::limiter_node<SourceMsg> limiter(graph, shared.frames_in_flight);
  shared.limiter = &limiter;
  flow::make_edge(input, limiter);
  std::vector<std::unique_ptr<flow::graph_node>> nodes;  // owns every node below
  const auto by_index = [](const auto& msg) { return static_cast<size_t>(take_message(msg).index); };
  for (size_t gi = 0; gi < b.geometries.size(); ++gi) {
    auto* geo = new flow::function_node<SourceMsg, GeometryMsg>(
        graph, flow::unlimited, GeometryBody{&shared, b.geometries[gi].get()});
    nodes.emplace_back(geo);
    auto* seq = new flow::sequencer_node<GeometryMsg>(graph, by_index);
    nodes.emplace_back(seq);
    auto* fan = new flow::broadcast_node<GeometryMsg>(graph);
    nodes.emplace_back(fan);
    flow::make_edge(limiter, *geo);
    flow::make_edge(*geo, *seq);
    flow::make_edge(*seq, *fan);
    for (LanguageState* ls : b.languages_of[gi]) {
      // In order, as the encoders below (a serial node with a queue may start a later frame first):
      // libass places each frame's events from where it placed them the frame before, so frames
      // drawn out of order can come out a few pixels different from run to run.
      auto* in_order = new flow::sequencer_node<GeometryMsg>(graph, by_index);
      nodes.emplace_back(in_order);
      auto* lang = new flow::function_node<GeometryMsg, FrameMsg, flow::rejecting>(graph, flow::serial,
                                                                                   LanguageBody{&shared, ls});
      nodes.emplace_back(lang);
      flow::make_edge(*fan, *in_order);
      flow::make_edge(*in_order, *lang);
      for (EncoderState* es : ls->encoders) {
        // A serial function_node with a queue does not keep arrival order: a message that arrives
        // just as the body finishes can start before one already queued (seen: x264 fed frame 2
        // after frame 3, and the muxer refusing its dts). An encoder needs frames in order, so
        // each takes them from its own sequencer and rejects while busy: it then pulls the next
        // index from the sequencer when it is free.
        auto* order = new flow::sequencer_node<FrameMsg>(graph, by_index);
        nodes.emplace_back(order);
        auto* enc = new flow::function_node<FrameMsg, flow::continue_msg, flow::rejecting>(
            graph, flow::serial, EncoderBody{&shared, es});
        nodes.emplace_back(enc);
        flow::make_edge(*lang, *order);
        flow::make_edge(*order, *enc);
      }
    }
  }
  try {
    input.activate();
    graph.wait_for_all();
    handoff_graph_done(graph);
    handoff_acquire(&shared.finished);
  } catch (...) {
    const Error e = caught_error();
    graph.wait_for_all();
    handoff_graph_done(graph);
    handoff_acquire(&shared.finished);
    b.fail_all(e.kind(), e.what());
  }
}

// Flushes one encoder and puts its file in place (x264 drains its look-ahead); a failed branch's
// temporary file is removed.
void finish_encoder(GraphShared& shared, EncoderState& e) {
  const HandoffOnExit done(&shared.finished);
  handoff_acquire(&e);
  if (!e.spec->spans.empty()) {
    e.encoder.reset();  // a span left open was not complete: its users fail at the join
    handoff_release(&e);
    return;
  }
  if (e.failed) {
    e.writer.reset();  // removes the temporary file
    handoff_release(&e);
    return;
  }
  try {
    const AVRational tb = e.encoder->context()->time_base;
    e.encoder->encode(nullptr, [&](AVPacket& p) {
      e.writer->write_video(p, tb);
      shared.watchdog.tick();
    });
    e.writer->finish();
  } catch (...) {
    const Error err = caught_error();
    e.fail(err.kind(), err.what());
    e.writer.reset();
  }
  handoff_release(&e);
}

// An output made of spans: the spans not yet written (all of them made now, or the join fails),
// then its sound and the trailer. A join that cannot be made valid fails the branch with
// retry_whole; a failure to write is the branch's own.
void join_encoder(GraphShared& shared, EncoderState& e) {
  const HandoffOnExit done(&shared.finished);
  handoff_acquire(&e);
  if (e.spec->spans.empty()) {
    handoff_release(&e);
    return;
  }
  write_ready_spans(shared, e, true);
  EncoderState::Join& j = e.join;
  const std::lock_guard lock(j.mutex);
  if (!e.failed && j.failure) {
    e.outcome.retry_whole = j.retry_whole;
    e.fail(j.failure->kind(), j.failure->what());
  }
  if (!e.failed) {
    try {
      j.stream->finish();  // every span written: the writer was made at the first
    } catch (...) {
      const Error err = caught_error();
      e.outcome.retry_whole = err.kind() == ErrorKind::kEncode;
      e.fail(err.kind(), err.what());
    }
  }
  try {
    if (!e.failed) e.writer->finish();
  } catch (...) {
    const Error err = caught_error();
    e.fail(err.kind(), err.what());
  }
  e.writer.reset();
  handoff_release(&e);
}

// The encoders are finished several at once; then the outputs made of spans are joined.
void finish_encoders(GraphShared& shared, Branches& b) {
  oneapi::tbb::parallel_for_each(b.encoders.begin(), b.encoders.end(),
                                 [&shared](std::unique_ptr<EncoderState>& e) { finish_encoder(shared, *e); });
  handoff_acquire(&shared.finished);
  oneapi::tbb::parallel_for_each(b.encoders.begin(), b.encoders.end(),
                                 [&shared](std::unique_ptr<EncoderState>& e) { join_encoder(shared, *e); });
  handoff_acquire(&shared.finished);
}

// The frames the encoders of a pass encode (whole, or in spans they encode); a span for each span
// they encode is made in `spans`.
std::vector<bool> frames_wanted(const ClipGraphSpec& spec, const Branches& b, SpanStore& spans) {
  std::vector<bool> wanted(static_cast<size_t>(std::max<int64_t>(0, spec.frame_count)), false);
  for (const auto& e : b.encoders) {
    if (e->spec->spans.empty()) wanted.assign(wanted.size(), true);  // encoded whole: every frame
    for (const SpanUse& u : e->spec->spans) {
      if (!u.encodes) continue;
      spans.encoded.at(u.span) = std::make_shared<EncodedSpan>();
      const auto first = static_cast<size_t>(std::clamp<int64_t>(u.first_frame, 0, spec.frame_count));
      const auto end =
          static_cast<size_t>(std::clamp<int64_t>(u.first_frame + u.frame_count, 0, spec.frame_count));
      std::fill(wanted.begin() + static_cast<std::ptrdiff_t>(first),
                wanted.begin() + static_cast<std::ptrdiff_t>(end), true);
    }
  }
  return wanted;
}

// One graph run: the clip decoded once for the encoders in `range` (and the stages that feed them).
std::vector<BranchOutcome> run_batch(const ClipGraphSpec& spec, EncoderRange range, SpanStore& spans,
                                     FrameSpill* spill) {
  Branches b = encoder_states_of(spec, range);
  if (b.encoders.empty()) return {};
  std::vector<bool> wanted = frames_wanted(spec, b, spans);
  std::unique_ptr<TimelineSource> source;
  try {
    source = std::make_unique<TimelineSource>(spec.segments, spec.frame_rate, spec.frame_count,
                                              spec.decode_threads, 0,
                                              reframe_views(spec.segments, spec.geometries));
  } catch (...) {
    const Error e = caught_error();
    b.fail_all(e.kind(), e.what());
    return b.outcomes();
  }
  source->use_spill(spill);
  set_up_stages(spec, *source, range, b);
  open_encoders(spec, b);

  const int workers = oneapi::tbb::info::default_concurrency();
  const int limit = spec.max_frames_in_flight > 0 ? spec.max_frames_in_flight : 2 * workers + 2;
  GraphShared shared{spec,
                     spans,
                     std::move(wanted),
                     static_cast<size_t>(limit),
                     StallWatchdog(spec.stall_timeout_s, "rendering " + b.encoders.front()->spec->label),
                     CompletionRing(static_cast<size_t>(2 * limit + 2), static_cast<int>(b.encoders.size()))};
  SpanFlow span_flow(b, spans_used_from(spec, range.last));
  shared.span_flow = &span_flow;
  for (const auto& e : b.encoders) {
    if (!e->spec->spans.empty()) write_ready_spans(shared, *e, false);  // spans made before the pass
  }
  run_graph(shared, *source, b);
  finish_encoders(shared, b);
  if (spill != nullptr) {
    spdlog::debug("encoders {}-{}: {} pictures decoded, {} read back from the frame spill", range.first + 1,
                  range.last, source->pictures_decoded(), source->pictures_from_spill());
  }
  return b.outcomes();
}

}  // namespace

int64_t estimated_x264_bytes(const VideoEncodeSettings& video) {
  // x264's presets: (rc-lookahead, references).
  static const std::map<std::string, std::pair<int, int>> kPresets{
      {"ultrafast", {0, 1}},  {"superfast", {0, 1}}, {"veryfast", {10, 1}}, {"faster", {20, 2}},
      {"fast", {30, 2}},      {"medium", {40, 3}},   {"slow", {50, 5}},     {"slower", {60, 8}},
      {"veryslow", {60, 16}}, {"placebo", {60, 16}}};
  const auto it = kPresets.find(video.x264_preset);
  const auto [lookahead, refs] = it != kPresets.end() ? it->second : std::pair{60, 16};
  const int threads = video.threads > 0 ? video.threads : oneapi::tbb::info::default_concurrency();
  const double frames = lookahead + refs + std::max(0, video.bframes) + 1 + 3.6 * (threads - 1);
  const double pixels = static_cast<double>(video.width_px) * video.height_px;
  return static_cast<int64_t>(pixels * 5.5 * frames) + (4LL << 20);
}

std::vector<size_t> encoder_batches(const ClipGraphSpec& spec) {
  std::vector<int64_t> bytes;
  for (const auto& g : spec.geometries) {
    for (const auto& l : g.languages) {
      for (const auto& e : l.encoders) bytes.push_back(estimated_x264_bytes(e.video));
    }
  }
  const size_t n = bytes.size();
  if (n == 0) return {};
  // The fewest batches of near-equal counts (contiguous, so a geometry's encoders stay together
  // where they can) whose estimates each fit the budget; one encoder at a time at worst.
  for (size_t count = 1; count <= n; ++count) {
    std::vector<size_t> sizes;
    bool fits = true;
    for (size_t k = 0; k < count && fits; ++k) {
      const size_t first = k * n / count;
      const size_t last = (k + 1) * n / count;
      int64_t sum = 0;
      for (size_t i = first; i < last; ++i) sum += bytes[i];
      fits = spec.encoder_memory_bytes <= 0 || sum <= spec.encoder_memory_bytes || last - first == 1;
      sizes.push_back(last - first);
    }
    if (fits) return sizes;
  }
  return std::vector<size_t>(n, 1);
}

namespace {

namespace fs = std::filesystem;

// The spill of a clip that runs in `passes` passes, or null (one pass, no media, no room).
std::unique_ptr<FrameSpill> open_frame_spill(const ClipGraphSpec& spec, size_t passes) {
  const bool media = std::any_of(spec.segments.begin(), spec.segments.end(), [](const SegmentSource& s) {
    return s.kind == SegmentSource::Kind::kMedia;
  });
  if (passes < 2 || spec.frame_spill_bytes <= 0 || !media) return nullptr;
  std::error_code ec;
  const fs::path dir = spec.frame_spill_dir.empty() ? fs::temp_directory_path(ec) : spec.frame_spill_dir;
  const fs::space_info space = fs::space(dir, ec);
  if (ec) {
    spdlog::debug("no frame spill: {} ({}); each pass decodes the clip", dir.string(), ec.message());
    return nullptr;
  }
  const auto budget = std::min<int64_t>(spec.frame_spill_bytes, static_cast<int64_t>(space.available / 2));
  try {
    return std::make_unique<FrameSpill>(dir, budget);
  } catch (const Error& e) {
    spdlog::debug("no frame spill: {}; each pass decodes the clip", e.what());
    return nullptr;
  }
}

}  // namespace

std::vector<BranchOutcome> run_clip_graph(const ClipGraphSpec& spec) {
  std::vector<BranchOutcome> out;
  size_t first = 0;
  const std::vector<size_t> batches = encoder_batches(spec);
  const size_t total = std::accumulate(batches.begin(), batches.end(), size_t{0});
  SpanStore spans{spec.ready_spans, std::vector<std::shared_ptr<EncodedSpan>>(spec.span_count)};
  const std::unique_ptr<FrameSpill> spill = open_frame_spill(spec, batches.size());
  for (const size_t count : batches) {
    if (batches.size() > 1)
      spdlog::debug("encoders {}-{} of {}: a pass over the clip", first + 1, first + count, total);
    if (spill && first + count == total) spill->stop_storing();  // the last pass only reads
    std::vector<BranchOutcome> part = run_batch(spec, {first, first + count}, spans, spill.get());
    return_freed_memory();
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
    first += count;
    // Spans no later pass joins are let go (on_span_encoded took what it keeps): a clip's spans
    // do not pile up in memory over its passes.
    const std::vector<bool> used = spans_used_from(spec, first);
    for (size_t k = 0; k < spans.encoded.size(); ++k) {
      if (!used[k]) spans.encoded[k].reset();
    }
  }
  if (spill && !spill->failure().empty())
    spdlog::warn("decoded pictures could not be kept on disk ({}): later passes decoded the clip again",
                 spill->failure());
  return out;
}

}  // namespace shortpack

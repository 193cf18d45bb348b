#include "pipeline/media/span_join.h"

#include <algorithm>
#include <cstring>

#include "filters/core/error.h"

namespace shortpack {
namespace {

bool same_parameters(const AVCodecParameters& a, const AVCodecParameters& b) {
  return a.codec_id == b.codec_id && a.width == b.width && a.height == b.height && a.profile == b.profile &&
         a.level == b.level && a.format == b.format && a.extradata_size == b.extradata_size &&
         (a.extradata_size == 0 ||
          std::memcmp(a.extradata, b.extradata, static_cast<size_t>(a.extradata_size)) == 0);
}

// One span's own checks: made, same parameter sets as the first, its frames where the join needs
// them, a keyframe first, every frame once.
void check_span(const EncodedSpan* s, const AVCodecParameters* first, int64_t expected_first, size_t index) {
  const std::string which = "span " + std::to_string(index + 1);
  if (s == nullptr || !s->complete || !s->parameters)
    throw Error(ErrorKind::kEncode, which + " was not made (the branch that encodes it failed)");
  if (first != nullptr && !same_parameters(*s->parameters, *first))
    throw Error(ErrorKind::kEncode, which + " has other parameter sets (SPS/PPS) than the first span");
  if (s->first_frame != expected_first)
    throw Error(ErrorKind::kEncode, which + " starts at frame " + std::to_string(s->first_frame) +
                                        ", not where the previous one ends (" +
                                        std::to_string(expected_first) + ")");
  if (s->packets.empty() || (s->packets.front()->flags & AV_PKT_FLAG_KEY) == 0)
    throw Error(ErrorKind::kEncode, which + " does not start with a keyframe");
  if (static_cast<int64_t>(s->packets.size()) != s->frame_count)
    throw Error(ErrorKind::kEncode, which + " has " + std::to_string(s->packets.size()) + " packets for " +
                                        std::to_string(s->frame_count) + " frames");
  for (const PacketPtr& p : s->packets) {
    if (p->pts < s->first_frame || p->pts >= s->first_frame + s->frame_count)
      throw Error(ErrorKind::kEncode,
                  which + " has a picture at frame " + std::to_string(p->pts) + ", outside its frames");
  }
}

}  // namespace

VbvBuffer::VbvBuffer(const VbvModel& model)
    : model_(model),
      size_(static_cast<double>(model.bufsize_bits > 0 ? model.bufsize_bits : 2 * model.maxrate_bps)),
      refill_(static_cast<double>(model.maxrate_bps) / av_q2d(model.frame_rate)),
      fullness_(size_ * model.initial_fullness) {}

void VbvBuffer::take(int64_t bytes, size_t index) {
  if (model_.maxrate_bps <= 0) return;
  const double bits = 8.0 * static_cast<double>(bytes);
  if (bits > fullness_) {
    throw Error(ErrorKind::kEncode, "the joined stream would empty the VBV buffer (" +
                                        std::to_string(static_cast<int64_t>(size_)) + " bits at " +
                                        std::to_string(model_.maxrate_bps) + " bit/s) at picture " +
                                        std::to_string(index) + " in decoding order");
  }
  fullness_ = std::min(size_, fullness_ - bits + refill_);
}

SpanJoin::SpanJoin(int64_t frame_count, const VbvModel& vbv) : frame_count_(frame_count), vbv_(vbv) {}

std::vector<PacketPtr> SpanJoin::append(const EncodedSpan* span) {
  check_span(span, first_.get(), next_frame_, spans_);
  const std::string which = "span " + std::to_string(spans_ + 1);
  std::vector<int64_t> sorted;
  sorted.reserve(span->packets.size());
  for (const PacketPtr& p : span->packets) sorted.push_back(p->pts);
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw Error(ErrorKind::kEncode, which + " has two pictures with the same time");
  // The delay keeps every decoding time at or before its presentation time; the frames of the
  // spans before are all decoded, so a span's own order decides what it needs.
  int needed = span->reorder_delay_frames;
  for (size_t i = 0; i < sorted.size(); ++i)
    needed = std::max<int>(needed, static_cast<int>(sorted[i] - span->packets[i]->pts));
  if (spans_ == 0) {
    delay_ = needed;
    first_.reset(avcodec_parameters_alloc());
    if (!first_) throw Error(ErrorKind::kInternal, "out of memory joining spans");
    check_av(avcodec_parameters_copy(first_.get(), span->parameters.get()), ErrorKind::kInternal,
             "copying a span's parameters");
  } else if (needed > delay_) {
    throw Error(ErrorKind::kEncode, which + " reorders " + std::to_string(needed) +
                                        " frames, more than the first span (" + std::to_string(delay_) + ")");
  }
  std::vector<PacketPtr> out;
  out.reserve(span->packets.size());
  for (size_t i = 0; i < span->packets.size(); ++i) {
    vbv_.take(span->packets[i]->size, pictures_ + i);
    out.push_back(make_packet());
    check_av(av_packet_ref(out.back().get(), span->packets[i].get()), ErrorKind::kInternal,
             "referencing a span's packet");
    out.back()->dts = sorted[i] - delay_;
    out.back()->duration = 1;
  }
  pictures_ += out.size();
  next_frame_ += span->frame_count;
  ++spans_;
  return out;
}

void SpanJoin::finish() const {
  if (next_frame_ != frame_count_)
    throw Error(ErrorKind::kEncode, "the spans hold " + std::to_string(next_frame_) + " frames of " +
                                        std::to_string(frame_count_));
}

std::vector<PacketPtr> join_spans(const std::vector<const EncodedSpan*>& spans, int64_t frame_count) {
  if (spans.empty()) throw Error(ErrorKind::kEncode, "the first span was not made");
  SpanJoin join(frame_count, VbvModel{});
  std::vector<PacketPtr> out;
  for (const EncodedSpan* span : spans) {
    std::vector<PacketPtr> part = join.append(span);
    out.insert(out.end(), std::make_move_iterator(part.begin()), std::make_move_iterator(part.end()));
  }
  join.finish();
  return out;
}

void check_vbv(const std::vector<PacketPtr>& packets, const VbvModel& vbv) {
  VbvBuffer buffer(vbv);
  for (size_t i = 0; i < packets.size(); ++i) buffer.take(packets[i]->size, i);
}

}  // namespace shortpack

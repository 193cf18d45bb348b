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
// them, a keyframe first.
void check_span(const EncodedSpan* s, const EncodedSpan& first, int64_t expected_first, size_t index) {
  const std::string which = "span " + std::to_string(index + 1);
  if (s == nullptr || !s->complete || !s->parameters)
    throw Error(ErrorKind::kEncode, which + " was not made (the branch that encodes it failed)");
  if (!same_parameters(*s->parameters, *first.parameters))
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

std::vector<PacketPtr> join_spans(const std::vector<const EncodedSpan*>& spans, int64_t frame_count) {
  if (spans.empty() || spans.front() == nullptr || !spans.front()->parameters)
    throw Error(ErrorKind::kEncode, "the first span was not made");
  const EncodedSpan& first = *spans.front();
  std::vector<PacketPtr> out;
  std::vector<int64_t> pts;
  int64_t next = 0;
  int delay = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    check_span(spans[i], first, next, i);
    next += spans[i]->frame_count;
    delay = std::max(delay, spans[i]->reorder_delay_frames);
    for (const PacketPtr& p : spans[i]->packets) {
      out.push_back(make_packet());
      check_av(av_packet_ref(out.back().get(), p.get()), ErrorKind::kInternal, "referencing a span's packet");
      pts.push_back(p->pts);
    }
  }
  if (next != frame_count)
    throw Error(ErrorKind::kEncode,
                "the spans hold " + std::to_string(next) + " frames of " + std::to_string(frame_count));
  std::vector<int64_t> sorted = pts;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw Error(ErrorKind::kEncode, "two pictures of the spans have the same time");
  // The delay must keep every decoding time at or before its presentation time.
  for (size_t i = 0; i < pts.size(); ++i) delay = std::max<int64_t>(delay, sorted[i] - pts[i]);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i]->dts = sorted[i] - delay;
    out[i]->duration = 1;
  }
  return out;
}

void check_vbv(const std::vector<PacketPtr>& packets, const VbvModel& vbv) {
  if (vbv.maxrate_bps <= 0) return;
  const double size = static_cast<double>(vbv.bufsize_bits > 0 ? vbv.bufsize_bits : 2 * vbv.maxrate_bps);
  const double refill = static_cast<double>(vbv.maxrate_bps) / av_q2d(vbv.frame_rate);
  double fullness = size * vbv.initial_fullness;
  for (size_t i = 0; i < packets.size(); ++i) {
    const double bits = 8.0 * packets[i]->size;
    if (bits > fullness) {
      throw Error(ErrorKind::kEncode, "the joined stream would empty the VBV buffer (" +
                                          std::to_string(static_cast<int64_t>(size)) + " bits at " +
                                          std::to_string(vbv.maxrate_bps) + " bit/s) at picture " +
                                          std::to_string(i) + " in decoding order");
    }
    fullness = std::min(size, fullness - bits + refill);
  }
}

}  // namespace shortpack

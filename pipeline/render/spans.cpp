#include "pipeline/render/spans.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "pipeline/captions/text_util.h"

namespace shortpack {
namespace {

// "H:MM:SS.cc" (as the script builder writes it) in milliseconds, read as the ASS reader reads
// it (captions::parse_clock); -1 when it is not a time.
int64_t ass_time_ms(const std::string& t) {
  size_t used = 0;
  std::string why;
  const std::optional<int64_t> ms = captions::parse_clock(t, true, used, why);
  return ms && used == t.size() ? *ms : -1;
}

// The frames on which a time range in ms may show (frame n shows time round(n * 1000 / fps)),
// one more each side.
std::pair<int64_t, int64_t> frames_of(int64_t start_ms, int64_t end_ms, AVRational rate,
                                      int64_t frame_count) {
  const double fps = av_q2d(rate);
  const auto first = static_cast<int64_t>(std::floor(static_cast<double>(start_ms) * fps / 1000.0)) - 1;
  const auto end = static_cast<int64_t>(std::ceil(static_cast<double>(end_ms) * fps / 1000.0)) + 1;
  return {std::clamp<int64_t>(first, 0, frame_count), std::clamp<int64_t>(end, 0, frame_count)};
}

// A script as its header (everything but its Dialogue lines) and its events.
void add_script_pieces(const std::string& script, AVRational rate, int64_t frame_count,
                       std::vector<SpanPiece>& out) {
  std::string header;
  std::vector<SpanPiece> events;
  std::istringstream in(script);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Dialogue:", 0) != 0) {
      header += line;
      header += '\n';
      continue;
    }
    // Dialogue: Layer,Start,End,...
    const size_t c1 = line.find(',');
    const size_t c2 = c1 == std::string::npos ? c1 : line.find(',', c1 + 1);
    const size_t c3 = c2 == std::string::npos ? c2 : line.find(',', c2 + 1);
    const int64_t start = c2 == std::string::npos ? -1 : ass_time_ms(line.substr(c1 + 1, c2 - c1 - 1));
    const int64_t end = c3 == std::string::npos ? -1 : ass_time_ms(line.substr(c2 + 1, c3 - c2 - 1));
    SpanPiece p{SpanPiece::Kind::kCaptionEvent, 0, frame_count, line};
    if (start >= 0 && end >= 0)
      std::tie(p.first_frame, p.end_frame) = frames_of(start, end, rate, frame_count);
    events.push_back(std::move(p));  // a line whose times cannot be read shows everywhere
  }
  out.push_back({SpanPiece::Kind::kCaptionHeader, 0, frame_count, std::move(header)});
  for (SpanPiece& p : events) out.push_back(std::move(p));
}

// Branch b's class in a range: the first branch whose pieces there are the same as b's.
using Partition = std::vector<size_t>;

struct Cut {
  int64_t first = 0;
  int64_t end = 0;
  Partition classes;
};

std::vector<const SpanPiece*> shown_in(const SpanBranch& b, int64_t first, int64_t end) {
  std::vector<const SpanPiece*> out;
  for (const SpanPiece& p : b.pieces) {
    if (p.first_frame < end && p.end_frame > first) out.push_back(&p);
  }
  return out;
}

bool same_pieces(const std::vector<const SpanPiece*>& a, const std::vector<const SpanPiece*>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const SpanPiece* x, const SpanPiece* y) { return x == y || *x == *y; });
}

Partition partition_of(const std::vector<const SpanBranch*>& group, int64_t first, int64_t end) {
  std::vector<std::vector<const SpanPiece*>> shown;
  for (const SpanBranch* b : group) shown.push_back(shown_in(*b, first, end));
  Partition p(group.size());
  for (size_t i = 0; i < group.size(); ++i) {
    p[i] = i;
    for (size_t j = 0; j < i; ++j) {
      if (same_pieces(shown[i], shown[j])) {
        p[i] = p[j];
        break;
      }
    }
  }
  return p;
}

// The group's timeline cut at every piece's edge, neighbours that divide the branches alike merged.
std::vector<Cut> elementary_cuts(const std::vector<const SpanBranch*>& group, int64_t frame_count) {
  std::vector<int64_t> edges{0, frame_count};
  for (const SpanBranch* b : group) {
    for (const SpanPiece& p : b->pieces) {
      edges.push_back(p.first_frame);
      edges.push_back(p.end_frame);
    }
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  std::vector<Cut> cuts;
  for (size_t i = 0; i + 1 < edges.size(); ++i) {
    if (edges[i] < 0 || edges[i + 1] > frame_count || edges[i] >= edges[i + 1]) continue;
    Partition p = partition_of(group, edges[i], edges[i + 1]);
    if (!cuts.empty() && cuts.back().classes == p) {
      cuts.back().end = edges[i + 1];
    } else {
      cuts.push_back({edges[i], edges[i + 1], std::move(p)});
    }
  }
  return cuts;
}

// A cut shorter than `min_frames` takes the frames it lacks from a neighbour that stays long
// enough, or else merges into one; the branches are then divided as in either part.
void lengthen_short_cuts(std::vector<Cut>& cuts, const std::vector<const SpanBranch*>& group,
                         int64_t min_frames) {
  for (bool changed = true; changed && cuts.size() > 1;) {
    changed = false;
    for (size_t i = 0; i < cuts.size() && cuts.size() > 1; ++i) {
      Cut& c = cuts[i];
      const int64_t need = min_frames - (c.end - c.first);
      if (need <= 0) continue;
      changed = true;
      if (i > 0 && cuts[i - 1].end - cuts[i - 1].first - need >= min_frames) {
        cuts[i - 1].end -= need;
        c.first -= need;
      } else if (i + 1 < cuts.size() && cuts[i + 1].end - cuts[i + 1].first - need >= min_frames) {
        cuts[i + 1].first += need;
        c.end += need;
      } else {
        const size_t into = i > 0 ? i - 1 : i + 1;
        cuts[into].first = std::min(cuts[into].first, c.first);
        cuts[into].end = std::max(cuts[into].end, c.end);
        cuts.erase(cuts.begin() + static_cast<std::ptrdiff_t>(i));
      }
      break;
    }
  }
  for (Cut& c : cuts) c.classes = partition_of(group, c.first, c.end);
}

SpanKey key_of(const SpanBranch& b, const Cut& c) {
  SpanKey k{b.geometry, b.video, c.first, c.end - c.first, {}};
  for (const SpanPiece* p : shown_in(b, c.first, c.end)) k.pieces.push_back(*p);
  return k;
}

// How many of the group's frame encodes the cuts save (each class of a cut is encoded once).
int64_t frames_saved(const std::vector<Cut>& cuts) {
  int64_t saved = 0;
  for (const Cut& c : cuts) {
    size_t classes = 0;
    for (size_t i = 0; i < c.classes.size(); ++i) classes += c.classes[i] == i ? 1 : 0;
    saved += static_cast<int64_t>(c.classes.size() - classes) * (c.end - c.first);
  }
  return saved;
}

// Plans one group (one geometry and video settings) into `plan`; `index` are the branches' places.
void plan_group(const std::vector<const SpanBranch*>& group, const std::vector<size_t>& index,
                int64_t frame_count, SpanPlan& plan, std::unordered_map<SpanKey, size_t>& ids) {
  const int64_t whole = frame_count * static_cast<int64_t>(group.size());
  std::vector<Cut> cuts = group.size() > 1 ? elementary_cuts(group, frame_count) : std::vector<Cut>{};
  lengthen_short_cuts(cuts, group, std::max(1, group.front()->video.gop_frames));
  if (cuts.empty() || frames_saved(cuts) <= 0) {
    plan.frames_encoded += whole;
    return;
  }
  // A branch that shares none of its spans is encoded whole (no cut costs it an IDR).
  std::vector<bool> shares(group.size(), false);
  for (const Cut& c : cuts) {
    for (size_t i = 0; i < group.size(); ++i) {
      if (c.classes[i] != i) shares[i] = shares[c.classes[i]] = true;
    }
  }
  for (size_t i = 0; i < group.size(); ++i) {
    if (!shares[i]) {
      plan.frames_encoded += frame_count;
      continue;
    }
    SpanUses& uses = plan.uses[index[i]];
    for (const Cut& c : cuts) {
      auto [it, fresh] = ids.emplace(key_of(*group[i], c), plan.spans.size());
      if (fresh) plan.spans.push_back(it->first);
      uses.push_back({c.first, c.end - c.first, it->second, fresh});
      (fresh ? plan.frames_encoded : plan.frames_reused) += c.end - c.first;
    }
  }
}

// One branch cut by itself (SpanCuts::kCacheable): at the edges of its pieces, none closer than
// `min_tail` (a keyframe interval) to the end. A caption event's edge is cut no closer than
// `min_span` after the last cut (cues come every few seconds; each cut costs a first render), a
// card's no closer than `min_tail` (a card is where variants differ: the rows share everything
// before it, however short). The first edge too close after a cut moves that cut to it, once (the
// later edge wins: a card's or a cue's start rather than the end of the cue before; moving again
// would let a run of cues slide the cut to the clip's end). A stretch longer than `grid` without a
// cut is cut at multiples of `grid` (frames counted from the clip's start). Depends on nothing but
// the branch's own pieces.
std::vector<Cut> own_cuts(const SpanBranch& b, int64_t frame_count, int64_t min_span, int64_t min_tail,
                          int64_t grid) {
  std::vector<std::pair<int64_t, int64_t>> edges;  // (frame, the least span before a cut there)
  for (const SpanPiece& p : b.pieces) {
    const int64_t least = p.kind == SpanPiece::Kind::kCardScript ? min_tail : min_span;
    edges.emplace_back(p.first_frame, least);
    edges.emplace_back(p.end_frame, least);
  }
  edges.emplace_back(frame_count, min_span);
  std::sort(edges.begin(), edges.end());
  std::vector<Cut> cuts;
  int64_t start = 0;
  bool moved = false;  // the last cut has been moved once
  const auto cut_at = [&](int64_t at, int64_t least) {
    if (frame_count - at < min_tail || at <= start) return false;
    if (at - start >= least) {
      cuts.push_back({start, at, {}});
      moved = false;
    } else if (!cuts.empty() && !moved) {
      cuts.back().end = at;
      moved = true;
    } else {
      return false;
    }
    start = at;
    return true;
  };
  for (const auto& [e, least] : edges) {
    while (e - start > grid) {
      const int64_t g = (start + min_span + grid - 1) / grid * grid;  // the next multiple far enough on
      if (g >= e || !cut_at(g, min_span)) break;
    }
    cut_at(e, least);
  }
  cuts.push_back({start, frame_count, {}});
  return cuts;
}

// SpanCuts::kCacheable: every branch cut by itself; equal spans shared. A branch of one span is
// encoded whole unless another branch shows the same pictures (one span of the whole clip, shared).
void plan_cacheable(const std::vector<SpanBranch>& branches, int64_t frame_count, AVRational rate,
                    SpanPlan& plan) {
  std::vector<std::vector<SpanKey>> keys(branches.size());
  std::unordered_map<SpanKey, int> users;
  for (size_t i = 0; i < branches.size(); ++i) {
    const SpanBranch& b = branches[i];
    const int64_t gop = std::max(1, b.video.gop_frames);
    const auto grid_gops =
        std::max<int64_t>(1, std::llround(kCacheGridSeconds * av_q2d(rate) / static_cast<double>(gop)));
    const int64_t min_span = std::max<int64_t>(gop, std::llround(kCacheMinSpanSeconds * av_q2d(rate)));
    for (const Cut& c : own_cuts(b, frame_count, min_span, gop, grid_gops * gop))
      keys[i].push_back(key_of(b, c));
    if (keys[i].size() == 1) ++users[keys[i].front()];
  }
  std::unordered_map<SpanKey, size_t> ids;
  for (size_t i = 0; i < branches.size(); ++i) {
    if (keys[i].size() == 1 && users[keys[i].front()] < 2) {
      plan.frames_encoded += frame_count;
      continue;
    }
    for (SpanKey& k : keys[i]) {
      const int64_t first = k.first_frame;
      const int64_t count = k.frame_count;
      auto [it, fresh] = ids.emplace(std::move(k), plan.spans.size());
      if (fresh) plan.spans.push_back(it->first);
      plan.uses[i].push_back({first, count, it->second, fresh});
      (fresh ? plan.frames_encoded : plan.frames_reused) += count;
    }
  }
}

}  // namespace

std::vector<SpanPiece> pieces_of(const LanguageBranchSpec& l, const std::vector<SegmentSource>& segments,
                                 AVRational frame_rate, int64_t frame_count) {
  std::vector<SpanPiece> out;
  std::string fonts = l.fonts.default_family;
  for (const std::string& f : l.fonts.font_files) fonts += "\n" + f;
  out.push_back({SpanPiece::Kind::kFonts, 0, frame_count, std::move(fonts)});
  if (!l.ass_script.empty()) add_script_pieces(l.ass_script, frame_rate, frame_count, out);
  for (size_t i = 0; i < l.card_scripts.size() && i < segments.size(); ++i) {
    if (l.card_scripts[i].empty()) continue;
    const SegmentSource& s = segments[i];
    out.push_back({SpanPiece::Kind::kCardScript, std::clamp<int64_t>(s.first_frame - 1, 0, frame_count),
                   std::clamp<int64_t>(s.first_frame + s.frame_count + 1, 0, frame_count),
                   l.card_scripts[i]});
  }
  return out;
}

SpanPlan plan_spans(const std::vector<SpanBranch>& branches, int64_t frame_count, SpanCuts cuts,
                    AVRational frame_rate) {
  SpanPlan plan;
  plan.uses.resize(branches.size());
  if (cuts == SpanCuts::kCacheable) {
    plan_cacheable(branches, frame_count, frame_rate, plan);
    return plan;
  }
  std::unordered_map<SpanKey, size_t> ids;
  std::vector<bool> planned(branches.size(), false);
  for (size_t i = 0; i < branches.size(); ++i) {
    if (planned[i]) continue;
    std::vector<const SpanBranch*> group;
    std::vector<size_t> index;
    for (size_t j = i; j < branches.size(); ++j) {
      if (planned[j] || branches[j].geometry != branches[i].geometry ||
          !(branches[j].video == branches[i].video))
        continue;
      planned[j] = true;
      group.push_back(&branches[j]);
      index.push_back(j);
    }
    plan_group(group, index, frame_count, plan, ids);
  }
  return plan;
}

SpanPlan apply_span_plan(ClipGraphSpec& spec, bool enabled, SpanCuts cuts) {
  std::vector<SpanBranch> branches;
  std::vector<EncoderBranchSpec*> encoders;
  for (size_t gi = 0; gi < spec.geometries.size(); ++gi) {
    for (LanguageBranchSpec& l : spec.geometries[gi].languages) {
      const std::vector<SpanPiece> pieces = pieces_of(l, spec.segments, spec.frame_rate, spec.frame_count);
      for (EncoderBranchSpec& e : l.encoders) {
        e.spans.clear();
        branches.push_back({gi, video_key_of(e.video), pieces});
        encoders.push_back(&e);
      }
    }
  }
  if (!enabled) {
    SpanPlan whole;
    whole.uses.resize(branches.size());
    whole.frames_encoded = spec.frame_count * static_cast<int64_t>(branches.size());
    spec.span_count = 0;
    return whole;
  }
  SpanPlan plan = plan_spans(branches, spec.frame_count, cuts, spec.frame_rate);
  for (size_t i = 0; i < encoders.size(); ++i) encoders[i]->spans = plan.uses[i];
  spec.span_count = plan.spans.size();
  return plan;
}

}  // namespace shortpack

namespace {
size_t mix_hash(size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }
}  // namespace

size_t std::hash<shortpack::SpanPiece>::operator()(const shortpack::SpanPiece& p) const noexcept {
  size_t h = std::hash<int>{}(static_cast<int>(p.kind));
  h = mix_hash(h, std::hash<int64_t>{}(p.first_frame));
  h = mix_hash(h, std::hash<int64_t>{}(p.end_frame));
  return mix_hash(h, std::hash<std::string>{}(p.text));
}

size_t std::hash<shortpack::SpanKey>::operator()(const shortpack::SpanKey& k) const noexcept {
  size_t h = std::hash<size_t>{}(k.geometry);
  h = mix_hash(h, std::hash<shortpack::VideoKey>{}(k.video));
  h = mix_hash(h, std::hash<int64_t>{}(k.first_frame));
  h = mix_hash(h, std::hash<int64_t>{}(k.frame_count));
  h = mix_hash(h, k.pieces.size());
  for (const shortpack::SpanPiece& p : k.pieces) h = mix_hash(h, std::hash<shortpack::SpanPiece>{}(p));
  return h;
}

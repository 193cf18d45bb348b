// A clip's timeline resolved against its media: where each segment sits on the output timeline,
// the output duration and frame rate. Durations are exact multiples of the frame duration.
#pragma once

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "pipeline/media/demuxer.h"
#include "pipeline/spec/campaign.h"

namespace shortpack {

struct TimelineSegment {
  const Segment* segment = nullptr;
  MediaInfo media;          // kMedia
  double in_s = 0.0;        // where the segment starts in its source
  double duration_s = 0.0;  // on the output timeline, including its transition overlap
  double at_s = 0.0;        // where it starts on the output timeline
};

struct ClipTimeline {
  std::vector<TimelineSegment> segments;
  std::deque<Segment> bumpers;      // the brand's intro/outro as segments (owned here)
  size_t first_content = 0;         // index of the clip's first own segment (1 with an intro)
  double content_at_s = 0.0;        // where the clip's own segments start (after the intro)
  double content_duration_s = 0.0;  // their length on the output timeline
  double duration_s = 0.0;
  int64_t frame_count = 0;
  AVRational frame_rate{30, 1};
};

// Picks the output frame rate: the source's own when it is a standard rate inside every preset's
// range, otherwise the first preset's target.
AVRational choose_frame_rate(AVRational source_rate, const std::vector<const Preset*>& presets);

// Called with each media file as soon as it is probed, before it is used (e.g. resource limits:
// it throws to refuse the file). `where` names it: "clip 'x' segment 2", "the brand's intro".
using MediaCheck = std::function<void(const MediaInfo& media, const std::string& where)>;

// Probes the clip's media and lays out its timeline; with a brand that has bumpers (and a clip
// that wants them) the intro and outro become its first and last segments. Throws Error(kMedia)
// for unreadable media (also a source whose duration cannot be told, unless the segment gives
// its `end`) and Error(kInput) for a trim beyond the source's end, naming the clip and segment;
// what `check` throws passes through.
ClipTimeline resolve_timeline(const Clip& clip, const std::vector<const Preset*>& presets,
                              const Brand* brand = nullptr, const MediaCheck& check = {});

}  // namespace shortpack

// Resource limits of a run: how big, long, many or slow anything a campaign brings may be, so that
// one hostile or runaway input is refused with a clear message instead of exhausting the machine
// or hanging a scheduled job.
//
// Every limit has a documented default (README, "Limits and safety") and can be changed on the
// command line with `--limit NAME=VALUE` (repeatable), e.g. `--limit source_duration_s=4h`.
// Values are plain numbers; byte limits also take K, M, G or T (powers of 1024), second limits
// also take s, m or h.
//
// Where each limit is enforced, and what hitting it does:
//   campaign_bytes, clips, outputs     load_campaign (CampaignLimits): the run stops, exit 2
//   subtitle_bytes, subtitle_cues,     read_subtitles (SubtitleLimits): the run stops, exit 2
//   subtitle_line_bytes
//   image_pixels                       read_image_rgba, logo and stills: the run stops, exit 2
//   source_bytes, source_duration_s,   check_source_limits, after probing a clip's media: that
//   source_pixels                      clip's outputs fail (exit 3), the other clips render
//   frames_in_flight                   the render graph's limiter (0: automatic)
//   encoder_memory                     the render graph's batches of encoders (0: one batch)
//   frame_spill                        decoded pictures kept in $TMPDIR for a clip's later passes
//   stall_s                            the render graph's watchdog: a clip whose decoding or
//                                      encoding makes no progress for this long fails (exit 3)
//   caption_frame_ms                   the render graph's language branches: captions of one frame
//                                      that take longer to draw fail that output (exit 3)
//   span_cache                         the span cache's size: the least recently used spans are
//                                      removed after a run (0: no cache)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/captions/subtitles.h"
#include "pipeline/media/demuxer.h"
#include "pipeline/spec/campaign.h"

namespace shortpack {

struct Limits {
  // The campaign file.
  int64_t campaign_bytes = CampaignLimits{}.max_file_bytes;  // each campaign or brand file
  int64_t clips = CampaignLimits{}.max_clips;
  int64_t outputs = CampaignLimits{}.max_outputs;    // clips x variants x platforms x languages
  int64_t variants = CampaignLimits{}.max_variants;  // rows of the variants table
  // Subtitle files.
  int64_t subtitle_bytes = SubtitleLimits{}.max_file_bytes;
  int64_t subtitle_cues = SubtitleLimits{}.max_cues;
  int64_t subtitle_line_bytes = SubtitleLimits{}.max_line_bytes;
  // Pictures: the logo and still-image segments (width x height, checked from the header).
  int64_t image_pixels = 40'000'000;
  // Media sources (clip segments, bumpers, voice-overs, music).
  int64_t source_bytes = 64LL << 30;      // 64 GiB
  double source_duration_s = 3 * 3600.0;  // 3 h
  int64_t source_pixels = 8192LL * 4320;  // 8K (DCI); a 16384x16384 header is refused
  // The render.
  int64_t frames_in_flight = 0;  // source frames decoded ahead in one clip's graph; 0: automatic
  // Estimated memory of the x264 encoders one clip's graph opens at once (ClipGraphSpec::
  // encoder_memory_bytes): three 1080x1920 veryfast encoders. 0: every encoder of a clip at once.
  int64_t encoder_memory = 512LL << 20;
  // A clip rendered in several passes keeps the pictures its first pass decodes in the system's
  // temporary folder ($TMPDIR) for the later ones (ClipGraphSpec::frame_spill_bytes), at most
  // this much (and half the free space). 0: each pass decodes the clip again.
  int64_t frame_spill = 16LL << 30;  // 16 GiB
  double stall_s = 120.0;            // no decoding/encoding progress for this long fails the clip; 0: off
  int64_t caption_frame_ms = 2000;  // CPU time to draw one frame's captions; over it the output fails; 0: off
  // The span cache (render/span_cache.h): encoded spans kept in the output folder's
  // .shortpack/spans/ for the next run, at most this many bytes. 0: no cache.
  int64_t span_cache = 4LL << 30;  // 4 GiB
};

// One limit as the CLI and README name it.
struct LimitInfo {
  std::string name;         // "source_duration_s"
  std::string value;        // the value in `limits`, as text ("10800")
  std::string description;  // one line
};

// Every limit, in a fixed order, with its value in `limits`.
std::vector<LimitInfo> describe_limits(const Limits& limits);

// Applies one "NAME=VALUE". Throws Error(kInput) naming the limit and the accepted form when the
// name is unknown or the value is not a non-negative number (with an allowed suffix).
void set_limit(Limits& limits, std::string_view assignment);

// The parts that other components take as their own structs.
CampaignLimits campaign_limits(const Limits& limits);
SubtitleLimits subtitle_limits(const Limits& limits);

// Checks a probed media file against the source limits. Throws Error(kLimit) "<where>: <file> is
// <value>, over the limit of <limit> (...raise it with --limit NAME=VALUE)".
void check_source_limits(const MediaInfo& media, const Limits& limits, const std::string& where);

}  // namespace shortpack

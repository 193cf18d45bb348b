// The small types that the subtitle readers (subtitles.h) and their text helpers (text_util.h)
// share: how big a subtitle file may be, and where a cue asks to be placed.
#pragma once

#include <cstdint>

namespace shortpack {

// read_subtitles refuses more with Error(kLimit); the run's limits (pipeline/render/limits.h) set
// these from --limit.
struct SubtitleLimits {
  int64_t max_file_bytes = 20 * 1024 * 1024;
  int64_t max_cues = 100000;
  // No caption can show a longer line, and shaping or measuring one would take minutes.
  int64_t max_line_bytes = 64 * 1024;
};

// A point on the frame as fractions of its width and height (0,0 top left).
struct CuePosition {
  double x_rel = 0.0;
  double y_rel = 0.0;
};

}  // namespace shortpack

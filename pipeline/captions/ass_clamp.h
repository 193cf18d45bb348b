// Bounds on what one subtitle script may cost to draw (issue 32). The reader's size limits
// (bytes, cues, line length) do not bound what one cue costs libass: a font size, border, blur or
// scale far beyond the frame makes every frame take seconds and gigabytes. Values beyond what can
// change the picture are clamped where the script is read, each clamp a warning naming file and
// line; the render goes on.
//
// Bounds, in the script's own units (PlayResX x PlayResY, libass's defaults when not given; H is
// PlayResY, W PlayResX):
//   font size (\fs, style Fontsize)          <= H / 2 (two lines fill the frame); \fs+N / \fs-N
//                                               (relative to the style's size) at most +10 (twice)
//   scale (\fscx \fscy, style ScaleX/ScaleY) <= 400 %
//   spacing (\fsp, style Spacing)            within +-W
//   border (\bord \xbord \ybord, Outline)    <= H / 16
//   shadow (\shad \xshad \yshad, Shadow)     within +-H / 4
//   blur (\blur) <= H / 32, \be <= 20; shear (\fax \fay) within +-2
//   drawings (\p): each coordinate within +-2 x max(W, H) once scaled by the drawing's \pN level,
//   and at most kMaxDrawingPoints points per event (the rest of the drawing is dropped)
// Inside \t(...) animations the same bounds apply. A value that is not a finite number (inf,
// nan) is clamped like a huge one. Normal scripts are untouched, byte for byte.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/captions/subtitles.h"

namespace shortpack::captions {

// At most this many events are drawn on one frame; more are dropped with a warning.
inline constexpr size_t kMaxCuesOnScreen = 64;
inline constexpr size_t kMaxDrawingPoints = 2000;

// Clamps the Style lines and event texts of one ASS/SSA script as it is read. Construct with the
// whole script's lines (for PlayRes, wherever [Script Info] is); not thread-safe.
class AssClamp {
 public:
  AssClamp(const std::vector<std::string_view>& lines, std::filesystem::path source);
  // A header line (any section but [Events]); a Style line of a styles section comes back with
  // its values clamped, anything else as it is. Warnings "<file>:<line>: ..." are appended.
  std::string header_line(std::string_view line, int line_no, std::vector<std::string>& warnings);
  // An event's Text field with its override tags and drawings clamped.
  std::string event_text(std::string_view text, int line_no, std::vector<std::string>& warnings) const;

 private:
  std::filesystem::path source_;
  double width_ = 384;   // PlayResX
  double height_ = 288;  // PlayResY
  bool in_styles_ = false;
  std::vector<std::string> style_format_;  // lower-case field names
};

// Drops the cues that would make more than `max_on_screen` cues show at once (the later ones in
// start order), each with a warning naming its line. Cues must be sorted by start_ms.
void limit_cues_on_screen(SubtitleTrack& track, size_t max_on_screen = kMaxCuesOnScreen);

}  // namespace shortpack::captions

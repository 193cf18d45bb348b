// The safe zone of a platform's frame (a preset's `safe_zone`, pipeline/spec/preset.h): where
// captions are laid out, and where titles and the logo stay.
#pragma once

namespace shortpack {

// The margins of a frame that the platform's own interface covers, in pixels of the preset's
// frame size. Captions, titles and the logo stay inside.
struct SafeZone {
  int top_px = 0;
  int bottom_px = 0;
  int left_px = 0;
  int right_px = 0;
};

}  // namespace shortpack

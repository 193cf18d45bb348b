// What a source says of its colour, completed the way players complete it, and the one
// converter per description that takes its pictures to the output's BT.709 SDR.
//
// Untagged fields: the matrix is BT.601 below 720 lines and BT.709 from there (what players
// assume); primaries are BT.2020 for a BT.2020 matrix or an HDR curve, else BT.709 (SD too: what
// editors write and browsers show); the curve is BT.709's; the range is limited unless the pixel
// format is a full-range one (yuvj*). A curve zimg does not know is
// read as BT.709 with a warning.
#pragma once

#include <memory>
#include <string>

#include "filters/colour_convert.h"
#include "filters/core/colour.h"

extern "C" {
#include <libavformat/avformat.h>
}

namespace shortpack {

struct StreamColour {
  ColourDescription colour;
  std::string warning;        // non-empty: something was assumed that the user should know
  std::string contradiction;  // non-empty: the description cannot be right (the file is refused)
};

// The description of a video stream from its parameters and side data (HDR light levels).
StreamColour stream_colour(const AVStream& stream);
// The same for one decoded picture: its own tags where it has them, else the stream's.
ColourDescription frame_colour(const AVFrame& frame, const ColourDescription& stream);
// Completes unspecified fields (see above) for a picture of `height_px` lines in `format`.
StreamColour complete_colour(AVColorSpace matrix, AVColorPrimaries primaries,
                             AVColorTransferCharacteristic transfer, AVColorRange range, AVPixelFormat format,
                             int height_px);

// One converter per description for the whole process (its table is built once). Thread-safe.
std::shared_ptr<const ColourConverter> converter_for(const ColourDescription& colour);

}  // namespace shortpack

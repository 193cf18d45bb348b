// The cover (thumbnail) of one output (issue 30): a picture of the finished file itself, chosen
// sharp, outside transitions and fades, with a face when the clip has one, with the post's title
// drawn over it by the captions' own text path (build_ass_script + CaptionBurner: the same line
// breaking, fonts and fallbacks for every script), as a JPEG within the platform's size and file
// limits.
//
// Sharpness is the variance of the Laplacian of the luma (OpenCV), measured on a copy 360 px on
// its shorter side so that outputs of any size compare alike. Faces: OpenCV's Haar cascade from
// Debian's opencv-data (SHORTPACK_FACE_CASCADE), looked for in the sharpest pictures only; without
// the file no face is looked for. Thread safety: make_cover is reentrant (each call owns its
// decoder, burner and cascade).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "filters/caption_burner.h"
#include "pipeline/captions/caption_style.h"
#include "pipeline/captions/safe_zone.h"
#include "pipeline/spec/campaign.h"
#include "pipeline/spec/post.h"
#include "pipeline/spec/preset.h"

namespace shortpack {

// How a cover looks: its size, the title on it and the text path that draws it.
struct CoverLook {
  std::string title;        // drawn at the top of the safe zone; empty: none
  std::string title_where;  // "campaign.yaml:12", for messages of the text path
  CaptionStyle style;       // the brand's caption style for the language (font, language set)
  FontSetup fonts;
  int width_px = 0;  // the cover's size (a picture is cropped to its shape, then scaled)
  int height_px = 0;
  SafeZone safe;  // at the cover's size
};

struct CoverSpec {
  std::filesystem::path video;  // the finished output
  double duration_s = 0.0;      // of the output
  AVRational frame_rate{30, 1};
  // The clip's own pictures on the output's timeline (after an intro bumper, before an outro).
  double from_s = 0.0;
  double to_s = 0.0;
  // Spans [from, to) of the output never taken: transitions and fades (the timeline's).
  std::vector<std::pair<double, double>> avoid_s;
  // Spans taken only when nothing else is left: where the title is already burned in.
  std::vector<std::pair<double, double>> rather_not_s;
  std::optional<double> at_s;  // `cover: {at: S}`: this picture (output time), no choice made
  CoverLook look;
  int64_t max_bytes = 0;  // 0: no limit
};

struct Cover {
  std::string jpeg;               // the file's bytes
  double at_s = 0.0;              // which picture of the output (its time)
  double sharpness = 0.0;         // variance of the Laplacian of that picture
  double median_sharpness = 0.0;  // of all the pictures looked at
  bool face = false;              // a face was found in it
  bool fallback = false;          // no sharp picture: the middle one (a flat clip)
  int quality = 0;                // the JPEG's qscale (2 best .. 31)
};

// Throws Error(kMedia) when the output cannot be read, Error(kLimit) when no JPEG of the size fits
// under max_bytes, Error(kInput) when the title cannot be laid out (build_ass_script's message).
Cover make_cover(const CoverSpec& spec);

// The look of the cover of `clip` on a platform (`preset` as rendered at its final size) in
// `language`: the post's title (else the clip's title card), the brand's caption style and font
// for the language at half as large again (a cover is seen small), the platform's cover size
// (else the output's) and its safe zone scaled to it.
CoverLook cover_look_for(const Campaign& campaign, const Clip& clip, const Preset& preset,
                         const std::string& language, const ResolvedPost& post);

// `picture` (yuv420p) as a cover: cut to the cover's shape (centred), scaled to its size, the
// title drawn. The studio shows try-outs of a title through this, on its still frames.
FramePtr cover_picture(const AVFrame& picture, const CoverLook& look);

// Variance of the Laplacian of a yuv420p picture's luma, at 360 px on its shorter side.
double picture_sharpness(const AVFrame& frame);

// A yuv420p picture as a baseline JPEG (full-range 4:2:0) at qscale `quality` (2..31).
std::string encode_jpeg(const AVFrame& frame, int quality);

}  // namespace shortpack

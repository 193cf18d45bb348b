// One file per shape (the campaign's `one_file_per_shape: true`): platforms whose outputs can be
// one file get one encode made to satisfy every one of them.
//
// Platforms share a file when their ShapeKeys are equal: the same frame size, codecs and pixel
// format, x264 preset, audio format (sample rate, channels) and loudness target, and the same
// presentation overrides of the brand (a picture holds one caption size and one logo). The frame
// rate is the clip's (one timeline per clip for all its outputs). Each platform of a group is then
// rendered with the group's merged preset: captions and logo inside the intersection of the safe
// zones (the largest margin of each side), the lowest rate cap and buffer, profile, level, CRF,
// keyframe interval and B-frame count, a closed GOP if any asks for one, the highest AAC bit rate.
// What only a file's check reads (label, frame-rate range, duration range, file size, loudness
// tolerance) stays the platform's own, so that each output is still refused alone by its own limits
// and checked against its own preset. The merged presets of a group decide the same sharing
// descriptions (render/sharing.h), so the graph shaper encodes them once.
//
// The grouping is a function of the campaign's platforms and presets only, so a shard or a
// re-render of some outputs makes the same bytes as a full run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/spec/campaign.h"
#include "pipeline/spec/preset.h"

namespace shortpack {

// What platforms must have in common to share one file.
struct ShapeKey {
  int width_px = 0;
  int height_px = 0;
  std::string video_codec;
  std::string pixel_format;
  std::string x264_preset;
  std::string audio_codec;
  int sample_rate_hz = 0;
  int channels = 0;
  double integrated_lufs = 0.0;
  double true_peak_dbtp = 0.0;
  std::optional<int> caption_size_px;
  std::optional<int> logo_width_px;
  std::string logo_position;
  bool operator==(const ShapeKey&) const = default;
};

ShapeKey shape_key_of(const Preset& preset);

// `own` rendered to satisfy every preset of `group` (own among them), as described above.
Preset merged_preset(const Preset& own, const std::vector<const Preset*>& group);

struct ShapeGroups {
  std::vector<std::vector<std::string>> groups;  // platforms sharing a file, two or more, campaign order
  std::vector<std::string> alone;                // platforms that share with no other
  std::map<std::string, Preset> rendered;        // platform -> the preset it is rendered with
};

// The campaign's platforms in shape groups. Without `one_file_per_shape` every platform is alone
// and rendered with its own preset.
ShapeGroups shape_groups(const Campaign& campaign, const PresetCatalog& presets);

// With `one_file_per_shape`, warns (spdlog) naming the platforms that share a file with no other,
// each encoded on its own; says nothing otherwise.
void warn_unshared_platforms(const Campaign& campaign, const PresetCatalog& presets);

// The preset a platform of the campaign is rendered with (its own, or its shape group's merged one).
Preset rendered_preset(const Campaign& campaign, const PresetCatalog& presets, const std::string& platform);

}  // namespace shortpack

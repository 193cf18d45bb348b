#include "pipeline/render/shape.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "pipeline/base/text.h"

namespace shortpack {

ShapeKey shape_key_of(const Preset& p) {
  return {p.width_px,
          p.height_px,
          p.video.codec,
          p.video.pixel_format,
          p.video.x264_preset,
          p.audio.codec,
          p.audio.sample_rate_hz,
          p.audio.channels,
          p.loudness.integrated_lufs,
          p.loudness.true_peak_dbtp,
          p.caption_size_px,
          p.logo_width_px,
          p.logo_position};
}

namespace {

// The lowest non-zero value (a rate cap, a buffer), 0 when none is set: 0 means "no cap".
int64_t lowest_cap(int64_t a, int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

}  // namespace

Preset merged_preset(const Preset& own, const std::vector<const Preset*>& group) {
  Preset m = own;
  for (const Preset* p : group) {
    m.safe.top_px = std::max(m.safe.top_px, p->safe.top_px);
    m.safe.bottom_px = std::max(m.safe.bottom_px, p->safe.bottom_px);
    m.safe.left_px = std::max(m.safe.left_px, p->safe.left_px);
    m.safe.right_px = std::max(m.safe.right_px, p->safe.right_px);
    m.video.maxrate_bps = lowest_cap(m.video.maxrate_bps, p->video.maxrate_bps);
    m.video.bufsize_bits = lowest_cap(m.video.bufsize_bits, p->video.bufsize_bits);
    if (h264_profile_rank(p->video.profile) < h264_profile_rank(m.video.profile))
      m.video.profile = p->video.profile;
    // Level 1b (idc 9) is below 1.1 but above 1: rank it as 10.5.
    const auto rank = [](int idc) { return idc == 9 ? 10.5 : double(idc); };
    if (rank(p->video.level) < rank(m.video.level)) m.video.level = p->video.level;
    m.video.crf = std::min(m.video.crf, p->video.crf);
    m.video.keyint_s = std::min(m.video.keyint_s, p->video.keyint_s);
    m.video.bframes = std::min(m.video.bframes, p->video.bframes);
    m.video.closed_gop = m.video.closed_gop || p->video.closed_gop;
    m.audio.bitrate_bps = std::max(m.audio.bitrate_bps, p->audio.bitrate_bps);
  }
  return m;
}

ShapeGroups shape_groups(const Campaign& campaign, const PresetCatalog& presets) {
  ShapeGroups out;
  std::vector<std::vector<std::string>> groups;
  std::vector<ShapeKey> keys;
  for (const std::string& platform : campaign.platforms) {
    const Preset& p = presets.get(platform);
    const ShapeKey key = shape_key_of(p);
    const auto it = std::find(keys.begin(), keys.end(), key);
    if (!campaign.one_file_per_shape || it == keys.end()) {
      keys.push_back(key);
      groups.push_back({platform});
    } else {
      groups[static_cast<size_t>(it - keys.begin())].push_back(platform);
    }
  }
  for (const auto& group : groups) {
    std::vector<const Preset*> members;
    for (const std::string& platform : group) members.push_back(&presets.get(platform));
    for (const std::string& platform : group) {
      out.rendered.emplace(platform, merged_preset(presets.get(platform), members));
    }
    if (group.size() > 1) {
      out.groups.push_back(group);
    } else {
      out.alone.push_back(group.front());
    }
  }
  return out;
}

void warn_unshared_platforms(const Campaign& campaign, const PresetCatalog& presets) {
  if (!campaign.one_file_per_shape) return;
  const ShapeGroups shapes = shape_groups(campaign, presets);
  if (shapes.alone.empty()) return;
  spdlog::warn(
      "one_file_per_shape: {} {} no file with another platform of the campaign (another frame size, codec, "
      "x264 preset, sound format, loudness target or caption and logo override); {} encoded on its own",
      join(shapes.alone), shapes.alone.size() == 1 ? "shares" : "share",
      shapes.alone.size() == 1 ? "it is" : "each is");
}

Preset rendered_preset(const Campaign& campaign, const PresetCatalog& presets, const std::string& platform) {
  if (!campaign.one_file_per_shape) return presets.get(platform);
  const ShapeGroups groups = shape_groups(campaign, presets);
  const auto it = groups.rendered.find(platform);
  // A variant's platform is one of the campaign's; any other renders with its own preset.
  return it == groups.rendered.end() ? presets.get(platform) : it->second;
}

}  // namespace shortpack

// The studio's preset try-out: caption size, safe-zone margins, logo size and position changed in
// the page for one platform, applied to the frame through the same code as `render`, and saved as
// a preset override file in the campaign's presets/ folder.
//
// The safe zone is a preset setting: the tried preset is written as preset YAML and loaded back
// through load_preset_file, so a try-out is validated exactly as a preset file is, and "save"
// writes that very text to <campaign dir>/presets/<platform>.yaml (which `render`, `preview` and
// `check` load after the built-in presets, so it replaces the built-in one of that name).
// Caption size and the logo are brand settings that a preset may override for its platform
// (captions.size_px, logo.width_px, logo.position): tried values are turned into pixels of the
// preset's frame and go into the same preset text, so the tried frame is the saved one's.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "pipeline/spec/campaign.h"
#include "pipeline/spec/preset.h"

namespace shortpack::studio {

struct TryOut {
  std::optional<int> top_px, bottom_px, left_px, right_px;  // the preset's safe_zone
  std::optional<double> caption_size_rel;                   // -> the preset's captions.size_px
  std::optional<double> logo_width_rel;                     // -> the preset's logo.width_px
  std::optional<LogoPosition> logo_position;                // -> the preset's logo.position

  [[nodiscard]] bool changes_preset() const {
    return top_px || bottom_px || left_px || right_px || caption_size_rel || logo_width_rel || logo_position;
  }
  // A canonical text of the values set (for caching).
  [[nodiscard]] std::string key() const;
};

// Reads the query parameters top_px, bottom_px, left_px, right_px (whole numbers 0..8192),
// caption_size (0.01..0.2), logo_width (0.02..0.5) and logo_position (top-left, top-right,
// bottom-left, bottom-right); absent or empty ones are left unset. Throws Error(kInput) with one
// sentence naming the parameter and what it accepts.
TryOut parse_tryout(const std::multimap<std::string, std::string>& params);

// `base` with the try-out's safe zone, caption size (rounded to pixels of the frame height) and
// logo width (pixels of the frame width) and position, as preset YAML (a comment line first).
std::string tried_preset_yaml(const Preset& base, const TryOut& tryout);

// The catalog of `folders` with `yaml` as the preset `platform`, loaded from a file in
// `scratch_dir` (emptied first) through PresetCatalog::load. Throws Error(kInput) naming the
// try-out when the preset does not validate.
PresetCatalog tried_catalog(const std::vector<std::filesystem::path>& folders, const std::string& platform,
                            const std::string& yaml, const std::filesystem::path& scratch_dir);

// Writes `yaml` to <presets_dir>/<platform>.yaml through a temporary file in the same folder and a
// rename (a reader sees the old file or the new one, never a part). Creates the folder. Refuses
// (Error(kInput)) a presets folder or target that is a symlink. Returns the path written.
std::filesystem::path save_preset_override(const std::filesystem::path& presets_dir,
                                           const std::string& platform, const std::string& yaml);

}  // namespace shortpack::studio

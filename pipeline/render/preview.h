// Producer previews: one exact still of an output (optionally with the platform's guides), and a
// labelled contact sheet of every platform x language of a clip at one time.
#pragma once

#include <filesystem>
#include <string>

#include "pipeline/render/render.h"

namespace shortpack {

// Draws the preset's safe zone (a green outline) and shades the margins the platform's own
// interface covers (top bar, bottom caption/controls area, side button column) on a yuv420p frame.
void draw_guides(AVFrame& frame, const SafeZone& safe);

// Every platform x language of `clip` at `at_s`, rows = platforms, columns = languages, each tile
// `tile_height_px` high and labelled "platform · language". A label never reaches past its tile:
// where the tile is too narrow it is drawn smaller (28 px down to 18 px), then with the platform
// name cut short by an ellipsis. `variant` as for render_still. Returns the sheet (yuv420p).
FramePtr contact_sheet(const Campaign& campaign, const PresetCatalog& presets, const std::string& clip,
                       double at_s, int tile_height_px = 480, bool guides = false,
                       const std::string& variant = {});

}  // namespace shortpack

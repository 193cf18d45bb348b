// Colour emoji glyphs for the caption burner: a colour font (CBDT/sbix bitmaps, e.g. Noto Color
// Emoji) opened with FreeType, clusters shaped with HarfBuzz (ZWJ sequences, flags, keycaps and
// skin tones become one glyph), the glyph's BGRA bitmap scaled with an area filter.
//
// Thread safety: none; one object per caption burner (it caches faces and bitmaps).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace shortpack {

class ColourEmoji {
 public:
  // Opens the font file. Throws Error(kInput) when FreeType cannot open it.
  explicit ColourEmoji(const std::string& font_file);
  ~ColourEmoji();
  ColourEmoji(const ColourEmoji&) = delete;
  ColourEmoji& operator=(const ColourEmoji&) = delete;

  // Premultiplied B, G, R, A rows (stride 4 * w), the glyph scaled to fit a size_px square with
  // its aspect kept. w == 0 when the font draws nothing for the cluster.
  struct Bitmap {
    int w = 0, h = 0;
    std::vector<uint8_t> bgra;
  };
  // Cached per (cluster, size).
  const Bitmap& render(const std::string& cluster_utf8, int size_px);
  // How many colour glyphs the font shapes the cluster to: 1 when it has the cluster (a ZWJ
  // sequence with its ligature), more for a sequence it has no ligature for (render() draws
  // only the first), 0 for none.
  int drawn_glyph_count(const std::string& cluster_utf8);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace shortpack

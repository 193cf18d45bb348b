#include "filters/colour_emoji.h"

#include <ft2build.h>
#include FT_FREETYPE_H
#include <hb-ft.h>
#include <hb.h>

#include <algorithm>
#include <cmath>

#include "filters/core/error.h"

namespace shortpack {

namespace {

struct FtLibraryDeleter {
  void operator()(FT_Library p) const noexcept { FT_Done_FreeType(p); }
};
struct FtFaceDeleter {
  void operator()(FT_Face p) const noexcept { FT_Done_Face(p); }
};
struct HbFontDeleter {
  void operator()(hb_font_t* p) const noexcept { hb_font_destroy(p); }
};
struct HbBufferDeleter {
  void operator()(hb_buffer_t* p) const noexcept { hb_buffer_destroy(p); }
};
using FtLibraryPtr = std::unique_ptr<std::remove_pointer_t<FT_Library>, FtLibraryDeleter>;
using FtFacePtr = std::unique_ptr<std::remove_pointer_t<FT_Face>, FtFaceDeleter>;
using HbFontPtr = std::unique_ptr<hb_font_t, HbFontDeleter>;
using HbBufferPtr = std::unique_ptr<hb_buffer_t, HbBufferDeleter>;

// Area (box) filter: each destination pixel is the mean of the source pixels its footprint
// covers, partly covered ones weighted by the covered fraction. Right for the downscaling
// emoji mostly need (a 136 px strike to caption size); upscaling gives soft nearest pixels.
std::vector<uint8_t> scale_area(const uint8_t* src, int src_pitch, int sw, int sh, int dw, int dh) {
  std::vector<uint8_t> out(static_cast<size_t>(dw) * dh * 4);
  const double fx = static_cast<double>(sw) / dw, fy = static_cast<double>(sh) / dh;
  for (int dy = 0; dy < dh; ++dy) {
    const double y0 = dy * fy, y1 = (dy + 1) * fy;
    for (int dx = 0; dx < dw; ++dx) {
      const double x0 = dx * fx, x1 = (dx + 1) * fx;
      double acc[4] = {0, 0, 0, 0}, weight = 0;
      for (int sy = static_cast<int>(y0); sy < std::min(sh, static_cast<int>(std::ceil(y1))); ++sy) {
        const double wy = std::min<double>(y1, sy + 1) - std::max<double>(y0, sy);
        for (int sx = static_cast<int>(x0); sx < std::min(sw, static_cast<int>(std::ceil(x1))); ++sx) {
          const double w = wy * (std::min<double>(x1, sx + 1) - std::max<double>(x0, sx));
          const uint8_t* p = src + static_cast<ptrdiff_t>(sy) * src_pitch + 4 * sx;
          for (int c = 0; c < 4; ++c) acc[c] += w * p[c];
          weight += w;
        }
      }
      uint8_t* d = out.data() + (static_cast<size_t>(dy) * dw + dx) * 4;
      for (int c = 0; c < 4; ++c) d[c] = static_cast<uint8_t>(std::lround(weight > 0 ? acc[c] / weight : 0));
    }
  }
  return out;
}

}  // namespace

struct ColourEmoji::Impl {
  FtLibraryPtr library;  // destroyed last
  FtFacePtr face;
  HbFontPtr font;
  std::map<std::pair<std::string, int>, Bitmap> cache;

  // The glyphs HarfBuzz gives the cluster (0: none in the font): one for a sequence the font
  // has a ligature for, several otherwise.
  std::vector<unsigned> glyphs_of(const std::string& cluster) const {
    HbBufferPtr buffer(hb_buffer_create());
    hb_buffer_add_utf8(buffer.get(), cluster.data(), static_cast<int>(cluster.size()), 0, -1);
    hb_buffer_guess_segment_properties(buffer.get());
    hb_shape(font.get(), buffer.get(), nullptr, 0);
    unsigned count = 0;
    const hb_glyph_info_t* info = hb_buffer_get_glyph_infos(buffer.get(), &count);
    std::vector<unsigned> out;
    for (unsigned i = 0; i < count; ++i) out.push_back(info[i].codepoint);
    return out;
  }
  // The first glyph of the cluster (a sequence without a ligature: its first pictograph is drawn;
  // the pre-flight refuses those, see drawn_glyph_count).
  unsigned glyph_of(const std::string& cluster) const {
    for (unsigned g : glyphs_of(cluster)) {
      if (g != 0) return g;
    }
    return 0;
  }
  // A glyph with a colour bitmap (a joiner or variation selector shapes to one without).
  bool has_colour_bitmap(unsigned glyph) const {
    if (glyph == 0 || FT_Load_Glyph(face.get(), glyph, FT_LOAD_COLOR) != 0) return false;
    const FT_Bitmap& bm = face->glyph->bitmap;
    return bm.pixel_mode == FT_PIXEL_MODE_BGRA && bm.width > 0 && bm.rows > 0;
  }

  Bitmap make(const std::string& cluster, int size_px) const {
    Bitmap out;
    const unsigned glyph = glyph_of(cluster);
    if (glyph == 0 || FT_Load_Glyph(face.get(), glyph, FT_LOAD_COLOR) != 0) return out;
    const FT_Bitmap& bm = face->glyph->bitmap;
    if (bm.pixel_mode != FT_PIXEL_MODE_BGRA || bm.width == 0 || bm.rows == 0) return out;
    const double scale = static_cast<double>(size_px) / std::max(bm.width, bm.rows);
    out.w = std::max(1, static_cast<int>(std::lround(bm.width * scale)));
    out.h = std::max(1, static_cast<int>(std::lround(bm.rows * scale)));
    out.bgra =
        scale_area(bm.buffer, bm.pitch, static_cast<int>(bm.width), static_cast<int>(bm.rows), out.w, out.h);
    return out;
  }
};

ColourEmoji::ColourEmoji(const std::string& font_file) : impl_(std::make_unique<Impl>()) {
  FT_Library library = nullptr;
  if (FT_Init_FreeType(&library) != 0) throw Error(ErrorKind::kInternal, "FreeType could not start");
  impl_->library.reset(library);
  FT_Face face = nullptr;
  if (FT_New_Face(library, font_file.c_str(), 0, &face) != 0) {
    throw Error(ErrorKind::kInput, font_file + ": FreeType cannot open the colour emoji font");
  }
  impl_->face.reset(face);
  // Bitmap fonts (CBDT) have fixed strikes: take the largest, the area filter scales it down.
  if (face->num_fixed_sizes > 0) {
    int best = 0;
    for (int i = 1; i < face->num_fixed_sizes; ++i) {
      if (face->available_sizes[i].height > face->available_sizes[best].height) best = i;
    }
    FT_Select_Size(face, best);
  } else {
    FT_Set_Pixel_Sizes(face, 0, 128);
  }
  impl_->font.reset(hb_ft_font_create_referenced(face));
}

ColourEmoji::~ColourEmoji() = default;

int ColourEmoji::drawn_glyph_count(const std::string& cluster_utf8) {
  int n = 0;
  for (unsigned g : impl_->glyphs_of(cluster_utf8)) n += impl_->has_colour_bitmap(g) ? 1 : 0;
  return n;
}

const ColourEmoji::Bitmap& ColourEmoji::render(const std::string& cluster_utf8, int size_px) {
  const auto key = std::make_pair(cluster_utf8, size_px);
  auto it = impl_->cache.find(key);
  if (it == impl_->cache.end()) it = impl_->cache.emplace(key, impl_->make(cluster_utf8, size_px)).first;
  return it->second;
}

}  // namespace shortpack

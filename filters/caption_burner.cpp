#include "filters/caption_burner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <iterator>

extern "C" {
#include <ass/ass.h>
}
#include <fontconfig/fontconfig.h>

#include <map>
#include <sstream>

#include "filters/colour_emoji.h"
#include "filters/core/error.h"

namespace shortpack {

namespace {

struct LibraryDeleter {
  void operator()(ASS_Library* p) const noexcept { ass_library_done(p); }
};
struct RendererDeleter {
  void operator()(ASS_Renderer* p) const noexcept { ass_renderer_done(p); }
};
struct TrackDeleter {
  void operator()(ASS_Track* p) const noexcept { ass_free_track(p); }
};
using LibraryPtr = std::unique_ptr<ASS_Library, LibraryDeleter>;
using RendererPtr = std::unique_ptr<ASS_Renderer, RendererDeleter>;
using TrackPtr = std::unique_ptr<ASS_Track, TrackDeleter>;

// libass's cache limits per renderer (ass_set_cache_limits): glyph outlines, and bitmaps in MB.
constexpr int kGlyphCacheEntries = 2000;
constexpr int kBitmapCacheMb = 64;

void ass_message(int level, const char* fmt, va_list args, void* /*data*/) {
  std::array<char, 1024> line{};
  std::vsnprintf(line.data(), line.size(), fmt, args);
  // libass levels: 0 fatal .. 7 debug. Problems a user must act on surface as our own Errors
  // (font coverage, script building), so libass's own words stay at debug.
  if (level <= 5) {
    spdlog::debug("libass: {}", line.data());
  } else {
    spdlog::trace("libass: {}", line.data());
  }
}

// Limited range Y'CbCr from 8-bit R'G'B', with BT.709 (kr 0.2126, kb 0.0722) or BT.601
// (kr 0.299, kb 0.114) coefficients.
struct Yuv {
  uint8_t y, u, v;
};

uint8_t clamp_byte(double v) { return static_cast<uint8_t>(std::clamp(v + 0.5, 0.0, 255.0)); }

Yuv rgb_to_yuv(uint8_t r, uint8_t g, uint8_t b, bool bt601) {
  const double kr = bt601 ? 0.299 : 0.2126, kb = bt601 ? 0.114 : 0.0722, kg = 1.0 - kr - kb;
  const double luma = kr * r + kg * g + kb * b;  // 0..255
  return {clamp_byte(16.0 + luma * 219.0 / 255.0),
          clamp_byte(128.0 + (b - luma) / (2.0 * (1.0 - kb)) * 224.0 / 255.0),
          clamp_byte(128.0 + (r - luma) / (2.0 * (1.0 - kr)) * 224.0 / 255.0)};
}

inline uint8_t mix(uint8_t dst, uint8_t src, unsigned alpha) {
  return static_cast<uint8_t>((dst * (255u - alpha) + src * alpha + 127u) / 255u);
}

// One libass image ready to blend: its coverage multiplied by the colour's opacity, for luma
// and (averaged per 2x2 block) for chroma.
struct Layer {
  int x = 0, y = 0, w = 0, h = 0;      // luma rectangle
  int cx = 0, cy = 0, cw = 0, ch = 0;  // chroma rectangle
  Yuv colour{};
  std::vector<uint8_t> alpha;         // w * h
  std::vector<uint8_t> chroma_alpha;  // cw * ch
  // A colour emoji: per pixel premultiplied Y'CbCr (w * h; chroma cw * ch, block means) instead
  // of one colour: a pixel becomes dst * (255 - alpha) / 255 + premultiplied.
  bool premultiplied = false;
  std::vector<uint8_t> py, pu, pv;
};

struct FcPatternDeleter {
  void operator()(FcPattern* p) const noexcept { FcPatternDestroy(p); }
};
using FcPatternPtr = std::unique_ptr<FcPattern, FcPatternDeleter>;

}  // namespace

std::string emoji_font_file() {
  FcPatternPtr pattern(FcPatternCreate());
  FcPatternAddString(pattern.get(), FC_FAMILY, reinterpret_cast<const FcChar8*>(kEmojiFamily));
  FcConfigSubstitute(nullptr, pattern.get(), FcMatchPattern);
  FcDefaultSubstitute(pattern.get());
  FcResult result = FcResultNoMatch;
  FcPatternPtr match(FcFontMatch(nullptr, pattern.get(), &result));
  FcChar8* family = nullptr;
  FcChar8* file = nullptr;
  if (!match || FcPatternGetString(match.get(), FC_FAMILY, 0, &family) != FcResultMatch ||
      std::string(reinterpret_cast<const char*>(family)) != kEmojiFamily ||
      FcPatternGetString(match.get(), FC_FILE, 0, &file) != FcResultMatch) {
    return {};
  }
  return reinterpret_cast<const char*>(file);
}

namespace {

// The "; shortpack-emoji 01GGBB <cluster>" lines of a script: key colour (0x01GGBB) -> cluster.
std::map<uint32_t, std::string> emoji_keys_of(const std::string& script) {
  std::map<uint32_t, std::string> keys;
  const std::string_view prefix = kEmojiTableLine;
  for (size_t at = script.find(prefix); at != std::string::npos; at = script.find(prefix, at + 1)) {
    if (at != 0 && script[at - 1] != '\n') continue;
    const size_t eol = std::min(script.find('\n', at), script.size());
    const std::string line = script.substr(at + prefix.size(), eol - at - prefix.size());
    const size_t space = line.find(' ');
    if (space != 6 || space + 1 >= line.size()) continue;
    keys[static_cast<uint32_t>(std::stoul(line.substr(0, 6), nullptr, 16))] = line.substr(space + 1);
  }
  return keys;
}

}  // namespace

struct CaptionBurner::Impl {
  FontSetup fonts;
  LibraryPtr library;  // destroyed last: the renderer and the track belong to it
  RendererPtr renderer;
  TrackPtr track;
  int width_px = 0;
  int height_px = 0;
  std::vector<Layer> layers;  // capacity kept across frames: no per-frame allocation when unchanged
  size_t layer_count = 0;
  Box box;
  bool prepared = false;         // layers match the renderer's last images
  int64_t prepared_time_ms = 0;  // the time they were rendered for
  // The script's colours were chosen for BT.601 video (VSFilter's rule for "YCbCr Matrix: TV.601"
  // and for scripts without the header); our frames are BT.709, so convert them with BT.601
  // coefficients to show what the author saw. "None" and TV.709 convert with BT.709.
  bool bt601_colours = false;
  std::map<uint32_t, std::string> emoji_keys;  // placeholder key colour -> emoji cluster
  std::unique_ptr<ColourEmoji> emoji;          // opened when a script first has emoji
  bool emoji_missing = false;                  // no colour emoji font installed

  void load_track(const std::string& script) {
    emoji_keys = emoji_keys_of(script);
    if (!emoji_keys.empty() && !emoji && !emoji_missing) {
      const std::string file = emoji_font_file();
      emoji_missing = file.empty();
      if (!emoji_missing) emoji = std::make_unique<ColourEmoji>(file);
    }
    std::string buffer = script;  // ass_read_memory wants a mutable buffer; it copies what it keeps
    TrackPtr t(ass_read_memory(library.get(), buffer.data(), buffer.size(), nullptr));
    if (!t) throw Error(ErrorKind::kInternal, "libass could not read the caption script");
    // Unicode line breaking where libass has it (libunibreak); spaces only otherwise.
    switch (t->YCbCrMatrix) {
      case YCBCR_DEFAULT:
      case YCBCR_BT601_TV:
      case YCBCR_BT601_PC:
      case YCBCR_FCC_TV:
      case YCBCR_FCC_PC:
        bt601_colours = true;
        break;
      default:
        bt601_colours = false;
        break;
    }
    ass_track_set_feature(t.get(), ASS_FEATURE_WRAP_UNICODE, 1);
    track = std::move(t);
    prepared = false;
  }

  // Turns the renderer's images into layers and the drawn box. Only pixels with coverage count.
  void prepare(const ASS_Image* images) {
    layer_count = 0;
    int x0 = width_px, y0 = height_px, x1 = 0, y1 = 0;
    for (const ASS_Image* img = images; img != nullptr; img = img->next) {
      const unsigned opacity = 255u - (img->color & 0xFFu);
      if (img->w <= 0 || img->h <= 0 || opacity == 0) continue;
      if (const auto key = emoji_keys.find(img->color >> 8); key != emoji_keys.end()) {
        if (add_emoji(*img, key->second)) {
          const Layer& e = layers[layer_count - 1];
          x0 = std::min(x0, e.x);
          y0 = std::min(y0, e.y);
          x1 = std::max(x1, e.x + e.w);
          y1 = std::max(y1, e.y + e.h);
        }
        continue;
      }
      // libass places images inside the frame; clip anyway so a bad script can never write outside.
      const int lx0 = std::max(img->dst_x, 0), ly0 = std::max(img->dst_y, 0);
      const int lx1 = std::min(img->dst_x + img->w, width_px), ly1 = std::min(img->dst_y + img->h, height_px);
      if (lx1 <= lx0 || ly1 <= ly0) continue;
      if (layer_count == layers.size()) layers.emplace_back();
      Layer& layer = layers[layer_count++];
      layer.premultiplied = false;
      layer.x = lx0;
      layer.y = ly0;
      layer.w = lx1 - lx0;
      layer.h = ly1 - ly0;
      layer.colour =
          rgb_to_yuv(static_cast<uint8_t>(img->color >> 24), static_cast<uint8_t>(img->color >> 16),
                     static_cast<uint8_t>(img->color >> 8), bt601_colours);
      layer.alpha.resize(static_cast<size_t>(layer.w) * layer.h);
      bool any = false;
      for (int row = 0; row < layer.h; ++row) {
        const uint8_t* src =
            img->bitmap + static_cast<ptrdiff_t>(row + ly0 - img->dst_y) * img->stride + (lx0 - img->dst_x);
        uint8_t* dst = layer.alpha.data() + static_cast<size_t>(row) * layer.w;
        bool row_any = false;
        int first = -1, last = -1;
        for (int col = 0; col < layer.w; ++col) {
          const unsigned a = (src[col] * opacity + 127u) / 255u;
          dst[col] = static_cast<uint8_t>(a);
          if (a != 0) {
            if (first < 0) first = col;
            last = col;
            row_any = true;
          }
        }
        if (row_any) {
          any = true;
          x0 = std::min(x0, lx0 + first);
          x1 = std::max(x1, lx0 + last + 1);
          y0 = std::min(y0, ly0 + row);
          y1 = std::max(y1, ly0 + row + 1);
        }
      }
      if (!any) {
        --layer_count;
        continue;
      }
      set_chroma_alpha(layer);
    }
    box = x1 > x0 && y1 > y0 ? Box{x0, y0, x1 - x0, y1 - y0} : Box{};
    prepared = true;
  }

  // Chroma: the mean coverage of the luma pixels of each 2x2 block inside the frame.
  void set_chroma_alpha(Layer& layer) const {
    layer.cx = layer.x / 2;
    layer.cy = layer.y / 2;
    layer.cw = (layer.x + layer.w - 1) / 2 - layer.cx + 1;
    layer.ch = (layer.y + layer.h - 1) / 2 - layer.cy + 1;
    layer.chroma_alpha.resize(static_cast<size_t>(layer.cw) * layer.ch);
    for (int crow = 0; crow < layer.ch; ++crow) {
      for (int ccol = 0; ccol < layer.cw; ++ccol) {
        unsigned sum = 0, count = 0;
        for (int dy = 0; dy < 2; ++dy) {
          const int ly = 2 * (layer.cy + crow) + dy;
          if (ly >= height_px) continue;
          for (int dx = 0; dx < 2; ++dx) {
            const int lx = 2 * (layer.cx + ccol) + dx;
            if (lx >= width_px) continue;
            ++count;
            if (lx >= layer.x && lx < layer.x + layer.w && ly >= layer.y && ly < layer.y + layer.h) {
              sum += layer.alpha[static_cast<size_t>(ly - layer.y) * layer.w + (lx - layer.x)];
            }
          }
        }
        layer.chroma_alpha[static_cast<size_t>(crow) * layer.cw + ccol] =
            static_cast<uint8_t>(count ? (sum + count / 2) / count : 0);
      }
    }
  }

  // The placeholder image's ink (coverage of at least half) as a box.
  static Box placeholder_ink(const ASS_Image& img) {
    int x0 = img.w, y0 = img.h, x1 = -1, y1 = -1;
    for (int y = 0; y < img.h; ++y) {
      for (int x = 0; x < img.w; ++x) {
        if (img.bitmap[static_cast<ptrdiff_t>(y) * img.stride + x] < 128) continue;
        x0 = std::min(x0, x);
        y0 = std::min(y0, y);
        x1 = std::max(x1, x);
        y1 = std::max(y1, y);
      }
    }
    if (x1 < x0) return {};
    return {img.dst_x + x0, img.dst_y + y0, x1 - x0 + 1, y1 - y0 + 1};
  }

  // A layer with the cluster's colour glyph in a square centred on the placeholder's ink, as
  // large as the ink's longer side. False when nothing is drawn (no font, no glyph, off frame).
  bool add_emoji(const ASS_Image& img, const std::string& cluster) {
    const Box ink = placeholder_ink(img);
    if (!emoji || ink.w == 0) return false;
    const ColourEmoji::Bitmap& bm = emoji->render(cluster, std::max(ink.w, ink.h));
    if (bm.w == 0) return false;
    const int bx = ink.x + (ink.w - bm.w) / 2, by = ink.y + (ink.h - bm.h) / 2;
    const int lx0 = std::max(bx, 0), ly0 = std::max(by, 0);
    const int lx1 = std::min(bx + bm.w, width_px), ly1 = std::min(by + bm.h, height_px);
    if (lx1 <= lx0 || ly1 <= ly0) return false;
    if (layer_count == layers.size()) layers.emplace_back();
    Layer& layer = layers[layer_count++];
    layer = Layer{};
    layer.premultiplied = true;
    layer.x = lx0;
    layer.y = ly0;
    layer.w = lx1 - lx0;
    layer.h = ly1 - ly0;
    const size_t n = static_cast<size_t>(layer.w) * layer.h;
    layer.alpha.resize(n);
    layer.py.resize(n);
    std::vector<uint8_t> u(n), v(n);
    for (int row = 0; row < layer.h; ++row) {
      for (int col = 0; col < layer.w; ++col) {
        const uint8_t* p =
            bm.bgra.data() + (static_cast<size_t>(row + ly0 - by) * bm.w + (col + lx0 - bx)) * 4;
        const size_t i = static_cast<size_t>(row) * layer.w + col;
        // Premultiplied colour: the conversion is linear, so its offsets scale with alpha.
        const Yuv full = rgb_to_yuv(p[2], p[1], p[0], bt601_colours);
        const double a = p[3] / 255.0;
        layer.alpha[i] = p[3];
        layer.py[i] = clamp_byte(full.y - 16.0 * (1.0 - a));
        u[i] = clamp_byte(full.u - 128.0 * (1.0 - a));
        v[i] = clamp_byte(full.v - 128.0 * (1.0 - a));
      }
    }
    set_chroma_alpha(layer);
    layer.pu.assign(static_cast<size_t>(layer.cw) * layer.ch, 0);
    layer.pv.assign(layer.pu.size(), 0);
    for (int crow = 0; crow < layer.ch; ++crow) {
      for (int ccol = 0; ccol < layer.cw; ++ccol) {
        unsigned su = 0, sv = 0, count = 0;
        for (int dy = 0; dy < 2; ++dy) {
          for (int dx = 0; dx < 2; ++dx) {
            const int lx = 2 * (layer.cx + ccol) + dx, ly = 2 * (layer.cy + crow) + dy;
            if (lx >= width_px || ly >= height_px) continue;
            ++count;
            if (lx < layer.x || lx >= layer.x + layer.w || ly < layer.y || ly >= layer.y + layer.h) continue;
            const size_t i = static_cast<size_t>(ly - layer.y) * layer.w + (lx - layer.x);
            su += u[i];
            sv += v[i];
          }
        }
        const size_t c = static_cast<size_t>(crow) * layer.cw + ccol;
        layer.pu[c] = static_cast<uint8_t>(count ? (su + count / 2) / count : 0);
        layer.pv[c] = static_cast<uint8_t>(count ? (sv + count / 2) / count : 0);
      }
    }
    return true;
  }

  // The box prepare() would find, from the coverage alone (no layers): a pixel counts when its
  // blended alpha, (coverage * opacity + 127) / 255, is not zero.
  Box ink_box(const ASS_Image* images) const {
    int x0 = width_px, y0 = height_px, x1 = 0, y1 = 0;
    for (const ASS_Image* img = images; img != nullptr; img = img->next) {
      const unsigned opacity = 255u - (img->color & 0xFFu);
      if (img->w <= 0 || img->h <= 0 || opacity == 0) continue;
      const int lx0 = std::max(img->dst_x, 0), ly0 = std::max(img->dst_y, 0);
      const int lx1 = std::min(img->dst_x + img->w, width_px), ly1 = std::min(img->dst_y + img->h, height_px);
      for (int y = ly0; y < ly1; ++y) {
        const uint8_t* row = img->bitmap + static_cast<ptrdiff_t>(y - img->dst_y) * img->stride;
        const auto inked = [&](int x) { return row[x - img->dst_x] * opacity >= 128u; };
        int first = lx0;
        while (first < lx1 && !inked(first)) ++first;
        if (first == lx1) continue;
        int last = lx1 - 1;
        while (last > first && !inked(last)) --last;
        x0 = std::min(x0, first);
        x1 = std::max(x1, last + 1);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y + 1);
      }
    }
    return x1 > x0 && y1 > y0 ? Box{x0, y0, x1 - x0, y1 - y0} : Box{};
  }

  const ASS_Image* render(int64_t time_ms, int& changed) {
    if (width_px <= 0) throw Error(ErrorKind::kInternal, "CaptionBurner used before configure()");
    changed = 0;
    return ass_render_frame(renderer.get(), track.get(), static_cast<long long>(time_ms), &changed);
  }

  // Layers for time_ms. The same time as the layers already prepared (measure() then process())
  // needs no render at all; otherwise libass renders, and when it reports the very same images as
  // last time the layers still hold. The frame is a new buffer each time, so it is always blended.
  void prepare_at(int64_t time_ms) {
    if (prepared && prepared_time_ms == time_ms) return;
    int changed = 0;
    const ASS_Image* images = render(time_ms, changed);
    if (changed != 0 || !prepared) prepare(images);
    prepared_time_ms = time_ms;
  }

  static void blend_premultiplied(AVFrame& frame, const Layer& layer) {
    const auto over = [](uint8_t dst, uint8_t src, unsigned alpha) {
      return static_cast<uint8_t>(std::min(255u, (dst * (255u - alpha) + 127u) / 255u + src));
    };
    for (int row = 0; row < layer.h; ++row) {
      uint8_t* dst = frame.data[0] + static_cast<ptrdiff_t>(layer.y + row) * frame.linesize[0] + layer.x;
      const size_t at = static_cast<size_t>(row) * layer.w;
      for (int col = 0; col < layer.w; ++col)
        dst[col] = over(dst[col], layer.py[at + col], layer.alpha[at + col]);
    }
    for (int row = 0; row < layer.ch; ++row) {
      uint8_t* u = frame.data[1] + static_cast<ptrdiff_t>(layer.cy + row) * frame.linesize[1] + layer.cx;
      uint8_t* v = frame.data[2] + static_cast<ptrdiff_t>(layer.cy + row) * frame.linesize[2] + layer.cx;
      const size_t at = static_cast<size_t>(row) * layer.cw;
      for (int col = 0; col < layer.cw; ++col) {
        u[col] = over(u[col], layer.pu[at + col], layer.chroma_alpha[at + col]);
        v[col] = over(v[col], layer.pv[at + col], layer.chroma_alpha[at + col]);
      }
    }
  }

  void blend(AVFrame& frame) const {
    for (size_t i = 0; i < layer_count; ++i) {
      const Layer& layer = layers[i];
      if (layer.premultiplied) {
        blend_premultiplied(frame, layer);
        continue;
      }
      for (int row = 0; row < layer.h; ++row) {
        uint8_t* dst = frame.data[0] + static_cast<ptrdiff_t>(layer.y + row) * frame.linesize[0] + layer.x;
        const uint8_t* a = layer.alpha.data() + static_cast<size_t>(row) * layer.w;
        for (int col = 0; col < layer.w; ++col) {
          if (a[col] != 0) dst[col] = mix(dst[col], layer.colour.y, a[col]);
        }
      }
      for (int row = 0; row < layer.ch; ++row) {
        uint8_t* u = frame.data[1] + static_cast<ptrdiff_t>(layer.cy + row) * frame.linesize[1] + layer.cx;
        uint8_t* v = frame.data[2] + static_cast<ptrdiff_t>(layer.cy + row) * frame.linesize[2] + layer.cx;
        const uint8_t* a = layer.chroma_alpha.data() + static_cast<size_t>(row) * layer.cw;
        for (int col = 0; col < layer.cw; ++col) {
          if (a[col] == 0) continue;
          u[col] = mix(u[col], layer.colour.u, a[col]);
          v[col] = mix(v[col], layer.colour.v, a[col]);
        }
      }
    }
  }
};

CaptionBurner::CaptionBurner(std::string ass_script, FontSetup fonts) : impl_(std::make_unique<Impl>()) {
  impl_->fonts = std::move(fonts);
  impl_->library.reset(ass_library_init());
  if (!impl_->library) throw Error(ErrorKind::kInternal, "libass could not start (ass_library_init)");
  ass_set_message_cb(impl_->library.get(), ass_message, nullptr);
  ass_set_extract_fonts(impl_->library.get(), 1);  // fonts embedded in an ASS file's [Fonts]
  for (const std::string& file : impl_->fonts.font_files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(ErrorKind::kInput, file + ": cannot read the font file");
    const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (data.empty()) throw Error(ErrorKind::kInput, file + ": the font file is empty");
    ass_add_font(impl_->library.get(), file.c_str(), data.data(), static_cast<int>(data.size()));
  }
  impl_->renderer.reset(ass_renderer_init(impl_->library.get()));
  if (!impl_->renderer) throw Error(ErrorKind::kInternal, "libass could not start a renderer");
  ass_set_shaper(impl_->renderer.get(), ASS_SHAPING_COMPLEX);
  ass_set_hinting(impl_->renderer.get(), ASS_HINTING_NONE);
  // Bounded caches (libass's own defaults are 10000 glyphs and 128 MB of bitmaps, per renderer):
  // a script that animates huge glyphs fills them with bitmaps drawn once, and a run has a
  // renderer per caption branch.
  ass_set_cache_limits(impl_->renderer.get(), kGlyphCacheEntries, kBitmapCacheMb);
  ass_set_fonts(impl_->renderer.get(), nullptr, impl_->fonts.default_family.c_str(),
                ASS_FONTPROVIDER_FONTCONFIG, nullptr, 1);
  impl_->load_track(ass_script);
}

CaptionBurner::~CaptionBurner() = default;

VideoFormat CaptionBurner::configure(const VideoFormat& in) {
  if (in.pixel_format != AV_PIX_FMT_YUV420P) {
    throw Error(ErrorKind::kInternal, "the caption burner takes yuv420p frames, got " + in.describe());
  }
  if (in.width_px <= 0 || in.height_px <= 0)
    throw Error(ErrorKind::kInternal, "caption burner: empty frame size");
  impl_->width_px = in.width_px;
  impl_->height_px = in.height_px;
  ass_set_frame_size(impl_->renderer.get(), in.width_px, in.height_px);
  // Storage = frame: no anamorphic correction, glyphs keep their shape whatever the PlayRes.
  ass_set_storage_size(impl_->renderer.get(), in.width_px, in.height_px);
  impl_->prepared = false;
  return in;
}

bool CaptionBurner::process(AVFrame& frame, int64_t time_ms) {
  if (frame.width != impl_->width_px || frame.height != impl_->height_px ||
      frame.format != AV_PIX_FMT_YUV420P) {
    throw Error(ErrorKind::kInternal, "caption burner: the frame is not the configured size and format");
  }
  if (frame.buf[0] != nullptr && av_frame_is_writable(&frame) == 0) {
    throw Error(ErrorKind::kInternal, "caption burner: the frame is shared; draw on a writable copy");
  }
  impl_->prepare_at(time_ms);
  impl_->blend(frame);
  last_box_ = impl_->box;
  return impl_->layer_count > 0;
}

void CaptionBurner::set_script(const std::string& ass_script) { impl_->load_track(ass_script); }

CaptionBurner::Box CaptionBurner::measure(int64_t time_ms) {
  impl_->prepare_at(time_ms);
  return impl_->box;
}

CaptionBurner::Box CaptionBurner::measure_ink(int64_t time_ms) {
  if (impl_->prepared && impl_->prepared_time_ms == time_ms) return impl_->box;
  int changed = 0;
  const ASS_Image* images = impl_->render(time_ms, changed);
  // The layers no longer match what libass rendered last: process() must prepare them again.
  impl_->prepared = false;
  return impl_->ink_box(images);
}

}  // namespace shortpack

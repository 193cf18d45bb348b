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
};

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

  void load_track(const std::string& script) {
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
      // libass places images inside the frame; clip anyway so a bad script can never write outside.
      const int lx0 = std::max(img->dst_x, 0), ly0 = std::max(img->dst_y, 0);
      const int lx1 = std::min(img->dst_x + img->w, width_px), ly1 = std::min(img->dst_y + img->h, height_px);
      if (lx1 <= lx0 || ly1 <= ly0) continue;
      if (layer_count == layers.size()) layers.emplace_back();
      Layer& layer = layers[layer_count++];
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
      // Chroma: the mean coverage of the luma pixels of each 2x2 block inside the frame.
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
    box = x1 > x0 && y1 > y0 ? Box{x0, y0, x1 - x0, y1 - y0} : Box{};
    prepared = true;
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

  void blend(AVFrame& frame) const {
    for (size_t i = 0; i < layer_count; ++i) {
      const Layer& layer = layers[i];
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

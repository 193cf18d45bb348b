#include "filters/colour_convert.h"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "filters/core/error.h"

extern "C" {
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
#include <zimg.h>
}

namespace shortpack {
namespace {

constexpr int kN = ColourConverter::kGrid;
constexpr int kTableStride = 4;  // floats per table point: Y, Cb, Cr and a pad (one SIMD register)
constexpr int kShift = ColourConverter::kGridShift;
constexpr double kSdrWhiteNits = 100.0;         // linear 1.0 (zimg's nominal peak luminance)
constexpr double kDefaultHdrPeakNits = 1000.0;  // HDR10 and HLG content without metadata

// --- zimg, held in RAII types -------------------------------------------------------------------

struct ZimgGraphFree {
  void operator()(zimg_filter_graph* g) const noexcept { zimg_filter_graph_free(g); }
};
using ZimgGraph = std::unique_ptr<zimg_filter_graph, ZimgGraphFree>;
struct AlignedFree {
  void operator()(void* p) const noexcept { std::free(p); }
};
using AlignedBuffer = std::unique_ptr<void, AlignedFree>;

constexpr size_t kZimgAlign = 64;

AlignedBuffer aligned_buffer(size_t bytes) {
  const size_t rounded = (bytes + kZimgAlign - 1) / kZimgAlign * kZimgAlign;
  AlignedBuffer b(std::aligned_alloc(kZimgAlign, std::max<size_t>(rounded, kZimgAlign)));
  if (!b) throw Error(ErrorKind::kInternal, "out of memory building a colour table");
  return b;
}

[[noreturn]] void zimg_failed(const std::string& what) {
  char message[256] = {};
  zimg_get_last_error(message, sizeof message);
  throw Error(ErrorKind::kMedia, "cannot convert " + what + " to BT.709 (" + message + ")");
}

// Three planes of `w` x `h` samples of `sample_bytes` each, aligned as zimg wants them.
struct Planes {
  unsigned w = 0, h = 0;
  size_t stride = 0;  // bytes
  AlignedBuffer planes[3];
  Planes(unsigned width, unsigned height, size_t sample_bytes) : w(width), h(height) {
    stride = (w * sample_bytes + kZimgAlign - 1) / kZimgAlign * kZimgAlign;
    for (auto& p : planes) p = aligned_buffer(stride * h);
  }
  template <typename T>
  T* row(int plane, unsigned y) const {
    return reinterpret_cast<T*>(static_cast<char*>(planes[plane].get()) + stride * y);
  }
};

void run_zimg(const zimg_image_format& from, const Planes& src, const zimg_image_format& to,
              const Planes& dst, const std::string& what) {
  zimg_graph_builder_params params;
  zimg_graph_builder_params_default(&params, ZIMG_API_VERSION);
  params.nominal_peak_luminance = kSdrWhiteNits;
  ZimgGraph graph(zimg_filter_graph_build(&from, &to, &params));
  if (!graph) zimg_failed(what);
  size_t tmp_bytes = 0;
  if (zimg_filter_graph_get_tmp_size(graph.get(), &tmp_bytes) != ZIMG_ERROR_SUCCESS) zimg_failed(what);
  const AlignedBuffer tmp = aligned_buffer(tmp_bytes);
  zimg_image_buffer_const in{};
  zimg_image_buffer out{};
  in.version = ZIMG_API_VERSION;
  out.version = ZIMG_API_VERSION;
  for (int p = 0; p < 3; ++p) {
    in.plane[p].data = src.planes[p].get();
    in.plane[p].stride = static_cast<ptrdiff_t>(src.stride);
    in.plane[p].mask = ZIMG_BUFFER_MAX;
    out.plane[p].data = dst.planes[p].get();
    out.plane[p].stride = static_cast<ptrdiff_t>(dst.stride);
    out.plane[p].mask = ZIMG_BUFFER_MAX;
  }
  if (zimg_filter_graph_process(graph.get(), &in, &out, tmp.get(), nullptr, nullptr, nullptr, nullptr) !=
      ZIMG_ERROR_SUCCESS) {
    zimg_failed(what);
  }
}

zimg_image_format image_format(unsigned w, unsigned h, zimg_pixel_type_e type, unsigned depth) {
  zimg_image_format f;
  zimg_image_format_default(&f, ZIMG_API_VERSION);
  f.width = w;
  f.height = h;
  f.pixel_type = type;
  f.depth = depth;
  return f;
}

zimg_image_format float_format(unsigned w, unsigned h) { return image_format(w, h, ZIMG_PIXEL_FLOAT, 32); }

// --- the light-level chain between the two zimg steps ---------------------------------------------

// SMPTE ST 2084 (PQ): cd/m2 <-> signal 0..1.
constexpr double kM1 = 2610.0 / 16384.0;
constexpr double kM2 = 2523.0 / 4096.0 * 128.0;
constexpr double kC1 = 3424.0 / 4096.0;
constexpr double kC2 = 2413.0 / 4096.0 * 32.0;
constexpr double kC3 = 2392.0 / 4096.0 * 32.0;

double pq_of_nits(double nits) {
  const double y = std::pow(std::clamp(nits / 10000.0, 0.0, 1.0), kM1);
  return std::pow((kC1 + kC2 * y) / (1.0 + kC3 * y), kM2);
}

double nits_of_pq(double e) {
  const double p = std::pow(std::clamp(e, 0.0, 1.0), 1.0 / kM2);
  return 10000.0 * std::pow(std::max(p - kC1, 0.0) / (kC2 - kC3 * p), 1.0 / kM1);
}

// Colours outside BT.709 (a negative channel) move towards their own luma until they fit: hue
// kept, only as much saturation given up as needed. The move is made on gamma-encoded values
// (a 1/2.4 power), where equal steps look equal: in linear light the same move shifts the CIELAB
// hue of BT.2020's green by 6.5 degrees, here by 4.
void pull_into_gamut(float* rgb) {
  const float lowest = std::min({rgb[0], rgb[1], rgb[2]});
  if (lowest >= 0.0f) return;
  float e[3];
  for (int c = 0; c < 3; ++c) e[c] = std::copysign(std::pow(std::fabs(rgb[c]), 1.0f / 2.4f), rgb[c]);
  const float y = 0.2126f * e[0] + 0.7152f * e[1] + 0.0722f * e[2];
  if (y <= 0.0f) {
    rgb[0] = rgb[1] = rgb[2] = 0.0f;
    return;
  }
  const float t = y / (y - std::min({e[0], e[1], e[2]}));
  for (int c = 0; c < 3; ++c) rgb[c] = std::pow(std::max(y + t * (e[c] - y), 0.0f), 2.4f);
}

zimg_image_format source_format(const ColourDescription& c, unsigned w, unsigned h) {
  zimg_image_format f = image_format(w, h, ZIMG_PIXEL_WORD, 16);
  f.color_family = ZIMG_COLOR_YUV;
  f.pixel_range = c.range == AVCOL_RANGE_JPEG ? ZIMG_RANGE_FULL : ZIMG_RANGE_LIMITED;
  // libavutil's colour enums are the ITU-T H.273 code points, as zimg's are.
  f.matrix_coefficients = static_cast<zimg_matrix_coefficients_e>(c.matrix);
  f.transfer_characteristics = static_cast<zimg_transfer_characteristics_e>(c.transfer);
  f.color_primaries = static_cast<zimg_color_primaries_e>(c.primaries);
  return f;
}

// The 16-bit code of table point i.
uint16_t grid_code(int i) { return static_cast<uint16_t>(std::min(65535, i << kShift)); }

// Step 1: the grid's Y'CbCr codes (16-bit, the source's range) to linear BT.709 RGB.
Planes linear_rgb_of_grid(const ColourDescription& in) {
  const unsigned w = kN * kN;
  const unsigned h = kN;
  // Row = Y' point, column = Cb point * kN + Cr point.
  Planes codes(w, h, sizeof(uint16_t));
  for (unsigned y = 0; y < h; ++y) {
    for (unsigned x = 0; x < w; ++x) {
      codes.row<uint16_t>(0, y)[x] = grid_code(static_cast<int>(y));
      codes.row<uint16_t>(1, y)[x] = grid_code(static_cast<int>(x / kN));
      codes.row<uint16_t>(2, y)[x] = grid_code(static_cast<int>(x % kN));
    }
  }
  zimg_image_format to = float_format(w, h);
  to.color_family = ZIMG_COLOR_RGB;
  to.matrix_coefficients = ZIMG_MATRIX_RGB;
  to.transfer_characteristics = ZIMG_TRANSFER_LINEAR;
  to.color_primaries = ZIMG_PRIMARIES_BT709;
  Planes rgb(w, h, sizeof(float));
  run_zimg(source_format(in, w, h), codes, to, rgb, in.describe());
  return rgb;
}

// Steps 2 and 3 on every point: gamut, then the HDR tone curve (or a clip for SDR).
void map_light(const ColourDescription& in, const Planes& rgb) {
  const double peak_nits = in.peak_nits > 0 ? in.peak_nits : kDefaultHdrPeakNits;
  for (unsigned y = 0; y < rgb.h; ++y) {
    float* r = rgb.row<float>(0, y);
    float* g = rgb.row<float>(1, y);
    float* b = rgb.row<float>(2, y);
    for (unsigned x = 0; x < rgb.w; ++x) {
      float px[3] = {r[x], g[x], b[x]};
      pull_into_gamut(px);
      if (in.is_hdr()) {
        const double m = std::max({px[0], px[1], px[2]}) * kSdrWhiteNits;
        if (m > 1e-6) {
          const auto gain = static_cast<float>(bt2390_eetf_nits(m, peak_nits, kSdrWhiteNits) / m);
          for (float& c : px) c *= gain;
        }
      }
      r[x] = std::clamp(px[0], 0.0f, 1.0f);
      g[x] = std::clamp(px[1], 0.0f, 1.0f);
      b[x] = std::clamp(px[2], 0.0f, 1.0f);
    }
  }
}

// Step 4: linear BT.709 RGB to BT.709 Y'CbCr, stored as 8-bit limited-range code values.
std::vector<float> bt709_table_of(const Planes& rgb) {
  zimg_image_format from = float_format(rgb.w, rgb.h);
  from.color_family = ZIMG_COLOR_RGB;
  from.matrix_coefficients = ZIMG_MATRIX_RGB;
  from.transfer_characteristics = ZIMG_TRANSFER_LINEAR;
  from.color_primaries = ZIMG_PRIMARIES_BT709;
  zimg_image_format to = float_format(rgb.w, rgb.h);
  to.color_family = ZIMG_COLOR_YUV;
  to.matrix_coefficients = ZIMG_MATRIX_BT709;
  to.transfer_characteristics = ZIMG_TRANSFER_BT709;
  to.color_primaries = ZIMG_PRIMARIES_BT709;
  Planes yuv(rgb.w, rgb.h, sizeof(float));
  run_zimg(from, rgb, to, yuv, "linear light");
  std::vector<float> table(static_cast<size_t>(kN) * kN * kN * kTableStride, 0.0f);
  for (unsigned y = 0; y < yuv.h; ++y) {
    for (unsigned x = 0; x < yuv.w; ++x) {
      float* t = &table[(static_cast<size_t>(y) * kN * kN + x) * kTableStride];
      t[0] = 16.0f + 219.0f * yuv.row<float>(0, y)[x];
      t[1] = 128.0f + 224.0f * yuv.row<float>(1, y)[x];
      t[2] = 128.0f + 224.0f * yuv.row<float>(2, y)[x];
    }
  }
  return table;
}

}  // namespace

double bt2390_eetf_nits(double nits, double source_peak_nits, double target_peak_nits) {
  if (source_peak_nits <= target_peak_nits) return std::min(nits, target_peak_nits);
  const double source_max = pq_of_nits(source_peak_nits);
  const double e1 = pq_of_nits(nits) / source_max;
  const double max_lum = pq_of_nits(target_peak_nits) / source_max;
  const double knee = 1.5 * max_lum - 0.5;
  double e2 = e1;
  if (e1 >= 1.0) {
    e2 = max_lum;
  } else if (e1 > knee) {
    // BT.2390's Hermite spline from the knee to (1, max_lum).
    const double t = (e1 - knee) / (1.0 - knee);
    const double t2 = t * t;
    const double t3 = t2 * t;
    e2 = (2 * t3 - 3 * t2 + 1) * knee + (t3 - 2 * t2 + t) * (1.0 - knee) + (-2 * t3 + 3 * t2) * max_lum;
  }
  return nits_of_pq(e2 * source_max);
}

ColourConverter::ColourConverter(const ColourDescription& in) : in_(in) {
  const Planes rgb = linear_rgb_of_grid(in);
  map_light(in, rgb);
  table_ = bt709_table_of(rgb);
}

VideoFormat ColourConverter::configure(const VideoFormat& in) const {
  VideoFormat out = in;
  out.pixel_format = AV_PIX_FMT_YUV420P;
  return out;
}

namespace {

// Where a 16-bit code falls on the table's axis: the point below it and how far towards the next.
struct Axis {
  int cell = 0;
  float frac = 0.0f;
};

inline Axis axis_of(uint32_t code16) {
  const int cell = std::min(static_cast<int>(code16 >> kShift), kN - 2);
  return {cell,
          static_cast<float>(code16 - (static_cast<uint32_t>(cell) << kShift)) * (1.0f / (1 << kShift))};
}

// One table point (Y, Cb, Cr and a pad) as one SIMD register: the three channels are interpolated
// together (GCC/Clang vector extension; SSE on x86-64).
using Point = float __attribute__((vector_size(4 * sizeof(float))));
static_assert(kTableStride * sizeof(float) == sizeof(Point));

inline Point point_at(const float* p) {
  Point v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline Point lerp(Point a, Point b, float t) { return a + (b - a) * t; }

// The table bilinearly interpolated over (Cb, Cr) on Y' layer `layer`.
inline Point chroma_plane_value(const float* table, int layer, Axis cb, Axis cr) {
  const float* p00 = table + ((static_cast<size_t>(layer) * kN + cb.cell) * kN + cr.cell) * kTableStride;
  const float* p10 = p00 + static_cast<size_t>(kN) * kTableStride;
  return lerp(lerp(point_at(p00), point_at(p00 + kTableStride), cr.frac),
              lerp(point_at(p10), point_at(p10 + kTableStride), cr.frac), cb.frac);
}

inline Point lookup(const float* table, Axis y, Axis cb, Axis cr) {
  return lerp(chroma_plane_value(table, y.cell, cb, cr), chroma_plane_value(table, y.cell + 1, cb, cr),
              y.frac);
}

inline uint8_t to_byte(float v) { return static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f)); }

// One frame's samples read straight as their place on the table's axes (one lookup per sample):
// the code's 16-bit value in the source's range, whatever its depth, cut into point and fraction.
struct AxisReader {
  const AVFrame* frame = nullptr;
  int shift_w = 0, shift_h = 0;  // chroma subsampling
  std::vector<Axis> axes;        // per code of the input depth

  template <typename T>
  [[nodiscard]] Axis at(int plane, int x, int y) const {
    const auto* row =
        reinterpret_cast<const T*>(frame->data[plane] + static_cast<ptrdiff_t>(y) * frame->linesize[plane]);
    return axes[std::min<size_t>(row[x], axes.size() - 1)];
  }
};

AxisReader reader_for(const AVFrame& in, const AVPixFmtDescriptor& d, bool full_range) {
  AxisReader r;
  r.frame = &in;
  const int depth = d.comp[0].depth;
  r.shift_w = d.log2_chroma_w;
  r.shift_h = d.log2_chroma_h;
  const uint32_t max_code = (1u << depth) - 1;
  r.axes.resize(max_code + 1);
  for (uint32_t v = 0; v <= max_code; ++v) {
    // Limited range scales by a shift (16 << 8 is 16-bit black); full range stretches 0..max.
    const uint32_t code16 = depth == 16  ? v
                            : full_range ? (v * 65535u + max_code / 2) / max_code
                                         : v << (16 - depth);
    r.axes[v] = axis_of(code16);
  }
  return r;
}

// One row of 2x2 blocks. 4:2:0 (the usual case) shares one chroma sample per block: the table is
// interpolated over (Cb, Cr) once per Y' layer the block's four lumas touch (two or three), then
// along Y' per pixel. Other layouts look each pixel up whole.
template <typename T>
void convert_block_row(const float* table, const AxisReader& r, AVFrame& out, int by) {
  const int w = out.width;
  const int h = out.height;
  const int ys[2] = {2 * by, std::min(2 * by + 1, h - 1)};
  uint8_t* luma[2] = {out.data[0] + static_cast<ptrdiff_t>(ys[0]) * out.linesize[0],
                      out.data[0] + static_cast<ptrdiff_t>(ys[1]) * out.linesize[0]};
  uint8_t* cb_out = out.data[1] + static_cast<ptrdiff_t>(by) * out.linesize[1];
  uint8_t* cr_out = out.data[2] + static_cast<ptrdiff_t>(by) * out.linesize[2];
  const bool shared = r.shift_w == 1 && r.shift_h == 1;
  Point layers[kN];
  for (int bx = 0; bx < (w + 1) / 2; ++bx) {
    const int xs[2] = {2 * bx, std::min(2 * bx + 1, w - 1)};
    Point sum = {0.0f, 0.0f, 0.0f, 0.0f};
    if (shared) {
      const Axis cb = r.at<T>(1, bx, by);
      const Axis cr = r.at<T>(2, bx, by);
      Axis ay[4];
      int lo = kN;
      int hi = 0;
      for (int k = 0; k < 4; ++k) {
        ay[k] = r.at<T>(0, xs[k & 1], ys[k >> 1]);
        lo = std::min(lo, ay[k].cell);
        hi = std::max(hi, ay[k].cell + 1);
      }
      for (int layer = lo; layer <= hi; ++layer) layers[layer] = chroma_plane_value(table, layer, cb, cr);
      for (int k = 0; k < 4; ++k) {
        const Point v = lerp(layers[ay[k].cell], layers[ay[k].cell + 1], ay[k].frac);
        luma[k >> 1][xs[k & 1]] = to_byte(v[0]);
        sum += v;
      }
    } else {
      for (int k = 0; k < 4; ++k) {
        const int x = xs[k & 1];
        const int y = ys[k >> 1];
        const Point v = lookup(table, r.at<T>(0, x, y), r.at<T>(1, x >> r.shift_w, y >> r.shift_h),
                               r.at<T>(2, x >> r.shift_w, y >> r.shift_h));
        luma[k >> 1][x] = to_byte(v[0]);
        sum += v;
      }
    }
    cb_out[bx] = to_byte(sum[1] * 0.25f);
    cr_out[bx] = to_byte(sum[2] * 0.25f);
  }
}

bool reads_directly(const AVPixFmtDescriptor* d) {
  if (d == nullptr || d->nb_components != 3) return false;
  constexpr uint64_t kRefused = AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_BE | AV_PIX_FMT_FLAG_PAL |
                                AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_FLOAT;
  if ((d->flags & kRefused) != 0 || (d->flags & AV_PIX_FMT_FLAG_PLANAR) == 0) return false;
  for (int c = 0; c < 3; ++c) {
    if (d->comp[c].plane != c || d->comp[c].shift != 0 || d->comp[c].depth != d->comp[0].depth) return false;
  }
  return d->comp[0].depth >= 8 && d->comp[0].depth <= 16 && d->log2_chroma_w <= 1 && d->log2_chroma_h <= 1;
}

struct SwsFree {
  void operator()(SwsContext* s) const noexcept { sws_freeContext(s); }
};

// Semi-planar and packed Y'CbCr (P010, NV12, YUYV...) as planar 16-bit 4:4:4, range kept.
FramePtr planar_copy(const AVFrame& in, bool full_range) {
  std::unique_ptr<SwsContext, SwsFree> sws(
      sws_getContext(in.width, in.height, static_cast<AVPixelFormat>(in.format), in.width, in.height,
                     AV_PIX_FMT_YUV444P16, SWS_POINT, nullptr, nullptr, nullptr));
  const char* name = av_get_pix_fmt_name(static_cast<AVPixelFormat>(in.format));
  if (!sws) throw Error(ErrorKind::kMedia, std::string("cannot read pixel format ") + (name ? name : "?"));
  const int* coefs = sws_getCoefficients(SWS_CS_DEFAULT);
  const int range = full_range ? 1 : 0;
  sws_setColorspaceDetails(sws.get(), coefs, range, coefs, range, 0, 1 << 16, 1 << 16);
  FramePtr out = alloc_video_frame(in.width, in.height, AV_PIX_FMT_YUV444P16);
  sws_scale(sws.get(), in.data, in.linesize, 0, in.height, out->data, out->linesize);
  return out;
}

}  // namespace

std::array<float, 3> ColourConverter::map(int y16, int cb16, int cr16) const {
  const Point v = lookup(table_.data(), axis_of(static_cast<uint32_t>(y16)),
                         axis_of(static_cast<uint32_t>(cb16)), axis_of(static_cast<uint32_t>(cr16)));
  return {v[0], v[1], v[2]};
}

FramePtr ColourConverter::process(const AVFrame& in) const {
  const bool full_range = in_.range == AVCOL_RANGE_JPEG;
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(in.format));
  FramePtr planar;
  if (!reads_directly(d)) {
    if (d == nullptr || (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_HWACCEL)) != 0) {
      throw Error(ErrorKind::kMedia, "colour conversion takes Y'CbCr pictures");
    }
    planar = planar_copy(in, full_range);
    d = av_pix_fmt_desc_get(AV_PIX_FMT_YUV444P16);
  }
  const AVFrame& src = planar ? *planar : in;
  const AxisReader reader = reader_for(src, *d, full_range);
  FramePtr out = alloc_video_frame(in.width, in.height, AV_PIX_FMT_YUV420P);
  av_frame_copy_props(out.get(), &in);
  const bool wide = d->comp[0].depth > 8;
  const float* table = table_.data();
  tbb::parallel_for(tbb::blocked_range<int>(0, (in.height + 1) / 2, 8),
                    [&](const tbb::blocked_range<int>& rows) {
                      for (int by = rows.begin(); by < rows.end(); ++by) {
                        if (wide) {
                          convert_block_row<uint16_t>(table, reader, *out, by);
                        } else {
                          convert_block_row<uint8_t>(table, reader, *out, by);
                        }
                      }
                    });
  out->color_primaries = AVCOL_PRI_BT709;
  out->color_trc = AVCOL_TRC_BT709;
  out->colorspace = AVCOL_SPC_BT709;
  out->color_range = AVCOL_RANGE_MPEG;
  return out;
}

}  // namespace shortpack

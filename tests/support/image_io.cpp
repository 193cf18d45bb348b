#include "support/image_io.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libswscale/swscale.h>
}

#include "pipeline/media/av_ptr.h"

namespace shortpack::test {

namespace {

std::string av_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

void check(int ret, const std::string& what) {
  if (ret < 0) throw std::runtime_error(what + ": " + av_text(ret));
}

}  // namespace

FramePtr to_rgb24(const AVFrame& frame) {
  FramePtr out = alloc_video_frame(frame.width, frame.height, AV_PIX_FMT_RGB24);
  if (frame.format == AV_PIX_FMT_RGB24) {
    check(av_frame_copy(out.get(), &frame), "copying an RGB frame");
    return out;
  }
  SwsPtr sws(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format), frame.width,
                            frame.height, AV_PIX_FMT_RGB24,
                            SWS_BILINEAR | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT | SWS_FULL_CHR_H_INP,
                            nullptr, nullptr, nullptr));
  if (!sws) throw std::runtime_error("swscale cannot convert this frame to RGB24");
  const int* bt709 = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(sws.get(), bt709, 0, bt709, 1, 0, 1 << 16, 1 << 16);
  sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, out->data, out->linesize);
  return out;
}

void write_png(const std::filesystem::path& path, const AVFrame& frame) {
  FramePtr rgb = to_rgb24(frame);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!codec) throw std::runtime_error("libavcodec has no PNG encoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  ctx->width = rgb->width;
  ctx->height = rgb->height;
  ctx->pix_fmt = AV_PIX_FMT_RGB24;
  ctx->time_base = {1, 25};
  check(avcodec_open2(ctx.get(), codec, nullptr), "opening the PNG encoder");
  check(avcodec_send_frame(ctx.get(), rgb.get()), "encoding a PNG");
  PacketPtr packet = make_packet();
  check(avcodec_receive_packet(ctx.get(), packet.get()), "encoding a PNG");
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(packet->data), packet->size);
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

FramePtr read_png(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_PNG);
  if (!codec) throw std::runtime_error("libavcodec has no PNG decoder");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  check(avcodec_open2(ctx.get(), codec, nullptr), "opening the PNG decoder");
  PacketPtr packet = make_packet();
  check(av_new_packet(packet.get(), static_cast<int>(bytes.size())), "allocating a packet");
  std::copy(bytes.begin(), bytes.end(), packet->data);
  check(avcodec_send_packet(ctx.get(), packet.get()), "decoding " + path.string());
  check(avcodec_send_packet(ctx.get(), nullptr), "decoding " + path.string());
  FramePtr frame = make_frame();
  check(avcodec_receive_frame(ctx.get(), frame.get()), "decoding " + path.string());
  if (frame->format != AV_PIX_FMT_RGB24) return to_rgb24(*frame);
  return frame;
}

namespace {

void check_same_rgb(const AVFrame& a, const AVFrame& b) {
  if (a.width != b.width || a.height != b.height || a.format != AV_PIX_FMT_RGB24 ||
      b.format != AV_PIX_FMT_RGB24) {
    throw std::runtime_error("image comparison needs two RGB24 frames of the same size");
  }
}

}  // namespace

Rect changed_region(const AVFrame& a, const AVFrame& b) {
  check_same_rgb(a, b);
  int x0 = a.width, y0 = a.height, x1 = -1, y1 = -1;
  for (int y = 0; y < a.height; ++y) {
    const uint8_t* pa = a.data[0] + static_cast<ptrdiff_t>(y) * a.linesize[0];
    const uint8_t* pb = b.data[0] + static_cast<ptrdiff_t>(y) * b.linesize[0];
    for (int x = 0; x < a.width; ++x) {
      if (pa[3 * x] != pb[3 * x] || pa[3 * x + 1] != pb[3 * x + 1] || pa[3 * x + 2] != pb[3 * x + 2]) {
        x0 = std::min(x0, x);
        x1 = std::max(x1, x);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y);
      }
    }
  }
  if (x1 < 0) return {};
  return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

Rect union_of(const Rect& a, const Rect& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
  const int x1 = std::max(a.x + a.w, b.x + b.w), y1 = std::max(a.y + a.h, b.y + b.h);
  return {x0, y0, x1 - x0, y1 - y0};
}

double psnr_luma(const AVFrame& a, const AVFrame& b, const Rect& region) {
  check_same_rgb(a, b);
  const Rect r = region.empty() ? Rect{0, 0, a.width, a.height} : region;
  double sum = 0.0;
  for (int y = r.y; y < r.y + r.h; ++y) {
    const uint8_t* pa = a.data[0] + static_cast<ptrdiff_t>(y) * a.linesize[0];
    const uint8_t* pb = b.data[0] + static_cast<ptrdiff_t>(y) * b.linesize[0];
    for (int x = r.x; x < r.x + r.w; ++x) {
      const double la = 0.2126 * pa[3 * x] + 0.7152 * pa[3 * x + 1] + 0.0722 * pa[3 * x + 2];
      const double lb = 0.2126 * pb[3 * x] + 0.7152 * pb[3 * x + 1] + 0.0722 * pb[3 * x + 2];
      sum += (la - lb) * (la - lb);
    }
  }
  const double mse = sum / (static_cast<double>(r.w) * r.h);
  if (mse == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

double min_tile_psnr_luma(const AVFrame& a, const AVFrame& b, const Rect& region, int tile_px) {
  check_same_rgb(a, b);
  const Rect r = region.empty() ? Rect{0, 0, a.width, a.height} : region;
  double worst = std::numeric_limits<double>::infinity();
  for (int y = r.y; y < r.y + r.h; y += tile_px) {
    for (int x = r.x; x < r.x + r.w; x += tile_px) {
      const Rect tile{x, y, std::min(tile_px, r.x + r.w - x), std::min(tile_px, r.y + r.h - y)};
      worst = std::min(worst, psnr_luma(a, b, tile));
    }
  }
  return worst;
}

int dense_row_bands(const std::vector<int>& row_ink) {
  const int densest = row_ink.empty() ? 0 : *std::max_element(row_ink.begin(), row_ink.end());
  int bands = 0;
  bool in_band = false;
  for (const int ink : row_ink) {
    const bool dense = densest > 0 && ink >= 0.4 * densest;
    if (dense && !in_band) ++bands;
    in_band = dense;
  }
  return bands;
}

void expect_frame_n_not_neighbours(const AVFrame& picture, const std::filesystem::path& video, int64_t n,
                                   const std::function<FramePtr(const YuvPicture&)>& as_rgb,
                                   const std::string& label) {
  const std::vector<YuvPicture> frames = decode_frames(video, {n - 1, n, n + 1});
  const double before = psnr_luma(picture, *as_rgb(frames[0]));
  const double at_n = psnr_luma(picture, *as_rgb(frames[1]));
  const double after = psnr_luma(picture, *as_rgb(frames[2]));
  std::cout << label << " vs frames " << n - 1 << ", " << n << ", " << n + 1 << ": " << before << ", " << at_n
            << ", " << after << " dB\n";
  EXPECT_GE(at_n, 40.0) << label;
  EXPECT_GT(at_n, before + 6.0) << label;
  EXPECT_GT(at_n, after + 6.0) << label;
}

bool writing_goldens() {
  const char* v = std::getenv("SHORTPACK_WRITE_GOLDENS");
  return v != nullptr && std::string(v) == "1";
}

FramePtr rgb_of(const YuvPicture& picture) {
  FramePtr yuv = alloc_video_frame(picture.width_px, picture.height_px, AV_PIX_FMT_YUV420P);
  const int cw = (picture.width_px + 1) / 2;
  for (int y = 0; y < picture.height_px; ++y) {
    std::copy_n(picture.y.data() + static_cast<size_t>(y) * picture.width_px, picture.width_px,
                yuv->data[0] + static_cast<ptrdiff_t>(y) * yuv->linesize[0]);
  }
  for (int y = 0; y < (picture.height_px + 1) / 2; ++y) {
    std::copy_n(picture.u.data() + static_cast<size_t>(y) * cw, cw,
                yuv->data[1] + static_cast<ptrdiff_t>(y) * yuv->linesize[1]);
    std::copy_n(picture.v.data() + static_cast<size_t>(y) * cw, cw,
                yuv->data[2] + static_cast<ptrdiff_t>(y) * yuv->linesize[2]);
  }
  return to_rgb24(*yuv);
}

}  // namespace shortpack::test

#include "pipeline/media/image_reader.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <fstream>
#include <optional>
#include <utility>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/media/cmyk_jpeg.h"
#include "pipeline/media/decoder.h"
#include "pipeline/media/heif_reader.h"
#include "pipeline/media/still_colour.h"

namespace shortpack {

namespace {

uint32_t be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
uint32_t be16(const unsigned char* p) { return (uint32_t{p[0]} << 8) | uint32_t{p[1]}; }

// The picture size written in a PNG (IHDR) or JPEG (SOFn) header, read without decoding anything:
// a small file can hold a picture of gigabytes, and libavcodec allocates it before inflating.
std::optional<std::pair<int64_t, int64_t>> header_size(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> b(256 * 1024);
  in.read(reinterpret_cast<char*>(b.data()), static_cast<std::streamsize>(b.size()));
  b.resize(static_cast<size_t>(in.gcount()));
  static const unsigned char kPng[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (b.size() >= 24 && std::memcmp(b.data(), kPng, 8) == 0 && std::memcmp(b.data() + 12, "IHDR", 4) == 0) {
    return std::make_pair(int64_t{be32(&b[16])}, int64_t{be32(&b[20])});
  }
  if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8) {
    size_t pos = 2;
    while (pos + 9 < b.size()) {
      if (b[pos] != 0xFF) return std::nullopt;
      const unsigned marker = b[pos + 1];
      if (marker == 0xFF) {  // fill byte
        ++pos;
        continue;
      }
      const bool sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
      if (sof) return std::make_pair(int64_t{be16(&b[pos + 7])}, int64_t{be16(&b[pos + 5])});
      if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
        pos += 2;
        continue;
      }
      pos += 2 + be16(&b[pos + 2]);
    }
  }
  return std::nullopt;
}

// w x h > max_pixels, for sizes up to 2^32 - 1 each (a PNG header's), without overflowing.
bool over_pixels(int64_t w, int64_t h, int64_t max_pixels) { return w > 0 && h > 0 && w > max_pixels / h; }

[[noreturn]] void over_limit(const std::filesystem::path& path, int64_t w, int64_t h, int64_t max_pixels) {
  throw Error(ErrorKind::kLimit,
              path.string() + " is " + std::to_string(w) + "x" + std::to_string(h) +
                  " pixels, over the limit of " + std::to_string(max_pixels) +
                  " (use a smaller image, or raise the limit with --limit image_pixels=N)");
}

}  // namespace

namespace {

// Decodes the first picture with libavcodec into straight RGBA as stored (no orientation, no
// profile applied yet). `icc` receives a profile the decoder found (PNG iCCP, JPEG APP2).
RgbaImage decode_rgba(const std::filesystem::path& path, int64_t max_pixels, std::vector<uint8_t>& icc) {
  if (const auto size = header_size(path); size && over_pixels(size->first, size->second, max_pixels)) {
    over_limit(path, size->first, size->second, max_pixels);
  }
  // Other formats: the decoders that probe the file refuse pictures over the limit.
  Demuxer demuxer(path, max_pixels);
  if (demuxer.video_stream() < 0) throw Error(ErrorKind::kMedia, "no picture in it");
  const AVCodecParameters* par = demuxer.context()->streams[demuxer.video_stream()]->codecpar;
  if (par->width <= 0 || par->height <= 0) {
    throw Error(ErrorKind::kMedia,
                "its picture size cannot be read (a damaged file, or a picture over the limit of " +
                    std::to_string(max_pixels) + " pixels)");
  }
  if (over_pixels(par->width, par->height, max_pixels)) over_limit(path, par->width, par->height, max_pixels);
  StreamDecoder decoder(demuxer, demuxer.video_stream(), 1);
  FramePtr frame = make_frame();
  if (!decoder.next(*frame)) throw Error(ErrorKind::kMedia, "no picture could be decoded");
  if (const AVFrameSideData* sd = av_frame_get_side_data(frame.get(), AV_FRAME_DATA_ICC_PROFILE)) {
    icc.assign(sd->data, sd->data + sd->size);
  }
  RgbaImage image;
  image.width_px = frame->width;
  image.height_px = frame->height;
  image.pixels.resize(static_cast<size_t>(frame->width) * frame->height * 4);
  SwsPtr sws(sws_getContext(frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                            frame->width, frame->height, AV_PIX_FMT_RGBA, SWS_BICUBIC | SWS_ACCURATE_RND,
                            nullptr, nullptr, nullptr));
  if (!sws) throw Error(ErrorKind::kMedia, "unsupported pixel format");
  uint8_t* dst[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {frame->width * 4, 0, 0, 0};
  sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
  return image;
}

// Enough of a JPEG to reach its start of frame past EXIF and ICC segments (each at most 64 KB).
constexpr size_t kJpegHeaderBytes = 1 << 20;

std::vector<uint8_t> file_head(const std::filesystem::path& path, size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> head(bytes);
  in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  return head;
}

}  // namespace

RgbaImage read_image_rgba(const std::filesystem::path& path, int64_t max_pixels) {
  const std::vector<uint8_t> head = file_head(path, 64);
  const bool heif = looks_like_heif(head);
  // A JPEG's start of frame may come after EXIF and ICC segments: read further for JPEGs only.
  const bool jpeg = head.size() >= 2 && head[0] == 0xFF && head[1] == 0xD8;
  try {
    std::string warning;
    RgbaImage image;
    if (heif) {
      image = read_heif_rgba(path, max_pixels, warning);
    } else if (jpeg && is_cmyk_jpeg(file_head(path, kJpegHeaderBytes))) {
      const StillMetadata meta = read_still_metadata(path);
      image = apply_orientation(read_cmyk_jpeg(path, max_pixels, meta.icc, warning), meta.orientation);
    } else {
      std::vector<uint8_t> icc;
      image = decode_rgba(path, max_pixels, icc);
      const StillMetadata meta = read_still_metadata(path);
      warning = icc_to_srgb(image, meta.icc.empty() ? icc : meta.icc, path);
      image = apply_orientation(image, meta.orientation);
    }
    if (!warning.empty()) spdlog::warn("{}", warning);
    return image;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kLimit) throw;
    throw Error(ErrorKind::kInput,
                path.string() + " is not a readable image (" + e.what() + ")" +
                    (heif ? "; re-export it from the phone or editor as JPEG or PNG" : ""));
  }
}

}  // namespace shortpack

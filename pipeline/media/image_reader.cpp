#include "pipeline/media/image_reader.h"

#include <cstring>

#include "filters/core/error.h"
#include "pipeline/media/decoder.h"

namespace shortpack {

RgbaImage read_image_rgba(const std::filesystem::path& path, int64_t max_pixels) {
  try {
    Demuxer demuxer(path);
    if (demuxer.video_stream() < 0) throw Error(ErrorKind::kMedia, "no picture in it");
    const AVCodecParameters* par = demuxer.context()->streams[demuxer.video_stream()]->codecpar;
    if (static_cast<int64_t>(par->width) * par->height > max_pixels) {
      throw Error(ErrorKind::kLimit, path.string() + " is " + std::to_string(par->width) + "x" +
                                         std::to_string(par->height) + " pixels, over the limit of " +
                                         std::to_string(max_pixels) + " (use a smaller image)");
    }
    StreamDecoder decoder(demuxer, demuxer.video_stream(), 1);
    FramePtr frame = make_frame();
    if (!decoder.next(*frame)) throw Error(ErrorKind::kMedia, "no picture could be decoded");
    RgbaImage image;
    image.width_px = frame->width;
    image.height_px = frame->height;
    image.pixels.resize(static_cast<size_t>(frame->width) * frame->height * 4);
    SwsPtr sws(sws_getContext(frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), frame->width,
                              frame->height, AV_PIX_FMT_RGBA, SWS_BICUBIC | SWS_ACCURATE_RND, nullptr, nullptr,
                              nullptr));
    if (!sws) throw Error(ErrorKind::kMedia, "unsupported pixel format");
    uint8_t* dst[4] = {image.pixels.data(), nullptr, nullptr, nullptr};
    int dst_stride[4] = {frame->width * 4, 0, 0, 0};
    sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, dst, dst_stride);
    return image;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kLimit) throw;
    throw Error(ErrorKind::kInput, path.string() + " is not a readable image (" + e.what() + ")");
  }
}

}  // namespace shortpack

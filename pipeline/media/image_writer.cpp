#include "pipeline/media/image_writer.h"

#include <string>

#include "filters/core/error.h"
#include "pipeline/base/atomic_file.h"
#include "pipeline/media/av_ptr.h"

namespace shortpack {

std::string encode_png(const AVFrame& frame) {
  FramePtr rgb = alloc_video_frame(frame.width, frame.height, AV_PIX_FMT_RGB24);
  SwsPtr sws(sws_getContext(frame.width, frame.height, static_cast<AVPixelFormat>(frame.format), frame.width,
                            frame.height, AV_PIX_FMT_RGB24,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr, nullptr, nullptr));
  if (!sws) throw Error(ErrorKind::kInternal, "cannot convert a frame to RGB");
  const int* coefs = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(sws.get(), coefs, 0, coefs, 1, 0, 1 << 16, 1 << 16);
  sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, rgb->data, rgb->linesize);

  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (codec == nullptr) throw Error(ErrorKind::kInternal, "no PNG encoder in this libavcodec");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw Error(ErrorKind::kInternal, "out of memory allocating an encoder");
  ctx->width = frame.width;
  ctx->height = frame.height;
  ctx->pix_fmt = AV_PIX_FMT_RGB24;
  ctx->time_base = {1, 1};
  check_av(avcodec_open2(ctx.get(), codec, nullptr), ErrorKind::kInternal, "cannot open the PNG encoder");
  check_av(avcodec_send_frame(ctx.get(), rgb.get()), ErrorKind::kInternal, "PNG encoding failed");
  check_av(avcodec_send_frame(ctx.get(), nullptr), ErrorKind::kInternal, "PNG encoding failed");
  PacketPtr packet = make_packet();
  check_av(avcodec_receive_packet(ctx.get(), packet.get()), ErrorKind::kInternal, "PNG encoding failed");
  return std::string(reinterpret_cast<const char*>(packet->data), static_cast<size_t>(packet->size));
}

void write_png(const AVFrame& frame, const std::filesystem::path& path) {
  write_file_atomically(path, encode_png(frame));
}

}  // namespace shortpack

// RAII for every libav object: one deleter per type, move-only handles.
// Business code never calls *_free / *_close directly.
#pragma once

#include <memory>
#include <type_traits>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include "filters/core/frame.h"

namespace shortpack {

struct AvDeleter {
  void operator()(AVPacket* p) const noexcept { av_packet_free(&p); }
  void operator()(AVCodecContext* c) const noexcept { avcodec_free_context(&c); }
  void operator()(SwsContext* s) const noexcept { sws_freeContext(s); }
  void operator()(SwrContext* s) const noexcept { swr_free(&s); }
  void operator()(AVDictionary* d) const noexcept { av_dict_free(&d); }
  void operator()(AVCodecParameters* p) const noexcept { avcodec_parameters_free(&p); }
};

// Input format contexts are closed, output ones freed (their AVIOContext is closed by the muxer).
struct InputFormatDeleter {
  void operator()(AVFormatContext* f) const noexcept { avformat_close_input(&f); }
};
struct OutputFormatDeleter {
  void operator()(AVFormatContext* f) const noexcept {
    if (f && f->pb && !(f->oformat->flags & AVFMT_NOFILE)) avio_closep(&f->pb);
    avformat_free_context(f);
  }
};

using PacketPtr = std::unique_ptr<AVPacket, AvDeleter>;
using CodecContextPtr = std::unique_ptr<AVCodecContext, AvDeleter>;
using SwsPtr = std::unique_ptr<SwsContext, AvDeleter>;
using SwrPtr = std::unique_ptr<SwrContext, AvDeleter>;
using InputFormatPtr = std::unique_ptr<AVFormatContext, InputFormatDeleter>;
using CodecParametersPtr = std::unique_ptr<AVCodecParameters, AvDeleter>;
using OutputFormatPtr = std::unique_ptr<AVFormatContext, OutputFormatDeleter>;

static_assert(!std::is_copy_constructible_v<PacketPtr>);
static_assert(!std::is_copy_constructible_v<CodecContextPtr>);
static_assert(!std::is_copy_constructible_v<InputFormatPtr>);

PacketPtr make_packet();

// An AVDictionary owned for the duration of one call that takes AVDictionary**.
class Dictionary {
 public:
  Dictionary() = default;
  Dictionary(const Dictionary&) = delete;
  Dictionary& operator=(const Dictionary&) = delete;
  ~Dictionary() { av_dict_free(&dict_); }
  void set(const char* key, const std::string& value) { av_dict_set(&dict_, key, value.c_str(), 0); }
  AVDictionary** address() { return &dict_; }
  [[nodiscard]] AVDictionary* get() const { return dict_; }
  // Keys libav left unconsumed, comma separated; empty when all were used.
  [[nodiscard]] std::string leftover_keys() const;

 private:
  AVDictionary* dict_ = nullptr;
};

}  // namespace shortpack

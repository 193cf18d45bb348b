// CodecLogCapture (pipeline/media/codec_log): libav's log callback is process-global, so a capture
// must take the lines of its own codec context only, also when they are logged from other threads
// through a copy of the context (as frame-threaded decoders do), and nothing once it is gone.
#include <gtest/gtest.h>

#include <string>
#include <thread>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/log.h>
}

#include "pipeline/media/av_ptr.h"
#include "pipeline/media/codec_log.h"

namespace shortpack {
namespace {

CodecContextPtr h264_context() {
  CodecContextPtr c(avcodec_alloc_context3(avcodec_find_decoder(AV_CODEC_ID_H264)));
  if (!c) throw std::runtime_error("no H.264 decoder context");
  return c;
}

std::string texts(const CodecLogCapture& log) {
  std::string all;
  for (const CodecLogLine& line : log.lines()) all += line.text + "|";
  return all;
}

TEST(CodecLogCapture, TakesItsOwnContextsWarningsAndErrorsOnly) {
  CodecContextPtr mine = h264_context();
  CodecContextPtr other = h264_context();
  CodecLogCapture log(*mine);
  av_log(mine.get(), AV_LOG_ERROR, "error while decoding MB %d %d\n", 2, 0);
  av_log(other.get(), AV_LOG_ERROR, "another decoder's error\n");
  av_log(nullptr, AV_LOG_ERROR, "no context\n");
  av_log(mine.get(), AV_LOG_WARNING, "a warning\n");
  av_log(mine.get(), AV_LOG_INFO, "Reinit context to 368x640\n");  // information, not a finding
  av_log(mine.get(), AV_LOG_INFO, "concealing 754 DC, 754 AC, 754 MV errors in P frame\n");
  av_log(mine.get(), AV_LOG_DEBUG, "debug chatter\n");
  EXPECT_EQ(texts(log),
            "error while decoding MB 2 0|a warning|concealing 754 DC, 754 AC, 754 MV errors in P frame|");
  EXPECT_EQ(log.line_count(), 3u);
  EXPECT_EQ(log.lines().front().level, AV_LOG_ERROR);
}

// A frame thread logs through its own copy of the context: libavcodec copies `opaque` into it.
TEST(CodecLogCapture, TakesLinesOfACopyOfTheContextLoggedOnAnotherThread) {
  CodecContextPtr mine = h264_context();
  CodecLogCapture log(*mine);
  AVCodecContext copy = *mine;  // what a frame thread logs through (a shallow copy)
  std::thread worker([&copy] { av_log(&copy, AV_LOG_ERROR, "from a frame thread\n"); });
  worker.join();
  EXPECT_EQ(texts(log), "from a frame thread|");
}

TEST(CodecLogCapture, TiesLinesToTheCurrentPacketAndForgetsTheContextWhenGone) {
  CodecContextPtr mine = h264_context();
  {
    CodecLogCapture log(*mine);
    log.set_current_packet_pts(512);
    av_log(mine.get(), AV_LOG_ERROR, "damaged\n");
    ASSERT_EQ(log.lines().size(), 1u);
    EXPECT_EQ(log.lines().front().packet_pts, 512);
  }
  // The capture is gone; its context's opaque still points at it, and must not be followed.
  av_log(mine.get(), AV_LOG_ERROR, "after the capture\n");
  CodecLogCapture again(*mine);
  EXPECT_EQ(again.line_count(), 0u);
}

}  // namespace
}  // namespace shortpack

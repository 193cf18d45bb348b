#include "pipeline/render/decode_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "filters/core/error.h"
#include "filters/core/frame.h"
#include "pipeline/base/text.h"
#include "pipeline/media/av_ptr.h"
#include "pipeline/media/codec_log.h"

namespace shortpack {

namespace fs = std::filesystem;

namespace {

const char* const kLimit = "every picture decodes cleanly, one per frame step, none missing or repeated";

// The first bad picture, by presentation time, and why.
struct Finding {
  int64_t pts = INT64_MAX;
  std::string why;
};

// What one decoding pass found.
struct DecodePass {
  AVRational time_base{0, 1};
  int64_t step = 0;             // one frame of the declared frame rate, in stream ticks
  int64_t start_pts = 0;        // where the stream declares its first picture
  int64_t declared_frames = 0;  // declared duration / step
  int64_t frames = 0;
  int64_t previous_pts = AV_NOPTS_VALUE;
  int flagged_frames = 0;
  int refused_packets = 0;
  std::optional<Finding> first;   // earliest finding by presentation time
  std::optional<Finding> timing;  // the first missing, repeated or out-of-step picture
  size_t log_lines = 0;

  void note(int64_t pts, std::string why) {
    if (!first || pts < first->pts) first = Finding{pts, std::move(why)};
  }
  [[nodiscard]] bool clean() const { return !first && log_lines == 0; }
};

struct OpenedVideo {
  InputFormatPtr format;
  const AVStream* stream = nullptr;
  CodecContextPtr codec;
};

// Opens the file and a strict decoder for its best video stream; `stream` stays null without one.
OpenedVideo open_video(const fs::path& file, int threads) {
  OpenedVideo v;
  const std::string where = file.string();
  AVFormatContext* raw = nullptr;
  check_av(avformat_open_input(&raw, where.c_str(), nullptr, nullptr), ErrorKind::kMedia,
           where + ": cannot open as a media file");
  v.format.reset(raw);
  check_av(avformat_find_stream_info(v.format.get(), nullptr), ErrorKind::kMedia,
           where + ": cannot read the stream information");
  const int index = av_find_best_stream(v.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) return v;
  for (unsigned i = 0; i < v.format->nb_streams; ++i) {
    if (int(i) != index) v.format->streams[i]->discard = AVDISCARD_ALL;  // video packets only
  }
  v.stream = v.format->streams[index];
  const AVCodec* codec = avcodec_find_decoder(v.stream->codecpar->codec_id);
  if (codec == nullptr) throw Error(ErrorKind::kMedia, where + ": no decoder for its video");
  v.codec.reset(avcodec_alloc_context3(codec));
  if (!v.codec) throw Error(ErrorKind::kInternal, "out of memory allocating a video decoder");
  check_av(avcodec_parameters_to_context(v.codec.get(), v.stream->codecpar), ErrorKind::kMedia,
           where + ": video parameters");
  AVCodecContext& c = *v.codec;
  c.pkt_timebase = v.stream->time_base;
  c.thread_count = threads;
  c.thread_type = FF_THREAD_FRAME;
  c.err_recognition = AV_EF_CRCCHECK | AV_EF_BITSTREAM | AV_EF_BUFFER | AV_EF_CAREFUL;
  c.flags |= AV_CODEC_FLAG_OUTPUT_CORRUPT;  // a damaged picture comes out flagged, not dropped
  c.skip_loop_filter = AVDISCARD_ALL;
  return v;
}

// The stream's declared frame step, start and frame count.
void read_declaration(DecodePass& pass, const AVStream& stream) {
  pass.time_base = stream.time_base;
  AVRational rate = stream.r_frame_rate;
  if (rate.num <= 0 || rate.den <= 0) rate = stream.avg_frame_rate;
  if (rate.num > 0 && rate.den > 0) {
    pass.step = av_rescale_q(1, av_inv_q(rate), stream.time_base);
  }
  pass.start_pts = stream.start_time != AV_NOPTS_VALUE ? stream.start_time : 0;
  // Only the stream's own duration (MP4: its track's): the container's is the longest stream's,
  // and Matroska states none per stream, so there the count is not checked, only the steps.
  if (pass.step > 0 && stream.duration != AV_NOPTS_VALUE && stream.duration > 0) {
    pass.declared_frames = (stream.duration + pass.step / 2) / pass.step;
  }
}

std::string time_of(const DecodePass& pass, int64_t pts) {
  return seconds_text(double(pts) * av_q2d(pass.time_base));
}

// One decoded picture: its flags, and its time against the one expected.
void observe_frame(DecodePass& pass, const AVFrame& frame) {
  const int64_t pts = frame.pts != AV_NOPTS_VALUE ? frame.pts : frame.best_effort_timestamp;
  ++pass.frames;
  if ((frame.flags & AV_FRAME_FLAG_CORRUPT) || frame.decode_error_flags != 0) {
    ++pass.flagged_frames;
    pass.note(
        pts, fmt::format("the decoder concealed damage (decode_error_flags {:#x}{})",
                         frame.decode_error_flags, (frame.flags & AV_FRAME_FLAG_CORRUPT) ? ", corrupt" : ""));
  }
  if (pass.timing || pass.step <= 0 || pts == AV_NOPTS_VALUE) {
    pass.previous_pts = pts;
    return;
  }
  const int64_t expected =
      pass.previous_pts == AV_NOPTS_VALUE ? pass.start_pts : pass.previous_pts + pass.step;
  const int64_t tolerance = 1;  // a tick of rounding between the rate and the time base
  if (pts > expected + tolerance) {
    const int64_t missing = (pts - expected + pass.step / 2) / pass.step;
    pass.timing = Finding{
        expected, fmt::format("no picture (the next is at {}: {} missing)", time_of(pass, pts), missing)};
  } else if (pass.previous_pts != AV_NOPTS_VALUE && pts <= pass.previous_pts) {
    pass.timing = Finding{pts, fmt::format("a picture repeats or goes back in time (after {})",
                                           time_of(pass, pass.previous_pts))};
  } else if (pts < expected - tolerance) {
    pass.timing =
        Finding{pts, fmt::format("a picture out of step (expected at {})", time_of(pass, expected))};
  }
  pass.previous_pts = pts;
}

// Receives every frame the decoder has ready; false once it is drained.
bool receive_frames(DecodePass& pass, AVCodecContext& codec, AVFrame& frame, int64_t packet_pts) {
  while (true) {
    const int ret = avcodec_receive_frame(&codec, &frame);
    if (ret == AVERROR(EAGAIN)) return true;
    if (ret == AVERROR_EOF) return false;
    if (ret < 0) {
      ++pass.refused_packets;
      pass.note(packet_pts, "the decoder failed: " + av_error_text(ret));
      return true;
    }
    observe_frame(pass, frame);
    av_frame_unref(&frame);
  }
}

// A missing tail: fewer pictures than the declared duration holds.
void check_count(DecodePass& pass) {
  if (pass.timing || pass.step <= 0 || pass.declared_frames <= 0) return;
  if (pass.frames < pass.declared_frames) {
    const int64_t end = pass.previous_pts == AV_NOPTS_VALUE ? pass.start_pts : pass.previous_pts + pass.step;
    pass.timing = Finding{end, fmt::format("no picture ({} decoded, the stream's duration holds {})",
                                           pass.frames, pass.declared_frames)};
  } else if (pass.frames > pass.declared_frames) {
    pass.timing =
        Finding{pass.previous_pts, fmt::format("{} pictures decoded, the stream's duration holds {}",
                                               pass.frames, pass.declared_frames)};
  }
}

void conclude(DecodePass& pass, const CodecLogCapture& log);

// Decodes every video packet once. With `attribute`, the decoder runs on this thread alone, so
// that each logged line is tied to the packet being decoded.
void decode_all(DecodePass& pass, OpenedVideo& v, const fs::path& file, bool attribute) {
  CodecLogCapture log(*v.codec);
  check_av(avcodec_open2(v.codec.get(), v.codec->codec, nullptr), ErrorKind::kMedia,
           file.string() + ": opening the video decoder");
  read_declaration(pass, *v.stream);
  PacketPtr packet = make_packet();
  FramePtr frame = make_frame();
  bool more = true;
  while (more) {
    const int ret = av_read_frame(v.format.get(), packet.get());
    if (ret == AVERROR_EOF) break;
    check_av(ret, ErrorKind::kMedia, file.string() + ": cannot read a packet");
    if (packet->stream_index != v.stream->index || (packet->flags & AV_PKT_FLAG_DISCARD)) {
      av_packet_unref(packet.get());
      continue;
    }
    const int64_t pts = packet->pts != AV_NOPTS_VALUE ? packet->pts : packet->dts;
    if (attribute) log.set_current_packet_pts(pts);
    const int sent = avcodec_send_packet(v.codec.get(), packet.get());
    av_packet_unref(packet.get());
    if (sent < 0 && sent != AVERROR(EAGAIN)) {
      ++pass.refused_packets;
      pass.note(pts, "the decoder refused the packet: " + av_error_text(sent));
    }
    more = receive_frames(pass, *v.codec, *frame, pts);
  }
  avcodec_send_packet(v.codec.get(), nullptr);
  // Draining ends in EOF; the bound only keeps a decoder that keeps failing from spinning forever.
  for (int drained = 0; drained < 4096 && receive_frames(pass, *v.codec, *frame, pass.previous_pts);
       ++drained) {
  }
  v.codec.reset();  // its threads are joined before the capture goes
  conclude(pass, log);
}

// The findings in time order, the first one told with the decoder's own words.
void conclude(DecodePass& pass, const CodecLogCapture& log) {
  check_count(pass);
  if (pass.timing) pass.note(pass.timing->pts, pass.timing->why);
  pass.log_lines = log.line_count();
  for (const CodecLogLine& line : log.lines()) {
    if (line.packet_pts != INT64_MIN) pass.note(line.packet_pts, line.text);
  }
  // The decoder's own words say more than our flags: its first line, with the time of its packet
  // when that is not the time found.
  const std::vector<CodecLogLine> lines = log.lines();
  if (lines.empty()) return;
  const CodecLogLine& said = lines.front();
  if (!pass.first) {
    pass.first = Finding{INT64_MAX, "decoder: " + said.text};
  } else if (said.text != pass.first->why) {
    pass.first->why += "; decoder: " + said.text;
    if (said.packet_pts != INT64_MIN && said.packet_pts != pass.first->pts) {
      pass.first->why += " (packet at " + time_of(pass, said.packet_pts) + ")";
    }
  }
}

std::string describe(const DecodePass& pass) {
  const std::string when =
      pass.first->pts == INT64_MAX ? "somewhere" : "first bad picture at " + time_of(pass, pass.first->pts);
  return fmt::format("{}: {} ({} pictures decoded, {} flagged, {} decoder messages, {} packets refused)",
                     when, pass.first->why, pass.frames, pass.flagged_frames, pass.log_lines,
                     pass.refused_packets);
}

CheckRule passed_rule(const DecodePass& pass) {
  return {"decodes", true,
          fmt::format("{} pictures, {} apart, none damaged", pass.frames,
                      seconds_text(double(pass.step) * av_q2d(pass.time_base))),
          kLimit};
}

}  // namespace

CheckRule decodes_rule(const fs::path& file) {
  const int threads = int(std::clamp(std::thread::hardware_concurrency(), 1u, 4u));
  DecodePass pass;
  {
    OpenedVideo v = open_video(file, threads);
    if (v.stream == nullptr) return {"decodes", false, "no video stream", kLimit};
    try {
      decode_all(pass, v, file, /*attribute=*/false);
    } catch (const Error& e) {
      return {"decodes", false, e.what(), kLimit};
    }
  }
  if (pass.clean()) return passed_rule(pass);
  // A finding: decode again on one thread to tie each of the decoder's messages to its packet.
  DecodePass exact;
  try {
    OpenedVideo v = open_video(file, 1);
    decode_all(exact, v, file, /*attribute=*/true);
  } catch (const Error& e) {
    return {"decodes", false, describe(pass) + "; " + e.what(), kLimit};
  }
  if (exact.clean()) return passed_rule(exact);  // the one-thread decode is the reference
  return {"decodes", false, describe(exact), kLimit};
}

}  // namespace shortpack

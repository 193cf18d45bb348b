#include "support/media_probe.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "pipeline/media/av_ptr.h"
#include "support/test_support.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/pixdesc.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

namespace shortpack::test {
namespace fs = std::filesystem;

namespace {

std::string av_message(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

InputFormatPtr open_input(const fs::path& path) {
  AVFormatContext* raw = nullptr;
  int err = avformat_open_input(&raw, path.c_str(), nullptr, nullptr);
  if (err < 0) throw std::runtime_error("cannot open " + path.string() + ": " + av_message(err));
  InputFormatPtr in(raw);
  err = avformat_find_stream_info(in.get(), nullptr);
  if (err < 0) throw std::runtime_error("cannot read streams of " + path.string() + ": " + av_message(err));
  return in;
}

CodecContextPtr open_decoder(const AVStream& stream) {
  const AVCodec* codec = avcodec_find_decoder(stream.codecpar->codec_id);
  if (codec == nullptr) throw std::runtime_error("no decoder for stream " + std::to_string(stream.index));
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  avcodec_parameters_to_context(ctx.get(), stream.codecpar);
  ctx->pkt_timebase = stream.time_base;
  ctx->thread_count = 1;
  const int err = avcodec_open2(ctx.get(), codec, nullptr);
  if (err < 0) throw std::runtime_error("cannot open decoder: " + av_message(err));
  return ctx;
}

// Feeds every packet of `stream_index` to the decoder, calling on_frame for each decoded frame
// in output order; on_frame returns false to stop early.
template <typename OnFrame>
void decode_stream(AVFormatContext& in, int stream_index, AVCodecContext& dec, OnFrame on_frame) {
  PacketPtr pkt(av_packet_alloc());
  FramePtr frame(av_frame_alloc());
  auto drain = [&]() {
    while (true) {
      const int err = avcodec_receive_frame(&dec, frame.get());
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return true;
      if (err < 0) throw std::runtime_error("decode error: " + av_message(err));
      const bool more = on_frame(*frame);
      av_frame_unref(frame.get());
      if (!more) return false;
    }
  };
  while (av_read_frame(&in, pkt.get()) >= 0) {
    if (pkt->stream_index == stream_index) {
      const int err = avcodec_send_packet(&dec, pkt.get());
      av_packet_unref(pkt.get());
      if (err < 0 && err != AVERROR(EAGAIN)) throw std::runtime_error("decode error: " + av_message(err));
      if (!drain()) return;
    } else {
      av_packet_unref(pkt.get());
    }
  }
  avcodec_send_packet(&dec, nullptr);
  drain();
}

int first_stream(const AVFormatContext& in, AVMediaType type) {
  for (unsigned i = 0; i < in.nb_streams; ++i) {
    if (in.streams[i]->codecpar->codec_type == type) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

std::vector<int64_t> VideoStreamProbe::pts_steps() const {
  std::vector<int64_t> steps;
  for (size_t i = 1; i < pts.size(); ++i) steps.push_back(pts[i] - pts[i - 1]);
  return steps;
}

double VideoStreamProbe::span_s() const {
  if (pts.empty()) return 0.0;
  const int64_t last_duration = durations.empty() ? 0 : durations.back();
  return static_cast<double>(pts.back() + last_duration - pts.front()) * av_q2d(time_base);
}

InterleaveReading ffprobe_interleave(const fs::path& path) {
  const CommandResult r =
      run_command("ffprobe -v error -show_entries packet=stream_index,codec_type,dts_time,pos -of csv=p=0 " +
                  shell_quote(path.string()));
  if (r.exit_code != 0) throw std::runtime_error("ffprobe failed on " + path.string() + ": " + r.output);
  struct Packet {
    bool video = false;
    double dts_s = 0.0;
    long long pos = 0;
  };
  std::vector<Packet> packets;
  std::istringstream lines(r.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;  // ffprobe's separator of side data
    // codec_type,stream_index,dts_time,pos (ffprobe's field order)
    std::istringstream fields(line);
    std::string type, index, dts, pos;
    if (!std::getline(fields, type, ',') || !std::getline(fields, index, ',') ||
        !std::getline(fields, dts, ',') || !std::getline(fields, pos, ',')) {
      throw std::runtime_error("unexpected ffprobe packet line: " + line);
    }
    if (type != "video" && type != "audio") continue;
    packets.push_back({type == "video", std::stod(dts), std::stoll(pos)});
  }
  std::stable_sort(packets.begin(), packets.end(),
                   [](const Packet& a, const Packet& b) { return a.pos < b.pos; });
  InterleaveReading reading;
  std::optional<double> last_dts[2];  // [audio, video]
  for (const Packet& p : packets) {
    ++(p.video ? reading.video_packets : reading.audio_packets);
    const auto& other = last_dts[p.video ? 0 : 1];
    if (other) reading.max_gap_s = std::max(reading.max_gap_s, std::fabs(p.dts_s - *other));
    last_dts[p.video ? 1 : 0] = p.dts_s;
  }
  return reading;
}

namespace {

// The codec's name of the stream's profile ("High", "LC"), empty when it has none.
std::string profile_name(const AVCodecParameters& par) {
  const char* profile = avcodec_profile_name(par.codec_id, par.profile);
  return profile ? profile : "";
}

// The stream's start_time in seconds, 0 when unknown.
double start_s(const AVStream& s) {
  return s.start_time != AV_NOPTS_VALUE ? static_cast<double>(s.start_time) * av_q2d(s.time_base) : 0.0;
}

}  // namespace

MediaProbe probe_file(const fs::path& path) {
  InputFormatPtr in = open_input(path);
  MediaProbe probe;
  probe.format_name = in->iformat->name;
  probe.duration_s = in->duration > 0 ? static_cast<double>(in->duration) / AV_TIME_BASE : 0.0;
  const int vi = first_stream(*in, AVMEDIA_TYPE_VIDEO);
  const int ai = first_stream(*in, AVMEDIA_TYPE_AUDIO);
  if (vi >= 0) {
    const AVStream& s = *in->streams[vi];
    VideoStreamProbe& v = probe.video;
    v.present = true;
    v.codec = avcodec_get_name(s.codecpar->codec_id);
    v.profile = profile_name(*s.codecpar);
    const char* pix = av_get_pix_fmt_name(static_cast<AVPixelFormat>(s.codecpar->format));
    v.pixel_format = pix ? pix : "";
    v.width_px = s.codecpar->width;
    v.height_px = s.codecpar->height;
    v.sample_aspect = s.codecpar->sample_aspect_ratio;
    v.time_base = s.time_base;
    probe.video_start_s = start_s(s);
    v.avg_frame_rate = s.avg_frame_rate;
    const uint8_t* matrix = av_stream_get_side_data(&s, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
    if (matrix != nullptr) v.rotation_deg = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
  }
  if (ai >= 0) {
    const AVStream& s = *in->streams[ai];
    AudioStreamProbe& a = probe.audio;
    a.present = true;
    a.codec = avcodec_get_name(s.codecpar->codec_id);
    a.profile = profile_name(*s.codecpar);
    a.sample_rate_hz = s.codecpar->sample_rate;
    a.channels = s.codecpar->ch_layout.nb_channels;
    probe.audio_start_s = start_s(s);
  }
  PacketPtr pkt(av_packet_alloc());
  int64_t audio_first = std::numeric_limits<int64_t>::max();
  int64_t audio_end = std::numeric_limits<int64_t>::min();
  while (av_read_frame(in.get(), pkt.get()) >= 0) {
    if (pkt->stream_index == vi) {
      ++probe.video.packets;
      probe.video.pts.push_back(pkt->pts);
      probe.video.durations.push_back(pkt->duration);
      if ((pkt->flags & AV_PKT_FLAG_KEY) != 0) ++probe.video.keyframes;
    } else if (pkt->stream_index == ai) {
      ++probe.audio.packets;
      audio_first = std::min(audio_first, pkt->pts);
      audio_end = std::max(audio_end, pkt->pts + pkt->duration);
    }
    av_packet_unref(pkt.get());
  }
  std::sort(probe.video.pts.begin(), probe.video.pts.end());
  if (probe.audio.packets > 0) {
    probe.audio.span_s = static_cast<double>(audio_end - audio_first) * av_q2d(in->streams[ai]->time_base);
  }
  return probe;
}

std::vector<std::string> top_level_boxes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open " + path.string());
  const auto file_size = static_cast<uint64_t>(fs::file_size(path));
  std::vector<std::string> boxes;
  uint64_t at = 0;
  while (at + 8 <= file_size) {
    unsigned char head[16] = {};
    f.seekg(static_cast<std::streamoff>(at));
    f.read(reinterpret_cast<char*>(head), 8);
    uint64_t size =
        (uint64_t{head[0]} << 24) | (uint64_t{head[1]} << 16) | (uint64_t{head[2]} << 8) | head[3];
    const std::string type(reinterpret_cast<char*>(head) + 4, 4);
    if (size == 1) {
      f.read(reinterpret_cast<char*>(head) + 8, 8);
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | head[i];
    } else if (size == 0) {
      size = file_size - at;  // to the end of the file
    }
    if (size < 8)
      throw std::runtime_error("bad box size at offset " + std::to_string(at) + " in " + path.string());
    boxes.push_back(type);
    at += size;
  }
  return boxes;
}

double YuvPicture::mean(int plane, int x0, int y0, int x1, int y1) const {
  double sum = 0.0;
  int64_t n = 0;
  for (int yy = y0; yy < y1; ++yy) {
    for (int xx = x0; xx < x1; ++xx) {
      sum += plane == 0 ? luma(xx, yy) : plane == 1 ? cb(xx, yy) : cr(xx, yy);
      ++n;
    }
  }
  return n > 0 ? sum / static_cast<double>(n) : 0.0;
}

std::vector<YuvPicture> decode_frames(const fs::path& path, const std::vector<int64_t>& indices) {
  InputFormatPtr in = open_input(path);
  const int vi = first_stream(*in, AVMEDIA_TYPE_VIDEO);
  if (vi < 0) throw std::runtime_error(path.string() + " has no video stream");
  CodecContextPtr dec = open_decoder(*in->streams[vi]);
  std::map<int64_t, YuvPicture> wanted;
  for (int64_t i : indices) wanted[i] = {};
  const int64_t last = indices.empty() ? -1 : *std::max_element(indices.begin(), indices.end());
  int64_t n = 0;
  size_t found = 0;
  SwsPtr sws;
  decode_stream(*in, vi, *dec, [&](const AVFrame& frame) {
    auto it = wanted.find(n++);
    if (it != wanted.end()) {
      YuvPicture& pic = it->second;
      pic.width_px = frame.width;
      pic.height_px = frame.height;
      const int cw = (frame.width + 1) / 2;
      const int ch = (frame.height + 1) / 2;
      pic.y.resize(static_cast<size_t>(frame.width) * frame.height);
      pic.u.resize(static_cast<size_t>(cw) * ch);
      pic.v.resize(static_cast<size_t>(cw) * ch);
      sws.reset(sws_getCachedContext(sws.release(), frame.width, frame.height,
                                     static_cast<AVPixelFormat>(frame.format), frame.width, frame.height,
                                     AV_PIX_FMT_YUV420P, SWS_POINT, nullptr, nullptr, nullptr));
      if (!sws) throw std::runtime_error("cannot convert a decoded picture");
      uint8_t* dst[4] = {pic.y.data(), pic.u.data(), pic.v.data(), nullptr};
      const int dst_stride[4] = {frame.width, cw, cw, 0};
      sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, dst, dst_stride);
      ++found;
    }
    return n <= last;
  });
  if (found != wanted.size()) {
    throw std::runtime_error(path.string() + ": only " + std::to_string(n) +
                             " pictures decoded, wanted index " + std::to_string(last));
  }
  std::vector<YuvPicture> out;
  for (int64_t i : indices) out.push_back(wanted.at(i));
  return out;
}

YuvPicture decode_frame(const fs::path& path, int64_t index) { return decode_frames(path, {index}).front(); }

int64_t count_decoded_frames(const fs::path& path) {
  InputFormatPtr in = open_input(path);
  const int vi = first_stream(*in, AVMEDIA_TYPE_VIDEO);
  if (vi < 0) return 0;
  CodecContextPtr dec = open_decoder(*in->streams[vi]);
  int64_t n = 0;
  decode_stream(*in, vi, *dec, [&](const AVFrame&) {
    ++n;
    return true;
  });
  return n;
}

DecodedAudio decode_audio(const fs::path& path) {
  InputFormatPtr in = open_input(path);
  const int ai = first_stream(*in, AVMEDIA_TYPE_AUDIO);
  if (ai < 0) throw std::runtime_error(path.string() + " has no audio stream");
  CodecContextPtr dec = open_decoder(*in->streams[ai]);
  DecodedAudio out;
  out.sample_rate_hz = dec->sample_rate;
  out.channels = dec->ch_layout.nb_channels;
  SwrPtr swr;
  std::vector<float> buf;
  decode_stream(*in, ai, *dec, [&](const AVFrame& frame) {
    if (!swr) {
      SwrContext* raw = nullptr;
      AVChannelLayout layout{};
      av_channel_layout_copy(&layout, &frame.ch_layout);  // swr_alloc_set_opts2 takes non-const
      const int err =
          swr_alloc_set_opts2(&raw, &layout, AV_SAMPLE_FMT_FLT, frame.sample_rate, &layout,
                              static_cast<AVSampleFormat>(frame.format), frame.sample_rate, 0, nullptr);
      av_channel_layout_uninit(&layout);
      if (err < 0 || swr_init(raw) < 0) {
        swr_free(&raw);
        throw std::runtime_error("cannot convert decoded audio");
      }
      swr.reset(raw);
    }
    buf.resize(static_cast<size_t>(frame.nb_samples + 32) * static_cast<size_t>(out.channels));
    auto* dst = reinterpret_cast<uint8_t*>(buf.data());
    const int got = swr_convert(swr.get(), &dst, frame.nb_samples + 32,
                                const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
    if (got < 0) throw std::runtime_error("cannot convert decoded audio");
    out.samples.insert(out.samples.end(), buf.begin(),
                       buf.begin() + static_cast<ptrdiff_t>(got) * out.channels);
    return true;
  });
  return out;
}

double tone_amplitude(const DecodedAudio& audio, int channel, double frequency_hz, double from_s,
                      double to_s) {
  const auto first = static_cast<size_t>(std::max(0.0, from_s) * audio.sample_rate_hz);
  const auto last = std::min(audio.frames(), static_cast<size_t>(to_s * audio.sample_rate_hz));
  if (last <= first + 1) return 0.0;
  const size_t n = last - first;
  const double w = 2.0 * M_PI * frequency_hz / audio.sample_rate_hz;
  const double coeff = 2.0 * std::cos(w);
  double s1 = 0.0;
  double s2 = 0.0;
  double window_sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double hann =
        0.5 - 0.5 * std::cos(2.0 * M_PI * static_cast<double>(i) / static_cast<double>(n - 1));
    window_sum += hann;
    const double x = audio.samples[(first + i) * static_cast<size_t>(audio.channels) + channel] * hann;
    const double s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * std::sqrt(std::max(0.0, power)) / window_sum;
}

Ebur128Reading ffmpeg_ebur128(const fs::path& path) {
  const CommandResult r =
      run_command("ffmpeg -nostdin -hide_banner -nostats -i " + shell_quote(path.string()) +
                  " -map 0:a:0 -af ebur128=peak=true -f null -");
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg ebur128 failed: " + r.output);
  // The summary comes last; take the last "I:" and "Peak:" values.
  const std::regex integrated(R"(I:\s+(-?[0-9.]+|-inf) LUFS)");
  const std::regex peak(R"(Peak:\s+(-?[0-9.]+|-inf) dBFS)");
  auto last_match = [&](const std::regex& re) {
    double value = std::numeric_limits<double>::quiet_NaN();
    for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), re); it != std::sregex_iterator();
         ++it) {
      const std::string text = (*it)[1];
      value = text == "-inf" ? -std::numeric_limits<double>::infinity() : std::stod(text);
    }
    return value;
  };
  Ebur128Reading reading;
  reading.integrated_lufs = last_match(integrated);
  reading.true_peak_dbtp = last_match(peak);
  if (std::isnan(reading.integrated_lufs) || std::isnan(reading.true_peak_dbtp)) {
    throw std::runtime_error("no ebur128 summary in ffmpeg's output: " + r.output);
  }
  return reading;
}

std::string sha256sum(const fs::path& path) {
  const CommandResult r = run_command("sha256sum " + shell_quote(path.string()));
  if (r.exit_code != 0 || r.output.size() < 64) throw std::runtime_error("sha256sum failed: " + r.output);
  return r.output.substr(0, 64);
}

namespace {

struct TestPresetLoudness {
  double integrated_lufs = -14.0;
  double true_peak_dbtp = -1.0;
};

void write_test_preset(const fs::path& folder, const std::string& name, int width_px, int height_px,
                       double max_s, const TestPresetLoudness& loudness = {}) {
  std::ostringstream y;
  y << "label: " << name << " (tests)\n"
    << "size: {width_px: " << width_px << ", height_px: " << height_px << "}\n"
    << "frame_rate: {min_fps: 23, max_fps: 60, target_fps: 30}\n"
    << "duration: {min_s: " << std::min(0.5, max_s / 2) << ", max_s: " << max_s << "}\n"
    << "video: {codec: h264, profile: high, level: \"3.1\", x264_preset: ultrafast, crf: 23,\n"
    << "        closed_gop: true, keyint_s: 1, bframes: 0, pixel_format: yuv420p}\n"
    << "audio: {codec: aac, sample_rate_hz: 48000, channels: 2, bitrate_bps: 128000}\n"
    << "loudness: {integrated_lufs: " << loudness.integrated_lufs
    << ", true_peak_dbtp: " << loudness.true_peak_dbtp << ", tolerance_lu: 1}\n"
    << "safe_zone: {top_px: 50, bottom_px: 120, left_px: 12, right_px: 30}\n";
  write_text(folder / (name + ".yaml"), y.str());
}

}  // namespace

void write_test_presets(const fs::path& folder, double short_max_s) {
  write_test_preset(folder, "small-portrait", 360, 640, 10.0);
  write_test_preset(folder, "small-landscape", 640, 360, 10.0);
  write_test_preset(folder, "short-max", 360, 640, short_max_s);
}

void write_loudness_test_preset(const fs::path& folder, const std::string& name, double integrated_lufs,
                                double true_peak_dbtp) {
  write_test_preset(folder, name, 360, 640, 10.0, {integrated_lufs, true_peak_dbtp});
}

std::vector<std::string> list_files(const fs::path& folder) {
  std::vector<std::string> files;
  if (!fs::exists(folder)) return files;
  for (auto it = fs::recursive_directory_iterator(folder); it != fs::recursive_directory_iterator(); ++it) {
    if (it->is_directory() && it->path().filename() == ".shortpack" && it.depth() == 0) {
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      files.push_back(fs::relative(it->path(), folder).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::string> list_files(const fs::path& folder, const std::string& suffix) {
  std::vector<std::string> files;
  for (std::string& f : list_files(folder)) {
    if (f.size() >= suffix.size() && f.compare(f.size() - suffix.size(), suffix.size(), suffix) == 0) {
      files.push_back(std::move(f));
    }
  }
  return files;
}

std::vector<std::string> leftover_files(const fs::path& folder) {
  std::vector<std::string> files;
  for (std::string& f : list_files(folder)) {
    const std::string name = fs::path(f).filename().string();
    const bool part = name.size() >= 5 && name.compare(name.size() - 5, 5, ".part") == 0;
    if (name.front() == '.' || part || name.find(".rejected.") != std::string::npos)
      files.push_back(std::move(f));
  }
  return files;
}

std::array<double, 3> shown_rgb(double y, double cb, double cr, Matrix matrix) {
  const double kr = matrix == Matrix::kBt709 ? 0.2126 : 0.299;
  const double kb = matrix == Matrix::kBt709 ? 0.0722 : 0.114;
  const double luma = (y - 16.0) * 255.0 / 219.0;
  const double pb = (cb - 128.0) * 255.0 / 224.0;
  const double pr = (cr - 128.0) * 255.0 / 224.0;
  const double r = luma + 2.0 * (1.0 - kr) * pr;
  const double b = luma + 2.0 * (1.0 - kb) * pb;
  const double g = (luma - kr * r - kb * b) / (1.0 - kr - kb);
  return {r, g, b};
}

std::array<double, 3> shown_rgb(const YuvPicture& picture, int x0, int y0, int x1, int y1, Matrix matrix) {
  return shown_rgb(picture.mean(0, x0, y0, x1, y1), picture.mean(1, x0, y0, x1, y1),
                   picture.mean(2, x0, y0, x1, y1), matrix);
}

}  // namespace shortpack::test

#include "pipeline/render/check.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <fstream>
#include <optional>
#include <thread>
#include <vector>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
}

#include "filters/audio/loudness_meter.h"
#include "filters/core/error.h"
#include "filters/core/frame.h"
#include "pipeline/base/text.h"
#include "pipeline/media/av_ptr.h"
#include "pipeline/render/decode_check.h"

namespace shortpack {

namespace fs = std::filesystem;

namespace {

// ---- MP4 box walk -------------------------------------------------------------------------

struct TopLevelBoxes {
  std::optional<uint64_t> moov_offset;
  std::optional<uint64_t> mdat_offset;  // first mdat
};

// Walks the top-level boxes (ISO/IEC 14496-12, 4.2): 32-bit size and type, size 1 means a 64-bit
// size follows, size 0 means "to the end of the file".
TopLevelBoxes walk_top_level_boxes(const fs::path& file) {
  TopLevelBoxes boxes;
  std::ifstream in(file, std::ios::binary);
  if (!in) return boxes;
  std::error_code ec;
  const uint64_t file_size = fs::file_size(file, ec);
  if (ec) return boxes;
  uint64_t offset = 0;
  while (offset + 8 <= file_size) {
    std::array<unsigned char, 16> header{};
    in.seekg(std::streamoff(offset));
    if (!in.read(reinterpret_cast<char*>(header.data()), 8)) break;
    uint64_t size =
        (uint64_t(header[0]) << 24) | (uint64_t(header[1]) << 16) | (uint64_t(header[2]) << 8) | header[3];
    const std::string type(reinterpret_cast<const char*>(header.data()) + 4, 4);
    if (size == 1) {
      if (!in.read(reinterpret_cast<char*>(header.data()) + 8, 8)) break;
      size = 0;
      for (int i = 8; i < 16; ++i) size = (size << 8) | header[size_t(i)];
      if (size < 16) break;
    } else if (size == 0) {
      size = file_size - offset;
    } else if (size < 8) {
      break;  // corrupt: a box cannot be smaller than its header
    }
    if (type == "moov" && !boxes.moov_offset) boxes.moov_offset = offset;
    if (type == "mdat" && !boxes.mdat_offset) boxes.mdat_offset = offset;
    if (boxes.moov_offset && boxes.mdat_offset) break;
    offset += size;
  }
  return boxes;
}

// ---- H.264 bitstream ----------------------------------------------------------------------

// True when the access unit holds an IDR slice (nal_unit_type 5). `nal_length_size` is 1..4 for
// length-prefixed (avcC, as in MP4) data, 0 for Annex B start codes.
bool has_idr_slice(const uint8_t* data, size_t size, int nal_length_size) {
  if (nal_length_size > 0) {
    size_t pos = 0;
    while (pos + size_t(nal_length_size) <= size) {
      size_t nal_size = 0;
      for (int i = 0; i < nal_length_size; ++i) nal_size = (nal_size << 8) | data[pos + size_t(i)];
      pos += size_t(nal_length_size);
      if (nal_size == 0 || pos + nal_size > size) break;
      if ((data[pos] & 0x1f) == 5) return true;
      pos += nal_size;
    }
    return false;
  }
  for (size_t i = 0; i + 3 < size; ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1) {
      if ((data[i + 3] & 0x1f) == 5) return true;
      i += 2;
    }
  }
  return false;
}

// avcC (ISO/IEC 14496-15) starts with configurationVersion 1; lengthSizeMinusOne is in byte 4.
int nal_length_size_of(const AVCodecParameters& par) {
  if (par.extradata != nullptr && par.extradata_size >= 7 && par.extradata[0] == 1) {
    return (par.extradata[4] & 0x03) + 1;
  }
  return 0;
}

// ---- AAC ----------------------------------------------------------------------------------

// The audioObjectType of an AudioSpecificConfig (ISO/IEC 14496-3, 1.6.2.1); -1 when absent.
int aac_object_type(const AVCodecParameters& par) {
  if (par.extradata != nullptr && par.extradata_size >= 2) {
    int aot = par.extradata[0] >> 3;
    if (aot == 31) aot = 32 + (((par.extradata[0] & 0x07) << 3) | (par.extradata[1] >> 5));
    return aot;
  }
  if (par.profile != FF_PROFILE_UNKNOWN) return par.profile + 1;  // libav's AAC profiles are aot - 1
  return -1;
}

std::string aac_object_type_name(int aot) {
  switch (aot) {
    case 1:
      return "Main";
    case 2:
      return "LC";
    case 3:
      return "SSR";
    case 4:
      return "LTP";
    case 5:
      return "HE-AAC (SBR)";
    case 29:
      return "HE-AAC v2 (PS)";
    case 23:
      return "LD";
    case 39:
      return "ELD";
    case -1:
      return "unknown profile";
    default:
      return "object type " + std::to_string(aot);
  }
}

// ---- text ---------------------------------------------------------------------------------

std::string bytes_text(int64_t bytes) {
  if (bytes >= 1000000000) return fmt::format("{} bytes ({:.2f} GB)", bytes, double(bytes) / 1e9);
  if (bytes >= 1000000) return fmt::format("{} bytes ({:.1f} MB)", bytes, double(bytes) / 1e6);
  return fmt::format("{} bytes", bytes);
}
std::string db_text(double value, const char* unit) {
  if (std::isinf(value) && value < 0) return fmt::format("-inf {} (silence)", unit);
  return fmt::format("{:.1f} {}", value, unit);
}

int h264_profile_rank_of(int ff_profile) {
  switch (ff_profile & ~(FF_PROFILE_H264_CONSTRAINED | FF_PROFILE_H264_INTRA)) {
    case FF_PROFILE_H264_BASELINE:
      return 0;
    case FF_PROFILE_H264_MAIN:
      return 1;
    case FF_PROFILE_H264_HIGH:
      return (ff_profile & FF_PROFILE_H264_INTRA) ? -1 : 2;
    default:
      return -1;
  }
}

// ---- the pass over the packets ------------------------------------------------------------

struct VideoScan {
  std::vector<int64_t> pts;      // presentation times of every shown frame, stream time base
  std::vector<int64_t> key_pts;  // presentation times of packets flagged as keyframes
  int keyframes = 0;
  int keyframes_without_idr = 0;
};

// Decodes one audio stream to interleaved float and meters it.
class AudioMeter {
 public:
  AudioMeter(const AVStream& stream, const fs::path& file) : file_(file) {
    const AVCodecParameters& par = *stream.codecpar;
    const AVCodec* codec = avcodec_find_decoder(par.codec_id);
    if (codec == nullptr) {
      error_ = fmt::format("no decoder for {}", avcodec_get_name(par.codec_id));
      return;
    }
    decoder_.reset(avcodec_alloc_context3(codec));
    if (!decoder_) throw Error(ErrorKind::kInternal, "out of memory allocating an audio decoder");
    check_av(avcodec_parameters_to_context(decoder_.get(), &par), ErrorKind::kMedia,
             context("audio parameters"));
    decoder_->pkt_timebase = stream.time_base;
    check_av(avcodec_open2(decoder_.get(), codec, nullptr), ErrorKind::kMedia,
             context("opening the audio decoder"));
    frame_ = make_frame();
  }

  void send(const AVPacket* packet) {
    if (!decoder_ || !error_.empty()) return;
    int ret = avcodec_send_packet(decoder_.get(), packet);
    if (ret < 0 && ret != AVERROR(EAGAIN) && ret != AVERROR_EOF) {
      // A damaged packet in a file under test is a finding, not a crash: keep what was metered.
      error_ = "audio decoding failed: " + av_error_text(ret);
      return;
    }
    while (true) {
      ret = avcodec_receive_frame(decoder_.get(), frame_.get());
      if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF) return;
      if (ret < 0) {
        error_ = "audio decoding failed: " + av_error_text(ret);
        return;
      }
      meter_frame(*frame_);
      av_frame_unref(frame_.get());
    }
  }

  void finish() { send(nullptr); }

  [[nodiscard]] const LoudnessMeter* meter() const { return meter_ ? &*meter_ : nullptr; }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  std::string context(const char* what) const { return file_.string() + ": " + what; }

  void meter_frame(const AVFrame& frame) {
    const int channels = frame.ch_layout.nb_channels;
    if (!meter_) {
      meter_.emplace(channels, frame.sample_rate);
      SwrContext* raw = nullptr;
      // libswresample 4 (FFmpeg 5.1) takes non-const layouts but only reads them.
      auto* layout = const_cast<AVChannelLayout*>(&frame.ch_layout);
      check_av(swr_alloc_set_opts2(&raw, layout, AV_SAMPLE_FMT_FLT, frame.sample_rate, layout,
                                   AVSampleFormat(frame.format), frame.sample_rate, 0, nullptr),
               ErrorKind::kMedia, context("setting up the sample converter"));
      swr_.reset(raw);
      check_av(swr_init(swr_.get()), ErrorKind::kMedia, context("setting up the sample converter"));
    }
    if (channels != meter_->channels() || frame.sample_rate != meter_->sample_rate_hz()) {
      error_ = "the audio format changes mid-stream";
      return;
    }
    samples_.resize(size_t(frame.nb_samples) * size_t(channels));
    auto* out = reinterpret_cast<uint8_t*>(samples_.data());
    const int converted = swr_convert(swr_.get(), &out, frame.nb_samples,
                                      const_cast<const uint8_t**>(frame.extended_data), frame.nb_samples);
    check_av(converted, ErrorKind::kMedia, context("converting audio samples"));
    meter_->add_frames(samples_.data(), size_t(converted));
  }

  fs::path file_;
  CodecContextPtr decoder_;
  FramePtr frame_;
  SwrPtr swr_;
  std::optional<LoudnessMeter> meter_;
  std::vector<float> samples_;
  std::string error_;
};

// ---- the file under test ------------------------------------------------------------------

// The opened file, its best video and audio streams, and what one pass over its packets found.
struct Inspection {
  InputFormatPtr format;
  int video_index = -1;
  int audio_index = -1;
  const AVStream* video = nullptr;
  const AVStream* audio = nullptr;
  VideoScan scan;  // presentation times sorted and unique after scan_packets
  std::optional<AudioMeter> audio_meter;
  double fps = 0.0;      // from the presentation times (0 with fewer than two frames)
  double frame_s = 0.0;  // one frame's duration, 1 / fps (0 with fewer than two frames)
};

const std::string kNoVideo = "no video stream";

void add(CheckReport& report, std::string name, bool passed, std::string found, std::string limit) {
  report.rules.push_back({std::move(name), passed, std::move(found), std::move(limit)});
}

std::string fps_range(const Preset& preset) {
  return fmt::format("{}..{} fps", number_text(preset.fps_min, 3), number_text(preset.fps_max, 3));
}

void open_file(Inspection& in, const fs::path& file) {
  const std::string where = file.string();
  AVFormatContext* raw = nullptr;
  check_av(avformat_open_input(&raw, where.c_str(), nullptr, nullptr), ErrorKind::kMedia,
           where + ": cannot open as a media file");
  in.format.reset(raw);
  check_av(avformat_find_stream_info(in.format.get(), nullptr), ErrorKind::kMedia,
           where + ": cannot read the stream information");
  in.video_index = av_find_best_stream(in.format.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  in.audio_index = av_find_best_stream(in.format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
  in.video = in.video_index >= 0 ? in.format->streams[in.video_index] : nullptr;
  in.audio = in.audio_index >= 0 ? in.format->streams[in.audio_index] : nullptr;
  if (in.audio) in.audio_meter.emplace(*in.audio, file);
}

void scan_video_packet(VideoScan& scan, const AVPacket& packet, int nal_length_size) {
  const int64_t pts = packet.pts != AV_NOPTS_VALUE ? packet.pts : packet.dts;
  if (pts != AV_NOPTS_VALUE) scan.pts.push_back(pts);
  if (packet.flags & AV_PKT_FLAG_KEY) {
    ++scan.keyframes;
    if (pts != AV_NOPTS_VALUE) scan.key_pts.push_back(pts);
    if (!has_idr_slice(packet.data, size_t(packet.size), nal_length_size)) ++scan.keyframes_without_idr;
  }
}

// One pass over the packets: video timing and keyframes, audio through the loudness meter.
void scan_packets(Inspection& in, const fs::path& file) {
  const int nal_length_size = in.video ? nal_length_size_of(*in.video->codecpar) : 0;
  PacketPtr packet = make_packet();
  while (true) {
    const int ret = av_read_frame(in.format.get(), packet.get());
    if (ret == AVERROR_EOF) break;
    check_av(ret, ErrorKind::kMedia, file.string() + ": cannot read a packet");
    if (in.video && packet->stream_index == in.video_index && !(packet->flags & AV_PKT_FLAG_DISCARD)) {
      scan_video_packet(in.scan, *packet, nal_length_size);
    } else if (in.audio_meter && packet->stream_index == in.audio_index) {
      in.audio_meter->send(packet.get());
    }
    av_packet_unref(packet.get());
  }
  if (in.audio_meter) in.audio_meter->finish();
  std::vector<int64_t>& pts = in.scan.pts;
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  if (in.video && pts.size() >= 2) {
    const double span_s = double(pts.back() - pts.front()) * av_q2d(in.video->time_base);
    in.fps = double(pts.size() - 1) / span_s;
    in.frame_s = 1.0 / in.fps;
  }
}

// ---- the rules, in report order -----------------------------------------------------------

void add_container_rule(CheckReport& report, const Inspection& in) {
  const std::string demuxer = in.format->iformat->name;
  const AVDictionaryEntry* brand_entry = av_dict_get(in.format->metadata, "major_brand", nullptr, 0);
  const std::string brand = brand_entry ? brand_entry->value : "";
  static const std::array<const char*, 10> kMp4Brands = {"isom", "iso2", "iso4", "iso5", "iso6",
                                                         "mp41", "mp42", "avc1", "dash", "M4V "};
  const bool is_mp4 =
      demuxer.find("mp4") != std::string::npos &&
      std::any_of(kMp4Brands.begin(), kMp4Brands.end(), [&](const char* b) { return brand == b; });
  add(report, "container", is_mp4,
      demuxer + (brand.empty() ? ", no major brand" : ", major brand '" + brand + "'"),
      "MP4 (brand isom/iso2..6/mp41/mp42/avc1)");
}

void add_video_stream_rules(CheckReport& report, const Inspection& in, const Preset& preset) {
  const std::string frame_size = fmt::format("{}x{}", preset.width_px, preset.height_px);
  if (!in.video) {
    for (const char* name : {"video-codec", "video-profile", "video-level", "pixel-format"}) {
      add(report, name, false, kNoVideo, "a video stream");
    }
    add(report, "frame-size", false, kNoVideo, frame_size);
    return;
  }
  const AVCodecParameters& vpar = *in.video->codecpar;
  add(report, "video-codec", vpar.codec_id == AV_CODEC_ID_H264, avcodec_get_name(vpar.codec_id),
      preset.video.codec);
  const char* profile_name = avcodec_profile_name(vpar.codec_id, vpar.profile);
  const int rank = vpar.codec_id == AV_CODEC_ID_H264 ? h264_profile_rank_of(vpar.profile) : -1;
  add(report, "video-profile", rank >= 0 && rank <= h264_profile_rank(preset.video.profile),
      profile_name ? profile_name : "unknown", "<= " + preset.video.profile + " (8-bit 4:2:0)");
  add(report, "video-level", vpar.level > 0 && vpar.level <= preset.video.level,
      vpar.level > 0 ? h264_level_text(vpar.level) : "unknown", "<= " + h264_level_text(preset.video.level));
  const char* pix = av_get_pix_fmt_name(AVPixelFormat(vpar.format));
  add(report, "pixel-format", pix != nullptr && preset.video.pixel_format == pix, pix ? pix : "unknown",
      preset.video.pixel_format);
  add(report, "frame-size", vpar.width == preset.width_px && vpar.height == preset.height_px,
      fmt::format("{}x{}", vpar.width, vpar.height), frame_size);
}

// Steps between presentation times and the frame rate.
void add_timing_rules(CheckReport& report, const Inspection& in, const Preset& preset) {
  const std::vector<int64_t>& pts = in.scan.pts;
  if (!in.video || pts.size() < 2) {
    const std::string found = in.video ? fmt::format("{} frame(s)", pts.size()) : kNoVideo;
    add(report, "constant-frame-rate", false, found, "at least 2 frames, all steps equal within 1 tick");
    add(report, "frame-rate", false, found, fps_range(preset));
    return;
  }
  const double tick_s = av_q2d(in.video->time_base);
  int64_t min_step = INT64_MAX;
  int64_t max_step = 0;
  for (size_t i = 1; i < pts.size(); ++i) {
    const int64_t step = pts[i] - pts[i - 1];
    min_step = std::min(min_step, step);
    max_step = std::max(max_step, step);
  }
  const bool constant = max_step - min_step <= 1;
  const auto ms = [tick_s](int64_t ticks) { return number_text(double(ticks) * tick_s * 1000.0, 3); };
  add(report, "constant-frame-rate", constant,
      constant ? fmt::format("every step {} ms", ms(min_step))
               : fmt::format("steps from {} ms to {} ms", ms(min_step), ms(max_step)),
      fmt::format("all steps equal within 1 tick ({} ms)", ms(1)));
  add(report, "frame-rate", in.fps >= preset.fps_min - 0.01 && in.fps <= preset.fps_max + 0.01,
      fmt::format("{} fps{}", number_text(in.fps, 3), constant ? "" : " (average)"), fps_range(preset));
}

void add_duration_and_size_rules(CheckReport& report, const Inspection& in, const fs::path& file,
                                 const Preset& preset) {
  double duration_s = -1.0;
  if (in.format->duration != AV_NOPTS_VALUE && in.format->duration > 0) {
    duration_s = double(in.format->duration) / AV_TIME_BASE;
  } else if (in.video && !in.scan.pts.empty()) {
    duration_s = double(in.scan.pts.back() - in.scan.pts.front()) * av_q2d(in.video->time_base) + in.frame_s;
  }
  add(report, "duration", duration_s >= preset.duration_min_s && duration_s <= preset.duration_max_s,
      duration_s >= 0 ? seconds_text(duration_s) : "unknown",
      fmt::format("{}..{} s", number_text(preset.duration_min_s, 3), number_text(preset.duration_max_s, 3)));
  std::error_code ec;
  const auto size = int64_t(fs::file_size(file, ec));
  if (preset.max_file_bytes > 0) {
    add(report, "file-size", !ec && size <= preset.max_file_bytes, bytes_text(size),
        "<= " + bytes_text(preset.max_file_bytes));
  } else {
    add(report, "file-size", !ec, bytes_text(size), "no limit stated");
  }
}

void add_fast_start_rule(CheckReport& report, const fs::path& file) {
  const TopLevelBoxes boxes = walk_top_level_boxes(file);
  std::string found;
  bool passed = false;
  if (!boxes.moov_offset) {
    found = "no top-level moov box";
  } else if (!boxes.mdat_offset) {
    found = fmt::format("moov at byte {}, no mdat box", *boxes.moov_offset);
  } else {
    passed = *boxes.moov_offset < *boxes.mdat_offset;
    found = fmt::format("moov at byte {}, first mdat at byte {}", *boxes.moov_offset, *boxes.mdat_offset);
  }
  add(report, "moov-before-mdat", passed, found, "moov before mdat (fast start)");
}

void add_keyframe_interval_rule(CheckReport& report, const Inspection& in, const Preset& preset) {
  const VideoScan& scan = in.scan;
  const std::string limit =
      fmt::format("<= {} (keyint {} s + 1 frame)", seconds_text(preset.video.keyint_s + in.frame_s),
                  number_text(preset.video.keyint_s, 3));
  if (!in.video || scan.pts.size() < 2 || scan.key_pts.empty()) {
    add(report, "keyframe-interval", false, in.video ? "no keyframes" : kNoVideo, limit);
    return;
  }
  const double tick_s = av_q2d(in.video->time_base);
  // The stream ends one frame after its last presentation time; the first frame must be a
  // keyframe, so the distance from the start to the first keyframe counts too.
  std::vector<int64_t> marks = scan.key_pts;
  std::sort(marks.begin(), marks.end());
  marks.insert(marks.begin(), scan.pts.front());
  marks.push_back(scan.pts.back() + int64_t(std::llround(in.frame_s / tick_s)));
  int64_t longest = 0;
  for (size_t i = 1; i < marks.size(); ++i) longest = std::max(longest, marks[i] - marks[i - 1]);
  const double longest_s = double(longest) * tick_s;
  add(report, "keyframe-interval", longest_s <= preset.video.keyint_s + in.frame_s + tick_s,
      fmt::format("longest {} ({} keyframes)", seconds_text(longest_s), scan.keyframes), limit);
}

void add_closed_gop_rule(CheckReport& report, const Inspection& in, const Preset& preset) {
  const std::string limit = "every keyframe an IDR picture";
  const VideoScan& scan = in.scan;
  if (!preset.video.closed_gop) {
    add(report, "closed-gop", true, "not inspected", "not required by the preset");
  } else if (!in.video || in.video->codecpar->codec_id != AV_CODEC_ID_H264 || scan.keyframes == 0) {
    add(report, "closed-gop", false, !in.video ? kNoVideo : "no H.264 keyframes", limit);
  } else {
    add(report, "closed-gop", scan.keyframes_without_idr == 0,
        scan.keyframes_without_idr == 0
            ? fmt::format("all {} keyframes are IDR", scan.keyframes)
            : fmt::format("{} of {} keyframes are not IDR (open-GOP recovery points)",
                          scan.keyframes_without_idr, scan.keyframes),
        limit);
  }
}

void add_loudness_rules(CheckReport& report, const AudioMeter& audio_meter, const LoudnessSpec& loud) {
  const std::string loudness_limit =
      fmt::format("{} +- {} LUFS", number_text(loud.integrated_lufs, 3), number_text(loud.tolerance_lu, 3));
  const std::string peak_limit = fmt::format("<= {} dBTP", number_text(loud.true_peak_dbtp, 3));
  const LoudnessMeter* meter = audio_meter.meter();
  if (meter == nullptr || !audio_meter.error().empty()) {
    const std::string why = !audio_meter.error().empty() ? audio_meter.error() : "no audio samples decoded";
    add(report, "loudness", false, why, loudness_limit);
    add(report, "true-peak", false, why, peak_limit);
    return;
  }
  const double lufs = meter->integrated_lufs();
  const double peak = meter->true_peak_dbtp();
  // A silent track (a source without sound) has no programme to normalise: it passes, and says
  // so; anything audible must meet the target.
  const bool silent = !std::isfinite(lufs) && !(peak > -60.0);
  add(report, "loudness",
      silent || (std::isfinite(lufs) && std::fabs(lufs - loud.integrated_lufs) <= loud.tolerance_lu + 1e-9),
      silent ? "silent track" : db_text(lufs, "LUFS"), loudness_limit);
  add(report, "true-peak", peak <= loud.true_peak_dbtp + 1e-9, db_text(peak, "dBTP"), peak_limit);
}

void add_audio_rules(CheckReport& report, const Inspection& in, const Preset& preset) {
  const AudioSpec& want = preset.audio;
  if (!in.audio) {
    const std::string no_audio = "no audio stream";
    const LoudnessSpec& loud = preset.loudness;
    add(report, "audio-codec", false, no_audio, want.codec + " (LC)");
    add(report, "audio-sample-rate", false, no_audio, fmt::format("{} Hz", want.sample_rate_hz));
    add(report, "audio-channels", false, no_audio, std::to_string(want.channels));
    add(report, "loudness", false, no_audio,
        fmt::format("{} +- {} LUFS", number_text(loud.integrated_lufs, 3),
                    number_text(loud.tolerance_lu, 3)));
    add(report, "true-peak", false, no_audio, fmt::format("<= {} dBTP", number_text(loud.true_peak_dbtp, 3)));
    return;
  }
  const AVCodecParameters& apar = *in.audio->codecpar;
  const bool is_aac = apar.codec_id == AV_CODEC_ID_AAC;
  const int aot = is_aac ? aac_object_type(apar) : -1;
  add(report, "audio-codec", is_aac && aot == 2,
      is_aac ? "aac (" + aac_object_type_name(aot) + ")" : std::string(avcodec_get_name(apar.codec_id)),
      want.codec + " (LC)");
  add(report, "audio-sample-rate", apar.sample_rate == want.sample_rate_hz,
      fmt::format("{} Hz", apar.sample_rate), fmt::format("{} Hz", want.sample_rate_hz));
  add(report, "audio-channels", apar.ch_layout.nb_channels == want.channels,
      std::to_string(apar.ch_layout.nb_channels), std::to_string(want.channels));
  add_loudness_rules(report, *in.audio_meter, preset.loudness);
}

}  // namespace

bool CheckReport::passed() const {
  return std::all_of(rules.begin(), rules.end(), [](const CheckRule& r) { return r.passed; });
}

const CheckRule* CheckReport::find(std::string_view name) const {
  for (const auto& rule : rules) {
    if (rule.name == name) return &rule;
  }
  return nullptr;
}

std::string describe_failures(const CheckReport& report) {
  std::string text;
  for (const auto& rule : report.rules) {
    if (rule.passed) continue;
    if (!text.empty()) text += "; ";
    text += rule.name + " " + rule.found + " (limit " + rule.limit + ")";
  }
  return text;
}

namespace {

// The decodes rule on a thread of its own, joined before its result is read and when the check
// stops early. A std::thread and its join rather than std::async: ThreadSanitizer sees a join, not
// the futex inside libstdc++ behind a future, so what the thread read is ordered before the
// caller frees it. The thread reads its own copy of the path, made before it starts: the caller's
// may live in a record that another thread frees after a join TSan cannot see (a TBB task's).
class DecodesThread {
 public:
  explicit DecodesThread(const fs::path& file)
      : file_(file), thread_([this] {
          try {
            rule_ = decodes_rule(file_);
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {}
  DecodesThread(const DecodesThread&) = delete;
  DecodesThread& operator=(const DecodesThread&) = delete;
  ~DecodesThread() {
    if (thread_.joinable()) thread_.join();
  }
  CheckRule get() {
    thread_.join();
    if (error_) std::rethrow_exception(error_);
    return std::move(rule_);
  }

 private:
  fs::path file_;
  CheckRule rule_;
  std::exception_ptr error_;
  std::thread thread_;  // last: starts once the members it reads and writes exist
};

}  // namespace

std::vector<CheckReport> check_file(const fs::path& file, const std::vector<const Preset*>& presets) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) throw Error(ErrorKind::kMedia, file.string() + ": no such file");
  // The pictures are decoded beside the pass over the packets (its own reader and decoder threads):
  // the slowest rule costs no time of the others'.
  DecodesThread decodes(file);
  Inspection in;
  open_file(in, file);
  scan_packets(in, file);
  // What does not depend on the preset is found once, however many presets judge the file.
  CheckReport shared;
  add_container_rule(shared, in);
  add_fast_start_rule(shared, file);
  shared.rules.push_back(decodes.get());
  const CheckRule& container = shared.rules[0];
  const CheckRule& fast_start = shared.rules[1];
  const CheckRule& decoded = shared.rules[2];
  std::vector<CheckReport> reports;
  reports.reserve(presets.size());
  for (const Preset* preset : presets) {
    CheckReport report;
    report.rules.push_back(container);
    add_video_stream_rules(report, in, *preset);
    add_timing_rules(report, in, *preset);
    add_duration_and_size_rules(report, in, file, *preset);
    report.rules.push_back(fast_start);
    add_keyframe_interval_rule(report, in, *preset);
    add_closed_gop_rule(report, in, *preset);
    report.rules.push_back(decoded);
    add_audio_rules(report, in, *preset);
    reports.push_back(std::move(report));
  }
  return reports;
}

CheckReport check_file(const fs::path& file, const Preset& preset) {
  return std::move(check_file(file, std::vector<const Preset*>{&preset}).front());
}

}  // namespace shortpack

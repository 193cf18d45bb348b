#include "pipeline/media/mp4_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <limits>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/log.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

CodecParametersPtr parameters_of(const AVCodecContext& video, const fs::path& final_path) {
  CodecParametersPtr p(avcodec_parameters_alloc());
  if (!p) throw Error(ErrorKind::kInternal, "out of memory describing a stream");
  check_av(avcodec_parameters_from_context(p.get(), &video), ErrorKind::kEncode,
           "cannot describe the video stream of " + final_path.string());
  return p;
}

}  // namespace

PendingAudio ready_audio(std::shared_ptr<const EncodedAudio> audio) {
  std::promise<std::shared_ptr<const EncodedAudio>> promise;
  promise.set_value(std::move(audio));
  return promise.get_future().share();
}

Mp4Writer::Mp4Writer(const fs::path& final_path, const AVCodecContext& video, PendingAudio audio)
    : Mp4Writer(final_path, *parameters_of(video, final_path), video.time_base, video.framerate,
                std::move(audio)) {}

Mp4Writer::Mp4Writer(const fs::path& final_path, const AVCodecParameters& video, AVRational time_base,
                     AVRational frame_rate, PendingAudio audio)
    : final_path_(final_path),
      temp_path_(temp_path_for(final_path)),
      pending_(std::move(audio)),
      scratch_(make_packet()) {
  AVFormatContext* raw = nullptr;
  check_av(avformat_alloc_output_context2(&raw, nullptr, "mp4", nullptr), ErrorKind::kEncode,
           "cannot create an MP4 muxer for " + final_path.string());
  format_.reset(raw);
  video_stream_ = avformat_new_stream(format_.get(), nullptr);
  if (video_stream_ == nullptr) throw Error(ErrorKind::kInternal, "out of memory adding a stream");
  check_av(avcodec_parameters_copy(video_stream_->codecpar, &video), ErrorKind::kEncode,
           "cannot describe the video stream of " + final_path.string());
  video_stream_->time_base = time_base;
  video_stream_->avg_frame_rate = frame_rate;
  try {  // no destructor runs for a constructor that throws: the temporary file goes here
    open_temp_file();
    start(false);
  } catch (...) {
    format_.reset();
    std::error_code ec;
    if (created_) fs::remove(temp_path_, ec);
    throw;
  }
}

// The audio stream and the header, once the sound is known (`wait`: wait for it), then the video
// packets held until then. False while the sound is not ready.
bool Mp4Writer::start(bool wait) {
  if (started_) return true;
  if (pending_.valid()) {
    if (!wait && pending_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
    audio_ = pending_.get();
  }
  if (audio_) {
    audio_stream_ = avformat_new_stream(format_.get(), nullptr);
    if (audio_stream_ == nullptr) throw Error(ErrorKind::kInternal, "out of memory adding a stream");
    check_av(avcodec_parameters_copy(audio_stream_->codecpar, audio_->parameters.get()), ErrorKind::kEncode,
             "cannot describe the audio stream of " + final_path_.string());
    audio_stream_->time_base = audio_->time_base;
  }
  Dictionary opts;
  opts.set("movflags", "+faststart");
  check_av(avformat_write_header(format_.get(), opts.address()), ErrorKind::kIo,
           "cannot start writing " + final_path_.string());
  const std::string leftover = opts.leftover_keys();
  if (!leftover.empty()) throw Error(ErrorKind::kEncode, "the MP4 muxer did not accept: " + leftover);
  started_ = true;
  for (Held& h : held_) write_video_now(*h.packet, h.time_base);
  held_.clear();
  return true;
}

// The temporary file is created by us (O_EXCL | O_NOFOLLOW: nothing planted under its random name
// is written through), then opened by libavformat by name; that it opened the very file we
// created is checked, since libavformat's open follows links and does not refuse an existing file.
void Mp4Writer::open_temp_file() {
  const int fd = create_temp_file(temp_path_, final_path_);
  created_ = true;
  struct stat created {};
  const bool have_created = ::fstat(fd, &created) == 0;
  ::close(fd);
  // faststart re-opens the file by its url for the second pass, so the url must be the temp name.
  format_->url = av_strdup(temp_path_.c_str());
  const int ret = avio_open(&format_->pb, temp_path_.c_str(), AVIO_FLAG_WRITE);
  if (ret < 0) {
    throw Error(ret == AVERROR(ENOSPC) || ret == AVERROR(EDQUOT) ? ErrorKind::kDiskFull : ErrorKind::kIo,
                "cannot write in " + final_path_.parent_path().string() + ": " + av_error_text(ret));
  }
  struct stat opened {};
  if (!have_created || ::lstat(temp_path_.c_str(), &opened) != 0 || !S_ISREG(opened.st_mode) ||
      opened.st_ino != created.st_ino || opened.st_dev != created.st_dev) {
    throw Error(ErrorKind::kIo,
                "the temporary file " + temp_path_.string() +
                    " was replaced while it was being opened; nothing was written through it");
  }
}

Mp4Writer::~Mp4Writer() {
  if (!finished_) {
    format_.reset();  // closes the file first
    std::error_code ec;
    fs::remove(temp_path_, ec);
  }
}

void Mp4Writer::write(AVPacket& packet) {
  (void)take_last_libav_error();
  const int64_t pts = packet.pts;
  const int64_t dts = packet.dts;
  const int stream = packet.stream_index;
  const int ret = av_interleaved_write_frame(format_.get(), &packet);
  if (ret < 0) {
    const std::string detail = take_last_libav_error();
    // EINVAL is the muxer refusing a packet (timestamps): say which one, it is our bug.
    const std::string packet_info = ret == AVERROR(EINVAL)
                                        ? " [stream " + std::to_string(stream) + " pts " +
                                              std::to_string(pts) + " dts " + std::to_string(dts) + "]"
                                        : std::string();
    throw Error(ErrorKind::kIo, "cannot write " + final_path_.string() + ": " + av_error_text(ret) +
                                    (detail.empty() ? std::string() : " (libav: " + detail + ")") +
                                    packet_info);
  }
}

// Every audio packet whose DTS is not after `seconds` (any number: with B-frames the first video
// DTS is negative, and a negative limit must still hold the audio back; finish() passes +inf).
// av_interleaved_write_frame then orders the two streams by DTS.
void Mp4Writer::write_audio_until(double seconds) {
  if (!audio_) return;
  while (next_audio_ < audio_->packets.size()) {
    const AVPacket& src = *audio_->packets[next_audio_];
    if (static_cast<double>(src.dts) * av_q2d(audio_->time_base) > seconds) break;
    check_av(av_packet_ref(scratch_.get(), &src), ErrorKind::kInternal, "referencing an audio packet");
    scratch_->stream_index = audio_stream_->index;
    av_packet_rescale_ts(scratch_.get(), audio_->time_base, audio_stream_->time_base);
    write(*scratch_);
    ++next_audio_;
  }
}

void Mp4Writer::write_video(AVPacket& packet, AVRational video_time_base) {
  if (start(false)) {
    write_video_now(packet, video_time_base);
    return;
  }
  PacketPtr held = make_packet();
  check_av(av_packet_ref(held.get(), &packet), ErrorKind::kInternal, "holding a video packet");
  held_.push_back({std::move(held), video_time_base});
}

void Mp4Writer::write_video_now(AVPacket& packet, AVRational video_time_base) {
  const double seconds = static_cast<double>(packet.dts) * av_q2d(video_time_base);
  write_audio_until(seconds);
  packet.stream_index = video_stream_->index;
  av_packet_rescale_ts(&packet, video_time_base, video_stream_->time_base);
  write(packet);
}

void Mp4Writer::finish() {
  start(true);
  write_audio_until(std::numeric_limits<double>::infinity());
  check_av(av_write_trailer(format_.get()), ErrorKind::kIo, "cannot finish " + final_path_.string());
  const int ret = avio_closep(&format_->pb);
  if (ret < 0)
    throw Error(ErrorKind::kIo, "cannot close " + final_path_.string() + ": " + av_error_text(ret));
  format_.reset();
  sync_file_and_folder(temp_path_);
  std::error_code ec;
  fs::rename(temp_path_, final_path_, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot move " + temp_path_.string() + " into place: " + ec.message());
  finished_ = true;
}

}  // namespace shortpack

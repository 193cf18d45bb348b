// Writes one MP4 (H.264 + AAC) safely: to a temporary name beside the final path, with the index
// at the front (faststart), flushed to disk, then renamed. Until finish() succeeds nothing exists
// at the final path; a writer destroyed without finish() removes its temporary file.
//
// Audio packets come pre-encoded (shared by every output of a clip) and are interleaved with the
// video packets by time as video arrives.
// Thread safety: one caller at a time.
#pragma once

#include <filesystem>
#include <memory>

#include "pipeline/base/atomic_file.h"
#include "pipeline/media/encoder.h"

namespace shortpack {

class Mp4Writer {
 public:
  Mp4Writer(const std::filesystem::path& final_path, const AVCodecContext& video,
            std::shared_ptr<const EncodedAudio> audio);
  // The video stream described by parameters (a joined stream's: its spans' encoders are gone).
  Mp4Writer(const std::filesystem::path& final_path, const AVCodecParameters& video, AVRational time_base,
            AVRational frame_rate, std::shared_ptr<const EncodedAudio> audio);
  ~Mp4Writer();
  Mp4Writer(const Mp4Writer&) = delete;
  Mp4Writer& operator=(const Mp4Writer&) = delete;

  // A video packet in `video_time_base` (the encoder's). Throws Error(kEncode / kIo).
  void write_video(AVPacket& packet, AVRational video_time_base);
  // Writes the rest of the audio and the trailer, syncs and renames. Throws Error(kIo).
  void finish();
  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  void open_temp_file();
  void write_audio_until(double seconds);
  void write(AVPacket& packet);

  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  OutputFormatPtr format_;
  std::shared_ptr<const EncodedAudio> audio_;
  size_t next_audio_ = 0;
  AVStream* video_stream_ = nullptr;
  AVStream* audio_stream_ = nullptr;
  PacketPtr scratch_;
  bool created_ = false;  // the temporary file is ours (create_temp_file succeeded)
  bool finished_ = false;
};

}  // namespace shortpack

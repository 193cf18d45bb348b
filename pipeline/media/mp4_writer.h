// Writes one MP4 (H.264 + AAC) safely: to a temporary name beside the final path, with the index
// at the front (faststart), flushed to disk, then renamed. Until finish() succeeds nothing exists
// at the final path; a writer destroyed without finish() removes its temporary file.
//
// Audio packets come pre-encoded (shared by every output of a clip) and are interleaved with the
// video packets by time as video arrives. The sound may still be being encoded when the writer is
// made (PendingAudio): the header is written once it is ready, and video packets that come before
// are held (referenced) until then, then written in the same order and interleaving as if the
// sound had been there from the start, so the file's bytes do not depend on when it came.
// Thread safety: one caller at a time.
#pragma once

#include <filesystem>
#include <future>
#include <memory>
#include <vector>

#include "pipeline/base/atomic_file.h"
#include "pipeline/media/encoder.h"

namespace shortpack {

// The sound of an output, maybe not encoded yet. Not valid(), or null when ready: no sound. A
// failure to make it is rethrown by the writer (from write_video or finish).
using PendingAudio = std::shared_future<std::shared_ptr<const EncodedAudio>>;

// A PendingAudio that is ready now.
PendingAudio ready_audio(std::shared_ptr<const EncodedAudio> audio);

class Mp4Writer {
 public:
  Mp4Writer(const std::filesystem::path& final_path, const AVCodecContext& video, PendingAudio audio);
  // The video stream described by parameters (a joined stream's: its spans' encoders are gone).
  Mp4Writer(const std::filesystem::path& final_path, const AVCodecParameters& video, AVRational time_base,
            AVRational frame_rate, PendingAudio audio);
  ~Mp4Writer();
  Mp4Writer(const Mp4Writer&) = delete;
  Mp4Writer& operator=(const Mp4Writer&) = delete;

  // A video packet in `video_time_base` (the encoder's); held while the sound is not ready.
  // Throws Error(kEncode / kIo), or what making the sound threw.
  void write_video(AVPacket& packet, AVRational video_time_base);
  // Waits for the sound, writes what was held, the rest of the audio and the trailer, syncs and
  // renames. Throws Error(kIo), or what making the sound threw.
  void finish();
  [[nodiscard]] const std::filesystem::path& temp_path() const { return temp_path_; }

 private:
  void open_temp_file();
  bool start(bool wait);
  void write_video_now(AVPacket& packet, AVRational video_time_base);
  void write_audio_until(double seconds);
  void write(AVPacket& packet);

  std::filesystem::path final_path_;
  std::filesystem::path temp_path_;
  OutputFormatPtr format_;
  PendingAudio pending_;
  std::shared_ptr<const EncodedAudio> audio_;
  struct Held {
    PacketPtr packet;
    AVRational time_base;
  };
  std::vector<Held> held_;  // video packets that came before the sound
  bool started_ = false;    // the header is written
  size_t next_audio_ = 0;
  AVStream* video_stream_ = nullptr;
  AVStream* audio_stream_ = nullptr;
  PacketPtr scratch_;
  bool created_ = false;  // the temporary file is ours (create_temp_file succeeded)
  bool finished_ = false;
};

}  // namespace shortpack

#include "pipeline/render/sharing.h"

#include <algorithm>
#include <cmath>

namespace shortpack {
namespace {

// Folds the hash of each field into one (boost's hash_combine with a 64-bit constant).
class Hasher {
 public:
  template <typename T>
  Hasher& add(const T& value) {
    return mix(std::hash<T>{}(value));
  }
  Hasher& add(const std::filesystem::path& value) { return mix(std::filesystem::hash_value(value)); }
  Hasher& add(const std::vector<std::string>& values) {
    mix(values.size());
    for (const std::string& v : values) add(v);
    return *this;
  }
  [[nodiscard]] size_t value() const { return h_; }

 private:
  Hasher& mix(size_t h) {
    h_ ^= h + 0x9e3779b97f4a7c15ULL + (h_ << 6) + (h_ >> 2);
    return *this;
  }
  size_t h_ = 0;
};

}  // namespace

VideoEncodeSettings video_settings_of(const Preset& p, AVRational frame_rate, const EncodeOverride& encode,
                                      bool proxy) {
  VideoEncodeSettings v;
  v.width_px = p.width_px;
  v.height_px = p.height_px;
  v.frame_rate = frame_rate;
  v.profile = p.video.profile;
  v.level = p.video.level;
  v.x264_preset = proxy ? p.video.x264_preset : encode.x264_preset.value_or(p.video.x264_preset);
  v.crf = proxy ? p.video.crf : encode.crf.value_or(p.video.crf);
  v.maxrate_bps = p.video.maxrate_bps;
  v.bufsize_bits = p.video.bufsize_bits;
  v.gop_frames = std::max(1, static_cast<int>(std::lround(p.video.keyint_s * av_q2d(frame_rate))));
  v.bframes = p.video.bframes;
  v.closed_gop = p.video.closed_gop;
  return v;
}

MixKey mix_of(const Clip& clip, const std::string& language) {
  const auto vo = clip.voiceover.find(language);
  return vo != clip.voiceover.end() ? MixKey{vo->second} : MixKey{};
}

GeometryKey geometry_key_of(const Preset& p) {
  return {p.width_px,      p.height_px,       p.safe.top_px,   p.safe.bottom_px, p.safe.left_px,
          p.safe.right_px, p.caption_size_px, p.logo_width_px, p.logo_position};
}

VideoKey video_key_of(const VideoEncodeSettings& v) {
  return {v.width_px,    v.height_px, v.frame_rate.num, v.frame_rate.den, v.profile,    v.level,
          v.x264_preset, v.crf,       v.maxrate_bps,    v.bufsize_bits,   v.gop_frames, v.bframes,
          v.closed_gop};
}

AudioKey audio_key_of(const Preset& p, const MixKey& mix) {
  return {mix,
          p.loudness.integrated_lufs,
          p.loudness.true_peak_dbtp,
          p.audio.sample_rate_hz,
          p.audio.channels,
          p.audio.bitrate_bps};
}

AudioEncodeSettings audio_settings_of(const AudioKey& key) {
  return {key.sample_rate_hz, key.channels, key.bitrate_bps};
}

OutputSharing sharing_of(const Preset& rendered, const VideoEncodeSettings& video, const MixKey& mix) {
  return {geometry_key_of(rendered), video_key_of(video), audio_key_of(rendered, mix)};
}

}  // namespace shortpack

using shortpack::Hasher;

size_t std::hash<shortpack::GeometryKey>::operator()(const shortpack::GeometryKey& k) const noexcept {
  return Hasher()
      .add(k.width_px)
      .add(k.height_px)
      .add(k.safe_top_px)
      .add(k.safe_bottom_px)
      .add(k.safe_left_px)
      .add(k.safe_right_px)
      .add(k.caption_size_px)
      .add(k.logo_width_px)
      .add(k.logo_position)
      .value();
}

size_t std::hash<shortpack::CaptionKey>::operator()(const shortpack::CaptionKey& k) const noexcept {
  return Hasher().add(k.language).add(k.ass_script).add(k.card_scripts).add(k.cue_sources).value();
}

size_t std::hash<shortpack::VideoKey>::operator()(const shortpack::VideoKey& k) const noexcept {
  return Hasher()
      .add(k.width_px)
      .add(k.height_px)
      .add(k.frame_rate_num)
      .add(k.frame_rate_den)
      .add(k.profile)
      .add(k.level)
      .add(k.x264_preset)
      .add(k.crf)
      .add(k.maxrate_bps)
      .add(k.bufsize_bits)
      .add(k.gop_frames)
      .add(k.bframes)
      .add(k.closed_gop)
      .value();
}

size_t std::hash<shortpack::MixKey>::operator()(const shortpack::MixKey& k) const noexcept {
  return Hasher().add(k.voiceover).value();
}

size_t std::hash<shortpack::AudioKey>::operator()(const shortpack::AudioKey& k) const noexcept {
  return Hasher()
      .add(k.mix)
      .add(k.integrated_lufs)
      .add(k.true_peak_dbtp)
      .add(k.sample_rate_hz)
      .add(k.channels)
      .add(k.bitrate_bps)
      .value();
}

size_t std::hash<shortpack::EncoderKey>::operator()(const shortpack::EncoderKey& k) const noexcept {
  return Hasher().add(k.geometry).add(k.language).add(k.video).add(k.audio).value();
}

size_t std::hash<shortpack::OutputSharing>::operator()(const shortpack::OutputSharing& k) const noexcept {
  return Hasher().add(k.geometry).add(k.video).add(k.audio).value();
}

#include "pipeline/render/audio_timeline.h"

#include <algorithm>
#include <cmath>

#include "filters/audio/loudness_meter.h"
#include "filters/core/error.h"
#include "pipeline/media/demuxer.h"

namespace shortpack {

AudioBuffer assemble_programme(const ClipTimeline& t, int rate, int channels) {
  AudioBuffer out;
  out.sample_rate_hz = rate;
  out.channels = channels;
  const auto total = static_cast<size_t>(std::llround(t.duration_s * rate));
  out.samples.assign(total * static_cast<size_t>(channels), 0.0F);
  const auto click_guard = static_cast<size_t>(0.010 * rate);
  for (size_t i = 0; i < t.segments.size(); ++i) {
    const TimelineSegment& ts = t.segments[i];
    if (ts.segment->kind != Segment::Kind::kMedia) continue;  // cards and stills are silent
    AudioBuffer part = read_audio(ts.segment->source, ts.in_s, ts.duration_s, rate, channels);
    const size_t n = part.frames();
    // Entry: the transition's overlap fades this segment in; a cut gets a click guard.
    const Transition& entry = ts.segment->transition;
    const size_t overlap = i == 0 ? 0 : static_cast<size_t>(std::llround(entry.duration_s * rate));
    if (i > 0) {
      if (entry.kind == TransitionKind::kFadeBlack) {
        apply_ramp(part.samples.data(), n, channels, 0, overlap / 2, 0.0, 0.0);
        apply_ramp(part.samples.data(), n, channels, overlap / 2, overlap - overlap / 2, 0.0, 1.0,
                   FadeShape::kEqualPower);
      } else if (overlap > 0) {
        apply_ramp(part.samples.data(), n, channels, 0, overlap, 0.0, 1.0, FadeShape::kEqualPower);
      } else {
        apply_ramp(part.samples.data(), n, channels, 0, click_guard, 0.0, 1.0);
      }
    }
    // Exit: mirror of the next segment's entry.
    if (i + 1 < t.segments.size()) {
      const Transition& next = t.segments[i + 1].segment->transition;
      const size_t out_overlap = static_cast<size_t>(std::llround(next.duration_s * rate));
      if (next.kind == TransitionKind::kFadeBlack) {
        const size_t half = out_overlap / 2;
        apply_ramp(part.samples.data(), n, channels, n - std::min(n, out_overlap), half, 1.0, 0.0,
                   FadeShape::kEqualPower);
        apply_ramp(part.samples.data(), n, channels, n - std::min(n, out_overlap) + half, out_overlap - half,
                   0.0, 0.0);
      } else if (out_overlap > 0) {
        apply_ramp(part.samples.data(), n, channels, n - std::min(n, out_overlap), out_overlap, 1.0, 0.0,
                   FadeShape::kEqualPower);
      } else {
        apply_ramp(part.samples.data(), n, channels, n - std::min(n, click_guard), click_guard, 1.0, 0.0);
      }
    }
    mix_into(out.samples.data(), total, part.samples.data(), n, channels,
             static_cast<size_t>(std::llround(ts.at_s * rate)));
  }
  return out;
}

void add_music_bed(AudioBuffer& programme, const MusicBed& music) {
  const MediaInfo info = probe_media(music.file);
  const double bed_s = std::max(0.1, info.duration_s);
  AudioBuffer bed = read_audio(music.file, 0.0, bed_s, programme.sample_rate_hz, programme.channels);
  const size_t total = programme.frames();
  const size_t bed_frames = bed.frames();
  if (bed_frames == 0) return;
  AudioBuffer looped;
  looped.channels = programme.channels;
  looped.sample_rate_hz = programme.sample_rate_hz;
  looped.samples.resize(programme.samples.size());
  for (size_t i = 0; i < total; ++i) {
    std::copy_n(bed.samples.data() + (i % bed_frames) * bed.channels, bed.channels,
                looped.samples.data() + i * looped.channels);
  }
  const auto rate = static_cast<double>(programme.sample_rate_hz);
  const auto fade_in = static_cast<size_t>(music.fade_in_s * rate);
  const auto fade_out = std::min(total, static_cast<size_t>(music.fade_out_s * rate));
  apply_ramp(looped.samples.data(), total, looped.channels, 0, fade_in, 0.0, 1.0);
  apply_ramp(looped.samples.data(), total, looped.channels, total - fade_out, fade_out, 1.0, 0.0);
  // level_db is the bed's loudness under the programme's (BS.1770, both measured here), so a
  // quiet interview and a loud one get the same balance. Over a silent programme the bed is the
  // only sound: its own level then (the loudness normaliser sets the final level anyway).
  const auto lufs_of = [](const AudioBuffer& b) {
    LoudnessMeter meter(b.channels, b.sample_rate_hz);
    meter.add_frames(b.samples.data(), b.frames());
    return meter.integrated_lufs();
  };
  const double programme_lufs = lufs_of(programme);
  const double bed_lufs = lufs_of(bed);
  double gain_db = music.level_db;
  if (std::isfinite(programme_lufs) && std::isfinite(bed_lufs))
    gain_db = programme_lufs + music.level_db - bed_lufs;
  mix_into(programme.samples.data(), total, looped.samples.data(), total, programme.channels, 0,
           std::pow(10.0, gain_db / 20.0));
}

AudioBuffer mix_voiceover(const AudioBuffer& programme, const std::filesystem::path& voice, double offset_s,
                          const DuckingOptions& options) {
  AudioBuffer out = programme;
  const MediaInfo info = probe_media(voice);
  const AudioBuffer vo =
      read_audio(voice, 0.0, info.duration_s, programme.sample_rate_hz, programme.channels);
  // The voice on the programme's timeline (silence elsewhere).
  std::vector<float> aligned(programme.samples.size(), 0.0F);
  mix_into(aligned.data(), programme.frames(), vo.samples.data(), vo.frames(), programme.channels,
           static_cast<size_t>(std::llround(offset_s * programme.sample_rate_hz)));
  duck_and_mix(out.samples.data(), aligned.data(), out.frames(), out.channels, out.sample_rate_hz, options);
  return out;
}

}  // namespace shortpack

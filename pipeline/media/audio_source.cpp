#include "pipeline/media/audio_source.h"

#include <algorithm>
#include <cmath>

#include "filters/core/error.h"
#include "pipeline/media/decoder.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace shortpack {

AudioBuffer read_audio(const std::filesystem::path& path, double start_s, double duration_s,
                       int sample_rate_hz, int channels) {
  AudioBuffer out;
  out.sample_rate_hz = sample_rate_hz;
  out.channels = channels;
  const auto total_frames = static_cast<size_t>(std::llround(duration_s * sample_rate_hz));
  out.samples.assign(total_frames * static_cast<size_t>(channels), 0.0F);

  Demuxer demuxer(path);
  if (demuxer.audio_stream() < 0) return out;  // silence
  StreamDecoder decoder(demuxer, demuxer.audio_stream(), 1);

  AVChannelLayout out_layout{};
  av_channel_layout_default(&out_layout, channels);
  SwrPtr swr;
  FramePtr frame = make_frame();
  std::vector<float> converted;
  bool started = false;
  int64_t write_pos = 0;  // in output frames, on the trimmed timeline
  // The first frame decoded must start by the trim start (within a sample at 48 kHz), or the
  // sound would begin late.
  for (bool have = seek_decoder_before(demuxer, decoder, start_s, 2e-5, *frame); have;
       have = decoder.next(*frame)) {
    if (!swr) {
      SwrContext* raw = nullptr;
      AVChannelLayout in_layout{};
      if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC) {
        av_channel_layout_default(&in_layout, frame->ch_layout.nb_channels);
      } else {
        av_channel_layout_copy(&in_layout, &frame->ch_layout);
      }
      check_av(
          swr_alloc_set_opts2(&raw, &out_layout, AV_SAMPLE_FMT_FLT, sample_rate_hz, &in_layout,
                              static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr),
          ErrorKind::kMedia, path.string() + ": cannot set up the audio resampler");
      av_channel_layout_uninit(&in_layout);
      swr.reset(raw);
      check_av(swr_init(swr.get()), ErrorKind::kMedia, path.string() + ": cannot resample its audio");
    }
    if (!started) {
      // Position of this frame on the trimmed timeline, in output samples.
      const double s = decoder.seconds_of(*frame);
      write_pos = std::isnan(s) ? 0 : std::llround((s - start_s) * sample_rate_hz);
      started = true;
    }
    const int max_out = swr_get_out_samples(swr.get(), frame->nb_samples);
    converted.resize(static_cast<size_t>(std::max(max_out, 0)) * static_cast<size_t>(channels));
    auto* dst = reinterpret_cast<uint8_t*>(converted.data());
    const int got =
        check_av(swr_convert(swr.get(), &dst, max_out, const_cast<const uint8_t**>(frame->extended_data),
                             frame->nb_samples),
                 ErrorKind::kMedia, path.string() + ": cannot resample its audio");
    for (int i = 0; i < got; ++i, ++write_pos) {
      if (write_pos < 0) continue;  // before the trim start
      if (static_cast<size_t>(write_pos) >= total_frames) break;
      std::copy_n(converted.data() + static_cast<size_t>(i) * channels, channels,
                  out.samples.data() + static_cast<size_t>(write_pos) * channels);
    }
    av_frame_unref(frame.get());
    if (write_pos >= 0 && static_cast<size_t>(write_pos) >= total_frames) break;
  }
  av_channel_layout_uninit(&out_layout);
  return out;
}

}  // namespace shortpack

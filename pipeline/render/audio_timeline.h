// The sound of a clip's timeline: every segment's audio placed where its picture is, with
// crossfades at transitions (and a 10 ms fade at cuts, so joins never click), the brand's music
// bed underneath, and per language a voice-over with the programme ducked under it.
#pragma once

#include <filesystem>

#include "filters/audio/mixer.h"
#include "pipeline/media/audio_source.h"
#include "pipeline/render/timeline.h"

namespace shortpack {

// Throws Error(kMedia) when a segment's audio cannot be decoded.
AudioBuffer assemble_programme(const ClipTimeline& timeline, int sample_rate_hz = 48000, int channels = 2);

// Mixes the music bed (looped to the length, faded in and out) at its level under the programme.
void add_music_bed(AudioBuffer& programme, const MusicBed& music);

// The programme with `voice` (a file) starting at offset_s, ducked while the voice speaks.
AudioBuffer mix_voiceover(const AudioBuffer& programme, const std::filesystem::path& voice, double offset_s,
                          const DuckingOptions& options);

}  // namespace shortpack

// The bodies of shortpack's fuzz targets, shared by the libFuzzer binaries (tests/fuzz/) and the
// unit tests that replay the committed corpora and every input a fuzzer ever crashed on
// (tests/unit/test_fuzz_regressions.cpp), so that a regression test runs exactly what the fuzzer ran.
//
// Contract of every target: it returns normally for any input. The code under test may refuse an
// input only with shortpack::Error of an expected kind (kInput or kLimit for text, kMedia, kInput
// or kLimit for media); any other exception, or a result that breaks the documented invariants
// (cues sorted, times in range, preset text round trip, ...), aborts with a message on stderr
// (a crash for libFuzzer, a death for the unit test).
// Not thread-safe: the targets share one scratch folder per process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace shortpack::fuzz {

using TargetFn = void (*)(const uint8_t* data, size_t size);

struct Target {
  const char* name;  // "srt", "vtt", "words", "ass", "campaign", "brand", "preset", "media"
  TargetFn run;
};

void fuzz_srt(const uint8_t* data, size_t size);
void fuzz_vtt(const uint8_t* data, size_t size);
// parse_words_json (*.words.json): cues as the subtitle readers', and each cue's words in order
// inside it.
void fuzz_words(const uint8_t* data, size_t size);
void fuzz_ass(const uint8_t* data, size_t size);
// The input is written to <scratch>/campaign.yaml beside a fixture of referenced files
// (media/clip.mp4, subs/clip.vi.srt, brand/brand.yaml, ...: see make_fixture) and loaded with
// the built-in preset catalog.
void fuzz_campaign(const uint8_t* data, size_t size);
void fuzz_brand(const uint8_t* data, size_t size);
// Loads <scratch>/presets/fuzz.yaml; a preset that loads must survive preset_to_yaml -> load.
void fuzz_preset(const uint8_t* data, size_t size);
// probe_media on the bytes as a file, then (when the picture is within 4096x4096) up to 8
// frames through VideoSource and, for a single picture, read_image_rgba.
void fuzz_media(const uint8_t* data, size_t size);

// Every target, for the regression replay.
const std::vector<Target>& all_targets();

// The per-process scratch folder the targets write their inputs into (created on first use,
// removed at exit).
const std::filesystem::path& scratch_folder();

}  // namespace shortpack::fuzz

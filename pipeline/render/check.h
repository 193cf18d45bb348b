// Conformance check: reads a finished file the way a platform would and compares it with a preset.
//
// check_file() opens the file with libavformat, reads every packet once, decodes the audio for
// loudness (ITU-R BS.1770 via LoudnessMeter) and walks the top-level MP4 boxes itself; beside that
// pass, on a thread of its own, it decodes every picture of the video (decode_check.h). It returns
// one rule per property, each with the value found and the limit as text, in a fixed order:
//
//   container            MP4 (mov,mp4 demuxer with an ISO/MP4 major brand, not QuickTime 'qt  ')
//   video-codec          h264
//   video-profile        at most the preset's (baseline < main < high; High 10 and others fail)
//   video-level          at most the preset's level_idc
//   pixel-format         the preset's (yuv420p: 8-bit 4:2:0)
//   frame-size           exactly the preset's width x height
//   constant-frame-rate  all steps between presentation times equal within 1 tick of the stream
//   frame-rate           average frame rate within [fps_min, fps_max]
//   duration             container duration within [duration_min_s, duration_max_s]
//   file-size            at most max_file_bytes (always passes when the preset states no limit)
//   moov-before-mdat     the 'moov' box comes before the first 'mdat' box (fast start)
//   keyframe-interval    longest keyframe-to-keyframe distance (and from the last keyframe to the
//                        end) at most keyint_s plus one frame
//   closed-gop           when the preset asks for it: every packet flagged as a keyframe holds an
//                        IDR slice (NAL type 5). An IDR empties the reference lists, so no picture
//                        after it refers across it; x264's open-GOP keyframes are non-IDR I slices
//                        and fail this rule. B-frame order inside a GOP is not inspected.
//   decodes              every picture decodes without a decoder error, warning or concealment,
//                        one per frame step of the declared frame rate from the stream's start to
//                        its declared duration; names the time of the first bad picture and the
//                        decoder's message (pipeline/render/decode_check.h). It runs beside the
//                        other rules, on a frame-threaded decoder of its own.
//   audio-codec          aac, profile LC (read from the AudioSpecificConfig)
//   audio-sample-rate    the preset's rate exactly
//   audio-channels       the preset's channel count exactly
//   loudness             integrated loudness within integrated_lufs +- tolerance_lu
//   true-peak            true peak at most true_peak_dbtp
//
// A file without a video (or audio) stream fails every video (or audio) rule, naming the cause.
// Throws Error(kMedia) when the file cannot be opened or read as media at all.
// Thread safety: check_file touches only its own libav objects; concurrent calls are fine.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/spec/preset.h"

namespace shortpack {

struct CheckRule {
  std::string name;  // kebab-case, see the list above
  bool passed = false;
  std::string found;  // e.g. "640x360"
  std::string limit;  // e.g. "1080x1920"
};

struct CheckReport {
  std::vector<CheckRule> rules;
  [[nodiscard]] bool passed() const;
  // nullptr when no rule has this name.
  [[nodiscard]] const CheckRule* find(std::string_view name) const;
};

CheckReport check_file(const std::filesystem::path& file, const Preset& preset);
// The same file judged against several presets (one_file_per_shape: one file, each platform's
// rules), read and decoded once; one report per preset, in their order.
std::vector<CheckReport> check_file(const std::filesystem::path& file,
                                    const std::vector<const Preset*>& presets);

// One line naming every failed rule with what was found and the limit, e.g.
// "frame-size 640x360 (limit 1080x1920); moov-before-mdat ..."; empty when all passed.
std::string describe_failures(const CheckReport& report);

}  // namespace shortpack

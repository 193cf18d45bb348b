// The `decodes` rule of check_file (pipeline/render/check.h): the file's video plays, start to end.
//
// Every packet of the best video stream is decoded with libavcodec's strict error recognition
// (CRC, bitstream, buffer and careful checks; damaged pictures still come out, flagged, rather
// than being dropped as AV_EF_EXPLODE would). The rule fails on the first of:
//   - a decoder error or warning logged for this decoder, or its error resilience's report of a
//     concealed picture (captured per codec context: pipeline/media/codec_log), or a packet the
//     decoder refuses;
//   - a picture flagged corrupt (AV_FRAME_FLAG_CORRUPT) or concealed (decode_error_flags);
//   - a picture missing, repeated or out of step: presentation times must run from the stream's
//     start in steps of one frame of its declared frame rate (r_frame_rate), with neither gap nor
//     duplicate, and the count must be the declared duration's (the stream's own duration / frame
//     step; not checked when the container states none for the stream, as Matroska).
// `found` names the time of the first bad picture (stream presentation time, as ffprobe shows it)
// and the decoder's own message. The first pass decodes with frame threads; only a file with a
// finding is decoded again on one thread, where each message can be tied to its packet, and that
// pass, deterministic, decides (FFmpeg 5.1's frame threads do not always carry decode_error_flags
// to the picture returned; the messages they log do not depend on timing).
// The deblocking filter is skipped (AVDISCARD_ALL): it cannot fail, and the pixels are not looked
// at, so skipping it only saves time.
//
// Thread safety: touches only its own libav objects; concurrent calls are fine.
#pragma once

#include <filesystem>

#include "pipeline/render/check.h"

namespace shortpack {

// Throws Error(kMedia) only when the file cannot be opened as media at all.
CheckRule decodes_rule(const std::filesystem::path& file);

}  // namespace shortpack

// Transitions and motion on yuv420p frames of one size: crossfade, fade through black, and the
// slow zoom/pan of stills (a "Ken Burns" move). Stateless; safe to call concurrently.
#pragma once

#include "filters/core/frame.h"

namespace shortpack {

// out = a * (1 - weight_b) + b * weight_b, per plane, rounded. Sizes must match.
FramePtr crossfade(const AVFrame& a, const AVFrame& b, double weight_b);
// In place: moves luma towards 16 and chroma towards 128 by `amount` (0: unchanged, 1: black).
void fade_to_black(AVFrame& frame, double amount);

// How a segment enters from the one before it (the campaign's `transition:`).
enum class TransitionKind { kCut = 0, kCrossfade, kFadeBlack };

// The slow move over a still (the campaign's `motion:`).
enum class MotionPath { kNone = 0, kZoomIn, kZoomOut, kPanLeft, kPanRight };
// A new frame showing a moving window of `in` at `progress` (0..1) through the segment,
// scaled back to the full size. Zoom goes from 1.0 to `max_zoom`; pans keep max_zoom and travel
// across the spare width.
FramePtr apply_motion(const AVFrame& in, MotionPath path, double progress, double max_zoom = 1.12);

}  // namespace shortpack

// Burns an ASS script onto yuv420p frames with libass (HarfBuzz complex shaping on).
//
// configure() once per output size; process() per frame, in place, on a writable frame.
// Thread safety: one CaptionBurner per branch; process() must not be called concurrently on
// the same object (libass renderers are not thread-safe). Different objects are independent.
// Blending touches only the pixels under glyph bitmaps; alpha is applied to luma per pixel and to
// chroma per 2x2 block (BT.709 limited range colours). Scripts that declare "YCbCr Matrix: TV.601"
// (or no matrix at all, as VSFilter assumes) have their colours converted with BT.601
// coefficients, so they look as their author saw them; "None" and "TV.709" use BT.709.
//
// Fonts: fontconfig, with FontSetup::default_family when a style's font is missing, plus the
// files in FontSetup::font_files and fonts embedded in the script. libass messages go to spdlog at
// debug level. The frame is rendered at its own size (storage size = frame size), so an ASS
// script's PlayRes is scaled to the frame without stretching glyphs.
// Times are milliseconds on the script's timeline (the output timeline).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "filters/core/frame.h"
#include "filters/core/rect.h"

namespace shortpack {

// Colour emoji (libass draws no colour glyphs). The script builder writes each emoji cluster as a
// placeholder glyph that libass lays out like text: kEmojiPlaceholder in kEmojiPlaceholderFont,
// scaled by kEmojiPlaceholderScale percent, no outline or shadow, opaque, in a key colour
// 0x01GGBB (#01GGBB: R = 1, G and B the key's number) unique to that occurrence, and lists the keys
// in lines "; shortpack-emoji 01GGBB <cluster UTF-8>" at the end of the script. The burner does not
// blend an image in a listed key colour: it draws the cluster's colour glyph from
// kEmojiFamily (FreeType, CBDT bitmaps) into a square centred on the placeholder's ink, as large
// as the ink's longer side (so it scales with the text). Without the emoji font the placeholder
// is skipped (nothing drawn). measure() counts the emoji's square, measure_ink() the placeholder.
inline constexpr const char* kEmojiFamily = "Noto Color Emoji";
inline constexpr const char* kEmojiPlaceholder = "\u25A0";  // BLACK SQUARE
inline constexpr const char* kEmojiPlaceholderFont = "DejaVu Sans";
inline constexpr int kEmojiPlaceholderScale = 125;
inline constexpr const char* kEmojiTableLine = "; shortpack-emoji ";
// The file of the colour emoji family, "" when fontconfig has no font of that family.
std::string emoji_font_file();

struct FontSetup {
  std::string default_family = "Noto Sans";  // fontconfig family used when a style's font is missing
  std::vector<std::string> font_files;       // extra font files to load (e.g. the brand's)
};

class CaptionBurner {
 public:
  // Throws Error(kInput) when a font file cannot be read, Error(kInternal) when libass fails.
  CaptionBurner(std::string ass_script, FontSetup fonts);
  ~CaptionBurner();
  CaptionBurner(const CaptionBurner&) = delete;
  CaptionBurner& operator=(const CaptionBurner&) = delete;

  // Only yuv420p (Error(kInternal) otherwise); the output format equals the input.
  VideoFormat configure(const VideoFormat& in);
  // Draws the captions visible at time_ms. Returns true when anything was drawn.
  // The frame must have the configured size and be writable (Error(kInternal) otherwise).
  bool process(AVFrame& frame, int64_t time_ms);
  // The bounding box of what process() drew last (x, y, w, h); all zero when nothing.
  // Only pixels with non-zero coverage count.
  using Box = PixelRect;
  [[nodiscard]] Box last_box() const { return last_box_; }

  // Replaces the script, keeping the renderer and its fonts (cheap; used to measure many
  // candidate layouts). The configured size is kept.
  void set_script(const std::string& ass_script);
  // Where process() would draw at time_ms, without touching any frame (requires configure()).
  // measure(t) then process(frame, t) renders once: a branch can ask first and copy the frame
  // only when there is something to draw.
  Box measure(int64_t time_ms);
  // The same box as measure(), without preparing anything for process(): for layout measurements
  // that render many candidate scripts and draw none (a later process() renders again).
  Box measure_ink(int64_t time_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  Box last_box_;
};

}  // namespace shortpack

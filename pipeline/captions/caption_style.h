// How captions look: the brand's caption style (loaded with it by pipeline/spec), with per-language
// fonts resolved by the caller; pipeline/captions writes the ASS script the caption burner draws
// from it.
#pragma once

#include <string>
#include <vector>

namespace shortpack {

// How captions look: from the brand, with per-language font overrides resolved by the caller.
struct CaptionStyle {
  std::string font_family = "Noto Sans";
  double size_rel = 0.042;  // font size as a fraction of the frame height
  std::string primary_colour = "#FFFFFF";
  std::string outline_colour = "#000000";
  double outline_rel = 0.12;             // outline width as a fraction of the font size
  double shadow_rel = 0.0;               // shadow offset as a fraction of the font size
  bool box = false;                      // opaque box behind the text instead of an outline
  std::string box_colour = "#000000B0";  // #RRGGBBAA
  bool bold = true;
  int max_lines = 3;
  // BCP 47 tag of the captions' language: selects the per-script fallback fonts (see
  // font_coverage.h) written as explicit \fn runs, and the shaping language. Empty: libass's own
  // fallback and no language hint.
  std::string language;
  // Extra font files (e.g. the brand's), also given to the burner in FontSetup::font_files, so
  // that the fitting of long cues measures with the same fonts.
  std::vector<std::string> font_files;
  double title_size_factor = 1.2;  // title font size relative to the caption size
  // word-highlight: the word being spoken is drawn in highlight_colour, the others as usual.
  // Words come from the cue's timings, or else from ICU word segmentation for `language`
  // (Thai, Khmer, Lao, Myanmar by dictionary) with the cue's time shared by grapheme count.
  // A cue too long for max_lines at full size is shown in pages of whole words that fit.
  // SRT/WebVTT/words.json cues only: an ASS file's own karaoke is drawn by libass as written.
  enum class Animation { kInvalid = 0, kNone, kWordHighlight };
  Animation animation = Animation::kNone;
  std::string highlight_colour = "#FFD400";
  // The spoken word keeps the text colour on an opaque box in highlight_colour.
  bool highlight_box = false;
};

}  // namespace shortpack

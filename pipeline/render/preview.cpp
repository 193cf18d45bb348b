#include "pipeline/render/preview.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <string>
#include <utility>

#include "filters/caption_burner.h"
#include "filters/core/error.h"
#include "filters/core/image.h"
#include "filters/core/plane_view.h"

namespace shortpack {
namespace {

// Blends a flat colour over a rectangle (luma coordinates, even).
void tint(AVFrame& f, cv::Rect r, const Yuv& c, double alpha) {
  r &= cv::Rect(0, 0, f.width, f.height);
  if (r.empty()) return;
  const uint8_t values[3] = {c.y, c.u, c.v};
  for (int p = 0; p < 3; ++p) {
    const cv::Rect pr =
        p == 0 ? r : cv::Rect(r.x / 2, r.y / 2, std::max(1, r.width / 2), std::max(1, r.height / 2));
    cv::Mat roi = plane_view(f, p)(pr & cv::Rect(0, 0, plane_view(f, p).cols, plane_view(f, p).rows));
    roi.convertTo(roi, CV_8UC1, 1.0 - alpha, values[p] * alpha);
  }
}

constexpr const char* kLabelHeader =
    "[Script Info]\nScriptType: v4.00+\nPlayResX: {W}\nPlayResY: {H}\nWrapStyle: 2\nScaledBorderAndShadow: "
    "yes\n\n[V4+ Styles]\n"
    "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
    "Italic, "
    "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, "
    "MarginR, MarginV, Encoding\n"
    "Style: Label,Noto "
    "Sans,28,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,1,0,0,0,100,100,0,0,1,0,0,7,0,0,0,1\n"
    "\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";

std::string label_header(int width_px, int height_px) {
  std::string h = kLabelHeader;
  h.replace(h.find("{W}"), 3, std::to_string(width_px));
  h.replace(h.find("{H}"), 3, std::to_string(height_px));
  return h;
}

std::string label_event(int x, int y, int size_px, const std::string& text) {
  return "Dialogue: 0,0:00:00.00,9:00:00.00,Label,,0,0,0,,{\\pos(" + std::to_string(x) + "," +
         std::to_string(y) + ")\\fs" + std::to_string(size_px) + "}" + text + "\n";
}

// The UTF-8 text without its last code point.
std::string drop_last_code_point(std::string text) {
  while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0xC0) == 0x80) text.pop_back();
  if (!text.empty()) text.pop_back();
  return text;
}

// Labels are measured with the renderer that draws them, on a canvas wider than any label.
class LabelFitter {
 public:
  LabelFitter()
      : head_(label_header(kCanvasW, kCanvasH)), burner_(head_ + label_event(0, 4, 28, "x"), FontSetup{}) {
    VideoFormat fmt;
    fmt.width_px = kCanvasW;
    fmt.height_px = kCanvasH;
    fmt.pixel_format = AV_PIX_FMT_YUV420P;
    burner_.configure(fmt);
  }

  // `platform · language` in at most max_w_px: at 28 px, else smaller down to 18 px, else with the
  // platform name cut short by an ellipsis (then the whole text, when even that is too wide).
  std::pair<int, std::string> fit(const std::string& platform, const std::string& language, int max_w_px) {
    const std::string sep = " \xC2\xB7 ";
    const std::string full = platform + sep + language;
    for (int size = 28; size >= kMinPx; size -= 2) {
      if (width(size, full) <= max_w_px) return {size, full};
    }
    static const std::string kEllipsis = "\xE2\x80\xA6";
    for (std::string head = drop_last_code_point(platform); !head.empty();
         head = drop_last_code_point(head)) {
      const std::string text = head + kEllipsis + sep + language;
      if (width(kMinPx, text) <= max_w_px) return {kMinPx, text};
    }
    for (std::string text = drop_last_code_point(full); !text.empty(); text = drop_last_code_point(text)) {
      if (width(kMinPx, text + kEllipsis) <= max_w_px) return {kMinPx, text + kEllipsis};
    }
    return {kMinPx, ""};
  }

 private:
  static constexpr int kCanvasW = 2048, kCanvasH = 64, kMinPx = 18;

  int width(int size, const std::string& text) {
    burner_.set_script(head_ + label_event(0, 4, size, text));
    const CaptionBurner::Box box = burner_.measure_ink(0);
    return box.w == 0 ? 0 : box.x + box.w;  // from the anchor (x 0) to the right edge of the ink
  }

  std::string head_;
  CaptionBurner burner_;
};

}  // namespace

void draw_guides(AVFrame& frame, const SafeZone& safe) {
  const int w = frame.width;
  const int h = frame.height;
  const Yuv shade = rgb_to_yuv709(200, 30, 30);
  const double a = 0.35;
  // The covered margins: top bar, bottom area, left edge, right button column.
  tint(frame, {0, 0, w, safe.top_px}, shade, a);
  tint(frame, {0, h - safe.bottom_px, w, safe.bottom_px}, shade, a);
  tint(frame, {0, safe.top_px, safe.left_px, h - safe.top_px - safe.bottom_px}, shade, a);
  tint(frame, {w - safe.right_px, safe.top_px, safe.right_px, h - safe.top_px - safe.bottom_px}, shade, a);
  // Sketch of the side buttons (like, comment, share) in the right column.
  if (safe.right_px >= 60) {
    const int size = std::min(safe.right_px - 20, 110) / 2 * 2;
    const Yuv button = rgb_to_yuv709(240, 240, 240);
    for (int i = 0; i < 4; ++i) {
      const int y = (h - safe.bottom_px - (4 - i) * (size + size / 2)) / 2 * 2;
      if (y > safe.top_px)
        tint(frame, {(w - safe.right_px / 2 - size / 2) / 2 * 2, y, size, size}, button, 0.5);
    }
  }
  // The safe zone's outline, 4 px, green.
  const Yuv line = rgb_to_yuv709(40, 220, 90);
  const int t = 4;
  const int x0 = safe.left_px;
  const int y0 = safe.top_px;
  const int x1 = w - safe.right_px;
  const int y1 = h - safe.bottom_px;
  tint(frame, {x0, y0, x1 - x0, t}, line, 1.0);
  tint(frame, {x0, y1 - t, x1 - x0, t}, line, 1.0);
  tint(frame, {x0, y0, t, y1 - y0}, line, 1.0);
  tint(frame, {x1 - t, y0, t, y1 - y0}, line, 1.0);
}

FramePtr contact_sheet(const Campaign& campaign, const PresetCatalog& presets, const std::string& clip,
                       double at_s, int tile_height_px, bool guides, const std::string& variant) {
  const int gap = 16;
  const int label_h = 44;
  // Tile widths follow each platform's shape; a row is one platform.
  std::vector<int> tile_w;
  int sheet_w = 0;
  for (const auto& platform : campaign.platforms) {
    const Preset& p = presets.get(platform);
    const int w =
        static_cast<int>(std::lround(static_cast<double>(tile_height_px) * p.width_px / p.height_px / 2.0)) *
        2;
    tile_w.push_back(w);
    sheet_w = std::max(sheet_w, gap + static_cast<int>(campaign.languages.size()) * (w + gap));
  }
  const int rows = static_cast<int>(campaign.platforms.size());
  const int sheet_h = gap + rows * (tile_height_px + label_h + gap);
  FramePtr sheet = alloc_video_frame(sheet_w, sheet_h, AV_PIX_FMT_YUV420P);
  fill_yuv420p(*sheet, 32, 128, 128);
  std::string ass = label_header(sheet_w, sheet_h);
  LabelFitter labels_fit;
  for (int row = 0; row < rows; ++row) {
    const std::string& platform = campaign.platforms[static_cast<size_t>(row)];
    const int y = gap + row * (tile_height_px + label_h + gap);
    for (size_t col = 0; col < campaign.languages.size(); ++col) {
      const std::string& lang = campaign.languages[col];
      const int x = gap + static_cast<int>(col) * (tile_w[static_cast<size_t>(row)] + gap);
      StillInfo info;
      FramePtr still = render_still(campaign, presets, clip, platform, lang, at_s, &info, variant);
      if (guides) draw_guides(*still, info.safe);
      for (int p = 0; p < 3; ++p) {
        const cv::Mat src = plane_view(*still, p);
        cv::Mat dst = plane_view(
            *sheet, p)(p == 0 ? cv::Rect(x, y + label_h, tile_w[static_cast<size_t>(row)], tile_height_px)
                              : cv::Rect(x / 2, (y + label_h) / 2, tile_w[static_cast<size_t>(row)] / 2,
                                         tile_height_px / 2));
        cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_AREA);
      }
      // Each label stays over its own tile: smaller, then elided, where the tile is narrow.
      const auto [size_px, text] = labels_fit.fit(platform, lang, tile_w[static_cast<size_t>(row)]);
      ass += label_event(x, y + 4, size_px, text);
    }
  }
  FontSetup fonts;
  CaptionBurner labels(ass, fonts);
  VideoFormat fmt;
  fmt.width_px = sheet_w;
  fmt.height_px = sheet_h;
  fmt.pixel_format = AV_PIX_FMT_YUV420P;
  labels.configure(fmt);
  labels.process(*sheet, 0);
  return sheet;
}

}  // namespace shortpack

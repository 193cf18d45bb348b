#include "pipeline/preview.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <sstream>

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
                       double at_s, int tile_height_px, bool guides) {
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
  std::ostringstream ass;
  ass << "[Script Info]\nScriptType: v4.00+\nPlayResX: " << sheet_w << "\nPlayResY: " << sheet_h
      << "\nWrapStyle: 2\nScaledBorderAndShadow: yes\n\n[V4+ Styles]\n"
      << "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, "
         "Italic, "
         "Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, "
         "MarginL, "
         "MarginR, MarginV, Encoding\n"
      << "Style: Label,Noto "
         "Sans,28,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,1,0,0,0,100,100,0,0,1,0,0,7,0,0,0,1\n\n"
      << "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";
  for (int row = 0; row < rows; ++row) {
    const std::string& platform = campaign.platforms[static_cast<size_t>(row)];
    const int y = gap + row * (tile_height_px + label_h + gap);
    for (size_t col = 0; col < campaign.languages.size(); ++col) {
      const std::string& lang = campaign.languages[col];
      const int x = gap + static_cast<int>(col) * (tile_w[static_cast<size_t>(row)] + gap);
      StillInfo info;
      FramePtr still = render_still(campaign, presets, clip, platform, lang, at_s, &info);
      if (guides) draw_guides(*still, info.safe);
      for (int p = 0; p < 3; ++p) {
        const cv::Mat src = plane_view(*still, p);
        cv::Mat dst = plane_view(
            *sheet, p)(p == 0 ? cv::Rect(x, y + label_h, tile_w[static_cast<size_t>(row)], tile_height_px)
                              : cv::Rect(x / 2, (y + label_h) / 2, tile_w[static_cast<size_t>(row)] / 2,
                                         tile_height_px / 2));
        cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_AREA);
      }
      ass << "Dialogue: 0,0:00:00.00,9:00:00.00,Label,,0,0,0,,{\\pos(" << x << "," << y + 4 << ")}"
          << platform << " \xC2\xB7 " << lang << "\n";
    }
  }
  FontSetup fonts;
  CaptionBurner labels(ass.str(), fonts);
  VideoFormat fmt;
  fmt.width_px = sheet_w;
  fmt.height_px = sheet_h;
  fmt.pixel_format = AV_PIX_FMT_YUV420P;
  labels.configure(fmt);
  labels.process(*sheet, 0);
  return sheet;
}

}  // namespace shortpack

#include "pipeline/publish/cover.h"

#include <spdlog/spdlog.h>
#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>

#include "filters/core/error.h"
#include "filters/core/plane_view.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/media/av_ptr.h"
#include "pipeline/media/video_source.h"

namespace shortpack {

namespace {

constexpr int kAnalysisShortSidePx = 360;
// Below this variance of the Laplacian no picture has anything to show: a flat colour measures
// 2.7 at TikTok's size (the edge between a 16:9 picture fitted and its blurred border), textured
// pictures 100 and more; a picture this soft is no better a cover than the middle one.
constexpr double kFlatSharpness = 10.0;
constexpr size_t kFaceLookups = 8;  // the sharpest pictures looked at for a face

cv::Mat analysis_luma(const AVFrame& frame) {
  const double k = double(kAnalysisShortSidePx) / std::min(frame.width, frame.height);
  const cv::Size size(std::max(16, int(std::lround(frame.width * k))),
                      std::max(16, int(std::lround(frame.height * k))));
  cv::Mat small;
  cv::resize(plane_view(frame, 0), small, size, 0, 0, cv::INTER_AREA);
  return small;
}

double sharpness_of(const cv::Mat& luma) {
  cv::Mat lap;
  cv::Laplacian(luma, lap, CV_64F);
  cv::Scalar mean;
  cv::Scalar stddev;
  cv::meanStdDev(lap, mean, stddev);
  return stddev[0] * stddev[0];
}

bool inside(double t, const std::vector<std::pair<double, double>>& spans) {
  return std::any_of(spans.begin(), spans.end(), [t](const auto& s) { return t >= s.first && t < s.second; });
}

struct Candidate {
  double t_s = 0.0;
  double sharpness = 0.0;
  cv::Mat luma;  // the analysis copy, for the face search
  bool rather_not = false;
};

// Every picture of the clip's own span outside the avoided spans, measured (a few a second).
std::vector<Candidate> measure_pictures(const CoverSpec& spec, std::vector<double>& all_sharpness) {
  const double fps = av_q2d(spec.frame_rate);
  VideoSource source(spec.video, 0.0, spec.duration_s, spec.frame_rate, 1);
  const int64_t step = std::max<int64_t>(1, std::llround(fps / 10.0));  // ~10 looks a second
  std::vector<Candidate> out;
  for (int64_t n = 0;; ++n) {
    const SharedFrame frame = source.next();
    if (!frame) break;
    const double t = double(n) / fps;
    if (n % step != 0 || t < spec.from_s || t >= spec.to_s) continue;
    Candidate c{t, 0.0, analysis_luma(*frame), inside(t, spec.rather_not_s)};
    c.sharpness = sharpness_of(c.luma);
    all_sharpness.push_back(c.sharpness);
    if (!inside(t, spec.avoid_s)) out.push_back(std::move(c));
  }
  return out;
}

bool has_face(cv::CascadeClassifier& faces, const cv::Mat& luma) {
  cv::Mat eq;
  cv::equalizeHist(luma, eq);
  std::vector<cv::Rect> found;
  const int min_side = std::max(24, std::min(luma.cols, luma.rows) / 10);
  faces.detectMultiScale(eq, found, 1.1, 5, 0, cv::Size(min_side, min_side));
  return !found.empty();
}

// The sharpest candidate, one with a face first (among the sharpest few, and no blurrier than the
// median), pictures where the title is already burned in last.
void choose(std::vector<Candidate>& candidates, double median, Cover& cover) {
  if (std::any_of(candidates.begin(), candidates.end(), [](const Candidate& c) { return !c.rather_not; }))
    std::erase_if(candidates, [](const Candidate& c) { return c.rather_not; });
  std::sort(candidates.begin(), candidates.end(),
            [](const Candidate& a, const Candidate& b) { return a.sharpness > b.sharpness; });
  const Candidate* best = &candidates.front();
  cv::CascadeClassifier faces;
  if (faces.load(SHORTPACK_FACE_CASCADE)) {
    for (size_t i = 0; i < std::min(kFaceLookups, candidates.size()); ++i) {
      if (candidates[i].sharpness < median) break;
      if (has_face(faces, candidates[i].luma)) {
        best = &candidates[i];
        cover.face = true;
        break;
      }
    }
  }
  cover.at_s = best->t_s;
  cover.sharpness = best->sharpness;
}

// The output's picture at `at_s` (the frame on screen then).
FramePtr picture_at(const CoverSpec& spec, double at_s) {
  // A 1000 fps clock a quarter frame after the picture's start: VideoSource gives the picture due then.
  const double t = std::min(at_s + 0.25 / av_q2d(spec.frame_rate), std::max(0.0, spec.duration_s - 0.002));
  VideoSource source(spec.video, t, 0.001, AVRational{1000, 1}, 1);
  const SharedFrame frame = source.next();
  if (!frame)
    throw Error(ErrorKind::kMedia, spec.video.string() + ": no picture at " + std::to_string(at_s) + " s");
  return make_writable_copy(*frame);
}

// `frame` cut to the cover's shape (centred) and scaled to its size.
FramePtr to_cover_size(const AVFrame& frame, int width_px, int height_px) {
  int w = frame.width;
  int h = frame.height;
  if (int64_t(w) * height_px > int64_t(h) * width_px) {
    w = int(int64_t(h) * width_px / height_px) & ~1;
  } else {
    h = int(int64_t(w) * height_px / width_px) & ~1;
  }
  const int x = ((frame.width - w) / 2) & ~1;
  const int y = ((frame.height - h) / 2) & ~1;
  const uint8_t* src[4] = {frame.data[0] + y * frame.linesize[0] + x,
                           frame.data[1] + (y / 2) * frame.linesize[1] + x / 2,
                           frame.data[2] + (y / 2) * frame.linesize[2] + x / 2, nullptr};
  FramePtr out = alloc_video_frame(width_px, height_px, AV_PIX_FMT_YUV420P);
  SwsPtr sws(sws_getContext(w, h, AV_PIX_FMT_YUV420P, width_px, height_px, AV_PIX_FMT_YUV420P,
                            SWS_LANCZOS | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!sws) throw Error(ErrorKind::kInternal, "cannot scale a cover picture");
  sws_scale(sws.get(), src, frame.linesize, 0, h, out->data, out->linesize);
  return out;
}

void draw_title(const CoverLook& spec, AVFrame& frame) {
  if (spec.title.empty()) return;
  SubtitleTrack none;
  none.format = SubtitleFormat::kSrt;
  const CaptionLayout layout{spec.width_px, spec.height_px, spec.safe};
  const TitleText title{spec.title, 60000, 0, spec.title_where};
  CaptionBurner burner(build_ass_script(none, spec.style, layout, title), spec.fonts);
  VideoFormat format;
  format.width_px = frame.width;
  format.height_px = frame.height;
  format.pixel_format = AV_PIX_FMT_YUV420P;
  burner.configure(format);
  burner.process(frame, 1000);
}

}  // namespace

CoverLook cover_look_for(const Campaign& campaign, const Clip& clip, const Preset& preset,
                         const std::string& language, const ResolvedPost& post) {
  CoverLook look;
  const auto card = clip.title.find(language);
  look.title = !post.title.empty() ? post.title : card != clip.title.end() ? card->second : std::string();
  look.title_where = campaign.source_file.string() + ":" + std::to_string(post.title_line);
  const Brand& brand = campaign.brand_of(clip);
  look.style = brand.caption_style;
  if (const auto font = brand.fonts_by_language.find(language); font != brand.fonts_by_language.end())
    look.style.font_family = font->second;
  look.style.language = language;
  look.style.size_rel = std::min(0.2, look.style.size_rel * 1.5);
  look.fonts = FontSetup{fallback_family_for_language(language), look.style.font_files};
  look.width_px = preset.post.cover_width_px > 0 ? preset.post.cover_width_px : preset.width_px;
  look.height_px = preset.post.cover_height_px > 0 ? preset.post.cover_height_px : preset.height_px;
  const double kx = double(look.width_px) / preset.width_px;
  const double ky = double(look.height_px) / preset.height_px;
  const auto px = [](double v) { return static_cast<int>(std::lround(v)); };
  look.safe = {px(preset.safe.top_px * ky), px(preset.safe.bottom_px * ky), px(preset.safe.left_px * kx),
               px(preset.safe.right_px * kx)};
  return look;
}

FramePtr cover_picture(const AVFrame& picture, const CoverLook& look) {
  FramePtr sized = to_cover_size(picture, look.width_px, look.height_px);
  draw_title(look, *sized);
  return sized;
}

double picture_sharpness(const AVFrame& frame) { return sharpness_of(analysis_luma(frame)); }

std::string encode_jpeg(const AVFrame& frame, int quality) {
  // JPEG is full range: limited-range BT.709 luma and chroma are expanded by swscale.
  FramePtr full = alloc_video_frame(frame.width, frame.height, AV_PIX_FMT_YUVJ420P);
  SwsPtr sws(sws_getContext(frame.width, frame.height, AV_PIX_FMT_YUV420P, frame.width, frame.height,
                            AV_PIX_FMT_YUVJ420P, SWS_POINT | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!sws) throw Error(ErrorKind::kInternal, "cannot convert a cover to full range");
  const int* coefs = sws_getCoefficients(SWS_CS_ITU709);
  sws_setColorspaceDetails(sws.get(), coefs, 0, coefs, 1, 0, 1 << 16, 1 << 16);
  sws_scale(sws.get(), frame.data, frame.linesize, 0, frame.height, full->data, full->linesize);
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
  if (codec == nullptr) throw Error(ErrorKind::kInternal, "no JPEG encoder in this libavcodec");
  CodecContextPtr ctx(avcodec_alloc_context3(codec));
  if (!ctx) throw Error(ErrorKind::kInternal, "out of memory allocating an encoder");
  ctx->width = frame.width;
  ctx->height = frame.height;
  ctx->pix_fmt = AV_PIX_FMT_YUVJ420P;
  ctx->color_range = AVCOL_RANGE_JPEG;
  ctx->time_base = {1, 1};
  ctx->flags |= AV_CODEC_FLAG_QSCALE;
  ctx->global_quality = FF_QP2LAMBDA * quality;
  full->quality = ctx->global_quality;
  full->pts = 0;
  check_av(avcodec_open2(ctx.get(), codec, nullptr), ErrorKind::kInternal, "cannot open the JPEG encoder");
  check_av(avcodec_send_frame(ctx.get(), full.get()), ErrorKind::kInternal, "JPEG encoding failed");
  check_av(avcodec_send_frame(ctx.get(), nullptr), ErrorKind::kInternal, "JPEG encoding failed");
  PacketPtr packet = make_packet();
  check_av(avcodec_receive_packet(ctx.get(), packet.get()), ErrorKind::kInternal, "JPEG encoding failed");
  return std::string(reinterpret_cast<const char*>(packet->data), static_cast<size_t>(packet->size));
}

Cover make_cover(const CoverSpec& spec) {
  Cover cover;
  std::vector<double> all;
  std::vector<Candidate> candidates = measure_pictures(spec, all);
  if (!all.empty()) {
    std::vector<double> sorted = all;
    std::nth_element(sorted.begin(), sorted.begin() + std::ptrdiff_t(sorted.size() / 2), sorted.end());
    cover.median_sharpness = sorted[sorted.size() / 2];
  }
  if (spec.at_s) {
    cover.at_s = std::clamp(*spec.at_s, 0.0, std::max(0.0, spec.duration_s - 1.0 / av_q2d(spec.frame_rate)));
  } else if (!candidates.empty()) {
    choose(candidates, cover.median_sharpness, cover);
  }
  if (!spec.at_s && (candidates.empty() || cover.sharpness < kFlatSharpness)) {
    cover.fallback = true;
    cover.face = false;
    cover.at_s = (spec.from_s + spec.to_s) / 2.0;
  }
  FramePtr picture = picture_at(spec, cover.at_s);
  if (spec.at_s || cover.fallback) cover.sharpness = picture_sharpness(*picture);
  const FramePtr sized = cover_picture(*picture, spec.look);
  for (int q = 2; q <= 31; q += q < 8 ? 1 : 3) {
    cover.jpeg = encode_jpeg(*sized, q);
    cover.quality = q;
    if (spec.max_bytes <= 0 || int64_t(cover.jpeg.size()) < spec.max_bytes) return cover;
  }
  throw Error(ErrorKind::kLimit, spec.video.string() + ": no JPEG cover of " +
                                     std::to_string(spec.look.width_px) + "x" +
                                     std::to_string(spec.look.height_px) + " fits under " +
                                     std::to_string(spec.max_bytes) + " bytes");
}

}  // namespace shortpack

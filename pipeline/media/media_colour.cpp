#include "pipeline/media/media_colour.h"

#include <mutex>
#include <unordered_map>

extern "C" {
#include <libavutil/mastering_display_metadata.h>
#include <libavutil/pixdesc.h>
}

namespace shortpack {
namespace {

bool is_full_range_format(AVPixelFormat f) {
  return f == AV_PIX_FMT_YUVJ420P || f == AV_PIX_FMT_YUVJ422P || f == AV_PIX_FMT_YUVJ444P ||
         f == AV_PIX_FMT_YUVJ440P || f == AV_PIX_FMT_YUVJ411P;
}

bool is_rgb_format(AVPixelFormat f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  return d != nullptr && (d->flags & AV_PIX_FMT_FLAG_RGB) != 0;
}

// Curves zimg converts (H.273 code points).
bool known_transfer(AVColorTransferCharacteristic t) {
  switch (t) {
    case AVCOL_TRC_BT709:
    case AVCOL_TRC_GAMMA22:
    case AVCOL_TRC_GAMMA28:
    case AVCOL_TRC_SMPTE170M:
    case AVCOL_TRC_SMPTE240M:
    case AVCOL_TRC_LINEAR:
    case AVCOL_TRC_LOG:
    case AVCOL_TRC_LOG_SQRT:
    case AVCOL_TRC_IEC61966_2_4:
    case AVCOL_TRC_IEC61966_2_1:
    case AVCOL_TRC_BT2020_10:
    case AVCOL_TRC_BT2020_12:
    case AVCOL_TRC_SMPTE2084:
    case AVCOL_TRC_ARIB_STD_B67:
      return true;
    default:
      return false;
  }
}

bool known_primaries(AVColorPrimaries p) {
  switch (p) {
    case AVCOL_PRI_BT709:
    case AVCOL_PRI_BT470M:
    case AVCOL_PRI_BT470BG:
    case AVCOL_PRI_SMPTE170M:
    case AVCOL_PRI_SMPTE240M:
    case AVCOL_PRI_FILM:
    case AVCOL_PRI_BT2020:
    case AVCOL_PRI_SMPTE428:
    case AVCOL_PRI_SMPTE431:
    case AVCOL_PRI_SMPTE432:
    case AVCOL_PRI_EBU3213:
      return true;
    default:
      return false;
  }
}

bool known_matrix(AVColorSpace m) {
  switch (m) {
    case AVCOL_SPC_BT709:
    case AVCOL_SPC_FCC:
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
    case AVCOL_SPC_SMPTE240M:
    case AVCOL_SPC_YCGCO:
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
    case AVCOL_SPC_CHROMA_DERIVED_NCL:
    case AVCOL_SPC_CHROMA_DERIVED_CL:
    case AVCOL_SPC_ICTCP:
      return true;
    default:
      return false;
  }
}

// Untagged primaries: BT.2020 with a BT.2020 matrix or an HDR curve; otherwise BT.709, also for
// SD. SD files made from computer pictures (every editor and FFmpeg's own RGB to Y'CbCr) carry
// BT.709/sRGB colours in the BT.601 matrix without converting primaries, and browsers show an
// untagged SD file without a primaries conversion; files tagged with SMPTE-C or EBU primaries are
// converted.
AVColorPrimaries primaries_for(const ColourDescription& c) {
  if (c.matrix == AVCOL_SPC_BT2020_NCL || c.matrix == AVCOL_SPC_BT2020_CL || c.is_hdr())
    return AVCOL_PRI_BT2020;
  return AVCOL_PRI_BT709;
}

std::string name_of(const char* name) { return name != nullptr ? name : "unknown"; }

// Problems that make a description impossible: refused rather than guessed.
std::string contradiction_of(const ColourDescription& c, AVPixelFormat format) {
  if (c.matrix == AVCOL_SPC_RGB && !is_rgb_format(format) && format != AV_PIX_FMT_NONE) {
    return "it is tagged as RGB (matrix 'gbr') but its pictures are Y'CbCr (" +
           name_of(av_get_pix_fmt_name(format)) + ")";
  }
  if (c.matrix == AVCOL_SPC_ICTCP && !c.is_hdr()) {
    return "it is tagged ICtCp, which only exists with a PQ or HLG curve, but its curve is " +
           name_of(av_color_transfer_name(c.transfer));
  }
  if (c.matrix == AVCOL_SPC_BT2020_CL && !(c.primaries == AVCOL_PRI_BT2020)) {
    return "it is tagged with the BT.2020 constant-luminance matrix but " +
           name_of(av_color_primaries_name(c.primaries)) + " primaries";
  }
  return {};
}

double light_level_nits(const AVContentLightMetadata* cll, const AVMasteringDisplayMetadata* mdm) {
  if (cll != nullptr && cll->MaxCLL > 0) return cll->MaxCLL;
  if (mdm != nullptr && mdm->has_luminance && mdm->max_luminance.den != 0) {
    const double peak = av_q2d(mdm->max_luminance);
    if (peak > 0 && peak <= 10000) return peak;
  }
  return 0.0;
}

}  // namespace

StreamColour complete_colour(AVColorSpace matrix, AVColorPrimaries primaries,
                             AVColorTransferCharacteristic transfer, AVColorRange range, AVPixelFormat format,
                             int height_px) {
  StreamColour out;
  ColourDescription& c = out.colour;
  const bool sd = height_px > 0 && height_px < 720;
  c.matrix = matrix;
  if (matrix == AVCOL_SPC_UNSPECIFIED || matrix == AVCOL_SPC_RESERVED) {
    c.matrix = sd ? AVCOL_SPC_SMPTE170M : AVCOL_SPC_BT709;
  } else if (matrix != AVCOL_SPC_RGB && !known_matrix(matrix)) {
    out.warning =
        "its colour matrix '" + name_of(av_color_space_name(matrix)) + "' is not one shortpack converts";
    c.matrix = sd ? AVCOL_SPC_SMPTE170M : AVCOL_SPC_BT709;
  }
  c.transfer = transfer;
  if (transfer == AVCOL_TRC_UNSPECIFIED || transfer == AVCOL_TRC_RESERVED ||
      transfer == AVCOL_TRC_RESERVED0) {
    c.transfer = AVCOL_TRC_BT709;
  } else if (!known_transfer(transfer)) {
    out.warning = "its transfer curve '" + name_of(av_color_transfer_name(transfer)) +
                  "' is not one shortpack knows; it is read as BT.709";
    c.transfer = AVCOL_TRC_BT709;
  }
  c.primaries = known_primaries(primaries) ? primaries : primaries_for(c);
  c.range = range == AVCOL_RANGE_JPEG || (range == AVCOL_RANGE_UNSPECIFIED && is_full_range_format(format))
                ? AVCOL_RANGE_JPEG
                : AVCOL_RANGE_MPEG;
  out.contradiction = contradiction_of(c, format);
  return out;
}

StreamColour stream_colour(const AVStream& stream) {
  const AVCodecParameters& par = *stream.codecpar;
  StreamColour out = complete_colour(par.color_space, par.color_primaries, par.color_trc, par.color_range,
                                     static_cast<AVPixelFormat>(par.format), par.height);
  if (out.colour.is_hdr()) {
    const auto* cll = reinterpret_cast<const AVContentLightMetadata*>(
        av_stream_get_side_data(&stream, AV_PKT_DATA_CONTENT_LIGHT_LEVEL, nullptr));
    const auto* mdm = reinterpret_cast<const AVMasteringDisplayMetadata*>(
        av_stream_get_side_data(&stream, AV_PKT_DATA_MASTERING_DISPLAY_METADATA, nullptr));
    out.colour.peak_nits = light_level_nits(cll, mdm);
  }
  return out;
}

ColourDescription frame_colour(const AVFrame& frame, const ColourDescription& stream) {
  const auto pick = [](auto own, auto fallback, auto unspecified) {
    return own == unspecified ? fallback : own;
  };
  StreamColour c = complete_colour(pick(frame.colorspace, stream.matrix, AVCOL_SPC_UNSPECIFIED),
                                   pick(frame.color_primaries, stream.primaries, AVCOL_PRI_UNSPECIFIED),
                                   pick(frame.color_trc, stream.transfer, AVCOL_TRC_UNSPECIFIED),
                                   pick(frame.color_range, stream.range, AVCOL_RANGE_UNSPECIFIED),
                                   static_cast<AVPixelFormat>(frame.format), frame.height);
  c.colour.peak_nits = stream.peak_nits;
  if (c.colour.is_hdr() && c.colour.peak_nits <= 0) {
    const AVFrameSideData* cll = av_frame_get_side_data(&frame, AV_FRAME_DATA_CONTENT_LIGHT_LEVEL);
    const AVFrameSideData* mdm = av_frame_get_side_data(&frame, AV_FRAME_DATA_MASTERING_DISPLAY_METADATA);
    c.colour.peak_nits =
        light_level_nits(cll ? reinterpret_cast<const AVContentLightMetadata*>(cll->data) : nullptr,
                         mdm ? reinterpret_cast<const AVMasteringDisplayMetadata*>(mdm->data) : nullptr);
  }
  if (!c.colour.is_hdr()) c.colour.peak_nits = 0.0;
  return c.colour;
}

std::shared_ptr<const ColourConverter> converter_for(const ColourDescription& colour) {
  static std::mutex mutex;
  static std::unordered_map<ColourDescription, std::shared_ptr<const ColourConverter>, ColourDescriptionHash>
      made;
  {
    const std::lock_guard<std::mutex> lock(mutex);
    if (auto it = made.find(colour); it != made.end()) return it->second;
  }
  // Built outside the lock (tens of milliseconds); a second thread building the same table wastes
  // that once, and the first one stored is kept.
  auto converter = std::make_shared<const ColourConverter>(colour);
  const std::lock_guard<std::mutex> lock(mutex);
  return made.emplace(colour, std::move(converter)).first->second;
}

}  // namespace shortpack

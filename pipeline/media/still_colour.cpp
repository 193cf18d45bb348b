#include "pipeline/media/still_colour.h"

#include <lcms2.h>
#include <libexif/exif-data.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <opencv2/core.hpp>

#include "filters/core/error.h"

namespace shortpack {
namespace {

struct ExifDataFree {
  void operator()(ExifData* d) const noexcept { exif_data_unref(d); }
};
struct ProfileClose {
  void operator()(void* p) const noexcept { cmsCloseProfile(p); }
};
struct TransformFree {
  void operator()(void* t) const noexcept { cmsDeleteTransform(t); }
};
using ProfilePtr = std::unique_ptr<void, ProfileClose>;
using TransformPtr = std::unique_ptr<void, TransformFree>;

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}
uint32_t le32(const uint8_t* p) {
  return (uint32_t{p[3]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[1]} << 8) | p[0];
}
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

// EXIF orientation from a TIFF block that starts with "Exif\0\0" (libexif wants that header).
int orientation_of_exif(const std::vector<uint8_t>& exif) {
  if (exif.empty()) return 1;
  std::unique_ptr<ExifData, ExifDataFree> data(
      exif_data_new_from_data(exif.data(), static_cast<unsigned>(exif.size())));
  if (!data) return 1;
  ExifEntry* entry = exif_data_get_entry(data.get(), EXIF_TAG_ORIENTATION);
  if (entry == nullptr || entry->format != EXIF_FORMAT_SHORT || entry->components < 1) return 1;
  const int value = exif_get_short(entry->data, exif_data_get_byte_order(data.get()));
  return value >= 1 && value <= 8 ? value : 1;
}

std::vector<uint8_t> with_exif_header(const uint8_t* tiff, size_t size) {
  static const uint8_t kHeader[6] = {'E', 'x', 'i', 'f', 0, 0};
  if (size >= 6 && std::memcmp(tiff, kHeader, 6) == 0) return std::vector<uint8_t>(tiff, tiff + size);
  std::vector<uint8_t> out(kHeader, kHeader + 6);
  out.insert(out.end(), tiff, tiff + size);
  return out;
}

// JPEG: APP1 "Exif" and APP2 "ICC_PROFILE" segments (the profile may span several, in order).
StillMetadata jpeg_metadata(const std::vector<uint8_t>& b) {
  StillMetadata m;
  std::vector<uint8_t> exif;
  size_t pos = 2;
  while (pos + 4 <= b.size() && b[pos] == 0xFF) {
    const unsigned marker = b[pos + 1];
    if (marker == 0xFF) {
      ++pos;
      continue;
    }
    if (marker == 0xDA || marker == 0xD9) break;  // image data: metadata comes before it
    const size_t length = be16(&b[pos + 2]);
    if (length < 2 || pos + 2 + length > b.size()) break;
    const uint8_t* payload = &b[pos + 4];
    const size_t size = length - 2;
    if (marker == 0xE1 && size > 6 && std::memcmp(payload, "Exif\0\0", 6) == 0 && exif.empty()) {
      exif.assign(payload, payload + size);
    } else if (marker == 0xE2 && size > 14 && std::memcmp(payload, "ICC_PROFILE\0", 12) == 0) {
      m.icc.insert(m.icc.end(), payload + 14, payload + size);
    }
    pos += 2 + length;
  }
  m.orientation = orientation_of_exif(exif);
  return m;
}

// PNG: the eXIf chunk (the decoder reads iCCP itself).
StillMetadata png_metadata(const std::vector<uint8_t>& b) {
  StillMetadata m;
  size_t pos = 8;
  while (pos + 12 <= b.size()) {
    const uint32_t length = be32(&b[pos]);
    if (length > b.size() - pos - 12) break;
    if (std::memcmp(&b[pos + 4], "eXIf", 4) == 0) {
      m.orientation = orientation_of_exif(with_exif_header(&b[pos + 8], length));
    }
    if (std::memcmp(&b[pos + 4], "IDAT", 4) == 0) break;
    pos += 12 + length;
  }
  return m;
}

// WebP (RIFF): the EXIF and ICCP chunks of an extended file.
StillMetadata webp_metadata(const std::vector<uint8_t>& b) {
  StillMetadata m;
  size_t pos = 12;
  while (pos + 8 <= b.size()) {
    const uint32_t length = le32(&b[pos + 4]);
    if (length > b.size() - pos - 8) break;
    const uint8_t* payload = &b[pos + 8];
    if (std::memcmp(&b[pos], "EXIF", 4) == 0)
      m.orientation = orientation_of_exif(with_exif_header(payload, length));
    if (std::memcmp(&b[pos], "ICCP", 4) == 0) m.icc.assign(payload, payload + length);
    pos += 8 + length + (length & 1u);
  }
  return m;
}

void transform_to_srgb(RgbaImage& image, void* from) {
  const ProfilePtr srgb(cmsCreate_sRGBProfile());
  const TransformPtr transform(
      cmsCreateTransform(from, TYPE_RGBA_8, srgb.get(), TYPE_RGBA_8, INTENT_PERCEPTUAL, cmsFLAGS_COPY_ALPHA));
  if (!transform) throw Error(ErrorKind::kInternal, "lcms2 cannot make a transform to sRGB");
  cmsDoTransform(
      transform.get(), image.pixels.data(), image.pixels.data(),
      static_cast<cmsUInt32Number>(image.width_px) * static_cast<cmsUInt32Number>(image.height_px));
}

}  // namespace

StillMetadata read_still_metadata(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8) return jpeg_metadata(b);
  if (b.size() >= 8 && std::memcmp(b.data(), "\x89PNG\r\n\x1a\n", 8) == 0) return png_metadata(b);
  if (b.size() >= 12 && std::memcmp(b.data(), "RIFF", 4) == 0 && std::memcmp(&b[8], "WEBP", 4) == 0) {
    return webp_metadata(b);
  }
  return {};
}

RgbaImage apply_orientation(const RgbaImage& image, int orientation) {
  if (orientation < 2 || orientation > 8) return image;
  const cv::Mat in(image.height_px, image.width_px, CV_8UC4, const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(in, out, 1);
      break;  // mirrored left-right
    case 3:
      cv::rotate(in, out, cv::ROTATE_180);
      break;  // upside down
    case 4:
      cv::flip(in, out, 0);
      break;  // mirrored top-bottom
    case 5:
      cv::transpose(in, out);
      break;  // mirrored, turned 90 CCW
    case 6:
      cv::rotate(in, out, cv::ROTATE_90_CLOCKWISE);
      break;   // turned 90 CW to stand upright
    case 7: {  // mirrored, turned 90 CW
      cv::Mat t;
      cv::transpose(in, t);
      cv::rotate(t, out, cv::ROTATE_180);
      break;
    }
    default:
      cv::rotate(in, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;  // 8
  }
  RgbaImage result;
  result.width_px = out.cols;
  result.height_px = out.rows;
  result.pixels.assign(out.data, out.data + out.total() * 4);
  return result;
}

std::string icc_to_srgb(RgbaImage& image, const std::vector<uint8_t>& icc,
                        const std::filesystem::path& file) {
  if (icc.empty()) return {};
  const ProfilePtr from(cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size())));
  if (!from) return file.string() + ": its ICC profile cannot be read; its colours are taken as sRGB";
  const cmsColorSpaceSignature space = cmsGetColorSpace(from.get());
  if (space == cmsSigGrayData) return {};  // a grey picture: R = G = B whatever the profile's curve
  if (space != cmsSigRgbData) {
    return file.string() + ": its ICC profile is not for RGB pictures; its colours are taken as sRGB";
  }
  transform_to_srgb(image, from.get());
  return {};
}

void primaries_to_srgb(RgbaImage& image, const Chromaticities& c) {
  const cmsCIExyY white{c.white_x, c.white_y, 1.0};
  const cmsCIExyYTRIPLE primaries{
      {c.red_x, c.red_y, 1.0}, {c.green_x, c.green_y, 1.0}, {c.blue_x, c.blue_y, 1.0}};
  // The sRGB curve (IEC 61966-2-1), what HEIF photos of phones use with wide-gamut primaries.
  const cmsFloat64Number params[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
  cmsToneCurve* curve = cmsBuildParametricToneCurve(nullptr, 4, params);
  if (curve == nullptr) throw Error(ErrorKind::kInternal, "lcms2 cannot build the sRGB curve");
  cmsToneCurve* curves[3] = {curve, curve, curve};
  const ProfilePtr from(cmsCreateRGBProfile(&white, &primaries, curves));
  cmsFreeToneCurve(curve);
  if (!from) throw Error(ErrorKind::kInternal, "lcms2 cannot build a profile for the picture's primaries");
  transform_to_srgb(image, from.get());
}

}  // namespace shortpack

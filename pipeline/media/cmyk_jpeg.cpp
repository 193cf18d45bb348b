#include "pipeline/media/cmyk_jpeg.h"

#include <lcms2.h>
#include <turbojpeg.h>

#include <fstream>
#include <iterator>
#include <memory>

#include "filters/core/error.h"

namespace shortpack {
namespace {

struct TjFree {
  void operator()(void* h) const noexcept { tjDestroy(h); }
};
struct ProfileFree {
  void operator()(void* p) const noexcept { cmsCloseProfile(p); }
};
struct TransformFree {
  void operator()(void* t) const noexcept { cmsDeleteTransform(t); }
};

// The Adobe APP14 marker ("Adobe" after FF EE) before the first scan: the ink is stored inverted.
bool has_adobe_marker(const std::vector<uint8_t>& b) {
  size_t i = 2;
  while (i + 4 <= b.size() && b[i] == 0xFF) {
    const uint8_t marker = b[i + 1];
    if (marker == 0xDA) break;  // start of scan: no more headers
    const size_t length = (size_t{b[i + 2]} << 8) | b[i + 3];
    if (marker == 0xEE && length >= 7 && i + 9 <= b.size() &&
        std::string(b.begin() + i + 4, b.begin() + i + 9) == "Adobe") {
      return true;
    }
    i += 2 + length;
  }
  return false;
}

std::vector<uint8_t> file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

uint8_t ink_free(uint8_t v, bool inverted) { return inverted ? v : static_cast<uint8_t>(255 - v); }

// No profile: the naive formula (what browsers show for a CMYK file without a profile).
void naive_to_rgba(const std::vector<uint8_t>& cmyk, bool inverted, RgbaImage& image) {
  for (size_t i = 0, n = cmyk.size() / 4; i < n; ++i) {
    const unsigned k = ink_free(cmyk[4 * i + 3], inverted);
    for (int c = 0; c < 3; ++c) {
      image.pixels[4 * i + c] = static_cast<uint8_t>((ink_free(cmyk[4 * i + c], inverted) * k + 127) / 255);
    }
    image.pixels[4 * i + 3] = 255;
  }
}

// With the file's CMYK profile, to sRGB; false when the profile cannot serve.
bool profile_to_rgba(const std::vector<uint8_t>& cmyk, bool inverted, const std::vector<uint8_t>& icc,
                     RgbaImage& image) {
  const std::unique_ptr<void, ProfileFree> from(
      cmsOpenProfileFromMem(icc.data(), static_cast<cmsUInt32Number>(icc.size())));
  if (!from || cmsGetColorSpace(from.get()) != cmsSigCmykData) return false;
  const std::unique_ptr<void, ProfileFree> to(cmsCreate_sRGBProfile());
  const cmsUInt32Number in_format = inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8;
  const std::unique_ptr<void, TransformFree> transform(
      cmsCreateTransform(from.get(), in_format, to.get(), TYPE_RGBA_8, INTENT_PERCEPTUAL, 0));
  if (!transform) return false;
  // Alpha is not touched by the transform (no cmsFLAGS_COPY_ALPHA): opaque first.
  for (size_t i = 3; i < image.pixels.size(); i += 4) image.pixels[i] = 255;
  cmsDoTransform(transform.get(), cmyk.data(), image.pixels.data(),
                 static_cast<cmsUInt32Number>(static_cast<size_t>(image.width_px) * image.height_px));
  return true;
}

}  // namespace

bool is_cmyk_jpeg(const std::vector<uint8_t>& b) {
  if (b.size() < 4 || b[0] != 0xFF || b[1] != 0xD8) return false;
  size_t i = 2;
  while (i + 10 <= b.size() && b[i] == 0xFF) {
    const uint8_t marker = b[i + 1];
    const size_t length = (size_t{b[i + 2]} << 8) | b[i + 3];
    // A start of frame (C0..CF but DHT C4, JPG C8, DAC CC): its component count.
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
      return b[i + 9] == 4;
    if (marker == 0xDA) return false;
    i += 2 + length;
  }
  return false;
}

RgbaImage read_cmyk_jpeg(const std::filesystem::path& path, int64_t max_pixels,
                         const std::vector<uint8_t>& icc, std::string& warning) {
  const std::vector<uint8_t> bytes = file_bytes(path);
  const std::unique_ptr<void, TjFree> tj(tjInitDecompress());
  if (!tj) throw Error(ErrorKind::kInternal, "TurboJPEG cannot start");
  int w = 0;
  int h = 0;
  int subsampling = 0;
  int colourspace = 0;
  if (tjDecompressHeader3(tj.get(), bytes.data(), bytes.size(), &w, &h, &subsampling, &colourspace) != 0) {
    throw Error(ErrorKind::kMedia,
                std::string("its JPEG header cannot be read: ") + tjGetErrorStr2(tj.get()));
  }
  if (w <= 0 || h <= 0) throw Error(ErrorKind::kMedia, "its picture size cannot be read");
  if (w > max_pixels / h) {
    throw Error(ErrorKind::kLimit,
                path.string() + " is " + std::to_string(w) + "x" + std::to_string(h) +
                    " pixels, over the limit of " + std::to_string(max_pixels) +
                    " (use a smaller image, or raise the limit with --limit image_pixels=N)");
  }
  std::vector<uint8_t> cmyk(static_cast<size_t>(w) * h * 4);
  if (tjDecompress2(tj.get(), bytes.data(), bytes.size(), cmyk.data(), w, w * 4, h, TJPF_CMYK, 0) != 0 &&
      tjGetErrorCode(tj.get()) == TJERR_FATAL) {
    throw Error(ErrorKind::kMedia, std::string("it cannot be decoded: ") + tjGetErrorStr2(tj.get()));
  }
  RgbaImage image;
  image.width_px = w;
  image.height_px = h;
  image.pixels.resize(static_cast<size_t>(w) * h * 4);
  const bool inverted = has_adobe_marker(bytes);
  if (icc.empty() || !profile_to_rgba(cmyk, inverted, icc, image)) {
    if (!icc.empty()) {
      warning = path.string() +
                ": its ICC profile cannot be used for its CMYK pixels; its colours are taken naively";
    }
    naive_to_rgba(cmyk, inverted, image);
  }
  return image;
}

}  // namespace shortpack

#include "pipeline/media/heif_reader.h"

#include <libheif/heif.h>

#include <cstring>
#include <memory>

#include "filters/core/error.h"
#include "pipeline/media/still_colour.h"

namespace shortpack {
namespace {

struct HeifFree {
  void operator()(heif_context* c) const noexcept { heif_context_free(c); }
  void operator()(heif_image_handle* h) const noexcept { heif_image_handle_release(h); }
  void operator()(heif_image* i) const noexcept { heif_image_release(i); }
  void operator()(heif_decoding_options* o) const noexcept { heif_decoding_options_free(o); }
  void operator()(heif_color_profile_nclx* n) const noexcept { heif_nclx_color_profile_free(n); }
};
template <typename T>
using HeifPtr = std::unique_ptr<T, HeifFree>;

void check_heif(const heif_error& e, const char* what) {
  if (e.code == heif_error_Ok) return;
  throw Error(ErrorKind::kMedia, std::string(what) + ": " + (e.message ? e.message : "libheif error"));
}

// sRGB and BT.709 share primaries: only other primaries need a conversion.
bool srgb_primaries(heif_color_primaries p) {
  return p == heif_color_primaries_ITU_R_BT_709_5 || p == heif_color_primaries_unspecified;
}

void to_srgb(const heif_image_handle& handle, RgbaImage& image, const std::filesystem::path& path,
             std::string& warning) {
  const heif_color_profile_type type = heif_image_handle_get_color_profile_type(&handle);
  if (type == heif_color_profile_type_prof || type == heif_color_profile_type_rICC) {
    std::vector<uint8_t> icc(heif_image_handle_get_raw_color_profile_size(&handle));
    check_heif(heif_image_handle_get_raw_color_profile(&handle, icc.data()), "its colour profile");
    warning = icc_to_srgb(image, icc, path);
    return;
  }
  heif_color_profile_nclx* raw = nullptr;
  if (heif_image_handle_get_nclx_color_profile(&handle, &raw).code != heif_error_Ok || raw == nullptr) return;
  const HeifPtr<heif_color_profile_nclx> nclx(raw);
  if (srgb_primaries(nclx->color_primaries)) return;
  primaries_to_srgb(image,
                    {nclx->color_primary_red_x, nclx->color_primary_red_y, nclx->color_primary_green_x,
                     nclx->color_primary_green_y, nclx->color_primary_blue_x, nclx->color_primary_blue_y,
                     nclx->color_primary_white_x, nclx->color_primary_white_y});
}

}  // namespace

bool looks_like_heif(const std::vector<uint8_t>& head) {
  if (head.size() < 12 || std::memcmp(&head[4], "ftyp", 4) != 0) return false;
  for (const char* brand : {"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"}) {
    if (std::memcmp(&head[8], brand, 4) == 0) return true;
  }
  return false;
}

RgbaImage read_heif_rgba(const std::filesystem::path& path, int64_t max_pixels, std::string& warning) {
  const HeifPtr<heif_context> context(heif_context_alloc());
  if (!context) throw Error(ErrorKind::kInternal, "out of memory opening a HEIF file");
  check_heif(heif_context_read_from_file(context.get(), path.c_str(), nullptr), "libheif cannot read it");
  heif_image_handle* raw_handle = nullptr;
  check_heif(heif_context_get_primary_image_handle(context.get(), &raw_handle), "it has no primary picture");
  const HeifPtr<heif_image_handle> handle(raw_handle);
  const int64_t w = heif_image_handle_get_width(handle.get());
  const int64_t h = heif_image_handle_get_height(handle.get());
  if (w <= 0 || h <= 0) throw Error(ErrorKind::kMedia, "its picture size cannot be read");
  if (w > max_pixels / h) {
    throw Error(ErrorKind::kLimit,
                path.string() + " is " + std::to_string(w) + "x" + std::to_string(h) +
                    " pixels, over the limit of " + std::to_string(max_pixels) +
                    " (use a smaller image, or raise the limit with --limit image_pixels=N)");
  }
  // The file's rotation and mirror (irot, imir) are applied by libheif (not ignored).
  const HeifPtr<heif_decoding_options> options(heif_decoding_options_alloc());
  options->ignore_transformations = 0;
  heif_image* raw_image = nullptr;
  check_heif(heif_decode_image(handle.get(), &raw_image, heif_colorspace_RGB, heif_chroma_interleaved_RGBA,
                               options.get()),
             "libheif cannot decode its picture");
  const HeifPtr<heif_image> image(raw_image);
  int stride = 0;
  const uint8_t* plane = heif_image_get_plane_readonly(image.get(), heif_channel_interleaved, &stride);
  if (plane == nullptr) throw Error(ErrorKind::kMedia, "libheif gave no pixels");
  RgbaImage out;
  out.width_px = heif_image_get_width(image.get(), heif_channel_interleaved);
  out.height_px = heif_image_get_height(image.get(), heif_channel_interleaved);
  out.pixels.resize(static_cast<size_t>(out.width_px) * out.height_px * 4);
  for (int y = 0; y < out.height_px; ++y) {
    std::memcpy(&out.pixels[static_cast<size_t>(y) * out.width_px * 4],
                plane + static_cast<ptrdiff_t>(y) * stride, static_cast<size_t>(out.width_px) * 4);
  }
  to_srgb(*handle, out, path, warning);
  return out;
}

}  // namespace shortpack

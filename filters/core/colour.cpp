#include "filters/core/colour.h"

#include <functional>

#include "filters/core/error.h"

extern "C" {
#include <libavutil/pixdesc.h>
}

namespace shortpack {
namespace {

std::string name_or_number(const char* name, int value) {
  return name != nullptr ? std::string(name) : std::to_string(value);
}

}  // namespace

bool is_bt709_curve(AVColorTransferCharacteristic transfer) noexcept {
  return transfer == AVCOL_TRC_BT709 || transfer == AVCOL_TRC_SMPTE170M || transfer == AVCOL_TRC_BT2020_10 ||
         transfer == AVCOL_TRC_BT2020_12;
}

bool ColourDescription::is_hdr() const noexcept {
  return transfer == AVCOL_TRC_SMPTE2084 || transfer == AVCOL_TRC_ARIB_STD_B67;
}

bool ColourDescription::is_output() const noexcept {
  return matrix == AVCOL_SPC_BT709 && primaries == AVCOL_PRI_BT709 && is_bt709_curve(transfer) &&
         range == AVCOL_RANGE_MPEG;
}

std::string ColourDescription::describe() const {
  std::string text = name_or_number(av_color_space_name(matrix), matrix) + "/" +
                     name_or_number(av_color_primaries_name(primaries), primaries) + "/" +
                     name_or_number(av_color_transfer_name(transfer), transfer) + " " +
                     name_or_number(av_color_range_name(range), range);
  if (peak_nits > 0) text += ", peak " + std::to_string(static_cast<int>(peak_nits)) + " cd/m2";
  return text;
}

size_t ColourDescriptionHash::operator()(const ColourDescription& c) const noexcept {
  size_t h = std::hash<int>{}(c.matrix);
  for (const size_t v : {std::hash<int>{}(c.primaries), std::hash<int>{}(c.transfer),
                         std::hash<int>{}(c.range), std::hash<double>{}(c.peak_nits)}) {
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

}  // namespace shortpack

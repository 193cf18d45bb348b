#include "support/fonts.h"

#include <fontconfig/fontconfig.h>

#include <memory>

namespace shortpack::test {

std::string font_file_for(const std::string& pattern) {
  const std::unique_ptr<FcPattern, decltype(&FcPatternDestroy)> pat(
      FcNameParse(reinterpret_cast<const FcChar8*>(pattern.c_str())), &FcPatternDestroy);
  if (!pat) return {};
  FcConfigSubstitute(nullptr, pat.get(), FcMatchPattern);
  FcDefaultSubstitute(pat.get());
  FcResult result = FcResultNoMatch;
  const std::unique_ptr<FcPattern, decltype(&FcPatternDestroy)> match(
      FcFontMatch(nullptr, pat.get(), &result), &FcPatternDestroy);
  FcChar8* file = nullptr;
  if (!match || FcPatternGetString(match.get(), FC_FILE, 0, &file) != FcResultMatch || file == nullptr)
    return {};
  return reinterpret_cast<const char*>(file);
}

}  // namespace shortpack::test

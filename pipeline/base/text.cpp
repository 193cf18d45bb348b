#include "pipeline/base/text.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

namespace shortpack {

std::string number_text(double value) {
  std::array<char, 512> buf{};  // fixed notation of the largest double takes 309 digits
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed);
  if (result.ec != std::errc()) return std::to_string(value);
  return std::string(buf.data(), result.ptr);
}

std::string number_text(double value, int max_decimals) {
  if (!std::isfinite(value)) return number_text(value);
  std::array<char, 512> buf{};
  const auto result = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed,
                                    std::clamp(max_decimals, 0, 17));
  if (result.ec != std::errc()) return number_text(value);
  std::string text(buf.data(), result.ptr);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string seconds_text(double seconds) {
  return fmt::format("{:.3f} s", seconds);  // fmt ignores the locale: always a '.'
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : char(c); });
  return out;
}

std::string ascii_upper(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : char(c); });
  return out;
}

}  // namespace shortpack

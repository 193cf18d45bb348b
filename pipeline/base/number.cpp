#include "pipeline/base/number.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "filters/core/error.h"

namespace shortpack {

std::optional<double> parse_finite_number(std::string_view text) {
  const char* first = text.data();
  const char* last = text.data() + text.size();
  if (first != last && *first == '+') ++first;
  if (first == last || *first == '+' || *first == ' ') return std::nullopt;
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || ptr != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

double number_in_range(std::string_view text, double lo, double hi, std::string_view where,
                       std::string_view what) {
  const std::optional<double> value = parse_finite_number(text);
  if (!value || *value < lo || *value > hi) {
    std::ostringstream message;
    message.imbue(std::locale::classic());
    const std::string shown(text.substr(0, 40));
    message << where << " must be " << what << " from " << lo << " to " << hi << ", not '" << shown
            << (text.size() > 40 ? "..." : "") << "'.";
    throw Error(ErrorKind::kInput, message.str());
  }
  return *value;
}

double clamp_finite(double value, double lo, double hi) noexcept {
  if (std::isnan(value)) return lo;
  return std::clamp(value, lo, hi);
}

}  // namespace shortpack

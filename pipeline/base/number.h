// The one rule for a number that comes from a user: a command-line option, a query parameter of
// the studio, a value in a campaign, preset or caption file. A number is decimal ("+" allowed,
// an exponent allowed), finite (never nan or inf), with nothing after it, and within the range
// of where it enters; a value out of range is refused with one sentence naming where it came
// from and the range, or, where a format's own readers accept anything (ASS style values), clamped.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace shortpack {

// The finite number `text` is exactly, or nullopt ("", "abc", "1.5s", " 1", "nan", "inf", "1e400").
std::optional<double> parse_finite_number(std::string_view text);

// The number in `text`, within lo..hi. Otherwise throws Error(kInput):
// "<where> must be <what> from <lo> to <hi>, not '<text>'." (`where`: "--at", "the query parameter t").
double number_in_range(std::string_view text, double lo, double hi, std::string_view where,
                       std::string_view what);

// `value` within lo..hi; NaN is lo.
double clamp_finite(double value, double lo, double hi) noexcept;

}  // namespace shortpack

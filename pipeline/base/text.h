// Text formatting shared by every room: numbers as messages and files show them, lists, case.
// All of it is locale-independent (a decimal point is always '.').
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shortpack {

// The shortest plain decimal that reads back as the same double: 2.5, 600, 10000000, 0.1.
// What files written by shortpack hold (they load back unchanged) and how messages quote numbers.
std::string number_text(double value);
// Rounded to at most `max_decimals` places, trailing zeros dropped: 29.97, 30, 0.042.
// For measured figures, where the last digits of a double are noise.
std::string number_text(double value, int max_decimals);
// "1.500 s": a measured time in a check or a report, to the millisecond.
std::string seconds_text(double seconds);

// "a, b, c" (or with another separator).
std::string join(const std::vector<std::string>& items, std::string_view separator = ", ");

// ASCII case mapping; bytes of other characters are kept as they are.
std::string ascii_lower(std::string_view text);
std::string ascii_upper(std::string_view text);

}  // namespace shortpack

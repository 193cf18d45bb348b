// pipeline/base/text.h: how numbers, lists and case look in every message and written file.
#include "pipeline/base/text.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace shortpack {
namespace {

TEST(TextTest, NumberTextIsTheShortestDecimalThatReadsBack) {
  EXPECT_EQ(number_text(2.5), "2.5");
  EXPECT_EQ(number_text(600.0), "600");
  EXPECT_EQ(number_text(1e7), "10000000");  // plain decimal, never 1e+07
  EXPECT_EQ(number_text(0.1), "0.1");
  EXPECT_EQ(number_text(-14.0), "-14");
  EXPECT_EQ(number_text(30000.0 / 1001.0), "29.97002997002997");
  const double third = 1.0 / 3.0;
  EXPECT_EQ(std::stod(number_text(third)), third);
}

TEST(TextTest, NumberTextWithDecimalsRoundsAndDropsTrailingZeros) {
  EXPECT_EQ(number_text(30000.0 / 1001.0, 3), "29.97");
  EXPECT_EQ(number_text(30.0, 3), "30");
  EXPECT_EQ(number_text(0.0415, 3), "0.042");  // 0.0415 is stored just above .0415
  EXPECT_EQ(number_text(1.2345, 0), "1");
  EXPECT_EQ(number_text(-0.0001, 3), "0");  // no "-0"
  EXPECT_EQ(number_text(std::numeric_limits<double>::infinity(), 3), "inf");
}

// A locale whose decimal separator is a comma: an installed one, or de_DE compiled with localedef
// into a scratch folder (LOCPATH). False when neither can be had.
bool set_decimal_comma_locale(const std::filesystem::path& scratch) {
  for (const char* name : {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "vi_VN.UTF-8"}) {
    if (std::setlocale(LC_ALL, name) != nullptr && std::string(std::localeconv()->decimal_point) == ",") {
      return true;
    }
  }
  const auto made = test::run_command("localedef -i de_DE -f UTF-8 " +
                                      test::shell_quote((scratch / "de_DE.UTF-8").string()) + " 2>&1");
  if (made.exit_code != 0 && made.exit_code != 1) return false;  // 1: made, with warnings
  ::setenv("LOCPATH", scratch.c_str(), 1);
  return std::setlocale(LC_ALL, "de_DE.UTF-8") != nullptr &&
         std::string(std::localeconv()->decimal_point) == ",";
}

TEST(TextTest, NumbersIgnoreTheLocale) {
  // Under a decimal comma locale that is really in effect (issue 26: the locale was not installed
  // and the failed setlocale was ignored, so the test ran in the C locale and proved nothing).
  test::ScratchDir scratch("text-locale");
  if (!set_decimal_comma_locale(scratch.path())) {
    SHORTPACK_SKIP_OR_FAIL("no decimal comma locale: neither installed nor made by localedef");
  }
  char printf_text[32];
  std::snprintf(printf_text, sizeof printf_text, "%.1f", 2.5);
  EXPECT_STREQ(printf_text, "2,5");  // the locale is in effect: printf would write a comma
  EXPECT_EQ(number_text(2.5), "2.5");
  EXPECT_EQ(number_text(2.25, 1), "2.2");  // 2.25 is exact: round half to even
  EXPECT_EQ(seconds_text(1.5), "1.500 s");
  std::setlocale(LC_ALL, "C");
  ::unsetenv("LOCPATH");
}

TEST(TextTest, JoinAndAsciiCase) {
  EXPECT_EQ(join({}), "");
  EXPECT_EQ(join({"a"}), "a");
  EXPECT_EQ(join({"a", "b", "c"}), "a, b, c");
  EXPECT_EQ(join({"a", "b"}, " | "), "a | b");
  EXPECT_EQ(ascii_lower("SRT.Vtt"), "srt.vtt");
  EXPECT_EQ(ascii_upper("#a1b2c3"), "#A1B2C3");
  // Bytes of other characters are kept: "Đ" (C4 90) is not ASCII and stays as it is.
  EXPECT_EQ(ascii_lower("\xC4\x90O"), "\xC4\x90o");
}

}  // namespace
}  // namespace shortpack

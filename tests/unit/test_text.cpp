// pipeline/base/text.h: how numbers, lists and case look in every message and written file.
#include "pipeline/base/text.h"

#include <gtest/gtest.h>

#include <clocale>
#include <limits>
#include <string>
#include <vector>

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

TEST(TextTest, NumbersIgnoreTheLocale) {
  // A decimal comma locale, where one is installed; the C locale otherwise (the test still runs).
  const char* set = std::setlocale(LC_ALL, "de_DE.UTF-8");
  EXPECT_EQ(number_text(2.5), "2.5");
  EXPECT_EQ(number_text(2.25, 1), "2.2");  // 2.25 is exact: round half to even
  EXPECT_EQ(seconds_text(1.5), "1.500 s");
  std::setlocale(LC_ALL, "C");
  (void)set;
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

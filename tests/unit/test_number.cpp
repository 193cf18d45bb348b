// The one rule for numbers from users (pipeline/base/number.h, issue 26): finite decimals only,
// within the range of where they enter, refused with a sentence naming where they came from.
#include "pipeline/base/number.h"

#include <gtest/gtest.h>

#include <clocale>
#include <limits>

#include "filters/core/error.h"

namespace shortpack {
namespace {

TEST(UserNumber, FiniteDecimalsOnly) {
  std::setlocale(LC_NUMERIC, "C");
  EXPECT_EQ(parse_finite_number("0"), 0.0);
  EXPECT_EQ(parse_finite_number("+2.5"), 2.5);
  EXPECT_EQ(parse_finite_number("-1e3"), -1000.0);
  EXPECT_EQ(parse_finite_number("1e300"), 1e300);  // finite: a range must refuse it, not the parser
  for (const char* bad : {"", "+", "++1", " 1", "1 ", "abc", "1.5s", "nan", "NaN", "inf", "-inf", "infinity",
                          "1e400", "0x10", "1,5"}) {
    EXPECT_FALSE(parse_finite_number(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(UserNumber, OutOfRangeNamesWhereAndTheRange) {
  EXPECT_EQ(number_in_range("12.5", 0, 86400, "--at", "a time in seconds"), 12.5);
  EXPECT_EQ(number_in_range("86400", 0, 86400, "--at", "a time in seconds"), 86400.0);
  for (const char* bad : {"nan", "1e300", "-1", "abc", "86400.5"}) {
    try {
      (void)number_in_range(bad, 0, 86400, "--at", "a time in seconds");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_EQ(std::string(e.what()),
                std::string("--at must be a time in seconds from 0 to 86400, not '") + bad + "'.");
    }
  }
}

TEST(UserNumber, ClampKeepsNaNOut) {
  EXPECT_EQ(clamp_finite(std::numeric_limits<double>::quiet_NaN(), 0, 200), 0.0);
  EXPECT_EQ(clamp_finite(std::numeric_limits<double>::infinity(), 0, 200), 200.0);
  EXPECT_EQ(clamp_finite(1e12, 0, 200), 200.0);
  EXPECT_EQ(clamp_finite(-4, 0, 200), 0.0);
  EXPECT_EQ(clamp_finite(12.5, 0, 200), 12.5);
}

}  // namespace
}  // namespace shortpack

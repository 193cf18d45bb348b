// Studio helpers: the token (random, hex), its comparison, and the parsing of query times.
#include <gtest/gtest.h>

#include <clocale>

#include "pipeline/studio/server.h"

namespace shortpack::studio {
namespace {

TEST(StudioToken, Is32HexCharactersAndDiffersEachTime) {
  const std::string a = random_token();
  const std::string b = random_token();
  ASSERT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos) << a;
  EXPECT_NE(a, b);
}

TEST(StudioToken, EqualOnlyWhenEveryByteAndTheLengthMatch) {
  EXPECT_TRUE(tokens_equal("abc123", "abc123"));
  EXPECT_FALSE(tokens_equal("abc123", "abc124"));
  EXPECT_FALSE(tokens_equal("abc123", "bbc123"));
  EXPECT_FALSE(tokens_equal("abc123", "abc12"));
  EXPECT_FALSE(tokens_equal("", "abc123"));
  EXPECT_FALSE(tokens_equal(std::string_view("abc\0", 4), "abc"));
}

TEST(StudioQuery, SecondsAreFiniteNonNegativeDecimals) {
  std::setlocale(LC_NUMERIC, "C");
  double s = -1.0;
  EXPECT_TRUE(parse_seconds("0", s));
  EXPECT_EQ(s, 0.0);
  EXPECT_TRUE(parse_seconds("1.25", s));
  EXPECT_EQ(s, 1.25);
  EXPECT_TRUE(parse_seconds("3", s));
  EXPECT_EQ(s, 3.0);
  for (const char* bad : {"", "-1", "abc", "1.5s", " 1", "nan", "inf", "1e400", "0x10", "1,5"}) {
    s = 7.0;
    EXPECT_FALSE(parse_seconds(bad, s)) << bad;
    EXPECT_EQ(s, 7.0) << bad;
  }
}

}  // namespace
}  // namespace shortpack::studio

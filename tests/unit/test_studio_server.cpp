// Studio helpers: the token (random, hex), its comparison, the parsing of query times, and the
// preset try-out (its query values, the tried preset validated as a preset file, the save).
#include <gtest/gtest.h>

#include <clocale>

#include "filters/core/error.h"
#include "pipeline/studio/server.h"
#include "pipeline/studio/tryout.h"
#include "support/test_support.h"

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

TEST(StudioHost, OnlyLoopbackNamesAndTheBoundHostAreServed) {
  for (const char* ok : {"127.0.0.1", "127.0.0.1:8080", "localhost:1", "LOCALHOST", "[::1]:9", "[::1]"}) {
    EXPECT_TRUE(host_header_allowed(ok, "127.0.0.1")) << ok;
  }
  for (const char* bad : {"", "evil.example", "evil.example:8080", "127.0.0.1.evil.example", "localhost.evil",
                          "[::1", "10.0.0.5:8080", "::1"}) {
    EXPECT_FALSE(host_header_allowed(bad, "127.0.0.1")) << bad;
  }
  EXPECT_TRUE(host_header_allowed("10.0.0.5:8080", "10.0.0.5"));
  EXPECT_TRUE(host_header_allowed("studio.lan", "studio.lan"));
  EXPECT_TRUE(origin_allowed("", "127.0.0.1"));
  EXPECT_TRUE(origin_allowed("http://127.0.0.1:8080", "127.0.0.1"));
  EXPECT_TRUE(origin_allowed("http://localhost:8080", "127.0.0.1"));
  for (const char* bad : {"null", "http://evil.example", "https://127.0.0.1", "http://127.0.0.1/x",
                          "http://127.0.0.1.evil.example:80"}) {
    EXPECT_FALSE(origin_allowed(bad, "127.0.0.1")) << bad;
  }
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("192.168.1.4"));
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
  EXPECT_TRUE(parse_seconds("86400", s));
  EXPECT_EQ(s, 86400.0);
  for (const char* bad :
       {"", "-1", "abc", "1.5s", " 1", "nan", "inf", "1e400", "1e300", "86400.01", "0x10", "1,5"}) {
    s = 7.0;
    EXPECT_FALSE(parse_seconds(bad, s)) << bad;
    EXPECT_EQ(s, 7.0) << bad;
  }
}

TEST(StudioTryOut, QueryValuesAreCheckedWithOneSentenceEach) {
  std::setlocale(LC_NUMERIC, "C");
  const TryOut t = parse_tryout({{"top_px", "200"},
                                 {"right_px", "0"},
                                 {"left_px", ""},
                                 {"caption_size", "0.05"},
                                 {"logo_position", "bottom-left"},
                                 {"clip", "a"}});
  EXPECT_EQ(t.top_px, 200);
  EXPECT_EQ(t.right_px, 0);
  EXPECT_FALSE(t.left_px.has_value());
  EXPECT_FALSE(t.bottom_px.has_value());
  EXPECT_EQ(t.caption_size_rel, 0.05);
  EXPECT_EQ(t.logo_position, LogoPosition::kBottomLeft);
  EXPECT_TRUE(t.changes_preset());
  EXPECT_TRUE(parse_tryout({{"logo_position", "top-left"}}).changes_preset());
  EXPECT_FALSE(parse_tryout({{"clip", "a"}}).changes_preset());
  EXPECT_NE(t.key(), parse_tryout({{"top_px", "202"}}).key());
  for (const auto& [key, bad] :
       std::vector<std::pair<std::string, std::string>>{{"top_px", "-2"},
                                                        {"top_px", "1.5"},
                                                        {"top_px", "9000"},
                                                        {"bottom_px", "x"},
                                                        {"caption_size", "0.5"},
                                                        {"caption_size", "nan"},
                                                        {"logo_width", "0.01"},
                                                        {"logo_position", "middle"}}) {
    try {
      (void)parse_tryout({{key, bad}});
      ADD_FAILURE() << key << "=" << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::kInput);
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

TEST(StudioTryOut, TriedPresetIsValidatedAsAPresetFileAndSavedWhole) {
  const test::ScratchDir dir("studio-tryout");
  const PresetCatalog builtin = PresetCatalog::load({});
  const Preset& tiktok = builtin.get("tiktok");
  const std::string yaml = tried_preset_yaml(tiktok, parse_tryout({{"top_px", "300"}}));
  const PresetCatalog tried =
      tried_catalog({PresetCatalog::builtin_folder()}, "tiktok", yaml, dir / "scratch");
  EXPECT_EQ(tried.get("tiktok").safe.top_px, 300);
  EXPECT_EQ(tried.get("tiktok").safe.bottom_px, tiktok.safe.bottom_px);
  EXPECT_EQ(tried.get("tiktok").video.crf, tiktok.video.crf);
  EXPECT_NE(tried.find("youtube-shorts"), nullptr);
  EXPECT_FALSE(tried.get("tiktok").caption_size_px.has_value());  // not tried: the brand's stays

  // Caption size and logo become the preset's pixels of this platform's frame.
  const PresetCatalog looks = tried_catalog(
      {PresetCatalog::builtin_folder()}, "tiktok",
      tried_preset_yaml(
          tiktok,
          parse_tryout({{"caption_size", "0.05"}, {"logo_width", "0.25"}, {"logo_position", "bottom-left"}})),
      dir / "scratch");
  EXPECT_EQ(looks.get("tiktok").caption_size_px, 96);  // 0.05 x 1920
  EXPECT_EQ(looks.get("tiktok").logo_width_px, 270);   // 0.25 x 1080
  EXPECT_EQ(looks.get("tiktok").logo_position, "bottom-left");
  EXPECT_EQ(looks.get("tiktok").safe.top_px, tiktok.safe.top_px);

  const std::string no_room = tried_preset_yaml(tiktok, parse_tryout({{"top_px", "1800"}}));
  try {
    (void)tried_catalog({PresetCatalog::builtin_folder()}, "tiktok", no_room, dir / "scratch");
    ADD_FAILURE() << "a safe zone with no room was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("safe_zone"), std::string::npos) << e.what();
  }

  const auto written = save_preset_override(dir / "presets", "tiktok", yaml);
  EXPECT_EQ(written, dir / "presets/tiktok.yaml");
  EXPECT_EQ(test::read_text(written), yaml);
  EXPECT_EQ(load_preset_file(written).safe.top_px, 300);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "presets"))
    files += e.is_regular_file() ? 1 : 0;
  EXPECT_EQ(files, 1u) << "a temporary file was left behind";

  // Symlinks are not written through.
  std::filesystem::create_directories(dir / "elsewhere");
  std::filesystem::create_directory_symlink(dir / "elsewhere", dir / "linked");
  EXPECT_THROW((void)save_preset_override(dir / "linked", "tiktok", yaml), Error);
  std::filesystem::remove(written);
  std::filesystem::create_symlink(dir / "elsewhere/target.yaml", written);
  EXPECT_THROW((void)save_preset_override(dir / "presets", "tiktok", yaml), Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere/target.yaml"));
}

}  // namespace
}  // namespace shortpack::studio

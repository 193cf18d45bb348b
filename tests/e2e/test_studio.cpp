// Studio: the server refuses requests without its token and paths outside its routes, answers bad
// values with 400, serves the very PNG `shortpack preview` writes, follows edits of the campaign
// within a second and survives a campaign that fails to load.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "support/media_probe.h"
#include "support/studio_process.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {

using Clock = std::chrono::steady_clock;

struct StudioFixture : ::testing::Test {
  ScratchDir dir{"studio"};
  std::filesystem::path campaign;
  std::string yaml;

  void SetUp() override {
    write_test_presets(dir / "presets");
    make_clip(dir / "media/a.mp4", 2.0, "testsrc2=size=640x360:rate=30");
    write_text(dir / "subs/a.en.srt", "1\n00:00:00,000 --> 00:00:02,000\nHello, studio\n");
    write_text(dir / "subs/a.vi.srt", "1\n00:00:00,000 --> 00:00:02,000\nXin chào\n");
    campaign = dir / "c.yaml";
    yaml =
        "name: st\nlanguages: [en, vi]\nplatforms: [small-portrait, small-landscape]\n"
        "clips:\n  - id: a\n    source: media/a.mp4\n    start: 0.2\n"
        "    captions: {en: subs/a.en.srt, vi: subs/a.vi.srt}\n";
    write_text(campaign, yaml);
  }
};

TEST_F(StudioFixture, RefusesRequestsWithoutTheTokenAndOutsideItsRoutes) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  auto c = studio.client();
  for (const char* path : {"/", "/api/campaign", "/api/frame?clip=a&platform=small-portrait&lang=en&t=1"}) {
    auto res = c.Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 403) << path;
  }
  auto wrong = c.Get("/api/campaign?token=" + std::string(32, '0'));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  auto right = studio.get("/api/campaign");
  ASSERT_TRUE(right);
  EXPECT_EQ(right->status, 200);

  // A symlink in the campaign folder that points out of it reaches nothing either.
  std::filesystem::create_symlink("/etc/passwd", dir / "passwd-link");
  for (const char* path :
       {"/passwd-link", "/api/passwd-link", "/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd", "/api/../../c.yaml", "/c.yaml", "/media/a.mp4", "/%2fetc%2fpasswd"}) {
    auto res = studio.get(path);
    if (!res) continue;  // the connection refused outright is a refusal too
    EXPECT_NE(res->status, 200) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(res->body.find("name: st"), std::string::npos) << path;
  }
}

TEST_F(StudioFixture, BadValuesAre400WithAMessage) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const std::string ok = "platform=small-portrait&lang=en";
  for (const std::string& query :
       std::vector<std::string>{"/api/frame?clip=nope&" + ok + "&t=1", "/api/frame?clip=../a&" + ok + "&t=1",
                                "/api/frame?clip=a&" + ok + "&t=-1", "/api/frame?clip=a&" + ok + "&t=abc",
                                "/api/frame?clip=a&" + ok + "&t=nan", "/api/frame?clip=a&" + ok,
                                "/api/frame?clip=a&" + ok + "&t=1&guides=2",
                                std::string("/api/frame?clip=a&platform=/etc/passwd&lang=en&t=1"),
                                std::string("/api/frame?clip=a&platform=small-portrait&lang=xx&t=1")}) {
    auto res = studio.get(query);
    ASSERT_TRUE(res) << query;
    EXPECT_EQ(res->status, 400) << query;
    const auto body = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_FALSE(body.value("error", "").empty()) << query;
  }
}

TEST_F(StudioFixture, FrameIsThePreviewPngByteForByte) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  struct Case {
    const char* platform;
    const char* lang;
    const char* at;
    bool guides;
  };
  for (const Case& k :
       {Case{"small-portrait", "en", "1.0", false}, Case{"small-landscape", "vi", "0.5", true},
        Case{"small-portrait", "vi", "1.7", true}}) {
    const auto png = dir / "still.png";
    const auto preview = run_shortpack("preview " + shell_quote(campaign.string()) + " --clip a --platform " +
                                       k.platform + " --lang " + k.lang + " --at " + k.at + " -o " +
                                       shell_quote(png.string()) + (k.guides ? " --guides" : ""));
    ASSERT_EQ(preview.exit_code, 0) << preview.output;
    auto res = studio.get(std::string("/api/frame?clip=a&platform=") + k.platform + "&lang=" + k.lang +
                          "&t=" + k.at + "&guides=" + (k.guides ? "1" : "0"));
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "image/png");
    const std::string expected = read_text(png);
    EXPECT_GT(expected.size(), 1000u);
    EXPECT_TRUE(res->body == expected) << k.platform << " " << k.lang << " " << k.at << ": "
                                       << res->body.size() << " bytes against " << expected.size();
  }
}

TEST_F(StudioFixture, FollowsEditsWithinASecondAndSurvivesABrokenCampaign) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  auto first = studio.get("/api/campaign");
  ASSERT_TRUE(first);
  auto body = nlohmann::json::parse(first->body);
  EXPECT_EQ(body["name"], "st");
  EXPECT_TRUE(body["ok"].get<bool>()) << first->body;
  ASSERT_EQ(body["clips"].size(), 1u);
  EXPECT_NEAR(body["clips"][0]["platforms"]["small-portrait"]["duration_s"].get<double>(), 1.8, 0.05);

  // Polled until it shows, at most a second after the write.
  auto wait_for = [&](const std::function<bool(const nlohmann::json&)>& done) {
    const auto start = Clock::now();
    const auto limit = std::chrono::duration<double>(1.0 * time_factor());
    while (Clock::now() - start < limit) {
      auto res = studio.get("/api/campaign");
      if (res && res->status == 200 && done(nlohmann::json::parse(res->body))) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  std::string renamed = yaml;
  renamed.replace(renamed.find("name: st"), 8, "name: st2");
  write_text(campaign, renamed);
  EXPECT_TRUE(wait_for([](const nlohmann::json& j) { return j.value("name", "") == "st2"; }));

  // A subtitle file is watched too: its edit changes the version.
  const auto before = nlohmann::json::parse(studio.get("/api/version")->body)["version"];
  write_text(dir / "subs/a.en.srt", "1\n00:00:00,000 --> 00:00:02,000\nHello again\n");
  EXPECT_TRUE(wait_for([&](const nlohmann::json& j) { return j["version"] != before; }));

  write_text(campaign, renamed + "bogus: 1\n");
  nlohmann::json broken;
  EXPECT_TRUE(wait_for([&](const nlohmann::json& j) {
    broken = j;
    return !j["ok"].get<bool>();
  }));
  ASSERT_FALSE(broken["errors"].empty()) << broken.dump();
  EXPECT_EQ(broken["errors"][0]["line"], 9) << broken.dump();
  EXPECT_NE(broken["errors"][0]["file"].get<std::string>().find("c.yaml"), std::string::npos);
  auto frame = studio.get("/api/frame?clip=a&platform=small-portrait&lang=en&t=1");
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->status, 409);
  auto page = studio.get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);

  write_text(campaign, yaml);
  EXPECT_TRUE(wait_for([](const nlohmann::json& j) { return j["ok"].get<bool>() && j["name"] == "st"; }));
}

}  // namespace
}  // namespace shortpack::test

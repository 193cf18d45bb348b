// Studio: the server refuses requests without its token and paths outside its routes, answers bad
// values with 400, serves the very PNG `shortpack preview` writes, follows edits of the campaign
// within a second and survives a campaign that fails to load; a preset try-out saved from it is
// what `render` then uses; it serves the review proxy with byte ranges; it lists the subtitle
// files' warnings with file:line; with a variants table it shows the row picked.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "support/green_pixels.h"
#include "support/media_probe.h"
#include "support/studio_process.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {

using Clock = std::chrono::steady_clock;

bool poll_until(const std::function<bool()>& done, double seconds);

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
    if (!res) {
      // No answer is a refusal only from a server that is still there (issue 26: a dead server passed).
      const auto alive = studio.get("/api/version");
      ASSERT_TRUE(alive) << "the studio stopped answering after " << path;
      EXPECT_EQ(alive->status, 200) << path;
      continue;
    }
    EXPECT_NE(res->status, 200) << path;
    EXPECT_EQ(res->body.find("root:"), std::string::npos) << path;
    EXPECT_EQ(res->body.find("name: st"), std::string::npos) << path;
  }
}

// DNS rebinding: a request that names another host, or comes from another origin, is refused even
// with the token (issue 26: Host: evil.example got the campaign's JSON and its file paths).
TEST_F(StudioFixture, ForeignHostOrOriginIsRefusedEvenWithTheToken) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  auto c = studio.client();
  const std::string api = "/api/campaign?token=" + studio.token;
  for (const auto& [header, value] : std::vector<std::pair<std::string, std::string>>{
           {"Host", "evil.example"},
           {"Host", "evil.example:" + std::to_string(studio.port)},
           {"Host", "127.0.0.1.evil.example"},
           {"Origin", "http://evil.example"},
           {"Origin", "null"}}) {
    auto res = c.Get(api, httplib::Headers{{header, value}});
    ASSERT_TRUE(res) << header << ": " << value;
    EXPECT_EQ(res->status, 403) << header << ": " << value;
    EXPECT_EQ(res->body.find("c.yaml"), std::string::npos) << res->body;
  }
  const std::string preset_before = read_text(dir / "presets/small-portrait.yaml");
  auto post = c.Post("/api/preset?platform=small-portrait&top_px=200&token=" + studio.token,
                     httplib::Headers{{"Origin", "http://evil.example"}}, "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 403);
  EXPECT_EQ(read_text(dir / "presets/small-portrait.yaml"), preset_before)
      << "a foreign origin saved a preset";
  // The loopback names, with the studio's own origin, are served.
  for (const std::string host : {"localhost", "127.0.0.1", "[::1]"}) {
    auto res = c.Get(api, httplib::Headers{{"Host", host + ":" + std::to_string(studio.port)},
                                           {"Origin", "http://" + host + ":" + std::to_string(studio.port)}});
    ASSERT_TRUE(res) << host;
    EXPECT_EQ(res->status, 200) << host;
  }
}

// A body over 1 MiB is refused (413) before it is held in memory; the studio goes on.
TEST_F(StudioFixture, BodiesOverOneMebibyteAreRefused) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  auto c = studio.client();
  auto big = c.Post("/api/preset?platform=small-portrait&top_px=200&token=" + studio.token,
                    std::string(2 << 20, 'x'), "text/plain");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto after = studio.get("/api/version");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
}

// Twenty connections that send half a header and wait do not delay another client (issue 26: with
// 8 workers and a 5 s read timeout they delayed every other request by about 17 s).
TEST_F(StudioFixture, SlowClientsDoNotStarveTheOthers) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  std::vector<int> slow;
  for (int i = 0; i < 20; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(studio.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string half = "GET /api/version HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
    ASSERT_EQ(::send(fd, half.data(), half.size(), 0), static_cast<ssize_t>(half.size()));
    slow.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // every slow one has a worker
  const auto start = Clock::now();
  const auto res = studio.get("/api/version");
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const int fd : slow) ::close(fd);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_LT(seconds, 1.0 * time_factor());
}

// A bind beyond this machine is allowed with a warning: the token travels in the URL over HTTP.
TEST_F(StudioFixture, ANonLoopbackBindIsWarnedAbout) {
  const auto run = run_command("timeout 3 " + shell_quote(shortpack_binary()) + " studio " +
                               shell_quote(campaign.string()) + " --port 0 --host 0.0.0.0 2>&1");
  EXPECT_NE(run.output.find("warning: the studio listens on 0.0.0.0, not only on this machine"),
            std::string::npos)
      << run.output;
  const auto local = run_command("timeout 2 " + shell_quote(shortpack_binary()) + " studio " +
                                 shell_quote(campaign.string()) + " --port 0 2>&1");
  EXPECT_NE(local.output.find("http://127.0.0.1:"), std::string::npos) << local.output;
  EXPECT_EQ(local.output.find("warning: the studio listens"), std::string::npos) << local.output;
}

// Concurrent requests (frames of two outputs, the campaign, its version) from four clients while the
// campaign file changes under them: every answer is whole and right, and the edit shows. In the
// ThreadSanitizer set (scripts/test-sanitizers): the studio's workers, its watcher thread and its
// renderer run under TSan there.
TEST_F(StudioFixture, ConcurrentRequestsWhileTheCampaignChanges) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  std::atomic<int> frames{0}, answers{0}, failures{0};
  std::mutex failed_mutex;
  std::string failed;
  const auto fail = [&](const std::string& what) {
    ++failures;
    const std::lock_guard lock(failed_mutex);
    failed += what + "\n";
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; i < 6; ++i) {
        const std::string lang = (c + i) % 2 == 0 ? "en" : "vi";
        const std::string path = i % 3 == 0   ? "/api/campaign"
                                 : i % 3 == 1 ? "/api/version"
                                              : "/api/frame?clip=a&platform=small-portrait&lang=" + lang +
                                                    "&t=" + std::to_string(0.1 * (c + i));
        const auto res = studio.get(path);
        if (!res || res->status != 200) {
          fail(path + ": " +
               (res ? std::to_string(res->status) + " " + res->body : std::string("no answer")));
          continue;
        }
        ++answers;
        if (path.rfind("/api/frame", 0) == 0) {
          if (res->body.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) fail(path + ": not a PNG");
          ++frames;
        } else if (nlohmann::json::parse(res->body, nullptr, false).is_discarded()) {
          fail(path + ": not JSON");
        }
      }
    });
  }
  std::string renamed = yaml;
  renamed.replace(renamed.find("name: st"), 8, "name: st2");
  write_text(campaign, renamed);
  for (auto& t : clients) t.join();
  EXPECT_EQ(failures.load(), 0) << failed;
  EXPECT_EQ(answers.load(), 24);
  EXPECT_EQ(frames.load(), 8);
  EXPECT_TRUE(poll_until(
      [&] {
        const auto res = studio.get("/api/campaign");
        return res && res->status == 200 && nlohmann::json::parse(res->body).value("name", "") == "st2";
      },
      2.0));
}

TEST_F(StudioFixture, BadValuesAre400WithAMessage) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const std::string ok = "platform=small-portrait&lang=en";
  for (const std::string& query :
       std::vector<std::string>{"/api/frame?clip=nope&" + ok + "&t=1", "/api/frame?clip=../a&" + ok + "&t=1",
                                "/api/frame?clip=a&" + ok + "&t=-1", "/api/frame?clip=a&" + ok + "&t=abc",
                                "/api/frame?clip=a&" + ok + "&t=nan", "/api/frame?clip=a&" + ok + "&t=inf",
                                "/api/frame?clip=a&" + ok + "&t=1e300", "/api/frame?clip=a&" + ok,
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

// The warm renderer: frames asked in frame order decode on from the last one, a frame behind or
// far ahead seeks; every one is still `preview`'s PNG.
TEST_F(StudioFixture, WarmScrubFramesAreThePreviewPngs) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  for (const char* at : {"0.35", "0.385", "0.42", "0.9", "0.1", "1.75", "1.72"}) {
    auto res = studio.get(std::string("/api/frame?clip=a&platform=small-portrait&lang=en&guides=1&t=") + at);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const auto png = dir / "still.png";
    const auto preview = run_shortpack("preview " + shell_quote(campaign.string()) +
                                       " --clip a --platform small-portrait --lang en --guides --at " + at +
                                       " -o " + shell_quote(png.string()));
    ASSERT_EQ(preview.exit_code, 0) << preview.output;
    EXPECT_TRUE(res->body == read_text(png)) << "t=" << at << ": the studio's frame differs from preview's";
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

// Polls `done` every 50 ms until `done` holds, for at most `seconds` (times the time factor).
bool poll_until(const std::function<bool()>& done, double seconds) {
  const auto start = Clock::now();
  while (Clock::now() - start < std::chrono::duration<double>(seconds * time_factor())) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// A grey clip with an opaque green 64x32 logo at the top right, and subtitles whose WebVTT file
// has a cue that ends before it starts (dropped with a warning naming line 6).
struct StudioBrandFixture : ::testing::Test {
  ScratchDir dir{"studio-brand"};
  std::filesystem::path campaign;

  void SetUp() override {
    write_test_presets(dir / "presets");
    make_clip(dir / "media/a.mp4", 2.0, "color=c=gray:size=640x360:rate=30");
    make_green_logo(dir / "brand/logo.png");
    write_text(dir / "subs/a.en.vtt",
               "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nHello, studio\n\n"
               "00:00:01.500 --> 00:00:01.000\nBackwards\n");
    campaign = dir / "c.yaml";
    write_text(campaign,
               "name: sb\nlanguages: [en]\nplatforms: [small-portrait]\n"
               "brand: {logo: brand/logo.png, logo_position: top-right}\n"
               "clips:\n  - id: a\n    source: media/a.mp4\n    captions: {en: subs/a.en.vtt}\n");
  }
};

TEST_F(StudioBrandFixture, ListsSubtitleWarningsWithFileAndLine) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const auto body = nlohmann::json::parse(studio.get("/api/campaign")->body);
  EXPECT_TRUE(body["ok"].get<bool>()) << body.dump();
  ASSERT_EQ(body["warnings"].size(), 1u) << body.dump();
  const auto& w = body["warnings"][0];
  EXPECT_EQ(w["file"], (dir / "subs/a.en.vtt").string());
  EXPECT_EQ(w["line"], 6);
  EXPECT_NE(w["message"].get<std::string>().find("dropped"), std::string::npos) << w.dump();
}

TEST_F(StudioBrandFixture, TriedSafeZoneSavedIsWhatPreviewAndRenderUse) {
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  auto body = nlohmann::json::parse(studio.get("/api/campaign")->body);
  ASSERT_EQ(body["presets"]["small-portrait"]["safe"]["top_px"], 50) << body.dump();
  EXPECT_NEAR(body["brand"]["logo_width"].get<double>(), 0.18, 1e-9);

  const std::string frame = "/api/frame?clip=a&platform=small-portrait&lang=en&t=1.0";
  const auto plain = studio.get(frame);
  const auto tried = studio.get(frame + "&top_px=200");
  const auto bigger = studio.get(frame + "&caption_size=0.08&logo_position=bottom-left");
  for (const auto* r : {&plain, &tried, &bigger}) {
    ASSERT_TRUE(*r);
    ASSERT_EQ((*r)->status, 200) << (*r)->body;
  }
  EXPECT_NE(tried->body, plain->body);
  EXPECT_NE(bigger->body, plain->body);

  // Bad try-out values are 400 with a sentence, the preset's own rules included (no room left).
  for (const char* bad : {"&top_px=abc", "&top_px=-2", "&top_px=600", "&caption_size=0.5", "&logo_width=x",
                          "&logo_position=middle"}) {
    auto res = studio.get(frame + bad);
    ASSERT_TRUE(res) << bad;
    EXPECT_EQ(res->status, 400) << bad;
    EXPECT_FALSE(nlohmann::json::parse(res->body).value("error", "").empty()) << bad;
  }
  const auto preset_file = dir / "presets/small-portrait.yaml";
  const std::string before = read_text(preset_file);
  auto c = studio.client();
  auto refused = c.Post("/api/preset?platform=small-portrait&top_px=600&token=" + studio.token);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400) << refused->body;
  EXPECT_NE(refused->body.find("safe_zone"), std::string::npos) << refused->body;
  EXPECT_EQ(read_text(preset_file), before) << "a refused save changed the preset file";
  auto no_token = c.Post("/api/preset?platform=small-portrait&top_px=200");
  ASSERT_TRUE(no_token);
  EXPECT_EQ(no_token->status, 403);

  auto saved = c.Post("/api/preset?platform=small-portrait&top_px=200&token=" + studio.token);
  ASSERT_TRUE(saved);
  ASSERT_EQ(saved->status, 200) << saved->body;
  EXPECT_EQ(nlohmann::json::parse(saved->body)["saved"], preset_file.string());
  EXPECT_NE(read_text(preset_file).find("top_px: 200"), std::string::npos);
  EXPECT_TRUE(list_files(dir / "presets", ".part").empty()) << "a temporary file was left behind";
  EXPECT_TRUE(poll_until(
      [&] {
        const auto j = nlohmann::json::parse(studio.get("/api/campaign")->body);
        return j["presets"]["small-portrait"]["safe"]["top_px"] == 200;
      },
      2.0));

  // `preview` now shows the tried frame byte for byte, and `render` puts the logo below 200 px.
  const auto png = dir / "after.png";
  const auto preview =
      run_shortpack("preview " + shell_quote(campaign.string()) +
                    " --clip a --platform small-portrait --lang en --at 1.0 -o " + shell_quote(png.string()));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_TRUE(read_text(png) == tried->body) << "the saved preset does not give the tried frame";
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --out " +
                                    shell_quote((dir / "out").string()));
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const auto pics = decode_frames(dir / "out/sb/a/a.small-portrait.en.mp4", {30});
  const int top = first_green_row(pics[0]);
  EXPECT_GE(top, 198) << "the logo is not below the saved safe zone's top (200 px)";
  EXPECT_LE(top, 202);
}

// Rows with a bright (caption text) pixel, and the box of the green logo's pixels.
int bright_rows(const YuvPicture& pic) {
  int rows = 0;
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (pic.luma(x, y) > 200) {
        ++rows;
        break;
      }
    }
  }
  return rows;
}
struct Box {
  int x0 = 1 << 20, y0 = 1 << 20, x1 = -1, y1 = -1;
};
Box green_box(const YuvPicture& pic) {
  Box b;
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (!is_green(pic, x, y)) continue;
      b = {std::min(b.x0, x), std::min(b.y0, y), std::max(b.x1, x), std::max(b.y1, y)};
    }
  }
  return b;
}

TEST_F(StudioBrandFixture, TriedCaptionSizeAndLogoSavedAreWhatPreviewAndRenderUse) {
  const std::string render =
      "render " + shell_quote(campaign.string()) + " --out " + shell_quote((dir / "out").string());
  const auto first = run_shortpack(render);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  const auto mp4 = dir / "out/sb/a/a.small-portrait.en.mp4";
  const YuvPicture before = decode_frames(mp4, {15})[0];

  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const std::string looks = "&caption_size=0.08&logo_width=0.3&logo_position=bottom-left";
  const auto tried = studio.get("/api/frame?clip=a&platform=small-portrait&lang=en&t=0.5" + looks);
  ASSERT_TRUE(tried);
  ASSERT_EQ(tried->status, 200) << tried->body;
  auto c = studio.client();
  auto saved = c.Post("/api/preset?platform=small-portrait" + looks + "&token=" + studio.token);
  ASSERT_TRUE(saved);
  ASSERT_EQ(saved->status, 200) << saved->body;
  const std::string text = read_text(dir / "presets/small-portrait.yaml");
  EXPECT_NE(text.find("captions: {size_px: 51}"), std::string::npos) << text;  // 0.08 x 640
  EXPECT_NE(text.find("logo: {width_px: 108, position: bottom-left}"), std::string::npos)
      << text;  // 0.3 x 360
  EXPECT_TRUE(poll_until(
      [&] {
        const auto j = nlohmann::json::parse(studio.get("/api/campaign")->body);
        return j["presets"]["small-portrait"]["presentation"]["logo_position"] == "bottom-left";
      },
      2.0));

  const auto png = dir / "after.png";
  const auto preview =
      run_shortpack("preview " + shell_quote(campaign.string()) +
                    " --clip a --platform small-portrait --lang en --at 0.5 -o " + shell_quote(png.string()));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_TRUE(read_text(png) == tried->body) << "the saved preset does not give the tried frame";

  // The saved override changes the fingerprint: `render` renders again, with the bigger caption
  // and the logo 108 px wide at the bottom left (it was 64 px wide at the top right).
  const auto second = run_shortpack(render);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const YuvPicture after = decode_frames(mp4, {15})[0];
  EXPECT_GT(bright_rows(after), bright_rows(before) * 13 / 10)
      << "caption rows " << bright_rows(before) << " -> " << bright_rows(after);
  const Box was = green_box(before);
  const Box now = green_box(after);
  EXPECT_GT(was.x0, before.width_px / 2);
  EXPECT_LT(was.y1, before.height_px / 2);
  EXPECT_LT(now.x1, after.width_px / 2);
  EXPECT_GT(now.y0, after.height_px / 2);
  EXPECT_NEAR(now.x1 - now.x0 + 1, 108, 4);
}

TEST_F(StudioBrandFixture, ServesTheReviewProxyWithRangesAndSaysHowToMakeIt) {
  const auto out = dir / "out";
  const auto render = run_shortpack("render " + shell_quote(campaign.string()) + " --proxy --out " +
                                    shell_quote(out.string()));
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const auto file = out / "sb/proxy/a/a.small-portrait.en.proxy.mp4";
  ASSERT_TRUE(std::filesystem::exists(file)) << render.output;
  const std::string bytes = read_text(file);
  StudioProcess studio(campaign, dir / "studio.log", {"--out", out.string()});
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const std::string unit = "clip=a&platform=small-portrait&lang=en&token=" + studio.token;
  auto c = studio.client();
  auto status = c.Get("/api/proxy?status=1&" + unit);
  ASSERT_TRUE(status);
  EXPECT_TRUE(nlohmann::json::parse(status->body)["available"].get<bool>()) << status->body;
  auto part = c.Get("/api/proxy?" + unit, {{"Range", "bytes=100-199"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status, 206);
  EXPECT_EQ(part->get_header_value("Content-Range"), "bytes 100-199/" + std::to_string(bytes.size()));
  EXPECT_TRUE(part->body == bytes.substr(100, 100));
  auto whole = c.Get("/api/proxy?" + unit);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->status, 200);
  EXPECT_EQ(whole->get_header_value("Content-Type"), "video/mp4");
  EXPECT_TRUE(whole->body == bytes);

  // A proxy replaced by a symlink out of the folder is not followed.
  std::filesystem::remove(file);
  std::filesystem::create_symlink("/etc/passwd", file);
  auto link = c.Get("/api/proxy?" + unit);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->status, 404);
  EXPECT_EQ(link->body.find("root:"), std::string::npos);
  const auto missing = nlohmann::json::parse(c.Get("/api/proxy?status=1&" + unit)->body);
  EXPECT_FALSE(missing["available"].get<bool>());
  EXPECT_NE(missing["message"].get<std::string>().find("--proxy --out"), std::string::npos) << missing.dump();
}

// A campaign with a variants table: the clip lists its rows, a frame of a named row is `preview
// --variant`'s PNG byte for byte (and differs from the other row's, whose card says another
// number), no variant means the first row, an unknown row is 400 naming the table.
TEST(StudioVariants, PicksAVariantAndShowsItsFrameAsPreviewDoes) {
  ScratchDir dir{"studio-variants"};
  write_test_presets(dir / "presets");
  make_clip(dir / "media/a.mp4", 1.0, "color=c=0x405060:s=640x360:r=30");
  write_text(dir / "regions.csv", "id,hotline\nhanoi,02439461234\nhue,02343822123\n");
  const auto campaign = dir / "c.yaml";
  write_text(campaign,
             "name: sv\nlanguages: [en]\nplatforms: [small-portrait]\nvariants: regions.csv\nclips:\n"
             "  - id: end\n    segments:\n      - {source: media/a.mp4}\n"
             "      - {card: {en: \"Call {{hotline}}\"}, duration: 1.5, background: \"#0D47A1\"}\n"
             "    captions: none\n");
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const auto body = nlohmann::json::parse(studio.get("/api/campaign")->body);
  ASSERT_TRUE(body["ok"].get<bool>()) << body.dump();
  ASSERT_EQ(body["clips"].size(), 1u) << body.dump();
  EXPECT_EQ(body["clips"][0]["variants"], nlohmann::json::array({"hanoi", "hue"})) << body.dump();

  const std::string unit = "/api/frame?clip=end&platform=small-portrait&lang=en&t=1.8";
  std::map<std::string, std::string> frames;
  for (const std::string variant : {"hanoi", "hue"}) {
    const auto png = dir / (variant + ".png");
    const auto preview = run_shortpack("preview " + shell_quote(campaign.string()) +
                                       " --clip end --platform small-portrait --lang en --at 1.8 --variant " +
                                       variant + " -o " + shell_quote(png.string()));
    ASSERT_EQ(preview.exit_code, 0) << preview.output;
    auto res = studio.get(unit + "&variant=" + variant);
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    frames[variant] = res->body;
    EXPECT_TRUE(res->body == read_text(png)) << variant << ": the studio's frame differs from preview's";
  }
  EXPECT_NE(frames["hanoi"], frames["hue"]) << "each row's card has its own hotline";
  auto first = studio.get(unit);
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->body == frames["hanoi"]) << "no variant named: the table's first row";

  auto unknown = studio.get(unit + "&variant=hoi-an");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(unknown->body.find("Unknown variant 'hoi-an' of clip 'end'"), std::string::npos) << unknown->body;
}

// A row with a brand of its own (a 0.5 s intro) has its own timings: the page's slider covers
// its frames, not the first row's; its last frame is `preview --variant`'s.
TEST(StudioVariants, ARowWithItsOwnBrandHasItsOwnFrameCount) {
  ScratchDir dir{"studio-variant-brand"};
  write_test_presets(dir / "presets");
  make_clip(dir / "media/a.mp4", 1.0, "color=c=0x405060:s=640x360:r=30");
  make_clip(dir / "brands/intro.mp4", 0.5, "color=c=0x808080:s=640x360:r=30");
  write_text(dir / "brands/intro.yaml", "intro: intro.mp4\nlogo_position: bottom-left\n");
  write_text(dir / "regions.csv", "id,brand\nplain,\nwith-intro,brands/intro.yaml\n");
  const auto campaign = dir / "c.yaml";
  write_text(campaign,
             "name: sb\nlanguages: [en]\nplatforms: [small-portrait]\nvariants: regions.csv\nclips:\n"
             "  - id: a\n    captions: none\n    source: media/a.mp4\n");
  StudioProcess studio(campaign, dir / "studio.log");
  ASSERT_GT(studio.port, 0) << read_text(dir / "studio.log");
  const auto body = nlohmann::json::parse(studio.get("/api/campaign")->body);
  ASSERT_TRUE(body["ok"].get<bool>()) << body.dump();
  const auto& clip = body["clips"][0];
  EXPECT_EQ(clip["platforms"]["small-portrait"]["frame_count"], 30) << body.dump();
  EXPECT_EQ(clip["variant_platforms"]["with-intro"]["small-portrait"]["frame_count"], 45) << body.dump();
  EXPECT_FALSE(clip["variant_platforms"].contains("plain")) << body.dump();
  // The row's own brand, with what each platform renders it with: the try-out starts from these.
  const auto& own = clip["variant_brands"]["with-intro"];
  EXPECT_EQ(own["file"], (dir / "brands/intro.yaml").string()) << body.dump();
  EXPECT_EQ(own["presentation"]["small-portrait"]["logo_position"], "bottom-left") << body.dump();
  EXPECT_EQ(body["brand"]["logo_position"], "top-right") << "the campaign's brand is its own";
  EXPECT_FALSE(clip["variant_brands"].contains("plain")) << body.dump();

  const auto png = dir / "last.png";
  const auto preview =
      run_shortpack("preview " + shell_quote(campaign.string()) +
                    " --clip a --platform small-portrait --lang en --at 1.49 --variant with-intro -o " +
                    shell_quote(png.string()));
  ASSERT_EQ(preview.exit_code, 0) << preview.output;
  auto res = studio.get("/api/frame?clip=a&variant=with-intro&platform=small-portrait&lang=en&t=1.49");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("X-Frame-Index"), "44");
  EXPECT_TRUE(res->body == read_text(png));
}

}  // namespace
}  // namespace shortpack::test

// Hostile input (issue 9): the corpus made by scripts/make-hostile-corpus fed to `shortpack render`,
// each file with the outcome it must have: a clear error naming the file and the problem, the
// documented exit code, no crash and no hang (every run is under `timeout`), nothing written for
// input refused up front, and the other outputs of the run fine. Also the `--limit` option, the
// stall watchdog of the render graph and file safety (symbolic links planted in the output
// folder, folder names with spaces and non-ASCII letters, a read-only output folder).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/graph/clip_graph.h"
#include "support/card_clip.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::CommandResult;
using test::ScratchDir;
using test::shell_quote;
using test::write_text;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr int kTimeoutS = 120;  // a run that takes longer than this hangs (exit 124 from timeout)

const fs::path& corpus() {
  static const fs::path dir = [] {
    const fs::path d = fs::path(SHORTPACK_SOURCE_DIR) / "tests/data/generated/hostile";
    // scripts/test makes it first; a plain ctest run makes it here (quick when up to date).
    const CommandResult r =
        test::run_command(shell_quote(SHORTPACK_SOURCE_DIR "/scripts/make-hostile-corpus"));
    if (r.exit_code != 0) throw std::runtime_error("scripts/make-hostile-corpus failed: " + r.output);
    return d;
  }();
  return dir;
}

fs::path media(const std::string& name) { return corpus() / "media" / name; }

struct RunResult {
  int exit_code = -1;
  std::string output;
  double seconds = 0.0;
};

RunResult render(const fs::path& campaign, const fs::path& out, const std::string& extra = "") {
  const auto t0 = std::chrono::steady_clock::now();
  const CommandResult r = test::run_command(
      "timeout -k 5 " + std::to_string(kTimeoutS) + " " + shell_quote(test::shortpack_binary()) + " render " +
      shell_quote(campaign.string()) + " --out " + shell_quote(out.string()) + " --progress none " + extra);
  return {r.exit_code, r.output,
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()};
}

// Files under `folder` whose names say they were left half-written.
std::vector<std::string> partial_files(const fs::path& folder) {
  std::vector<std::string> partial;
  for (const std::string& f : test::list_files(folder)) {
    if (f.find(".part") != std::string::npos) partial.push_back(f);
  }
  return partial;
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(corpus() / ".stamp"));
    test::write_test_presets(dir_ / "presets");
  }

  // A campaign of clips (id -> source) for one platform and one language, no captions unless given.
  fs::path campaign(const std::vector<std::pair<std::string, fs::path>>& clips,
                    const std::string& extra_top = "", const std::string& clip_extra = "captions: none") {
    std::string y = "name: hostile\nlanguages: [en]\nplatforms: [small-portrait]\n" + extra_top + "clips:\n";
    for (const auto& [id, source] : clips) {
      y += "  - {id: " + id + ", source: \"" + source.string() + "\", " + clip_extra + "}\n";
    }
    write_text(dir_ / "campaign.yaml", y);
    return dir_ / "campaign.yaml";
  }

  RunResult render_here(const fs::path& campaign_file, const std::string& extra = "") {
    return render(campaign_file, dir_ / "out",
                  "--presets " + shell_quote((dir_ / "presets").string()) + " " + extra);
  }

  // Input refused before anything is written: exit 2, the message, no campaign folder.
  void expect_refused_up_front(const RunResult& run, const std::string& message) {
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_THAT(run.output, HasSubstr(message));
    EXPECT_THAT(run.output, Not(HasSubstr("internal error")));
    EXPECT_TRUE(test::list_files(dir_ / "out").empty()) << "nothing may be written";
  }

  ScratchDir dir_{"hostile"};
};

// Every damaged, lying or wrong media file fails its own output with a clear message; the good
// clip beside them renders; nothing is left at a failed output's path, no partial file anywhere.
TEST_F(Hostile, BadMediaFailsAloneWithClearErrors) {
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      // clip id -> (file, what the error must say); an empty message means "renders fine"
      {"good", {"good.mp4", ""}},
      {"truncated-16b", {"truncated-16b.mp4", "cannot read"}},
      {"truncated-1000b", {"truncated-1000b.mp4", "cannot read"}},
      {"truncated-half", {"truncated-half.mp4", "cannot read"}},
      {"truncated-90pct", {"truncated-90pct.mp4", "cannot read"}},
      {"truncated-faststart", {"truncated-faststart-third.mp4", "truncated-faststart-third.mp4"}},
      {"zero-bytes", {"zero-bytes.mp4", "cannot read"}},
      {"random-bytes", {"random-bytes.mp4", "cannot read"}},
      {"text", {"text.mp4", "cannot read"}},
      {"header-16384", {"header-16384x16384.mp4", "cannot read"}},
      {"header-12000", {"header-12000x12000.mp4", "over the limit of 35389440 pixels"}},
      {"mp4-header-16384", {"mp4-header-16384x16384.mp4", ""}},  // the stream inside is 320x240
      {"claims-10-hours", {"claims-10-hours.mp4", "lasts 36000 s, over the limit of 10800 s"}},
      {"ten-hours", {"ten-hours.mp4", "lasts 36000 s, over the limit of 10800 s"}},
      {"audio-only-mp4", {"audio-only.mp4", "no video stream"}},
      {"audio-only-wav", {"audio-only.wav", "no video stream"}},
      {"playlist", {"playlist.mp4", "playlists and file lists"}},
  };
  std::vector<std::pair<std::string, fs::path>> clips;
  for (const auto& [id, c] : cases) clips.emplace_back(id, media(c.first));
  const RunResult run = render_here(campaign(clips));
  ASSERT_NE(run.exit_code, 124) << "the run hung";
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_THAT(run.output, Not(HasSubstr("internal error")));

  const fs::path out = dir_ / "out" / "hostile";
  const nlohmann::json report = test::read_json(out / "report.json");
  ASSERT_EQ(report.at("outputs").size(), cases.size());
  for (const auto& o : report.at("outputs")) {
    const std::string id = o.at("clip");
    const auto& [file, message] = cases.at(id);
    const fs::path final_path = out / id / (id + ".small-portrait.en.mp4");
    if (message.empty()) {
      EXPECT_EQ(o.at("status"), "ok") << id << ": " << o.at("error");
      EXPECT_TRUE(fs::exists(final_path)) << id;
      EXPECT_EQ(test::probe_file(final_path).video.width_px, 360) << id;
    } else {
      EXPECT_EQ(o.at("status"), "failed") << id;
      EXPECT_THAT(o.at("error").get<std::string>(), HasSubstr(message)) << id;
      EXPECT_FALSE(fs::exists(final_path)) << id << ": a failed output left a file at its final path";
    }
  }
  EXPECT_TRUE(partial_files(dir_ / "out").empty()) << testing::PrintToString(partial_files(dir_ / "out"));
}

// The source limits can be raised: the real 10-hour source renders once allowed (trimmed to 2 s).
TEST_F(Hostile, RaisingASourceLimitLetsTheSourceThrough) {
  write_text(dir_ / "campaign.yaml",
             "name: hostile\nlanguages: [en]\nplatforms: [small-portrait]\nclips:\n"
             "  - {id: long, source: \"" +
                 media("ten-hours.mp4").string() + "\", start: 100, end: 102, captions: none}\n");
  const RunResult refused = render_here(dir_ / "campaign.yaml");
  EXPECT_EQ(refused.exit_code, 3) << refused.output;
  EXPECT_THAT(refused.output + test::read_text(dir_ / "out/hostile/report.json"),
              HasSubstr("raise the limit with --limit source_duration_s=N"));

  const RunResult allowed = render_here(dir_ / "campaign.yaml", "--limit source_duration_s=11h");
  EXPECT_EQ(allowed.exit_code, 0) << allowed.output;
  const auto probe = test::probe_file(dir_ / "out/hostile/long/long.small-portrait.en.mp4");
  EXPECT_NEAR(probe.duration_s, 2.0, 0.1);
}

TEST_F(Hostile, BadLimitOptionsAreUsageErrors) {
  const fs::path c = campaign({{"good", media("good.mp4")}});
  RunResult run = render_here(c, "--limit nonsense=1");
  expect_refused_up_front(run, "unknown limit 'nonsense'");
  EXPECT_THAT(run.output, HasSubstr("source_duration_s"));  // lists the known ones
  run = render_here(c, "--limit stall_s=soon");
  expect_refused_up_front(run, "--limit stall_s=soon: not a number");
  run = render_here(c, "--limit source_bytes=2X");
  expect_refused_up_front(run, "unknown unit 'X'");
  run = render_here(c, "--limit frames_in_flight=100000");
  expect_refused_up_front(run, "at most 1024");
}

// A lowered limit is enforced with its own name in the message.
TEST_F(Hostile, LoweredLimitsAreEnforced) {
  const fs::path c = campaign({{"good", media("good.mp4")}});
  RunResult run = render_here(c, "--limit source_bytes=100K");
  EXPECT_EQ(run.exit_code, 3) << run.output;
  EXPECT_THAT(test::read_text(dir_ / "out/hostile/report.json"), HasSubstr("--limit source_bytes=N"));
  fs::remove_all(dir_ / "out");
  run = render_here(c, "--limit outputs=0");
  expect_refused_up_front(run, "more than the limit of 0");
}

TEST_F(Hostile, HostileLogosAreRefusedBeforeAnythingIsWritten) {
  const std::vector<std::pair<std::string, std::string>> logos = {
      {"bomb-16000x16000.png", "16000x16000 pixels, over the limit of 40000000"},
      {"header-100000x100000.png", "100000x100000 pixels, over the limit of 40000000"},
      {"text.png", "is not a readable image"},
  };
  for (const auto& [file, message] : logos) {
    SCOPED_TRACE(file);
    const fs::path c = campaign({{"good", media("good.mp4")}},
                                "brand: {logo: \"" + (corpus() / "images" / file).string() + "\"}\n");
    const RunResult run = render_here(c);
    ASSERT_NE(run.exit_code, 124) << "hung";
    expect_refused_up_front(run, message);
    EXPECT_LT(run.seconds, 30.0 * test::time_factor())
        << "the picture must be refused from its header, not decoded";
  }
}

// Brand assets that cannot be used (issue 5): a logo too tall for the safe zone at its width, an
// intro bumper that is not media. One sentence naming the problem, before any encoding.
TEST_F(Hostile, UnusableBrandAssetsAreRefusedBeforeAnythingIsWritten) {
  const fs::path tall = dir_ / "tall-logo.png";
  test::make_image(tall, "color=c=0x00FF00:s=16x64,format=rgba");
  // 0.5 of 360 px = 180 px wide, so 720 px tall: more than the 470 px between the UI margins.
  fs::path c =
      campaign({{"good", media("good.mp4")}}, "brand: {logo: \"" + tall.string() + "\", logo_width: 0.5}\n");
  RunResult run = render_here(c);
  expect_refused_up_front(run, "does not fit inside the 318x470 safe area; make logo_width smaller");
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;

  c = campaign({{"good", media("good.mp4")}},
               "brand: {intro: \"" + media("random-bytes.mp4").string() + "\"}\n");
  run = render_here(c);
  expect_refused_up_front(run, "random-bytes.mp4");
  EXPECT_EQ(std::count(run.output.begin(), run.output.end(), '\n'), 1) << run.output;
}

TEST_F(Hostile, HostileSubtitlesAreRefusedBeforeAnythingIsWritten) {
  const std::vector<std::pair<std::string, std::string>> subs = {
      {"million-cues.srt",
       "over the limit of 20971520 (split it, or raise it with --limit subtitle_bytes=N)"},
      {"many-cues.vtt", "more than 100000 cues"},
      {"line-50mb.srt", "over the limit of 20971520"},
      {"invalid-utf8.srt", "invalid-utf8.srt:3"},
      {"nul-bytes.srt", "nul-bytes.srt:3"},
      // Issue 14: UTF-16 with a BOM is decoded; this one holds only a stray cue number.
      {"utf16.srt", "utf16.srt: the subtitle file has no cue with text"},
  };
  for (const auto& [file, message] : subs) {
    SCOPED_TRACE(file);
    const fs::path c = campaign({{"good", media("good.mp4")}}, "",
                                "captions: {en: \"" + (corpus() / "subs" / file).string() + "\"}");
    const RunResult run = render_here(c);
    ASSERT_NE(run.exit_code, 124) << "hung";
    expect_refused_up_front(run, message);
    EXPECT_LT(run.seconds, 30.0 * test::time_factor());
  }
}

// A 1 MB caption line is under the size limit, over the line limit: refused at once (measuring
// it for the caption layout would take minutes).
TEST_F(Hostile, AHugeCaptionLineIsRefusedQuickly) {
  const fs::path c = campaign({{"good", media("good.mp4")}}, "",
                              "captions: {en: \"" + (corpus() / "subs/line-1mb.srt").string() + "\"}");
  const RunResult run = render_here(c);
  ASSERT_NE(run.exit_code, 124) << "hung";
  expect_refused_up_front(run, "line-1mb.srt:3: the line is 1048576 bytes long, over the limit of 65536");
  EXPECT_LT(run.seconds, 30.0 * test::time_factor());
}

// Huge font sizes, scales, borders and blur in an ASS file: rendered (the borders clamped to 200
// script units, libass bounding the rest), quickly, never a hang or a machine-filling allocation.
// One outcome, not "rendered or refused" (issue 26: a test that accepts either cannot fail).
TEST_F(Hostile, AssWithHugeFontsAndBlurDoesNotHang) {
  const fs::path c = campaign({{"good", media("good.mp4")}}, "",
                              "captions: {en: \"" + (corpus() / "subs/huge-font-blur.ass").string() + "\"}");
  const RunResult run = render_here(c);
  ASSERT_NE(run.exit_code, 124) << "hung";
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_LT(run.seconds, 60.0 * test::time_factor());
  const auto report = test::read_json(dir_ / "out/hostile/report.json");
  ASSERT_EQ(report.at("outputs").size(), 1u);
  EXPECT_EQ(report["outputs"][0].at("status"), "ok") << report.dump(2);
  EXPECT_TRUE(fs::is_regular_file(dir_ / "out/hostile/good/good.small-portrait.en.mp4"));
  EXPECT_TRUE(partial_files(dir_ / "out").empty());
}

// Issue 32: a subtitle file cannot take the machine. 40 events of {\fs4000\blur200\bord300
// \t(\frz3600)} over a 4 s clip on TikTok (1080x1920), and the same spinning drawings of 3000 points
// each: the run ends in bounded time and memory, drawn with clamped values (exit 0) or failed by
// the drawing budget naming the file, the cue's line and the time (exit 3), never killed.
class HeavyCaptions : public Hostile, public ::testing::WithParamInterface<const char*> {};

TEST_P(HeavyCaptions, FinishInBoundedTimeAndMemory) {
  const fs::path subs = corpus() / "subs" / GetParam();
  write_text(dir_ / "campaign.yaml",
             "name: hostile\nlanguages: [en]\nplatforms: [tiktok]\nclips:\n"
             "  - {id: heavy, source: \"" +
                 media("good-4s.mp4").string() + "\", captions: {en: \"" + subs.string() + "\"}}\n");
  // /usr/bin/time reports the peak resident memory of shortpack (timeout waits for it).
  const auto t0 = std::chrono::steady_clock::now();
  const CommandResult r = test::run_command(
      "/usr/bin/time -f 'peak-rss-kb=%M' timeout -k 5 " + std::to_string(kTimeoutS) + " " +
      shell_quote(test::shortpack_binary()) + " render " + shell_quote((dir_ / "campaign.yaml").string()) +
      " --out " + shell_quote((dir_ / "out").string()) + " --progress none");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_NE(r.exit_code, 124) << "hung: " << r.output;
  ASSERT_LT(r.exit_code, 128) << "killed: " << r.output;
  EXPECT_LT(seconds, 60.0 * test::time_factor()) << r.output;
  const size_t at = r.output.rfind("peak-rss-kb=");
  ASSERT_NE(at, std::string::npos) << r.output;
  const double peak_gb = std::stod(r.output.substr(at + 12)) / (1024.0 * 1024.0);
  EXPECT_LT(peak_gb, 1.5) << r.output;
  // The clamps are warnings naming the file and the event's line (line 12 is the first event).
  EXPECT_THAT(r.output, HasSubstr(subs.string() + ":12: values beyond what the 384x288 script can show are "
                                                  "clamped"));
  const fs::path mp4 = dir_ / "out/hostile/heavy/heavy.tiktok.en.mp4";
  if (r.exit_code == 0) {
    EXPECT_TRUE(fs::exists(mp4));
  } else {
    EXPECT_EQ(r.exit_code, 3) << r.output;
    EXPECT_FALSE(fs::exists(mp4));
    EXPECT_THAT(
        test::read_text(dir_ / "out/hostile/report.json"),
        ::testing::ContainsRegex(GetParam() + std::string(":[0-9]+: the cue at [0-9.]+ s of the output "
                                                          "took .* over the limit of 2 s")));
  }
  EXPECT_TRUE(partial_files(dir_ / "out").empty());
}

INSTANTIATE_TEST_SUITE_P(Issue32, HeavyCaptions, ::testing::Values("heavy-spin.ass", "heavy-drawing.ass"));

// The drawing budget: with a budget of 1 ms, the spinning script fails its output (exit 3) with a
// sentence naming the file, the first cue's line, the time and the limit; nothing is left at its
// path, and the clip beside it without captions renders.
TEST_F(Hostile, CaptionsOverTheDrawingBudgetFailTheirOutputAlone) {
  const fs::path subs = corpus() / "subs/heavy-spin.ass";
  write_text(dir_ / "campaign.yaml",
             "name: hostile\nlanguages: [en]\nplatforms: [small-portrait]\nclips:\n"
             "  - {id: heavy, source: \"" +
                 media("good-4s.mp4").string() + "\", captions: {en: \"" + subs.string() +
                 "\"}}\n"
                 "  - {id: plain, source: \"" +
                 media("good.mp4").string() + "\", captions: none}\n");
  const RunResult run = render_here(dir_ / "campaign.yaml", "--limit caption_frame_ms=1");
  ASSERT_NE(run.exit_code, 124) << "hung";
  EXPECT_EQ(run.exit_code, 3) << run.output;
  const std::string message =
      subs.string() +
      ":12: the cue at 0 s of the output took [0-9.]+ s to draw one frame, over the limit "
      "of 0.001 s \\(40 cues on screen\\); .*--limit caption_frame_ms=N";
  EXPECT_THAT(run.output, ::testing::ContainsRegex(message));
  EXPECT_THAT(test::read_text(dir_ / "out/hostile/report.json"), ::testing::ContainsRegex(message));
  EXPECT_FALSE(fs::exists(dir_ / "out/hostile/heavy/heavy.small-portrait.en.mp4"));
  EXPECT_TRUE(fs::exists(dir_ / "out/hostile/plain/plain.small-portrait.en.mp4"));
  EXPECT_TRUE(partial_files(dir_ / "out").empty());
}

TEST_F(Hostile, RunawayCampaignsAreRefusedQuickly) {
  const std::vector<std::pair<std::string, std::string>> campaigns = {
      {"ten-thousand-clips.yaml", "10000 clips, more than the limit of 2000"},
      {"alias-bomb-keys.yaml", "unknown key 'x0'"},
      {"alias-bomb-clips.yaml", "unknown key 'extra'"},
      {"alias-repeated-clip.yaml", "3000 clips, more than the limit of 2000"},
  };
  for (const auto& [file, message] : campaigns) {
    SCOPED_TRACE(file);
    const RunResult run = render_here(corpus() / "campaigns" / file);
    ASSERT_NE(run.exit_code, 124) << "hung";
    expect_refused_up_front(run, message);
    EXPECT_LT(run.seconds, 30.0 * test::time_factor());
  }
  // A repeated clip under the clip limit: named as an alias, not rendered twice.
  std::string y =
      "name: hostile\nlanguages: [en]\nplatforms: [small-portrait]\nclips:\n  - &a {id: a, source: \"" +
      media("good.mp4").string() + "\", captions: none}\n  - *a\n";
  write_text(dir_ / "alias.yaml", y);
  expect_refused_up_front(render_here(dir_ / "alias.yaml"), "a YAML alias repeats this clip");
}

TEST_F(Hostile, TooManyOutputsAreRefusedBeforeThePlan) {
  std::string y =
      "name: hostile\nlanguages: [en, vi, km, th, fr, de]\nplatforms: [small-portrait, "
      "small-landscape]\nclips:\n";
  for (int i = 0; i < 1700; ++i) {
    y += "  - {id: c" + std::to_string(i) + ", source: \"" + media("good.mp4").string() +
         "\", captions: none}\n";
  }
  write_text(dir_ / "many.yaml", y);
  const RunResult run = render_here(dir_ / "many.yaml");
  expect_refused_up_front(
      run, "asks for 20400 outputs (1700 clips x 2 platforms x 6 languages), more than the limit of 20000");
  EXPECT_LT(run.seconds, 30.0 * test::time_factor());
}

// ---- the stall watchdog --------------------------------------------------------------------

// A source that stops delivering frames for longer than the stall limit fails its clip's outputs
// with the watchdog's message (the graph does not wait forever), and leaves no file behind.
TEST(RenderGraphStall, AStalledSourceFailsTheClip) {
  ScratchDir dir("stall");
  ClipGraphSpec spec = test::colour_card_clip(60, 160, 96);
  EncoderBranchSpec encoder = test::small_output(dir / "stalled.mp4", 160, 96);
  encoder.label = "stalled.test.en";
  spec.geometries[0].languages[0].encoders.push_back(encoder);
  spec.stall_timeout_s = 0.5;
  spec.on_source_frame = [](int64_t index) {
    if (index == 10) std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a stuck decoder
  };

  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<BranchOutcome> outcomes = run_clip_graph(spec);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(outcomes.size(), 1U);
  EXPECT_FALSE(outcomes[0].ok);
  EXPECT_THAT(outcomes[0].error, HasSubstr("no decoding or encoding progress for 0.5 s"));
  EXPECT_LT(outcomes[0].frames, 60);
  EXPECT_LT(seconds, 10.0);
  EXPECT_TRUE(test::list_files(dir.path()).empty()) << testing::PrintToString(test::list_files(dir.path()));

  // The same graph without the stall renders every frame.
  spec.on_source_frame = nullptr;
  const std::vector<BranchOutcome> fine = run_clip_graph(spec);
  ASSERT_EQ(fine.size(), 1U);
  EXPECT_TRUE(fine[0].ok) << fine[0].error;
  EXPECT_EQ(fine[0].frames, 60);
  EXPECT_TRUE(fs::exists(dir / "stalled.mp4"));
}

// ---- file safety ---------------------------------------------------------------------------

class FileSafety : public Hostile {
 protected:
  // Renders the good clip (id "good"); returns the run.
  RunResult render_good(const fs::path& out, const std::string& extra = "") {
    return render(campaign({{"good", media("good.mp4")}}), out,
                  "--presets " + shell_quote((dir_ / "presets").string()) + " " + extra);
  }
  ScratchDir elsewhere_{"elsewhere"};
};

TEST_F(FileSafety, ASymlinkedClipFolderIsRefused) {
  fs::create_directories(dir_ / "out/hostile");
  fs::create_directory_symlink(elsewhere_.path(), dir_ / "out/hostile/good");
  const RunResult run = render_good(dir_ / "out");
  EXPECT_EQ(run.exit_code, 4) << run.output;
  EXPECT_THAT(run.output, HasSubstr("is a symbolic link to " + elsewhere_.path().string()));
  EXPECT_TRUE(test::list_files(elsewhere_.path()).empty()) << "written through the link";
}

TEST_F(FileSafety, ASymlinkedCampaignFolderIsRefused) {
  fs::create_directories(dir_ / "out");
  fs::create_directory_symlink(elsewhere_.path(), dir_ / "out/hostile");
  const RunResult run = render_good(dir_ / "out");
  EXPECT_EQ(run.exit_code, 4) << run.output;
  EXPECT_THAT(run.output, HasSubstr("symbolic link"));
  EXPECT_TRUE(test::list_files(elsewhere_.path()).empty()) << "written through the link";
}

TEST_F(FileSafety, SymlinksAtOutputAndStatePathsAreRefusedAndTheirTargetsKept) {
  const fs::path victim = elsewhere_ / "victim.txt";
  write_text(victim, "precious\n");
  for (const std::string rel : {"hostile/good/good.small-portrait.en.mp4", "hostile/report.json",
                                "hostile/.shortpack/locks/good.small-portrait.en.lock"}) {
    SCOPED_TRACE(rel);
    fs::remove_all(dir_ / "out");
    fs::create_directories((dir_ / "out" / rel).parent_path());
    fs::create_symlink(victim, dir_ / "out" / rel);
    const RunResult run = render_good(dir_ / "out");
    EXPECT_EQ(run.exit_code, 4) << run.output;
    EXPECT_THAT(run.output, HasSubstr("symbolic link"));
    EXPECT_EQ(test::read_text(victim), "precious\n");
    EXPECT_TRUE(fs::is_symlink(dir_ / "out" / rel));
  }
}

TEST_F(FileSafety, FolderNamesWithSpacesAndNonAsciiLettersWork) {
  const fs::path out = dir_ / "out dir" / "tháng 5 · ខែឧសភា 出力";
  const RunResult run = render_good(out);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path file = out / "hostile/good/good.small-portrait.en.mp4";
  EXPECT_EQ(test::probe_file(file).video.width_px, 360);
  const nlohmann::json report = test::read_json(out / "hostile/report.json");
  EXPECT_EQ(fs::path(report.at("output_dir").get<std::string>()), out / "hostile");
}

// One clear error (exit 4), nothing written, no partial file. As root, permissions do not stop
// the writer, so the run is made as nobody (setpriv) in that case.
TEST_F(FileSafety, AReadOnlyOutputFolderIsOneClearError) {
  const fs::path out = dir_ / "readonly";
  fs::create_directories(out);
  std::string prefix;
  std::string binary = test::shortpack_binary();
  if (::geteuid() == 0) {
    // nobody must be able to read the campaign, presets and media, and reach the folder.
    for (fs::path p = dir_.path(); p != p.root_path(); p = p.parent_path()) {
      struct stat st {};
      if (::stat(p.c_str(), &st) == 0 && (st.st_mode & S_IXOTH) == 0)
        SHORTPACK_SKIP_OR_FAIL(p << " is not reachable by nobody");
    }
    fs::permissions(dir_.path(), fs::perms::others_exec | fs::perms::others_read, fs::perm_options::add);
    prefix = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    // The build may live where nobody cannot go (a clone under /root): nobody runs a copy of the
    // binary from the scratch folder, whose presets/ then also serves as the built-in folder.
    fs::create_directories(dir_ / "bin");
    fs::copy_file(binary, dir_ / "bin/shortpack", fs::copy_options::overwrite_existing);
    fs::permissions(dir_ / "bin", fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(dir_ / "bin/shortpack",
                    fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
    binary = (dir_ / "bin/shortpack").string();
  }
  fs::permissions(out, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                           fs::perms::others_read | fs::perms::others_exec);
  // The media too: the generated corpus lives in the source tree.
  fs::create_directories(dir_ / "own-media");
  fs::copy_file(media("good.mp4"), dir_ / "own-media/good.mp4", fs::copy_options::overwrite_existing);
  fs::permissions(dir_ / "own-media", fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(dir_ / "own-media/good.mp4", fs::perms::owner_all | fs::perms::others_read);
  const fs::path c = campaign({{"good", dir_ / "own-media/good.mp4"}});
  const CommandResult r = test::run_command(
      prefix + "timeout 120 " + shell_quote(binary) + " render " + shell_quote(c.string()) + " --out " +
      shell_quote(out.string()) + " --progress none --presets " + shell_quote((dir_ / "presets").string()));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_THAT(r.output, HasSubstr(out.string()));
  EXPECT_THAT(r.output, Not(HasSubstr("internal error")));
  EXPECT_TRUE(test::list_files(out).empty()) << testing::PrintToString(test::list_files(out));
}

}  // namespace
}  // namespace shortpack

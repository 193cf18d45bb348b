// Spans (issue 29) through the CLI: four rows of a variants table that differ only in their
// closing card share the encode of everything before it. Each output is judged by FFmpeg's own
// tools: the video packets before the card are the same bytes in every output
// (`ffmpeg -c copy -f framemd5`), the file decodes without one warning, ffprobe reads every frame
// once at its time with decoding times that rise, `shortpack check` passes, and Tesseract reads
// the row's own hotline on its card. --no-span-reuse encodes every output whole.
#include <gtest/gtest.h>

#include <clocale>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "pipeline/graph/clip_graph.h"
#include "support/card_clip.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/spans_preset.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

constexpr int kFrames = 210;        // 5 s of source and a 2 s card at 30 fps
constexpr int kCardFrame = 150;     // the card's first frame
constexpr int kSharedFrames = 149;  // spans cut one frame before a piece may show
const std::map<std::string, std::string> kHotlines{
    {"hanoi", "02439461234"}, {"hue", "02343822123"}, {"hcm", "02838295000"}, {"danang", "02363822555"}};

struct Packet {
  int64_t pts = 0;
  int64_t dts = 0;
  bool key = false;
};

class SpanRender : public ::testing::Test {
 protected:
  void SetUp() override {
    std::setlocale(LC_ALL, "C");
    write_text(dir_ / "presets/spans-portrait.yaml", test::kSpansPortraitPreset);
    test::make_clip(dir_ / "src.mp4", 5.0, "testsrc2=s=1280x720:r=30");
    write_text(dir_ / "cue.srt", "1\n00:00:00,500 --> 00:00:03,000\nCall the hotline\n");
    std::string table = "id,hotline\n";
    for (const auto& [id, hotline] : kHotlines) table += id + "," + hotline + "\n";
    write_text(dir_ / "rows.csv", table);
    write_text(dir_ / "c.yaml",
               "name: s\nlanguages: [en]\nplatforms: [spans-portrait]\nvariants: rows.csv\nclips:\n"
               "  - id: end\n    segments:\n      - {source: src.mp4}\n"
               "      - {card: {en: \"{{hotline}}\"}, duration: 2, background: \"#0D47A1\"}\n"
               "    captions: {en: cue.srt}\n");
  }
  test::CommandResult render(const std::string& out, const std::string& extra = "") {
    return test::run_shortpack("render " + shell_quote((dir_ / "c.yaml").string()) + " --presets " +
                               shell_quote((dir_ / "presets").string()) + " --out " +
                               shell_quote((dir_ / out).string()) + " --progress none " + extra);
  }
  fs::path output(const std::string& out, const std::string& id) {
    return dir_ / out / "s/end" / ("end." + id + ".spans-portrait.en.mp4");
  }
  // The video packets' lines of `ffmpeg -c copy -f framemd5` (dts, pts, duration, size, MD5), in
  // decoding order.
  static std::vector<std::string> framemd5(const fs::path& file) {
    const auto r = test::run_command("ffmpeg -nostdin -v error -i " + shell_quote(file.string()) +
                                     " -map 0:v -c copy -f framemd5 - 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> lines;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line[0] != '#') lines.push_back(line);
    }
    return lines;
  }
  // The video packets as ffprobe reads them, in frames (decoding order).
  static std::vector<Packet> packets(const fs::path& file) {
    const auto r = test::run_command(
        "ffprobe -v error -select_streams v:0 -show_entries packet=pts,dts,flags "
        "-of csv=p=0 " +
        shell_quote(file.string()));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    std::vector<Packet> out;
    std::istringstream in(r.output);
    for (std::string line; std::getline(in, line);) {
      std::istringstream fields(line);
      std::string pts;
      std::string dts;
      std::string flags;
      std::getline(fields, pts, ',');
      std::getline(fields, dts, ',');
      std::getline(fields, flags, ',');
      // MP4 video time base at 30 fps: 1/15360, 512 per frame.
      out.push_back({std::stoll(pts) / 512, std::stoll(dts) / 512, flags.find('K') != std::string::npos});
      EXPECT_EQ(std::stoll(pts) % 512, 0) << line;
    }
    return out;
  }
  std::string ocr_card(const fs::path& video) {
    return test::ocr_digits(video, 6.0, 2, dir_ / (video.stem().string() + ".ocr.png"));
  }
  test::ScratchDir dir_{"spans-e2e"};
};

TEST_F(SpanRender, VariantsDifferingInTheClosingCardShareTheBytesBeforeItAndPlayCleanly) {
  const auto run = render("out");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::vector<std::string> first = framemd5(output("out", "danang"));
  ASSERT_EQ(first.size(), static_cast<size_t>(kFrames));
  for (const auto& [id, hotline] : kHotlines) {
    const fs::path file = output("out", id);
    SCOPED_TRACE(id);
    // The packets before the card are the very bytes (and times) of every other row's.
    const std::vector<std::string> lines = framemd5(file);
    ASSERT_EQ(lines.size(), static_cast<size_t>(kFrames));
    for (int i = 0; i < kSharedFrames; ++i) EXPECT_EQ(lines[i], first[i]) << "packet " << i;
    if (id != "danang") {
      EXPECT_NE(lines.back(), first.back());
    }
    // Not one decoder warning, start to end.
    const auto decode =
        test::run_command("ffmpeg -nostdin -v warning -i " + shell_quote(file.string()) + " -f null - 2>&1");
    EXPECT_EQ(decode.exit_code, 0);
    EXPECT_EQ(decode.output, "");
    // Every frame once, at its time; decoding times rise, each before its picture; an IDR where
    // the card's span starts.
    const std::vector<Packet> ps = packets(file);
    ASSERT_EQ(ps.size(), static_cast<size_t>(kFrames));
    std::set<int64_t> shown;
    for (size_t i = 0; i < ps.size(); ++i) {
      shown.insert(ps[i].pts);
      EXPECT_LE(ps[i].dts, ps[i].pts) << i;
      if (i > 0) {
        EXPECT_EQ(ps[i].dts, ps[i - 1].dts + 1) << i;
      }
    }
    EXPECT_EQ(shown.size(), static_cast<size_t>(kFrames));
    EXPECT_EQ(*shown.begin(), 0);
    EXPECT_EQ(*shown.rbegin(), kFrames - 1);
    EXPECT_TRUE(ps[kSharedFrames].key && ps[kSharedFrames].pts == kSharedFrames);
    // What a platform would verify.
    const auto check =
        test::run_shortpack("check " + shell_quote(file.string()) + " --platform spans-portrait" +
                            " --presets " + shell_quote((dir_ / "presets").string()));
    EXPECT_EQ(check.exit_code, 0) << check.output;
    if (test::run_command("tesseract --list-langs").output.find("eng") != std::string::npos) {
      EXPECT_EQ(ocr_card(file), hotline);
    }
  }
  EXPECT_LT(kSharedFrames, kCardFrame);
  // The report's figures: the first row encodes the shared span, the other three reuse it.
  const nlohmann::json report = test::read_json(dir_ / "out/s/report.json");
  double reused_s = 0.0;
  for (const auto& o : report.at("outputs")) {
    EXPECT_NEAR(o.at("video_encoded_s").get<double>() + o.at("video_reused_s").get<double>(), kFrames / 30.0,
                1e-9);
    reused_s += o.at("video_reused_s").get<double>();
  }
  EXPECT_NEAR(reused_s, 3 * kSharedFrames / 30.0, 1e-9);
}

TEST_F(SpanRender, NoSpanReuseEncodesEveryOutputWhole) {
  const auto run = render("whole", "--no-span-reuse");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const auto& [id, hotline] : kHotlines) {
    const std::vector<Packet> ps = packets(output("whole", id));
    ASSERT_EQ(ps.size(), static_cast<size_t>(kFrames)) << id;
    for (const Packet& p : ps) {
      if (p.key) {
        EXPECT_EQ(p.pts % 30, 0) << id << ": a keyframe off the one-second grid at frame " << p.pts;
      }
    }
  }
}

// Spans are kept from pass to pass: with one encoder a pass (--limit encoder_memory=1), the rows
// take the shared span the first pass encoded, and the files are those of one pass, byte for byte.
TEST_F(SpanRender, OnePassOrOneEncoderAPassMakeTheSameBytes) {
  const auto debug_render = [&](const std::string& out, const std::string& extra) {
    return test::run_shortpack("--log-level debug render " + shell_quote((dir_ / "c.yaml").string()) +
                               " --presets " + shell_quote((dir_ / "presets").string()) + " --out " +
                               shell_quote((dir_ / out).string()) + " --progress none --threads 1 " + extra);
  };
  const auto one = debug_render("one", "");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  const auto apart = debug_render("apart", "--limit encoder_memory=1");
  ASSERT_EQ(apart.exit_code, 0) << apart.output;
  EXPECT_EQ(one.output.find("a pass over the clip"), std::string::npos) << one.output;
  EXPECT_NE(apart.output.find("encoders 4-4 of 4: a pass over the clip"), std::string::npos) << apart.output;
  for (const auto& [id, hotline] : kHotlines) {
    EXPECT_EQ(test::sha256sum(output("one", id)), test::sha256sum(output("apart", id))) << id;
    EXPECT_EQ(framemd5(output("apart", id)).size(), static_cast<size_t>(kFrames)) << id;
  }
  // Only the first row encoded the shared span, in the first pass.
  const nlohmann::json report = test::read_json(dir_ / "apart/s/report.json");
  double reused_s = 0.0;
  for (const auto& o : report.at("outputs")) reused_s += o.at("video_reused_s").get<double>();
  EXPECT_NEAR(reused_s, 3 * kSharedFrames / 30.0, 1e-9);
}

// The branch that encodes the shared span fails (a test fault thrown in its encoder): its own
// output fails alone; the other rows cannot join a span that was never made, so each is encoded
// whole again and says so in a warning.
TEST_F(SpanRender, AFailedSpanIsNotJoinedTheOtherRowsAreEncodedWholeWithAWarning) {
  // Rows are in the table's order (kHotlines is sorted): danang's branch encodes the shared span.
  const auto run = test::run_command("SHORTPACK_TEST_FAULT=bad_alloc@end.danang.spans-portrait.en " +
                                     shell_quote(test::shortpack_binary()) + " render " +
                                     shell_quote((dir_ / "c.yaml").string()) + " --presets " +
                                     shell_quote((dir_ / "presets").string()) + " --out " +
                                     shell_quote((dir_ / "fault").string()) + " --progress none 2>&1");
  EXPECT_EQ(run.exit_code, 3) << run.output;
  const nlohmann::json report = test::read_json(dir_ / "fault/s/report.json");
  ASSERT_EQ(report.at("outputs").size(), kHotlines.size());
  for (const auto& o : report.at("outputs")) {
    const std::string name = fs::path(o.at("path").get<std::string>()).filename().string();
    if (name == "end.danang.spans-portrait.en.mp4") {
      EXPECT_EQ(o.at("status"), "failed") << o.dump(2);
      continue;
    }
    EXPECT_EQ(o.at("status"), "ok") << o.dump(2);
    ASSERT_TRUE(o.contains("warnings")) << o.dump(2);
    EXPECT_NE(o.at("warnings").dump().find("encoded whole"), std::string::npos) << o.dump(2);
    const std::vector<Packet> ps = packets(dir_ / "fault/s" / o.at("path").get<std::string>());
    ASSERT_EQ(ps.size(), static_cast<size_t>(kFrames)) << name;
    for (const Packet& p : ps) {
      if (p.key) {
        EXPECT_EQ(p.pts % 30, 0) << name << ": not encoded whole (a keyframe at frame " << p.pts << ")";
      }
    }
  }
  EXPECT_EQ(test::leftover_files(dir_ / "fault"), std::vector<std::string>{});
}

// ---- the graph: spans written as they are made ----------------------------------------------

// Two outputs of one clip share spans 0 and 2 (encoded by the first) and each has its own middle
// span. Each output writes a span to its file as soon as it and the spans before it are made, so
// a span's packets are given back while the clip is still encoding: by the time the third span
// is made, the first two are written and empty. A span a later pass joins keeps its packets until
// then, and the files are the same bytes in one pass and in two.
class SpansInTheGraph : public ::testing::Test {
 protected:
  struct Seen {
    std::mutex mutex;
    std::vector<std::shared_ptr<const EncodedSpan>> spans;  // in the order they were made
    std::vector<std::vector<size_t>> packets_then;          // per call: every span seen so far
    std::vector<size_t> order;                              // SpanUse::span of each call
  };

  static EncoderBranchSpec output(const fs::path& path, std::vector<SpanUse> spans) {
    EncoderBranchSpec e = test::small_output(path, 160, 96);
    e.spans = std::move(spans);
    return e;
  }

  static ClipGraphSpec spec(const fs::path& out, Seen& seen) {
    fs::create_directories(out);
    ClipGraphSpec clip = test::colour_card_clip(90, 160, 96);
    std::vector<EncoderBranchSpec>& outputs = clip.geometries[0].languages[0].encoders;
    outputs.push_back(
        output(out / "a.mp4", {SpanUse{0, 30, 0, true}, SpanUse{30, 30, 1, true}, SpanUse{60, 30, 2, true}}));
    outputs.push_back(output(
        out / "b.mp4", {SpanUse{0, 30, 0, false}, SpanUse{30, 30, 3, true}, SpanUse{60, 30, 2, false}}));
    clip.span_count = 4;
    clip.on_span_encoded = [&seen](size_t k, std::shared_ptr<const EncodedSpan> span) {
      const std::lock_guard lock(seen.mutex);
      seen.order.push_back(k);
      seen.spans.push_back(std::move(span));
      std::vector<size_t> now;
      for (const auto& s : seen.spans) now.push_back(s->packets.size());
      seen.packets_then.push_back(now);
    };
    return clip;
  }

  static void expect_played_whole(const fs::path& file) {
    const test::MediaProbe probe = test::probe_file(file);
    EXPECT_EQ(probe.video.packets, 90) << file;
    EXPECT_EQ(probe.video.keyframes, 3) << file;  // one IDR a span
    ASSERT_EQ(probe.video.pts.size(), 90U) << file;
    for (size_t i = 1; i < probe.video.pts.size(); ++i) EXPECT_GT(probe.video.pts[i], probe.video.pts[i - 1]);
    EXPECT_EQ(test::count_decoded_frames(file), 90) << file;
  }

  test::ScratchDir dir_{"spans-graph"};
};

TEST_F(SpansInTheGraph, EachSpanIsWrittenAsItIsMadeAndLetGo) {
  Seen seen;
  const std::vector<BranchOutcome> outcomes = run_clip_graph(spec(dir_ / "one", seen));
  ASSERT_EQ(outcomes.size(), 2U);
  for (const BranchOutcome& o : outcomes) {
    EXPECT_TRUE(o.ok) << o.error;
    EXPECT_EQ(o.frames, 90);
  }
  ASSERT_EQ(seen.order.size(), 4U);
  std::map<size_t, size_t> call_of;
  for (size_t i = 0; i < seen.order.size(); ++i) {
    call_of[seen.order[i]] = i;
    EXPECT_EQ(seen.packets_then[i][i], 30U) << "span " << seen.order[i] << " was handed over incomplete";
  }
  // Span 2 is made after 0 and 1 (by the same branch): both were written to every output that
  // joins them, and gave back their packets.
  const size_t at_2 = call_of.at(2);
  EXPECT_EQ(seen.packets_then[at_2][call_of.at(0)], 0U);
  EXPECT_EQ(seen.packets_then[at_2][call_of.at(1)], 0U);
  for (const auto& s : seen.spans) EXPECT_TRUE(s->packets.empty());
  expect_played_whole(dir_ / "one/a.mp4");
  expect_played_whole(dir_ / "one/b.mp4");
  EXPECT_EQ(test::leftover_files(dir_ / "one"), std::vector<std::string>{});

  // One encoder a pass: spans 0 and 2 wait in memory for the second pass, which joins them.
  Seen two;
  ClipGraphSpec passes = spec(dir_ / "two", two);
  passes.encoder_memory_bytes = 1;
  const std::vector<BranchOutcome> again = run_clip_graph(passes);
  ASSERT_EQ(again.size(), 2U);
  for (const BranchOutcome& o : again) EXPECT_TRUE(o.ok) << o.error;
  ASSERT_EQ(two.order, (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(two.packets_then[2], (std::vector<size_t>{30, 0, 30}));
  for (const char* name : {"a.mp4", "b.mp4"}) {
    EXPECT_EQ(test::sha256sum(dir_ / "two" / name), test::sha256sum(dir_ / "one" / name)) << name;
  }
}

}  // namespace
}  // namespace shortpack

// `shortpack render` end to end (issue 2): a generated clip through the CLI, every output judged
// with libavformat (support/media_probe.h) and the ffmpeg tools; failure isolation of unreadable
// sources; bad campaigns refused with file:line and nothing written; platform duration limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "support/green_pixels.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::ScratchDir;
using test::shell_quote;
using test::write_text;

constexpr double kFps = 30.0;

int count_bright(const test::YuvPicture& pic, int x0, int y0, int x1, int y1, int threshold = 215) {
  int n = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) n += pic.luma(x, y) >= threshold ? 1 : 0;
  }
  return n;
}

class RenderBasic : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() { open_suite_folder("render-basic"); }
  // Media are made when a test first needs them: ctest runs every test in its own process.
  //
  // A grey picture whose brightness climbs 2 steps per frame (frame n: Y = 16 + 2n), so the
  // first output frame tells where the trim started; 44.1 kHz mono sound, to be resampled. 3 s.
  static void need_ramp() {
    if (fs::exists(root() / "media/ramp.mp4")) return;
    test::make_clip(root() / "media/ramp.mp4", 3.0,
                    "color=c=gray:s=640x360:r=30,format=yuv420p,geq=lum='16+2*N':cb=128:cr=128",
                    "sine=frequency=440:sample_rate=44100",
                    "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -ac 1");
  }
  // A small 1 s clip.
  static void need_good() {
    if (fs::exists(root() / "media/good.mp4")) return;
    test::make_clip(root() / "media/good.mp4", 1.0, "testsrc2=size=320x240:rate=30",
                    "sine=frequency=440:sample_rate=48000");
  }
  // An opaque green logo, 64x32.
  static void need_logo() {
    if (fs::exists(root() / "brand/logo.png")) return;
    test::make_green_logo(root() / "brand/logo.png");
  }
  static test::CommandResult render(const fs::path& campaign, const fs::path& out) {
    return render_with_presets(campaign, out);
  }
};

// Sharing work never changes a picture: the same output rendered alone and among other variants
// (another language on the same geometry, another geometry) is the same file, byte for byte, at a
// fixed encoder thread count.
TEST_F(RenderBasic, AnOutputIsBitForBitTheSameAloneAndAmongVariants) {
  need_ramp();
  need_logo();
  write_text(root() / "subs/same.en.srt", "1\n00:00:00,200 --> 00:00:01,200\nSAME PICTURE\n");
  write_text(root() / "subs/same.vi.srt", "1\n00:00:00,200 --> 00:00:01,200\nCÙNG HÌNH\n");
  auto campaign = [&](const std::string& file, const std::string& languages, const std::string& platforms,
                      const std::string& captions) {
    write_text(root() / file,
               "name: same\n"
               "languages: [" +
                   languages +
                   "]\n"
                   "platforms: [" +
                   platforms +
                   "]\n"
                   "encode: {threads: 2}\n"
                   "brand: {logo: brand/logo.png, logo_position: top-right}\n"
                   "clips:\n"
                   "  - id: ramp\n"
                   "    source: media/ramp.mp4\n"
                   "    end: 1.5\n"
                   "    captions: {" +
                   captions + "}\n");
    return root() / file;
  };
  const auto alone =
      render(campaign("alone.yaml", "en", "small-portrait", "en: subs/same.en.srt"), root() / "out-alone");
  ASSERT_EQ(alone.exit_code, 0) << alone.output;
  const auto shared = render(campaign("shared.yaml", "vi, en", "small-landscape, small-portrait",
                                      "en: subs/same.en.srt, vi: subs/same.vi.srt"),
                             root() / "out-shared");
  ASSERT_EQ(shared.exit_code, 0) << shared.output;
  const fs::path name = "same/ramp/ramp.small-portrait.en.mp4";
  const std::string a = test::sha256sum(root() / "out-alone" / name);
  EXPECT_EQ(a, test::sha256sum(root() / "out-shared" / name));
  // The other variants differ from it (so the comparison is not of empty or constant files).
  EXPECT_NE(a, test::sha256sum(root() / "out-shared/same/ramp/ramp.small-portrait.vi.mp4"));
}

// A clip's encoders run in batches that fit --limit encoder_memory, each batch a pass over the
// clip of its own (issue 28: peak memory): one encoder per pass makes the same four files, byte for
// byte, as all four in one pass, and the log counts the passes. The first pass keeps the pictures
// it decodes in the frame spill and the later three read them back without decoding; with the
// spill off (--limit frame_spill=0) every pass decodes, and the files are the same again.
TEST_F(RenderBasic, EncodersInBatchesMakeTheSameFilesAsInOnePass) {
  need_ramp();
  need_logo();
  write_text(root() / "subs/batch.en.srt", "1\n00:00:00,200 --> 00:00:01,200\nBATCHES\n");
  write_text(root() / "subs/batch.vi.srt", "1\n00:00:00,200 --> 00:00:01,200\nLÔ\n");
  write_text(root() / "batches.yaml",
             "name: batches\n"
             "languages: [vi, en]\n"
             "platforms: [small-landscape, small-portrait]\n"
             "encode: {threads: 1}\n"
             "brand: {logo: brand/logo.png, logo_position: top-right}\n"
             "clips:\n"
             "  - id: ramp\n"
             "    source: media/ramp.mp4\n"
             "    end: 1.5\n"
             "    captions: {en: subs/batch.en.srt, vi: subs/batch.vi.srt}\n");
  auto render_limited = [&](const std::string& limit, const fs::path& out, const std::string& more = "") {
    return test::run_shortpack("--log-level debug render " + shell_quote((root() / "batches.yaml").string()) +
                               " --out " + shell_quote(out.string()) + " --presets " +
                               shell_quote((root() / "presets").string()) +
                               " --limit encoder_memory=" + limit + more);
  };
  // Per pass: "N pictures decoded, M read back from the frame spill", as "N/M".
  auto pictures = [](const std::string& log) {
    std::vector<std::string> out;
    const std::regex line(R"((\d+) pictures decoded, (\d+) read back from the frame spill)");
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it)
      out.push_back((*it)[1].str() + "/" + (*it)[2].str());
    return out;
  };
  auto passes = [](const std::string& log) {
    size_t n = 0;
    for (size_t at = log.find("a pass over the clip"); at != std::string::npos;
         at = log.find("a pass over the clip", at + 1))
      ++n;
    return n;
  };
  const auto together = render_limited("0", root() / "out-one-pass");
  ASSERT_EQ(together.exit_code, 0) << together.output;
  EXPECT_EQ(passes(together.output), 0u) << together.output;  // one pass: not announced
  const auto apart = render_limited("1", root() / "out-batches");
  ASSERT_EQ(apart.exit_code, 0) << apart.output;
  EXPECT_EQ(passes(apart.output), 4u) << apart.output;
  EXPECT_EQ(pictures(apart.output), (std::vector<std::string>{"45/0", "0/45", "0/45", "0/45"}))
      << apart.output;
  const auto unspilled = render_limited("1", root() / "out-unspilled", " --limit frame_spill=0");
  ASSERT_EQ(unspilled.exit_code, 0) << unspilled.output;
  EXPECT_EQ(passes(unspilled.output), 4u) << unspilled.output;
  EXPECT_TRUE(pictures(unspilled.output).empty()) << unspilled.output;
  std::set<std::string> hashes;
  for (const std::string platform : {"small-landscape", "small-portrait"}) {
    for (const std::string lang : {"vi", "en"}) {
      const fs::path name = "batches/ramp/ramp." + platform + "." + lang + ".mp4";
      const std::string a = test::sha256sum(root() / "out-one-pass" / name);
      EXPECT_EQ(a, test::sha256sum(root() / "out-batches" / name)) << name;
      EXPECT_EQ(a, test::sha256sum(root() / "out-unspilled" / name)) << name;
      hashes.insert(a);
    }
  }
  EXPECT_EQ(hashes.size(), 4u);  // four different files (not four empty or equal ones)
}

TEST_F(RenderBasic, TrimmedClipWithLogoAndCaptionsIsAConformingMp4) {
  need_ramp();
  need_logo();
  // Source 0..3 s, trimmed to 0.5..2.0 s: 45 frames out. Cues are timed on the source: the first
  // crosses the trim start (kept for 0..0.5 s of output), the gap 0.5..1.0 s has none, the second
  // shows at 1.0..1.5 s of output, the third lies after the trim end (dropped).
  write_text(root() / "subs/ramp.en.srt",
             "1\n00:00:00,000 --> 00:00:01,000\nFIRST LINE\n\n"
             "2\n00:00:01,500 --> 00:00:02,000\nSECOND LINE\n\n"
             "3\n00:00:02,500 --> 00:00:03,000\nNEVER SHOWN\n");
  write_text(root() / "subs/ramp.vi.srt",
             "1\n00:00:00,000 --> 00:00:01,000\nDÒNG ĐẦU\n\n"
             "2\n00:00:01,500 --> 00:00:02,000\nDÒNG HAI\n");
  const fs::path campaign = root() / "basic.yaml";
  write_text(campaign,
             "name: basic\n"
             "languages: [en, vi]\n"
             "platforms: [small-portrait]\n"
             "brand: {logo: brand/logo.png, logo_position: top-right}\n"
             "clips:\n"
             "  - id: ramp\n"
             "    source: media/ramp.mp4\n"
             "    start: 0.5\n"
             "    end: 2.0\n"
             "    captions: {en: subs/ramp.en.srt, vi: subs/ramp.vi.srt}\n");
  const fs::path out = root() / "out-basic";
  const auto run = render(campaign, out);
  ASSERT_EQ(run.exit_code, 0) << run.output;

  const nlohmann::json report = test::read_json(out / "basic/report.json");
  ASSERT_EQ(report.at("outputs").size(), 2u) << report.dump(2);
  for (const std::string lang : {"en", "vi"}) {
    SCOPED_TRACE(lang);
    const fs::path file = out / "basic/ramp" / ("ramp.small-portrait." + lang + ".mp4");
    ASSERT_TRUE(fs::is_regular_file(file));

    // Container, streams, constant frame rate, duration to the frame.
    const test::MediaProbe probe = test::probe_file(file);
    EXPECT_NE(probe.format_name.find("mp4"), std::string::npos) << probe.format_name;
    const auto& v = probe.video;
    ASSERT_TRUE(v.present);
    EXPECT_EQ(v.codec, "h264");
    EXPECT_EQ(v.pixel_format, "yuv420p");
    EXPECT_EQ(v.width_px, 360);
    EXPECT_EQ(v.height_px, 640);
    EXPECT_EQ(av_q2d(v.avg_frame_rate), kFps);
    EXPECT_EQ(v.packets, 45);
    const std::vector<int64_t> steps = v.pts_steps();
    ASSERT_FALSE(steps.empty());
    EXPECT_TRUE(std::all_of(steps.begin(), steps.end(), [&](int64_t s) { return s == steps.front(); }))
        << "presentation steps vary: the frame rate is not constant";
    EXPECT_TRUE(std::all_of(v.durations.begin(), v.durations.end(), [&](int64_t d) {
      return d == steps.front();
    })) << "packet durations vary";
    EXPECT_DOUBLE_EQ(static_cast<double>(steps.front()) * av_q2d(v.time_base), 1.0 / kFps);
    EXPECT_NEAR(v.span_s(), 1.5, 1e-6);
    EXPECT_NEAR(probe.duration_s, 1.5, 0.5 / kFps);
    EXPECT_EQ(test::count_decoded_frames(file), 45);

    const auto& a = probe.audio;
    ASSERT_TRUE(a.present);
    EXPECT_EQ(a.codec, "aac");
    EXPECT_EQ(a.profile, "LC");
    EXPECT_EQ(a.sample_rate_hz, 48000);
    EXPECT_EQ(a.channels, 2);
    EXPECT_NEAR(a.span_s, 1.5, 1024.0 / 48000.0 + 1e-6);

    // Fast start: the index before the media data.
    const std::vector<std::string> boxes = test::top_level_boxes(file);
    const auto moov = std::find(boxes.begin(), boxes.end(), "moov");
    const auto mdat = std::find(boxes.begin(), boxes.end(), "mdat");
    ASSERT_NE(moov, boxes.end());
    ASSERT_NE(mdat, boxes.end());
    EXPECT_LT(moov - boxes.begin(), mdat - boxes.begin()) << "moov after mdat";

    // Pictures: the trim starts at source frame 15 (Y = 46) and ends after source frame 59
    // (Y = 134); the picture sits in the middle of the portrait frame (fit-blur).
    const std::vector<test::YuvPicture> pics = test::decode_frames(file, {0, 7, 22, 37, 44});
    EXPECT_NEAR(pics[0].mean(0, 150, 300, 210, 340), 16 + 2 * 15, 3.0) << "first frame is not the trim start";
    EXPECT_NEAR(pics[4].mean(0, 150, 300, 210, 340), 16 + 2 * 59, 3.0) << "last frame is not the trim end";

    // The logo: green pixels in the top-right corner of the safe zone (50 top, 30 right), none
    // elsewhere.
    const int green_corner = test::count_green(pics[2], 180, 0, 360, 200);
    EXPECT_GT(green_corner, 400) << "no logo in the top-right corner";
    EXPECT_EQ(test::count_green(pics[2], 0, 0, 360, 640) - green_corner, 0)
        << "logo pixels outside the corner";
    EXPECT_EQ(test::count_green(pics[2], 330, 0, 360, 640), 0) << "logo inside the right UI margin";
    EXPECT_EQ(test::count_green(pics[2], 0, 0, 360, 50), 0) << "logo inside the top UI margin";

    // Captions: bright text in the lower part during cues (0..0.5 s, 1.0..1.5 s), nothing between
    // and never inside the bottom UI margin.
    EXPECT_GT(count_bright(pics[1], 0, 320, 360, 520), 150) << "no caption at 0.23 s";
    EXPECT_EQ(count_bright(pics[2], 0, 0, 360, 640), 0) << "text on screen at 0.73 s, between cues";
    EXPECT_GT(count_bright(pics[3], 0, 320, 360, 520), 150) << "no caption at 1.23 s";
    for (const auto& pic : pics)
      EXPECT_EQ(count_bright(pic, 0, 521, 360, 640), 0) << "text in the bottom margin";

    // The report.
    const nlohmann::json* o = test::find_output(report, "ramp", "small-portrait", lang);
    ASSERT_NE(o, nullptr);
    EXPECT_EQ(o->at("status"), "ok") << o->dump(2);
    EXPECT_EQ(o->at("error"), "");
    EXPECT_EQ(fs::weakly_canonical(out / "basic" / o->at("path").get<std::string>()),
              fs::weakly_canonical(file));
    EXPECT_EQ(o->at("width"), 360);
    EXPECT_EQ(o->at("height"), 640);
    EXPECT_NEAR(o->at("duration").get<double>(), 1.5, 0.5 / kFps);
    EXPECT_EQ(o->at("bytes").get<int64_t>(), static_cast<int64_t>(fs::file_size(file)));
    EXPECT_EQ(o->at("sha256"), test::sha256sum(file));
  }
  // The two languages differ (their captions); no temporary or rejected files remain.
  EXPECT_NE(test::sha256sum(out / "basic/ramp/ramp.small-portrait.en.mp4"),
            test::sha256sum(out / "basic/ramp/ramp.small-portrait.vi.mp4"));
  EXPECT_EQ(test::list_files(out / "basic", ".mp4"),
            (std::vector<std::string>{"ramp/ramp.small-portrait.en.mp4", "ramp/ramp.small-portrait.vi.mp4"}));
  EXPECT_EQ(test::leftover_files(out / "basic"), std::vector<std::string>{});
}

TEST_F(RenderBasic, UnreadableSourcesFailOnlyTheirOwnOutputs) {
  need_good();
  // Random bytes named .mp4.
  {
    std::mt19937 rng(1234);
    std::ofstream junk(root() / "media/junk.mp4", std::ios::binary);
    for (int i = 0; i < 200000; ++i) junk.put(static_cast<char>(rng() & 0xFF));
  }
  // A fast-start MP4 cut at 40 %: its index promises 3 s, the data stops early.
  test::make_clip(root() / "media/whole.mp4", 3.0, "testsrc2=size=320x240:rate=30",
                  "sine=frequency=440:sample_rate=48000",
                  "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac -movflags +faststart");
  const auto whole_bytes = fs::file_size(root() / "media/whole.mp4");
  fs::copy_file(root() / "media/whole.mp4", root() / "media/truncated.mp4",
                fs::copy_options::overwrite_existing);
  fs::resize_file(root() / "media/truncated.mp4", whole_bytes * 4 / 10);

  // A plain MP4 (index at the end) cut at 40 %: no index at all.
  test::make_clip(root() / "media/plain.mp4", 3.0, "testsrc2=size=320x240:rate=30");
  fs::copy_file(root() / "media/plain.mp4", root() / "media/nomoov.mp4",
                fs::copy_options::overwrite_existing);
  fs::resize_file(root() / "media/nomoov.mp4", fs::file_size(root() / "media/plain.mp4") * 4 / 10);

  const fs::path campaign = root() / "isolation.yaml";
  write_text(campaign,
             "name: isolation\n"
             "languages: [en]\n"
             "platforms: [small-portrait, small-landscape]\n"
             "clips:\n"
             "  - {id: junk, source: media/junk.mp4, captions: none}\n"
             "  - {id: good, source: media/good.mp4, captions: none}\n"
             "  - {id: truncated, source: media/truncated.mp4, captions: none}\n"
             "  - {id: nomoov, source: media/nomoov.mp4, captions: none}\n");
  const fs::path out = root() / "out-isolation";
  const auto run = render(campaign, out);
  EXPECT_EQ(run.exit_code, 3) << run.output;

  const nlohmann::json report = test::read_json(out / "isolation/report.json");
  ASSERT_EQ(report.at("outputs").size(), 8u) << report.dump(2);
  for (const std::string platform : {"small-portrait", "small-landscape"}) {
    SCOPED_TRACE(platform);
    const nlohmann::json* good = test::find_output(report, "good", platform, "en");
    ASSERT_NE(good, nullptr);
    EXPECT_EQ(good->at("status"), "ok") << good->dump(2);
    EXPECT_TRUE(fs::is_regular_file(out / "isolation/good" / ("good." + platform + ".en.mp4")));
    for (const std::string clip : {"junk", "truncated", "nomoov"}) {
      SCOPED_TRACE(clip);
      const nlohmann::json* bad = test::find_output(report, clip, platform, "en");
      ASSERT_NE(bad, nullptr);
      EXPECT_EQ(bad->at("status"), "failed");
      const std::string error = bad->at("error");
      EXPECT_NE(error.find(clip + ".mp4"), std::string::npos)
          << "the error does not name the file: " << error;
      EXPECT_FALSE(fs::exists(out / "isolation" / clip / (clip + "." + platform + ".en.mp4")));
    }
  }
  // Only the good clip's videos; no temporary (.part) or rejected files anywhere.
  EXPECT_EQ(
      test::list_files(out / "isolation", ".mp4"),
      (std::vector<std::string>{"good/good.small-landscape.en.mp4", "good/good.small-portrait.en.mp4"}));
  EXPECT_EQ(test::leftover_files(out / "isolation"), std::vector<std::string>{});
  EXPECT_NE(run.output.find("junk"), std::string::npos) << run.output;
}

// A plain clip longer than libavformat's 10 s interleaving window, through a preset with B-frames
// (the first video DTS is negative): audio and video lie within 1 s of each other in the file's
// data from the first packet to the last, as ffprobe reads them (issue 26: 2 s apart here).
TEST_F(RenderBasic, AudioAndVideoAreInterleavedThroughoutTheFile) {
  if (!fs::exists(root() / "media/twelve.mp4")) {
    test::make_clip(root() / "media/twelve.mp4", 12.0, "testsrc2=size=320x240:rate=30",
                    "sine=frequency=440:sample_rate=48000");
  }
  std::string preset = test::read_text(root() / "presets/small-portrait.yaml");
  ASSERT_NE(preset.find("bframes: 0"), std::string::npos);
  preset.replace(preset.find("bframes: 0"), 10, "bframes: 2");
  ASSERT_NE(preset.find("max_s: 10}"), std::string::npos);
  preset.replace(preset.find("max_s: 10}"), 10, "max_s: 60}");  // longer than the muxer's 10 s window
  write_text(root() / "presets/small-bframes.yaml", preset);
  const fs::path campaign = root() / "interleave.yaml";
  write_text(campaign,
             "name: interleave\nlanguages: [en]\nplatforms: [small-bframes]\n"
             "clips:\n  - {id: twelve, source: media/twelve.mp4, captions: none}\n");
  const auto run = render(campaign, root() / "out-interleave");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto reading =
      test::ffprobe_interleave(root() / "out-interleave/interleave/twelve/twelve.small-bframes.en.mp4");
  EXPECT_EQ(reading.video_packets, 360);
  EXPECT_GT(reading.audio_packets, 560);  // 12 s of 1024-sample AAC frames at 48 kHz: 563
  EXPECT_LT(reading.max_gap_s, 1.0);
}

// An output that fails its platform's check is set aside as *.rejected.mp4; when that rename fails
// (here a folder stands at the name), the report says so and the file is not left at its
// publishable path (issue 26: the report said "kept as" whatever the rename did).
TEST_F(RenderBasic, ARejectedOutputIsReportedWhereItReallyIs) {
  need_good();
  // small-portrait, but no file may be over 1000 bytes: every output fails its check.
  test::write_text(root() / "presets/tiny-file.yaml",
                   test::read_text(root() / "presets/small-portrait.yaml") + "max_file_bytes: 1000\n");
  const fs::path campaign = root() / "rejected.yaml";
  write_text(campaign,
             "name: rejected\n"
             "languages: [en]\n"
             "platforms: [tiny-file]\n"
             "clips:\n"
             "  - {id: a, source: media/good.mp4, captions: none}\n"
             "  - {id: b, source: media/good.mp4, captions: none}\n");
  const fs::path out = root() / "out-rejected";
  fs::create_directories(out / "rejected/b/b.tiny-file.en.rejected.mp4/in-the-way");
  const auto run = render(campaign, out);
  EXPECT_EQ(run.exit_code, 3) << run.output;
  const nlohmann::json report = test::read_json(out / "rejected/report.json");
  const nlohmann::json* a = test::find_output(report, "a", "tiny-file", "en");
  const nlohmann::json* b = test::find_output(report, "b", "tiny-file", "en");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  // a: renamed, and the report says so.
  EXPECT_NE(a->at("error").get<std::string>().find("(kept as a.tiny-file.en.rejected.mp4)"),
            std::string::npos)
      << a->dump(2);
  EXPECT_TRUE(fs::is_regular_file(out / "rejected/a/a.tiny-file.en.rejected.mp4"));
  EXPECT_FALSE(fs::exists(out / "rejected/a/a.tiny-file.en.mp4"));
  // b: the rename failed; the report says it, and nothing is left at the publishable name.
  const std::string b_error = b->at("error");
  EXPECT_EQ(b_error.find("kept as"), std::string::npos) << b_error;
  EXPECT_NE(b_error.find("could not be renamed b.tiny-file.en.rejected.mp4"), std::string::npos) << b_error;
  EXPECT_NE(b_error.find("it was removed"), std::string::npos) << b_error;
  EXPECT_FALSE(fs::exists(out / "rejected/b/b.tiny-file.en.mp4"));
}

// Whatever a unit of work throws (issue 26: an OpenCV exception, std::bad_alloc, a
// filesystem_error), it fails that output alone, with its message in the report; the other outputs
// and the next clip are rendered. The exception is thrown by the test aid of
// pipeline/graph/test_fault.h in one encoder branch, at its frame 5.
struct ThrownFault {
  std::string what;     // SHORTPACK_TEST_FAULT's kind
  std::string message;  // what the failed output's error must contain
};

class RenderThrownFault : public RenderBasic, public ::testing::WithParamInterface<ThrownFault> {};

TEST_P(RenderThrownFault, FailsOnlyItsOutputWithItsMessage) {
  need_good();
  const fs::path campaign = root() / ("fault-" + GetParam().what + ".yaml");
  write_text(campaign,
             "name: fault\n"
             "languages: [en]\n"
             "platforms: [small-portrait, small-landscape]\n"
             "clips:\n"
             "  - {id: good, source: media/good.mp4, captions: none}\n"
             "  - {id: next, source: media/good.mp4, captions: none}\n");
  const fs::path out = root() / ("out-fault-" + GetParam().what);
  const auto run = test::run_command("SHORTPACK_TEST_FAULT=" + GetParam().what + "@good.small-landscape.en " +
                                     shell_quote(test::shortpack_binary()) + " render " +
                                     shell_quote(campaign.string()) + " --out " + shell_quote(out.string()) +
                                     " --presets " + shell_quote((root() / "presets").string()));
  EXPECT_EQ(run.exit_code, 3) << run.output;
  const nlohmann::json report = test::read_json(out / "fault/report.json");
  ASSERT_EQ(report.at("outputs").size(), 4u) << report.dump(2);
  const nlohmann::json* failed = test::find_output(report, "good", "small-landscape", "en");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->at("status"), "failed");
  EXPECT_NE(failed->at("error").get<std::string>().find(GetParam().message), std::string::npos)
      << failed->dump(2);
  for (const auto& [clip, platform] : std::vector<std::pair<std::string, std::string>>{
           {"good", "small-portrait"}, {"next", "small-portrait"}, {"next", "small-landscape"}}) {
    const nlohmann::json* ok = test::find_output(report, clip, platform, "en");
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ(ok->at("status"), "ok") << ok->dump(2);
  }
  EXPECT_EQ(test::list_files(out / "fault", ".mp4"),
            (std::vector<std::string>{"good/good.small-portrait.en.mp4", "next/next.small-landscape.en.mp4",
                                      "next/next.small-portrait.en.mp4"}));
  EXPECT_EQ(test::leftover_files(out / "fault"), std::vector<std::string>{});
}

INSTANTIATE_TEST_SUITE_P(Kinds, RenderThrownFault,
                         ::testing::Values(ThrownFault{"bad_alloc", "out of memory"},
                                           ThrownFault{"opencv", "injected test fault"},
                                           ThrownFault{"filesystem", "injected test fault"}),
                         [](const auto& info) { return info.param.what; });

struct BadCampaign {
  std::string name;
  std::string yaml;
  int line;             // the line the message must name
  std::string problem;  // a word the message must contain
};

class RenderBadCampaign : public RenderBasic, public ::testing::WithParamInterface<BadCampaign> {};

TEST_P(RenderBadCampaign, ExitsTwoNamingFileAndLineAndWritesNothing) {
  const BadCampaign& bad = GetParam();
  need_good();
  const fs::path campaign = root() / ("bad-" + bad.name + ".yaml");
  write_text(campaign, bad.yaml);
  const fs::path out = root() / ("out-bad-" + bad.name);
  const auto run = render(campaign, out);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find(campaign.filename().string() + ":" + std::to_string(bad.line) + ":"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find(bad.problem), std::string::npos) << run.output;
  EXPECT_FALSE(fs::exists(out)) << "something was written for an invalid campaign";
}

const std::string kHead =
    "name: bad\n"         // 1
    "languages: [en]\n";  // 2
INSTANTIATE_TEST_SUITE_P(
    Cases, RenderBadCampaign,
    ::testing::Values(BadCampaign{"unknown-key",
                                  kHead + "platforms: [small-portrait]\n"  // 3
                                          "colour_grade: warm\n"           // 4
                                          "clips:\n"
                                          "  - {id: a, source: media/good.mp4, captions: none}\n",
                                  4, "colour_grade"},
                      BadCampaign{"bad-id",
                                  kHead + "platforms: [small-portrait]\n"  // 3
                                          "clips:\n"                       // 4
                                          "  - id: ../x\n"                 // 5
                                          "    source: media/good.mp4\n"
                                          "    captions: none\n",
                                  5, "../x"},
                      BadCampaign{"missing-file",
                                  kHead + "platforms: [small-portrait]\n"    // 3
                                          "clips:\n"                         // 4
                                          "  - id: a\n"                      // 5
                                          "    source: media/nowhere.mp4\n"  // 6
                                          "    captions: none\n",
                                  6, "nowhere.mp4"},
                      BadCampaign{"unknown-platform",
                                  kHead + "platforms: [small-portrait, myspace]\n"  // 3
                                          "clips:\n"
                                          "  - {id: a, source: media/good.mp4, captions: none}\n",
                                  3, "myspace"}),
    [](const ::testing::TestParamInfo<BadCampaign>& info) {
      std::string name = info.param.name;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST_F(RenderBasic, TrimBeyondTheSourceEndIsBadInput) {
  need_good();
  need_ramp();
  for (const std::string trim : {"start: 0.5, end: 9.0", "start: 5.0"}) {
    SCOPED_TRACE(trim);
    const fs::path campaign = root() / "trim.yaml";
    write_text(campaign,
               "name: trim\n"
               "languages: [en]\n"
               "platforms: [small-portrait]\n"
               "clips:\n"
               "  - {id: ok, source: media/good.mp4, captions: none}\n"
               "  - {id: long, source: media/ramp.mp4, " +
                   trim + ", captions: none}\n");
    const fs::path out = root() / "out-trim";
    const auto run = render(campaign, out);
    EXPECT_EQ(run.exit_code, 2) << run.output;
    EXPECT_NE(run.output.find("'long'"), std::string::npos)
        << "the message does not name the clip: " << run.output;
    EXPECT_NE(run.output.find("beyond the end"), std::string::npos) << run.output;
    EXPECT_FALSE(fs::exists(out)) << "something was written for a bad trim";
  }
}

TEST_F(RenderBasic, ClipLongerThanAPlatformAllowsFailsThatOutputOnly) {
  need_ramp();
  // ramp.mp4 trimmed to 1.5 s; short-max takes at most 1 s.
  const fs::path campaign = root() / "limits.yaml";
  write_text(campaign,
             "name: limits\n"
             "languages: [en]\n"
             "platforms: [small-portrait, short-max]\n"
             "clips:\n"
             "  - {id: ramp, source: media/ramp.mp4, start: 0.5, end: 2.0, captions: none}\n");
  const fs::path out = root() / "out-limits";
  const auto run = render(campaign, out);
  EXPECT_EQ(run.exit_code, 3) << run.output;
  const nlohmann::json report = test::read_json(out / "limits/report.json");
  const nlohmann::json* ok = test::find_output(report, "ramp", "small-portrait", "en");
  const nlohmann::json* refused = test::find_output(report, "ramp", "short-max", "en");
  ASSERT_NE(ok, nullptr);
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ(ok->at("status"), "ok") << ok->dump(2);
  EXPECT_EQ(refused->at("status"), "failed");
  const std::string error = refused->at("error");
  // Refused on its length before encoding: the reason is the limit, not a failed conformance
  // check of an encoded file (which would name rules and keep a .rejected.mp4).
  EXPECT_NE(error.find("1.5"), std::string::npos) << error;
  EXPECT_NE(error.find("short-max"), std::string::npos) << error;
  EXPECT_EQ(error.find("does not conform"), std::string::npos) << error;
  EXPECT_TRUE(refused->at("checks").empty()) << "the refused output was encoded and checked";
  EXPECT_EQ(test::list_files(out / "limits", ".mp4"),
            std::vector<std::string>{"ramp/ramp.small-portrait.en.mp4"});
  EXPECT_EQ(test::leftover_files(out / "limits"), std::vector<std::string>{});
}

// The render's own check decodes every picture: an output damaged after muxing (the test-only
// hook SHORTPACK_TEST_DAMAGE_OUTPUT inverts bytes inside one of its pictures) fails rule
// `decodes`, is kept as .rejected.mp4, and the other output of the clip stays conforming. ffmpeg
// judges the same two files independently.
TEST_F(RenderBasic, OutputDamagedAfterMuxingFailsTheRendersDecodesCheck) {
  need_good();
  const fs::path campaign = root() / "damaged.yaml";
  write_text(campaign,
             "name: damaged\n"
             "languages: [en]\n"
             "platforms: [small-portrait, small-landscape]\n"
             "clips:\n"
             "  - {id: good, source: media/good.mp4, captions: none}\n");
  const fs::path out = root() / "out-damaged";
  const auto run = test::run_command("SHORTPACK_TEST_DAMAGE_OUTPUT=good.small-portrait.en.mp4 " +
                                     shell_quote(test::shortpack_binary()) + " render " +
                                     shell_quote(campaign.string()) + " --out " + shell_quote(out.string()) +
                                     " --presets " + shell_quote((root() / "presets").string()));
  EXPECT_EQ(run.exit_code, 3) << run.output;
  const nlohmann::json report = test::read_json(out / "damaged/report.json");
  const nlohmann::json* damaged = test::find_output(report, "good", "small-portrait", "en");
  const nlohmann::json* intact = test::find_output(report, "good", "small-landscape", "en");
  ASSERT_NE(damaged, nullptr);
  ASSERT_NE(intact, nullptr);
  EXPECT_EQ(intact->at("status"), "ok") << intact->dump(2);
  EXPECT_EQ(damaged->at("status"), "failed") << damaged->dump(2);
  const std::string error = damaged->value("error", "");
  EXPECT_NE(error.find("decodes first bad picture at "), std::string::npos) << error;
  bool decodes_failed = false;
  for (const auto& c : damaged->at("checks")) {
    if (c.at("rule") == "decodes") {
      decodes_failed = !c.at("passed").get<bool>();
    } else {
      EXPECT_TRUE(c.at("passed").get<bool>()) << "only decodes may fail: " << c.dump();
    }
  }
  EXPECT_TRUE(decodes_failed) << damaged->dump(2);
  const fs::path rejected = out / "damaged/good/good.small-portrait.en.rejected.mp4";
  EXPECT_TRUE(fs::is_regular_file(rejected));
  EXPECT_EQ(test::list_files(out / "damaged", ".mp4"),
            (std::vector<std::string>{"good/good.small-landscape.en.mp4",
                                      "good/good.small-portrait.en.rejected.mp4"}));
  // ffmpeg as the judge: warnings on the rejected file, none on the conforming one.
  const auto judge = [](const fs::path& file) {
    return test::run_command("ffmpeg -nostdin -hide_banner -v warning -i " + shell_quote(file.string()) +
                             " -f null - 2>&1");
  };
  EXPECT_NE(judge(rejected).output, "");
  EXPECT_EQ(judge(out / "damaged/good/good.small-landscape.en.mp4").output, "");
}

TEST_F(RenderBasic, RealTikTokPresetGivesAFileThatPassesCheck) {
  need_good();
  const fs::path campaign = root() / "tiktok.yaml";
  write_text(campaign,
             "name: real\n"
             "languages: [en]\n"
             "platforms: [tiktok]\n"
             "clips:\n"
             "  - {id: good, source: media/good.mp4, captions: none}\n");
  const fs::path out = root() / "out-tiktok";
  const auto run = render(campaign, out);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path file = out / "real/good/good.tiktok.en.mp4";
  const test::MediaProbe probe = test::probe_file(file);
  EXPECT_EQ(probe.video.codec, "h264");
  EXPECT_EQ(probe.video.profile, "High");
  EXPECT_EQ(probe.video.pixel_format, "yuv420p");
  EXPECT_EQ(probe.video.width_px, 1080);
  EXPECT_EQ(probe.video.height_px, 1920);
  EXPECT_EQ(probe.video.packets, 30);
  EXPECT_EQ(probe.audio.sample_rate_hz, 48000);
  EXPECT_EQ(probe.audio.channels, 2);
  // ffprobe as a second, independent reader.
  const auto ffprobe = test::run_command(
      "ffprobe -v error -select_streams v:0 -show_entries "
      "stream=codec_name,width,height,pix_fmt,r_frame_rate "
      "-of default=nw=1 " +
      shell_quote(file.string()));
  EXPECT_EQ(ffprobe.output, "codec_name=h264\nwidth=1080\nheight=1920\npix_fmt=yuv420p\nr_frame_rate=30/1\n");

  const nlohmann::json report = test::read_json(out / "real/report.json");
  const nlohmann::json* o = test::find_output(report, "good", "tiktok", "en");
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->at("status"), "ok") << o->dump(2);
  ASSERT_EQ(o->at("checks").size(), 19u);
  for (const auto& c : o->at("checks")) EXPECT_TRUE(c.at("passed").get<bool>()) << c.dump();
  const auto check = test::run_shortpack("check " + shell_quote(file.string()) + " --platform tiktok");
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

}  // namespace
}  // namespace shortpack

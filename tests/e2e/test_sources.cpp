// RenderSources as they come from phones and broadcast (issue 5, item 6): a rotated phone clip, an
// anamorphic PAL clip, a 10-bit HEVC clip with 5.1 sound, a variable-frame-rate clip and a clip
// without sound. One campaign renders them all (to a portrait and a landscape size, fit-pad so
// the picture's geometry is measurable); each test judges one source's outputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "pipeline/media/audio_source.h"
#include "pipeline/media/video_source.h"
#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;

using test::ffmpeg;

struct Box {
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;  // inclusive bounds of the matching pixels
  int count = 0;
  [[nodiscard]] int width() const { return x1 - x0 + 1; }
  [[nodiscard]] int height() const { return y1 - y0 + 1; }
};

Box bright_box(const test::YuvPicture& pic, int threshold) {
  Box b;
  for (int y = 0; y < pic.height_px; ++y) {
    for (int x = 0; x < pic.width_px; ++x) {
      if (pic.luma(x, y) < threshold) continue;
      b.x0 = std::min(b.x0, x);
      b.y0 = std::min(b.y0, y);
      b.x1 = std::max(b.x1, x);
      b.y1 = std::max(b.y1, y);
      ++b.count;
    }
  }
  return b;
}

// The middle 40x40 of an output picture shows the colour of the middle of the 320x240 source
// picture `original` (within 4 of 255 per channel): an untagged SD source is BT.601, as players
// read it (issue 25), and outputs are BT.709, so colours are compared as shown, not as codes.
void expect_centre_colour(const test::YuvPicture& pic, const test::YuvPicture& original) {
  const int cx = pic.width_px / 2;
  const int cy = pic.height_px / 2;
  const auto got = test::shown_rgb(pic, cx - 20, cy - 20, cx + 20, cy + 20, test::Matrix::kBt709);
  const auto want = test::shown_rgb(original, 140, 100, 180, 140, test::Matrix::kBt601);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(got[c], want[c], 4.0) << "channel " << c;
}

// Each test makes its own source and renders it alone (ctest runs every test in its own
// process, so shared suite set-up would be repeated for each).
class RenderSources : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() {
    open_suite_folder("sources");
    fs::create_directories(dir_->path() / "media");
  }

  static std::string out(const std::string& name) { return shell_quote(media(name).string()); }

  // Renders one clip (id = `clip`, fit-pad so geometry is measurable) to both test sizes.
  static void render(const std::string& clip, const std::string& source_file) {
    const fs::path root = dir_->path();
    const fs::path campaign = root / (clip + ".yaml");
    test::write_text(campaign, "name: " + clip +
                                   "\n"
                                   "languages: [en]\n"
                                   "platforms: [small-portrait, small-landscape]\n"
                                   "clips:\n"
                                   "  - {id: " +
                                   clip + ", source: media/" + source_file +
                                   ", reframe: fit-pad, captions: none}\n");
    run_ = render_with_presets(campaign, root / "out");
    report_ = nlohmann::json();
    const fs::path report = root / "out" / clip / "report.json";
    if (fs::exists(report)) report_ = test::read_json(report);
    EXPECT_EQ(run_.exit_code, 0) << run_.output;
    // The two videos and no temporary or rejected files.
    std::vector<std::string> expected{clip + "/" + clip + ".small-landscape.en.mp4",
                                      clip + "/" + clip + ".small-portrait.en.mp4"};
    EXPECT_EQ(test::list_files(root / "out" / clip, ".mp4"), expected);
    EXPECT_EQ(test::leftover_files(root / "out" / clip), std::vector<std::string>{});
  }

  static fs::path media(const std::string& name) { return dir_->path() / "media" / name; }
  static fs::path output(const std::string& clip, const std::string& platform) {
    return dir_->path() / "out" / clip / clip / (clip + "." + platform + ".en.mp4");
  }
  // The output's report entry must say ok; returns its path.
  static fs::path ok_output(const std::string& clip, const std::string& platform) {
    EXPECT_NE(report_.find("outputs"), report_.end()) << "no report; render said: " << run_.output;
    if (report_.find("outputs") != report_.end()) {
      for (const auto& o : report_.at("outputs")) {
        if (o.at("clip") == clip && o.at("platform") == platform) {
          EXPECT_EQ(o.at("status"), "ok") << o.dump(2);
        }
      }
    }
    return output(clip, platform);
  }
  // What every output must be, whatever the source: 8-bit yuv420p H.264 at a constant frame
  // rate (30 fps unless the source has another standard rate), AAC-LC 48 kHz stereo.
  static test::MediaProbe expect_normalised(const fs::path& file, int width_px, int height_px, int64_t frames,
                                            double fps = 30.0) {
    const test::MediaProbe p = test::probe_file(file);
    EXPECT_EQ(p.video.codec, "h264");
    EXPECT_EQ(p.video.pixel_format, "yuv420p");
    EXPECT_EQ(p.video.width_px, width_px);
    EXPECT_EQ(p.video.height_px, height_px);
    EXPECT_TRUE(p.video.sample_aspect.num == 0 || av_cmp_q(p.video.sample_aspect, {1, 1}) == 0)
        << "output pixels are not square: " << p.video.sample_aspect.num << ":" << p.video.sample_aspect.den;
    EXPECT_EQ(p.video.packets, frames);
    const auto steps = p.video.pts_steps();
    EXPECT_TRUE(!steps.empty() && std::all_of(steps.begin(), steps.end(), [&](int64_t s) {
      return s == steps[0];
    })) << "not a constant frame rate";
    if (!steps.empty()) {
      EXPECT_NEAR(static_cast<double>(steps[0]) * av_q2d(p.video.time_base), 1.0 / fps, 1e-9);
    }
    EXPECT_TRUE(p.audio.present) << "no audio track";
    EXPECT_EQ(p.audio.codec, "aac");
    EXPECT_EQ(p.audio.profile, "LC");
    EXPECT_EQ(p.audio.sample_rate_hz, 48000);
    EXPECT_EQ(p.audio.channels, 2);
    EXPECT_NEAR(p.audio.span_s, static_cast<double>(frames) / fps, 1024.0 / 48000 + 1e-6);
    return p;
  }

  static test::CommandResult run_;
  static nlohmann::json report_;
};

test::CommandResult RenderSources::run_;
nlohmann::json RenderSources::report_;
const std::string kX264 = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p";
const std::string kTone = "-f lavfi -i sine=frequency=440:sample_rate=48000";

TEST_F(RenderSources, RotatedPhoneClipComesOutUpright) {
  // Phone clip: portrait content (red top, blue bottom, 240x320) stored landscape (320x240,
  // turned clockwise) with a rotation tag that tells players to turn it back. (ffmpeg 5.1 has
  // no -display_rotation; its `rotate` stream tag, applied on a stream copy, writes the
  // display matrix.)
  ffmpeg(
      "-f lavfi -i \"color=c=red:s=240x160:r=30,format=yuv420p[a];color=c=blue:s=240x160:r=30,"
      "format=yuv420p[b];[a][b]vstack,transpose=clock\" " +
      kTone + " -t 1.5 " + kX264 + " -c:a aac " + out("stored.mp4"));
  ffmpeg("-i " + out("stored.mp4") + " -c copy -metadata:s:v:0 rotate=90 " + out("rotated.mp4"));
  render("rotated", "rotated.mp4");

  // The generator is right: the tag is there and ffmpeg shows red on top.
  const test::MediaProbe source = test::probe_file(media("rotated.mp4"));
  EXPECT_EQ(source.video.width_px, 320);
  EXPECT_NE(source.video.rotation_deg, 0.0);
  const auto shown =
      test::run_command("ffmpeg -nostdin -v error -i " + shell_quote(media("rotated.mp4").string()) +
                        " -frames:v 1 -f rawvideo -pix_fmt gray -");
  ASSERT_EQ(shown.output.size(), 240u * 320u) << "ffmpeg does not show the source as 240x320";

  // Portrait: 240x320 fitted into 360x640 is 360x480 at y = 80..560.
  {
    const fs::path file = ok_output("rotated", "small-portrait");
    expect_normalised(file, 360, 640, 45);
    const test::YuvPicture pic = test::decode_frame(file, 20);
    EXPECT_GT(pic.mean(2, 60, 100, 300, 300), 200) << "top half is not red";
    EXPECT_LT(pic.mean(1, 60, 100, 300, 300), 128);
    EXPECT_GT(pic.mean(1, 60, 340, 300, 540), 200) << "bottom half is not blue";
    EXPECT_LT(pic.mean(2, 60, 340, 300, 540), 128);
    EXPECT_LT(pic.mean(0, 0, 0, 360, 70), 20) << "pad above the picture (is it upright?)";
  }
  // Landscape: 270x360 at x = 185..455.
  {
    const fs::path file = ok_output("rotated", "small-landscape");
    expect_normalised(file, 640, 360, 45);
    const test::YuvPicture pic = test::decode_frame(file, 20);
    EXPECT_GT(pic.mean(2, 200, 20, 440, 160), 200) << "top half is not red";
    EXPECT_GT(pic.mean(1, 200, 200, 440, 340), 200) << "bottom half is not blue";
    EXPECT_LT(pic.mean(0, 0, 0, 175, 360), 20) << "pad left of the picture";
    EXPECT_LT(pic.mean(0, 465, 0, 640, 360), 20) << "pad right of the picture";
  }
}

TEST_F(RenderSources, AnamorphicClipIsNotDistorted) {
  // Anamorphic PAL: 720x576 with 64:45 pixels (16:9 on screen); a circle of radius 200 display
  // pixels, drawn squeezed in storage.
  ffmpeg(
      "-f lavfi -i \"color=c=black:s=720x576:r=25,format=yuv420p,"
      "geq=lum='if(lt(pow((X-360)*64/45\\,2)+pow(Y-288\\,2)\\,200*200)\\,235\\,16)':cb=128:cr=128,"
      "setsar=64/45\" " +
      kTone + " -t 1.5 " + kX264 + " -c:a aac " + out("anamorphic.mp4"));
  render("anamorphic", "anamorphic.mp4");

  const test::MediaProbe source = test::probe_file(media("anamorphic.mp4"));
  ASSERT_EQ(av_cmp_q(source.video.sample_aspect, {64, 45}), 0);
  // 16:9 on screen fills 640x360 exactly: the circle (radius 200 of 576 lines) is 250 px across.
  {
    const fs::path file = ok_output("anamorphic", "small-landscape");
    expect_normalised(file, 640, 360, 38, 25.0);  // PAL's 25 fps kept; 1.5 s is 37.5 frames
    const Box circle = bright_box(test::decode_frame(file, 10), 128);
    EXPECT_NEAR(circle.width(), 250, 6) << "the circle is squeezed or stretched";
    EXPECT_NEAR(circle.height(), 250, 6);
    EXPECT_NEAR((circle.x0 + circle.x1) / 2.0, 320, 3);
    EXPECT_NEAR((circle.y0 + circle.y1) / 2.0, 180, 3);
  }
  // In the portrait frame the picture is 360 wide (202 high): a circle 400 * 360 / 1024 = 141 px.
  {
    const fs::path file = ok_output("anamorphic", "small-portrait");
    expect_normalised(file, 360, 640, 38, 25.0);
    const Box circle = bright_box(test::decode_frame(file, 10), 128);
    EXPECT_NEAR(circle.width(), 141, 5);
    EXPECT_NEAR(circle.height(), 141, 5);
    EXPECT_NEAR(static_cast<double>(circle.width()) / circle.height(), 1.0, 0.04);
  }
}

TEST_F(RenderSources, TenBitHevcWithSurroundSoundBecomesEightBitStereo) {
  // 10-bit HEVC with 5.1 sound (the tone in every channel but the LFE).
  ffmpeg(
      "-f lavfi -i \"color=c=0xB03060:s=320x240:r=30\" " + kTone +
      " -filter_complex \"[1]pan=5.1|c0=c0|c1=c0|c2=c0|c3=0*c0|c4=c0|c5=c0[a]\" -map 0:v -map \"[a]\" -t 1.5 "
      "-c:v libx265 -preset ultrafast -x265-params log-level=error -pix_fmt yuv420p10le -c:a aac " +
      out("hevc10.mp4"));
  render("hevc10", "hevc10.mp4");

  const test::MediaProbe source = test::probe_file(media("hevc10.mp4"));
  ASSERT_EQ(source.video.codec, "hevc");
  ASSERT_EQ(source.video.pixel_format, "yuv420p10le");
  ASSERT_EQ(source.audio.channels, 6);
  // The source's colour, read by this test's own decoder (10-bit to 8-bit through swscale).
  const test::YuvPicture original = test::decode_frame(media("hevc10.mp4"), 10);
  for (const std::string platform : {"small-portrait", "small-landscape"}) {
    SCOPED_TRACE(platform);
    const fs::path file = ok_output("hevc10", platform);
    const test::MediaProbe p = expect_normalised(file, platform == "small-portrait" ? 360 : 640,
                                                 platform == "small-portrait" ? 640 : 360, 45);
    EXPECT_EQ(p.video.profile.find("10"), std::string::npos) << "a 10-bit profile: " << p.video.profile;
    expect_centre_colour(test::decode_frame(file, 10), original);
    // The 5.1 tone lands in both stereo channels, equally.
    const test::DecodedAudio audio = test::decode_audio(file);
    const double left = test::tone_amplitude(audio, 0, 440, 0.2, 1.3);
    const double right = test::tone_amplitude(audio, 1, 440, 0.2, 1.3);
    EXPECT_GT(left, 0.05);
    EXPECT_NEAR(left, right, 0.05 * left);
  }
}

TEST_F(RenderSources, VariableFrameRateBecomesConstant) {
  // Variable frame rate: 10 frames at 10 fps, then 30 frames at 30 fps (2 s); frame n is
  // Y = 16 + 4n, so each output frame shows which source frame it came from.
  ffmpeg(
      "-f lavfi -i \"color=c=gray:s=320x240:r=30,format=yuv420p,geq=lum='16+4*N':cb=128:cr=128,"
      "setpts='if(lt(N,10),N*0.1,1+(N-10)/30)/TB'\" " +
      kTone + " -frames:v 40 -t 2 -fps_mode vfr -video_track_timescale 90000 " + kX264 + " -c:a aac " +
      out("vfr.mp4"));
  render("vfr", "vfr.mp4");

  const test::MediaProbe source = test::probe_file(media("vfr.mp4"));
  const auto source_steps = source.video.pts_steps();
  ASSERT_NE(*std::min_element(source_steps.begin(), source_steps.end()),
            *std::max_element(source_steps.begin(), source_steps.end()))
      << "the generated source is not variable-rate";
  const fs::path file = ok_output("vfr", "small-portrait");
  expect_normalised(file, 360, 640, 60);
  // Output frame m (at m/30 s) shows the source frame on screen then: floor(m / 3) in the 10 fps
  // second, 10 + (m - 30) in the 30 fps second. Source frame n has Y = 16 + 4n.
  const std::vector<int64_t> indices{0, 4, 15, 29, 30, 45, 59};
  const auto pics = test::decode_frames(file, indices);
  for (size_t i = 0; i < indices.size(); ++i) {
    const int64_t m = indices[i];
    const int64_t n = m < 30 ? m / 3 : 10 + (m - 30);
    EXPECT_NEAR(pics[i].mean(0, 150, 300, 210, 340), 16 + 4 * n, 1.6) << "output frame " << m;
  }
}

TEST_F(RenderSources, ClipWithoutSoundGetsASilentTrack) {
  ffmpeg("-f lavfi -i testsrc2=size=320x240:rate=30 -t 1.5 " + kX264 + " " + out("silent.mp4"));
  render("silent", "silent.mp4");

  ASSERT_FALSE(test::probe_file(media("silent.mp4")).audio.present);
  for (const std::string platform : {"small-portrait", "small-landscape"}) {
    SCOPED_TRACE(platform);
    const fs::path file = ok_output("silent", platform);
    ASSERT_TRUE(fs::exists(file));
    expect_normalised(file, platform == "small-portrait" ? 360 : 640,
                      platform == "small-portrait" ? 640 : 360, 45);
    const test::DecodedAudio audio = test::decode_audio(file);
    ASSERT_GT(audio.frames(), 70000u);
    float peak = 0.0F;
    for (float s : audio.samples) peak = std::max(peak, std::fabs(s));
    EXPECT_LT(peak, 1e-4) << "the silent track is not silent";
  }
}

// A flash and a beep at the same instant (1.0 s into the source's streams), trimmed from 0.4 s:
// they must stay together in the output (within half an output frame). In MPEG-TS (broadcast)
// the streams start at different times (the AAC encoder delay puts the audio's first packet
// 1024 samples before the video's), and that offset is part of the sync; the ffmpeg program
// plays both at the same instant.
TEST_F(RenderSources, TrimKeepsAudioAndVideoInSync) {
  constexpr double kFps = 50.0;  // a short frame, so that a sync error of one AAC frame shows
  for (const std::string ext : {"ts", "mp4"}) {
    SCOPED_TRACE(ext);
    const std::string name = "sync-" + ext;
    ffmpeg(
        "-f lavfi -i \"color=c=0x404040:s=320x240:r=50,drawbox=c=white:t=fill:enable='between(t,1.0,1.1)'\" "
        "-f lavfi -i \"aevalsrc='if(between(t,1.0,1.1),0.5*sin(2*PI*1000*t),0)':s=44100:d=2\" -t 2 "
        "-c:v libx264 -preset veryfast -bf 2 -pix_fmt yuv420p -c:a aac " +
        out(name + "." + ext));
    if (ext == "ts") {
      const test::MediaProbe source = test::probe_file(media(name + "." + ext));
      ASSERT_GT(source.video_start_s - source.audio_start_s, 0.01) << "the generated streams start together";
    }
    const fs::path root = dir_->path();
    test::write_text(root / (name + ".yaml"), "name: " + name +
                                                  "\nlanguages: [en]\nplatforms: [small-portrait]\nclips:\n"
                                                  "  - {id: sync, source: media/" +
                                                  name + "." + ext +
                                                  ", start: 0.4, end: 1.6, captions: none}\n");
    const auto run = render_with_presets(root / (name + ".yaml"), root / "out");
    ASSERT_EQ(run.exit_code, 0) << run.output;
    const fs::path file = root / "out" / name / "sync/sync.small-portrait.en.mp4";
    ASSERT_EQ(av_q2d(test::probe_file(file).video.avg_frame_rate), kFps);
    // Picture: the first white frame.
    std::vector<int64_t> indices;
    for (int64_t i = 25; i < 40; ++i) indices.push_back(i);
    const auto pics = test::decode_frames(file, indices);
    int64_t flash = -1;
    for (size_t i = 0; i < pics.size() && flash < 0; ++i) {
      if (pics[i].mean(0, 150, 300, 210, 340) > 200) flash = indices[i];
    }
    ASSERT_GE(flash, 0) << "no flash between 0.5 and 0.8 s";
    EXPECT_LT(pics[0].mean(0, 150, 300, 210, 340), 100) << "flash already at 0.5 s";
    // Sound: the beep's onset.
    const test::DecodedAudio audio = test::decode_audio(file);
    float peak = 0.0F;
    for (float v : audio.samples) peak = std::max(peak, std::fabs(v));
    ASSERT_GT(peak, 0.01F);
    size_t onset = 0;
    while (onset < audio.frames() && std::fabs(audio.samples[onset * audio.channels]) < 0.3F * peak) ++onset;
    const double onset_s = static_cast<double>(onset) / audio.sample_rate_hz;
    const double flash_s = static_cast<double>(flash) / kFps;
    EXPECT_NEAR(onset_s, 0.6, 0.03) << "the beep is not where the trim puts it";
    EXPECT_NEAR(onset_s, flash_s, 0.5 / kFps + 0.003)
        << "audio and picture out of sync: beep at " << onset_s << " s, flash at " << flash_s << " s";
  }
}

// A broadcast capture's timestamps start far from zero (here 600 s; a TV recorder's can start at
// hours) and MPEG-TS has no index. Trimming 7.6 s in must seek near there, not decode from the
// start of the file, and still begin exactly at the trim: the flash and the beep at 8.0 s of the
// streams come 0.4 s in (plus the AAC priming by which the file's start precedes the video's: the
// ffmpeg program counts from the file's start too).
TEST_F(RenderSources, TrimmedTsWithALateStartSeeksToTheTrim) {
  constexpr double kFps = 25.0;
  ffmpeg(
      "-f lavfi -i \"color=c=0x404040:s=320x240:r=25,drawbox=c=white:t=fill:enable='between(t,8.0,8.19)'\" "
      "-f lavfi -i \"aevalsrc='if(between(t,8.0,8.1),0.5*sin(2*PI*1000*t),0)':s=48000:d=12\" -t 12 "
      "-c:v libx264 -preset veryfast -g 25 -bf 2 -pix_fmt yuv420p -c:a aac -output_ts_offset 600 " +
      out("late-start.ts"));
  const fs::path file = media("late-start.ts");
  const test::MediaProbe probe = test::probe_file(file);
  ASSERT_GT(probe.video_start_s, 600.0) << "the generated file does not start late";
  const double origin_s = std::min(probe.video_start_s, probe.audio_start_s);
  // The streams' t = 0 is the video's first picture (the mpegts muxer adds its own 1.4 s too).
  const double event_s = probe.video_start_s + 8.0 - origin_s - 7.6;  // the flash and the beep, trimmed
  ASSERT_NEAR(event_s, 0.4, 0.05);

  VideoSource source(file, 7.6, 1.2, {25, 1}, 1);
  int64_t frames = 0;
  int64_t flash = -1;
  int64_t bright = 0;
  while (const SharedFrame f = source.next()) {
    double sum = 0.0;
    for (int y = 100; y < 140; ++y) {
      for (int x = 140; x < 180; ++x) sum += f->data[0][static_cast<ptrdiff_t>(y) * f->linesize[0] + x];
    }
    if (sum / 1600.0 > 200.0) {
      if (flash < 0) flash = frames;
      ++bright;
    }
    ++frames;
  }
  ASSERT_EQ(frames, 30);
  ASSERT_GE(flash, 0) << "no flash: the trim lost it";
  EXPECT_EQ(bright, 5) << "the flash lasts 5 source frames";
  // Output frame n shows the picture on screen at n / 25 s (half a frame's tolerance).
  EXPECT_NEAR(static_cast<double>(flash) / kFps, event_s, 1.0 / kFps)
      << "the picture does not begin at the trim";
  // A seek by timestamps can land after a keyframe; backing off 2 s (to 5.6 s, GOPs of 1 s)
  // decodes from the keyframe at 5 or 6 s at worst: at most 95 pictures up to the trim's end
  // (70 here). From the start of the file it would be 220.
  EXPECT_LE(source.decoded_frames(), 100) << "decoded from far before the trim";

  const AudioBuffer audio = read_audio(file, 7.6, 1.2, 48000, 2);
  size_t onset = 0;
  while (onset < audio.frames() && std::fabs(audio.samples[onset * 2]) < 0.1F) ++onset;
  ASSERT_LT(onset, audio.frames()) << "no beep";
  const double onset_s = static_cast<double>(onset) / 48000.0;
  EXPECT_NEAR(onset_s, event_s, 0.002) << "the sound does not begin at the trim";
  EXPECT_NEAR(onset_s, static_cast<double>(flash) / kFps, 0.5 / kFps + 0.003)
      << "sound and picture out of sync";
}

TEST_F(RenderSources, OtherCodecsAndOddSizesAreNormalised) {
  // H.264 4:4:4 at an odd size, 10-bit ProRes 4:2:2 at 23.976 fps with 44.1 kHz PCM in a .mov,
  // VP9 with Opus in WebM. Flat colours, to compare after the trip.
  ffmpeg("-f lavfi -i \"color=c=0x3060C0:s=322x242:r=30,format=yuv444p,crop=321:241:0:0\" " + kTone +
         " -t 1.5 -c:v libx264 -preset ultrafast -pix_fmt yuv444p -c:a aac " + out("odd444.mp4"));
  ffmpeg(
      "-f lavfi -i \"color=c=0xC08030:s=320x240:r=24000/1001\" -f lavfi -i "
      "sine=frequency=440:sample_rate=44100"
      " -t 1.5 -c:v prores_ks -profile:v 2 -pix_fmt yuv422p10le -c:a pcm_s16le " +
      out("prores.mov"));
  ffmpeg("-f lavfi -i \"color=c=0x30C080:s=320x240:r=30\" " + kTone +
         " -t 1.5 -c:v libvpx-vp9 -deadline realtime -cpu-used 8 -pix_fmt yuv420p -c:a libopus " +
         out("vp9.webm"));

  struct Case {
    std::string clip, file, codec, pixel_format;
    double fps;
  };
  for (const Case& c : {Case{"odd444", "odd444.mp4", "h264", "yuv444p", 30.0},
                        Case{"prores", "prores.mov", "prores", "yuv422p10le", 24000.0 / 1001},
                        Case{"vp9", "vp9.webm", "vp9", "yuv420p", 30.0}}) {
    SCOPED_TRACE(c.clip);
    render(c.clip, c.file);
    const test::MediaProbe source = test::probe_file(media(c.file));
    ASSERT_EQ(source.video.codec, c.codec);
    ASSERT_EQ(source.video.pixel_format, c.pixel_format);
    const test::YuvPicture original = test::decode_frame(media(c.file), 10);
    const int64_t frames = std::llround(1.5 * c.fps);
    for (const std::string platform : {"small-portrait", "small-landscape"}) {
      SCOPED_TRACE(platform);
      const bool portrait = platform == "small-portrait";
      const fs::path file = ok_output(c.clip, platform);
      ASSERT_TRUE(fs::exists(file));
      expect_normalised(file, portrait ? 360 : 640, portrait ? 640 : 360, frames, c.fps);
      expect_centre_colour(test::decode_frame(file, 10), original);
    }
  }
}

}  // namespace
}  // namespace shortpack

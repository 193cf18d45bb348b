// RenderScripted clips end to end (issue 10): a timeline of media, card, crossfade and still with a
// fade through black renders with the exact expected length; the crossfade's middle frame is the
// blend of its neighbours; the card's text shows exactly during the card and fades with it; a
// voice-over ducks the
// programme by the default 12 dB and the mix meets the loudness target; bad scripts are refused
// before anything is encoded.
#include <gtest/gtest.h>

#include <algorithm>
#include <clocale>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/suite_folder.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

using test::ffmpeg;

struct Colour {
  double y, u, v;
};

Colour colour_at(const test::YuvPicture& pic, int x0, int y0, int x1, int y1) {
  return {pic.mean(0, x0, y0, x1, y1), pic.mean(1, x0, y0, x1, y1), pic.mean(2, x0, y0, x1, y1)};
}

// Pixels of the rectangle whose luma differs from `background_y` by more than 40.
int count_unlike(const test::YuvPicture& pic, double background_y, int x0, int y0, int x1, int y1) {
  int n = 0;
  for (int y = y0; y < y1; ++y) {
    for (int x = x0; x < x1; ++x) n += std::fabs(pic.luma(x, y) - background_y) > 40 ? 1 : 0;
  }
  return n;
}

class RenderScripted : public test::SuiteFolder<> {
 protected:
  static void SetUpTestSuite() { open_suite_folder("scripted"); }
  // Media are made when a test first needs them: ctest runs every test in its own process.
  //
  // Flat-colour portrait sources (9:16, so they fill the frame exactly), each with a tone; a
  // still; a file that is not an image; captions; a voice-over longer than a.mp4.
  static void need_small_media() {
    const fs::path root = dir_->path();
    if (fs::exists(root / "vo/long.en.wav")) return;
    const std::string x264 = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac";
    test::make_clip(root / "media/a.mp4", 2.0, "color=c=0xC04020:s=180x320:r=30",
                    "sine=frequency=440:sample_rate=48000", x264);
    test::make_clip(root / "media/b.mp4", 2.0, "color=c=0x30B0E0:s=180x320:r=30",
                    "sine=frequency=660:sample_rate=48000", x264);
    test::make_image(root / "media/still.png", "color=c=0x40C040:s=180x320");
    write_text(root / "media/not-an-image.png", "this is text, not a picture\n");
    // One cue near the end of a 3.1 s assembled clip (captions of a scripted clip are timed on it).
    write_text(root / "subs/late.en.srt", "1\n00:00:02,900 --> 00:00:03,100\nTHE END\n");
    write_text(root / "subs/late.vi.srt", "1\n00:00:02,900 --> 00:00:03,100\nHẾT\n");
    fs::create_directories(root / "vo");
    ffmpeg("-f lavfi -i \"sine=frequency=300:sample_rate=48000:d=6\" " +
           shell_quote((root / "vo/long.en.wav").string()));
  }
  // The voice-over programme: 5 s of a steady 440 Hz tone at about -20 dBFS; a voice-like burst:
  // 2.5 kHz with a 4 Hz syllable rhythm, from 1.5 to 3.0 s of a 3.5 s file.
  static void need_voice_media() {
    const fs::path root = dir_->path();
    test::make_clip(root / "media/programme.mp4", 5.0, "color=c=gray:s=180x320:r=30",
                    "sine=frequency=440:sample_rate=48000",
                    "-af volume=-11dB -c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac");
    fs::create_directories(root / "vo");
    ffmpeg(
        "-f lavfi -i \"aevalsrc='if(between(t,1.5,3.0),0.3*sin(2*PI*2500*t)*(0.6+0.4*sin(2*PI*4*t)),0)'"
        ":s=48000:d=3.5\" " +
        shell_quote((root / "vo/voice.en.wav").string()));
  }
  // The programme's 440 Hz tone in `file` (need_voice_media) drops by `duck_db` while the voice
  // speaks (1.5..3.0 s), comes back after, and the whole meets -14 LUFS / -1 dBTP. Returns the
  // decoded audio and the tone's amplitude under the voice.
  static std::pair<test::DecodedAudio, double> expect_programme_ducked(const fs::path& file, double duck_db) {
    test::DecodedAudio audio = test::decode_audio(file);
    const double before = test::tone_amplitude(audio, 0, 440, 0.3, 1.3);
    const double during = test::tone_amplitude(audio, 0, 440, 1.9, 2.8);
    const double after = test::tone_amplitude(audio, 0, 440, 3.8, 4.8);
    const double measured_db = 20.0 * std::log10(during / before);
    EXPECT_NEAR(measured_db, duck_db, duck_db == 0.0 ? 0.3 : 1.0)
        << "programme ducked by " << measured_db << " dB";
    EXPECT_NEAR(20.0 * std::log10(after / before), 0.0, 0.5) << "programme did not come back";
    const test::Ebur128Reading loud = test::ffmpeg_ebur128(file);
    EXPECT_NEAR(loud.integrated_lufs, -14.0, 1.0);
    EXPECT_LE(loud.true_peak_dbtp, -1.0);
    return {std::move(audio), during};
  }
  static test::CommandResult render(const std::string& name, const std::string& yaml) {
    write_text(root() / (name + ".yaml"), yaml);
    return render_with_presets(root() / (name + ".yaml"), root() / ("out-" + name));
  }
  static nlohmann::json report(const std::string& name) {
    return test::read_json(root() / ("out-" + name) / name / "report.json");
  }
};

// Timeline at 30 fps (durations deliberately off the frame grid, to be snapped):
//   1 media a.mp4 0.2..1.21 s -> 30.3 -> 30 frames, output frames [0, 30)
//   2 card 1.01 s             -> 30 frames, [30, 60)
//   3 media b.mp4, crossfade 0.49 s (14.7 -> 15 frames): [45, 75)
//   4 still, fade-black 0.41 s (12.3 -> 12 frames): [63, 93)
// Output: 30 + 30 + 30 + 30 - 15 - 12 = 93 frames = 3.1 s.
TEST_F(RenderScripted, FourSegmentScriptHasExactLengthBlendsAndCardText) {
  need_small_media();
  const auto run =
      render("script",
             "name: script\n"
             "languages: [en, vi]\n"
             "platforms: [small-portrait]\n"
             "clips:\n"
             "  - id: explainer\n"
             "    reframe: crop-center\n"
             "    captions: {en: subs/late.en.srt, vi: subs/late.vi.srt}\n"
             "    segments:\n"
             "      - {source: media/a.mp4, start: 0.2, end: 1.21}\n"
             "      - {card: {en: \"PENSION AT 60\", vi: \"LƯƠNG HƯU 60\"}, duration: 1.01, "
             "background: \"#0D47A1\"}\n"
             "      - {source: media/b.mp4, start: 0, end: 1.0, transition: {crossfade: 0.49}}\n"
             "      - {image: media/still.png, duration: 1.0, transition: {fade-black: 0.41}}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const std::string lang : {"en", "vi"}) {
    SCOPED_TRACE(lang);
    const fs::path file =
        root() / "out-script/script/explainer" / ("explainer.small-portrait." + lang + ".mp4");
    const test::MediaProbe probe = test::probe_file(file);
    EXPECT_EQ(probe.video.packets, 93);
    EXPECT_NEAR(probe.video.span_s(), 3.1, 1e-6);
    EXPECT_NEAR(probe.audio.span_s, 3.1, 1024.0 / 48000 + 1e-6);
    EXPECT_EQ(test::count_decoded_frames(file), 93);

    const std::vector<int64_t> idx{20, 29, 30, 40, 44, 46, 52, 58, 59, 60, 61, 62, 69, 80, 86, 88};
    const auto pics = test::decode_frames(file, idx);
    auto at = [&](int64_t i) -> const test::YuvPicture& {
      return pics[static_cast<size_t>(std::find(idx.begin(), idx.end(), i) - idx.begin())];
    };
    // A patch away from the card's text (which sits in the middle of the safe zone).
    auto patch = [](const test::YuvPicture& p) { return colour_at(p, 40, 70, 100, 110); };
    const Colour a = patch(at(20));
    const Colour card = patch(at(40));
    const Colour b = patch(at(61));
    const Colour still = patch(at(80));
    ASSERT_GT(std::fabs(card.y - b.y) + std::fabs(card.u - b.u) + std::fabs(card.v - b.v), 60)
        << "card and b look alike: the blend test would prove nothing";

    // Crossfade card -> b over frames 45..59: frame 45 + k has b's weight (k + 0.5) / 15.
    for (const int k : {1, 7, 13}) {
      const double w = (k + 0.5) / 15.0;
      const Colour got = patch(at(45 + k));
      EXPECT_NEAR(got.y, card.y + w * (b.y - card.y), 3.0) << "crossfade frame " << 45 + k;
      EXPECT_NEAR(got.u, card.u + w * (b.u - card.u), 3.0) << "crossfade frame " << 45 + k;
      EXPECT_NEAR(got.v, card.v + w * (b.v - card.v), 3.0) << "crossfade frame " << 45 + k;
    }
    // Before and after the crossfade: the pure pictures.
    EXPECT_NEAR(patch(at(44)).y, card.y, 2.0);
    EXPECT_NEAR(patch(at(60)).y, b.y, 2.0);
    EXPECT_NEAR(patch(at(62)).y, b.y, 2.0);
    // Fade through black b -> still over frames 63..74: frame 69 (k = 6, 54 % through) is the
    // still at 8 % of its brightness above black.
    EXPECT_LT(patch(at(69)).y, 16 + 0.15 * (std::max(b.y, still.y) - 16) + 3) << "no fade through black";
    EXPECT_GT(std::fabs(a.y - card.y) + std::fabs(still.y - b.y), 20);

    // The card's text: on screen exactly for the card's frames [30, 60).
    auto text_pixels = [&](int64_t i) {
      const test::YuvPicture& p = at(i);
      return count_unlike(p, patch(p).y, 12, 200, 330, 380);
    };
    EXPECT_EQ(text_pixels(20), 0) << "text before the card";
    EXPECT_EQ(text_pixels(29), 0) << "text one frame before the card";
    EXPECT_GT(text_pixels(30), 300) << "no text on the card's first frame";
    EXPECT_GT(text_pixels(40), 300) << "no text on the card";
    // The text belongs to the card's picture: it crossfades out with it (issue 15), full on the
    // frame before the crossfade, a trace at b's weight 14.5 / 15.
    EXPECT_GT(text_pixels(44), 300) << "no text on the card's last frame before the crossfade";
    EXPECT_GT(text_pixels(46), 300) << "the card's text left before its card";
    EXPECT_EQ(text_pixels(59), 0) << "the card's text does not fade with its card";
    EXPECT_EQ(text_pixels(60), 0) << "text after the card";
    EXPECT_EQ(text_pixels(80), 0) << "text on the still";
    // The caption cue at 2.9..3.1 s of the assembled clip: frames 87..92, at the bottom.
    auto caption_pixels = [&](int64_t i) { return count_unlike(at(i), patch(at(i)).y, 12, 400, 330, 520); };
    EXPECT_EQ(caption_pixels(86), 0) << "caption before its cue";
    EXPECT_GT(caption_pixels(88), 100) << "no caption during its cue";
  }
  // The card's text differs per language, so do the files.
  EXPECT_NE(test::sha256sum(root() / "out-script/script/explainer/explainer.small-portrait.en.mp4"),
            test::sha256sum(root() / "out-script/script/explainer/explainer.small-portrait.vi.mp4"));
}

// Two cards crossfading, then a fade through black to a third (issue 15): each card's text is
// part of its card's picture, so at mid-crossfade neither text is at full white where the other
// has none, and the middle of the fade through black is black, text and all. 30 fps:
//   card 1 [0, 30); card 2 crossfades in over 15 frames: [15, 60), alone on [30, 45);
//   card 3 fades in through black over 15 frames: [45, 75), alone on [60, 75).
//   Mid-crossfade: frame 22 (card 2's weight 7.5 / 15); mid-fade: frame 52 (black = 1).
TEST_F(RenderScripted, CardTextCrossfadesAndFadesToBlackWithItsCard) {
  need_small_media();
  const auto run = render("cards",
                          "name: cards\n"
                          "languages: [en]\n"
                          "platforms: [small-portrait]\n"
                          "clips:\n"
                          "  - id: cards\n"
                          "    captions: none\n"
                          "    segments:\n"
                          "      - {card: {en: \"HHHH HHHH\"}, duration: 1.0, background: \"#202020\"}\n"
                          "      - {card: {en: \"OOOO\"}, duration: 1.5, background: \"#202020\", "
                          "transition: {crossfade: 0.5}}\n"
                          "      - {card: {en: \"XXXX\"}, duration: 1.0, background: \"#202020\", "
                          "transition: {fade-black: 0.5}}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path file = root() / "out-cards/cards/cards/cards.small-portrait.en.mp4";
  const std::vector<int64_t> idx{5, 22, 37, 52, 65};
  const auto pics = test::decode_frames(file, idx);
  ASSERT_EQ(pics.size(), idx.size());
  const test::YuvPicture& card1 = pics[0];
  const test::YuvPicture& mid_mix = pics[1];
  const test::YuvPicture& card2 = pics[2];
  const test::YuvPicture& mid_black = pics[3];
  // Text is #FFFFFF (luma 235) on luma 16 + 28: "white" is above 200, "background" below 60.
  int only1 = 0, only2 = 0, white1 = 0, white2 = 0;
  double brightest_mix = 0, brightest_black = 0;
  for (int y = 0; y < card1.height_px; ++y) {
    for (int x = 0; x < card1.width_px; ++x) {
      const bool t1 = card1.luma(x, y) > 200, t2 = card2.luma(x, y) > 200;
      const bool b1 = card1.luma(x, y) < 60, b2 = card2.luma(x, y) < 60;
      if (t1 && b2) {
        ++only1;
        white1 += mid_mix.luma(x, y) > 200 ? 1 : 0;
      }
      if (t2 && b1) {
        ++only2;
        white2 += mid_mix.luma(x, y) > 200 ? 1 : 0;
      }
      brightest_mix = std::max<double>(brightest_mix, mid_mix.luma(x, y));
      brightest_black = std::max<double>(brightest_black, mid_black.luma(x, y));
    }
  }
  ASSERT_GT(only1, 300) << "card 1's text hardly differs from card 2's: the test would prove nothing";
  ASSERT_GT(only2, 300) << "card 2's text hardly differs from card 1's: the test would prove nothing";
  EXPECT_EQ(white1, 0) << "card 1's text is at full white in the middle of the crossfade";
  EXPECT_EQ(white2, 0) << "card 2's text is at full white in the middle of the crossfade";
  EXPECT_GT(brightest_mix, 90) << "no text at all in the middle of the crossfade";
  EXPECT_LE(brightest_black, 20) << "the fade through black does not reach black at its middle";
  int white3 = 0;
  for (uint8_t v : pics[4].y) white3 += v > 200 ? 1 : 0;
  EXPECT_GT(white3, 300) << "card 3's text is missing after the fade";
}

// `sidecar_captions: true` (issue 15): .srt and .vtt beside the output, timed on the output as
// the burned-in captions are. The source is trimmed at 0.5 s, so a cue at 1.0..1.5 s of the
// source is at 0.5..1.0 s of the output: burned into frames [15, 30) at 30 fps; a cue before the
// trim is in neither.
TEST_F(RenderScripted, SidecarCaptionsMatchTheBurnedInTiming) {
  need_small_media();
  write_text(root() / "subs/side.en.srt",
             "1\n00:00:00,200 --> 00:00:00,400\nGONE\n\n2\n00:00:01,000 --> 00:00:01,500\nSIDE\n");
  const auto run = render("side",
                          "name: side\n"
                          "languages: [en]\n"
                          "platforms: [small-portrait]\n"
                          "sidecar_captions: true\n"
                          "clips:\n"
                          "  - id: side\n"
                          "    source: media/a.mp4\n"
                          "    start: 0.5\n"
                          "    end: 2.0\n"
                          "    captions: {en: subs/side.en.srt}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path out = root() / "out-side/side/side";
  ASSERT_TRUE(fs::exists(out / "side.small-portrait.en.srt")) << "no .srt sidecar";
  ASSERT_TRUE(fs::exists(out / "side.small-portrait.en.vtt")) << "no .vtt sidecar";
  const std::string srt = test::read_text(out / "side.small-portrait.en.srt");
  const std::string vtt = test::read_text(out / "side.small-portrait.en.vtt");
  EXPECT_NE(srt.find("00:00:00,500 --> 00:00:01,000\nSIDE"), std::string::npos) << srt;
  EXPECT_EQ(srt.find("GONE"), std::string::npos) << srt;
  EXPECT_EQ(vtt.rfind("WEBVTT", 0), 0U) << vtt;
  EXPECT_NE(vtt.find("00:00:00.500 --> 00:00:01.000\nSIDE"), std::string::npos) << vtt;
  // The burned-in caption is on screen for exactly the sidecar's frames.
  const std::vector<int64_t> idx{14, 15, 29, 30};
  const auto pics = test::decode_frames(out / "side.small-portrait.en.mp4", idx);
  auto caption_pixels = [&](size_t i) {
    const test::YuvPicture& p = pics[i];
    return count_unlike(p, colour_at(p, 40, 70, 100, 110).y, 12, 400, 330, 520);
  };
  EXPECT_EQ(caption_pixels(0), 0) << "caption before 0.5 s";
  EXPECT_GT(caption_pixels(1), 100) << "no caption at 0.5 s";
  EXPECT_GT(caption_pixels(2), 100) << "no caption at 29 / 30 s";
  EXPECT_EQ(caption_pixels(3), 0) << "caption at 1.0 s";
}

// Word highlight (issue 18) through the whole pipeline: a *.words.json caption file, the brand's
// `animation: word-highlight` with a brand colour name; the spoken word is red on the encoded
// frames (chroma read back by an independent decoder) and moves from "Hello" to "world"; the
// .vtt sidecar keeps the word's time.
TEST_F(RenderScripted, WordHighlightMovesFromWordToWordAndTheSidecarKeepsTheWords) {
  need_small_media();
  write_text(root() / "subs/hw.en.words.json",
             "[{\"text\": \"Hello\", \"startMs\": 0, \"endMs\": 800},\n"
             " {\"text\": \" world\", \"startMs\": 800, \"endMs\": 1800}]\n");
  const auto run = render("hw",
                          "name: hw\n"
                          "languages: [en]\n"
                          "platforms: [small-portrait]\n"
                          "sidecar_captions: true\n"
                          "brand:\n"
                          "  colours: {accent: \"#FF0000\"}\n"
                          "  captions: {animation: word-highlight, highlight_colour: accent}\n"
                          "clips:\n"
                          "  - id: hw\n"
                          "    source: media/b.mp4\n"
                          "    captions: {en: subs/hw.en.words.json}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path out = root() / "out-hw/hw/hw";
  const std::string vtt = test::read_text(out / "hw.small-portrait.en.vtt");
  EXPECT_NE(vtt.find("00:00:00.000 --> 00:00:01.800\nHello <00:00:00.800>world\n"), std::string::npos) << vtt;
  const auto pics = test::decode_frames(out / "hw.small-portrait.en.mp4", {12, 36});
  // Red chroma blocks (Cr far above the blue background's and the white text's): their count
  // and mean column.
  const auto red = [](const test::YuvPicture& p) {
    const int cw = (p.width_px + 1) / 2;
    int n = 0;
    double x_sum = 0;
    for (size_t i = 0; i < p.v.size(); ++i) {
      if (p.v[i] > 190) {
        ++n;
        x_sum += static_cast<double>(i % static_cast<size_t>(cw)) * 2;
      }
    }
    return std::make_pair(n, n ? x_sum / n : 0.0);
  };
  const auto [n_hello, x_hello] = red(pics[0]);
  const auto [n_world, x_world] = red(pics[1]);
  EXPECT_GT(n_hello, 20) << "no highlight on frame 12 (inside 'Hello')";
  EXPECT_GT(n_world, 20) << "no highlight on frame 36 (inside 'world')";
  EXPECT_LT(x_hello, pics[0].width_px / 2.0) << "'Hello' is left of the centre";
  EXPECT_GT(x_world, pics[1].width_px / 2.0) << "'world' is right of the centre";
}

// A brand's highlight colour that is neither #RRGGBB nor a brand colour is refused with its line.
TEST_F(RenderScripted, AnUnknownHighlightColourIsRefusedWithItsLine) {
  need_small_media();
  const auto run = render("hwbad",
                          "name: hwbad\n"
                          "languages: [en]\n"
                          "platforms: [small-portrait]\n"
                          "brand:\n"
                          "  colours: {accent: \"#FF0000\"}\n"
                          "  captions: {animation: word-highlight, highlight_colour: acent}\n"
                          "clips:\n"
                          "  - id: a\n"
                          "    source: media/b.mp4\n"
                          "    captions: none\n");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("hwbad.yaml:6"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("'highlight_colour' is not a colour"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("accent"), std::string::npos) << run.output;
}

TEST_F(RenderScripted, VoiceOverDucksTheProgrammeTwelveDecibelsAndMeetsLoudness) {
  need_voice_media();
  const auto run = render("voice",
                          "name: voice\n"
                          "languages: [en, vi]\n"
                          "platforms: [small-portrait]\n"
                          "clips:\n"
                          "  - id: vo\n"
                          "    source: media/programme.mp4\n"
                          "    captions: none\n"
                          "    voiceover: {en: vo/voice.en.wav}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path en = root() / "out-voice/voice/vo/vo.small-portrait.en.mp4";
  const fs::path vi = root() / "out-voice/voice/vo/vo.small-portrait.vi.mp4";

  // English: the programme tone drops 12 dB (the default) while the voice speaks, the voice on top.
  const auto [with_voice, during] = expect_programme_ducked(en, -12.0);
  EXPECT_GT(test::tone_amplitude(with_voice, 0, 2500, 1.9, 2.8), 4.0 * during) << "the voice is not on top";
  EXPECT_LT(test::tone_amplitude(with_voice, 0, 2500, 0.3, 1.3), 1e-3) << "voice where there is none";

  // Vietnamese has no voice-over: the programme alone, never ducked.
  const auto [programme_only, vi_during] = expect_programme_ducked(vi, 0.0);
  EXPECT_LT(test::tone_amplitude(programme_only, 0, 2500, 1.9, 2.8), 1e-3);
}

// A scripted clip with a voice-over, through a preset with B-frames (the first video DTS is
// negative), longer than libavformat's 10 s interleaving window: audio and video lie within 1 s of
// each other in the file's data from the first packet to the last, as ffprobe reads them (issue 26:
// the whole audio was queued at the first video packet, so the muxer wrote the audio beyond its
// window, 3 s here, before any video).
TEST_F(RenderScripted, AudioAndVideoAreInterleavedThroughoutTheFile) {
  need_small_media();
  need_voice_media();
  std::string preset = test::read_text(root() / "presets/small-portrait.yaml");
  ASSERT_NE(preset.find("bframes: 0"), std::string::npos);
  preset.replace(preset.find("bframes: 0"), 10, "bframes: 2");
  ASSERT_NE(preset.find("max_s: 10}"), std::string::npos);
  preset.replace(preset.find("max_s: 10}"), 10, "max_s: 60}");  // longer than the muxer's 10 s window
  write_text(root() / "presets/small-bframes.yaml", preset);
  const auto run = render("interleave",
                          "name: interleave\n"
                          "languages: [en]\n"
                          "platforms: [small-bframes]\n"
                          "clips:\n"
                          "  - id: vo\n"
                          "    captions: none\n"
                          "    voiceover: {en: vo/voice.en.wav}\n"
                          "    segments:\n"
                          "      - {source: media/programme.mp4, start: 0, end: 5}\n"
                          "      - {card: {en: \"THE END\"}, duration: 3, background: \"#0D47A1\"}\n"
                          "      - {source: media/programme.mp4, start: 0, end: 5}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto reading =
      test::ffprobe_interleave(root() / "out-interleave/interleave/vo/vo.small-bframes.en.mp4");
  EXPECT_EQ(reading.video_packets, 390);  // 13 s at 30 fps
  EXPECT_GT(reading.audio_packets, 600);  // 13 s of 1024-sample AAC frames at 48 kHz: 610
  EXPECT_LT(reading.max_gap_s, 1.0);
}

// The clip's voiceover_duck sets how far the programme drops; the result still meets loudness.
TEST_F(RenderScripted, VoiceOverDuckDepthIsConfigurable) {
  need_voice_media();
  const auto run = render("deep",
                          "name: deep\n"
                          "languages: [en]\n"
                          "platforms: [small-portrait]\n"
                          "clips:\n"
                          "  - id: vo\n"
                          "    source: media/programme.mp4\n"
                          "    captions: none\n"
                          "    voiceover: {en: vo/voice.en.wav}\n"
                          "    voiceover_duck: -20\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  (void)expect_programme_ducked(root() / "out-deep/deep/vo/vo.small-portrait.en.mp4", -20.0);
}

// The brand's intro and outro are segments of the same timeline: the clip sits between them, its
// captions move by the intro's length, and a clip that says `bumpers: false` has neither.
TEST_F(RenderScripted, BrandBumpersFrameTheClip) {
  need_small_media();
  const fs::path root = dir_->path();
  const std::string x264 = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac";
  test::make_clip(root / "media/intro.mp4", 1.0, "color=c=0xE0E020:s=180x320:r=30",
                  "sine=frequency=330:sample_rate=48000", x264);
  test::make_clip(root / "media/outro.mp4", 0.5, "color=c=0x802080:s=180x320:r=30",
                  "sine=frequency=330:sample_rate=48000", x264);
  // Timed on the source of a plain clip: 0.2..0.8 s, so 1.2..1.8 s after a 1 s intro.
  write_text(root / "subs/early.en.srt", "1\n00:00:00,200 --> 00:00:00,800\nWELCOME\n");
  const auto run =
      render("bumpers",
             "name: bumpers\n"
             "languages: [en]\n"
             "platforms: [small-portrait]\n"
             "brand: {intro: media/intro.mp4, outro: media/outro.mp4}\n"
             "clips:\n"
             "  - {id: main, source: media/b.mp4, start: 0, end: 1.0, captions: {en: subs/early.en.srt}}\n"
             "  - {id: bare, source: media/b.mp4, start: 0, end: 1.0, bumpers: false, captions: none}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  auto colour_of = [](const fs::path& file, int64_t index) {
    return colour_at(test::decode_frame(file, index), 40, 70, 100, 110);
  };
  const Colour intro = colour_of(root / "media/intro.mp4", 10);
  const Colour clip = colour_of(root / "media/b.mp4", 10);
  const Colour outro = colour_of(root / "media/outro.mp4", 5);
  // The sources are untagged SD (BT.601, as players read them: issue 25), the output BT.709: the
  // colours are compared as shown.
  auto expect_colour = [](const Colour& got, const Colour& want, const std::string& what) {
    const auto shown = test::shown_rgb(got.y, got.u, got.v, test::Matrix::kBt709);
    const auto source = test::shown_rgb(want.y, want.u, want.v, test::Matrix::kBt601);
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(shown[c], source[c], 5.0) << what << ", channel " << c;
  };

  const fs::path main = root / "out-bumpers/bumpers/main/main.small-portrait.en.mp4";
  EXPECT_EQ(test::probe_file(main).video.packets, 30 + 30 + 15);
  const auto pics = test::decode_frames(main, {15, 29, 30, 33, 40, 56, 59, 60, 70});
  expect_colour(colour_at(pics[0], 40, 70, 100, 110), intro, "intro at 0.5 s");
  expect_colour(colour_at(pics[1], 40, 70, 100, 110), intro, "intro's last frame");
  expect_colour(colour_at(pics[2], 40, 70, 100, 110), clip, "clip's first frame");
  expect_colour(colour_at(pics[6], 40, 70, 100, 110), clip, "clip's last frame");
  expect_colour(colour_at(pics[7], 40, 70, 100, 110), outro, "outro's first frame");
  expect_colour(colour_at(pics[8], 40, 70, 100, 110), outro, "outro");
  auto caption_pixels = [&](size_t i) { return count_unlike(pics[i], clip.y, 12, 400, 330, 520); };
  EXPECT_EQ(caption_pixels(3), 0) << "caption at 1.1 s (its cue starts at 1.2 s)";
  EXPECT_GT(caption_pixels(4), 100) << "no caption at 1.33 s";
  EXPECT_EQ(caption_pixels(5), 0) << "caption at 1.87 s (its cue ends at 1.8 s)";

  const fs::path bare = root / "out-bumpers/bumpers/bare/bare.small-portrait.en.mp4";
  EXPECT_EQ(test::probe_file(bare).video.packets, 30);
  expect_colour(colour_of(bare, 0), clip, "a clip without bumpers starts with itself");
  expect_colour(colour_of(bare, 29), clip, "a clip without bumpers ends with itself");

  // The plan's durations are the files' own: the bumpers count (1 + 1 + 0.5 s), or not.
  const auto plan = test::run_shortpack("plan " + shell_quote((root / "bumpers.yaml").string()) + " --out " +
                                        shell_quote((root / "out-bumpers").string()) + " --presets " +
                                        shell_quote((root / "presets").string()));
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  std::map<std::string, double> planned;
  for (const auto& unit : test::json_lines(plan.output))
    planned[unit.at("clip").get<std::string>()] = unit.at("duration_s").get<double>();
  EXPECT_NEAR(planned["main"], 2.5, 1e-6) << plan.output;
  EXPECT_NEAR(planned["bare"], 1.0, 1e-6) << plan.output;
}

// Joins between segments never click: a cut gets a short fade on both sides, a crossfade
// overlaps the two sounds. Judged by the largest step between neighbouring samples.
TEST_F(RenderScripted, AudioJoinsDoNotClick) {
  need_small_media();
  // a (440 Hz) ends at a zero crossing; b (660 Hz) enters at its crest (660 * 0.0125 = 8.25
  // cycles): a hard cut would jump by the full amplitude.
  const auto run =
      render("joins",
             "name: joins\n"
             "languages: [en]\n"
             "platforms: [small-portrait]\n"
             "clips:\n"
             "  - id: joins\n"
             "    captions: none\n"
             "    segments:\n"
             "      - {source: media/a.mp4, start: 0, end: 1.0}\n"
             "      - {source: media/b.mp4, start: 0.0125, end: 1.0125}\n"
             "      - {source: media/a.mp4, start: 0, end: 1.0, transition: {crossfade: 0.5}}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const test::DecodedAudio audio =
      test::decode_audio(root() / "out-joins/joins/joins/joins.small-portrait.en.mp4");
  auto max_step = [&](double from_s, double to_s) {
    double step = 0.0;
    const auto first = static_cast<size_t>(from_s * audio.sample_rate_hz);
    const auto last = std::min(audio.frames(), static_cast<size_t>(to_s * audio.sample_rate_hz));
    for (size_t i = first + 1; i < last; ++i) {
      for (int c = 0; c < audio.channels; ++c) {
        const size_t k = i * static_cast<size_t>(audio.channels) + static_cast<size_t>(c);
        step = std::max(step,
                        static_cast<double>(std::fabs(audio.samples[k] - audio.samples[k - audio.channels])));
      }
    }
    return step;
  };
  const double steady = std::max(max_step(0.3, 0.7), max_step(1.2, 1.4));  // the tones themselves
  ASSERT_GT(steady, 0.01);
  EXPECT_LT(max_step(0.97, 1.03), 1.3 * steady) << "the cut clicks";
  EXPECT_LT(max_step(1.45, 2.05), 1.3 * steady) << "the crossfade clicks";
}

// A clip that says `captions: none` is prepared like any other (its still images read, its card
// texts checked against the fonts).
TEST_F(RenderScripted, StillImageInAClipWithoutCaptions) {
  need_small_media();
  const auto run = render("nocaptions",
                          "name: nocaptions\n"
                          "languages: [en]\n"
                          "platforms: [small-portrait]\n"
                          "clips:\n"
                          "  - id: photo\n"
                          "    captions: none\n"
                          "    segments:\n"
                          "      - {source: media/a.mp4, start: 0, end: 1.0}\n"
                          "      - {image: media/still.png, duration: 1.0}\n");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const fs::path file = root() / "out-nocaptions/nocaptions/photo/photo.small-portrait.en.mp4";
  EXPECT_EQ(test::probe_file(file).video.packets, 60);
  // The still's green, crop-centred over the whole frame.
  const test::YuvPicture still = test::decode_frame(file, 45);
  EXPECT_LT(still.mean(1, 100, 200, 260, 440), 110);
  EXPECT_LT(still.mean(2, 100, 200, 260, 440), 110);
}

struct BadScript {
  std::string name;
  std::string clip_yaml;              // the clip's lines after "  - id: bad\n"
  std::vector<std::string> mentions;  // words the one message must contain
};

class RenderScriptedBadInput : public RenderScripted, public ::testing::WithParamInterface<BadScript> {};

TEST_P(RenderScriptedBadInput, RefusedBeforeEncodingWithNothingWritten) {
  const BadScript& bad = GetParam();
  need_small_media();
  const std::string name = "bad-" + bad.name;
  const auto run = render(name, "name: " + name +
                                    "\n"
                                    "languages: [en, vi]\n"
                                    "platforms: [small-portrait]\n"
                                    "clips:\n"
                                    "  - {id: fine, source: media/a.mp4, captions: none}\n"
                                    "  - id: bad\n"
                                    "    captions: {en: subs/late.en.srt, vi: subs/late.vi.srt}\n" +
                                    bad.clip_yaml);
  EXPECT_EQ(run.exit_code, 2) << run.output;
  for (const std::string& word : bad.mentions) {
    EXPECT_NE(run.output.find(word), std::string::npos)
        << "the message lacks '" << word << "': " << run.output;
  }
  EXPECT_FALSE(fs::exists(root() / ("out-" + name))) << "something was written: " << run.output;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RenderScriptedBadInput,
    ::testing::Values(
        BadScript{"segment-beyond-source",
                  "    segments:\n"
                  "      - {source: media/a.mp4, start: 0, end: 1.0}\n"
                  "      - {source: media/b.mp4, start: 0.5, end: 4.0}\n",
                  {"'bad'", "segment 2", "beyond the end"}},
        BadScript{"transition-longer-than-card",
                  "    segments:\n"
                  "      - {card: {en: One, vi: Một}, duration: 0.5}\n"
                  "      - {source: media/a.mp4, start: 0, end: 1.5, transition: {crossfade: 0.8}}\n",
                  {"crossfade", "0.8"}},
        BadScript{"transition-longer-than-media",
                  // The media segment's length (2 s) is known only once the file is probed.
                  "    segments:\n"
                  "      - {source: media/a.mp4}\n"
                  "      - {image: media/still.png, duration: 3.0, transition: {crossfade: 2.5}}\n",
                  {"'bad'", "segment 2", "longer"}},
        BadScript{"card-without-a-language",
                  "    segments:\n"
                  "      - {source: media/a.mp4, start: 0, end: 1.0}\n"
                  "      - {card: {en: Only English}, duration: 1.0}\n",
                  {"vi"}},
        BadScript{"image-that-is-not-an-image",
                  "    segments:\n"
                  "      - {source: media/a.mp4, start: 0, end: 1.0}\n"
                  "      - {image: media/not-an-image.png, duration: 1.0}\n",
                  {"'bad'", "segment 2", "not-an-image.png"}},
        BadScript{"voiceover-longer-than-clip",
                  "    source: media/a.mp4\n"
                  "    voiceover: {en: vo/long.en.wav}\n",
                  {"'bad'", "long.en.wav", "longer"}}),
    [](const ::testing::TestParamInfo<BadScript>& info) {
      std::string name = info.param.name;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

}  // namespace
}  // namespace shortpack

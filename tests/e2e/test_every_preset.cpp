// Every built-in preset renders a short generated clip that passes its own conformance check, its
// audio and video interleaved in the file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {

TEST(EveryPreset, RendersAClipThatPassesItsCheck) {
  ScratchDir dir("every-preset");
  // 3.2 s: the longest minimum duration among the presets is 3 s (Instagram and Facebook Reels).
  make_clip(dir / "media/a.mp4", 3.2, "testsrc2=size=1280x720:rate=30",
            "sine=frequency=330:sample_rate=48000");
  const std::vector<std::string> presets = {
      "tiktok", "youtube-shorts", "instagram-reels", "facebook-reels", "facebook-feed", "youtube", "x",
      "zalo"};
  std::string list;
  for (const auto& p : presets) list += (list.empty() ? "" : ", ") + p;
  write_text(dir / "c.yaml", "name: every\nlanguages: [en]\nplatforms: [" + list +
                                 "]\nencode: {preset: ultrafast}\n"
                                 "clips:\n  - id: a\n    source: media/a.mp4\n    captions: none\n");
  const auto r = run_shortpack("render " + shell_quote((dir / "c.yaml").string()) + " --out " +
                               shell_quote((dir / "out").string()));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto report = read_json(dir / "out/every/report.json");
  ASSERT_EQ(report["outputs"].size(), presets.size());
  for (const auto& o : report["outputs"]) {
    EXPECT_EQ(o["status"], "ok") << o["platform"] << ": " << o["error"];
    // The CLI's own check, run again on the file, as a platform would.
    const std::string file = (dir / "out/every" / o["path"].get<std::string>()).string();
    const auto check =
        run_shortpack("check " + shell_quote(file) + " --platform " + o["platform"].get<std::string>());
    EXPECT_EQ(check.exit_code, 0) << o["platform"] << "\n" << check.output;
    EXPECT_EQ(check.output.find("FAIL"), std::string::npos) << check.output;
    // Audio and video within 1 s of each other in the data, first packet to last (issue 26).
    const auto interleave = ffprobe_interleave(file);
    EXPECT_GT(interleave.audio_packets, 0) << o["platform"];
    EXPECT_LT(interleave.max_gap_s, 1.0) << o["platform"];
  }
}

}  // namespace
}  // namespace shortpack::test

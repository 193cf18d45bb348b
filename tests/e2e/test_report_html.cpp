// report.html (pipeline/report/report_html.h): the page's content, its escaping, and its thumbnails.
// The page in a real browser is tested in tests/browser/.
#include "pipeline/report/report_html.h"

#include <gtest/gtest.h>

#include <chrono>
#include <opencv2/imgproc.hpp>

#include "pipeline/report/report.h"
#include "support/image_io.h"
#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace {
namespace fs = std::filesystem;

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST(ReportHtmlText, EscapesMarkupAndEncodesPaths) {
  EXPECT_EQ(html_escape(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(html_escape("Lương hưu"), "Lương hưu");  // UTF-8 passes through
  EXPECT_EQ(url_path("a/a.tiktok.vi.mp4"), "a/a.tiktok.vi.mp4");
  EXPECT_EQ(url_path("my clip/#1?.mp4"), "my%20clip/%231%3F.mp4");
  EXPECT_EQ(url_path("ré/100%.mp4"), "r%C3%A9/100%25.mp4");
}

// A report with hostile text and no files: the page escapes everything and marks the gaps.
TEST(ReportHtmlPage, HostileNamesAndErrorsAreEscapedAndGapsAreMissing) {
  ScratchDir dir("report-html-hostile");
  RenderReport report;
  report.campaign = "may<script>x</script>";
  report.output_dir = dir.path();
  OutputRecord failed;
  failed.clip = "a\"><img src=x onerror=alert(1)>";
  failed.platform = "tiktok";
  failed.language = "vi";
  failed.path = dir / "a/a.tiktok.vi.mp4";
  failed.status = OutputStatus::kFailed;
  failed.error = "media/<script>alert('x')</script>.mp4: Invalid data found when processing input";
  failed.checks.push_back({"container", false, "<none>", "mp4 & \"faststart\""});
  report.outputs.push_back(failed);
  OutputRecord skipped = failed;
  skipped.platform = "youtube";
  skipped.status = OutputStatus::kSkipped;
  skipped.error.clear();
  skipped.note = "up to date since 2025-05-01";
  skipped.width_px = 1920;
  skipped.height_px = 1080;
  skipped.duration_s = 12.5;
  skipped.bytes = 4'200'000;
  report.outputs.push_back(skipped);

  const fs::path page_file =
      write_report_html(report, {failed.clip, "b"}, {"tiktok", "youtube"}, {"vi", "en"}, dir.path());
  EXPECT_EQ(page_file, dir / "report.html");
  const std::string page = read_text(page_file);

  // Nothing from the report reaches the page as markup.
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("onerror=alert(1)>"), std::string::npos);
  EXPECT_NE(page.find("may&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("media/&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;.mp4: Invalid data"),
            std::string::npos);
  EXPECT_NE(page.find("mp4 &amp; &quot;faststart&quot;"), std::string::npos);
  // Static and self-contained: no script, no external asset, no stylesheet link.
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("rel=\"stylesheet\""), std::string::npos);
  EXPECT_NE(page.find("<style>"), std::string::npos);

  // The matrix: 2 clips x 2 platforms x 2 languages; one failed, one skipped, six missing.
  EXPECT_EQ(count_of(page, "data-cell "), 8U);
  EXPECT_EQ(count_of(page, "data-status=\"failed\""), 1U);
  EXPECT_EQ(count_of(page, "data-status=\"skipped\""), 1U);
  EXPECT_EQ(count_of(page, "data-status=\"missing\""), 6U);
  // The failed rule is shown with its values; the failed output's rules are open.
  EXPECT_NE(page.find("<details open>"), std::string::npos);
  EXPECT_NE(page.find("0/1 rules pass"), std::string::npos);
  // No file on disk: no video element, no thumbnail folder.
  EXPECT_EQ(page.find("<video"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "thumbs"));
  // The skipped output's facts.
  EXPECT_NE(page.find("1920 × 1080"), std::string::npos);
  EXPECT_NE(page.find("12.50 s"), std::string::npos);
  EXPECT_NE(page.find("4.2 MB"), std::string::npos);
  EXPECT_NE(page.find("up to date since 2025-05-01"), std::string::npos);
}

// A decoded output frame as RGB24, downscaled to w x h with area averaging.
FramePtr scaled_rgb(const YuvPicture& picture, int w, int h) {
  FramePtr rgb = rgb_of(picture);
  FramePtr small = alloc_video_frame(w, h, AV_PIX_FMT_RGB24);
  const cv::Mat src(rgb->height, rgb->width, CV_8UC3, rgb->data[0], static_cast<size_t>(rgb->linesize[0]));
  cv::Mat dst(h, w, CV_8UC3, small->data[0], static_cast<size_t>(small->linesize[0]));
  cv::resize(src, dst, dst.size(), 0, 0, cv::INTER_AREA);
  return small;
}

// A real render: each ok output gets a thumbnail of its frame at 1 s, and a page that links it.
TEST(ReportHtmlPage, ThumbnailsAreTheOutputsFrameAtOneSecond) {
  ScratchDir dir("report-html-render");
  write_test_presets(dir / "presets");
  make_clip(dir / "media/a.mp4", 2.0, "testsrc2=size=640x360:rate=30");
  write_text(dir / "subs/a.en.srt", "1\n00:00:00,000 --> 00:00:02,000\nHello\n");
  write_text(dir / "c.yaml",
             "name: th\nlanguages: [en]\nplatforms: [small-portrait, small-landscape]\n"
             "clips:\n  - id: a\n    source: media/a.mp4\n    captions: {en: subs/a.en.srt}\n");
  const auto render = run_shortpack("render " + shell_quote((dir / "c.yaml").string()) + " --out " +
                                    shell_quote((dir / "out").string()));
  ASSERT_EQ(render.exit_code, 0) << render.output;
  const fs::path out = dir / "out/th";
  const RenderReport report = read_report(out / "report.json");
  ASSERT_EQ(report.outputs.size(), 2U);
  fs::remove_all(out / "thumbs");  // made here, whether or not render made them already
  write_report_html(report, {"a"}, {"small-portrait", "small-landscape"}, {"en"}, out);
  const std::string page = read_text(out / "report.html");

  struct Expect {
    const char* platform;
    int w, h;
  };
  for (const Expect& e : {Expect{"small-portrait", 136, 240}, Expect{"small-landscape", 426, 240}}) {
    SCOPED_TRACE(e.platform);
    const std::string video = std::string("a/a.") + e.platform + ".en.mp4";
    const std::string thumb = std::string("thumbs/a.") + e.platform + ".en.png";
    EXPECT_NE(page.find("<video controls preload=\"metadata\" src=\"" + video + "\""), std::string::npos);
    EXPECT_NE(page.find("poster=\"" + thumb + "\""), std::string::npos);
    ASSERT_TRUE(fs::exists(out / thumb));
    FramePtr png = read_png(out / thumb);
    EXPECT_EQ(png->width, e.w);
    EXPECT_EQ(png->height, e.h);
    // The frame on screen at 1 s (frame 30 at 30 fps), not its neighbours in the moving pattern.
    expect_frame_n_not_neighbours(
        *png, out / video, 30, [&](const YuvPicture& frame) { return scaled_rgb(frame, e.w, e.h); },
        std::string(e.platform) + ": thumbnail");
  }

  // A second page keeps a thumbnail newer than its video and remakes a stale one.
  const fs::path portrait_thumb = out / "thumbs/a.small-portrait.en.png";
  const fs::path landscape_thumb = out / "thumbs/a.small-landscape.en.png";
  const auto old_time = fs::last_write_time(portrait_thumb) - std::chrono::hours(1);
  fs::last_write_time(portrait_thumb, old_time);  // now older than its video: stale
  const auto landscape_time = fs::last_write_time(landscape_thumb);
  write_report_html(report, out / "report.html");
  EXPECT_GT(fs::last_write_time(portrait_thumb), old_time);
  EXPECT_EQ(fs::last_write_time(landscape_thumb), landscape_time);

  // A symbolic link planted at thumbs/ is not written through: the page has no posters then.
  ScratchDir elsewhere("report-html-elsewhere");
  fs::remove_all(out / "thumbs");
  fs::create_directory_symlink(elsewhere.path(), out / "thumbs");
  write_report_html(report, out / "report.html");
  EXPECT_TRUE(list_files(elsewhere.path()).empty()) << "written through the link";
  EXPECT_TRUE(fs::is_symlink(out / "thumbs"));
  const std::string page_without_posters = read_text(out / "report.html");
  EXPECT_EQ(page_without_posters.find("poster="), std::string::npos);
  EXPECT_EQ(count_of(page_without_posters, "<video "), 2U);
}

}  // namespace
}  // namespace shortpack::test

// Shared helpers for the test floors: scratch folders, running commands, generated media.
#pragma once

#include <filesystem>
#include <string>

namespace shortpack::test {

// A fresh folder under the build's temp area, removed when the object dies
// (kept when SHORTPACK_KEEP_TEST_FILES is set, for debugging).
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing its output.
CommandResult run_command(const std::string& command_line);
// The shortpack binary under test: SHORTPACK_TEST_BINARY from the environment when set (a
// sanitizer build, see scripts/test-sanitizers), otherwise the one built with the tests.
std::string shortpack_binary();
// Runs the shortpack binary under test with the given arguments (already shell-quoted).
CommandResult run_shortpack(const std::string& args);
// Single-quotes a string for /bin/sh.
std::string shell_quote(const std::string& text);

// Generates a test clip with the ffmpeg program (a test-only generator and judge, never used
// by shortpack itself). `video` is an ffmpeg lavfi source such as "testsrc2=size=640x360:rate=30";
// `audio` is a lavfi audio source or empty for no audio; `extra` is inserted before the output.
void make_clip(const std::filesystem::path& out, double seconds, const std::string& video,
               const std::string& audio = "sine=frequency=440:sample_rate=48000",
               const std::string& extra = "-c:v libx264 -preset ultrafast -pix_fmt yuv420p -c:a aac");

// Runs the ffmpeg program (a test-only generator) quietly with `args` (already shell-quoted), as
// "ffmpeg -nostdin -hide_banner -loglevel error -y ARGS". Throws std::runtime_error with its output
// when it fails.
void ffmpeg(const std::string& args);

// Writes one picture of an ffmpeg lavfi source (e.g. "color=c=0x00FF00:s=64x32,format=rgba") as an
// image file of the kind its name says (PNG for .png), with the ffmpeg program. Throws
// std::runtime_error when ffmpeg fails.
void make_image(const std::filesystem::path& out, const std::string& lavfi_source);

// True when every test must run (SHORTPACK_REQUIRE_ALL_TESTS=1, which scripts/test sets under CI
// and as root): a test that cannot run its check here must then fail, not skip, so that a green
// CI means every check ran.
bool all_tests_required();
// Ceilings on wall time in tests (refusals that must come "at once") are multiplied by this:
// SHORTPACK_TEST_TIME_FACTOR (default 1; scripts/test-sanitizers sets it for slow builds).
double time_factor();

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);

// 1-based line of the first occurrence of `marker` in `text` (a test's own count, independent of
// the loader's); -1, with a failed expectation, when it is not there.
int line_of(const std::string& text, const std::string& marker);

// The digits Tesseract ('eng', digits only) reads in one picture of `picture` (a video at `at_s`,
// or a still when `at_s` < 0), scaled up `scale` times and thresholded to dark text on white;
// `png` receives the picture read.
std::string ocr_digits(const std::filesystem::path& picture, double at_s, int scale,
                       const std::filesystem::path& png);

}  // namespace shortpack::test

// In a test body: skips with `why`, or fails with it when all_tests_required().
#define SHORTPACK_SKIP_OR_FAIL(why)                                                               \
  do {                                                                                            \
    if (::shortpack::test::all_tests_required()) {                                                \
      FAIL() << why << " (this machine must run every test: SHORTPACK_REQUIRE_ALL_TESTS is set)"; \
    }                                                                                             \
    GTEST_SKIP() << why;                                                                          \
  } while (0)

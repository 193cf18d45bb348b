#include "support/test_support.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace shortpack::test {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const std::string& name) {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("shortpack-test-" + name + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  if (std::getenv("SHORTPACK_KEEP_TEST_FILES") == nullptr) {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
}

CommandResult run_command(const std::string& command_line) {
  CommandResult result;
  const std::string full = command_line + " 2>&1";
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command_line);
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string shortpack_binary() {
  // scripts/test-sanitizers runs the e2e tests against a sanitizer build of the binary.
  const char* other = std::getenv("SHORTPACK_TEST_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other) : std::string(SHORTPACK_BINARY);
}

bool all_tests_required() {
  const char* v = std::getenv("SHORTPACK_REQUIRE_ALL_TESTS");
  return v != nullptr && std::string(v) == "1";
}

double time_factor() {
  const char* v = std::getenv("SHORTPACK_TEST_TIME_FACTOR");
  if (v == nullptr || *v == '\0') return 1.0;
  const double f = std::strtod(v, nullptr);
  return f >= 1.0 ? f : 1.0;
}

CommandResult run_shortpack(const std::string& args) {
  return run_command(shell_quote(shortpack_binary()) + " " + args);
}

void make_clip(const fs::path& out, double seconds, const std::string& video, const std::string& audio,
               const std::string& extra) {
  fs::create_directories(out.parent_path());
  std::ostringstream cmd;
  cmd << "ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i " << shell_quote(video);
  if (!audio.empty()) cmd << " -f lavfi -i " << shell_quote(audio);
  cmd << " -t " << seconds << " " << extra << " " << shell_quote(out.string());
  const CommandResult r = run_command(cmd.str());
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg could not make a test clip: " + r.output);
}

void make_image(const fs::path& out, const std::string& lavfi_source) {
  fs::create_directories(out.parent_path());
  const CommandResult r =
      run_command("ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i " + shell_quote(lavfi_source) +
                  " -frames:v 1 " + shell_quote(out.string()));
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg could not make a test image: " + r.output);
}

int line_of(const std::string& text, const std::string& marker) {
  const size_t pos = text.find(marker);
  EXPECT_NE(pos, std::string::npos) << "marker not in the test YAML: " << marker;
  if (pos == std::string::npos) return -1;
  return 1 +
         static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

std::string ocr_digits(const fs::path& picture, double at_s, int scale, const fs::path& png) {
  const std::string seek = at_s >= 0 ? "-ss " + std::to_string(at_s) + " " : "";
  const std::string s = std::to_string(scale);
  const auto cut =
      run_command("ffmpeg -nostdin -hide_banner -loglevel error -y " + seek + "-i " +
                  shell_quote(picture.string()) + " -frames:v 1 -vf \"scale=iw*" + s + ":ih*" + s +
                  ",format=gray,lutyuv=y='if(gt(val,180),0,255)'\" " + shell_quote(png.string()));
  EXPECT_EQ(cut.exit_code, 0) << cut.output;
  std::string text = run_command("tesseract " + shell_quote(png.string()) +
                                 " - -l eng --psm 6 -c tessedit_char_whitelist=0123456789 2>/dev/null")
                         .output;
  std::erase_if(text, [](char c) { return c < '0' || c > '9'; });
  return text;
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ffmpeg(const std::string& args) {
  const auto r = run_command("ffmpeg -nostdin -hide_banner -loglevel error -y " + args);
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg failed: " + args + "\n" + r.output);
}

}  // namespace shortpack::test

// The fuzz targets' inputs replayed through the same target bodies the libFuzzer binaries run
// (tests/support/fuzz_targets.h): every committed seed (tests/fuzz/corpus/<target>/) and every
// input a fuzzer once crashed on (tests/data/fuzz-regressions/<target>/). A target aborts on any
// defect, so a regression kills this test; under scripts/test-sanitizers it also runs with
// AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer. The media seeds are tiny
// committed files (a few kB each), decoded a few frames at a time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" {
#include <libavutil/log.h>
}

#include "filters/core/error.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/media/image_reader.h"
#include "pipeline/spec/preset.h"
#include "support/fuzz_targets.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::vector<fs::path> files_in(const fs::path& folder) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class FuzzReplay : public ::testing::TestWithParam<fuzz::Target> {
 protected:
  static void SetUpTestSuite() { av_log_set_level(AV_LOG_QUIET); }
};

TEST_P(FuzzReplay, SeedsAndPastCrashesRunClean) {
  const fuzz::Target& target = GetParam();
  const fs::path root(SHORTPACK_SOURCE_DIR);
  const std::vector<fs::path> seeds = files_in(root / "tests/fuzz/corpus" / target.name);
  ASSERT_FALSE(seeds.empty()) << "no seed corpus for '" << target.name << "'";
  std::vector<fs::path> inputs = seeds;
  for (const fs::path& f : files_in(root / "tests/data/fuzz-regressions" / target.name)) inputs.push_back(f);
  for (const fs::path& input : inputs) {
    SCOPED_TRACE(input.string());
    const std::string data = bytes_of(input);
    target.run(reinterpret_cast<const uint8_t*>(data.data()), data.size());  // aborts on a defect
  }
}

// Found by scripts/fuzz (media): a PNG header of 3070270563 x 4174102768 pixels made the size
// check overflow (undefined behaviour) instead of refusing the picture from its header.
TEST(FuzzRegressions, PngHeaderOfFourBillionSquaredIsOverTheLimit) {
  const fs::path file =
      fs::path(SHORTPACK_SOURCE_DIR) / "tests/data/fuzz-regressions/media/png-header-4-billion-squared.png";
  try {
    (void)read_image_rgba(file, 40'000'000);
    FAIL() << "read without error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kLimit) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("3070270563x4174102768 pixels, over the limit of 40000000"));
  }
}

// Found by scripts/fuzz (words): a number past double's range ("1e3008") escaped the words.json
// reader as nlohmann's out_of_range instead of an input error naming its line.
TEST(FuzzRegressions, WordsJsonNumberOverflowIsAnInputErrorWithItsLine) {
  const fs::path file =
      fs::path(SHORTPACK_SOURCE_DIR) / "tests/data/fuzz-regressions/words/number-overflow-1e3008.words.json";
  try {
    (void)parse_words_json(bytes_of(file), file);
    FAIL() << "read without error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInput) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("number-overflow-1e3008.words.json:2"));
    EXPECT_THAT(e.what(), HasSubstr("the number '1e3008' is too large"));
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplay, ::testing::ValuesIn(fuzz::all_targets()),
                         [](const ::testing::TestParamInfo<fuzz::Target>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace shortpack

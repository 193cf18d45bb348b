// A fixture whose tests share one scratch folder, made when the suite starts and removed when it
// ends (ctest runs each test in its own process, so media are made when a test first needs
// them), with the small test presets of write_test_presets in presets/ for the campaigns
// rendered there. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <clocale>
#include <filesystem>
#include <memory>
#include <string>

#include "support/media_probe.h"
#include "support/test_support.h"

namespace shortpack::test {

template <typename Base = ::testing::Test>
class SuiteFolder : public Base {
 public:
  static void TearDownTestSuite() { dir_.reset(); }

 protected:
  // For SetUpTestSuite: the C locale, a fresh folder, and with `presets` the small test presets in
  // presets/ (write_test_presets, short-max at most `short_max_s` long).
  static void open_suite_folder(const std::string& name, bool presets = true, double short_max_s = 1.0) {
    std::setlocale(LC_ALL, "C");
    dir_ = std::make_unique<ScratchDir>(name);
    if (presets) write_test_presets(root() / "presets", short_max_s);
  }
  static std::filesystem::path root() { return dir_->path(); }
  // `shortpack render CAMPAIGN --out OUT --presets <root>/presets`.
  static CommandResult render_with_presets(const std::filesystem::path& campaign,
                                           const std::filesystem::path& out) {
    return run_shortpack("render " + shell_quote(campaign.string()) + " --out " + shell_quote(out.string()) +
                         " --presets " + shell_quote((root() / "presets").string()));
  }

  static inline std::unique_ptr<ScratchDir> dir_;
};

}  // namespace shortpack::test

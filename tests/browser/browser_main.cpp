// The browser tests' entry point: exits 77 (CTest SKIP_RETURN_CODE) when Chromium is not
// installed, so that a machine without it reports the tests as skipped, never as passed.
#include <gtest/gtest.h>

#include <iostream>

#include "browser/browser_support.h"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (shortpack::test::chromium_binary().empty()) {
    std::cout << "chromium is not installed (scripts/setup installs Debian's chromium package): skipping the "
                 "browser tests\n";
    return 77;
  }
  return RUN_ALL_TESTS();
}

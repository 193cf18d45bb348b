// Running pages in headless Chromium for the browser tests (through page_probe.mjs).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace shortpack::test {

// SHORTPACK_CHROMIUM when set, otherwise /usr/bin/chromium when it is executable; empty when
// there is no browser.
std::string chromium_binary();

// A folder under the build tree that is emptied at the start and kept after the test, so the
// renders, pages and screenshots can be looked at: <build>/tests/browser/out/<name>.
std::filesystem::path artifact_dir(const std::string& name);

struct ProbeOptions {
  std::filesystem::path screenshot;  // empty: none
  bool play = false;                 // also play every video (muted) and count presented frames
  bool play_to_end = false;          // play each video until it ends (within the timeout), not 0.3 s
  int timeout_ms = 60000;
};

// Opens `page` in headless Chromium and returns what page_probe.mjs found (see its header).
// Fails the current test (and returns null) when the browser cannot be driven.
nlohmann::json probe_page(const std::filesystem::path& page, const ProbeOptions& options);

}  // namespace shortpack::test

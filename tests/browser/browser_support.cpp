#include "browser/browser_support.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "support/json_files.h"
#include "support/test_support.h"

namespace shortpack::test {
namespace fs = std::filesystem;

std::string chromium_binary() {
  if (const char* env = std::getenv("SHORTPACK_CHROMIUM"); env != nullptr && *env != '\0') {
    return ::access(env, X_OK) == 0 ? std::string(env) : std::string();
  }
  return ::access("/usr/bin/chromium", X_OK) == 0 ? std::string("/usr/bin/chromium") : std::string();
}

fs::path artifact_dir(const std::string& name) {
  const fs::path dir = fs::path(SHORTPACK_BROWSER_OUT) / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

nlohmann::json probe_page(const fs::path& page, const ProbeOptions& options) {
  const fs::path json_file = page.parent_path() / (page.stem().string() + ".probe.json");
  std::string cmd = "node " + shell_quote(SHORTPACK_PAGE_PROBE) + " --chromium " +
                    shell_quote(chromium_binary()) + " --file " + shell_quote(page.string()) +
                    " --json-out " + shell_quote(json_file.string()) + " --timeout-ms " +
                    std::to_string(options.timeout_ms);
  if (!options.screenshot.empty()) cmd += " --screenshot " + shell_quote(options.screenshot.string());
  if (options.play) cmd += " --play";
  if (options.play_to_end) cmd += " --play-to-end";
  const CommandResult run = run_command(cmd);
  if (run.exit_code != 0) {
    ADD_FAILURE() << "could not drive Chromium (node and scripts/setup's nodejs needed): " << cmd << "\n"
                  << run.output;
    return nullptr;
  }
  try {
    return read_json(json_file);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "page_probe wrote no valid JSON to " << json_file << ": " << e.what() << "\n"
                  << run.output;
    return nullptr;
  }
}

}  // namespace shortpack::test

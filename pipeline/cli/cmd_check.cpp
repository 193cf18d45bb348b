// `shortpack check FILE --platform NAME [--presets DIR]...`: checks a finished file against a
// platform preset. Prints one line per rule, "PASS|FAIL  rule  found  (limit)"; exit code 1 when
// any rule fails, 0 when all pass. An unreadable file is Error(kMedia) (exit 3); an unknown
// platform or a bad preset is Error(kInput) (exit 2).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pipeline/cli/commands.h"
#include "pipeline/render/check.h"
#include "pipeline/spec/preset.h"

namespace shortpack::cli {

namespace {

struct CheckOptions {
  std::string file;
  std::string platform;
  std::vector<std::string> folders;
};

}  // namespace

void add_check(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CheckOptions>();
  auto* cmd = app.add_subcommand("check", "Check a finished video against a platform preset");
  cmd->add_option("file", options->file, "The video file to check")->required();
  cmd->add_option("--platform", options->platform, "Preset name, e.g. tiktok (see `shortpack presets`)")
      ->required();
  cmd->add_option("--presets", options->folders,
                  "Also load the presets in DIR (a preset with the same name replaces a built-in)")
      ->type_name("DIR");
  cmd->callback([options, &exit_code] {
    const PresetCatalog catalog = PresetCatalog::load({options->folders.begin(), options->folders.end()});
    const Preset& preset = catalog.get(options->platform);
    const CheckReport report = check_file(options->file, preset);
    size_t name_width = 0;
    size_t found_width = 0;
    for (const auto& rule : report.rules) {
      name_width = std::max(name_width, rule.name.size());
      found_width = std::max(found_width, rule.found.size());
    }
    for (const auto& rule : report.rules) {
      std::cout << fmt::format("{}  {:<{}}  {:<{}}  ({})\n", rule.passed ? "PASS" : "FAIL", rule.name,
                               name_width, rule.found, found_width, rule.limit);
    }
    const bool passed = report.passed();
    std::cout << (passed ? "conforms to " : "does NOT conform to ") << preset.name << " (" << preset.label
              << ")\n";
    exit_code = passed ? 0 : 1;
  });
}

}  // namespace shortpack::cli

// `shortpack presets [--presets DIR]...`: lists the platform presets.
// `shortpack presets show NAME [--presets DIR]...`: prints one resolved preset as YAML.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pipeline/cli/commands.h"
#include "pipeline/spec/preset.h"

namespace shortpack::cli {

namespace {

struct PresetsOptions {
  std::vector<std::string> folders;
  std::string show_name;
};

PresetCatalog load_catalog(const std::vector<std::string>& folders) {
  return PresetCatalog::load({folders.begin(), folders.end()});
}

}  // namespace

void add_presets(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<PresetsOptions>();
  auto* cmd = app.add_subcommand("presets", "List the platform presets (built-in and --presets folders)");
  const char* folder_help = "Also load the presets in DIR (a preset with the same name replaces a built-in)";
  cmd->add_option("--presets", options->folders, folder_help)->type_name("DIR");

  auto* show = cmd->add_subcommand("show", "Print one preset as resolved YAML");
  show->add_option("name", options->show_name, "Preset name, e.g. tiktok")->required();
  show->add_option("--presets", options->folders, folder_help)->type_name("DIR");
  show->callback([options, &exit_code] {
    const PresetCatalog catalog = load_catalog(options->folders);
    std::cout << preset_to_yaml(catalog.get(options->show_name));
    exit_code = 0;
  });

  cmd->callback([options, show, &exit_code] {
    if (show->parsed()) return;  // `presets show` already printed its preset
    const PresetCatalog catalog = load_catalog(options->folders);
    for (const auto& [name, preset] : catalog.all()) {
      const std::string size = fmt::format("{}x{}", preset.width_px, preset.height_px);
      std::cout << fmt::format("{:<18} {:>9}  {}{}\n", name, size, preset.label,
                               preset.conservative_guess ? "  (conservative guess)" : "");
    }
    exit_code = 0;
  });
}

}  // namespace shortpack::cli

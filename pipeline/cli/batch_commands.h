// The batch subcommands (plan, report, ledger) and what they share with render. They are
// registered by add_render() (see cmd_render.cpp) so that main.cpp needs no change; they could as
// well be listed in commands.h.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/preset.h"

namespace shortpack::cli {

void add_plan(CLI::App& app, int& exit_code);
void add_report(CLI::App& app, int& exit_code);
void add_ledger(CLI::App& app, int& exit_code);

// The built-in presets, a presets/ folder beside the campaign, then each --presets folder.
PresetCatalog load_presets_for(const std::filesystem::path& campaign_file,
                               const std::vector<std::string>& extra);

}  // namespace shortpack::cli

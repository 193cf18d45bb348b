// What the batch subcommands (render, plan, report, ledger) share.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/spec/preset.h"

namespace shortpack::cli {

// The built-in presets, a presets/ folder beside the campaign, then each --presets folder.
PresetCatalog load_presets_for(const std::filesystem::path& campaign_file,
                               const std::vector<std::string>& extra);

}  // namespace shortpack::cli

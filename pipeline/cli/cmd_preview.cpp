// shortpack preview CAMPAIGN --clip ID [--variant ROW] (--platform P --lang L | --sheet) --at SECONDS -o
// FILE.png
//                  [--guides]
#include <iostream>

#include "filters/core/error.h"
#include "pipeline/base/number.h"
#include "pipeline/cli/batch_commands.h"
#include "pipeline/cli/commands.h"
#include "pipeline/media/image_writer.h"
#include "pipeline/render/preview.h"
#include "pipeline/render/render.h"

namespace shortpack::cli {

namespace fs = std::filesystem;

void add_preview(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("preview", "One exact frame of an output as PNG, or a contact sheet of a clip");
  struct Options {
    std::string campaign, clip, variant, platform, lang, out;
    std::string at = "0";
    bool guides = false;
    bool sheet = false;
    int tile_px = 480;
    std::vector<std::string> preset_dirs;
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("campaign", opt->campaign, "Campaign YAML file")->required();
  cmd->add_option("--clip", opt->clip, "Clip id")->required();
  cmd->add_option("--variant", opt->variant,
                  "Row id of the campaign's variants table (default: the clip's first variant)");
  cmd->add_option("--platform", opt->platform, "Platform (preset name)");
  cmd->add_option("--lang", opt->lang, "Language");
  cmd->add_option("--at", opt->at, "Time in seconds on the output timeline (0 to 86400)");
  cmd->add_option("-o,--out", opt->out, "PNG file to write")->required();
  cmd->add_flag("--guides", opt->guides, "Draw the safe zone and the platform's interface areas");
  cmd->add_flag("--sheet", opt->sheet, "Every platform x language of the clip, labelled");
  cmd->add_option("--tile", opt->tile_px, "Contact sheet tile height in pixels")
      ->check(CLI::Range(120, 1920));
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable)");
  cmd->callback([opt, &exit_code] {
    // Checked before anything is read: a bad time writes nothing (exit 2).
    const double at_s = number_in_range(opt->at, 0.0, kMaxStillSeconds, "--at", "a time in seconds");
    const fs::path campaign_file = fs::absolute(opt->campaign);
    const PresetCatalog presets = load_presets_for(campaign_file, opt->preset_dirs);
    const Campaign campaign = load_campaign(campaign_file, presets);
    FramePtr picture;
    if (opt->sheet) {
      picture =
          contact_sheet(campaign, presets, opt->clip, at_s, opt->tile_px / 2 * 2, opt->guides, opt->variant);
    } else {
      if (opt->platform.empty() || opt->lang.empty()) {
        throw Error(ErrorKind::kInput, "preview needs --platform and --lang (or --sheet for all of them)");
      }
      StillInfo info;
      picture =
          render_still(campaign, presets, opt->clip, opt->platform, opt->lang, at_s, &info, opt->variant);
      if (opt->guides) draw_guides(*picture, info.safe);
      std::cout << "frame " << info.frame_index << " at " << info.time_s << " s of " << info.duration_s
                << " s\n";
    }
    write_png(*picture, opt->out);
    std::cout << "wrote " << opt->out << " (" << picture->width << "x" << picture->height << ")\n";
    exit_code = 0;
  });
}

}  // namespace shortpack::cli

// shortpack render CAMPAIGN [--out DIR] [--presets DIR]
#include <spdlog/spdlog.h>

#include <iostream>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/cli/commands.h"
#include "pipeline/report.h"

namespace shortpack::cli {

namespace fs = std::filesystem;

void add_render(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("render", "Render every clip x platform x language of a campaign");
  struct Options {
    std::string campaign;
    std::string out = "out";
    std::vector<std::string> preset_dirs;
    int threads = 0;
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("campaign", opt->campaign, "Campaign YAML file")->required();
  cmd->add_option("--out,-o", opt->out, "Output root; files go to OUT/<campaign name>/")->capture_default_str();
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable)");
  cmd->add_option("--threads", opt->threads, "x264 threads per encoder (0: share the cores)")->check(CLI::Range(0, 64));
  cmd->callback([opt, &exit_code] {
    std::vector<fs::path> folders{PresetCatalog::builtin_folder()};
    const fs::path campaign_file = fs::absolute(opt->campaign);
    if (fs::is_directory(campaign_file.parent_path() / "presets")) folders.push_back(campaign_file.parent_path() / "presets");
    for (const auto& d : opt->preset_dirs) folders.emplace_back(d);
    const PresetCatalog presets = PresetCatalog::load(folders);
    const Campaign campaign = load_campaign(campaign_file, presets);
    const RenderPlan plan = make_plan(campaign, presets, fs::absolute(opt->out));
    RenderOptions options;
    options.encoder_threads = opt->threads;
    const RenderReport report = render_units(campaign, presets, plan, plan.units, options, [](const OutputRecord& r) {
      if (r.status == OutputStatus::kFailed) {
        std::cerr << "failed: " << r.clip << "." << r.platform << "." << r.language << ": " << r.error << "\n";
      } else {
        spdlog::info("{}: {}", to_string(r.status), r.path.string());
      }
    });
    write_report(report, plan.output_dir / "report.json");
    size_t ok = 0;
    for (const auto& r : report.outputs) ok += r.status != OutputStatus::kFailed ? 1 : 0;
    std::cout << ok << " of " << report.outputs.size() << " outputs ok; report: "
              << (plan.output_dir / "report.json").string() << "\n";
    exit_code = report.all_ok() ? 0 : 3;
  });
}

}  // namespace shortpack::cli

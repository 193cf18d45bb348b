// shortpack plan CAMPAIGN [--out DIR] [--presets DIR] [--shard I/N|auto]
// shortpack report DIR
// shortpack ledger CAMPAIGN-OR-DIR [--out DIR] [--presets DIR] [--json] [--verify]
#include <iostream>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/batch/coverage.h"
#include "pipeline/batch/report_merge.h"
#include "pipeline/batch/shard.h"
#include "pipeline/cli/batch_commands.h"
#include "pipeline/cli/commands.h"
#include "pipeline/publish/posts.h"
#include "pipeline/render/plan.h"
#include "pipeline/report/report.h"
#include "pipeline/report/report_html.h"
#include "pipeline/spec/campaign.h"

namespace shortpack::cli {

namespace fs = std::filesystem;

void add_plan(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("plan", "Print the render units of a campaign as JSON lines, with fingerprints");
  struct Options {
    std::string campaign;
    std::string out = "out";
    std::vector<std::string> preset_dirs;
    std::string shard;
    bool proxy = false;
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("campaign", opt->campaign, "Campaign YAML file")->required();
  cmd->add_option("--out,-o", opt->out, "Output root (as for render)")->capture_default_str();
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable)");
  cmd->add_option("--shard", opt->shard,
                  "Only the units of shard I/N (or auto), as render --shard would take");
  cmd->add_flag("--proxy", opt->proxy, "The plan of review proxies (as render --proxy would take)");
  cmd->callback([opt, &exit_code] {
    const ShardSpec shard =
        opt->shard.empty() ? ShardSpec{} : parse_shard_spec(opt->shard, process_environment());
    const fs::path campaign_file = fs::absolute(opt->campaign);
    const PresetCatalog presets = load_presets_for(campaign_file, opt->preset_dirs);
    const Campaign campaign = load_campaign(campaign_file, presets);
    RenderPlan plan = make_plan(campaign, presets, fs::absolute(opt->out), opt->proxy);
    plan.units = select_shard(plan.units, shard);
    std::cout << plan_to_json_lines(plan);
    exit_code = 0;
  });
}

void add_report(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("report", "Merge the report parts of a sharded run into report.json");
  struct Options {
    std::string dir;
    std::string campaign;
    std::vector<std::string> preset_dirs;
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("dir", opt->dir, "The campaign's output folder (OUT/<campaign name>)")->required();
  cmd->add_option("--campaign", opt->campaign,
                  "The campaign file: also write publish/posts.csv and posts.json (clips with a post:)");
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable), with --campaign");
  cmd->callback([opt, &exit_code] {
    const fs::path folder = fs::absolute(opt->dir);
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error(ErrorKind::kInput, folder.string() + " is not a folder");
    MergedReport merged = merge_report_parts(folder);
    const Coverage coverage = coverage_of(folder, nullptr, false);
    merged.run.host = "";
    nlohmann::ordered_json extra;
    extra["parts"] = nlohmann::ordered_json::array();
    for (const auto& p : merged.parts) extra["parts"].push_back(p.filename().string());
    extra["problems"] = merged.problems;
    extra["coverage"] = coverage_json(coverage);
    merged.run.extra = std::move(extra);
    const fs::path file = folder / "report.json";
    write_report(merged.report, file, &merged.run);
    if (!opt->campaign.empty()) {  // the shards wrote covers and caption files; the table is the whole run's
      const fs::path campaign_file = fs::absolute(opt->campaign);
      const PresetCatalog presets = load_presets_for(campaign_file, opt->preset_dirs);
      write_posts(merged.report, load_campaign(campaign_file, presets), presets, folder);
    }
    write_report_html(merged.report, folder / "report.html");
    size_t ok = 0;
    for (const auto& o : merged.report.outputs) ok += o.status != OutputStatus::kFailed ? 1 : 0;
    for (const auto& p : merged.problems) std::cerr << "warning: " << p << "\n";
    std::cout << ok << " of " << merged.report.outputs.size() << " outputs ok from " << merged.parts.size()
              << " part(s); report: " << file.string() << "\n";
    exit_code = merged.all_ok() ? 0 : 3;
  });
}

void add_ledger(CLI::App& app, int& exit_code) {
  auto* cmd =
      app.add_subcommand("ledger", "Coverage: outputs per platform and language, missing, failed, minutes");
  struct Options {
    std::string target;
    std::string out = "out";
    std::vector<std::string> preset_dirs;
    bool json = false;
    bool verify = false;
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("target", opt->target, "Campaign YAML file, or a campaign's output folder")->required();
  cmd->add_option("--out,-o", opt->out, "Output root, with a campaign file (as for render)")
      ->capture_default_str();
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable)");
  cmd->add_flag("--json", opt->json, "Print the coverage as JSON");
  cmd->add_flag("--verify", opt->verify, "Check each file's sha256 against the ledger (reads every file)");
  cmd->callback([opt, &exit_code] {
    const fs::path target = fs::absolute(opt->target);
    std::error_code ec;
    Coverage coverage;
    if (fs::is_directory(target, ec)) {
      coverage = coverage_of(target, nullptr, opt->verify);
    } else {
      const PresetCatalog presets = load_presets_for(target, opt->preset_dirs);
      const Campaign campaign = load_campaign(target, presets);
      const RenderPlan plan = make_plan(campaign, presets, fs::absolute(opt->out));
      coverage = coverage_of(plan.output_dir, &plan, opt->verify);
      coverage.campaign = campaign.name;
    }
    if (opt->json) {
      std::cout << coverage_json(coverage).dump(2) << "\n";
    } else {
      std::cout << coverage_text(coverage);
    }
    exit_code = coverage.complete() ? 0 : 3;
  });
}

}  // namespace shortpack::cli

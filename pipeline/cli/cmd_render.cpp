// shortpack render CAMPAIGN [--out DIR] [--presets DIR] [--shard I/N|auto] [--force] [--proxy]
//                  [--progress auto|bar|json|none] [--threads N]
#include <signal.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <iostream>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/batch/batch_render.h"
#include "pipeline/cli/batch_commands.h"
#include "pipeline/cli/commands.h"
#include "pipeline/cli/limit_option.h"
#include "pipeline/render/output_safety.h"
#include "pipeline/report/report.h"

namespace shortpack::cli {

namespace fs = std::filesystem;

namespace {

// Set by SIGINT/SIGTERM. A lock-free atomic store is async-signal-safe.
std::atomic<bool> g_cancel{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_stop_signal(int sig) {
  if (g_cancel.exchange(true)) {
    // A second signal: the user insists; stop at once (temporary files are cleaned by the next run).
    ::signal(sig, SIG_DFL);
    ::raise(sig);
  }
}

// Installs the handlers for the lifetime of the object and restores the previous ones after.
class StopSignals {
 public:
  StopSignals() {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // file and socket calls restart instead of failing with EINTR
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

}  // namespace

PresetCatalog load_presets_for(const fs::path& campaign_file, const std::vector<std::string>& extra) {
  std::vector<fs::path> folders{PresetCatalog::builtin_folder()};
  const fs::path beside = fs::absolute(campaign_file).parent_path() / "presets";
  std::error_code ec;
  if (fs::is_directory(beside, ec)) folders.push_back(beside);
  for (const auto& d : extra) folders.emplace_back(d);
  return PresetCatalog::load(folders);
}

namespace {

struct RenderOptions {
  std::string campaign;
  std::string out = "out";
  std::vector<std::string> preset_dirs;
  int threads = 0;
  std::string shard;
  bool force = false;
  bool no_span_reuse = false;
  bool proxy = false;
  std::string progress = "auto";
  std::vector<std::string> limits;  // --limit NAME=VALUE
};

// What the user reads at the end: the JSON summary event, then a line on stderr or stdout.
void print_summary(const BatchResult& result, const ShardSpec& shard, Progress& progress, int exit_code) {
  nlohmann::ordered_json summary;
  summary["outputs"] = result.report.outputs.size();
  summary["rendered"] = result.rendered;
  summary["skipped"] = result.skipped;
  summary["failed"] = result.failed;
  summary["report"] = result.report_file.string();
  summary["exit_code"] = exit_code;
  if (!result.io_error.empty()) summary["error"] = result.io_error;
  progress.done(summary);
  if (!result.io_error.empty()) {
    std::cerr << "shortpack: " << result.io_error << "\n";
  } else if (result.cancelled) {
    std::cerr << "shortpack: interrupted; " << result.failed
              << " output(s) not rendered; report: " << result.report_file.string() << "\n";
  }
  if (progress.mode() != ProgressMode::kJson && result.io_error.empty()) {
    std::cout << (result.rendered + result.skipped) << " of " << result.report.outputs.size()
              << " outputs ok (" << result.rendered << " rendered, " << result.skipped << " up to date, "
              << result.failed << " failed)" << (shard.whole() ? "" : " in shard " + shard.text())
              << "; report: " << result.report_file.string() << "\n";
  }
}

int run_render(const RenderOptions& opt) {
  // The shard first: a bad spec is a usage error, whatever the campaign says.
  const ShardSpec shard =
      opt.shard.empty() ? ShardSpec{} : parse_shard_spec(opt.shard, process_environment());
  const fs::path campaign_file = fs::absolute(opt.campaign);
  const PresetCatalog presets = load_presets_for(campaign_file, opt.preset_dirs);
  const Limits limits = parse_limits(opt.limits);
  const Campaign campaign = load_campaign(campaign_file, presets, campaign_limits(limits));
  const RenderPlan plan = make_plan(campaign, presets, fs::absolute(opt.out), opt.proxy);
  check_output_tree(plan);  // before anything is written, also the batch state folder

  Progress progress(parse_progress_mode(opt.progress));
  BatchOptions options;
  options.shard = shard;
  options.force = opt.force;
  options.render.encoder_threads = opt.threads;
  options.render.span_reuse = !opt.no_span_reuse;
  options.render.limits = limits;
  options.render.max_frames_in_flight = static_cast<int>(limits.frames_in_flight);
  options.progress = &progress;
  g_cancel.store(false);
  options.cancel = &g_cancel;
  BatchResult result;
  {
    const StopSignals signals;
    result = render_batch(campaign, presets, plan, options);
  }
  const int exit_code = result.exit_code();
  print_summary(result, shard, progress, exit_code);
  return exit_code;
}

}  // namespace

void add_render(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("render", "Render every clip x platform x language of a campaign");
  auto opt = std::make_shared<RenderOptions>();
  cmd->add_option("campaign", opt->campaign, "Campaign YAML file")->required();
  cmd->add_option("--out,-o", opt->out, "Output root; files go to OUT/<campaign name>/")
      ->capture_default_str();
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable)");
  cmd->add_option("--threads", opt->threads, "x264 threads per encoder (0: share the cores)")
      ->check(CLI::Range(0, 64));
  cmd->add_option(
      "--shard", opt->shard,
      "Render only shard I of N (0-based, I/N), or 'auto' from SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT "
      "or JOB_COMPLETION_INDEX/SHORTPACK_SHARD_COUNT");
  cmd->add_flag("--force", opt->force, "Render every output, even those that are up to date");
  cmd->add_flag("--no-span-reuse", opt->no_span_reuse,
                "Encode every output whole, even where outputs share stretches of pictures (for comparison)");
  cmd->add_flag(
      "--proxy", opt->proxy,
      "Fast review proxies instead: 360 px wide, x264 ultrafast, <clip>.<platform>.<lang>.proxy.mp4 in "
      "OUT/<campaign>/proxy/ with their own report; final outputs are left alone");
  cmd->add_option("--progress", opt->progress,
                  "auto (a bar when stderr is a terminal) | bar | json (one event per line on stdout) | none")
      ->check(CLI::IsMember({"auto", "bar", "json", "none"}))
      ->capture_default_str();
  add_limit_option(cmd, opt->limits);
  cmd->callback([opt, &exit_code] { exit_code = run_render(*opt); });
}

}  // namespace shortpack::cli

// shortpack studio CAMPAIGN [--port N] [--host ADDR] [--presets DIR] [--out DIR]: preview a campaign in a
// browser.
#include <iostream>

#include "pipeline/cli/commands.h"
#include "pipeline/studio/server.h"

namespace shortpack::cli {

void add_studio(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("studio", "Preview a campaign's outputs in a browser (local web server)");
  struct Options {
    std::string campaign;
    std::string host = "127.0.0.1";
    int port = 8719;
    std::vector<std::string> preset_dirs;
    std::string out = "out";
  };
  auto opt = std::make_shared<Options>();
  cmd->add_option("campaign", opt->campaign, "Campaign YAML file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--port", opt->port, "TCP port (0: any free port)")->check(CLI::Range(0, 65535));
  cmd->add_option("--host", opt->host, "Address to bind (127.0.0.1: this machine only)");
  cmd->add_option("--presets", opt->preset_dirs, "Extra preset folder (repeatable)");
  cmd->add_option("--out,-o", opt->out, "Output root of `render --proxy --out` (the review proxies played)");
  cmd->callback([opt, &exit_code] {
    studio::StudioOptions options;
    options.campaign_file = opt->campaign;
    options.host = opt->host;
    options.port = opt->port;
    options.out_root = opt->out;
    for (const auto& d : opt->preset_dirs) options.preset_dirs.emplace_back(d);
    options.on_ready = [](const std::string& url) { std::cout << "studio: open " << url << std::endl; };
    studio::StudioServer server(std::move(options));
    server.run();
    exit_code = 0;
  });
}

}  // namespace shortpack::cli

// shortpack: packages short videos for social networks. See README.md.
#include <clocale>
#include <iostream>

#include "filters/core/error.h"
#include "pipeline/base/log.h"
#include "pipeline/base/memory.h"
#include "pipeline/cli/commands.h"

int main(int argc, char** argv) {
  shortpack::tune_memory_allocator();  // before any thread
  std::setlocale(LC_ALL, "C");
  CLI::App app{"shortpack: every clip x platform x language as a finished MP4"};
  app.require_subcommand(1);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace | debug | info | warn | error | off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  int exit_code = 0;
  namespace cli = shortpack::cli;
  for (cli::AddCommand add : {cli::add_render, cli::add_plan, cli::add_report, cli::add_ledger,
                              cli::add_check, cli::add_presets, cli::add_preview, cli::add_studio}) {
    add(app, exit_code);
  }
  app.parse_complete_callback([&] { shortpack::setup_logging(log_level); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  } catch (const shortpack::Error& e) {
    std::cerr << "shortpack: " << e.what() << "\n";
    return shortpack::exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "shortpack: internal error: " << e.what() << "\n";
    return 70;
  }
  return exit_code;
}

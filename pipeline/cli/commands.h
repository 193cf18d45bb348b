// The CLI's subcommands. Each file cmd_<name>.cpp adds one subcommand to the app and returns
// the callback's exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace shortpack::cli {

// Options shared by every subcommand.
struct GlobalOptions {
  std::string log_level = "warn";
};

void add_render(CLI::App& app, int& exit_code);
void add_check(CLI::App& app, int& exit_code);
void add_presets(CLI::App& app, int& exit_code);
void add_preview(CLI::App& app, int& exit_code);
void add_studio(CLI::App& app, int& exit_code);

}  // namespace shortpack::cli

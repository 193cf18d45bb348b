// The CLI's subcommands. Each file cmd_<name>.cpp adds its subcommand(s) to the app; main.cpp
// registers every one of them, in the order `shortpack --help` lists them. A callback returns
// its exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace shortpack::cli {

using AddCommand = void (*)(CLI::App& app, int& exit_code);

void add_render(CLI::App& app, int& exit_code);   // cmd_render.cpp
void add_plan(CLI::App& app, int& exit_code);     // cmd_batch.cpp
void add_report(CLI::App& app, int& exit_code);   // cmd_batch.cpp
void add_ledger(CLI::App& app, int& exit_code);   // cmd_batch.cpp
void add_check(CLI::App& app, int& exit_code);    // cmd_check.cpp
void add_presets(CLI::App& app, int& exit_code);  // cmd_presets.cpp
void add_preview(CLI::App& app, int& exit_code);  // cmd_preview.cpp
void add_studio(CLI::App& app, int& exit_code);   // cmd_studio.cpp

}  // namespace shortpack::cli

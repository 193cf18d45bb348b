// Placeholder until the subcommand lands; replaced by its implementation.
#include "filters/core/error.h"
#include "pipeline/cli/commands.h"

namespace shortpack::cli {

void add_check(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("check", "(not built yet)");
  cmd->callback([&exit_code] { exit_code = 70; throw Error(ErrorKind::kInternal, "'check' is not built yet"); });
}

}  // namespace shortpack::cli

// The `--limit NAME=VALUE` option (repeatable) shared by the commands that read a campaign.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "pipeline/render/limits.h"

namespace shortpack::cli {

// Adds --limit to `cmd`; the raw assignments land in `assignments`. The help text lists every
// limit with its default.
void add_limit_option(CLI::App* cmd, std::vector<std::string>& assignments);

// The defaults with `assignments` applied in order. Throws Error(kInput) for a bad one.
Limits parse_limits(const std::vector<std::string>& assignments);

}  // namespace shortpack::cli

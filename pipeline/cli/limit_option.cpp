#include "pipeline/cli/limit_option.h"

namespace shortpack::cli {

void add_limit_option(CLI::App* cmd, std::vector<std::string>& assignments) {
  std::string help =
      "Change a resource limit (repeatable). Byte values take K/M/G/T, seconds s/m/h. Limits and defaults:";
  for (const LimitInfo& l : describe_limits(Limits{}))
    help += "\n  " + l.name + "=" + l.value + "  " + l.description;
  cmd->add_option("--limit", assignments, help)->type_name("NAME=VALUE");
}

Limits parse_limits(const std::vector<std::string>& assignments) {
  Limits limits;
  for (const std::string& a : assignments) set_limit(limits, a);
  return limits;
}

}  // namespace shortpack::cli

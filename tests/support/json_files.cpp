#include "support/json_files.h"

#include <sstream>

#include "support/test_support.h"

namespace shortpack::test {

nlohmann::json read_json(const std::filesystem::path& file) { return nlohmann::json::parse(read_text(file)); }

const nlohmann::json* find_output(const nlohmann::json& report, const std::string& clip,
                                  const std::string& platform, const std::string& language) {
  for (const auto& o : report.at("outputs")) {
    if (o.at("clip") == clip && o.at("platform") == platform && o.at("language") == language) return &o;
  }
  return nullptr;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

}  // namespace shortpack::test

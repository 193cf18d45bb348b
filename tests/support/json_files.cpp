#include "support/json_files.h"

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

}  // namespace shortpack::test

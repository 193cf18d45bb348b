// JSON the tests read back: a render's report.json, a page probe's output.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace shortpack::test {

// The file parsed as JSON (throws nlohmann::json::parse_error when it is not JSON).
nlohmann::json read_json(const std::filesystem::path& file);

// A report's row for one output (clip x platform x language), null when it has none.
const nlohmann::json* find_output(const nlohmann::json& report, const std::string& clip,
                                  const std::string& platform, const std::string& language);

// The JSON objects of a JSON-lines text (`shortpack plan`'s output): each line starting with '{'.
std::vector<nlohmann::json> json_lines(const std::string& text);

}  // namespace shortpack::test

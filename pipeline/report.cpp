#include "pipeline/report.h"

#include <fstream>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/media/atomic_file.h"

namespace shortpack {
namespace fs = std::filesystem;

nlohmann::ordered_json report_to_json(const RenderReport& report) {
  nlohmann::ordered_json j;
  j["campaign"] = report.campaign;
  j["output_dir"] = report.output_dir.string();
  j["shortpack_version"] = SHORTPACK_VERSION;
  auto& outputs = j["outputs"] = nlohmann::ordered_json::array();
  for (const OutputRecord& o : report.outputs) {
    nlohmann::ordered_json e;
    e["clip"] = o.clip;
    e["platform"] = o.platform;
    e["language"] = o.language;
    std::error_code ec;
    const fs::path rel = fs::relative(o.path, report.output_dir, ec);
    e["path"] = ec ? o.path.string() : rel.string();
    e["width"] = o.width_px;
    e["height"] = o.height_px;
    e["duration"] = o.duration_s;
    e["bytes"] = o.bytes;
    e["sha256"] = o.sha256;
    e["status"] = to_string(o.status);
    e["error"] = o.error;
    e["fingerprint"] = o.fingerprint;
    e["render_s"] = o.render_s;
    auto& checks = e["checks"] = nlohmann::ordered_json::array();
    for (const CheckRule& c : o.checks) {
      checks.push_back({{"rule", c.name}, {"passed", c.passed}, {"found", c.found}, {"limit", c.limit}});
    }
    outputs.push_back(std::move(e));
  }
  return j;
}

void write_report(const RenderReport& report, const fs::path& file) {
  write_file_atomically(file, report_to_json(report).dump(2) + "\n");
}

}  // namespace shortpack

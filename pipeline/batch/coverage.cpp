#include "pipeline/batch/coverage.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/hash.h"

namespace shortpack {
namespace fs = std::filesystem;

const char* to_string(CoverageState state) {
  switch (state) {
    case CoverageState::kOk:
      return "ok";
    case CoverageState::kFailed:
      return "failed";
    case CoverageState::kMissing:
      return "missing";
    case CoverageState::kStale:
      return "out-of-date";
    case CoverageState::kInvalid:
      break;
  }
  return "invalid";
}

namespace {

std::string key_label(const OutputKey& k) {
  return std::get<0>(k) + "." + std::get<1>(k) + "." + std::get<2>(k);
}

// Empty when the file is the one the row describes; otherwise why not.
std::string file_problem(const fs::path& output_dir, const LedgerRow& row, bool verify) {
  const fs::path file = output_dir / row.path;
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) return "no file at " + row.path;
  if (static_cast<int64_t>(size) != row.bytes) return row.path + " changed since it was rendered (size)";
  if (verify) {
    try {
      if (sha256_file(file) != row.sha256) return row.path + " changed since it was rendered (sha256)";
    } catch (const Error& e) {
      return e.what();
    }
  }
  return {};
}

std::string fixed(double v, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, v);
  return text;
}

}  // namespace

namespace {

// One output counted into a cell (a platform x language, or a variant).
void count(CoverageCell& cell, const CoverageItem& item, const LedgerRow* ok) {
  if (ok != nullptr && ok->rendered_at > cell.last_rendered_at) cell.last_rendered_at = ok->rendered_at;
  switch (item.state) {
    case CoverageState::kOk:
      ++cell.ok;
      cell.minutes += ok->duration_s / 60.0;
      break;
    case CoverageState::kFailed:
      ++cell.failed;
      break;
    case CoverageState::kMissing:
      ++cell.missing;
      break;
    case CoverageState::kStale:
      ++cell.stale;
      break;
    case CoverageState::kInvalid:
      break;
  }
}

}  // namespace

Coverage coverage_of(const fs::path& output_dir, const RenderPlan* plan, bool verify) {
  Coverage cov;
  const std::vector<LedgerRow> rows = read_ledger_rows(output_dir);
  const LedgerIndex index = LedgerIndex::build(rows);
  for (const auto& f : ledger_files(output_dir)) cov.ledger_files.push_back(f.filename().string());
  cov.renders = rows.size();
  std::set<std::string> hosts;
  for (const LedgerRow& r : rows) {
    hosts.insert(r.host);
    if (cov.campaign.empty()) cov.campaign = r.campaign;
    if (r.status == "ok") cov.minutes_rendered += r.duration_s / 60.0;
    if (cov.first_render_at.empty() || r.rendered_at < cov.first_render_at)
      cov.first_render_at = r.rendered_at;
    if (r.rendered_at > cov.last_render_at) cov.last_render_at = r.rendered_at;
  }
  cov.hosts.assign(hosts.begin(), hosts.end());

  struct Expected {
    OutputKey key;
    const std::string* fingerprint = nullptr;
  };
  std::vector<Expected> expected;
  if (plan != nullptr) {
    cov.against_plan = true;
    for (const RenderUnit& u : plan->units)
      expected.push_back({{clip_key(u.clip_id, u.variant), u.platform, u.language}, &u.fingerprint});
  } else {
    for (const auto& [key, row] : index.latest) expected.push_back({key, nullptr});
  }

  for (const Expected& e : expected) {
    CoverageItem item;
    item.key = e.key;
    auto& cell = cov.cells[{std::get<1>(e.key), std::get<2>(e.key)}];
    // A variant's outputs are keyed "<clip>.<variant>" (ids have no '.').
    const std::string& clip = std::get<0>(e.key);
    CoverageCell* variant_cell =
        clip.find('.') == std::string::npos ? nullptr : &cov.by_variant[clip.substr(clip.find('.') + 1)];
    const auto ok = index.latest_ok.find(e.key);
    const auto latest = index.latest.find(e.key);
    std::string problem;
    if (ok != index.latest_ok.end()) problem = file_problem(output_dir, ok->second, verify);
    if (ok == index.latest_ok.end() || !problem.empty()) {
      if (latest != index.latest.end() && latest->second.status == "failed" &&
          (e.fingerprint == nullptr || latest->second.fingerprint == *e.fingerprint)) {
        item.state = CoverageState::kFailed;
        item.detail = latest->second.error + " (" + latest->second.rendered_at + ")";
      } else {
        item.state = CoverageState::kMissing;
        item.detail = ok == index.latest_ok.end() ? "never rendered" : problem;
      }
    } else if (e.fingerprint != nullptr && ok->second.fingerprint != *e.fingerprint) {
      const bool failed_since =
          latest->second.status == "failed" && latest->second.fingerprint == *e.fingerprint;
      item.state = failed_since ? CoverageState::kFailed : CoverageState::kStale;
      item.detail = failed_since ? latest->second.error + " (" + latest->second.rendered_at + ")"
                                 : "its inputs changed since " + ok->second.rendered_at;
    } else {
      item.state = CoverageState::kOk;
      cov.minutes_ok += ok->second.duration_s / 60.0;
    }
    cov.ok += item.state == CoverageState::kOk ? 1 : 0;
    count(cell, item, ok == index.latest_ok.end() ? nullptr : &ok->second);
    if (variant_cell != nullptr)
      count(*variant_cell, item, ok == index.latest_ok.end() ? nullptr : &ok->second);
    ++cov.outputs;
    cov.items.push_back(std::move(item));
  }
  return cov;
}

std::string coverage_text(const Coverage& c) {
  std::string out;
  out += "campaign " + (c.campaign.empty() ? std::string("(no renders recorded)") : c.campaign) + ": " +
         std::to_string(c.ok) + " of " + std::to_string(c.outputs) + " outputs ok" +
         (c.against_plan ? "" : " (of those the ledgers know)") + "; " + fixed(c.minutes_ok, 1) +
         " minutes of video\n";
  out += "ledgers: " + std::to_string(c.ledger_files.size()) + " file(s), " + std::to_string(c.renders) +
         " render(s), " + fixed(c.minutes_rendered, 1) + " minutes rendered in all";
  if (!c.first_render_at.empty()) out += ", " + c.first_render_at + " to " + c.last_render_at;
  if (!c.hosts.empty()) {
    out += "; hosts:";
    for (const auto& h : c.hosts) out += " " + h;
  }
  out += "\n\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-20s %-10s %5s %7s %8s %12s %8s  %s\n", "platform", "language", "ok",
                "failed", "missing", "out-of-date", "minutes", "last rendered");
  out += line;
  for (const auto& [pl, cell] : c.cells) {
    std::snprintf(line, sizeof line, "%-20s %-10s %5zu %7zu %8zu %12zu %8s  %s\n", pl.first.c_str(),
                  pl.second.c_str(), cell.ok, cell.failed, cell.missing, cell.stale,
                  fixed(cell.minutes, 2).c_str(),
                  cell.last_rendered_at.empty() ? "-" : cell.last_rendered_at.c_str());
    out += line;
  }
  if (!c.by_variant.empty()) {
    std::snprintf(line, sizeof line, "\n%-31s %5s %7s %8s %12s %8s  %s\n", "variant", "ok", "failed",
                  "missing", "out-of-date", "minutes", "last rendered");
    out += line;
  }
  for (const auto& [variant, cell] : c.by_variant) {
    std::snprintf(line, sizeof line, "%-31s %5zu %7zu %8zu %12zu %8s  %s\n", variant.c_str(), cell.ok,
                  cell.failed, cell.missing, cell.stale, fixed(cell.minutes, 2).c_str(),
                  cell.last_rendered_at.empty() ? "-" : cell.last_rendered_at.c_str());
    out += line;
  }
  for (CoverageState state : {CoverageState::kFailed, CoverageState::kMissing, CoverageState::kStale}) {
    std::string list;
    for (const CoverageItem& item : c.items) {
      if (item.state == state) list += "  " + key_label(item.key) + ": " + item.detail + "\n";
    }
    if (!list.empty()) out += std::string("\n") + to_string(state) + ":\n" + list;
  }
  return out;
}

nlohmann::ordered_json coverage_json(const Coverage& c) {
  nlohmann::ordered_json j;
  j["campaign"] = c.campaign;
  j["against_plan"] = c.against_plan;
  j["outputs"] = c.outputs;
  j["ok"] = c.ok;
  j["complete"] = c.complete();
  j["minutes_ok"] = c.minutes_ok;
  j["minutes_rendered"] = c.minutes_rendered;
  j["renders"] = c.renders;
  j["ledger_files"] = c.ledger_files;
  j["hosts"] = c.hosts;
  j["first_render_at"] = c.first_render_at;
  j["last_render_at"] = c.last_render_at;
  auto& cells = j["by_platform_language"] = nlohmann::ordered_json::array();
  // A cell's counts after the keys that name it.
  const auto counts = [](nlohmann::ordered_json named, const auto& cell) {
    named["ok"] = cell.ok;
    named["failed"] = cell.failed;
    named["missing"] = cell.missing;
    named["out_of_date"] = cell.stale;
    named["minutes"] = cell.minutes;
    named["last_rendered_at"] = cell.last_rendered_at;
    return named;
  };
  for (const auto& [pl, cell] : c.cells) {
    cells.push_back(counts({{"platform", pl.first}, {"language", pl.second}}, cell));
  }
  if (!c.by_variant.empty()) {
    auto& variants = j["by_variant"] = nlohmann::ordered_json::array();
    for (const auto& [variant, cell] : c.by_variant) variants.push_back(counts({{"variant", variant}}, cell));
  }
  auto& items = j["not_ok"] = nlohmann::ordered_json::array();
  for (const CoverageItem& item : c.items) {
    if (item.state == CoverageState::kOk) continue;
    items.push_back({{"clip", std::get<0>(item.key)},
                     {"platform", std::get<1>(item.key)},
                     {"language", std::get<2>(item.key)},
                     {"state", to_string(item.state)},
                     {"detail", item.detail}});
  }
  return j;
}

}  // namespace shortpack

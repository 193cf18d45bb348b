#include "pipeline/batch/ledger.h"

#include <spdlog/spdlog.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <algorithm>
#include <chrono>
#include <ctime>

#include "filters/core/error.h"
#include "pipeline/batch/workspace.h"

namespace shortpack {
namespace fs = std::filesystem;
namespace {

constexpr int kBusyTimeoutMs = 30000;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS renders (
  id INTEGER PRIMARY KEY,
  campaign TEXT NOT NULL,
  clip TEXT NOT NULL,
  platform TEXT NOT NULL,
  language TEXT NOT NULL,
  path TEXT NOT NULL,
  status TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  fingerprint TEXT NOT NULL,
  sha256 TEXT NOT NULL DEFAULT '',
  width_px INTEGER NOT NULL DEFAULT 0,
  height_px INTEGER NOT NULL DEFAULT 0,
  duration_s REAL NOT NULL DEFAULT 0,
  bytes INTEGER NOT NULL DEFAULT 0,
  conformance TEXT NOT NULL DEFAULT 'unknown',
  checks TEXT NOT NULL DEFAULT '[]',
  render_s REAL NOT NULL DEFAULT 0,
  host TEXT NOT NULL,
  shard TEXT NOT NULL,
  pid INTEGER NOT NULL,
  rendered_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS renders_output ON renders (clip, platform, language, rendered_at);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '1');
)sql";

// The columns, in the order row_from reads them. `checks` came later: a ledger file written before
// it is read with "[]" there (and given the column when this version writes to it).
std::string columns(bool with_checks) {
  return std::string(
             "campaign, clip, platform, language, path, status, error, fingerprint, sha256, width_px, "
             "height_px, duration_s, bytes, conformance, ") +
         (with_checks ? "checks" : "'[]'") + ", render_s, host, shard, pid, rendered_at";
}

bool has_column(SQLite::Database& db, const char* table, const char* column) {
  SQLite::Statement q(db,
                      std::string("SELECT COUNT(*) FROM pragma_table_info('") + table + "') WHERE name = ?");
  q.bind(1, column);
  return q.executeStep() && q.getColumn(0).getInt() > 0;
}

LedgerRow row_from(SQLite::Statement& q, const fs::path& file) {
  LedgerRow r;
  int i = 0;
  r.campaign = q.getColumn(i++).getString();
  r.clip = q.getColumn(i++).getString();
  r.platform = q.getColumn(i++).getString();
  r.language = q.getColumn(i++).getString();
  r.path = q.getColumn(i++).getString();
  r.status = q.getColumn(i++).getString();
  r.error = q.getColumn(i++).getString();
  r.fingerprint = q.getColumn(i++).getString();
  r.sha256 = q.getColumn(i++).getString();
  r.width_px = q.getColumn(i++).getInt();
  r.height_px = q.getColumn(i++).getInt();
  r.duration_s = q.getColumn(i++).getDouble();
  r.bytes = q.getColumn(i++).getInt64();
  r.conformance = q.getColumn(i++).getString();
  r.checks_json = q.getColumn(i++).getString();
  r.render_s = q.getColumn(i++).getDouble();
  r.host = q.getColumn(i++).getString();
  r.shard = q.getColumn(i++).getString();
  r.pid = q.getColumn(i++).getInt64();
  r.rendered_at = q.getColumn(i++).getString();
  r.ledger_file = file.filename().string();
  return r;
}

bool newer(const LedgerRow& a, const LedgerRow& b) {
  return std::tie(a.rendered_at, a.ledger_file) > std::tie(b.rendered_at, b.ledger_file);
}

template <typename Visit>
void for_each_file(const fs::path& output_dir, const std::string& where, const OutputKey* key, Visit visit) {
  for (const fs::path& file : ledger_files(output_dir)) {
    try {
      SQLite::Database db(file, SQLite::OPEN_READONLY, kBusyTimeoutMs);
      if (!db.tableExists("renders")) continue;
      SQLite::Statement q(db, "SELECT " + columns(has_column(db, "renders", "checks")) + " FROM renders" +
                                  where + " ORDER BY id");
      if (key != nullptr) {
        q.bind(1, std::get<0>(*key));
        q.bind(2, std::get<1>(*key));
        q.bind(3, std::get<2>(*key));
      }
      while (q.executeStep()) visit(row_from(q, file));
    } catch (const SQLite::Exception& e) {
      spdlog::warn("cannot read the ledger {}: {} (skipped)", file.string(), e.what());
    }
  }
}

}  // namespace

std::string utc_timestamp_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[96];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return text;
}

fs::path ledger_file_for(const fs::path& output_dir, const std::string& host, const std::string& shard_tag) {
  return state_dir(output_dir) / ("ledger-" + host + (shard_tag.empty() ? "" : "-" + shard_tag) + ".sqlite");
}

std::vector<fs::path> ledger_files(const fs::path& output_dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(state_dir(output_dir), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.rfind("ledger-", 0) == 0 && it->path().extension() == ".sqlite") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

LedgerWriter::LedgerWriter(const fs::path& file) : file_(file) {
  try {
    db_ = std::make_unique<SQLite::Database>(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                             kBusyTimeoutMs);
    // Rollback journal (not WAL): WAL needs shared memory, which network file systems lack.
    db_->exec("PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;");
    SQLite::Transaction t(*db_);
    db_->exec(kSchema);
    if (!has_column(*db_, "renders", "checks")) {
      db_->exec("ALTER TABLE renders ADD COLUMN checks TEXT NOT NULL DEFAULT '[]'");
    }
    t.commit();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::kIo, "cannot open the ledger " + file.string() + ": " + e.what());
  }
}

LedgerWriter::~LedgerWriter() = default;

void LedgerWriter::append(const LedgerRow& r) {
  try {
    SQLite::Statement q(
        *db_, "INSERT INTO renders (" + columns(true) + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    int i = 1;
    q.bind(i++, r.campaign);
    q.bind(i++, r.clip);
    q.bind(i++, r.platform);
    q.bind(i++, r.language);
    q.bind(i++, r.path);
    q.bind(i++, r.status);
    q.bind(i++, r.error);
    q.bind(i++, r.fingerprint);
    q.bind(i++, r.sha256);
    q.bind(i++, r.width_px);
    q.bind(i++, r.height_px);
    q.bind(i++, r.duration_s);
    q.bind(i++, static_cast<int64_t>(r.bytes));
    q.bind(i++, r.conformance);
    q.bind(i++, r.checks_json);
    q.bind(i++, r.render_s);
    q.bind(i++, r.host);
    q.bind(i++, r.shard);
    q.bind(i++, static_cast<int64_t>(r.pid));
    q.bind(i++, r.rendered_at);
    q.exec();
  } catch (const SQLite::Exception& e) {
    throw Error(ErrorKind::kIo,
                "cannot record " + r.path + " in the ledger " + file_.string() + ": " + e.what());
  }
}

std::vector<LedgerRow> read_ledger_rows(const fs::path& output_dir) {
  std::vector<LedgerRow> rows;
  for_each_file(output_dir, "", nullptr, [&](LedgerRow&& r) { rows.push_back(std::move(r)); });
  std::stable_sort(rows.begin(), rows.end(),
                   [](const LedgerRow& a, const LedgerRow& b) { return newer(b, a); });
  return rows;
}

LedgerIndex LedgerIndex::build(const std::vector<LedgerRow>& rows) {
  LedgerIndex index;
  index.rows = rows.size();
  for (const LedgerRow& r : rows) {
    const OutputKey key{r.clip, r.platform, r.language};
    auto it = index.latest.find(key);
    if (it == index.latest.end() || newer(r, it->second)) index.latest[key] = r;
    if (r.status == "ok") {
      auto ok = index.latest_ok.find(key);
      if (ok == index.latest_ok.end() || newer(r, ok->second)) index.latest_ok[key] = r;
    }
  }
  return index;
}

std::optional<LedgerRow> latest_ok_row(const fs::path& output_dir, const OutputKey& key) {
  std::optional<LedgerRow> best;
  for_each_file(output_dir, " WHERE clip = ? AND platform = ? AND language = ? AND status = 'ok'", &key,
                [&](LedgerRow&& r) {
                  if (!best || newer(r, *best)) best = std::move(r);
                });
  return best;
}

}  // namespace shortpack

// The ledger: an SQLite file per host and shard in `<out>/<campaign>/.shortpack/`, one row per
// render of an output (ok or failed). It is what incremental runs trust (fingerprint, sha256 and
// size of the file put in place) and what `shortpack ledger` counts (coverage, minutes produced).
//
// Files: ledger-<host>.sqlite for whole-plan runs, ledger-<host>-part-I-of-N.sqlite for shards.
// A run writes only its own file and reads all of them, so shards on several machines never share
// a database file (SQLite over NFS is unsafe when written by several hosts) and merging is a read
// of every file. Rows are written after the output was renamed into place: a row never names a
// file that is not complete. A crash between rename and row leaves a complete file without a
// row, which the next run renders again.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace SQLite {
class Database;
}

namespace shortpack {

struct LedgerRow {
  std::string campaign;
  std::string clip;
  std::string platform;
  std::string language;
  std::string path;    // relative to the campaign output folder
  std::string status;  // "ok" | "failed"
  std::string error;
  std::string fingerprint;
  std::string sha256;
  int width_px = 0;
  int height_px = 0;
  double duration_s = 0.0;
  int64_t bytes = 0;
  std::string conformance;  // "pass" | "fail" | "unknown"
  // The platform check's rules as report.json writes them (a JSON array; "[]" when unknown, e.g.
  // rows of ledgers written before this column existed), so that a run that skips the output
  // reports the conformance it was put in place with.
  std::string checks_json = "[]";
  double render_s = 0.0;  // wall time of the clip's render graph
  std::string host;
  std::string shard;  // "all" or "I/N"
  int64_t pid = 0;
  std::string rendered_at;  // UTC, "2024-05-06T07:08:09.123Z" (sorts as text)
  std::string ledger_file;  // which file the row was read from (not stored)
};

using OutputKey = std::tuple<std::string, std::string, std::string>;  // clip, platform, language

// Now, as LedgerRow::rendered_at.
std::string utc_timestamp_now();

// The ledger file this process writes.
std::filesystem::path ledger_file_for(const std::filesystem::path& output_dir, const std::string& host,
                                      const std::string& shard_tag /* "" or "part-I-of-N" */);
// Every ledger file of an output folder, sorted.
std::vector<std::filesystem::path> ledger_files(const std::filesystem::path& output_dir);

// The writer of one ledger file. Creates the file and schema on first use. Several processes may
// write the same file (SQLite's locking, a busy timeout of 30 s). Not thread-safe.
class LedgerWriter {
 public:
  // Throws Error(kIo) when the file cannot be created or opened.
  explicit LedgerWriter(const std::filesystem::path& file);
  ~LedgerWriter();
  LedgerWriter(const LedgerWriter&) = delete;
  LedgerWriter& operator=(const LedgerWriter&) = delete;
  // One row, in its own transaction (durable when this returns). Throws Error(kIo).
  void append(const LedgerRow& row);
  [[nodiscard]] const std::filesystem::path& file() const { return file_; }

 private:
  std::filesystem::path file_;
  std::unique_ptr<SQLite::Database> db_;
};

// Every row of every ledger file of `output_dir`, oldest first (by rendered_at, then file).
// A file that cannot be read is skipped with a warning (a ledger is a record, not a lock).
std::vector<LedgerRow> read_ledger_rows(const std::filesystem::path& output_dir);

// The newest row per output, and the newest ok row per output.
struct LedgerIndex {
  std::map<OutputKey, LedgerRow> latest;
  std::map<OutputKey, LedgerRow> latest_ok;
  size_t rows = 0;
  static LedgerIndex build(const std::vector<LedgerRow>& rows);
  static LedgerIndex read(const std::filesystem::path& output_dir) {
    return build(read_ledger_rows(output_dir));
  }
};

// The newest ok row of one output across every ledger file, read now.
std::optional<LedgerRow> latest_ok_row(const std::filesystem::path& output_dir, const OutputKey& key);

}  // namespace shortpack

// The state a batch run keeps in .shortpack/: ledger files, per-output locks, stale temporary
// files; and the progress events (pipeline/batch/).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "filters/core/error.h"
#include "pipeline/batch/coverage.h"
#include "pipeline/batch/ledger.h"
#include "pipeline/batch/progress.h"
#include "pipeline/batch/report_merge.h"
#include "pipeline/batch/workspace.h"
#include "pipeline/render/render.h"
#include "pipeline/report/report.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;

LedgerRow row(const std::string& clip, const std::string& lang, const std::string& status,
              const std::string& at, const std::string& fingerprint = "f1") {
  LedgerRow r;
  r.campaign = "c";
  r.clip = clip;
  r.platform = "tiktok";
  r.language = lang;
  r.path = clip + "/" + clip + ".tiktok." + lang + ".mp4";
  r.status = status;
  r.fingerprint = fingerprint;
  r.sha256 = "abc";
  r.duration_s = 30.0;
  r.bytes = 3;
  r.conformance = "pass";
  r.host = "h";
  r.shard = "all";
  r.pid = 1;
  r.rendered_at = at;
  return r;
}

// A pid that is certainly dead: a child we started and reaped.
pid_t dead_pid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  int status = 0;
  waitpid(pid, &status, 0);
  return pid;
}

TEST(Ledger, RowsFromEveryFileNewestWins) {
  test::ScratchDir dir("ledger");
  const fs::path out = dir.path();
  fs::create_directories(state_dir(out));
  {
    LedgerWriter a(ledger_file_for(out, "host-a", ""));
    a.append(row("x", "vi", "ok", "2024-05-01T00:00:00.000Z", "old"));
    a.append(row("x", "en", "ok", "2024-05-01T00:00:00.000Z"));
  }
  {
    LedgerWriter b(ledger_file_for(out, "host-b", "part-1-of-2"));
    b.append(row("x", "vi", "ok", "2024-05-08T00:00:00.000Z", "new"));
    b.append(row("x", "en", "failed", "2024-05-09T00:00:00.000Z", "newer"));
  }
  EXPECT_EQ(ledger_files(out).size(), 2u);
  EXPECT_EQ(ledger_file_for(out, "h", "part-1-of-2").filename(), "ledger-h-part-1-of-2.sqlite");
  const auto rows = read_ledger_rows(out);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows.front().rendered_at, "2024-05-01T00:00:00.000Z");  // oldest first
  const LedgerIndex index = LedgerIndex::build(rows);
  EXPECT_EQ(index.latest_ok.at({"x", "tiktok", "vi"}).fingerprint, "new");
  EXPECT_EQ(index.latest.at({"x", "tiktok", "en"}).status, "failed");
  EXPECT_EQ(index.latest_ok.at({"x", "tiktok", "en"}).fingerprint, "f1");
  const auto fresh = latest_ok_row(out, {"x", "tiktok", "vi"});
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->fingerprint, "new");
  EXPECT_EQ(fresh->ledger_file, "ledger-host-b-part-1-of-2.sqlite");
  EXPECT_FALSE(latest_ok_row(out, {"y", "tiktok", "vi"}).has_value());
}

// The check's rules travel with the row (issue 15: a skipped output reports the conformance it
// was put in place with); a ledger written before the column existed is read with none, and
// gets the column when this version writes to it.
TEST(Ledger, ChecksRoundTripAndOldLedgersGainTheColumn) {
  test::ScratchDir dir("ledger-checks");
  const fs::path out = dir.path();
  fs::create_directories(state_dir(out));
  const fs::path old_file = ledger_file_for(out, "old-host", "");
  {
    // The schema as shortpack wrote it before `checks` (schema_version 1).
    SQLite::Database db(old_file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec(
        "CREATE TABLE renders (id INTEGER PRIMARY KEY, campaign TEXT NOT NULL, clip TEXT NOT NULL, "
        "platform TEXT NOT NULL, language TEXT NOT NULL, path TEXT NOT NULL, status TEXT NOT NULL, "
        "error TEXT NOT NULL DEFAULT '', fingerprint TEXT NOT NULL, sha256 TEXT NOT NULL DEFAULT '', "
        "width_px INTEGER NOT NULL DEFAULT 0, height_px INTEGER NOT NULL DEFAULT 0, duration_s REAL NOT NULL "
        "DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, conformance TEXT NOT NULL DEFAULT 'unknown', render_s "
        "REAL NOT NULL DEFAULT 0, host TEXT NOT NULL, shard TEXT NOT NULL, pid INTEGER NOT NULL, rendered_at "
        "TEXT NOT NULL);"
        "INSERT INTO renders (campaign, clip, platform, language, path, status, fingerprint, host, shard, "
        "pid, "
        "rendered_at) VALUES ('c', 'x', 'tiktok', 'vi', 'x/x.tiktok.vi.mp4', 'ok', 'f0', 'old-host', 'all', "
        "1, "
        "'2024-05-01T00:00:00.000Z');");
  }
  auto rows = read_ledger_rows(out);
  ASSERT_EQ(rows.size(), 1u) << "an old ledger must still be read";
  EXPECT_EQ(rows[0].checks_json, "[]");

  std::vector<CheckRule> checks(2);
  checks[0].name = "loudness";
  checks[0].passed = true;
  checks[0].found = "-14.2 LUFS";
  checks[0].limit = "-14 ± 1 LUFS";
  checks[1].name = "video-level";
  checks[1].passed = false;
  checks[1].found = "5.1";
  checks[1].limit = "<= 4.2";
  {
    LedgerWriter w(old_file);  // adds the column
    LedgerRow r = row("x", "en", "ok", "2024-05-02T00:00:00.000Z");
    r.checks_json = checks_to_json(checks).dump();
    w.append(r);
  }
  rows = read_ledger_rows(out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].checks_json, "[]");
  const auto back = checks_from_json(nlohmann::json::parse(rows[1].checks_json));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].name, "loudness");
  EXPECT_TRUE(back[0].passed);
  EXPECT_EQ(back[0].found, "-14.2 LUFS");
  EXPECT_EQ(back[1].name, "video-level");
  EXPECT_FALSE(back[1].passed);
  EXPECT_EQ(back[1].limit, "<= 4.2");
}

TEST(Ledger, CoverageCountsOkFailedMissingAndOutOfDate) {
  test::ScratchDir dir("coverage");
  const fs::path out = dir.path();
  fs::create_directories(state_dir(out));
  LedgerWriter w(ledger_file_for(out, "h", ""));
  w.append(row("x", "vi", "ok", "2024-05-01T00:00:00.000Z"));      // file present: ok
  w.append(row("x", "en", "ok", "2024-05-01T00:00:00.000Z"));      // file gone: missing
  w.append(row("x", "km", "failed", "2024-05-01T00:00:00.000Z"));  // failed
  w.append(row("x", "th", "ok", "2024-05-01T00:00:00.000Z", "stale"));
  test::write_text(out / "x/x.tiktok.vi.mp4", "abc");
  test::write_text(out / "x/x.tiktok.th.mp4", "abc");
  RenderPlan plan;
  plan.output_dir = out;
  for (const std::string lang : {"vi", "en", "km", "th", "lo"}) {
    RenderUnit u;
    u.clip_id = "x";
    u.platform = "tiktok";
    u.language = lang;
    u.fingerprint = "f1";
    plan.units.push_back(u);
  }
  const Coverage c = coverage_of(out, &plan, false);
  EXPECT_EQ(c.outputs, 5u);
  EXPECT_EQ(c.ok, 1u);
  EXPECT_FALSE(c.complete());
  EXPECT_NEAR(c.minutes_ok, 0.5, 1e-9);
  EXPECT_EQ(to_string(c.items[0].state), std::string("ok"));
  EXPECT_EQ(to_string(c.items[1].state), std::string("missing"));
  EXPECT_EQ(to_string(c.items[2].state), std::string("failed"));
  EXPECT_EQ(to_string(c.items[3].state), std::string("out-of-date"));
  EXPECT_EQ(to_string(c.items[4].state), std::string("missing"));
  EXPECT_EQ(c.cells.at({"tiktok", "vi"}).ok, 1u);
  const std::string text = coverage_text(c);
  EXPECT_NE(text.find("1 of 5 outputs ok"), std::string::npos) << text;
  EXPECT_NE(text.find("x.tiktok.km"), std::string::npos) << text;
  // Without a plan: what the ledger knows (4 outputs; "out of date" cannot be told).
  const Coverage known = coverage_of(out, nullptr, false);
  EXPECT_EQ(known.outputs, 4u);
  EXPECT_EQ(known.ok, 2u);
}

TEST(OutputLock, ExcludesOtherHoldersUntilReleased) {
  test::ScratchDir dir("lock");
  const fs::path file = dir / "a.lock";
  OutputLock first = OutputLock::try_acquire(file);
  ASSERT_TRUE(first.held());
  std::string holder;
  OutputLock second = OutputLock::try_acquire(file, &holder);  // another open file description
  EXPECT_FALSE(second.held());
  EXPECT_NE(holder.find("pid " + std::to_string(getpid())), std::string::npos) << holder;
  // A child process cannot take it either.
  const pid_t child = fork();
  if (child == 0) _exit(OutputLock::try_acquire(file).held() ? 1 : 0);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  first.release();
  EXPECT_TRUE(OutputLock::try_acquire(file).held());
  std::atomic<bool> cancel{true};
  OutputLock again = OutputLock::try_acquire(file);
  EXPECT_FALSE(OutputLock::wait_acquire(file, &cancel).held());  // cancelled while waiting
}

TEST(StaleTempFiles, OnlyThoseOfDeadProcessesWhoseOutputIsNotLocked) {
  test::ScratchDir dir("stale");
  const fs::path out = dir.path();
  fs::create_directories(locks_dir(out));
  const pid_t dead = dead_pid();
  const std::string me = std::to_string(getpid());
  const std::string gone = std::to_string(dead);
  test::write_text(out / "a" / (".a.p.vi.mp4." + gone + "-0.part"), "x");  // dead, unlocked: removed
  test::write_text(out / "a" / (".a.p.en.mp4." + me + "-0.part"), "x");    // alive: kept
  test::write_text(out / "a" / (".a.p.km.mp4." + gone + "-1.part"), "x");  // dead but locked: kept
  test::write_text(out / (".report.json." + gone + "-2.part"), "x");       // dead, recent: kept
  test::write_text(out / "a" / "a.p.vi.mp4", "final");                     // not a temp file
  test::write_text(out / "a" / ".hidden", "x");
  OutputLock km = OutputLock::try_acquire(lock_file_for(out, out / "a" / "a.p.km.mp4"));
  ASSERT_TRUE(km.held());
  // The lock must be taken by another process for the check to see it: flock locks of one
  // process on separate opens do conflict, which is what we rely on here.
  EXPECT_EQ(remove_stale_temp_files(out, 600.0), 1);
  EXPECT_FALSE(fs::exists(out / "a" / (".a.p.vi.mp4." + gone + "-0.part")));
  EXPECT_TRUE(fs::exists(out / "a" / (".a.p.en.mp4." + me + "-0.part")));
  EXPECT_TRUE(fs::exists(out / "a" / (".a.p.km.mp4." + gone + "-1.part")));
  EXPECT_TRUE(fs::exists(out / (".report.json." + gone + "-2.part")));
  EXPECT_TRUE(fs::exists(out / "a" / "a.p.vi.mp4"));
  km.release();
  EXPECT_EQ(remove_stale_temp_files(out, 0.0), 2);  // the km part, and the old report part
}

TEST(StaleTempFiles, ParsesThePidOfTemporaryNames) {
  EXPECT_EQ(temp_file_pid(".x.mp4.1234-0.part").value_or(-1), 1234);
  EXPECT_EQ(temp_file_pid(".report.part-0-of-4.json.77-12.part").value_or(-1), 77);
  EXPECT_FALSE(temp_file_pid("x.mp4.1234-0.part").has_value());
  EXPECT_FALSE(temp_file_pid(".x.mp4.part").has_value());
  EXPECT_FALSE(temp_file_pid(".x.mp4.12a-0.part").has_value());
  EXPECT_FALSE(temp_file_pid(".x.mp4.1234-0.partial").has_value());
}

// A shard's report part with the given plan indices, all ok.
void write_part(const fs::path& dir, int index, int count, const std::vector<size_t>& plan_index,
                const std::string& finished_at, const std::string& error = "") {
  RenderReport report;
  report.campaign = "c";
  report.output_dir = dir;
  ReportRun run;
  run.shard = std::to_string(index) + "/" + std::to_string(count);
  run.shard_index = index;
  run.shard_count = count;
  run.plan_units = 6;
  run.finished_at = finished_at;
  for (size_t i : plan_index) {
    OutputRecord r;
    r.clip = "clip" + std::to_string(i);
    r.platform = "tiktok";
    r.language = "vi";
    r.path = dir / r.clip / (r.clip + ".tiktok.vi.mp4");
    r.status = error.empty() ? OutputStatus::kOk : OutputStatus::kFailed;
    r.error = error;
    report.outputs.push_back(r);
    run.plan_index.push_back(i);
  }
  write_report(report,
               dir / ("report.part-" + std::to_string(index) + "-of-" + std::to_string(count) + ".json"),
               &run);
}

TEST(ReportMerge, PartsMergeInPlanOrderAndMissingPartsAreNamed) {
  test::ScratchDir dir("merge");
  const fs::path out = dir.path();
  EXPECT_THROW(merge_report_parts(out), Error);  // no part at all
  write_part(out, 1, 3, {1, 4}, "2024-05-06T10:00:00.000Z");
  write_part(out, 0, 3, {0, 3, 5}, "2024-05-06T10:00:01.000Z");
  // An old run in 2 shards: ignored.
  write_part(out, 0, 2, {0, 1, 2}, "2024-04-01T10:00:00.000Z", "old");
  MergedReport merged = merge_report_parts(out);
  ASSERT_EQ(merged.report.outputs.size(), 5u);
  const std::vector<size_t> order{0, 1, 3, 4, 5};
  EXPECT_EQ(merged.run.plan_index, order);
  EXPECT_EQ(merged.report.outputs[2].clip, "clip3");
  EXPECT_EQ(merged.report.outputs[0].path, out / "clip0/clip0.tiktok.vi.mp4");
  EXPECT_EQ(merged.parts.size(), 2u);
  EXPECT_FALSE(merged.all_ok());
  std::string problems;
  for (const auto& p : merged.problems) problems += p + "\n";
  EXPECT_NE(problems.find("report.part-2-of-3.json is missing"), std::string::npos) << problems;
  EXPECT_NE(problems.find("ignored report.part-0-of-2.json"), std::string::npos) << problems;

  // The last part arrives: complete, and every output ok.
  write_part(out, 2, 3, {2}, "2024-05-06T10:00:02.000Z");
  merged = merge_report_parts(out);
  EXPECT_EQ(merged.report.outputs.size(), 6u);
  EXPECT_EQ(merged.problems.size(), 1u);  // only the ignored old part
  EXPECT_EQ(merged.run.shard_count, 3);
  EXPECT_EQ(merged.run.plan_units, 6u);
}

TEST(ReportMerge, ReadsBackWhatWriteReportWrote) {
  test::ScratchDir dir("report-roundtrip");
  write_part(dir.path(), 0, 1, {0, 1}, "2024-05-06T10:00:00.000Z", "boom");
  ReportRun run;
  const RenderReport back = read_report(dir / "report.part-0-of-1.json", &run);
  ASSERT_EQ(back.outputs.size(), 2u);
  EXPECT_EQ(back.outputs[1].status, OutputStatus::kFailed);
  EXPECT_EQ(back.outputs[1].error, "boom");
  EXPECT_EQ(run.plan_index[1], 1u);
  EXPECT_EQ(run.finished_at, "2024-05-06T10:00:00.000Z");
  test::write_text(dir / "bad.json", "{\"campaign\": 1}");
  EXPECT_THROW(read_report(dir / "bad.json"), Error);
}

TEST(Progress, JsonModePrintsOneEventPerLineWithPercentByCost) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  ASSERT_NE(out, nullptr);
  {
    Progress p(ProgressMode::kJson, out, err);
    p.plan(2, 300.0, 0, "all");
    OutputRecord a;
    a.clip = "x";
    a.platform = "tiktok";
    a.language = "vi";
    a.status = OutputStatus::kOk;
    p.started(a, 100.0);
    p.finished(a, 100.0);
    OutputRecord b = a;
    b.language = "en";
    b.status = OutputStatus::kFailed;
    b.error = "boom";
    p.finished(b, 200.0);
    p.done({{"exit_code", 3}});
  }
  std::rewind(out);
  std::vector<nlohmann::json> events;
  char line[4096];
  while (std::fgets(line, sizeof line, out) != nullptr) events.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0]["event"], "plan");
  EXPECT_EQ(events[0]["units"], 2);
  EXPECT_EQ(events[1]["event"], "started");
  EXPECT_EQ(events[2]["event"], "finished");
  EXPECT_NEAR(events[2]["percent"].get<double>(), 33.3, 0.05);
  EXPECT_EQ(events[3]["event"], "failed");
  EXPECT_EQ(events[3]["error"], "boom");
  EXPECT_EQ(events[4]["event"], "done");
  EXPECT_EQ(events[4]["exit_code"], 3);
  EXPECT_DOUBLE_EQ(events[4]["percent"].get<double>(), 100.0);
  std::fseek(err, 0, SEEK_END);
  EXPECT_EQ(std::ftell(err), 0);  // nothing for people in json mode
  std::fclose(out);
  std::fclose(err);
}

TEST(Progress, AutoIsQuietWhenNotATerminal) {
  std::FILE* out = std::tmpfile();
  std::FILE* err = std::tmpfile();
  {
    Progress p(ProgressMode::kAuto, out, err);
    EXPECT_EQ(p.mode(), ProgressMode::kNone);
    p.plan(1, 1.0, 0, "all");
    p.done({});
  }
  std::fseek(out, 0, SEEK_END);
  std::fseek(err, 0, SEEK_END);
  EXPECT_EQ(std::ftell(out), 0);
  EXPECT_EQ(std::ftell(err), 0);
  std::fclose(out);
  std::fclose(err);
}

}  // namespace
}  // namespace shortpack

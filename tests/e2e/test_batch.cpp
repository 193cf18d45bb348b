// Batch runs (issue 8) through the CLI: incremental re-runs, shards and their merged report,
// crash safety (SIGKILL, SIGTERM), concurrent runs on one folder, the ledger's coverage, and the
// file system refusing (not writable, disk full).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <chrono>
#include <clocale>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "support/json_files.h"
#include "support/media_probe.h"
#include "support/test_support.h"

extern char** environ;  // NOLINT: POSIX

namespace shortpack {
namespace {

namespace fs = std::filesystem;
using test::shell_quote;
using test::write_text;

using Json = nlohmann::json;

std::vector<Json> events_of(const std::string& output) {
  std::vector<Json> events;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] != '{') continue;
    try {
      Json j = Json::parse(line);
      if (j.contains("event")) events.push_back(std::move(j));
    } catch (const Json::exception&) {
    }
  }
  return events;
}

std::multiset<std::string> units_with(const std::vector<Json>& events, const std::string& event) {
  std::multiset<std::string> units;
  for (const Json& e : events) {
    if (e["event"] == event) {
      units.insert(e["clip"].get<std::string>() + "." + e["platform"].get<std::string>() + "." +
                   e["language"].get<std::string>());
    }
  }
  return units;
}

struct LedgerEntry {
  std::string unit;
  std::string status;
  std::string sha256;
  std::string path;
  int64_t pid = 0;
};

// Read straight with SQLite, not through shortpack's ledger code.
std::vector<LedgerEntry> ledger_entries(const fs::path& out_dir) {
  std::vector<LedgerEntry> entries;
  const fs::path state = out_dir / ".shortpack";
  if (!fs::exists(state)) return entries;
  for (const auto& f : fs::directory_iterator(state)) {
    if (f.path().extension() != ".sqlite") continue;
    SQLite::Database db(f.path(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT clip, platform, language, status, sha256, path, pid FROM renders");
    while (q.executeStep()) {
      entries.push_back(
          {q.getColumn(0).getString() + "." + q.getColumn(1).getString() + "." + q.getColumn(2).getString(),
           q.getColumn(3).getString(), q.getColumn(4).getString(), q.getColumn(5).getString(),
           q.getColumn(6).getInt64()});
    }
  }
  return entries;
}

std::vector<fs::path> files_matching(const fs::path& dir, const std::string& suffix) {
  std::vector<fs::path> found;
  if (!fs::exists(dir)) return found;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      found.push_back(e.path());
    }
  }
  return found;
}

// Final outputs: visible .mp4 files in the clip folders.
std::vector<fs::path> final_outputs(const fs::path& out_dir) {
  std::vector<fs::path> outputs;
  for (const fs::path& p : files_matching(out_dir, ".mp4")) {
    if (p.filename().string()[0] != '.') outputs.push_back(p);
  }
  std::sort(outputs.begin(), outputs.end());
  return outputs;
}

// A running shortpack with stdout and stderr in files.
class Process {
 public:
  Process(const std::vector<std::string>& args, const fs::path& log) : log_(log) {
    std::vector<std::string> argv{SHORTPACK_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    const int rc = posix_spawn(&pid_, SHORTPACK_BINARY, &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start shortpack");
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait();
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  void signal(int sig) const { ::kill(pid_, sig); }
  // Exit code, or 128 + signal.
  int wait() {
    int status = 0;
    if (::waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  [[nodiscard]] bool running() const {
    int status = 0;
    return pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == 0;
  }
  [[nodiscard]] std::string output() const { return test::read_text(log_); }

 private:
  pid_t pid_ = -1;
  fs::path log_;
};

// Waits until a temporary output file (an encode in progress) appears; false on timeout.
bool wait_for_part_file(const fs::path& out_dir, const Process& process, double timeout_s) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    if (fs::exists(out_dir, ec)) {
      for (fs::recursive_directory_iterator it(out_dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (name.find(".mp4.") != std::string::npos && name.size() > 5 &&
            name.substr(name.size() - 5) == ".part") {
          return true;
        }
      }
    }
    if (!process.running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// A tmpfs mounted for one test (root only).
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& dir, const std::string& options) : dir_(dir) {
    fs::create_directories(dir);
    mounted_ = ::getuid() == 0 && ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  [[nodiscard]] bool mounted() const { return mounted_; }
  void remount_read_only() const { ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT | MS_RDONLY, nullptr); }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

constexpr int kUnits = 8;  // 2 clips x 2 platforms x 2 languages

class Batch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::setlocale(LC_ALL, "C");
    dir_ = std::make_unique<test::ScratchDir>("batch");
    test::write_test_presets(root() / "presets", 1.0);
    test::make_clip(root() / "media/short.mp4", 1.0, "testsrc2=size=320x240:rate=30");
    test::make_clip(root() / "media/long.mp4", 2.0, "testsrc2=size=640x360:rate=30");
  }
  static void TearDownTestSuite() { dir_.reset(); }
  static fs::path root() { return dir_->path(); }

  // A campaign of its own for each test (own subtitles, own output folder).
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    work_ = root() / name;
    fs::create_directories(work_ / "media");
  }

  fs::path make_campaign(const std::string& media = "short.mp4") {
    fs::copy_file(root() / "media" / media, work_ / "media" / media, fs::copy_options::overwrite_existing);
    for (const std::string clip : {"alpha", "beta"}) {
      write_text(work_ / "subs" / (clip + ".en.srt"),
                 "1\n00:00:00,000 --> 00:00:00,800\nHello " + clip + "\n");
      write_text(work_ / "subs" / (clip + ".vi.srt"),
                 "1\n00:00:00,000 --> 00:00:00,800\nXin chào " + clip + "\n");
    }
    const fs::path campaign = work_ / "campaign.yaml";
    write_text(campaign,
               "name: batch\n"
               "languages: [en, vi]\n"
               "platforms: [small-portrait, small-landscape]\n"
               "clips:\n"
               "  - id: alpha\n"
               "    source: media/" +
                   media +
                   "\n"
                   "    captions: {en: subs/alpha.en.srt, vi: subs/alpha.vi.srt}\n"
                   "  - id: beta\n"
                   "    source: media/" +
                   media +
                   "\n"
                   "    captions: {en: subs/beta.en.srt, vi: subs/beta.vi.srt}\n");
    return campaign;
  }

  fs::path out_root() const { return work_ / "out"; }
  fs::path out_dir() const { return out_root() / "batch"; }

  std::vector<std::string> render_args(const fs::path& campaign,
                                       const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args{"render",    campaign.string(),
                                  "--out",     out_root().string(),
                                  "--presets", (root() / "presets").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  test::CommandResult run(const std::vector<std::string>& args) const {
    std::string line;
    for (const auto& a : args) line += shell_quote(a) + " ";
    return test::run_shortpack(line);
  }
  test::CommandResult render(const fs::path& campaign, const std::vector<std::string>& extra = {}) const {
    auto args = render_args(campaign, extra);
    args.insert(args.end(), {"--progress", "json"});
    return run(args);
  }

  // Every output of the campaign is at its final path, whole, the right length; no temporary
  // file is left; every ok ledger row's file has the recorded sha256.
  void expect_complete_valid_set(double duration_s) const {
    const auto outputs = final_outputs(out_dir());
    EXPECT_EQ(outputs.size(), static_cast<size_t>(kUnits));
    for (const fs::path& p : outputs) {
      try {
        const test::MediaProbe probe = test::probe_file(p);
        EXPECT_EQ(probe.video.codec, "h264") << p;
        EXPECT_NEAR(probe.video.span_s(), duration_s, 0.1) << p;
        EXPECT_TRUE(probe.audio.present) << p;
      } catch (const std::exception& e) {
        ADD_FAILURE() << p << " cannot be read: " << e.what();
      }
    }
    EXPECT_TRUE(files_matching(out_dir(), ".part").empty());
    std::map<std::string, std::string> newest_sha;
    for (const LedgerEntry& e : ledger_entries(out_dir())) {
      if (e.status == "ok") newest_sha[e.path] = e.sha256;
    }
    for (const fs::path& p : outputs) {
      const std::string rel = fs::relative(p, out_dir()).string();
      ASSERT_TRUE(newest_sha.count(rel)) << rel << " is not in the ledger";
    }
  }

  fs::path work_;
  static std::unique_ptr<test::ScratchDir> dir_;
};

std::unique_ptr<test::ScratchDir> Batch::dir_;

TEST_F(Batch, SecondRunRendersNothingAndASubtitleEditRerendersExactlyItsOutputs) {
  const fs::path campaign = make_campaign();
  const auto first = render(campaign);
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_EQ(units_with(events_of(first.output), "finished").size(), static_cast<size_t>(kUnits))
      << first.output;
  expect_complete_valid_set(1.0);
  std::map<fs::path, fs::file_time_type> written;
  for (const fs::path& p : final_outputs(out_dir())) written[p] = fs::last_write_time(p);
  std::map<std::string, Json> first_checks;  // path -> the checks the first run reported
  const Json first_report = test::read_json(out_dir() / "report.json");
  for (const Json& o : first_report["outputs"]) first_checks[o["path"].get<std::string>()] = o["checks"];

  // Second run: nothing rendered, nothing touched, the report lists every output as skipped.
  const auto second = render(campaign);
  ASSERT_EQ(second.exit_code, 0) << second.output;
  const auto events = events_of(second.output);
  EXPECT_TRUE(units_with(events, "started").empty()) << second.output;
  EXPECT_EQ(units_with(events, "skipped").size(), static_cast<size_t>(kUnits));
  for (const auto& [p, t] : written) EXPECT_EQ(fs::last_write_time(p), t) << p;
  const Json report = test::read_json(out_dir() / "report.json");
  ASSERT_EQ(report["outputs"].size(), static_cast<size_t>(kUnits));
  for (const Json& o : report["outputs"]) {
    EXPECT_EQ(o["status"], "skipped");
    EXPECT_EQ(o["sha256"], test::sha256sum(out_dir() / o["path"].get<std::string>()));
    EXPECT_GT(o["bytes"].get<int64_t>(), 0);
    // The conformance it was put in place with (issue 15): the same rules and values.
    EXPECT_GE(o["checks"].size(), 5u) << o.dump();
    EXPECT_EQ(o["checks"], first_checks[o["path"].get<std::string>()]) << o["path"];
  }

  // The plan says which fingerprints a subtitle edit changes: exactly that language's outputs.
  const auto plan_before = run(
      {"plan", campaign.string(), "--out", out_root().string(), "--presets", (root() / "presets").string()});
  write_text(work_ / "subs/alpha.vi.srt", "1\n00:00:00,000 --> 00:00:00,800\nXin chào lần nữa\n");
  const auto plan_after = run(
      {"plan", campaign.string(), "--out", out_root().string(), "--presets", (root() / "presets").string()});
  ASSERT_EQ(plan_before.exit_code, 0) << plan_before.output;
  std::set<std::string> changed;
  {
    std::istringstream a(plan_before.output);
    std::istringstream b(plan_after.output);
    std::string la;
    std::string lb;
    while (std::getline(a, la) && std::getline(b, lb)) {
      const Json ja = Json::parse(la);
      const Json jb = Json::parse(lb);
      if (ja["fingerprint"] != jb["fingerprint"]) {
        changed.insert(ja["clip"].get<std::string>() + "." + ja["platform"].get<std::string>() + "." +
                       ja["language"].get<std::string>());
      }
    }
  }
  const std::set<std::string> expected{"alpha.small-portrait.vi", "alpha.small-landscape.vi"};
  EXPECT_EQ(changed, expected);

  const auto third = render(campaign);
  ASSERT_EQ(third.exit_code, 0) << third.output;
  const auto rendered = units_with(events_of(third.output), "finished");
  EXPECT_EQ(std::set<std::string>(rendered.begin(), rendered.end()), expected) << third.output;
  EXPECT_EQ(rendered.size(), 2u);
  EXPECT_EQ(units_with(events_of(third.output), "skipped").size(), static_cast<size_t>(kUnits - 2));

  // --force renders everything again.
  const auto forced = render(campaign, {"--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_EQ(units_with(events_of(forced.output), "finished").size(), static_cast<size_t>(kUnits));
  size_t ok_rows = 0;
  for (const auto& e : ledger_entries(out_dir())) ok_rows += e.status == "ok" ? 1 : 0;
  EXPECT_EQ(ok_rows, static_cast<size_t>(kUnits + 2 + kUnits));
  expect_complete_valid_set(1.0);
}

TEST_F(Batch, ShardsCoverThePlanExactlyOnceAndMergeIntoOneReport) {
  const fs::path campaign = make_campaign();
  const std::vector<std::string> plan_args{
      "plan", campaign.string(), "--out", out_root().string(), "--presets", (root() / "presets").string()};
  const auto whole = run(plan_args);
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  std::multiset<std::string> plan_lines;
  std::istringstream lines(whole.output);
  for (std::string line; std::getline(lines, line);) plan_lines.insert(line);
  ASSERT_EQ(plan_lines.size(), static_cast<size_t>(kUnits));
  EXPECT_EQ(run(plan_args).output, whole.output);  // deterministic

  constexpr int kShards = 3;
  std::multiset<std::string> shard_lines;
  for (int i = 0; i < kShards; ++i) {
    auto args = plan_args;
    args.insert(args.end(), {"--shard", std::to_string(i) + "/" + std::to_string(kShards)});
    const auto part = run(args);
    ASSERT_EQ(part.exit_code, 0) << part.output;
    std::istringstream part_lines(part.output);
    for (std::string line; std::getline(part_lines, line);) shard_lines.insert(line);
  }
  EXPECT_EQ(shard_lines, plan_lines);

  std::multiset<size_t> rendered_indices;
  for (int i = 0; i < kShards; ++i) {
    const auto r = render(campaign, {"--shard", std::to_string(i) + "/" + std::to_string(kShards)});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const fs::path part = out_dir() / ("report.part-" + std::to_string(i) + "-of-3.json");
    ASSERT_TRUE(fs::exists(part));
    const Json part_report = test::read_json(part);
    for (const Json& o : part_report["outputs"]) {
      EXPECT_EQ(o["status"], "ok");
      rendered_indices.insert(o["plan_index"].get<size_t>());
    }
  }
  EXPECT_FALSE(fs::exists(out_dir() / "report.json"));
  ASSERT_EQ(rendered_indices.size(), static_cast<size_t>(kUnits));
  EXPECT_EQ(std::set<size_t>(rendered_indices.begin(), rendered_indices.end()).size(),
            static_cast<size_t>(kUnits));
  EXPECT_EQ(ledger_entries(out_dir()).size(), static_cast<size_t>(kUnits));  // each rendered once
  EXPECT_EQ(files_matching(out_dir() / ".shortpack", ".sqlite").size(), static_cast<size_t>(kShards));

  const auto merged = run({"report", out_dir().string()});
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  const Json report = test::read_json(out_dir() / "report.json");
  ASSERT_EQ(report["outputs"].size(), static_cast<size_t>(kUnits));
  for (size_t i = 0; i < report["outputs"].size(); ++i) {
    const Json& o = report["outputs"][i];
    EXPECT_EQ(o["plan_index"].get<size_t>(), i);
    EXPECT_EQ(o["status"], "ok");
    EXPECT_EQ(o["sha256"], test::sha256sum(out_dir() / o["path"].get<std::string>()));
  }
  EXPECT_EQ(report["coverage"]["ok"], kUnits);
  expect_complete_valid_set(1.0);

  // Coverage against the campaign, then with one output gone.
  const auto coverage = run({"ledger", campaign.string(), "--out", out_root().string(), "--presets",
                             (root() / "presets").string(), "--json"});
  ASSERT_EQ(coverage.exit_code, 0) << coverage.output;
  const Json c = Json::parse(coverage.output);
  EXPECT_EQ(c["ok"], kUnits);
  EXPECT_TRUE(c["complete"].get<bool>());
  EXPECT_NEAR(c["minutes_ok"].get<double>(), kUnits * 1.0 / 60.0, 0.01);
  EXPECT_EQ(c["by_platform_language"].size(), 4u);
  fs::remove(out_dir() / "beta/beta.small-landscape.en.mp4");
  const auto gone = run({"ledger", out_dir().string()});
  EXPECT_EQ(gone.exit_code, 3) << gone.output;
  EXPECT_NE(gone.output.find("7 of 8 outputs ok"), std::string::npos) << gone.output;
  EXPECT_NE(gone.output.find("beta.small-landscape.en: no file"), std::string::npos) << gone.output;
}

TEST_F(Batch, BadShardSpecsAreOneSentenceAndExitTwo) {
  const fs::path campaign = make_campaign();
  for (const std::string spec : {"5/4", "x/y", "4/4", "-1/2"}) {
    const auto r = run(render_args(campaign, {"--shard", spec}));
    EXPECT_EQ(r.exit_code, 2) << spec << ": " << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_NE(r.output.find("shard"), std::string::npos) << r.output;
  }
  std::string line = "env -u SLURM_ARRAY_TASK_ID -u SLURM_ARRAY_TASK_COUNT -u JOB_COMPLETION_INDEX " +
                     shell_quote(SHORTPACK_BINARY);
  for (const auto& a : render_args(campaign, {"--shard", "auto"})) line += " " + shell_quote(a);
  const auto none = test::run_command(line);
  EXPECT_EQ(none.exit_code, 2) << none.output;
  EXPECT_NE(none.output.find("SLURM_ARRAY_TASK_ID"), std::string::npos) << none.output;
  EXPECT_FALSE(fs::exists(out_dir()));

  // auto from a Slurm array task: the same units as the explicit spec.
  std::string slurm = "env SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 " + shell_quote(SHORTPACK_BINARY) +
                      " plan " + shell_quote(campaign.string()) + " --presets " +
                      shell_quote((root() / "presets").string()) + " --shard ";
  const auto from_env = test::run_command(slurm + "auto");
  const auto explicit_spec = test::run_command(slurm + "1/2");
  EXPECT_EQ(from_env.exit_code, 0) << from_env.output;
  EXPECT_EQ(from_env.output, explicit_spec.output);
  EXPECT_FALSE(from_env.output.empty());
}

TEST_F(Batch, SigkillMidEncodeThenRerunGivesACompleteValidSet) {
  const fs::path campaign = make_campaign("long.mp4");
  {
    Process killed(render_args(campaign, {"--progress", "none"}), work_ / "killed.log");
    // Kill it mid-encode without racing its rename: stop it, make sure a temporary file is still
    // there (the encode may have finished between the look and the stop), then kill it.
    bool stopped_mid_encode = false;
    for (int attempt = 0; attempt < 50 && !stopped_mid_encode; ++attempt) {
      ASSERT_TRUE(wait_for_part_file(out_dir(), killed, 120.0)) << killed.output();
      killed.signal(SIGSTOP);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the stop takes effect
      stopped_mid_encode = !files_matching(out_dir(), ".part").empty();
      if (!stopped_mid_encode) killed.signal(SIGCONT);
    }
    ASSERT_TRUE(stopped_mid_encode) << "never caught an encode in progress";
    killed.signal(SIGKILL);
    EXPECT_EQ(killed.wait(), 128 + SIGKILL);
  }
  // Whatever is at a final path now is whole.
  const auto after_kill = final_outputs(out_dir());
  EXPECT_LT(after_kill.size(), static_cast<size_t>(kUnits));
  for (const fs::path& p : after_kill) EXPECT_NO_THROW(test::probe_file(p)) << p;
  EXPECT_FALSE(files_matching(out_dir(), ".part").empty());  // the killed encode's temporary file

  const auto rerun = render(campaign);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  bool cleaned = false;
  for (const Json& e : events_of(rerun.output)) {
    cleaned = cleaned || (e["event"] == "message" &&
                          e["text"].get<std::string>().find("temporary") != std::string::npos);
  }
  EXPECT_TRUE(cleaned) << rerun.output;
  const Json report = test::read_json(out_dir() / "report.json");
  for (const Json& o : report["outputs"]) EXPECT_NE(o["status"], "failed") << o.dump();
  expect_complete_valid_set(2.0);
}

TEST_F(Batch, SigtermStopsCleanlyWritesTheReportAndExits130) {
  const fs::path campaign = make_campaign("long.mp4");
  Process stopped(render_args(campaign, {"--progress", "none"}), work_ / "stopped.log");
  ASSERT_TRUE(wait_for_part_file(out_dir(), stopped, 120.0)) << stopped.output();
  stopped.signal(SIGTERM);
  EXPECT_EQ(stopped.wait(), 130) << stopped.output();
  EXPECT_NE(stopped.output().find("interrupted"), std::string::npos) << stopped.output();
  EXPECT_TRUE(files_matching(out_dir(), ".part").empty());
  const Json report = test::read_json(out_dir() / "report.json");
  ASSERT_EQ(report["outputs"].size(), static_cast<size_t>(kUnits));
  size_t cancelled = 0;
  std::set<std::string> ok_paths;
  for (const Json& o : report["outputs"]) {
    const fs::path file = out_dir() / o["path"].get<std::string>();
    if (o["status"] == "ok") {
      ok_paths.insert(o["path"].get<std::string>());
      EXPECT_TRUE(fs::exists(file)) << file;
    } else {
      EXPECT_EQ(o["status"], "failed");
      EXPECT_EQ(o["error"].get<std::string>().rfind("cancelled", 0), 0u) << o.dump();
      EXPECT_FALSE(fs::exists(file)) << file;
      ++cancelled;
    }
  }
  EXPECT_GT(cancelled, 0u);
  // The ledger holds exactly the outputs that were finished.
  std::set<std::string> recorded;
  for (const auto& e : ledger_entries(out_dir())) recorded.insert(e.path);
  EXPECT_EQ(recorded, ok_paths);

  const auto rerun = render(campaign);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  EXPECT_EQ(units_with(events_of(rerun.output), "skipped").size(), ok_paths.size());
  expect_complete_valid_set(2.0);
}

TEST_F(Batch, TwoConcurrentRunsOnOneFolderRenderEachOutputOnce) {
  const fs::path campaign = make_campaign("long.mp4");
  Process a(render_args(campaign, {"--progress", "json"}), work_ / "a.log");
  Process b(render_args(campaign, {"--progress", "json"}), work_ / "b.log");
  EXPECT_EQ(a.wait(), 0) << a.output();
  EXPECT_EQ(b.wait(), 0) << b.output();
  auto finished = units_with(events_of(a.output()), "finished");
  const auto finished_b = units_with(events_of(b.output()), "finished");
  finished.insert(finished_b.begin(), finished_b.end());
  EXPECT_EQ(finished.size(), static_cast<size_t>(kUnits)) << a.output() << b.output();
  EXPECT_EQ(std::set<std::string>(finished.begin(), finished.end()).size(), static_cast<size_t>(kUnits));
  std::multiset<std::string> rendered;
  for (const auto& e : ledger_entries(out_dir())) {
    if (e.status == "ok") rendered.insert(e.unit);
  }
  EXPECT_EQ(rendered.size(), static_cast<size_t>(kUnits));
  EXPECT_EQ(std::set<std::string>(rendered.begin(), rendered.end()).size(), static_cast<size_t>(kUnits));
  // Each run's report is complete: what it did not render, it found rendered by the other.
  for (const Process* p : {&a, &b}) {
    const auto events = events_of(p->output());
    EXPECT_EQ(units_with(events, "finished").size() + units_with(events, "skipped").size(),
              static_cast<size_t>(kUnits))
        << p->output();
  }
  expect_complete_valid_set(2.0);
}

TEST_F(Batch, UnwritableOutputFolderIsOneErrorAndExitFour) {
  const fs::path campaign = make_campaign();
  const auto r = run(
      {"render", campaign.string(), "--out", "/dev/null/out", "--presets", (root() / "presets").string()});
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
  EXPECT_NE(r.output.find("shortpack: cannot create the output folder /dev/null/out/batch"),
            std::string::npos)
      << r.output;

  if (::getuid() != 0) SHORTPACK_SKIP_OR_FAIL("a read-only mount needs root");
  TmpfsMount ro(work_ / "ro", "size=1m");
  if (!ro.mounted()) SHORTPACK_SKIP_OR_FAIL("cannot mount a tmpfs here");
  ro.remount_read_only();
  const auto readonly = run({"render", campaign.string(), "--out", (work_ / "ro").string(), "--presets",
                             (root() / "presets").string()});
  EXPECT_EQ(readonly.exit_code, 4) << readonly.output;
  EXPECT_NE(readonly.output.find("Read-only file system"), std::string::npos) << readonly.output;
  EXPECT_TRUE(test::list_files(work_ / "ro").empty());
}

TEST_F(Batch, DiskFullIsOneClearErrorWithNoPartialFilesAndAConsistentLedger) {
  if (::getuid() != 0) SHORTPACK_SKIP_OR_FAIL("mounting a small tmpfs needs root");
  const fs::path campaign = make_campaign("long.mp4");
  TmpfsMount small(work_ / "out", "size=2m");
  if (!small.mounted()) SHORTPACK_SKIP_OR_FAIL("cannot mount a tmpfs here");
  const auto r = run(render_args(campaign, {"--progress", "none"}));
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("is full"), std::string::npos) << r.output;
  size_t error_lines = 0;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) error_lines += line.rfind("shortpack: ", 0) == 0 ? 1 : 0;
  EXPECT_EQ(error_lines, 1u) << r.output;
  EXPECT_TRUE(files_matching(out_dir(), ".part").empty());
  // Every file at a final path is whole and recorded; every ok row names a file that is there.
  const auto outputs = final_outputs(out_dir());
  EXPECT_LT(outputs.size(), static_cast<size_t>(kUnits));
  std::map<std::string, std::string> ok_rows;
  for (const auto& e : ledger_entries(out_dir())) {
    if (e.status == "ok") ok_rows[e.path] = e.sha256;
  }
  EXPECT_EQ(ok_rows.size(), outputs.size());
  for (const fs::path& p : outputs) {
    EXPECT_NO_THROW(test::probe_file(p)) << p;
    const std::string rel = fs::relative(p, out_dir()).string();
    ASSERT_TRUE(ok_rows.count(rel)) << rel;
    EXPECT_EQ(ok_rows[rel], test::sha256sum(p));
  }
  if (fs::exists(out_dir() / "report.json")) {
    const Json report = test::read_json(out_dir() / "report.json");
    for (const Json& o : report["outputs"]) {
      const bool there = fs::exists(out_dir() / o["path"].get<std::string>());
      EXPECT_EQ(there, o["status"] != "failed") << o.dump();
    }
  }
}

// Review proxies (render --proxy): small, fast, named and reported as proxies, in a folder of
// their own; they never count as, skip or touch the final outputs.
TEST_F(Batch, ProxiesAreSmallMarkedAndKeptApartFromTheFinalOutputs) {
  const fs::path campaign = make_campaign();
  const auto proxies = render(campaign, {"--proxy"});
  ASSERT_EQ(proxies.exit_code, 0) << proxies.output;
  EXPECT_EQ(units_with(events_of(proxies.output), "finished").size(), static_cast<size_t>(kUnits));
  const fs::path proxy_dir = out_dir() / "proxy";
  const auto files = final_outputs(proxy_dir);
  ASSERT_EQ(files.size(), static_cast<size_t>(kUnits));
  for (const fs::path& p : files) {
    const std::string name = p.filename().string();
    EXPECT_EQ(name.substr(name.size() - 10), ".proxy.mp4") << p;
    const test::MediaProbe probe = test::probe_file(p);
    EXPECT_EQ(probe.video.width_px, 360) << p;  // 360 px wide, the platform's shape
    EXPECT_EQ(probe.video.height_px, name.find("landscape") != std::string::npos ? 202 : 640) << p;
    EXPECT_NEAR(probe.video.span_s(), 1.0, 0.1) << p;
    EXPECT_TRUE(probe.audio.present) << p;
  }
  EXPECT_TRUE(fs::is_regular_file(proxy_dir / "alpha/alpha.small-landscape.vi.proxy.mp4"));
  // Nothing at the final outputs' places, no final report.
  EXPECT_FALSE(fs::exists(out_dir() / "alpha"));
  EXPECT_FALSE(fs::exists(out_dir() / "report.json"));
  const Json report = test::read_json(proxy_dir / "report.json");
  ASSERT_EQ(report["outputs"].size(), static_cast<size_t>(kUnits));
  for (const Json& o : report["outputs"]) {
    EXPECT_EQ(o["status"], "ok") << o.dump();
    EXPECT_EQ(o.value("proxy", false), true) << o.dump();
  }
  EXPECT_NE(test::read_text(proxy_dir / "report.html").find("id=\"proxy-notice\""), std::string::npos);
  // Proxies are not checked: the page must not call them conforming (issue 15).
  EXPECT_EQ(test::read_text(proxy_dir / "report.html").find("conforming"), std::string::npos);

  // Proxies are incremental too.
  const auto again = render(campaign, {"--proxy"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(units_with(events_of(again.output), "skipped").size(), static_cast<size_t>(kUnits))
      << again.output;

  // A final run renders every output (a proxy never stands in for one) and leaves the proxies be.
  std::map<fs::path, std::string> proxy_sha;
  for (const fs::path& p : files) proxy_sha[p] = test::sha256sum(p);
  const auto finals = render(campaign);
  ASSERT_EQ(finals.exit_code, 0) << finals.output;
  EXPECT_EQ(units_with(events_of(finals.output), "finished").size(), static_cast<size_t>(kUnits));
  for (const auto& [p, sha] : proxy_sha) EXPECT_EQ(test::sha256sum(p), sha) << p;
  const Json final_report = test::read_json(out_dir() / "report.json");
  for (const Json& o : final_report["outputs"]) {
    EXPECT_FALSE(o.value("proxy", false)) << o.dump();
    const test::MediaProbe probe = test::probe_file(out_dir() / o["path"].get<std::string>());
    EXPECT_EQ(probe.video.width_px, o["platform"] == "small-landscape" ? 640 : 360);
  }
  EXPECT_EQ(test::read_text(out_dir() / "report.html").find("id=\"proxy-notice\""), std::string::npos);
  EXPECT_NE(test::read_text(out_dir() / "report.html").find("rendered and conforming"), std::string::npos);
}

}  // namespace
}  // namespace shortpack

// pipeline/base/atomic_file (issue 26): temporary names are unpredictable, temporary files are
// never opened through a planted name or link, and a failed write reports the errno of the call
// that failed (not one a clean-up call left behind).
#include "pipeline/base/atomic_file.h"
#include "pipeline/batch/workspace.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <regex>
#include <set>
#include <string>

#include "filters/core/error.h"
#include "support/test_support.h"

namespace shortpack {
namespace {

namespace fs = std::filesystem;

TEST(AtomicFile, TemporaryNamesCarryRandomBits) {
  std::set<std::string> names;
  for (int i = 0; i < 200; ++i) {
    const fs::path temp = temp_path_for("/out/a/clip.tiktok.vi.mp4");
    EXPECT_EQ(temp.parent_path(), "/out/a");
    EXPECT_TRUE(std::regex_match(temp.filename().string(),
                                 std::regex(R"(\.clip\.tiktok\.vi\.mp4\.[0-9]+-[0-9a-f]{16}\.part)")))
        << temp;
    names.insert(temp.filename().string());
  }
  EXPECT_EQ(names.size(), 200u);
  // 64 random bits after the writer's pid: nothing another user can work out in advance, and a
  // later run can tell from the pid that a killed writer's file is stale (batch/workspace).
  EXPECT_EQ(temp_file_pid(*names.begin()), ::getpid());
}

TEST(AtomicFile, ATemporaryFileIsNeverOpenedThroughAPlantedNameOrLink) {
  test::ScratchDir dir("atomic-file-planted");
  const fs::path target = dir / "victim.txt";
  test::write_text(target, "precious\n");
  const fs::path link = dir / ".out.mp4.0123456789abcdef.part";
  fs::create_symlink(target, link);
  try {
    ::close(create_temp_file(link, dir / "out.mp4"));
    ADD_FAILURE() << "a planted link was opened";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("File exists"), std::string::npos) << e.what();
  }
  const fs::path file = dir / ".out.mp4.fedcba9876543210.part";
  test::write_text(file, "planted\n");
  EXPECT_THROW(::close(create_temp_file(file, dir / "out.mp4")), Error);
  EXPECT_EQ(test::read_text(target), "precious\n");
  EXPECT_EQ(test::read_text(file), "planted\n");
}

// A write that fails part way (here: the file size limit, EFBIG) is reported with its own errno,
// and leaves neither the file nor a temporary one.
TEST(AtomicFile, AFailedWriteKeepsItsErrno) {
  test::ScratchDir dir("atomic-file-efbig");
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string message;
  ErrorKind kind = ErrorKind::kInvalid;
  try {
    write_file_atomically(dir / "big.txt", std::string(100000, 'x'));
  } catch (const Error& e) {
    message = e.what();
    kind = e.kind();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(kind, ErrorKind::kIo);
  EXPECT_NE(message.find("File too large"), std::string::npos) << message;
  EXPECT_NE(message.find("big.txt"), std::string::npos) << message;
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(dir.path())) left.push_back(e.path().filename().string());
  EXPECT_TRUE(left.empty()) << left.front();
}

TEST(AtomicFile, CopyAndWriteLandWhole) {
  test::ScratchDir dir("atomic-file-ok");
  write_file_atomically(dir / "a.txt", "hello\n");
  copy_file_atomically(dir / "a.txt", dir / "b.txt");
  EXPECT_EQ(test::read_text(dir / "b.txt"), "hello\n");
  EXPECT_EQ(fs::status(dir / "b.txt").permissions() & fs::perms::owner_write, fs::perms::owner_write);
  // A link planted at the final name is replaced by the file, never written through.
  test::write_text(dir / "victim.txt", "precious\n");
  fs::create_symlink(dir / "victim.txt", dir / "c.txt");
  write_file_atomically(dir / "c.txt", "new\n");
  EXPECT_FALSE(fs::is_symlink(dir / "c.txt"));
  EXPECT_EQ(test::read_text(dir / "c.txt"), "new\n");
  EXPECT_EQ(test::read_text(dir / "victim.txt"), "precious\n");
}

}  // namespace
}  // namespace shortpack

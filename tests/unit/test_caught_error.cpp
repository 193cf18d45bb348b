// caught_error(): whatever a unit of work throws becomes an Error with a kind and the original
// message (issue 26: OpenCV exceptions, bad_alloc and filesystem_error used to end the run).
#include "filters/core/caught_error.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <new>
#include <opencv2/core.hpp>
#include <system_error>

namespace shortpack {
namespace {

template <typename Thrower>
Error caught_from(Thrower thrower) {
  try {
    thrower();
  } catch (...) {
    return caught_error();
  }
  return Error(ErrorKind::kInvalid, "nothing was thrown");
}

TEST(CaughtError, AnErrorStaysItself) {
  const Error e = caught_from([] { throw Error(ErrorKind::kMedia, "cannot decode a.mp4"); });
  EXPECT_EQ(e.kind(), ErrorKind::kMedia);
  EXPECT_STREQ(e.what(), "cannot decode a.mp4");
}

TEST(CaughtError, BadAllocIsOutOfMemory) {
  const Error e = caught_from([] { throw std::bad_alloc(); });
  EXPECT_EQ(e.kind(), ErrorKind::kLimit);
  EXPECT_STREQ(e.what(), "out of memory");
}

TEST(CaughtError, FilesystemErrorsKeepTheirMessageAndFullDiskIsDiskFull) {
  const Error denied = caught_from([] {
    throw std::filesystem::filesystem_error("cannot copy", "/out/a.mp4",
                                            std::make_error_code(std::errc::permission_denied));
  });
  EXPECT_EQ(denied.kind(), ErrorKind::kIo);
  EXPECT_NE(std::string(denied.what()).find("/out/a.mp4"), std::string::npos) << denied.what();
  const Error full = caught_from([] {
    throw std::filesystem::filesystem_error("cannot copy", std::error_code(ENOSPC, std::generic_category()));
  });
  EXPECT_EQ(full.kind(), ErrorKind::kDiskFull);
}

TEST(CaughtError, AnOpenCvExceptionKeepsItsMessageWithoutTheTrailingNewline) {
  const Error e = caught_from([] { CV_Error(cv::Error::StsBadSize, "the mask is empty"); });
  EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  const std::string text = e.what();
  EXPECT_NE(text.find("the mask is empty"), std::string::npos) << text;
  ASSERT_FALSE(text.empty());
  EXPECT_NE(text.back(), '\n');
}

TEST(CaughtError, AnythingElseIsAnUnknownException) {
  const Error e = caught_from([] { throw 42; });
  EXPECT_EQ(e.kind(), ErrorKind::kInternal);
  EXPECT_STREQ(e.what(), "an unknown exception");
}

}  // namespace
}  // namespace shortpack

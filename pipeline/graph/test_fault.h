// A test aid: makes one encoder branch throw a chosen kind of exception, so that the end-to-end
// tests can prove that whatever a unit of work throws fails that output alone (issue 26).
//
// SHORTPACK_TEST_FAULT="<what>@<label>" (label as in EncoderSpec::label, "clip.platform.lang"):
// at its frame 5, the branch with that exact label throws what <what> names: `bad_alloc`
// (std::bad_alloc), `opencv` (a cv::Exception, as a failed OpenCV assertion throws) or
// `filesystem` (a std::filesystem::filesystem_error, permission denied). Unset (always, outside
// tests), nothing happens; the variable is read once.
#pragma once

#include <cstdint>
#include <string>

namespace shortpack {

void throw_test_fault_if_asked(const std::string& label, int64_t frame_index);

}  // namespace shortpack

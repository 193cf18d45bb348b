// Test-only hook: damages one finished output on purpose, so that an e2e test can watch the
// render's own check reject a file that does not decode.
//
// When the environment variable SHORTPACK_TEST_DAMAGE_OUTPUT holds an output's file name (e.g.
// "clip.small-portrait.en.mp4"), render inverts 256 bytes inside the biggest non-key video picture
// of the middle third of that file, after muxing and before hashing and checking it. Unset (always,
// outside tests) it does nothing. Documented as test-only in README ("Limits and safety").
#pragma once

#include <filesystem>

namespace shortpack {

// Throws Error(kMedia) when the named file cannot be read back or rewritten.
void apply_test_damage(const std::filesystem::path& file);

}  // namespace shortpack

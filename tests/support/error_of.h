// Catching the error a call is expected to throw, for tests of messages. Header-only.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "filters/core/error.h"

namespace shortpack::test {

// Runs `fn`, expects a shortpack::Error of `kind`, returns its message (empty, with a failure,
// when `fn` throws nothing or another exception).
template <typename Fn>
std::string error_of(Fn&& fn, ErrorKind kind = ErrorKind::kInput) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a shortpack::Error: " << e.what();
    return {};
  }
  ADD_FAILURE() << "no error thrown";
  return {};
}

}  // namespace shortpack::test

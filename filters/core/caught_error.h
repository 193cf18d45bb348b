// Any exception as a shortpack::Error, for the catch-all at the boundary of a unit of work (one
// output, one clip): a unit fails alone whatever it threw.
#pragma once

#include "filters/core/error.h"

namespace shortpack {

// Call only inside a catch handler: the exception being handled as an Error. An Error stays
// itself; std::bad_alloc is kLimit ("out of memory"); a std::filesystem_error or a
// std::system_error of the system category is kIo (kDiskFull for ENOSPC/EDQUOT) with its
// message; any other std::exception (cv::Exception among them) is kInternal with its what(), its
// trailing newlines cut; anything else is kInternal "an unknown exception".
Error caught_error();

}  // namespace shortpack

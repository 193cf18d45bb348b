// What fontconfig resolves a font pattern to, for tests whose golden images were made with a
// particular font file: a machine without it would render other glyphs (a synthesised italic,
// another fallback) and fail the golden for a reason that has nothing to do with the code.
#pragma once

#include <string>

namespace shortpack::test {

// The file fontconfig picks for `pattern` (fontconfig syntax, e.g. "DejaVu Sans:italic"), or ""
// when it picks none.
std::string font_file_for(const std::string& pattern);

}  // namespace shortpack::test

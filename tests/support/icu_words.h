// ICU's words of a text as a test sees them (independently of pipeline/captions/line_breaks):
// the word-boundary segments whose rule status is not "none" (spaces and punctuation dropped),
// each with its number of grapheme clusters.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace shortpack::test {

struct IcuWord {
  std::string text;
  size_t graphemes = 0;
};
std::vector<IcuWord> icu_words(const std::string& text, const char* language);

}  // namespace shortpack::test

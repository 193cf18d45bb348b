// Levenshtein distance between two sequences (insertions, deletions and substitutions of one
// element each cost 1): bytes of key names for "did you mean", code points of text read back by
// OCR in the tests. O(|a| * |b|) time, O(|b|) memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace shortpack {

template <typename Sequence>
size_t edit_distance(const Sequence& a, const Sequence& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace shortpack

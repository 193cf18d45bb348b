// Levenshtein distance between two sequences (insertions, deletions and substitutions of one
// element each cost 1): bytes of key names for "did you mean", code points of text read back by
// OCR in the tests. O(|a| * |b|) time, O(|b|) memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
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

// The first of `known` within two edits of `name` ("did you mean"), or empty: one rule for every
// reader's unknown keys, columns and names.
template <typename Names>
std::string closest_name(std::string_view name, const Names& known) {
  for (const auto& candidate : known) {
    if (edit_distance(name, std::string_view(candidate)) <= 2) return std::string(candidate);
  }
  return {};
}

}  // namespace shortpack

// Variants (issue 17): one campaign rendered once per row of a table (a province, an audience),
// with `{{column}}` placeholders in card text, titles, caption files and file paths.
//
// This file holds the pure parts: reading a CSV table and expanding placeholders. The campaign
// loader (campaign.cpp) reads `variants:` and expands every clip per row.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace shortpack {

// One row of the campaign's `variants:` table: a region or an audience.
struct Variant {
  std::string id;                             // [a-z0-9_-]+, unique; names the outputs
  std::map<std::string, std::string> values;  // column -> value (`id` included)
  std::vector<std::string> languages;         // `languages` column: a subset; empty: the campaign's
  std::vector<std::string> platforms;         // `platforms` column: a subset; empty: the campaign's
  std::filesystem::path table_file;           // the CSV as named in messages, or the campaign file
  int line = 0;                               // the row's line in table_file
  int header_line = 0;                        // the CSV's header line (inline rows: the row's line)
};

struct CsvRow {
  int line = 0;  // 1-based line of the file where the row starts
  std::vector<std::string> cells;
};

struct CsvTable {
  std::vector<std::string> header;
  std::vector<CsvRow> rows;  // blank lines skipped
};

// RFC 4180 CSV: a header row, then rows of the same width; fields may be quoted ("a, b",
// "say ""hi"""), quoted fields may span lines; a UTF-8 BOM is skipped; LF or CRLF line ends.
// Throws Error(kInput) "<file>:<line>: <problem> (<fix>)" for an unterminated quote, text after a
// closing quote, a row of another width, a header without columns, bytes that are not UTF-8.
CsvTable parse_csv(std::string_view text, const std::string& file);

// True when `text` holds a `{{`.
bool has_placeholder(std::string_view text);

// One placeholder that cannot be filled: its column and the 1-based line (inside the text) where
// it stands.
struct PlaceholderGap {
  std::string column;
  int line = 1;
  bool missing_column = false;  // false: the column exists but the row's value is empty
};

// `text` with every `{{name}}` (spaces around the name allowed) replaced by values.at(name).
// A name not in `values` or whose value is empty is left in place and added to `gaps` (once per
// name); a `{{` without a closing `}}` or with a name that is not [A-Za-z0-9_-]+ is a gap too.
std::string expand_placeholders(std::string_view text, const std::map<std::string, std::string>& values,
                                std::vector<PlaceholderGap>& gaps);

// The sentence for one gap: "<table>:<line>: variant 'hanoi' has an empty 'hotline', which
// <at> uses in <what> (...)" or "<at>: <what> uses {{x}}, but the variants table <table>:<line>
// has no column 'x' (did you mean ...? columns: ...)". `variant` null: the campaign has no table.
std::string gap_message(const PlaceholderGap& gap, const Variant* variant, const std::string& at,
                        const std::string& what);

// `text` (a subtitle file's decoded text, read from `file`) expanded for `variant`. Throws
// Error(kInput) naming file:line of each gap and the table's row. Null `variant`: `text` as is.
std::string expand_for_variant(const std::string& text, const Variant* variant, const std::string& file);

}  // namespace shortpack

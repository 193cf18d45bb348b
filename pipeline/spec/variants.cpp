#include "pipeline/spec/variants.h"

#include <algorithm>

#include "pipeline/base/edit_distance.h"

#include "filters/core/error.h"

namespace shortpack {
namespace {

[[noreturn]] void fail(const std::string& file, int line, const std::string& problem,
                       const std::string& fix) {
  throw Error(ErrorKind::kInput, file + ":" + std::to_string(line) + ": " + problem + " (" + fix + ")");
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

// Reads one record starting at `pos`; returns false at the end of the text.
bool read_record(std::string_view text, size_t& pos, int& line, const std::string& file, CsvRow& row) {
  if (pos >= text.size()) return false;
  row.line = line;
  row.cells.assign(1, std::string());
  while (pos < text.size()) {
    const char c = text[pos];
    std::string& cell = row.cells.back();
    if (c == '"' && cell.empty()) {
      const int opened = line;
      for (++pos;; ++pos) {
        if (pos >= text.size()) {
          fail(file, opened, "a quoted field is never closed",
               "end it with a '\"'; write \"\" for a quote inside");
        }
        if (text[pos] == '"') {
          if (pos + 1 < text.size() && text[pos + 1] == '"') {
            cell += '"';
            ++pos;
            continue;
          }
          ++pos;
          break;
        }
        if (text[pos] == '\n') ++line;
        cell += text[pos];
      }
      if (pos < text.size() && text[pos] != ',' && text[pos] != '\n' && text[pos] != '\r') {
        fail(file, line, "text after a closing quote",
             "quote the whole field, or write \"\" for a quote inside");
      }
      continue;
    }
    ++pos;
    if (c == ',') {
      row.cells.emplace_back();
    } else if (c == '\n') {
      ++line;
      return true;
    } else if (c == '\r') {
      if (pos < text.size() && text[pos] == '\n') ++pos;
      ++line;
      return true;
    } else {
      cell += c;
    }
  }
  return true;
}

}  // namespace

CsvTable parse_csv(std::string_view text, const std::string& file) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (!valid_utf8(text)) {
    fail(file, 1, "the table is not UTF-8", "save it as UTF-8 (CSV UTF-8 in a spreadsheet's Save As)");
  }
  CsvTable table;
  size_t pos = 0;
  int line = 1;
  CsvRow row;
  bool header = true;
  while (read_record(text, pos, line, file, row)) {
    const bool blank = row.cells.size() == 1 && row.cells[0].find_first_not_of(" \t") == std::string::npos;
    if (blank) continue;
    if (header) {
      table.header = row.cells;
      header = false;
      continue;
    }
    if (row.cells.size() != table.header.size()) {
      fail(file, row.line,
           "the row has " + std::to_string(row.cells.size()) + " fields, the header " +
               std::to_string(table.header.size()),
           "give every row one field per column; quote a field that holds a comma");
    }
    table.rows.push_back(row);
  }
  if (table.header.empty())
    fail(file, 1, "the table has no header row", "start it with a row of column names");
  return table;
}

bool has_placeholder(std::string_view text) { return text.find("{{") != std::string_view::npos; }

std::string expand_placeholders(std::string_view text, const std::map<std::string, std::string>& values,
                                std::vector<PlaceholderGap>& gaps) {
  std::string out;
  out.reserve(text.size());
  int line = 1;
  const auto gap = [&](const std::string& column, bool missing) {
    const bool seen =
        std::any_of(gaps.begin(), gaps.end(), [&](const PlaceholderGap& g) { return g.column == column; });
    if (!seen) gaps.push_back({column, line, missing});
  };
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find("{{", i);
    const size_t upto = open == std::string_view::npos ? text.size() : open;
    for (size_t k = i; k < upto; ++k) line += text[k] == '\n' ? 1 : 0;
    out.append(text.substr(i, upto - i));
    if (open == std::string_view::npos) break;
    const size_t close = text.find("}}", open + 2);
    std::string_view inner =
        close == std::string_view::npos ? std::string_view() : text.substr(open + 2, close - open - 2);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
    while (!inner.empty() && inner.back() == ' ') inner.remove_suffix(1);
    if (close == std::string_view::npos || inner.empty() ||
        !std::all_of(inner.begin(), inner.end(), is_name_char)) {
      gap(std::string(text.substr(
              open, std::min<size_t>(close == std::string_view::npos ? 12 : close + 2 - open, 40))),
          true);
      out.append("{{");
      i = open + 2;
      continue;
    }
    const std::string name(inner);
    const auto it = values.find(name);
    if (it == values.end() || it->second.empty()) {
      gap(name, it == values.end());
      out.append(text.substr(open, close + 2 - open));
    } else {
      out.append(it->second);
    }
    i = close + 2;
  }
  return out;
}

std::string gap_message(const PlaceholderGap& gap, const Variant* variant, const std::string& at,
                        const std::string& what) {
  const std::string col = gap.column;
  const bool malformed = col.rfind("{{", 0) == 0;
  if (malformed) {
    return at + ": " + what + " has a placeholder that cannot be read: " + col +
           " (write {{column}} with a column name of a-z, A-Z, 0-9, '_' or '-')";
  }
  if (variant == nullptr) {
    return at + ": " + what + " uses {{" + col +
           "}}, but the campaign has no variants table (add variants: " + "FILE.csv with a column '" + col +
           "', or remove the placeholder)";
  }
  const std::string table = variant->table_file.string();
  if (!gap.missing_column) {
    return table + ":" + std::to_string(variant->line) + ": variant '" + variant->id + "' has an empty '" +
           col + "', which " + at + " uses in " + what + " (fill it in)";
  }
  std::string columns;
  std::vector<std::string> names;
  for (const auto& [name, unused] : variant->values) {
    columns += (columns.empty() ? "" : ", ") + name;
    names.push_back(name);
  }
  const std::string guess = closest_name(col, names);
  return at + ": " + what + " uses {{" + col + "}}, but the variants table " + table + ":" +
         std::to_string(variant->header_line) + " has no column '" + col + "' (" +
         (guess.empty() ? "" : "did you mean '" + guess + "'? ") + "columns: " + columns + ")";
}

std::string expand_for_variant(const std::string& text, const Variant* variant, const std::string& file) {
  if (variant == nullptr) return text;
  std::vector<PlaceholderGap> gaps;
  std::string out = expand_placeholders(text, variant->values, gaps);
  if (gaps.empty()) return out;
  std::string message;
  for (const PlaceholderGap& g : gaps) {
    if (!message.empty()) message += "\n  ";
    message += gap_message(g, variant, file + ":" + std::to_string(g.line), "the subtitle file");
  }
  throw Error(ErrorKind::kInput, message);
}

}  // namespace shortpack

// The one YAML reader of shortpack's files (campaign, brand and preset files): every problem in
// a file is one Error "<file>:<line>: <where>: <problem> (<fix>)", with the line the problem is on.
//
//   const yaml::Doc doc{path, path.parent_path(), "preset file", "Platform presets"};
//   const YAML::Node root = yaml::read_yaml(doc, path);   // size limit, syntax, one document, empty
//   const yaml::Where top{&doc, ""};
//   const yaml::MapReader m(top, root, {"label", "size"}, "e.g. label: TikTok");  // keys checked
//   if (const YAML::Node* v = m.find("label")) label = yaml::need_text(top, *v, "label", "...");
//
// MapReader checks a map's keys once, as it meets them: a map, plain keys, each known (unknown
// ones get "did you mean" from base/edit_distance.h), none twice, none without a value. The
// need_* readers check one value each. Text quoted from the file is cut to 80 bytes and control
// characters are escaped, so a message never carries a terminal escape sequence.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "filters/core/error.h"
#include "pipeline/base/text.h"

namespace shortpack::yaml {

// One YAML file being read: how messages name it and what its relative paths are relative to.
struct Doc {
  std::filesystem::path display;          // as the user named it (or as the campaign named the brand file)
  std::filesystem::path base_dir;         // absolute folder that relative paths start from
  std::string kind;                       // "campaign file" | "brand file" | "preset file"
  std::string guide;                      // README section describing the file, named when it is empty
  int64_t max_bytes = int64_t(16) << 20;  // a larger file is refused (ErrorKind::kLimit)
  std::string limit_option;               // the --limit that raises max_bytes; empty: none
};

// 1-based line of a parsed node; 0 for a node without a mark.
int line_of(const YAML::Node& node);
// Bytes a terminal should not receive: control characters and invalid UTF-8 become \xNN.
std::string printable(const std::string& text);
// A value from the file, as quoted in a message: at most 80 bytes of it (whole characters).
std::string shown(const std::string& text);

// Throws Error(kind) "<display>[:<line>]: <problem>[ (<fix>)]" (made printable).
[[noreturn]] void fail_at(const Doc& doc, int line, const std::string& problem, const std::string& fix,
                          ErrorKind kind = ErrorKind::kInput);

// A place in a document, named the way a user would say it: "clip 'benefits' segment 2".
struct Where {
  const Doc* doc;
  std::string what;  // empty at the top level of a file

  [[noreturn]] void fail(const YAML::Node& at, const std::string& problem, const std::string& fix,
                         ErrorKind kind = ErrorKind::kInput) const;
  [[nodiscard]] Where sub(const std::string& more) const;
  // "in clip 'x'" / "in the campaign file" for messages about keys.
  [[nodiscard]] std::string in() const;
};

// `key:` with nothing after it. yaml-cpp marks such a null at the next token, often the next
// line, so the key's line is reported. No key of shortpack takes an empty value.
void reject_missing_value(const Where& w, const std::string& name, const YAML::Node& key,
                          const YAML::Node& value);

// The keys of one YAML map, checked: a map, scalar keys, each known, none twice. Keys are checked
// as they are met, so at most (known + 1) entries of any map are ever visited, however large the
// map is or however often an alias repeats it.
class MapReader {
 public:
  MapReader(const Where& where, const YAML::Node& node, std::vector<std::string_view> known,
            const std::string& example);

  [[nodiscard]] const YAML::Node* find(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return find(key) != nullptr; }
  [[nodiscard]] const YAML::Node& require(std::string_view key, const std::string& example) const;
  [[nodiscard]] const YAML::Node& node() const { return node_; }
  // The keys present, in the file's order.
  [[nodiscard]] const std::vector<std::pair<std::string, YAML::Node>>& fields() const { return fields_; }

 private:
  Where where_;
  YAML::Node node_;
  std::vector<std::pair<std::string, YAML::Node>> fields_;
};

// ---- one value each ---------------------------------------------------------------------------

// Text with something other than white space in it.
std::string need_text(const Where& w, const YAML::Node& node, const std::string& key,
                      const std::string& example);
// A finite decimal number ("+" allowed), or nullopt.
std::optional<double> parse_double(const std::string& text);
double need_number(const Where& w, const YAML::Node& node, const std::string& key, const std::string& what,
                   const std::string& example);
double need_number_in(const Where& w, const YAML::Node& node, const std::string& key, const std::string& what,
                      double lo, double hi, const std::string& example);
double need_seconds(const Where& w, const YAML::Node& node, const std::string& key);
// More than 0 and at most max_s.
double need_positive_seconds(const Where& w, const YAML::Node& node, const std::string& key, double max_s);
int64_t need_integer_in(const Where& w, const YAML::Node& node, const std::string& key, int64_t lo,
                        int64_t hi);
// true/yes/on or false/no/off, in any case.
bool need_bool(const Where& w, const YAML::Node& node, const std::string& key);
// One of `names`, exactly as written there.
std::string need_name(const Where& w, const YAML::Node& node, const std::string& key,
                      std::span<const std::string> names);

// One of an enum's names (a table of {name, value}); the message lists them all.
template <typename Enum>
Enum need_choice(const Where& w, const YAML::Node& node, const std::string& key,
                 std::span<const std::pair<const char*, Enum>> choices) {
  std::vector<std::string> names;
  for (const auto& [name, value] : choices) {
    if (node.IsScalar() && node.Scalar() == name) return value;
    names.emplace_back(name);
  }
  const std::string found = node.IsScalar() ? "'" + shown(node.Scalar()) + "'" : "not a name";
  w.fail(node, "'" + key + "' is " + found, "use one of: " + join(names));
}

// ---- whole files ------------------------------------------------------------------------------

// Reads one YAML file within doc.max_bytes: syntax errors, a second document after the first and
// an empty file become file:line messages. Returns the document's root.
YAML::Node read_yaml(const Doc& doc, const std::filesystem::path& path);

}  // namespace shortpack::yaml

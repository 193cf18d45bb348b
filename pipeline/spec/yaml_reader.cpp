#include "pipeline/spec/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include "pipeline/base/edit_distance.h"
#include "pipeline/base/number.h"

namespace shortpack::yaml {

namespace fs = std::filesystem;

int line_of(const YAML::Node& node) {
  // Only nodes that came from the parser carry a mark; zombies (missing keys) are never passed.
  const YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto escape = [&out](unsigned char c) {
    static const char* kHex = "0123456789ABCDEF";
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  };
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      escape(c);
      ++i;
      continue;
    }
    size_t length = 1;
    if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
    } else if (c >= 0xE0) {
      length = 3;
    } else if (c >= 0xC2 && c < 0xE0) {
      length = 2;
    } else if (c >= 0x80) {
      length = 0;  // a continuation byte or an impossible lead byte
    }
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k)
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    if (!valid) {
      escape(c);
      ++i;
      continue;
    }
    out.append(text, i, length);
    i += length;
  }
  return out;
}

std::string shown(const std::string& text) {
  constexpr size_t kMax = 80;
  if (text.size() <= kMax) return text;
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters
  return text.substr(0, cut) + "...";
}

void fail_at(const Doc& doc, int line, const std::string& problem, const std::string& fix, ErrorKind kind) {
  std::string message = doc.display.string();
  if (line > 0) message += ":" + std::to_string(line);
  message += ": " + problem;
  if (!fix.empty()) message += " (" + fix + ")";
  throw Error(kind, printable(message));
}

void Where::fail(const YAML::Node& at, const std::string& problem, const std::string& fix,
                 ErrorKind kind) const {
  fail_at(*doc, line_of(at), what.empty() ? problem : what + ": " + problem, fix, kind);
}

Where Where::sub(const std::string& more) const {
  return Where{doc, what.empty() ? more : what + " " + more};
}

std::string Where::in() const { return what.empty() ? "the " + doc->kind : what; }

void reject_missing_value(const Where& w, const std::string& name, const YAML::Node& key,
                          const YAML::Node& value) {
  if (value.IsNull()) {
    w.fail(key, "'" + shown(name) + "' has no value",
           "write a value after the colon; quote values that start with '#', which YAML reads as a comment");
  }
}

namespace {

std::string known_list(const std::vector<std::string_view>& known) {
  return join(std::vector<std::string>(known.begin(), known.end()));
}

}  // namespace

MapReader::MapReader(const Where& where, const YAML::Node& node, std::vector<std::string_view> known,
                     const std::string& example)
    : where_(where), node_(node) {
  if (!node.IsMap()) fail_at(*where.doc, line_of(node), where.in() + " must be a map of keys", example);
  // Iterators hand out temporaries: copy the (cheap, shared) nodes rather than bind references.
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) where.fail(key, "a key must be a plain name", "known keys: " + known_list(known));
    const std::string& name = key.Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      const std::string guess = closest_name(name, known);
      const std::string fix = guess.empty() ? "" : "did you mean '" + guess + "'? ";
      fail_at(*where.doc, line_of(key), "unknown key '" + shown(name) + "' in " + where.in(),
              fix + "known keys: " + known_list(known));
    }
    for (const auto& [seen, unused] : fields_) {
      if (seen == name) {
        fail_at(*where.doc, line_of(key), "key '" + name + "' appears twice in " + where.in(),
                "keep one of them");
      }
    }
    reject_missing_value(where, name, key, value);
    fields_.emplace_back(name, value);
  }
}

const YAML::Node* MapReader::find(std::string_view key) const {
  for (const auto& [name, value] : fields_) {
    if (name == key) return &value;
  }
  return nullptr;
}

const YAML::Node& MapReader::require(std::string_view key, const std::string& example) const {
  const YAML::Node* value = find(key);
  if (value == nullptr) where_.fail(node_, "missing required key '" + std::string(key) + "'", example);
  return *value;
}

// ---- scalars ------------------------------------------------------------------------------

namespace {

// ", found 'wide'": the value a message quotes, when it is one.
std::string found_text(const YAML::Node& node) {
  return node.IsScalar() ? ", found '" + shown(node.Scalar()) + "'" : std::string();
}

}  // namespace

std::string need_text(const Where& w, const YAML::Node& node, const std::string& key,
                      const std::string& example) {
  if (node.IsNull()) w.fail(node, "'" + key + "' is empty", example);
  if (!node.IsScalar()) w.fail(node, "'" + key + "' must be text", example);
  const std::string& text = node.Scalar();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    w.fail(node, "'" + key + "' is empty", example);
  }
  return text;
}

std::optional<double> parse_double(const std::string& text) { return parse_finite_number(text); }

double need_number(const Where& w, const YAML::Node& node, const std::string& key, const std::string& what,
                   const std::string& example) {
  std::optional<double> value;
  if (node.IsScalar()) value = parse_double(node.Scalar());
  if (!value) w.fail(node, "'" + key + "' must be " + what, example);
  return *value;
}

double need_number_in(const Where& w, const YAML::Node& node, const std::string& key, const std::string& what,
                      double lo, double hi, const std::string& example) {
  const double value = need_number(w, node, key, what, example);
  if (value < lo || value > hi) {
    w.fail(node,
           "'" + key + "' is " + number_text(value) + ", outside " + number_text(lo) + ".." + number_text(hi),
           example);
  }
  return value;
}

double need_seconds(const Where& w, const YAML::Node& node, const std::string& key) {
  return need_number(w, node, key, "a number of seconds", "write e.g. " + key + ": 2.5");
}

double need_positive_seconds(const Where& w, const YAML::Node& node, const std::string& key, double max_s) {
  const double value = need_seconds(w, node, key);
  if (value <= 0 || value > max_s) {
    w.fail(node,
           "'" + key + "' is " + number_text(value) + " s; it must be more than 0 and at most " +
               number_text(max_s) + " s",
           "write e.g. " + key + ": 2.5");
  }
  return value;
}

int64_t need_integer_in(const Where& w, const YAML::Node& node, const std::string& key, int64_t lo,
                        int64_t hi) {
  int64_t value = 0;
  bool ok = false;
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    const char* first = text.data();
    const char* last = text.data() + text.size();
    if (first != last && *first == '+') ++first;
    const auto [ptr, ec] = std::from_chars(first, last, value);
    ok = ec == std::errc() && ptr == last;
  }
  const std::string range = std::to_string(lo) + ".." + std::to_string(hi);
  if (!ok) w.fail(node, "'" + key + "' must be a whole number" + found_text(node), "a value in " + range);
  if (value < lo || value > hi) {
    w.fail(node, "'" + key + "' is " + std::to_string(value) + ", outside " + range, "");
  }
  return value;
}

bool need_bool(const Where& w, const YAML::Node& node, const std::string& key) {
  if (node.IsScalar()) {
    const std::string text = ascii_lower(node.Scalar());
    if (text == "true" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "no" || text == "off") return false;
  }
  w.fail(node, "'" + key + "' must be true or false" + found_text(node),
         "write " + key + ": true or " + key + ": false");
}

std::string need_name(const Where& w, const YAML::Node& node, const std::string& key,
                      std::span<const std::string> names) {
  if (node.IsScalar()) {
    for (const std::string& name : names) {
      if (node.Scalar() == name) return name;
    }
  }
  const std::string found = node.IsScalar() ? "'" + shown(node.Scalar()) + "'" : "not a name";
  w.fail(node, "'" + key + "' is " + found,
         "use one of: " + join(std::vector<std::string>(names.begin(), names.end())));
}

// ---- whole files --------------------------------------------------------------------------------

namespace {

// Notes where a document starts and ignores the rest: used to find out whether a file holds more
// than one document without building nodes for it.
class DocumentStart : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& start) override { mark = start; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnAlias(const YAML::Mark& /*mark*/, YAML::anchor_t /*anchor*/) override {}
  void OnScalar(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                const std::string& /*value*/) override {}
  void OnSequenceStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                       YAML::EmitterStyle::value /*style*/) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& /*mark*/, const std::string& /*tag*/, YAML::anchor_t /*anchor*/,
                  YAML::EmitterStyle::value /*style*/) override {}
  void OnMapEnd() override {}

  YAML::Mark mark = YAML::Mark::null_mark();
};

// "campaign" of "campaign file": what one file holds.
std::string thing_of(const Doc& doc) {
  const std::string_view kind = doc.kind;
  return std::string(kind.ends_with(" file") ? kind.substr(0, kind.size() - 5) : kind);
}

}  // namespace

YAML::Node read_yaml(const Doc& doc, const fs::path& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) fail_at(doc, 0, "file not found", "check the path of the " + doc.kind);
  if (!fs::is_regular_file(status)) fail_at(doc, 0, "not a regular file", "give the path of a YAML file");
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) fail_at(doc, 0, "cannot read the file: " + ec.message(), "check its permissions");
  const auto limit = static_cast<uintmax_t>(std::max<int64_t>(doc.max_bytes, 0));
  if (size > limit) {
    const std::string fix =
        "a " + thing_of(doc) + " this large is not expected; split it into several files" +
        (doc.limit_option.empty() ? std::string()
                                  : ", or raise the limit with --limit " + doc.limit_option + "=N");
    fail_at(doc, 0,
            "the " + doc.kind + " is " + std::to_string(size) + " bytes, more than the limit of " +
                std::to_string(limit) + " bytes",
            fix, ErrorKind::kLimit);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_at(doc, 0, "cannot open the file", "check its permissions");
  std::string text;
  text.resize(static_cast<size_t>(limit) + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > limit) {
    fail_at(doc, 0, "the " + doc.kind + " grew past the limit of " + std::to_string(limit) + " bytes",
            "split it into several files", ErrorKind::kLimit);
  }

  YAML::Node root;
  std::optional<YAML::Mark> extra;
  try {
    root = YAML::Load(text);
    // Anything after the first document is an error, not silently dropped. YAML::LoadAll is not
    // used: yaml-cpp 0.7 loops forever, allocating, on a stray ',' where a document should start;
    // the parser is asked for at most two documents instead.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStart first;
    DocumentStart second;
    if (parser.HandleNextDocument(first) && parser.HandleNextDocument(second)) extra = second.mark;
  } catch (const YAML::Exception& e) {
    // ParserException (and DeepRecursion for absurd nesting) carry the position of the problem.
    fail_at(doc, e.mark.is_null() ? 0 : e.mark.line + 1, "YAML syntax error: " + e.msg,
            "check the indentation, colons and quotes here and on the line before");
  }
  if (extra) {
    fail_at(doc, extra->is_null() ? 0 : extra->line + 1,
            "unexpected content after the end of the " + doc.kind +
                " (a second '---' document, or a stray ',' ']' or '}')",
            "one file holds one " + thing_of(doc) + "; remove what follows");
  }
  if (root.IsNull()) {
    fail_at(doc, 1, "the " + doc.kind + " is empty",
            doc.guide.empty() ? "" : "see README, \"" + doc.guide + "\"");
  }
  return root;
}

}  // namespace shortpack::yaml

#include "pipeline/studio/tryout.h"

#include <charconv>
#include <cmath>
#include <sstream>

#include "filters/core/error.h"
#include "pipeline/base/atomic_file.h"
#include "pipeline/base/number.h"

namespace shortpack::studio {

namespace fs = std::filesystem;

namespace {

const std::string* param_of(const std::multimap<std::string, std::string>& params, const std::string& key) {
  const auto it = params.find(key);
  if (it == params.end() || it->second.empty()) return nullptr;
  return &it->second;
}

std::optional<int> whole_param(const std::multimap<std::string, std::string>& params,
                               const std::string& key) {
  const std::string* text = param_of(params, key);
  if (text == nullptr) return std::nullopt;
  int value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0 || value > 8192) {
    throw Error(ErrorKind::kInput, key + " must be a whole number of pixels from 0 to 8192.");
  }
  return value;
}

std::optional<double> fraction_param(const std::multimap<std::string, std::string>& params,
                                     const std::string& key, double lo, double hi, const std::string& what) {
  const std::string* text = param_of(params, key);
  if (text == nullptr) return std::nullopt;
  const std::optional<double> value = parse_finite_number(*text);
  if (!value || *value < lo || *value > hi) {
    std::ostringstream range;
    range << lo << " to " << hi;
    throw Error(ErrorKind::kInput, key + " must be " + what + " from " + range.str() + ".");
  }
  return *value;
}

std::optional<LogoPosition> position_param(const std::multimap<std::string, std::string>& params) {
  const std::string* text = param_of(params, "logo_position");
  if (text == nullptr) return std::nullopt;
  if (const LogoPosition p = logo_position_from_text(*text); p != LogoPosition::kInvalid) return p;
  throw Error(ErrorKind::kInput,
              "logo_position must be one of top-left, top-right, bottom-left, bottom-right.");
}

}  // namespace

std::string TryOut::key() const {
  std::ostringstream out;
  const auto put = [&out](const char* name, const auto& v) {
    out << name << "=";
    if (v) out << *v;
    out << ";";
  };
  put("top", top_px);
  put("bottom", bottom_px);
  put("left", left_px);
  put("right", right_px);
  put("caption", caption_size_rel);
  put("logo_width", logo_width_rel);
  out << "logo_position=" << (logo_position ? to_string(*logo_position) : "") << ";";
  return out.str();
}

TryOut parse_tryout(const std::multimap<std::string, std::string>& params) {
  TryOut t;
  t.top_px = whole_param(params, "top_px");
  t.bottom_px = whole_param(params, "bottom_px");
  t.left_px = whole_param(params, "left_px");
  t.right_px = whole_param(params, "right_px");
  t.caption_size_rel =
      fraction_param(params, "caption_size", 0.01, 0.2, "the caption size as a fraction of the frame height");
  t.logo_width_rel =
      fraction_param(params, "logo_width", 0.02, 0.5, "the logo width as a fraction of the frame width");
  t.logo_position = position_param(params);
  return t;
}

std::string tried_preset_yaml(const Preset& base, const TryOut& t) {
  Preset p = base;
  p.safe.top_px = t.top_px.value_or(p.safe.top_px);
  p.safe.bottom_px = t.bottom_px.value_or(p.safe.bottom_px);
  p.safe.left_px = t.left_px.value_or(p.safe.left_px);
  p.safe.right_px = t.right_px.value_or(p.safe.right_px);
  if (t.caption_size_rel) p.caption_size_px = int(std::lround(*t.caption_size_rel * p.height_px));
  if (t.logo_width_rel) p.logo_width_px = int(std::lround(*t.logo_width_rel * p.width_px));
  if (t.logo_position) p.logo_position = to_string(*t.logo_position);
  p.source_file.clear();
  std::string text = preset_to_yaml(p);
  text.insert(0, "# Preset override written by `shortpack studio` (preset try-out): the " + base.name +
                     " preset with the safe zone, caption size and logo below.\n");
  return text;
}

PresetCatalog tried_catalog(const std::vector<fs::path>& folders, const std::string& platform,
                            const std::string& yaml, const fs::path& scratch_dir) {
  fs::remove_all(scratch_dir);
  fs::create_directories(scratch_dir);
  const fs::path file = scratch_dir / (platform + ".yaml");
  write_file_atomically(file, yaml);
  try {
    (void)load_preset_file(file);
  } catch (const Error& e) {
    std::string message = e.what();
    const std::string prefix = file.string() + ":";
    if (message.rfind(prefix, 0) == 0) message = "line " + message.substr(prefix.size());
    throw Error(ErrorKind::kInput,
                "the tried " + platform + " preset is not valid (" + message + "): change the tried values.");
  }
  std::vector<fs::path> all = folders;
  all.push_back(scratch_dir);
  return PresetCatalog::load(all, false);
}

fs::path save_preset_override(const fs::path& presets_dir, const std::string& platform,
                              const std::string& yaml) {
  std::error_code ec;
  if (fs::is_symlink(presets_dir, ec)) {
    throw Error(ErrorKind::kInput, presets_dir.string() +
                                       " is a symlink: the studio writes preset overrides only into a "
                                       "real presets/ folder beside the campaign.");
  }
  fs::create_directories(presets_dir);
  const fs::path file = presets_dir / (platform + ".yaml");
  if (fs::is_symlink(file, ec)) {
    throw Error(ErrorKind::kInput, file.string() + " is a symlink: replace it with a file, then save again.");
  }
  write_file_atomically(file, yaml);
  return file;
}

}  // namespace shortpack::studio

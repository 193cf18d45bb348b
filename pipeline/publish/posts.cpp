#include "pipeline/publish/posts.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <system_error>

#include "pipeline/base/atomic_file.h"
#include "pipeline/render/output_safety.h"
#include "pipeline/render/plan.h"

namespace shortpack {

namespace fs = std::filesystem;

namespace {

const Clip* clip_named(const Campaign& campaign, const std::string& id, const std::string& variant) {
  for (const Clip& c : campaign.clips) {
    if (c.id == id && c.variant == variant) return &c;
  }
  return nullptr;
}

fs::path relative_if_file(const fs::path& path, const fs::path& output_dir) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec)) return {};
  return path.lexically_relative(output_dir);
}

PostRow row_of(const OutputRecord& o, const Clip& clip, const Campaign& campaign, const Preset& preset,
               const fs::path& output_dir) {
  PostRow row;
  row.output = &o;
  row.post = *post_for(campaign, clip, o.platform, o.language);
  row.preset = &preset;
  row.file = o.path.lexically_relative(output_dir);
  // Skipped outputs (up to date) keep the cover and caption file their render wrote.
  row.cover = relative_if_file(fs::path(o.path).replace_extension(".cover.jpg"), output_dir);
  if (preset.post.caption_file) {
    row.caption_file = relative_if_file(fs::path(o.path).replace_extension(".srt"), output_dir);
    if (!row.caption_file.empty())
      row.caption_language = caption_language_name(o.language, preset.post.caption_language);
  }
  row.title_chars = grapheme_count(row.post.title);
  const std::string text = row.post.text_with_hashtags();
  row.text_chars = grapheme_count(text);
  const auto shown = static_cast<size_t>(preset.post.text_shown_chars);
  row.text_cut = shown > 0 && row.text_chars > shown;
  row.text_shown = row.text_cut ? first_graphemes(text, shown) : text;
  return row;
}

std::string csv_of(const std::vector<PostRow>& rows) {
  static const char* kHeader[] = {"clip", "variant", "platform",     "language",
                                  "file", "sha256",  "duration_s",   "title",
                                  "text", "cover",   "caption_file", "caption_language"};
  std::string out;
  for (const char* h : kHeader) out += (out.empty() ? "" : ",") + csv_field(h);
  out += "\r\n";
  for (const PostRow& r : rows) {
    const OutputRecord& o = *r.output;
    const std::vector<std::string> fields = {o.clip,
                                             o.variant,
                                             o.platform,
                                             o.language,
                                             r.file.generic_string(),
                                             o.sha256,
                                             o.duration_s > 0 ? std::to_string(o.duration_s) : std::string(),
                                             r.post.title,
                                             r.post.text_with_hashtags(),
                                             r.cover.generic_string(),
                                             r.caption_file.generic_string(),
                                             r.caption_language};
    for (size_t i = 0; i < fields.size(); ++i) out += (i == 0 ? "" : ",") + csv_field(fields[i]);
    out += "\r\n";
  }
  return out;
}

nlohmann::json json_of(const PostRow& r) {
  const OutputRecord& o = *r.output;
  const PostSpec& limits = r.preset->post;
  nlohmann::json j = {{"clip", o.clip},
                      {"variant", o.variant},
                      {"platform", o.platform},
                      {"language", o.language},
                      {"file", r.file.generic_string()},
                      {"sha256", o.sha256},
                      {"duration_s", o.duration_s},
                      {"title", r.post.title},
                      {"text", r.post.text_with_hashtags()},
                      {"hashtags", r.post.hashtags},
                      {"cover", r.cover.generic_string()},
                      {"caption_file", r.caption_file.generic_string()},
                      {"caption_language", r.caption_language}};
  j["counts"] = {{"title_chars", r.title_chars},
                 {"title_max_chars", limits.title_max_chars},
                 {"text_chars", r.text_chars},
                 {"text_max_chars", limits.text_max_chars},
                 {"hashtags", r.post.hashtags.size()},
                 {"hashtags_max", limits.hashtags_max},
                 {"text_shown_chars", limits.text_shown_chars}};
  j["text_shown"] = r.text_shown;
  j["text_cut"] = r.text_cut;
  if (o.post.cover_at_s >= 0) {
    j["cover_at_s"] = o.post.cover_at_s;
    j["cover_sharpness"] = o.post.cover_sharpness;
    j["median_sharpness"] = o.post.median_sharpness;
    j["cover_face"] = o.post.cover_face;
  }
  return j;
}

}  // namespace

std::string caption_language_name(const std::string& tag, const std::string& naming) {
  if (naming != "iso639-1") return tag;
  const std::string primary = tag.substr(0, tag.find('-'));
  return primary.size() == 2 ? primary : tag;
}

std::string csv_field(const std::string& value) {
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<PostRow> post_rows(const RenderReport& report, const Campaign& campaign,
                               const PresetCatalog& presets, const fs::path& output_dir) {
  std::vector<PostRow> rows;
  for (const OutputRecord& o : report.outputs) {
    std::error_code ec;
    if (o.proxy || o.status == OutputStatus::kFailed || !fs::is_regular_file(o.path, ec)) continue;
    const Clip* clip = clip_named(campaign, o.clip, o.variant);
    if (clip == nullptr || !clip->post) continue;
    rows.push_back(row_of(o, *clip, campaign, presets.get(o.platform), output_dir));
  }
  return rows;
}

bool write_posts(const RenderReport& report, const Campaign& campaign, const PresetCatalog& presets,
                 const fs::path& output_dir) {
  if (std::none_of(campaign.clips.begin(), campaign.clips.end(),
                   [](const Clip& c) { return c.post.has_value(); }))
    return false;
  const std::vector<PostRow> rows = post_rows(report, campaign, presets, output_dir);
  const fs::path folder = output_dir / "publish";
  ensure_output_folder(output_dir, folder);  // never through a symbolic link planted there
  write_file_atomically(folder / "posts.csv", csv_of(rows));
  nlohmann::json all = nlohmann::json::array();
  for (const PostRow& r : rows) all.push_back(json_of(r));
  write_file_atomically(folder / "posts.json", all.dump(2) + "\n");
  return true;
}

}  // namespace shortpack

// The posts of a run (issue 30): DIR/NAME/publish/posts.csv and posts.json, one row per output
// with a file, what a bulk scheduler imports: clip, variant, platform, language, the file (path
// relative to DIR/NAME), its sha256 and duration, the post's title and its text with hashtags, the
// cover and the caption file (relative paths, empty when none) and how the platform names the
// caption's language. posts.json has the same rows with each text's count against the platform's
// limits and where the feed cuts it. UTF-8; the CSV is RFC 4180 (every field quoted, CRLF).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/render/render.h"
#include "pipeline/spec/campaign.h"
#include "pipeline/spec/post.h"
#include "pipeline/spec/preset.h"

namespace shortpack {

struct PostRow {
  const OutputRecord* output = nullptr;
  ResolvedPost post;
  const Preset* preset = nullptr;
  std::filesystem::path file;          // relative to the campaign's output folder
  std::filesystem::path cover;         // "" when none on disk
  std::filesystem::path caption_file;  // "" when none on disk
  std::string caption_language;        // as the platform names it
  size_t title_chars = 0;              // grapheme clusters
  size_t text_chars = 0;               // of the text with hashtags
  std::string text_shown;              // what the feed shows before "... more" (all of it when not cut)
  bool text_cut = false;
};

// The rows of the outputs of `report` that have a file, for clips with a `post:`, in report order.
std::vector<PostRow> post_rows(const RenderReport& report, const Campaign& campaign,
                               const PresetCatalog& presets, const std::filesystem::path& output_dir);

// How a platform names a language: `bcp47` the tag as is, `iso639-1` its language subtag.
std::string caption_language_name(const std::string& tag, const std::string& naming);

// One CSV field (RFC 4180): quoted, '"' doubled.
std::string csv_field(const std::string& value);

// Writes output_dir/publish/posts.csv and posts.json atomically when any clip has a post; returns
// whether it did. Throws Error(kIo) when they cannot be written.
bool write_posts(const RenderReport& report, const Campaign& campaign, const PresetCatalog& presets,
                 const std::filesystem::path& output_dir);

}  // namespace shortpack

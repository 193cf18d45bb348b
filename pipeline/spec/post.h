// The post of each output (issue 30): its title, text and hashtags resolved for one platform and
// language, counted the way platforms count, and checked against the platform's limits
// (Preset::post) before anything renders.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/spec/campaign.h"
#include "pipeline/spec/preset.h"

namespace shortpack {

// What is posted with one output: the platform's override of each field, else the clip's; the
// brand's default hashtags follow the post's own (each tag once). Lines are the campaign file's.
struct ResolvedPost {
  std::string title;  // empty when the post gives none
  std::string text;
  std::vector<std::string> hashtags;  // without '#'
  int title_line = 0;
  int text_line = 0;
  int hashtags_line = 0;
  // The description as posted: the text, a blank line, then "#a #b" (no blank line without tags).
  [[nodiscard]] std::string text_with_hashtags() const;
};

// The post of `clip` (an expanded clip: its texts are its variant's) on `platform` in `language`;
// nullopt when the clip has no `post:`.
std::optional<ResolvedPost> post_for(const Campaign& campaign, const Clip& clip, const std::string& platform,
                                     const std::string& language);

// User-perceived characters (extended grapheme clusters, ICU), the way platforms count a title:
// "e\u0301" and a Khmer consonant with its subscript and vowel sign are one each.
size_t grapheme_count(std::string_view utf8);
// The first `n` grapheme clusters of `utf8` (all of it when it has no more).
std::string first_graphemes(std::string_view utf8, size_t n);

// Every problem of every post (a title or text over a platform's limit, a language without text,
// too many hashtags), one sentence each naming the campaign file and line, the platform and the
// limit, appended to `problems`. `file` names the campaign as the user gave it.
void check_posts(const Campaign& campaign, const PresetCatalog& presets, const std::string& file,
                 std::vector<std::string>& problems);

}  // namespace shortpack

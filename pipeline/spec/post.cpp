#include "pipeline/spec/post.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <memory>
#include <set>

#include "filters/core/error.h"
#include "pipeline/base/text.h"

namespace shortpack {

namespace {

// The boundaries of `text`'s grapheme clusters, as UTF-16 offsets from ICU turned into counts.
std::unique_ptr<icu::BreakIterator> grapheme_iterator(const icu::UnicodeString& text) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(
      icu::BreakIterator::createCharacterInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || !it) throw Error(ErrorKind::kInternal, "ICU cannot segment text into characters");
  it->setText(text);
  return it;
}

// The value of `field` for a language: the platform's override, else the clip's.
template <typename T>
const T* pick(const std::map<std::string, T>* own, const std::map<std::string, T>& base,
              const std::string& key) {
  if (own != nullptr) {
    if (auto it = own->find(key); it != own->end()) return &it->second;
  }
  if (auto it = base.find(key); it != base.end()) return &it->second;
  return nullptr;
}

int line_in(const PostWords* own, const PostWords& base, std::map<std::string, int> PostWords::*lines,
            const std::string& key) {
  const int* line = pick(own != nullptr ? &(own->*lines) : nullptr, base.*lines, key);
  return line != nullptr ? *line : 0;
}

}  // namespace

std::string ResolvedPost::text_with_hashtags() const {
  std::string tags;
  for (const std::string& t : hashtags) tags += (tags.empty() ? "#" : " #") + t;
  if (tags.empty()) return text;
  return text.empty() ? tags : text + "\n\n" + tags;
}

size_t grapheme_count(std::string_view utf8) {
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
  const auto it = grapheme_iterator(text);
  size_t n = 0;
  for (int32_t p = it->next(); p != icu::BreakIterator::DONE; p = it->next()) ++n;
  return n;
}

std::string first_graphemes(std::string_view utf8, size_t n) {
  const icu::UnicodeString text =
      icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), int32_t(utf8.size())));
  const auto it = grapheme_iterator(text);
  int32_t end = 0;
  for (size_t i = 0; i < n; ++i) {
    const int32_t p = it->next();
    if (p == icu::BreakIterator::DONE) return std::string(utf8);
    end = p;
  }
  std::string out;
  text.tempSubString(0, end).toUTF8String(out);
  return out;
}

std::optional<ResolvedPost> post_for(const Campaign& campaign, const Clip& clip, const std::string& platform,
                                     const std::string& language) {
  if (!clip.post) return std::nullopt;
  const Post& post = *clip.post;
  const auto over = post.platforms.find(platform);
  const PostWords* own = over == post.platforms.end() ? nullptr : &over->second;
  const PostWords& base = post.words;
  ResolvedPost r;
  if (const auto* t = pick(own ? &own->title : nullptr, base.title, language)) r.title = *t;
  if (const auto* t = pick(own ? &own->text : nullptr, base.text, language)) r.text = *t;
  r.title_line = line_in(own, base, &PostWords::title_line, language);
  r.text_line = line_in(own, base, &PostWords::text_line, language);
  // The platform's hashtags (for the language, else its list for every language) replace the clip's.
  const std::vector<std::string>* tags = nullptr;
  for (const PostWords* words : {own, &base}) {
    if (words == nullptr || tags != nullptr) continue;
    for (const std::string& key : {language, std::string()}) {
      if (const auto it = words->hashtags.find(key); tags == nullptr && it != words->hashtags.end()) {
        tags = &it->second;
        const auto line = words->hashtags_line.find(key);
        r.hashtags_line = line == words->hashtags_line.end() ? 0 : line->second;
      }
    }
  }
  std::set<std::string> seen;
  if (tags != nullptr) {
    for (const std::string& t : *tags) {
      if (seen.insert(t).second) r.hashtags.push_back(t);
    }
  }
  for (const std::string& t : campaign.brand_of(clip).hashtags) {
    if (seen.insert(t).second) r.hashtags.push_back(t);
  }
  return r;
}

namespace {

// One clip's posts on one platform in one language, checked against `limits`.
void check_post(const std::string& file, const Campaign& campaign, const Clip& clip, const Preset& preset,
                const std::string& language, std::set<std::string>& said,
                std::vector<std::string>& problems) {
  const ResolvedPost r = *post_for(campaign, clip, preset.name, language);
  const PostSpec& limits = preset.post;
  const std::string whose =
      "clip '" + clip.id + "'" + (clip.variant.empty() ? "" : " (variant '" + clip.variant + "')");
  // The variants of a clip share its lines: a problem is said once per line, platform, language
  // and count, not once per variant with the same text.
  const auto say = [&](int line, const std::string& problem, const std::string& fix) {
    line = line > 0 ? line : clip.post->line;
    const std::string text = file + ":" + std::to_string(line) + ": " + problem + " (" + fix + ")";
    std::string key = problem;
    if (const size_t at = key.find(whose); at != std::string::npos) key.replace(at, whose.size(), clip.id);
    key = std::to_string(line) + "|" + preset.name + "|" + language + "|" + key;
    if (said.insert(key).second) problems.push_back(text);
  };
  if (limits.title_max_chars > 0 && r.title.empty()) {
    say(clip.post->words.title_key_line,
        "the post of " + whose + " has no " + language + " title for " + preset.label +
            ", which takes one of up to " + std::to_string(limits.title_max_chars) + " characters",
        "add " + language + ": \"...\" to its title");
  }
  if (r.text.empty()) {
    say(clip.post->words.text_key_line,
        "the post of " + whose + " has no " + language + " text for " + preset.label,
        "add " + language + ": \"...\" to its text");
  }
  if (const size_t n = grapheme_count(r.title);
      limits.title_max_chars > 0 && n > size_t(limits.title_max_chars)) {
    say(r.title_line,
        "the " + language + " title of " + whose + " has " + std::to_string(n) + " characters, over " +
            preset.label + "'s limit of " + std::to_string(limits.title_max_chars),
        "shorten it, or give " + preset.name + " a title of its own under post: " + preset.name + ": title:");
  }
  if (const size_t n = grapheme_count(r.text_with_hashtags());
      limits.text_max_chars > 0 && n > size_t(limits.text_max_chars)) {
    say(r.text_line,
        "the " + language + " text of " + whose + " with its hashtags has " + std::to_string(n) +
            " characters, over " + preset.label + "'s limit of " + std::to_string(limits.text_max_chars),
        "shorten it, or give " + preset.name + " a text of its own under post: " + preset.name + ": text:");
  }
  if (limits.hashtags_max > 0 && r.hashtags.size() > size_t(limits.hashtags_max)) {
    const int line = r.hashtags_line > 0 ? r.hashtags_line : campaign.brand_of(clip).hashtags_line;
    say(line,
        "the " + language + " post of " + whose + " has " + std::to_string(r.hashtags.size()) +
            " hashtags (the brand's included), over " + preset.label + "'s limit of " +
            std::to_string(limits.hashtags_max),
        "remove some");
  }
}

}  // namespace

void check_posts(const Campaign& campaign, const PresetCatalog& presets, const std::string& file,
                 std::vector<std::string>& problems) {
  std::set<std::string> said;  // a clip's text is said once, not once per variant that shares it
  for (const Clip& clip : campaign.clips) {
    if (!clip.post) continue;
    for (const std::string& platform : campaign.platforms_of(clip)) {
      const Preset& preset = presets.get(platform);
      for (const std::string& language : campaign.languages_of(clip))
        check_post(file, campaign, clip, preset, language, said, problems);
    }
  }
}

}  // namespace shortpack

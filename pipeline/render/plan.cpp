#include "pipeline/render/plan.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "filters/core/error.h"
#include "pipeline/base/hash.h"
#include "pipeline/render/shape.h"
#include "pipeline/render/sharing.h"
#include "pipeline/render/timeline.h"
#include "pipeline/spec/post.h"

namespace shortpack {
namespace {

class FileHashes {
 public:
  explicit FileHashes(DigestCache& cache) : cache_(cache) {}
  const std::string& of(const std::filesystem::path& path) {
    auto it = digests_.find(path);
    if (it == digests_.end()) {
      std::string digest;
      try {
        digest = cache_.sha256(path);
      } catch (const Error&) {
        digest = "unreadable";
      }
      it = digests_.emplace(path, std::move(digest)).first;
    }
    return it->second;
  }
  // The columns a subtitle file's text names in {{...}} (bytes scanned, NULs of UTF-16 dropped).
  const std::vector<std::string>& columns_of(const std::filesystem::path& path) {
    auto it = columns_.find(path);
    if (it == columns_.end()) {
      std::ifstream in(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      bytes.erase(std::remove(bytes.begin(), bytes.end(), '\0'), bytes.end());
      std::vector<PlaceholderGap> gaps;
      if (has_placeholder(bytes)) (void)expand_placeholders(bytes, {}, gaps);
      std::vector<std::string> names;
      for (const PlaceholderGap& g : gaps) names.push_back(g.column);
      it = columns_.emplace(path, std::move(names)).first;
    }
    return it->second;
  }

 private:
  DigestCache& cache_;
  std::map<std::filesystem::path, std::string> digests_;
  std::map<std::filesystem::path, std::vector<std::string>> columns_;
};

std::string number(double v) {
  std::ostringstream s;
  s.imbue(std::locale::classic());
  s.precision(17);
  s << v;
  return s.str();
}

void add_style(Sha256& h, const CaptionStyle& s) {
  h.field("font", s.font_family).field("size", number(s.size_rel)).field("colour", s.primary_colour);
  h.field("outline_colour", s.outline_colour).field("outline", number(s.outline_rel));
  h.field("shadow", number(s.shadow_rel)).field("box", s.box ? "1" : "0").field("box_colour", s.box_colour);
  h.field("bold", s.bold ? "1" : "0").field("max_lines", std::to_string(s.max_lines));
  if (s.animation != CaptionStyle::Animation::kNone) {
    h.field("animation", std::to_string(static_cast<int>(s.animation)))
        .field("highlight", s.highlight_colour);
    h.field("highlight_box", s.highlight_box ? "1" : "0");
  }
}

}  // namespace

std::string output_file_name(const std::string& clip, const std::string& platform,
                             const std::string& language, bool proxy, const std::string& variant) {
  return clip_key(clip, variant) + "." + platform + "." + language + (proxy ? ".proxy.mp4" : ".mp4");
}

std::string clip_key(const std::string& clip, const std::string& variant) {
  return variant.empty() ? clip : clip + "." + variant;
}

namespace {

// What every output of one (clip, variant) shares, its brand included (a variant's own brand file's
// values, and the files it names, so that editing one variant's brand re-renders only that variant).
std::string clip_digest_of(const Campaign& campaign, const Clip& clip, FileHashes& files) {
  const Brand& brand = campaign.brand_of(clip);
  Sha256 clip_hash;
  clip_hash.field("shortpack", SHORTPACK_VERSION).field("clip", clip.id);
  if (!clip.variant.empty()) clip_hash.field("variant", clip.variant);
  clip_hash.field("reframe", to_string(clip.reframe)).field("bumpers", clip.use_bumpers ? "1" : "0");
  for (const Segment& s : clip.segments) {
    clip_hash.field("segment", std::to_string(static_cast<int>(s.kind)));
    if (!s.source.empty()) clip_hash.field("source", files.of(s.source));
    clip_hash.field("start", s.start_s ? number(*s.start_s) : "-")
        .field("end", s.end_s ? number(*s.end_s) : "-");
    clip_hash.field("duration", number(s.duration_s)).field("background", s.background);
    clip_hash.field("motion", std::to_string(static_cast<int>(s.motion)));
    clip_hash.field("transition", std::to_string(static_cast<int>(s.transition.kind)) + "/" +
                                      number(s.transition.duration_s));
    clip_hash.field("segment_reframe", s.reframe ? to_string(*s.reframe) : "-");
    for (const auto& [lang, text] : s.card_text) clip_hash.field("card." + lang, text);
  }
  clip_hash.field("logo", brand.logo.empty() ? "-" : files.of(brand.logo));
  clip_hash.field("logo_position", to_string(brand.logo_position));
  clip_hash.field("logo_width", number(brand.logo_width_rel))
      .field("logo_opacity", number(brand.logo_opacity));
  clip_hash.field("intro", brand.intro.empty() ? "-" : files.of(brand.intro));
  clip_hash.field("outro", brand.outro.empty() ? "-" : files.of(brand.outro));
  if (brand.music) {
    clip_hash.field("music", files.of(brand.music->file))
        .field("music_level_lu", number(brand.music->level_db));
    clip_hash.field("music_fades", number(brand.music->fade_in_s) + "/" + number(brand.music->fade_out_s));
  }
  add_style(clip_hash, brand.caption_style);
  clip_hash.field("x264_preset", campaign.encode.x264_preset.value_or("-"));
  clip_hash.field("crf", campaign.encode.crf ? std::to_string(*campaign.encode.crf) : "-");
  clip_hash.field("threads", campaign.encode.threads ? std::to_string(*campaign.encode.threads) : "-");
  clip_hash.field("sidecars", campaign.sidecar_captions ? "1" : "0");
  return clip_hash.hex();
}

// One output's fingerprint: the clip's, the preset's, and what its language adds. A variant's
// subtitle file adds the row's values of the columns the file names (the file is shared).
std::string unit_fingerprint(const Campaign& campaign, const Clip& clip, const std::string& clip_digest,
                             const std::string& preset_digest, const std::string& platform,
                             const std::string& lang, FileHashes& files) {
  Sha256 h;
  h.field("clip", clip_digest).field("preset", preset_digest).field("language", lang);
  auto caption = clip.captions.find(lang);
  const bool has_captions = !clip.captions_none && caption != clip.captions.end();
  h.field("captions", has_captions ? files.of(caption->second) : "-");
  if (const Variant* v = clip.variant.empty() ? nullptr : campaign.variant(clip.variant); v && has_captions) {
    for (const std::string& column : files.columns_of(caption->second)) {
      const auto value = v->values.find(column);
      h.field("captions." + column, value == v->values.end() ? "-" : value->second);
    }
  }
  auto vo = clip.voiceover.find(lang);
  h.field("voiceover", vo == clip.voiceover.end() ? "-" : files.of(vo->second));
  if (vo != clip.voiceover.end()) h.field("voiceover_duck", number(clip.voiceover_duck_db));
  auto title = clip.title.find(lang);
  h.field("title", title == clip.title.end() ? "-" : title->second);
  h.field("title_duration", number(clip.title_duration_s));
  const auto& fonts = campaign.brand_of(clip).fonts_by_language;
  auto font = fonts.find(lang);
  h.field("font", font == fonts.end() ? "-" : font->second);
  // The cover beside the file shows the post's title at the picture `cover: at` names (issue 30).
  if (const auto post = post_for(campaign, clip, platform, lang)) {
    h.field("post_title", post->title);
    h.field("cover_at", clip.post->cover_at_s ? number(*clip.post->cover_at_s) : "-");
  }
  return h.hex();
}

// Outputs of one clip (variant) whose settings resolve the same are one encode, as the render
// shapes its graph: the same language and sharing, and, since text is laid out at the final size,
// the same final geometry.
class SameFiles {
 public:
  // The output whose file `output` is, or empty when it is an encode of its own (noted).
  std::filesystem::path of(const std::string& lang, const OutputSharing& sharing, const Preset& final_preset,
                           const std::filesystem::path& output) {
    const Key key{lang, sharing, geometry_key_of(final_preset)};
    for (const auto& [k, first] : encodes_) {
      if (k == key) return first;
    }
    encodes_.emplace_back(key, output);
    return {};
  }

 private:
  struct Key {
    std::string language;
    OutputSharing sharing;
    GeometryKey final_geometry;
    bool operator==(const Key&) const = default;
  };
  std::vector<std::pair<Key, std::filesystem::path>> encodes_;
};

}  // namespace

RenderPlan make_plan(const Campaign& campaign, const PresetCatalog& presets,
                     const std::filesystem::path& out_root, bool proxy) {
  RenderPlan plan;
  plan.proxy = proxy;
  plan.output_dir = proxy ? out_root / campaign.name / "proxy" : out_root / campaign.name;
  plan.digests = std::make_shared<DigestCache>(plan.output_dir / ".shortpack" / "digests.json");
  FileHashes files(*plan.digests);
  std::vector<const Preset*> campaign_presets;
  std::map<std::string, std::string> preset_digests;
  std::map<std::string, Preset> rendered;  // platform -> as rendered (with one_file_per_shape: its shape's)
  for (const auto& p : campaign.platforms) {
    const Preset& preset = presets.get(p);
    campaign_presets.push_back(&preset);
    const Preset& as_rendered = rendered.emplace(p, rendered_preset(campaign, presets, p)).first->second;
    // A proxy's fingerprint holds the proxy preset it is rendered with; a shape's output, its
    // shape's merged preset (another platform joining the shape changes the file).
    preset_digests[p] = sha256_text(preset_to_yaml(proxy ? review_proxy_of(as_rendered) : as_rendered));
  }
  // Seconds and frame rate of each shared timeline (Campaign::timeline_key); a brand's intro and
  // outro are part of it, as they are of the rendered file.
  std::map<Campaign::TimelineKey, std::pair<double, AVRational>> timing_of;
  for (const Clip& clip : campaign.clips) {
    auto [known, fresh] =
        timing_of.emplace(campaign.timeline_key(clip), std::make_pair(0.0, AVRational{0, 1}));
    if (fresh) {
      try {
        const ClipTimeline t = resolve_timeline(clip, campaign_presets, &campaign.brand_of(clip));
        known->second = {t.duration_s, t.frame_rate};
      } catch (const Error&) {
        // the render reports why; the plan still lists the units
      }
    }
    const double duration_s = known->second.first;
    const std::string clip_digest = clip_digest_of(campaign, clip, files);
    SameFiles same_files;  // of this clip (variant)
    for (const std::string& platform : campaign.platforms_of(clip)) {
      const Preset& preset = presets.get(platform);
      const Preset& as_rendered = rendered.at(platform);
      const Preset shown = proxy ? review_proxy_of(as_rendered) : as_rendered;
      const bool refused = duration_s > 0 && (duration_s > preset.duration_max_s + 1e-6 ||
                                              duration_s < preset.duration_min_s - 1e-6);
      for (const std::string& lang : campaign.languages_of(clip)) {
        RenderUnit unit;
        unit.clip_id = clip.id;
        unit.variant = clip.variant;
        unit.platform = platform;
        unit.language = lang;
        unit.output_path =
            plan.output_dir / clip.id / output_file_name(clip.id, platform, lang, proxy, clip.variant);
        unit.duration_s = duration_s;
        unit.cost = duration_s * preset.width_px * preset.height_px;
        unit.fingerprint =
            unit_fingerprint(campaign, clip, clip_digest, preset_digests.at(platform), platform, lang, files);
        if (!refused) {
          const VideoEncodeSettings v =
              video_settings_of(shown, known->second.second, campaign.encode, proxy);
          unit.same_file_as =
              same_files.of(lang, sharing_of(shown, v, mix_of(clip, lang)), as_rendered, unit.output_path);
        }
        plan.units.push_back(std::move(unit));
      }
    }
  }
  return plan;
}

std::string plan_to_json_lines(const RenderPlan& plan) {
  std::string out;
  for (const RenderUnit& u : plan.units) {
    nlohmann::ordered_json j;
    j["clip"] = u.clip_id;
    if (!u.variant.empty()) j["variant"] = u.variant;
    j["platform"] = u.platform;
    j["language"] = u.language;
    j["output"] = u.output_path.string();
    j["fingerprint"] = u.fingerprint;
    j["duration_s"] = u.duration_s;
    j["cost"] = u.cost;
    if (!u.same_file_as.empty()) j["same_file_as"] = u.same_file_as.string();
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace shortpack

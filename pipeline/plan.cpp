#include "pipeline/plan.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "filters/core/error.h"
#include "pipeline/hash.h"
#include "pipeline/timeline.h"

namespace shortpack {
namespace {

class FileHashes {
 public:
  const std::string& of(const std::filesystem::path& path) {
    auto it = cache_.find(path);
    if (it == cache_.end()) {
      std::string digest;
      try {
        digest = sha256_file(path);
      } catch (const Error&) {
        digest = "unreadable";
      }
      it = cache_.emplace(path, std::move(digest)).first;
    }
    return it->second;
  }

 private:
  std::map<std::filesystem::path, std::string> cache_;
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
                             const std::string& language, bool proxy) {
  return clip + "." + platform + "." + language + (proxy ? ".proxy.mp4" : ".mp4");
}

RenderPlan make_plan(const Campaign& campaign, const PresetCatalog& presets,
                     const std::filesystem::path& out_root, bool proxy) {
  RenderPlan plan;
  plan.proxy = proxy;
  plan.output_dir = proxy ? out_root / campaign.name / "proxy" : out_root / campaign.name;
  FileHashes files;
  std::vector<const Preset*> campaign_presets;
  for (const auto& p : campaign.platforms) campaign_presets.push_back(&presets.get(p));
  const Brand& brand = campaign.brand;
  for (const Clip& clip : campaign.clips) {
    double duration_s = 0.0;
    try {
      duration_s = resolve_timeline(clip, campaign_presets).duration_s;
    } catch (const Error&) {
      duration_s = 0.0;  // the render reports why; the plan still lists the units
    }
    // What every output of this clip shares.
    Sha256 clip_hash;
    clip_hash.field("shortpack", SHORTPACK_VERSION).field("clip", clip.id);
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
    const std::string clip_digest = clip_hash.hex();

    for (const std::string& platform : campaign.platforms) {
      const Preset& preset = presets.get(platform);
      // A proxy's fingerprint holds the proxy preset it is rendered with.
      const std::string preset_digest = sha256_text(preset_to_yaml(proxy ? review_proxy_of(preset) : preset));
      for (const std::string& lang : campaign.languages) {
        RenderUnit unit;
        unit.clip_id = clip.id;
        unit.platform = platform;
        unit.language = lang;
        unit.output_path = plan.output_dir / clip.id / output_file_name(clip.id, platform, lang, proxy);
        unit.duration_s = duration_s;
        unit.cost = duration_s * preset.width_px * preset.height_px;
        Sha256 h;
        h.field("clip", clip_digest).field("preset", preset_digest).field("language", lang);
        auto caption = clip.captions.find(lang);
        h.field("captions",
                clip.captions_none || caption == clip.captions.end() ? "-" : files.of(caption->second));
        auto vo = clip.voiceover.find(lang);
        h.field("voiceover", vo == clip.voiceover.end() ? "-" : files.of(vo->second));
        if (vo != clip.voiceover.end()) h.field("voiceover_duck", number(clip.voiceover_duck_db));
        auto title = clip.title.find(lang);
        h.field("title", title == clip.title.end() ? "-" : title->second);
        h.field("title_duration", number(clip.title_duration_s));
        auto font = brand.fonts_by_language.find(lang);
        h.field("font", font == brand.fonts_by_language.end() ? "-" : font->second);
        unit.fingerprint = h.hex();
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
    j["platform"] = u.platform;
    j["language"] = u.language;
    j["output"] = u.output_path.string();
    j["fingerprint"] = u.fingerprint;
    j["duration_s"] = u.duration_s;
    j["cost"] = u.cost;
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace shortpack

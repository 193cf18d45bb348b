#include "pipeline/render/render.h"

#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_for_each.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <optional>
#include <set>
#include <system_error>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "filters/audio/loudness_meter.h"
#include "filters/audio/loudness_normaliser.h"
#include "filters/core/caught_error.h"
#include "filters/core/error.h"
#include "filters/logo_overlay.h"
#include "pipeline/base/atomic_file.h"
#include "pipeline/base/hash.h"
#include "pipeline/base/memory.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/graph/clip_graph.h"
#include "pipeline/media/image_reader.h"
#include "pipeline/media/mp4_writer.h"
#include "pipeline/publish/cover.h"
#include "pipeline/render/audio_timeline.h"
#include "pipeline/render/output_safety.h"
#include "pipeline/render/shape.h"
#include "pipeline/render/sharing.h"
#include "pipeline/render/span_cache.h"
#include "pipeline/render/spans.h"
#include "pipeline/render/test_damage.h"
#include "pipeline/render/timeline.h"
#include "pipeline/spec/post.h"

namespace shortpack {
namespace fs = std::filesystem;

const char* to_string(OutputStatus status) {
  switch (status) {
    case OutputStatus::kOk:
      return "ok";
    case OutputStatus::kFailed:
      return "failed";
    case OutputStatus::kSkipped:
      return "skipped";
    case OutputStatus::kInvalid:
      break;
  }
  return "invalid";
}

OutputRecord record_of(const RenderUnit& unit, bool proxy) {
  OutputRecord r;
  r.clip = unit.clip_id;
  r.variant = unit.variant;
  r.platform = unit.platform;
  r.language = unit.language;
  r.path = unit.output_path;
  r.fingerprint = unit.fingerprint;
  r.proxy = proxy;
  return r;
}

bool RenderReport::all_ok() const {
  for (const auto& o : outputs) {
    if (o.status == OutputStatus::kFailed) return false;
  }
  return true;
}

namespace {

ReframeKind to_reframe_kind(ReframeMode m) {
  switch (m) {
    case ReframeMode::kFitPad:
      return ReframeKind::kFitPad;
    case ReframeMode::kCropCenter:
    case ReframeMode::kSmartCrop:
      return ReframeKind::kCropCenter;
    case ReframeMode::kFitBlur:
    case ReframeMode::kInvalid:
      break;
  }
  return ReframeKind::kFitBlur;
}

std::string caption_font_for(const Brand& brand, const std::string& language) {
  auto it = brand.fonts_by_language.find(language);
  if (it != brand.fonts_by_language.end()) return it->second;
  return brand.caption_style.font_family;
}

// The logo's placement on a platform: the preset's logo overrides win over the brand's values.
LogoPlacement logo_placement_for(const Brand& brand, const Preset& final_preset, const SafeZone& safe) {
  const double width_rel = final_preset.logo_width_px
                               ? double(*final_preset.logo_width_px) / final_preset.width_px
                               : brand.logo_width_rel;
  const LogoPosition position = final_preset.logo_position.empty()
                                    ? brand.logo_position
                                    : logo_position_from_text(final_preset.logo_position);
  const Corner corner = position == Corner::kInvalid ? Corner::kTopRight : position;  // presets are validated
  return {corner, width_rel, brand.logo_opacity, safe.top_px, safe.bottom_px, safe.left_px, safe.right_px};
}

struct PreparedInputs {
  std::map<std::filesystem::path, RgbaImage> logos;  // every brand's logo, read once
  [[nodiscard]] const RgbaImage* logo_of(const Brand& brand) const {
    const auto it = brand.logo.empty() ? logos.end() : logos.find(brand.logo);
    return it == logos.end() ? nullptr : &it->second;
  }
  std::map<std::pair<std::string, std::string>, SubtitleTrack> subtitles;    // (clip_key, language)
  std::map<std::filesystem::path, std::shared_ptr<const RgbaImage>> images;  // still segments
};

// A brand's assets serve every output that uses it: one that cannot be used stops the run before
// anything is written (exit 2), naming the file, instead of failing every output one by one.
// `whose` says which brand it is: empty for the campaign's, " (variant 'x', brand file F)".
// `rendered`: each platform's preset as rendered (with one_file_per_shape, its shape's).
void check_brand_assets(const Brand& brand, const std::set<std::string>& platforms,
                        const std::map<std::string, Preset>& rendered, const PreparedInputs& in,
                        const std::string& whose) {
  if (const RgbaImage* logo = in.logo_of(brand)) {
    for (const std::string& platform : platforms) {
      const Preset& p = rendered.at(platform);
      const LogoPlacement place = logo_placement_for(brand, p, p.safe);
      try {
        (void)LogoOverlay::place(place, logo->width_px, logo->height_px, p.width_px, p.height_px);
      } catch (const Error& e) {
        throw Error(ErrorKind::kInput,
                    "the brand logo " + brand.logo.string() + whose + " on " + platform + ": " + e.what());
      }
    }
  }
  for (const auto& [what, path] : {std::pair<const char*, const fs::path*>{"intro", &brand.intro},
                                   std::pair<const char*, const fs::path*>{"outro", &brand.outro}}) {
    if (path->empty()) continue;
    MediaInfo info;
    try {
      info = probe_media(*path);
    } catch (const Error& e) {
      throw Error(ErrorKind::kInput,
                  std::string("the brand's ") + what + " bumper" + whose + " cannot be used: " + e.what());
    }
    if (!info.has_video) {
      throw Error(ErrorKind::kInput, std::string("the brand's ") + what + " bumper " + path->string() +
                                         whose + " has no video stream; give a video file");
    }
  }
}

// Reads every brand's logo once and checks each brand's assets: the campaign's brand, then each
// variant's own, on the platforms of the clips that use it.
void prepare_brands(const Campaign& campaign, const PresetCatalog& presets, const Limits& limits,
                    PreparedInputs& in) {
  const ShapeGroups shapes = shape_groups(campaign, presets);
  std::vector<std::pair<const Brand*, std::string>> brands{{&campaign.brand, std::string()}};
  std::map<const Brand*, std::set<std::string>> platforms_of{
      {&campaign.brand, {campaign.platforms.begin(), campaign.platforms.end()}}};
  for (const Clip& clip : campaign.clips) {
    if (!clip.brand) continue;
    const Variant* v = campaign.variant(clip.variant);
    auto [it, fresh] = platforms_of.emplace(clip.brand.get(), std::set<std::string>{});
    if (fresh) {
      brands.emplace_back(
          clip.brand.get(),
          " (variant '" + clip.variant + "'" +
              (v ? ", " + v->table_file.string() + ":" + std::to_string(v->line) : std::string()) +
              ", brand file " + clip.brand->source_file.string() + ")");
    }
    const auto& names = campaign.platforms_of(clip);
    it->second.insert(names.begin(), names.end());
  }
  for (const auto& [brand, whose] : brands) {
    if (!brand->logo.empty() && in.logos.count(brand->logo) == 0) {
      try {
        in.logos.emplace(brand->logo, read_image_rgba(brand->logo, limits.image_pixels));
      } catch (const Error& e) {
        if (whose.empty()) throw;
        throw Error(e.kind(), std::string(e.what()) + whose);
      }
    }
    check_brand_assets(*brand, platforms_of.at(brand), shapes.rendered, in, whose);
  }
}

// Every problem of the campaign's texts (subtitle files that cannot be read, characters no font
// covers, in captions, titles and cards) is gathered and reported in one error, so that one run
// shows all that must be fixed.
PreparedInputs prepare_inputs(const Campaign& campaign, const PresetCatalog& presets, const Limits& limits) {
  PreparedInputs in;
  prepare_brands(campaign, presets, limits, in);
  std::vector<std::string> problems;
  const auto add = [&](std::vector<std::string> more) {
    for (auto& p : more) problems.push_back(std::move(p));
  };
  const std::string campaign_file = campaign.source_file.string();
  for (const Clip& clip : campaign.clips) {
    const Variant* variant = clip.variant.empty() ? nullptr : campaign.variant(clip.variant);
    // A variant's texts come from its row: its messages name the table's file:line too.
    const std::string of_clip =
        "clip '" + clip.id + "'" +
        (variant ? " for variant '" + variant->id + "' (" + variant->table_file.string() + ":" +
                       std::to_string(variant->line) + ")"
                 : "");
    for (const auto& [lang, path] : clip.captions) {
      if (clip.captions_none) break;
      const auto encoding = clip.captions_encoding.find(lang);
      SubtitleTrack track;
      try {
        track = read_subtitles(path, subtitle_limits(limits),
                               encoding == clip.captions_encoding.end() ? std::string() : encoding->second,
                               [&, file = path.string()](const std::string& text) {
                                 return expand_for_variant(text, variant, file);
                               });
      } catch (const Error& e) {
        if (e.kind() != ErrorKind::kInput) throw;
        problems.push_back(std::string(e.what()) + " (" + of_clip + ", '" + lang + "' captions)");
        continue;
      }
      const std::string font = caption_font_for(campaign.brand_of(clip), lang);
      std::vector<std::string> uncovered = glyph_coverage_problems(track, lang, font);
      if (variant != nullptr) {
        for (std::string& p : uncovered) p += " (" + of_clip + ")";
      }
      add(std::move(uncovered));
      in.subtitles.emplace(std::make_pair(clip_key(clip.id, clip.variant), lang), std::move(track));
    }
    for (const auto& [lang, text] : clip.title) {
      add(text_coverage_problems(
          text, lang, caption_font_for(campaign.brand_of(clip), lang),
          campaign_file + ":" + std::to_string(clip.title_line) + ": the title of " + of_clip));
    }
    for (size_t i = 0; i < clip.segments.size(); ++i) {
      const Segment& seg = clip.segments[i];
      if (seg.kind == Segment::Kind::kImage && in.images.count(seg.source) == 0) {
        try {
          in.images[seg.source] =
              std::make_shared<const RgbaImage>(read_image_rgba(seg.source, limits.image_pixels));
        } catch (const Error& e) {
          throw Error(e.kind(), "clip '" + clip.id + "' segment " + std::to_string(i + 1) + ": " + e.what());
        }
      }
      for (const auto& [lang, text] : seg.card_text) {
        add(text_coverage_problems(text, lang, caption_font_for(campaign.brand_of(clip), lang),
                                   campaign_file + ":" + std::to_string(seg.line) + ": the card of " +
                                       of_clip + " segment " + std::to_string(i + 1)));
      }
    }
  }
  if (problems.size() == 1) throw Error(ErrorKind::kInput, problems.front());
  if (!problems.empty()) {
    std::string all =
        std::to_string(problems.size()) + " problems in the campaign's captions, titles and cards:";
    for (const std::string& p : problems) all += "\n  " + p;
    throw Error(ErrorKind::kInput, all);
  }
  return in;
}

// The clip's voice-over ducking: its configured depth, the mixer's attack, hold and release.
DuckingOptions ducking_of(const Clip& clip) {
  DuckingOptions d;
  d.duck_db = clip.voiceover_duck_db;
  return d;
}

// One encoder of a clip's graph with what it makes: its outputs (the first is encoded, the others
// are copies of it: their settings resolve the same) and the key of its sound.
struct EncoderBranch {
  EncoderBranchSpec* encoder = nullptr;  // in the job's graph spec
  std::vector<OutputRecord*> records;
  AudioKey audio;
};

// What the finished file is: its size, digest and what libavformat reads of it.
void fill_file_facts(OutputRecord& r) {
  std::error_code ec;
  r.bytes = static_cast<int64_t>(fs::file_size(r.path, ec));
  r.sha256 = sha256_file(r.path);
  const MediaInfo info = probe_media(r.path);
  r.width_px = info.width_px;
  r.height_px = info.height_px;
  r.duration_s = info.duration_s;
}

// The output's own platform's verdict on its file. A file that fails is set aside.
void apply_check(OutputRecord& r, const CheckReport& check, const Preset& preset) {
  r.checks = check.rules;
  if (!check.passed()) {
    // A complete file that a platform would reject must not sit at a publishable path.
    // The report says where the file is, whatever happened to the rename.
    std::error_code ec;
    const fs::path rejected = fs::path(r.path).replace_extension(".rejected.mp4");
    std::string where = " (kept as " + rejected.filename().string() + ")";
    fs::rename(r.path, rejected, ec);
    if (!ec) {
      r.path = rejected;
    } else {
      std::error_code rm;
      fs::remove(r.path, rm);
      where = " (it could not be renamed " + rejected.filename().string() + ": " + ec.message() +
              (rm ? "; nor removed: " + rm.message() + "; it is still at " + fs::path(r.path).string()
                  : "; it was removed") +
              ")";
    }
    r.fail(ErrorKind::kEncode,
           "does not conform to " + preset.name + ": " + describe_failures(check) + where);
  } else {
    r.status = OutputStatus::kOk;
  }
}

// Everything about one clip's render that can be settled before encoding: its timeline, the
// graph's shape, every caption script. Preparing all clips first means that bad input found here
// (a cue that cannot fit, a transition too long) stops the run before anything is written.
struct ClipJob {
  const Clip* clip = nullptr;                   // the first variant: the timeline all of them share
  const Brand* brand = nullptr;                 // the brand all of them share (campaign.brand_of)
  std::map<std::string, const Clip*> variants;  // variant id ("" without variants) -> its texts
  std::vector<const Clip*> variant_list;        // in campaign order
  std::vector<OutputRecord*> records;
  std::vector<OutputRecord*> active;  // not refused by a platform limit
  ClipTimeline timeline;
  ClipGraphSpec spec;
  std::vector<EncoderBranch> branches;          // in the graph's order: run_clip_graph's outcomes
  std::map<std::string, Preset> presets;        // platform -> as rendered (proxy: scaled)
  std::map<std::string, Preset> final_presets;  // platform -> as rendered at its final size
  std::map<std::pair<std::string, std::string>, SubtitleTrack> timed_captions;  // (variant, language)
  bool proxy = false;
  bool failed = false;
  int64_t frames_encoded = 0;      // x264's frames with the span plan (render/spans.h)
  int64_t frames_reused = 0;       // frames of outputs taken from spans other outputs encode, or the cache
  int64_t frames_cached = 0;       // of those, frames taken from the span cache (render/span_cache.h)
  std::vector<SpanKey> span_keys;  // the plan's distinct spans, by SpanUse::span
  [[nodiscard]] const Preset& preset(const std::string& platform) const { return presets.at(platform); }
  [[nodiscard]] const Preset& final_preset(const std::string& platform) const {
    return final_presets.at(platform);
  }
  [[nodiscard]] const Clip& clip_of(const OutputRecord& r) const { return *variants.at(r.variant); }

  void fail_all(ErrorKind kind, const std::string& why) {
    failed = true;
    for (OutputRecord* r : records) r->fail(kind, why);
  }
};

// Where each cue of a timed track comes from, for the message of a frame whose captions take too
// long to draw.
std::vector<LanguageBranchSpec::CueSource> cue_sources_of(const SubtitleTrack& timed) {
  std::vector<LanguageBranchSpec::CueSource> out;
  out.reserve(timed.cues.size());
  for (const Cue& cue : timed.cues)
    out.push_back({cue.start_ms, cue.end_ms, timed.source.string() + ":" + std::to_string(cue.line)});
  return out;
}

// The text of one output (its variant's captions, title and card texts) as a language branch at
// geometry `g`; the output's timed captions are kept for its sidecar files. What the script
// builder draws differently from what is written is added to `warnings`.
LanguageBranchSpec language_branch_of(ClipJob& job, const Campaign& campaign, const GeometryBranchSpec& g,
                                      const PreparedInputs& inputs, const OutputRecord& r,
                                      std::vector<std::string>& warnings) {
  const Clip& clip = job.clip_of(r);
  const ClipTimeline& timeline = job.timeline;
  const bool single_source = clip.segments.size() == 1 && clip.segments[0].kind == Segment::Kind::kMedia;
  const auto content_at_ms = std::llround(timeline.content_at_s * 1000.0);
  const auto content_ms = std::llround(timeline.content_duration_s * 1000.0);
  const auto track = inputs.subtitles.find({clip_key(clip.id, clip.variant), r.language});
  SubtitleTrack timed;
  if (track != inputs.subtitles.end()) {
    // A plain clip's captions are timed on its source; a scripted clip's on the assembled clip.
    const int64_t from_ms =
        single_source ? std::llround(timeline.segments[timeline.first_content].in_s * 1000.0) : 0;
    timed = retime(track->second, from_ms, from_ms + content_ms, content_at_ms);
  } else {
    timed.format = SubtitleFormat::kSrt;
  }
  // The sidecar files carry exactly the cues that are burned in, on the output's timeline.
  job.timed_captions.emplace(std::make_pair(r.variant, r.language), timed);
  const int64_t title_ms = std::llround(clip.title_duration_s * 1000.0);
  TitleText title;
  if (const auto t = clip.title.find(r.language); t != clip.title.end()) {
    title = {t->second, title_ms, content_at_ms,
             campaign.source_file.string() + ":" + std::to_string(clip.title_line)};
  }
  const Brand& brand = campaign.brand_of(clip);
  CaptionStyle style = brand.caption_style;
  // Text is laid out once, at the final output's size, even for a review proxy: the script's
  // PlayRes is the final size and libass scales it to the proxy frame, so a proxy shows the
  // very lines (and font sizes) that the final output shows. The final preset is the one
  // rendered: with one_file_per_shape, its shape's (the intersection of the safe zones).
  const Preset& final_preset = job.final_preset(r.platform);
  if (final_preset.caption_size_px) {  // the platform's override
    style.size_rel = double(*final_preset.caption_size_px) / final_preset.height_px;
  }
  style.font_family = caption_font_for(brand, r.language);
  style.language = r.language;
  CaptionLayout layout{final_preset.width_px, final_preset.height_px, final_preset.safe};
  if (g.logo) {
    LogoPlacement at_final = g.logo_placement;
    at_final.top_px = final_preset.safe.top_px;
    at_final.bottom_px = final_preset.safe.bottom_px;
    at_final.left_px = final_preset.safe.left_px;
    at_final.right_px = final_preset.safe.right_px;
    const LogoOverlay::Rect at = LogoOverlay::place(at_final, g.logo->width_px, g.logo->height_px,
                                                    final_preset.width_px, final_preset.height_px);
    layout.logo = {at.x, at.y, at.w, at.h};
  }
  LanguageBranchSpec l;
  l.language = r.language;
  l.fonts.default_family = fallback_family_for_language(r.language);
  // A card's text belongs to the card's picture (it fades and crossfades with it): each card
  // gets its own script, timed from the segment's first frame, drawn before the blend. The
  // timeline is the first variant's; this variant's own segment holds its card's text.
  l.card_scripts.resize(timeline.segments.size());
  for (size_t si = 0; si < timeline.segments.size(); ++si) {
    const TimelineSegment& ts = timeline.segments[si];
    const Segment* own = ts.segment;
    const auto index = ts.segment - job.clip->segments.data();
    if (index >= 0 && static_cast<size_t>(index) < clip.segments.size()) own = &clip.segments[index];
    const auto card = own->card_text.find(r.language);
    if (own->kind != Segment::Kind::kCard || card == own->card_text.end()) continue;
    CardText c;
    c.text = card->second;
    c.start_ms = 0;
    c.end_ms = std::llround(ts.duration_s * 1000.0);
    c.where = campaign.source_file.string() + ":" + std::to_string(own->line);
    SubtitleTrack none;
    none.format = SubtitleFormat::kSrt;
    l.card_scripts[si] = build_ass_script(none, style, layout, {}, {c}, &warnings);
  }
  if (!timed.cues.empty() || !title.text.empty())
    l.ass_script = build_ass_script(timed, style, layout, title, {}, &warnings);
  l.caption_cues = cue_sources_of(timed);
  return l;
}

// Every voice-over file of the clip's variants (each probed once) fits the clip.
void check_voiceovers(const std::vector<const Clip*>& variants, const ClipTimeline& timeline,
                      const RenderOptions& options) {
  std::set<fs::path> seen;
  for (const Clip* clip : variants) {
    for (const auto& [lang, file] : clip->voiceover) {
      if (!seen.insert(file).second) continue;
      const std::string of = "clip '" + clip_key(clip->id, clip->variant) + "': the " + lang + " voice-over";
      double vo_s = 0.0;
      try {
        const MediaInfo vo = probe_media(file);
        check_source_limits(vo, options.limits, of);
        vo_s = vo.duration_s;
      } catch (const Error& e) {
        throw Error(ErrorKind::kInput, of + " cannot be read: " + e.what());
      }
      if (vo_s > timeline.content_duration_s + 0.05) {
        throw Error(ErrorKind::kInput, of + " " + file.filename().string() + " is " + std::to_string(vo_s) +
                                           " s, longer than the clip (" +
                                           std::to_string(timeline.content_duration_s) + " s); shorten it");
      }
    }
  }
}

// The outputs whose platform takes a clip of this length; the others fail with the platform's range.
void select_active(ClipJob& job) {
  for (OutputRecord* r : job.records) {
    const Preset& p = job.preset(r->platform);
    const double d = job.timeline.duration_s;
    if (d > p.duration_max_s + 1e-6 || d < p.duration_min_s - 1e-6) {
      r->fail(ErrorKind::kLimit, "clip '" + job.clip->id + "' is " + std::to_string(d) + " s; " + p.name +
                                     " takes " + std::to_string(p.duration_min_s) + " to " +
                                     std::to_string(p.duration_max_s) + " s (trim it with start/end)");
      continue;
    }
    job.active.push_back(r);
  }
}

// What the graph's source reads for one segment of the timeline: media, a card's colour, a still.
// Throws Error(kInternal) for a segment of no kind.
SegmentSource segment_source_of(const Clip& clip, const TimelineSegment& ts, bool first,
                                const PreparedInputs& inputs, double fps) {
  const Segment& seg = *ts.segment;
  SegmentSource src;
  src.first_frame = std::llround(ts.at_s * fps);
  src.frame_count = std::llround(ts.duration_s * fps);
  src.reframe = to_reframe_kind(seg.reframe.value_or(clip.reframe));
  src.entry = seg.transition.kind;
  src.entry_frames = first ? 0 : std::llround(seg.transition.duration_s * fps);
  switch (seg.kind) {
    case Segment::Kind::kMedia:
      src.kind = SegmentSource::Kind::kMedia;
      src.path = seg.source;
      src.in_s = ts.in_s;
      src.smart_crop = seg.reframe.value_or(clip.reframe) == ReframeMode::kSmartCrop;
      break;
    case Segment::Kind::kCard: {
      src.kind = SegmentSource::Kind::kColour;
      const std::string& hex = seg.background;
      auto byte = [&](size_t i) { return static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)); };
      const Yuv c = hex.size() >= 7 ? rgb_to_yuv709(byte(1), byte(3), byte(5)) : Yuv{16, 128, 128};
      src.colour_yuv = {c.y, c.u, c.v};
      src.reframe = ReframeKind::kCropCenter;
      break;
    }
    case Segment::Kind::kImage:
      src.kind = SegmentSource::Kind::kImage;
      src.image = inputs.images.at(seg.source);
      src.motion = seg.motion;
      break;
    case Segment::Kind::kInvalid:
      throw Error(ErrorKind::kInternal, "clip '" + clip.id + "' has a segment of no kind");
  }
  return src;
}

// Shapes a clip's graph like its work: one geometry branch per distinct size, safe zone and
// presentation; under it one language branch per distinct text; under that one encoder per
// distinct encoding (video settings and sound). Outputs that resolve the same share an encoder.
class GraphShaper {
 public:
  GraphShaper(ClipJob& job, const Campaign& campaign, const PreparedInputs& inputs)
      : job_(job), campaign_(campaign), inputs_(inputs) {}

  void add(OutputRecord* r) {
    const Preset& p = job_.preset(r->platform);
    const size_t gi = geometry_for(*r, p);
    GeometryBranchSpec& g = job_.spec.geometries[gi];
    // Text of this output (variant, language) at this geometry: one language branch per distinct text.
    std::vector<std::string> warnings;
    LanguageBranchSpec text = language_branch_of(job_, campaign_, g, inputs_, *r, warnings);
    for (std::string& w : warnings) {
      if (std::find(r->warnings.begin(), r->warnings.end(), w) == r->warnings.end()) r->warnings.push_back(w);
    }
    CaptionKey caption{r->language, text.ass_script, text.card_scripts, {}};
    for (const auto& c : text.caption_cues)
      caption.cue_sources.push_back(c.where);  // named in a drawing failure
    auto [lit, lnew] = language_keys_[gi].emplace(std::move(caption), g.languages.size());
    const size_t li = lit->second;
    if (lnew) g.languages.push_back(std::move(text));

    const VideoEncodeSettings v =
        video_settings_of(p, job_.timeline.frame_rate, campaign_.encode, job_.proxy);
    const AudioKey audio = audio_key_of(p, mix_of(job_.clip_of(*r), r->language));
    const std::string label = clip_key(job_.clip->id, r->variant) + "." + r->platform + "." + r->language;
    auto [eit, enew] = encoder_of_.emplace(EncoderKey{gi, li, video_key_of(v), audio}, label);
    if (enew) {
      EncoderBranchSpec e;
      e.video = v;
      e.path = r->path;
      e.label = label;
      g.languages[li].encoders.push_back(std::move(e));
      branch_of_[label].audio = audio;
    }
    branch_of_[eit->second].records.push_back(r);
  }

  // The encoders in the graph's order, each with its outputs and sound (the spec is complete now,
  // so the pointers into it stay valid).
  void finish() {
    for (auto& g : job_.spec.geometries) {
      for (auto& l : g.languages) {
        for (auto& e : l.encoders) {
          EncoderBranch b = std::move(branch_of_.at(e.label));
          b.encoder = &e;
          job_.branches.push_back(std::move(b));
        }
      }
    }
  }

 private:
  size_t geometry_for(const OutputRecord& r, const Preset& p) {
    auto [it, fresh] = geometry_index_.emplace(geometry_key_of(p), job_.spec.geometries.size());
    if (fresh) {
      GeometryBranchSpec g;
      g.reframe.width_px = p.width_px;
      g.reframe.height_px = p.height_px;
      if (const RgbaImage* logo = inputs_.logo_of(*job_.brand)) {
        g.logo = *logo;
        g.logo_placement = logo_placement_for(*job_.brand, job_.final_preset(r.platform), p.safe);
      }
      job_.spec.geometries.push_back(std::move(g));
      language_keys_.emplace_back();
    }
    return it->second;
  }

  ClipJob& job_;
  const Campaign& campaign_;
  const PreparedInputs& inputs_;
  std::unordered_map<GeometryKey, size_t> geometry_index_;
  std::vector<std::unordered_map<CaptionKey, size_t>> language_keys_;  // per geometry: -> language branch
  std::unordered_map<EncoderKey, std::string> encoder_of_;             // -> the encoder's label
  std::map<std::string, EncoderBranch> branch_of_;                     // label -> its outputs
};

// How many x264 encoders run at once: every branch encoded whole, plus, at the frame where most
// are open, the spans being encoded (a span another branch encodes costs its users nothing).
size_t concurrent_encoders(const ClipJob& job) {
  size_t whole = 0;
  std::map<int64_t, int> opens;  // frame -> encoders opened (+) or closed (-) there
  for (const EncoderBranch& b : job.branches) {
    if (b.encoder->spans.empty()) ++whole;
    for (const SpanUse& u : b.encoder->spans) {
      if (!u.encodes) continue;
      ++opens[u.first_frame];
      --opens[u.first_frame + u.frame_count];
    }
  }
  int open = 0;
  int most = 0;
  for (const auto& [frame, change] : opens) most = std::max(most, open += change);
  return std::max<size_t>(1, whole + static_cast<size_t>(most));
}

// Shares the cores among the encoders open at once (a batch of the clip's, see encoder_batches;
// with spans, the whole encodes and the spans being encoded) unless told otherwise, and decides
// how the source is decoded.
void share_cores(ClipJob& job, const Campaign& campaign, const RenderOptions& options) {
  const auto cores = static_cast<size_t>(oneapi::tbb::info::default_concurrency());
  int threads = options.encoder_threads > 0 ? options.encoder_threads : campaign.encode.threads.value_or(0);
  auto set_threads = [&](size_t encoders) {
    const int t = threads > 0 ? threads : std::max(1, static_cast<int>((cores + encoders - 1) / encoders));
    for (EncoderBranch& b : job.branches) b.encoder->video.threads = t;
  };
  // The batches are estimated with the thread count of all the clip's encoders at once (one
  // thread each when they outnumber the cores), then each batch shares the cores.
  set_threads(job.branches.size());
  const std::vector<size_t> batches = encoder_batches(job.spec);
  size_t encoder_count = batches.empty() ? 0 : *std::max_element(batches.begin(), batches.end());
  if (encoder_count == 0) return;
  if (batches.size() == 1) encoder_count = std::min(encoder_count, concurrent_encoders(job));
  set_threads(encoder_count);
  // Decoding: when there are at least as many full x264 encoders as cores, they keep every core
  // busy, and frame-threaded decoding only adds hand-offs (the graph's thread waits for the
  // decoder's). The source is then decoded on the graph's own thread: in three alternating runs
  // of the bench job that was 0.3-2.5 s faster of 38-42 s, with 25 MB less at peak. Proxies
  // (cheap encoders) and clips with fewer encoders than cores let libavcodec use threads.
  job.spec.decode_threads = !job.proxy && encoder_count >= cores ? 1 : 0;
}

// A new job for a clip's variants and their records, with each platform's preset as rendered.
std::unique_ptr<ClipJob> new_clip_job(const Campaign& campaign, const PresetCatalog& presets,
                                      const std::vector<const Clip*>& variants,
                                      const std::vector<OutputRecord*>& records, bool proxy) {
  auto job = std::make_unique<ClipJob>();
  job->clip = variants.front();
  job->brand = &campaign.brand_of(*job->clip);
  job->variant_list = variants;
  for (const Clip* v : variants) job->variants.emplace(v->variant, v);
  job->records = records;
  job->proxy = proxy;
  const ShapeGroups shapes = shape_groups(campaign, presets);
  for (OutputRecord* r : records) {
    const auto shaped = shapes.rendered.find(r->platform);
    const Preset& rendered = shaped == shapes.rendered.end() ? presets.get(r->platform) : shaped->second;
    job->final_presets.emplace(r->platform, rendered);
    job->presets.emplace(r->platform, proxy ? review_proxy_of(rendered) : rendered);
  }
  return job;
}

// Throws Error(kInput) for input that can never render; media that cannot be read fails the job.
std::unique_ptr<ClipJob> prepare_clip(const Campaign& campaign, const PresetCatalog& presets,
                                      const std::vector<const Clip*>& variants,
                                      const std::vector<OutputRecord*>& records, const PreparedInputs& inputs,
                                      const RenderOptions& options) {
  auto job = new_clip_job(campaign, presets, variants, records, options.proxy);
  const Clip& clip = *job->clip;
  std::vector<const Preset*> clip_presets;
  for (OutputRecord* r : records) clip_presets.push_back(&presets.get(r->platform));
  try {
    job->timeline = resolve_timeline(
        clip, clip_presets, job->brand,
        [&](const MediaInfo& m, const std::string& where) { check_source_limits(m, options.limits, where); });
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInput) throw;
    job->fail_all(e.kind(), e.what());
    return job;
  }
  check_voiceovers(variants, job->timeline, options);
  select_active(*job);  // limits of each platform are stated before any encoding
  if (job->active.empty()) return job;

  // The pictures of the timeline.
  ClipGraphSpec& spec = job->spec;
  spec.frame_rate = job->timeline.frame_rate;
  spec.frame_count = job->timeline.frame_count;
  spec.max_frames_in_flight = options.max_frames_in_flight;
  spec.encoder_memory_bytes = options.limits.encoder_memory;
  spec.frame_spill_bytes = options.limits.frame_spill;
  spec.cancel = options.cancel;
  spec.stall_timeout_s = options.limits.stall_s;
  spec.caption_frame_ms = options.limits.caption_frame_ms;
  const double fps = av_q2d(job->timeline.frame_rate);
  try {
    for (const TimelineSegment& ts : job->timeline.segments) {
      const bool first = &ts == &job->timeline.segments.front();
      spec.segments.push_back(segment_source_of(clip, ts, first, inputs, fps));
    }
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::kInternal) throw;
    job->fail_all(e.kind(), e.what());
    return job;
  }
  GraphShaper shaper(*job, campaign, inputs);
  for (OutputRecord* r : job->active) shaper.add(r);
  shaper.finish();
  // With a span cache, every output is cut so that its spans are found again (render/spans.h).
  const SpanCuts cuts = options.limits.span_cache > 0 ? SpanCuts::kCacheable : SpanCuts::kWhereOutputsDiffer;
  SpanPlan spans = apply_span_plan(job->spec, options.span_reuse, cuts);
  job->frames_encoded = spans.frames_encoded;
  job->frames_reused = spans.frames_reused;
  job->span_keys = std::move(spans.spans);
  share_cores(*job, campaign, options);
  return job;
}

// Sidecar caption files (.srt, .vtt) beside an output, timed on the output, for platforms that
// take caption files.
void write_sidecars(const ClipJob& job, const OutputRecord& r, bool wanted) {
  if (!wanted || r.status != OutputStatus::kOk) return;
  const auto it = job.timed_captions.find({r.variant, r.language});
  if (it == job.timed_captions.end() || it->second.cues.empty()) return;
  write_file_atomically(fs::path(r.path).replace_extension(".srt"), to_srt(it->second));
  write_file_atomically(fs::path(r.path).replace_extension(".vtt"), to_vtt(it->second));
}

// Where the cover of an output may come from and what it shows: the clip's own pictures outside
// its transitions and fades, rather not where the title card is burned in; the post's title (else
// the clip's title) drawn with the brand's caption style at the cover's size.
CoverSpec cover_spec_of(const ClipJob& job, const OutputRecord& r, const Campaign& campaign,
                        const ResolvedPost& post) {
  const Clip& clip = job.clip_of(r);
  const ClipTimeline& t = job.timeline;
  const Preset& preset = job.final_preset(r.platform);
  CoverSpec spec;
  spec.video = r.path;
  spec.duration_s = r.duration_s > 0 ? r.duration_s : t.duration_s;
  spec.frame_rate = t.frame_rate;
  spec.from_s = t.content_at_s;
  spec.to_s = t.content_at_s + t.content_duration_s;
  const double frame_s = 1.0 / av_q2d(t.frame_rate);
  for (const TimelineSegment& ts : t.segments) {
    const Transition& tr = ts.segment->transition;
    if (tr.kind != TransitionKind::kCut && tr.duration_s > 0)
      spec.avoid_s.emplace_back(ts.at_s - frame_s, ts.at_s + tr.duration_s + frame_s);
  }
  if (clip.title.count(r.language) != 0)
    spec.rather_not_s.emplace_back(t.content_at_s, t.content_at_s + clip.title_duration_s + frame_s);
  if (clip.post && clip.post->cover_at_s) spec.at_s = t.content_at_s + *clip.post->cover_at_s;
  spec.look = cover_look_for(campaign, clip, preset, r.language, post);
  spec.max_bytes = preset.post.cover_max_bytes;
  return spec;
}

// Issue 30: beside an output whose clip has a `post:`, its cover and, where the platform takes
// caption files, its .srt (timed like the burned captions). Review proxies get neither.
void write_post_files(const ClipJob& job, OutputRecord& r, const Campaign& campaign) {
  if (r.status != OutputStatus::kOk || job.proxy) return;
  const std::optional<ResolvedPost> post = post_for(campaign, job.clip_of(r), r.platform, r.language);
  if (!post) return;
  const Preset& preset = job.final_preset(r.platform);
  if (const auto it = job.timed_captions.find({r.variant, r.language});
      preset.post.caption_file && it != job.timed_captions.end() && !it->second.cues.empty()) {
    r.post.caption_file = fs::path(r.path).replace_extension(".srt");
    write_file_atomically(r.post.caption_file, to_srt(it->second));
  }
  Cover cover;
  try {
    cover = make_cover(cover_spec_of(job, r, campaign, *post));
  } catch (const Error& e) {
    // The video is good: a cover that cannot be made leaves the post without one, said on the output.
    if (is_file_system_error(e.kind())) throw;
    r.warnings.push_back("no " + r.platform + " " + r.language + " cover for clip '" + r.clip +
                         "': " + e.what());
    spdlog::warn("{}", r.warnings.back());
    return;
  }
  r.post.cover = fs::path(r.path).replace_extension(".cover.jpg");
  write_file_atomically(r.post.cover, cover.jpeg);
  r.post.cover_at_s = cover.at_s;
  r.post.cover_sharpness = cover.sharpness;
  r.post.median_sharpness = cover.median_sharpness;
  r.post.cover_face = cover.face;
  if (cover.fallback) {
    r.warnings.push_back(
        campaign.source_file.string() + ":" + std::to_string(job.clip_of(r).post->line) + ": clip '" +
        r.clip + "' has no sharp picture for the " + r.platform + " " + r.language +
        " cover (one flat colour?): the middle picture is used; set post: cover: at: SECONDS");
    spdlog::warn("{}", r.warnings.back());
  }
}

// Smart-crop paths: one analysis per segment and output shape, shared by geometries of that shape.
void attach_crop_paths(ClipGraphSpec& spec) {
  std::map<std::pair<size_t, double>, std::shared_ptr<const CropPath>> paths;
  for (auto& g : spec.geometries) {
    g.crop_paths.assign(spec.segments.size(), nullptr);
    const double aspect = static_cast<double>(g.reframe.width_px) / g.reframe.height_px;
    for (size_t i = 0; i < spec.segments.size(); ++i) {
      if (!spec.segments[i].smart_crop) continue;
      auto& path = paths[{i, aspect}];
      if (!path) path = analyse_smart_crop(spec.segments[i], spec.frame_rate, aspect);
      g.crop_paths[i] = path;
    }
  }
}

// The sound of every output, each distinct (mix, loudness target, AAC settings) encoded once: the
// programme is assembled and measured once; each language with its own voice-over gets its own
// mix. Each encoded sound is handed to `deliver` with its audio key as soon as it is made.
void encode_sound(const ClipJob& job,
                  const std::function<void(const AudioKey&, std::shared_ptr<const EncodedAudio>)>& deliver) {
  std::unordered_set<AudioKey> done;
  AudioBuffer programme = assemble_programme(job.timeline);
  if (job.brand->music) add_music_bed(programme, *job.brand->music);
  std::unordered_map<MixKey, std::pair<AudioBuffer, double>> mixes;  // -> (samples, measured LUFS)
  for (OutputRecord* r : job.active) {
    const Clip& own = job.clip_of(*r);  // the variant's voice-over
    const MixKey mix = mix_of(own, r->language);
    const AudioKey key = audio_key_of(job.preset(r->platform), mix);
    if (!done.insert(key).second) continue;
    auto it = mixes.find(mix);
    if (it == mixes.end()) {
      AudioBuffer mixed = !mix.voiceover.empty() ? mix_voiceover(programme, mix.voiceover,
                                                                 job.timeline.content_at_s, ducking_of(own))
                                                 : programme;
      LoudnessMeter meter(mixed.channels, mixed.sample_rate_hz);
      meter.add_frames(mixed.samples.data(), mixed.frames());
      const double measured = meter.integrated_lufs();
      it = mixes.emplace(mix, std::make_pair(std::move(mixed), measured)).first;
    }
    AudioBuffer buffer = it->second.first;
    const LoudnessTarget target{key.integrated_lufs, key.true_peak_dbtp, 1.0};
    const NormaliseResult nr = normalise_loudness(buffer.samples.data(), buffer.frames(), buffer.channels,
                                                  buffer.sample_rate_hz, it->second.second, target);
    spdlog::debug("{} {}: loudness {:.1f} LUFS, gain {:+.1f} dB, {} frames limited", job.clip->id,
                  mix.voiceover.empty() ? "programme" : mix.voiceover.string(), it->second.second, nr.gain_db,
                  nr.limited_samples);
    deliver(key, encode_aac(buffer, audio_settings_of(key)));
  }
}

// Seconds of an encoder's pictures it encodes itself, and seconds it takes from other branches' spans.
std::pair<double, double> video_seconds_of(const EncoderBranchSpec& e, const ClipGraphSpec& spec) {
  const double fps = av_q2d(spec.frame_rate);
  if (e.spans.empty()) return {static_cast<double>(spec.frame_count) / fps, 0.0};
  int64_t own = 0;
  for (const SpanUse& u : e.spans) own += u.encodes ? u.frame_count : 0;
  return {static_cast<double>(own) / fps, static_cast<double>(spec.frame_count - own) / fps};
}

// The clip's sound made on a thread of its own while the pictures are encoded: each encoder's
// writer holds its video until its sound is ready (mp4_writer.h). A failure fails every output
// whose sound was not made, with its message (the writers rethrow it).
class SoundInBackground {
 public:
  explicit SoundInBackground(ClipJob& job) {
    for (EncoderBranch& b : job.branches) {
      auto [it, fresh] = promises_.try_emplace(b.audio);
      if (fresh) futures_.emplace(b.audio, it->second.get_future().share());
      b.encoder->audio = futures_.at(b.audio);
    }
    thread_ = std::jthread([this, &job] {
      try {
        encode_sound(job, [this](const AudioKey& key, std::shared_ptr<const EncodedAudio> audio) {
          promises_.at(key).set_value(std::move(audio));
          delivered_.insert(key);
        });
      } catch (...) {
        for (auto& [key, promise] : promises_) {
          if (delivered_.count(key) == 0) promise.set_exception(std::current_exception());
        }
      }
    });
  }
  ~SoundInBackground() = default;  // joins
  SoundInBackground(const SoundInBackground&) = delete;
  SoundInBackground& operator=(const SoundInBackground&) = delete;

 private:
  std::unordered_map<AudioKey, std::promise<std::shared_ptr<const EncodedAudio>>> promises_;
  std::unordered_map<AudioKey, PendingAudio> futures_;
  std::unordered_set<AudioKey> delivered_;  // touched by the sound's thread only
  std::jthread thread_;                     // last: joined before the promises go
};

// One encoder's file under each of its outputs' names: with one_file_per_shape the other platforms
// of the shape take the same file, hard-linked where the file system allows. The file is hashed,
// probed, read back and decoded once, and each platform's rules judge what was read (check_file
// with several presets); a hard link is the same file, a copy is hashed and must be the same bytes.
void finish_branch(ClipJob& job, const EncoderBranch& branch, const Campaign& campaign,
                   const PresetCatalog& presets) {
  const std::vector<OutputRecord*>& records = branch.records;
  OutputRecord& first = *records.front();
  const fs::path encoded = first.path;
  enum class Placed { kEncoded, kLinked, kCopied, kFailed };
  std::vector<Placed> placed(records.size(), Placed::kEncoded);
  for (size_t ri = 1; ri < records.size(); ++ri) {
    try {
      placed[ri] = link_or_copy_atomically(encoded, records[ri]->path) ? Placed::kLinked : Placed::kCopied;
    } catch (...) {
      const Error e = caught_error();
      records[ri]->fail(e.kind(), e.what());
      placed[ri] = Placed::kFailed;
    }
  }
  std::vector<const Preset*> judges;
  for (const OutputRecord* r : records) judges.push_back(&presets.get(r->platform));
  std::vector<CheckReport> checks;
  try {
    // Test-only, off unless SHORTPACK_TEST_DAMAGE_OUTPUT names one of these files.
    for (size_t ri = 0; ri < records.size(); ++ri) {
      if (placed[ri] != Placed::kFailed) apply_test_damage(records[ri]->path);
    }
    fill_file_facts(first);
    if (!job.proxy) checks = check_file(encoded, judges);
  } catch (...) {
    const Error e = caught_error();
    for (size_t ri = 0; ri < records.size(); ++ri) {
      if (placed[ri] != Placed::kFailed) records[ri]->fail(e.kind(), e.what());
    }
    return;
  }
  for (size_t ri = 0; ri < records.size(); ++ri) {
    OutputRecord& r = *records[ri];
    if (placed[ri] == Placed::kFailed) continue;
    try {
      if (placed[ri] == Placed::kCopied && sha256_file(r.path) != first.sha256) {
        throw Error(ErrorKind::kIo, r.path.string() + ": the copy of " + encoded.filename().string() +
                                        " is not the same bytes; render it again");
      }
      if (ri > 0) {
        r.bytes = first.bytes;
        r.sha256 = first.sha256;
        r.width_px = first.width_px;
        r.height_px = first.height_px;
        r.duration_s = first.duration_s;
      }
      if (job.proxy) {
        // A proxy is for review only: small and fast by design, so not checked against the platform.
        r.status = OutputStatus::kOk;
        r.proxy = true;
      } else {
        apply_check(r, checks[ri], *judges[ri]);
      }
      write_sidecars(job, r, campaign.sidecar_captions);
      write_post_files(job, r, campaign);
    } catch (...) {
      const Error e = caught_error();
      r.fail(e.kind(), e.what());
    }
  }
}

// Each finished file is hashed, probed and checked against its platform (reading it back, audio
// decoded for loudness): independent work per encoder, so the encoders' files are checked side
// by side (finish_branch).
void finish_outputs(ClipJob& job, const std::vector<BranchOutcome>& outcomes, double seconds,
                    const Campaign& campaign, const PresetCatalog& presets) {
  if (outcomes.size() != job.branches.size()) {
    job.fail_all(ErrorKind::kInternal, "the render graph reported " + std::to_string(outcomes.size()) +
                                           " outcomes for " + std::to_string(job.branches.size()) +
                                           " encoders");
    return;
  }
  oneapi::tbb::parallel_for(size_t{0}, job.branches.size(), [&](size_t k) {
    const EncoderBranch& branch = job.branches[k];
    const BranchOutcome& outcome = outcomes[k];
    const auto [encoded_s, reused_s] = video_seconds_of(*branch.encoder, job.spec);
    for (size_t ri = 0; ri < branch.records.size(); ++ri) {
      OutputRecord* r = branch.records[ri];
      r->render_s = seconds;
      r->video_encoded_s = ri == 0 ? encoded_s : 0.0;
      r->video_reused_s = ri == 0 ? reused_s : encoded_s + reused_s;
      if (!outcome.ok) r->fail(outcome.error_kind, outcome.error);
    }
    if (outcome.ok) finish_branch(job, branch, campaign, presets);
  });
}

// The outputs whose spans could not be joined into a valid stream (BranchOutcome::retry_whole)
// are rendered again, whole, by a graph of only their encoders; each says so in a warning.
void rerender_whole(ClipJob& job, std::vector<BranchOutcome>& outcomes) {
  std::map<std::string, size_t> retry;  // label -> place in outcomes
  for (size_t k = 0; k < outcomes.size() && k < job.branches.size(); ++k) {
    if (!outcomes[k].retry_whole) continue;
    const EncoderBranch& b = job.branches[k];
    const std::string warning =
        "its spans could not be joined (" + outcomes[k].error + "); it was encoded whole";
    spdlog::warn("{}: {}", b.encoder->label, warning);
    for (OutputRecord* r : b.records) r->warnings.push_back(warning);
    retry.emplace(b.encoder->label, k);
    b.encoder->spans.clear();  // for the figures: it is encoded whole
  }
  if (retry.empty()) return;
  ClipGraphSpec again = job.spec;
  again.span_count = 0;
  std::vector<size_t> places;
  for (GeometryBranchSpec& g : again.geometries) {
    for (LanguageBranchSpec& l : g.languages) {
      std::erase_if(l.encoders, [&](const EncoderBranchSpec& e) { return retry.count(e.label) == 0; });
      for (EncoderBranchSpec& e : l.encoders) {
        e.spans.clear();
        places.push_back(retry.at(e.label));
      }
    }
    std::erase_if(g.languages, [](const LanguageBranchSpec& l) { return l.encoders.empty(); });
  }
  std::erase_if(again.geometries, [](const GeometryBranchSpec& g) { return g.languages.empty(); });
  const std::vector<BranchOutcome> whole = run_clip_graph(again);
  for (size_t i = 0; i < whole.size() && i < places.size(); ++i) outcomes[places[i]] = whole[i];
}

// What the span cache of a run needs: the cache, and the digests of the files spans depend on.
struct SpanCacheUse {
  SpanCache* cache = nullptr;  // null: no cache
  DigestCache* files = nullptr;
};

// The clip's spans found in the span cache are taken from it (no branch encodes them; the cores
// are shared again among the encoders left); the figures are counted again. Returns the spans'
// fingerprints (empty without a cache).
std::vector<std::string> take_cached_spans(ClipJob& job, const Campaign& campaign,
                                           const RenderOptions& options, const SpanCacheUse& use) {
  if (use.cache == nullptr || job.span_keys.empty()) return {};
  std::vector<std::string> fingerprints = use_cached_spans(job.spec, job.span_keys, *use.cache, *use.files);
  for (const std::string& w : use.cache->take_warnings()) {
    for (OutputRecord* r : job.active) r->warnings.push_back(w);
  }
  job.frames_encoded = job.frames_reused = job.frames_cached = 0;
  for (const EncoderBranch& b : job.branches) {
    int64_t own = b.encoder->spans.empty() ? job.spec.frame_count : 0;
    for (const SpanUse& u : b.encoder->spans) {
      own += u.encodes ? u.frame_count : 0;
      job.frames_cached += job.spec.ready_spans.at(u.span) ? u.frame_count : 0;
    }
    job.frames_encoded += own;
    job.frames_reused += job.spec.frame_count - own;
  }
  share_cores(job, campaign, options);
  return fingerprints;
}

// The spans encoded for the clip (staged in the span cache as they were made) are put in place
// when an output made of them passed its check; a span no good output shows is not kept.
void keep_encoded_spans(const ClipJob& job, const std::vector<std::string>& fingerprints, SpanCache& cache) {
  for (size_t k = 0; k < fingerprints.size(); ++k) {
    if (fingerprints[k].empty()) continue;
    const bool shown = std::any_of(job.branches.begin(), job.branches.end(), [k](const EncoderBranch& b) {
      return !b.records.empty() && b.records.front()->status == OutputStatus::kOk &&
             std::any_of(b.encoder->spans.begin(), b.encoder->spans.end(),
                         [k](const SpanUse& u) { return u.span == k; });
    });
    if (shown) {
      cache.commit(fingerprints[k]);
    } else {
      cache.discard(fingerprints[k]);
    }
  }
}

// Sound, pictures, files: the encoding part of a prepared clip. The sound is made beside the
// pictures (SoundInBackground).
void run_clip(ClipJob& job, const Campaign& campaign, const PresetCatalog& presets,
              const RenderOptions& options, const SpanCacheUse& span_cache) {
  if (job.failed || job.active.empty()) return;
  try {
    attach_crop_paths(job.spec);
  } catch (...) {
    const Error e = caught_error();
    job.fail_all(e.kind(), e.what());
    return;
  }
  const std::vector<std::string> fingerprints = take_cached_spans(job, campaign, options, span_cache);
  // Each span goes to disk as soon as it is made (called from the graph's threads, one call at a
  // time; the graph then lets it go once its outputs wrote it), not held until the outputs are
  // checked: a clip's encoded spans would otherwise all be in memory at once.
  job.spec.on_span_encoded = [&](size_t k, std::shared_ptr<const EncodedSpan> span) {
    if (span_cache.cache != nullptr && k < fingerprints.size() && !fingerprints[k].empty())
      span_cache.cache->stage(fingerprints[k], *span);
  };
  const double fps = av_q2d(job.timeline.frame_rate);
  spdlog::info(
      "clip '{}': {} outputs, {} encodes; {:.1f} s of pictures encoded, {:.1f} s reused from spans ({:.1f} s "
      "from the span cache)",
      job.clip->id, job.active.size(), job.branches.size(), static_cast<double>(job.frames_encoded) / fps,
      static_cast<double>(job.frames_reused) / fps, static_cast<double>(job.frames_cached) / fps);
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<BranchOutcome> outcomes;
  {
    const SoundInBackground sound(job);
    outcomes = run_clip_graph(job.spec);
  }
  rerender_whole(job, outcomes);  // the sound is made: the outputs joined badly are encoded again
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  finish_outputs(job, outcomes, seconds, campaign, presets);
  if (span_cache.cache != nullptr) keep_encoded_spans(job, fingerprints, *span_cache.cache);
  return_freed_memory();  // the checks' decoders: the next clip starts where this one did
}

// The records of each clip with the clip's variants (one render graph, one decode, per shared
// timeline: Campaign::timeline_key), in campaign order. Variants with brands of their own are
// grouped by brand: a brand's bumpers and card colours make the timeline, its logo and music the
// picture and sound all of a graph's outputs share; variants whose sources differ ({{column}} in a
// source path) each have their own. Clips without a record to render are left out.
std::vector<std::pair<std::vector<const Clip*>, std::vector<OutputRecord*>>> clip_groups(
    const Campaign& campaign, std::vector<OutputRecord>& outputs) {
  std::vector<std::pair<std::vector<const Clip*>, std::vector<OutputRecord*>>> groups;
  std::map<Campaign::TimelineKey, size_t> index;                   // shared timeline -> group
  std::map<std::pair<std::string, std::string>, size_t> group_of;  // (clip id, variant) -> group
  for (const Clip& clip : campaign.clips) {
    auto [it, fresh] = index.emplace(campaign.timeline_key(clip), groups.size());
    if (fresh) groups.emplace_back();
    groups[it->second].first.push_back(&clip);
    group_of.emplace(std::make_pair(clip.id, clip.variant), it->second);
  }
  for (OutputRecord& r : outputs) {
    const auto it = group_of.find({r.clip, r.variant});
    if (it != group_of.end()) groups[it->second].second.push_back(&r);
  }
  std::erase_if(groups, [](const auto& g) { return g.second.empty(); });
  // A graph holds one encoder per distinct output at once: a clip with many variants is cut into
  // graphs of whole variants, about kOutputsPerGraph outputs each (each graph decodes the clip).
  constexpr size_t kOutputsPerGraph = 24;
  std::vector<std::pair<std::vector<const Clip*>, std::vector<OutputRecord*>>> cut;
  for (auto& [variants, records] : groups) {
    cut.emplace_back(variants, std::vector<OutputRecord*>{});
    for (size_t i = 0; i < records.size(); ++i) {
      auto& current = cut.back().second;
      const bool new_variant = i > 0 && records[i]->variant != records[i - 1]->variant;
      if (new_variant && current.size() >= kOutputsPerGraph)
        cut.emplace_back(variants, std::vector<OutputRecord*>{});
      cut.back().second.push_back(records[i]);
    }
  }
  return cut;
}

}  // namespace

RenderReport render_units(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
                          const std::vector<RenderUnit>& units, const RenderOptions& options,
                          const std::function<void(const OutputRecord&)>& on_done) {
  RenderReport report;
  report.campaign = campaign.name;
  report.output_dir = plan.output_dir;
  const PreparedInputs inputs = prepare_inputs(campaign, presets, options.limits);
  warn_unshared_platforms(campaign, presets);
  report.outputs.reserve(units.size());
  for (const RenderUnit& u : units) {
    report.outputs.push_back(record_of(u, options.proxy));
    OutputRecord& r = report.outputs.back();
    if (const auto track = inputs.subtitles.find({clip_key(r.clip, r.variant), r.language});
        track != inputs.subtitles.end()) {
      r.warnings = track->second.warnings;
    }
  }
  // Prepare every clip before encoding any: input errors stop the run with nothing written.
  std::vector<std::unique_ptr<ClipJob>> jobs;
  for (const auto& [variants, records] : clip_groups(campaign, report.outputs)) {
    jobs.push_back(prepare_clip(campaign, presets, variants, records, inputs, options));
  }
  // Nothing is written through a symbolic link planted in the output folder (output_safety.h).
  check_output_tree(plan);
  ensure_output_folder(plan.output_dir, plan.output_dir);
  auto cancelled = [&] { return options.cancel != nullptr && options.cancel->load(); };
  // The span cache of the output folder (render/span_cache.h): with spans and a size limit.
  std::optional<SpanCache> cache;
  DigestCache own_digests;
  SpanCacheUse span_cache;
  if (options.span_reuse && options.limits.span_cache > 0) {
    cache.emplace(plan.output_dir / ".shortpack" / "spans", options.limits.span_cache);
    span_cache = {&*cache, plan.digests ? plan.digests.get() : &own_digests};
  }
  for (auto& job : jobs) {
    const std::vector<OutputRecord*> all_records = job->records;
    if (options.on_clip_start && !cancelled()) {
      options.on_clip_start(job->records);
      std::vector<OutputRecord*> rest;
      for (OutputRecord* r : all_records) {
        if (r->status != OutputStatus::kSkipped) rest.push_back(r);
      }
      if (rest.size() != all_records.size()) {
        // Render only what is left: the graph is shaped again for those outputs.
        const std::vector<const Clip*> variants = job->variant_list;
        job = std::make_unique<ClipJob>();
        job->clip = variants.front();
        if (!rest.empty()) {
          try {
            job = prepare_clip(campaign, presets, variants, rest, inputs, options);
          } catch (...) {
            const Error e = caught_error();
            job->records = rest;
            job->fail_all(e.kind(), e.what());
          }
        }
      }
    }
    if (cancelled()) {
      job->fail_all(ErrorKind::kCancelled, "cancelled before it started");
    } else {
      ensure_output_folder(plan.output_dir, plan.output_dir / job->clip->id);
      try {
        run_clip(*job, campaign, presets, options, span_cache);
      } catch (const Error& e) {
        if (is_file_system_error(e.kind())) throw;
        job->fail_all(e.kind(), e.what());  // one clip failing never stops the others
      } catch (...) {                       // OpenCV, bad_alloc, filesystem_error: this clip fails alone too
        const Error e = caught_error();
        job->fail_all(e.kind(), e.what());
      }
    }
    if (on_done) {
      for (OutputRecord* r : all_records) on_done(*r);
    }
  }
  if (cache) cache->trim();
  return report;
}

struct StillRenderer::State {
  PreparedInputs inputs;
  OutputRecord record;
  std::unique_ptr<ClipJob> job;
  std::optional<GeometryStage> stage;
  std::unique_ptr<LanguageStage> text;
  std::unique_ptr<TimelineSource> source;  // positioned at next_index
  int64_t next_index = 0;
  SafeZone safe;
};

namespace {

// The clip's variants in campaign order (one entry, with no variant id, without a table) that share
// the brand of the one a still shows (`variant`, or the first when it is empty), and that one.
std::pair<std::vector<const Clip*>, const Clip*> variant_of_clip(const Campaign& campaign,
                                                                 const std::string& clip_id,
                                                                 const std::string& variant) {
  std::vector<const Clip*> variants;
  const Clip* shown = nullptr;
  for (const Clip& c : campaign.clips) {
    if (c.id != clip_id) continue;
    variants.push_back(&c);
    if (shown == nullptr && (variant.empty() || c.variant == variant)) shown = &c;
  }
  if (variants.empty()) throw Error(ErrorKind::kInput, "the campaign has no clip '" + clip_id + "'");
  if (shown == nullptr) {
    std::string known;
    for (const Clip* c : variants) known += (known.empty() ? "" : ", ") + c->variant;
    throw Error(
        ErrorKind::kInput,
        variants.front()->variant.empty()
            ? "clip '" + clip_id +
                  "' has no variants (the campaign has no variants table); leave out the variant"
            : "clip '" + clip_id + "' has no variant '" + variant + "' (its variants: " + known + ")");
  }
  // A render graph's variants share one timeline (see clip_groups), and so does a still's job.
  const Campaign::TimelineKey key = campaign.timeline_key(*shown);
  std::erase_if(variants, [&](const Clip* c) { return campaign.timeline_key(*c) != key; });
  return {variants, shown};
}

}  // namespace

StillRenderer::StillRenderer(const Campaign& campaign, const PresetCatalog& presets,
                             const std::string& clip_id, const std::string& platform,
                             const std::string& language, const std::string& variant)
    : state_(std::make_unique<State>()) {
  const auto [variants, clip] = variant_of_clip(campaign, clip_id, variant);
  state_->safe = presets.get(platform).safe;
  if (std::find(campaign.languages.begin(), campaign.languages.end(), language) == campaign.languages.end()) {
    throw Error(ErrorKind::kInput, "the campaign has no language '" + language + "'");
  }
  State& s = *state_;
  s.inputs = prepare_inputs(campaign, presets, Limits{});
  s.record.clip = clip_id;
  s.record.platform = platform;
  s.record.language = language;
  s.record.variant = clip->variant;
  s.job = prepare_clip(campaign, presets, variants, {&s.record}, s.inputs, RenderOptions{});
  if (s.job->failed || s.job->active.empty()) throw Error(ErrorKind::kMedia, s.record.error);
  ClipGraphSpec& spec = s.job->spec;
  attach_crop_paths(spec);
  // The one geometry and language branch of this output: the same stages the render graph runs.
  s.source = std::make_unique<TimelineSource>(spec.segments, spec.frame_rate, spec.frame_count, 0, 0,
                                              reframe_views(spec.segments, spec.geometries));
  s.stage.emplace(spec.geometries.at(0), *s.source);
  s.text = std::make_unique<LanguageStage>(spec.geometries.at(0).languages.at(0), *s.stage, spec.frame_rate);
}

StillRenderer::~StillRenderer() = default;

FramePtr StillRenderer::at(double at_s, StillInfo* info) {
  State& s = *state_;
  const ClipGraphSpec& spec = s.job->spec;
  const double fps = av_q2d(spec.frame_rate);
  // Clamped as a double: a float out of int64_t's range converted to it is undefined behaviour.
  if (!(at_s >= 0.0 && at_s <= kMaxStillSeconds)) {
    throw Error(ErrorKind::kInput, "a preview time must be from 0 to 86400 s, not " + std::to_string(at_s));
  }
  const int64_t index = static_cast<int64_t>(
      std::clamp(std::floor(at_s * fps + 1e-6), 0.0, static_cast<double>(spec.frame_count - 1)));
  // Decoding on from the last frame is cheaper than a seek for up to a keyframe interval or so;
  // the pictures are the same either way (decoding is exact).
  const int64_t max_forward = std::max<int64_t>(30, std::llround(2.0 * fps));
  if (index < s.next_index || index - s.next_index > max_forward) {
    s.source.reset();
    s.source = std::make_unique<TimelineSource>(spec.segments, spec.frame_rate, spec.frame_count, 0, index,
                                                reframe_views(spec.segments, spec.geometries));
    s.next_index = index;
  }
  std::optional<TimelineFrame> frame;
  while (s.next_index <= index) {
    frame = s.source->next();
    if (!frame) throw Error(ErrorKind::kMedia, "no picture at " + std::to_string(at_s) + " s");
    ++s.next_index;
  }
  FramePtr out = make_writable_copy(*s.text->process(s.stage->process(*frame)));
  if (info != nullptr) {
    info->frame_index = index;
    info->time_s = static_cast<double>(index) / fps;
    info->duration_s = s.job->timeline.duration_s;
    info->safe = s.safe;
  }
  return out;
}

FramePtr render_still(const Campaign& campaign, const PresetCatalog& presets, const std::string& clip_id,
                      const std::string& platform, const std::string& language, double at_s, StillInfo* info,
                      const std::string& variant) {
  return StillRenderer(campaign, presets, clip_id, platform, language, variant).at(at_s, info);
}

}  // namespace shortpack

#include "pipeline/render.h"

#include <oneapi/tbb/info.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <system_error>

#include "filters/audio/loudness_meter.h"
#include "filters/audio/loudness_normaliser.h"
#include "filters/core/error.h"
#include "pipeline/captions/font_coverage.h"
#include "pipeline/graph/clip_graph.h"
#include "pipeline/hash.h"
#include "pipeline/media/image_reader.h"
#include "pipeline/media/mp4_writer.h"
#include "pipeline/timeline.h"

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

bool RenderReport::all_ok() const {
  for (const auto& o : outputs) {
    if (o.status == OutputStatus::kFailed) return false;
  }
  return true;
}

namespace {

Corner to_corner(LogoPosition p) {
  switch (p) {
    case LogoPosition::kTopLeft:
      return Corner::kTopLeft;
    case LogoPosition::kTopRight:
      return Corner::kTopRight;
    case LogoPosition::kBottomLeft:
      return Corner::kBottomLeft;
    case LogoPosition::kBottomRight:
      return Corner::kBottomRight;
    case LogoPosition::kInvalid:
      break;
  }
  return Corner::kTopRight;
}

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

struct PreparedInputs {
  std::optional<RgbaImage> logo;
  std::map<std::pair<std::string, std::string>, SubtitleTrack> subtitles;  // (clip, language)
};

PreparedInputs prepare_inputs(const Campaign& campaign) {
  PreparedInputs in;
  if (!campaign.brand.logo.empty()) in.logo = read_image_rgba(campaign.brand.logo);
  for (const Clip& clip : campaign.clips) {
    if (clip.captions_none) continue;
    for (const auto& [lang, path] : clip.captions) {
      SubtitleTrack track = read_subtitles(path);
      const std::string font = caption_font_for(campaign.brand, lang);
      check_glyph_coverage(track, lang, font);
      in.subtitles.emplace(std::make_pair(clip.id, lang), std::move(track));
    }
    for (const auto& [lang, text] : clip.title) {
      check_text_coverage(text, lang, caption_font_for(campaign.brand, lang),
                          "the title of clip '" + clip.id + "'");
    }
    for (size_t i = 0; i < clip.segments.size(); ++i) {
      for (const auto& [lang, text] : clip.segments[i].card_text) {
        check_text_coverage(text, lang, caption_font_for(campaign.brand, lang),
                            "the card of clip '" + clip.id + "' segment " + std::to_string(i + 1));
      }
    }
  }
  return in;
}

struct EncoderGroup {
  std::vector<OutputRecord*> records;  // first: the one encoded; others get a copy
};

void fill_from_file(OutputRecord& r, const Preset& preset) {
  std::error_code ec;
  r.bytes = static_cast<int64_t>(fs::file_size(r.path, ec));
  r.sha256 = sha256_file(r.path);
  const MediaInfo info = probe_media(r.path);
  r.width_px = info.width_px;
  r.height_px = info.height_px;
  r.duration_s = info.duration_s;
  const CheckReport check = check_file(r.path, preset);
  r.checks = check.rules;
  if (!check.passed()) {
    // A complete file that a platform would reject must not sit at a publishable path.
    const fs::path rejected = fs::path(r.path).replace_extension(".rejected.mp4");
    fs::rename(r.path, rejected, ec);
    r.status = OutputStatus::kFailed;
    r.error = "does not conform to " + preset.name + ": " + describe_failures(check) + " (kept as " +
              rejected.filename().string() + ")";
    r.path = rejected;
  } else {
    r.status = OutputStatus::kOk;
  }
}

void render_clip(const Campaign& campaign, const PresetCatalog& presets, const Clip& clip,
                 const std::vector<OutputRecord*>& records, const PreparedInputs& inputs,
                 const RenderOptions& options) {
  auto fail_all = [&](const std::string& why) {
    for (OutputRecord* r : records) {
      r->status = OutputStatus::kFailed;
      r->error = why;
    }
  };
  std::vector<const Preset*> clip_presets;
  for (OutputRecord* r : records) clip_presets.push_back(&presets.get(r->platform));

  ClipTimeline timeline;
  try {
    timeline = resolve_timeline(clip, clip_presets);
  } catch (const Error& e) {
    fail_all(e.what());
    return;
  }
  if (timeline.segments.size() != 1 || timeline.segments[0].segment->kind != Segment::Kind::kMedia) {
    fail_all("clip '" + clip.id + "': scripted clips (segments, cards, images) are not rendered yet");
    return;
  }
  const TimelineSegment& seg = timeline.segments[0];
  const double fps = av_q2d(timeline.frame_rate);

  // Limits of each platform are stated before any encoding.
  std::vector<OutputRecord*> active;
  for (OutputRecord* r : records) {
    const Preset& p = presets.get(r->platform);
    if (timeline.duration_s > p.duration_max_s + 1e-6 || timeline.duration_s < p.duration_min_s - 1e-6) {
      r->status = OutputStatus::kFailed;
      r->error = "clip '" + clip.id + "' is " + std::to_string(timeline.duration_s) + " s; " + p.name + " takes " +
                 std::to_string(p.duration_min_s) + " to " + std::to_string(p.duration_max_s) +
                 " s (trim it with start/end)";
      continue;
    }
    active.push_back(r);
  }
  if (active.empty()) return;

  // Sound: decoded once, measured once, normalised and encoded once per distinct target.
  std::map<std::string, std::shared_ptr<const EncodedAudio>> audio_by_key;
  try {
    const AudioBuffer programme = read_audio(seg.segment->source, seg.in_s, timeline.duration_s);
    LoudnessMeter meter(programme.channels, programme.sample_rate_hz);
    meter.add_frames(programme.samples.data(), programme.frames());
    const double measured = meter.integrated_lufs();
    for (OutputRecord* r : active) {
      const Preset& p = presets.get(r->platform);
      AudioEncodeSettings a{p.audio.sample_rate_hz, p.audio.channels, p.audio.bitrate_bps};
      const std::string key = a.key() + " I=" + std::to_string(p.loudness.integrated_lufs) +
                              " TP=" + std::to_string(p.loudness.true_peak_dbtp);
      if (audio_by_key.count(key) != 0) continue;
      AudioBuffer buffer = programme;
      LoudnessTarget target{p.loudness.integrated_lufs, p.loudness.true_peak_dbtp, 1.0};
      const NormaliseResult nr = normalise_loudness(buffer.samples.data(), buffer.frames(), buffer.channels,
                                                    buffer.sample_rate_hz, measured, target);
      spdlog::debug("{}: loudness {:.1f} LUFS, gain {:+.1f} dB, {} frames limited", clip.id, measured, nr.gain_db,
                    nr.limited_samples);
      audio_by_key[key] = encode_aac(buffer, a);
    }
  } catch (const Error& e) {
    fail_all(e.what());
    return;
  }

  // Shape the graph like the work: geometry -> language -> distinct encoding.
  ClipGraphSpec spec;
  spec.source = seg.segment->source;
  spec.start_s = seg.in_s;
  spec.duration_s = timeline.duration_s;
  spec.frame_rate = timeline.frame_rate;
  spec.max_frames_in_flight = options.max_frames_in_flight;
  std::map<std::string, size_t> geometry_index;
  std::vector<std::vector<std::string>> language_keys;
  std::vector<std::vector<std::vector<std::string>>> encoder_keys;
  std::vector<std::vector<std::vector<EncoderGroup>>> groups;
  for (OutputRecord* r : active) {
    const Preset& p = presets.get(r->platform);
    const ReframeKind kind = to_reframe_kind(clip.reframe);
    const std::string gkey = std::to_string(p.width_px) + "x" + std::to_string(p.height_px) + "|" +
                             std::to_string(static_cast<int>(kind)) + "|" + std::to_string(p.safe.top_px) + "," +
                             std::to_string(p.safe.right_px) + "," + std::to_string(p.safe.bottom_px) + "," +
                             std::to_string(p.safe.left_px);
    auto [git, gnew] = geometry_index.emplace(gkey, spec.geometries.size());
    if (gnew) {
      GeometryBranchSpec g;
      g.reframe.kind = kind;
      g.reframe.width_px = p.width_px;
      g.reframe.height_px = p.height_px;
      if (inputs.logo) {
        g.logo = *inputs.logo;
        g.logo_placement = {to_corner(campaign.brand.logo_position), campaign.brand.logo_width_rel,
                            campaign.brand.logo_opacity,   p.safe.top_px,
                            p.safe.bottom_px,              p.safe.left_px,
                            p.safe.right_px};
      }
      spec.geometries.push_back(std::move(g));
      language_keys.emplace_back();
      encoder_keys.emplace_back();
      groups.emplace_back();
    }
    const size_t gi = git->second;
    GeometryBranchSpec& g = spec.geometries[gi];

    // Captions of this language at this geometry.
    std::string script;
    const auto track = inputs.subtitles.find({clip.id, r->language});
    TitleText title;
    if (auto t = clip.title.find(r->language); t != clip.title.end()) {
      title = {t->second, std::llround(clip.title_duration_s * 1000.0)};
    }
    if (track != inputs.subtitles.end() || !title.text.empty()) {
      SubtitleTrack retimed;
      if (track != inputs.subtitles.end()) {
        retimed = retime(track->second, std::llround(seg.in_s * 1000.0),
                         std::llround((seg.in_s + timeline.duration_s) * 1000.0), 0);
      }
      CaptionStyle style = campaign.brand.caption_style;
      style.font_family = caption_font_for(campaign.brand, r->language);
      CaptionLayout layout{p.width_px, p.height_px, p.safe};
      script = build_ass_script(retimed, style, layout, title);
    }
    const std::string lkey = r->language + "\n" + script;
    size_t li = 0;
    for (; li < language_keys[gi].size(); ++li) {
      if (language_keys[gi][li] == lkey) break;
    }
    if (li == language_keys[gi].size()) {
      LanguageBranchSpec l;
      l.language = r->language;
      l.ass_script = script;
      l.fonts.default_family = fallback_family_for_language(r->language);
      g.languages.push_back(std::move(l));
      language_keys[gi].push_back(lkey);
      encoder_keys[gi].emplace_back();
      groups[gi].emplace_back();
    }

    VideoEncodeSettings v;
    v.width_px = p.width_px;
    v.height_px = p.height_px;
    v.frame_rate = timeline.frame_rate;
    v.profile = p.video.profile;
    v.level = p.video.level;
    v.x264_preset = campaign.encode.x264_preset.value_or(p.video.x264_preset);
    v.crf = campaign.encode.crf.value_or(p.video.crf);
    v.maxrate_bps = p.video.maxrate_bps;
    v.bufsize_bits = p.video.bufsize_bits;
    v.gop_frames = std::max(1, static_cast<int>(std::lround(p.video.keyint_s * fps)));
    v.bframes = p.video.bframes;
    v.closed_gop = p.video.closed_gop;
    AudioEncodeSettings a{p.audio.sample_rate_hz, p.audio.channels, p.audio.bitrate_bps};
    const std::string akey = a.key() + " I=" + std::to_string(p.loudness.integrated_lufs) +
                             " TP=" + std::to_string(p.loudness.true_peak_dbtp);
    const std::string ekey = v.key() + "\n" + akey;
    auto& ekeys = encoder_keys[gi][li];
    size_t ei = 0;
    for (; ei < ekeys.size(); ++ei) {
      if (ekeys[ei] == ekey) break;
    }
    if (ei == ekeys.size()) {
      EncoderBranchSpec e;
      e.video = v;
      e.audio = audio_by_key.at(akey);
      e.path = r->path;
      e.label = clip.id + "." + r->platform + "." + r->language;
      g.languages[li].encoders.push_back(std::move(e));
      ekeys.push_back(ekey);
      groups[gi][li].emplace_back();
    }
    groups[gi][li][ei].records.push_back(r);
  }

  // Share the cores among the clip's encoders unless told otherwise.
  size_t encoder_count = 0;
  for (const auto& g : spec.geometries) {
    for (const auto& l : g.languages) encoder_count += l.encoders.size();
  }
  int threads = options.encoder_threads > 0 ? options.encoder_threads : campaign.encode.threads.value_or(0);
  if (threads <= 0) {
    const int cores = oneapi::tbb::info::default_concurrency();
    threads = std::max(1, static_cast<int>((cores + encoder_count - 1) / encoder_count));
  }
  for (auto& g : spec.geometries) {
    for (auto& l : g.languages) {
      for (auto& e : l.encoders) e.video.threads = threads;
    }
  }

  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<BranchOutcome> outcomes = run_clip_graph(spec);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  size_t k = 0;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    for (size_t li = 0; li < groups[gi].size(); ++li) {
      for (EncoderGroup& group : groups[gi][li]) {
        const BranchOutcome& outcome = outcomes.at(k++);
        for (size_t ri = 0; ri < group.records.size(); ++ri) {
          OutputRecord* r = group.records[ri];
          r->render_s = seconds;
          if (!outcome.ok) {
            r->status = OutputStatus::kFailed;
            r->error = outcome.error;
            continue;
          }
          try {
            if (ri > 0) copy_file_atomically(group.records[0]->path, r->path);  // identical settings
            fill_from_file(*r, presets.get(r->platform));
          } catch (const Error& e) {
            r->status = OutputStatus::kFailed;
            r->error = e.what();
          }
        }
      }
    }
  }
}

}  // namespace

void validate_inputs(const Campaign& campaign, const PresetCatalog& presets) {
  (void)presets;
  prepare_inputs(campaign);
}

RenderReport render_units(const Campaign& campaign, const PresetCatalog& presets, const RenderPlan& plan,
                          const std::vector<RenderUnit>& units, const RenderOptions& options,
                          const std::function<void(const OutputRecord&)>& on_done) {
  RenderReport report;
  report.campaign = campaign.name;
  report.output_dir = plan.output_dir;
  const PreparedInputs inputs = prepare_inputs(campaign);
  report.outputs.reserve(units.size());
  for (const RenderUnit& u : units) {
    OutputRecord r;
    r.clip = u.clip_id;
    r.platform = u.platform;
    r.language = u.language;
    r.path = u.output_path;
    r.fingerprint = u.fingerprint;
    report.outputs.push_back(std::move(r));
  }
  for (const Clip& clip : campaign.clips) {
    std::vector<OutputRecord*> records;
    for (OutputRecord& r : report.outputs) {
      if (r.clip == clip.id) records.push_back(&r);
    }
    if (records.empty()) continue;
    std::error_code ec;
    fs::create_directories(plan.output_dir / clip.id, ec);
    if (ec) {
      throw Error(ErrorKind::kIo, "cannot create " + (plan.output_dir / clip.id).string() + ": " + ec.message());
    }
    render_clip(campaign, presets, clip, records, inputs, options);
    if (on_done) {
      for (OutputRecord* r : records) on_done(*r);
    }
  }
  return report;
}

}  // namespace shortpack

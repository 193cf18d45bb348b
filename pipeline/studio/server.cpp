#include "pipeline/studio/server.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "filters/core/error.h"
#include "pipeline/base/number.h"
#include "pipeline/captions/subtitles.h"
#include "pipeline/media/image_writer.h"
#include "pipeline/publish/cover.h"
#include "pipeline/render/plan.h"
#include "pipeline/render/preview.h"
#include "pipeline/render/render.h"
#include "pipeline/render/timeline.h"
#include "pipeline/spec/campaign.h"
#include "pipeline/spec/post.h"
#include "pipeline/spec/preset.h"
#include "pipeline/spec/yaml_reader.h"
#include "pipeline/studio/page.h"
#include "pipeline/studio/tryout.h"

namespace shortpack::studio {

namespace fs = std::filesystem;
using nlohmann::json;

std::string random_token() {
  std::ifstream in("/dev/urandom", std::ios::binary);
  unsigned char bytes[16] = {};
  if (!in.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    throw Error(ErrorKind::kIo, "cannot read /dev/urandom for the studio's token");
  }
  static const char* hex = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token.push_back(hex[b >> 4]);
    token.push_back(hex[b & 15]);
  }
  return token;
}

bool tokens_equal(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

bool parse_seconds(const std::string& text, double& seconds) {
  if (text.size() > 32) return false;
  const std::optional<double> value = parse_finite_number(text);
  if (!value || *value < 0.0 || *value > kMaxStillSeconds) return false;
  seconds = *value;
  return true;
}

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

namespace {

// "name" of "name", "name:port", "[v6]" or "[v6]:port", lower case; empty when malformed.
std::string host_name_of(std::string_view authority) {
  std::string name;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return {};
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return {};
    name = std::string(authority.substr(1, close - 1));
  } else {
    name = std::string(authority.substr(0, authority.find(':')));
  }
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

bool allowed_name(const std::string& name, std::string_view bound_host) {
  if (name.empty()) return false;
  return name == "localhost" || name == "127.0.0.1" || name == "::1" || name == host_name_of(bound_host);
}

}  // namespace

bool host_header_allowed(std::string_view host_header, std::string_view bound_host) {
  return allowed_name(host_name_of(host_header), bound_host);
}

bool origin_allowed(std::string_view origin, std::string_view bound_host) {
  if (origin.empty()) return true;  // not a browser's cross-origin request
  constexpr std::string_view kScheme = "http://";
  if (origin.rfind(kScheme, 0) != 0) return false;  // "null", other schemes
  const std::string_view authority = origin.substr(kScheme.size());
  if (authority.find('/') != std::string_view::npos) return false;
  return allowed_name(host_name_of(authority), bound_host);
}

namespace {

// One loaded campaign; immutable once published, so a frame can be rendered outside the lock.
struct Snapshot {
  std::shared_ptr<const PresetCatalog> presets;
  std::unique_ptr<Campaign> campaign;
  std::unique_ptr<RenderPlan> proxy_plan;  // where `render --proxy --out OUT` writes each unit
  json description;
};

// "<file>:<line>: <message>" as {file, line, message}; a message without a place keeps file
// and line empty.
json error_entry(const std::string& what) {
  static const std::regex place(R"(^([^:\n]+):([0-9]+): ([\s\S]*)$)");
  std::smatch m;
  json entry;
  if (std::regex_match(what, m, place)) {
    entry["file"] = m[1].str();
    entry["line"] = std::stoi(m[2].str());
    entry["message"] = m[3].str();
  } else {
    entry["file"] = "";
    entry["line"] = 0;
    entry["message"] = what;
  }
  entry["text"] = what;
  return entry;
}

std::string stamp_of(const fs::path& path) {
  std::error_code ec;
  const auto time = fs::last_write_time(path, ec);
  if (ec) return path.string() + ":missing;";
  const auto size = fs::is_regular_file(path, ec) ? fs::file_size(path, ec) : 0;
  return path.string() + ":" + std::to_string(time.time_since_epoch().count()) + ":" + std::to_string(size) +
         ";";
}

// What the page needs of each platform's preset for the try-out: size, safe zone, where it is from,
// and the caption size and logo this platform renders with (the preset's overrides, else the brand's).
json preset_entry(const Preset& p, const Brand& b, const fs::path& campaign_presets) {
  const double caption =
      p.caption_size_px ? double(*p.caption_size_px) / p.height_px : b.caption_style.size_rel;
  const double logo_width = p.logo_width_px ? double(*p.logo_width_px) / p.width_px : b.logo_width_rel;
  return {{"width_px", p.width_px},
          {"presentation",
           {{"caption_size", caption},
            {"logo_width", logo_width},
            {"logo_position", p.logo_position.empty() ? to_string(b.logo_position) : p.logo_position}}},
          {"height_px", p.height_px},
          {"safe",
           {{"top_px", p.safe.top_px},
            {"bottom_px", p.safe.bottom_px},
            {"left_px", p.safe.left_px},
            {"right_px", p.safe.right_px}}},
          {"file", p.source_file.string()},
          {"override", p.source_file.parent_path() == campaign_presets}};
}

json brand_entry(const Brand& b) {
  return {{"caption_size", b.caption_style.size_rel},
          {"logo_width", b.logo_width_rel},
          {"logo_position", to_string(b.logo_position)},
          {"has_logo", !b.logo.empty()},
          {"file", b.source_file.string()}};
}

// The subtitle files' warnings (dropped WebVTT cues, tags not applied: "<file>:<line>: <what>")
// and the errors of files that cannot be read, as the render's preparation would meet them.
void add_subtitle_findings(const Campaign& c, json& d) {
  for (const Clip& clip : c.clips) {
    if (clip.captions_none) continue;
    for (const auto& [lang, path] : clip.captions) {
      const auto encoding = clip.captions_encoding.find(lang);
      try {
        const SubtitleTrack track = read_subtitles(
            path, {}, encoding == clip.captions_encoding.end() ? std::string() : encoding->second);
        for (const std::string& w : track.warnings) d["warnings"].push_back(error_entry(w));
      } catch (const Error& e) {
        d["errors"].push_back(error_entry(e.what()));
      }
    }
  }
}

// Duration, frame count and rate of a clip on each of the campaign's platforms; a timeline that
// cannot be laid out is an entry of `errors`.
json clip_timings(const Campaign& c, const PresetCatalog& presets, const Clip& clip, json& errors) {
  json t = json::object();
  for (const std::string& platform : c.platforms) {
    try {
      const ClipTimeline tl = resolve_timeline(clip, {&presets.get(platform)}, &c.brand_of(clip));
      t[platform] = {
          {"duration_s", tl.duration_s}, {"frame_count", tl.frame_count}, {"fps", av_q2d(tl.frame_rate)}};
    } catch (const std::exception& e) {
      errors.push_back(error_entry(e.what()));
    }
  }
  return t;
}

// A row's own brand, and the caption size and logo each platform renders it with (the try-out
// starts from these for that row, not from the campaign's brand).
json brand_with_presentation(const Campaign& c, const PresetCatalog& presets, const Brand& b,
                             const fs::path& campaign_presets) {
  json e = brand_entry(b);
  for (const std::string& platform : c.platforms) {
    e["presentation"][platform] = preset_entry(presets.get(platform), b, campaign_presets)["presentation"];
  }
  return e;
}

// The clips of /api/campaign, each once with its variants (they share its picture): a variant with
// a timeline of its own (its brand's bumpers, its own sources) gets its own timings, one with a brand
// of its own that brand. Adds the files a reload watches (captions, the rows' brands and logos).
void describe_clips(const Campaign& c, const PresetCatalog& presets, const fs::path& campaign_presets,
                    json& d, std::vector<fs::path>& files) {
  std::set<const Brand*> watched_brands;
  Campaign::TimelineKey first_key;  // the timeline of the clip's first variant
  for (const Clip& clip : c.clips) {
    for (const auto& [lang, path] : clip.captions) files.push_back(path);
    if (clip.brand && watched_brands.insert(clip.brand.get()).second) {  // a variant's own brand
      files.push_back(clip.brand->source_file);
      if (!clip.brand->logo.empty()) files.push_back(clip.brand->logo);
    }
    const bool same_clip = &clip != &c.clips.front() && (&clip - 1)->id == clip.id;
    if (!same_clip) {
      first_key = c.timeline_key(clip);
      d["clips"].push_back({{"id", clip.id},
                            {"variants", json::array()},
                            {"platforms", clip_timings(c, presets, clip, d["errors"])}});
    }
    json& entry = d["clips"].back();
    if (clip.variant.empty()) continue;
    entry["variants"].push_back(clip.variant);
    if (same_clip && c.timeline_key(clip) != first_key)
      entry["variant_platforms"][clip.variant] = clip_timings(c, presets, clip, d["errors"]);
    if (clip.brand)
      entry["variant_brands"][clip.variant] =
          brand_with_presentation(c, presets, *clip.brand, campaign_presets);
  }
}

// One output of the campaign, as a request names it.
struct UnitQuery {
  std::string clip;
  std::string platform;
  std::string lang;
  std::string variant;  // a row of the variants table (the clip's first when the request names none)

  [[nodiscard]] std::string label() const {
    return clip + (variant.empty() ? "" : "." + variant) + " " + platform + " " + lang;
  }
};

// The variant a request shows: the named row of the clip's variants, or its first.
std::string variant_of(const Campaign& c, const std::string& clip, const std::string& wanted) {
  std::string first;
  for (const Clip& k : c.clips) {
    if (k.id != clip) continue;
    if (k.variant == wanted) return wanted;
    if (first.empty()) first = k.variant;
  }
  if (wanted.empty()) return first;
  throw Error(ErrorKind::kInput, first.empty()
                                     ? "Clip '" + clip + "' has no variants: leave out 'variant'."
                                     : "Unknown variant '" + wanted + "' of clip '" + clip +
                                           "': pick one of the rows of the campaign's variants table.");
}

// Throws Error(kInput) with one sentence when the request does not name one of the campaign's
// clips, platforms and languages.
UnitQuery unit_of(const httplib::Request& req, const Campaign& c) {
  UnitQuery u{req.get_param_value("clip"), req.get_param_value("platform"), req.get_param_value("lang"), {}};
  bool known_clip = false;
  for (const Clip& k : c.clips) known_clip = known_clip || k.id == u.clip;
  if (!known_clip)
    throw Error(ErrorKind::kInput, "Unknown clip '" + u.clip + "': pick one of the campaign's clips.");
  if (std::find(c.platforms.begin(), c.platforms.end(), u.platform) == c.platforms.end()) {
    throw Error(ErrorKind::kInput,
                "Unknown platform '" + u.platform + "': pick one of the campaign's platforms.");
  }
  if (std::find(c.languages.begin(), c.languages.end(), u.lang) == c.languages.end()) {
    throw Error(ErrorKind::kInput,
                "Unknown language '" + u.lang + "': pick one of the campaign's languages.");
  }
  u.variant = variant_of(c, u.clip, req.get_param_value("variant"));
  return u;
}

// A temporary folder for the try-out's preset file, removed with the server.
struct ScratchFolder {
  fs::path path;
  ScratchFolder() {
    std::string pattern = (fs::temp_directory_path() / "shortpack-studio-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      throw Error(ErrorKind::kIo,
                  "cannot create a temporary folder for the studio in " + fs::temp_directory_path().string());
    }
    path = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
};

// A unit's renderer kept warm between requests (decoders and caption renderers open), with what
// it renders from: the snapshot, and the try-out's preset catalog when there is one.
struct WarmUnit {
  std::string key;  // version|clip|variant|platform|language|try-out
  std::shared_ptr<const Snapshot> snap;
  std::shared_ptr<const PresetCatalog> presets;
  std::unique_ptr<StillRenderer> renderer;
};
// Enough for a producer flipping between a few outputs; each holds open decoders.
constexpr size_t kWarmUnits = 4;

}  // namespace

struct StudioServer::State {
  StudioOptions options;
  std::string token;
  httplib::Server server;
  std::mutex mutex;  // guards `snapshot`; held only to read or publish it, never while loading
  std::shared_ptr<const Snapshot> snapshot;
  std::mutex reload_mutex;  // one reload at a time (the watcher's or a saved preset's); guards:
  std::string version;
  std::vector<fs::path> watched;
  // The watcher thread reloads the campaign when a watched file changes, off the request path.
  std::mutex watch_mutex;
  std::condition_variable watch_wake;
  bool stopping = false;  // guarded by watch_mutex
  std::thread watcher;
  std::mutex render_mutex;  // one frame at a time; guards the fields below
  ScratchFolder scratch;
  std::list<WarmUnit> warm;  // most recently used first, at most kWarmUnits

  [[nodiscard]] fs::path campaign_presets() const { return options.campaign_file.parent_path() / "presets"; }

  [[nodiscard]] std::vector<fs::path> preset_folders() const {
    std::vector<fs::path> folders{PresetCatalog::builtin_folder()};
    if (fs::is_directory(campaign_presets())) folders.push_back(campaign_presets());
    for (const auto& d : options.preset_dirs) folders.push_back(d);
    return folders;
  }

  // The version of what the campaign depends on: every watched file's mtime and size, and the
  // entries of the preset folders.
  [[nodiscard]] std::string compute_version(const std::vector<fs::path>& files) const {
    std::string text;
    for (const auto& f : files) text += stamp_of(f);
    for (const auto& dir : preset_folders()) {
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(dir, ec)) text += stamp_of(e.path());
    }
    return std::to_string(std::hash<std::string>{}(text));
  }

  // Reloads when a watched file changed and publishes the new snapshot. Requests go on with the
  // old one meanwhile.
  void refresh() {
    const std::lock_guard reload(reload_mutex);
    const std::shared_ptr<const Snapshot> old = current();
    std::vector<fs::path> files{options.campaign_file};
    if (old && old->campaign) files = watched;
    const std::string now = compute_version(files);
    if (old && now == version) return;
    auto next = std::make_shared<Snapshot>();
    json d;
    d["file"] = options.campaign_file.string();
    d["errors"] = json::array();
    d["warnings"] = json::array();
    d["clips"] = json::array();
    d["platforms"] = json::array();
    d["languages"] = json::array();
    std::vector<fs::path> next_files{options.campaign_file};
    try {
      next->presets = std::make_shared<const PresetCatalog>(PresetCatalog::load(preset_folders()));
      next->campaign = std::make_unique<Campaign>(load_campaign(options.campaign_file, *next->presets));
      const Campaign& c = *next->campaign;
      d["name"] = c.name;
      d["platforms"] = c.platforms;
      d["languages"] = c.languages;
      d["brand"] = brand_entry(c.brand);
      d["presets"] = json::object();
      for (const std::string& platform : c.platforms) {
        d["presets"][platform] = preset_entry(next->presets->get(platform), c.brand, campaign_presets());
      }
      next->proxy_plan = std::make_unique<RenderPlan>(make_plan(c, *next->presets, options.out_root, true));
      d["proxy_dir"] = next->proxy_plan->output_dir.string();
      add_subtitle_findings(c, d);
      if (!c.brand.source_file.empty()) next_files.push_back(c.brand.source_file);
      if (!c.brand.logo.empty()) next_files.push_back(c.brand.logo);
      describe_clips(c, *next->presets, campaign_presets(), d, next_files);
    } catch (const std::exception& e) {
      next->campaign.reset();
      d["errors"].push_back(error_entry(e.what()));
    }
    d["ok"] = next->campaign != nullptr && d["errors"].empty();
    watched = next_files;
    version = compute_version(watched);
    d["version"] = version;
    next->description = std::move(d);
    const std::lock_guard lock(mutex);
    snapshot = std::move(next);
  }

  std::shared_ptr<const Snapshot> current() {
    const std::lock_guard lock(mutex);
    return snapshot;
  }

  // The watcher's loop: a look at the watched files' stamps every 200 ms until stop_watching().
  void watch() {
    std::unique_lock lock(watch_mutex);
    while (!watch_wake.wait_for(lock, std::chrono::milliseconds(200), [this] { return stopping; })) {
      lock.unlock();
      try {
        refresh();
      } catch (const std::exception& e) {
        std::cerr << "studio: cannot reload the campaign: " << e.what() << std::endl;
      }
      lock.lock();
    }
  }
  void stop_watching() {
    {
      const std::lock_guard lock(watch_mutex);
      stopping = true;
    }
    watch_wake.notify_all();
    if (watcher.joinable()) watcher.join();
  }

  StillRenderer& warm_renderer(const std::shared_ptr<const Snapshot>& snap, const UnitQuery& u,
                               const TryOut& tryout);
  std::string frame_png(const std::shared_ptr<const Snapshot>& snap, const UnitQuery& u, double at_s,
                        bool guides, const TryOut& tryout, StillInfo& info);
  void serve_frame(const httplib::Request& req, httplib::Response& res);
  void serve_proxy(const httplib::Request& req, httplib::Response& res);
  void serve_post(const httplib::Request& req, httplib::Response& res);
  void serve_cover(const httplib::Request& req, httplib::Response& res);
  void save_preset(const httplib::Request& req, httplib::Response& res);

  [[nodiscard]] bool authorised(const httplib::Request& req) const {
    std::string given = req.get_header_value("X-Shortpack-Token");
    if (given.empty()) given = req.get_param_value("token");
    return tokens_equal(given, token);
  }
};

namespace {

void reply_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(json{{"error", message}}.dump() + "\n", "application/json");
}

// The review proxy of a unit: the plan's path, a regular file (not a symlink) inside the plan's
// proxy folder. Empty when there is none.
fs::path proxy_file(const RenderPlan& plan, const UnitQuery& u) {
  for (const RenderUnit& unit : plan.units) {
    if (unit.clip_id != u.clip || unit.variant != u.variant || unit.platform != u.platform ||
        unit.language != u.lang)
      continue;
    std::error_code ec;
    if (fs::is_symlink(unit.output_path, ec) || !fs::is_regular_file(unit.output_path, ec)) return {};
    const fs::path real = fs::canonical(unit.output_path, ec);
    const fs::path folder = fs::canonical(plan.output_dir, ec);
    if (ec || real.parent_path().parent_path() != folder) return {};
    return real;
  }
  return {};
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error(ErrorKind::kIo, "cannot read " + path.string());
  return text.str();
}

}  // namespace

// The warm renderer of one unit (with the try-out's values, when the request has any), made on
// first use and kept for the next frames of the campaign's version. Called with render_mutex held.
StillRenderer& StudioServer::State::warm_renderer(const std::shared_ptr<const Snapshot>& snap,
                                                  const UnitQuery& u, const TryOut& tryout) {
  const std::string version = snap->description["version"].get<std::string>();
  const std::string key =
      version + "|" + u.clip + "|" + u.variant + "|" + u.platform + "|" + u.lang + "|" + tryout.key();
  warm.remove_if([&](const WarmUnit& w) { return w.snap != snap; });  // an older version's
  for (auto it = warm.begin(); it != warm.end(); ++it) {
    if (it->key == key) {
      warm.splice(warm.begin(), warm, it);
      return *warm.front().renderer;
    }
  }
  WarmUnit w;
  w.key = key;
  w.snap = snap;
  w.presets = snap->presets;
  if (tryout.changes_preset()) {
    const std::string yaml = tried_preset_yaml(snap->presets->get(u.platform), tryout);
    w.presets = std::make_shared<const PresetCatalog>(
        tried_catalog(preset_folders(), u.platform, yaml, scratch.path));
  }
  w.renderer =
      std::make_unique<StillRenderer>(*snap->campaign, *w.presets, u.clip, u.platform, u.lang, u.variant);
  warm.push_front(std::move(w));
  if (warm.size() > kWarmUnits) warm.pop_back();
  return *warm.front().renderer;
}

// The frame as PNG bytes: the same render_still frame, draw_guides and encode_png as `preview`.
std::string StudioServer::State::frame_png(const std::shared_ptr<const Snapshot>& snap, const UnitQuery& u,
                                           double at_s, bool guides, const TryOut& tryout, StillInfo& info) {
  std::lock_guard lock(render_mutex);
  FramePtr picture;
  try {
    picture = warm_renderer(snap, u, tryout).at(at_s, &info);
  } catch (...) {
    warm.clear();  // a renderer that failed is not kept
    throw;
  }
  if (guides) draw_guides(*picture, info.safe);
  return encode_png(*picture);
}

void StudioServer::State::serve_frame(const httplib::Request& req, httplib::Response& res) {
  const auto snap = current();
  if (!snap->campaign) {
    return reply_error(res, 409, "The campaign did not load: fix the errors that /api/campaign lists.");
  }
  const std::string guides = req.has_param("guides") ? req.get_param_value("guides") : "0";
  double at_s = 0.0;
  try {
    const UnitQuery u = unit_of(req, *snap->campaign);
    if (!parse_seconds(req.get_param_value("t"), at_s)) {
      return reply_error(res, 400, "The query parameter t must be a time in seconds from 0 to 86400.");
    }
    if (guides != "0" && guides != "1") return reply_error(res, 400, "guides must be 0 or 1.");
    const TryOut tryout = parse_tryout(req.params);
    const auto started = std::chrono::steady_clock::now();
    StillInfo info;
    res.set_content(frame_png(snap, u, at_s, guides == "1", tryout, info), "image/png");
    res.set_header("X-Frame-Index", std::to_string(info.frame_index));
    res.set_header("X-Frame-Time", std::to_string(info.time_s));
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    // One line per frame: what a producer scrubbed and how long it took.
    std::cout << "studio: frame served: " << u.label() << " guides=" << guides
              << (tryout.changes_preset() ? " try-out" : "") << " frame " << info.frame_index << " in " << ms
              << " ms" << std::endl;
  } catch (const Error& e) {
    reply_error(res, e.kind() == ErrorKind::kInput ? 400 : 500, e.what());
  }
}

namespace {

const Clip& clip_of(const Campaign& c, const UnitQuery& u) {
  for (const Clip& k : c.clips) {
    if (k.id == u.clip && k.variant == u.variant) return k;
  }
  throw Error(ErrorKind::kInput, "Unknown clip '" + u.clip + "'.");
}

// A title tried in the page: at most kMaxTriedTitleBytes of UTF-8 (the longest platform title is
// far shorter), else one sentence.
constexpr size_t kMaxTriedTitleBytes = 4096;
std::string tried_title(const httplib::Request& req, const std::string& posted) {
  if (!req.has_param("title")) return posted;
  std::string title = req.get_param_value("title");
  if (title.size() > kMaxTriedTitleBytes || yaml::printable(title) != title)
    throw Error(ErrorKind::kInput,
                "The title must be UTF-8 text of at most 4096 bytes, without control characters.");
  return title;
}

}  // namespace

// The post of one output (issue 30) as posts.json has it: title, text with hashtags, each count
// against the platform's limit; `title` in the query tries another title (counted, not saved).
void StudioServer::State::serve_post(const httplib::Request& req, httplib::Response& res) {
  const auto snap = current();
  if (!snap->campaign)
    return reply_error(res, 409, "The campaign did not load: fix the errors that /api/campaign lists.");
  try {
    const UnitQuery u = unit_of(req, *snap->campaign);
    const Clip& clip = clip_of(*snap->campaign, u);
    const auto post = post_for(*snap->campaign, clip, u.platform, u.lang);
    if (!post) {
      res.set_content("{\"post\": false}\n", "application/json");
      return;
    }
    const PostSpec& limits = snap->presets->get(u.platform).post;
    const std::string title = tried_title(req, post->title);
    const std::string text = post->text_with_hashtags();
    const size_t text_chars = grapheme_count(text);
    const bool cut = limits.text_shown_chars > 0 && text_chars > size_t(limits.text_shown_chars);
    const json j = {{"post", true},
                    {"title", title},
                    {"title_chars", grapheme_count(title)},
                    {"title_max_chars", limits.title_max_chars},
                    {"text", text},
                    {"text_shown", cut ? first_graphemes(text, size_t(limits.text_shown_chars)) : text},
                    {"text_cut", cut},
                    {"text_chars", text_chars},
                    {"text_max_chars", limits.text_max_chars},
                    {"hashtags", post->hashtags.size()},
                    {"hashtags_max", limits.hashtags_max},
                    {"cover_at_s", clip.post->cover_at_s ? json(*clip.post->cover_at_s) : json(nullptr)}};
    res.set_content(j.dump(2) + "\n", "application/json");
  } catch (const Error& e) {
    reply_error(res, e.kind() == ErrorKind::kInput ? 400 : 500, e.what());
  }
}

// The cover of one output made of the still at t (the picture `render` would take there), with
// the post's title or the one in the query, through the cover's own code: a JPEG.
void StudioServer::State::serve_cover(const httplib::Request& req, httplib::Response& res) {
  const auto snap = current();
  if (!snap->campaign)
    return reply_error(res, 409, "The campaign did not load: fix the errors that /api/campaign lists.");
  try {
    const UnitQuery u = unit_of(req, *snap->campaign);
    double at_s = 0.0;
    if (!parse_seconds(req.get_param_value("t"), at_s))
      return reply_error(res, 400, "The query parameter t must be a time in seconds from 0 to 86400.");
    const Clip& clip = clip_of(*snap->campaign, u);
    const ResolvedPost post = post_for(*snap->campaign, clip, u.platform, u.lang).value_or(ResolvedPost{});
    CoverLook look = cover_look_for(*snap->campaign, clip, snap->presets->get(u.platform), u.lang, post);
    look.title = tried_title(req, look.title);
    std::lock_guard lock(render_mutex);
    StillInfo info;
    FramePtr picture;
    try {
      picture = warm_renderer(snap, u, TryOut{}).at(at_s, &info);
    } catch (...) {
      warm.clear();
      throw;
    }
    res.set_content(encode_jpeg(*cover_picture(*picture, look), 3), "image/jpeg");
  } catch (const Error& e) {
    reply_error(res, e.kind() == ErrorKind::kInput ? 400 : 500, e.what());
  }
}

// The unit's review proxy (httplib answers Range requests on it, so <video> can seek), or 404
// saying how to make it. With status=1: always 200, {"available": bool, "message": ...}, so that
// the page can ask without a failed load in its console.
void StudioServer::State::serve_proxy(const httplib::Request& req, httplib::Response& res) {
  const auto snap = current();
  if (!snap->campaign) {
    return reply_error(res, 409, "The campaign did not load: fix the errors that /api/campaign lists.");
  }
  try {
    const UnitQuery u = unit_of(req, *snap->campaign);
    const fs::path file = proxy_file(*snap->proxy_plan, u);
    const std::string missing = "No review proxy of " + u.label() + " in " +
                                snap->proxy_plan->output_dir.string() + ": make it with `shortpack render " +
                                options.campaign_file.string() + " --proxy --out " +
                                options.out_root.string() + "`.";
    if (req.get_param_value("status") == "1") {
      const json status{{"available", !file.empty()}, {"message", file.empty() ? missing : file.string()}};
      return res.set_content(status.dump() + "\n", "application/json");
    }
    if (file.empty()) return reply_error(res, 404, missing);
    res.set_content(read_bytes(file), "video/mp4");
  } catch (const Error& e) {
    reply_error(res, e.kind() == ErrorKind::kInput ? 400 : 500, e.what());
  }
}

// POST /api/preset: validates the try-out's safe zone as a preset file and writes it to the
// campaign's presets/ folder; the next refresh loads it like any preset.
void StudioServer::State::save_preset(const httplib::Request& req, httplib::Response& res) {
  const auto snap = current();
  if (!snap->campaign) {
    return reply_error(res, 409, "The campaign did not load: fix the errors that /api/campaign lists.");
  }
  const std::string platform = req.get_param_value("platform");
  const auto& platforms = snap->campaign->platforms;
  if (std::find(platforms.begin(), platforms.end(), platform) == platforms.end()) {
    return reply_error(res, 400,
                       "Unknown platform '" + platform + "': pick one of the campaign's platforms.");
  }
  try {
    const TryOut tryout = parse_tryout(req.params);
    if (!tryout.changes_preset()) {
      return reply_error(
          res, 400,
          "Nothing to save: give top_px, bottom_px, left_px, right_px, caption_size, logo_width or "
          "logo_position.");
    }
    const std::string yaml = tried_preset_yaml(snap->presets->get(platform), tryout);
    fs::path written;
    {
      std::lock_guard lock(render_mutex);
      (void)tried_catalog(preset_folders(), platform, yaml, scratch.path);  // validated first
      written = save_preset_override(campaign_presets(), platform, yaml);
    }
    refresh();  // the next request sees the override (this request waits for it, no other does)
    std::cout << "studio: preset override saved: " << written.string() << std::endl;
    res.set_content(json{{"saved", written.string()}}.dump() + "\n", "application/json");
  } catch (const Error& e) {
    reply_error(res, e.kind() == ErrorKind::kInput ? 400 : 500, e.what());
  }
}

StudioServer::StudioServer(StudioOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->options.campaign_file = fs::absolute(state_->options.campaign_file);
  state_->options.out_root = fs::absolute(state_->options.out_root);
  state_->token = random_token();
  State& s = *state_;
  auto& svr = s.server;

  svr.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    if (req.method != "GET" && !(req.method == "POST" && req.path == "/api/preset")) {
      reply_error(res, 405, "The studio answers GET requests only (and POST /api/preset).");
      return httplib::Server::HandlerResponse::Handled;
    }
    // DNS rebinding: a page of another site that resolves its name to this machine is refused by
    // name, and so is a cross-origin request from one.
    if (!host_header_allowed(req.get_header_value("Host"), s.options.host) ||
        !origin_allowed(req.get_header_value("Origin"), s.options.host)) {
      reply_error(res, 403,
                  "The studio answers requests for " + s.options.host +
                      " and the loopback names only (Host and Origin are checked).");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!s.authorised(req)) {
      reply_error(res, 403,
                  "This request lacks the studio's token: open the URL that `shortpack studio` printed.");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  // Limits: no body over 1 MiB (the one POST carries a few query values); enough workers that a
  // few slow clients cannot hold them all, and a short read timeout so each holds one briefly.
  svr.set_payload_max_length(kMaxBodyBytes);
  svr.new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  svr.set_read_timeout(2, 0);
  svr.set_keep_alive_timeout(2);
  svr.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::string(page_html()), "text/html; charset=utf-8");
  });
  svr.Get("/api/version", [&s](const httplib::Request&, httplib::Response& res) {
    const auto snap = s.current();
    res.set_content(json{{"version", snap->description["version"]}}.dump() + "\n", "application/json");
  });
  svr.Get("/api/campaign", [&s](const httplib::Request&, httplib::Response& res) {
    const auto snap = s.current();
    res.set_content(snap->description.dump(2) + "\n", "application/json");
  });
  svr.Get("/api/frame",
          [&s](const httplib::Request& req, httplib::Response& res) { s.serve_frame(req, res); });
  svr.Get("/api/proxy",
          [&s](const httplib::Request& req, httplib::Response& res) { s.serve_proxy(req, res); });
  svr.Get("/api/post", [&s](const httplib::Request& req, httplib::Response& res) { s.serve_post(req, res); });
  svr.Get("/api/cover",
          [&s](const httplib::Request& req, httplib::Response& res) { s.serve_cover(req, res); });
  svr.Post("/api/preset",
           [&s](const httplib::Request& req, httplib::Response& res) { s.save_preset(req, res); });
}

StudioServer::~StudioServer() { state_->stop_watching(); }

void StudioServer::run() {
  State& s = *state_;
  int port = s.options.port;
  if (port == 0) {
    port = s.server.bind_to_any_port(s.options.host);
    if (port < 0) throw Error(ErrorKind::kIo, "cannot bind the studio to " + s.options.host);
  } else if (!s.server.bind_to_port(s.options.host, port)) {
    throw Error(ErrorKind::kIo, "cannot bind the studio to " + s.options.host + ":" + std::to_string(port) +
                                    " (is the port in use? try --port 0)");
  }
  s.refresh();
  if (!is_loopback_host(s.options.host)) {
    std::cerr << "warning: the studio listens on " << s.options.host
              << ", not only on this machine: anyone who can reach it and sees the URL (its token travels "
                 "in plain HTTP) can read the campaign's files. Use --host 127.0.0.1 unless you must."
              << std::endl;
  }
  s.watcher = std::thread([&s] { s.watch(); });
  if (s.options.on_ready) {
    s.options.on_ready("http://" + s.options.host + ":" + std::to_string(port) + "/?token=" + s.token);
  }
  s.server.listen_after_bind();
  s.stop_watching();
}

void StudioServer::stop() { state_->server.stop(); }

}  // namespace shortpack::studio

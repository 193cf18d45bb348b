#include "pipeline/studio/server.h"

#include <httplib.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "filters/core/error.h"
#include "pipeline/campaign.h"
#include "pipeline/media/image_writer.h"
#include "pipeline/preset.h"
#include "pipeline/preview.h"
#include "pipeline/render.h"
#include "pipeline/studio/page.h"
#include "pipeline/timeline.h"

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
  if (text.empty() || text.size() > 32) return false;
  double value = 0.0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (!std::isfinite(value) || value < 0.0) return false;
  seconds = value;
  return true;
}

namespace {

// One loaded campaign; immutable once published, so a frame can be rendered outside the lock.
struct Snapshot {
  std::unique_ptr<PresetCatalog> presets;
  std::unique_ptr<Campaign> campaign;
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

}  // namespace

struct StudioServer::State {
  StudioOptions options;
  std::string token;
  httplib::Server server;
  std::mutex mutex;  // guards the fields below
  std::string version;
  std::vector<fs::path> watched;
  std::shared_ptr<const Snapshot> snapshot;
  std::mutex render_mutex;  // one frame at a time

  [[nodiscard]] std::vector<fs::path> preset_folders() const {
    std::vector<fs::path> folders{PresetCatalog::builtin_folder()};
    const fs::path dir = options.campaign_file.parent_path() / "presets";
    if (fs::is_directory(dir)) folders.push_back(dir);
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

  // Reloads when a watched file changed. Called with `mutex` held.
  void refresh() {
    std::vector<fs::path> files{options.campaign_file};
    if (snapshot && snapshot->campaign) files = watched;
    const std::string now = compute_version(files);
    if (snapshot && now == version) return;
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
      next->presets = std::make_unique<PresetCatalog>(PresetCatalog::load(preset_folders()));
      next->campaign = std::make_unique<Campaign>(load_campaign(options.campaign_file, *next->presets));
      const Campaign& c = *next->campaign;
      d["name"] = c.name;
      d["platforms"] = c.platforms;
      d["languages"] = c.languages;
      if (!c.brand.source_file.empty()) next_files.push_back(c.brand.source_file);
      if (!c.brand.logo.empty()) next_files.push_back(c.brand.logo);
      for (const Clip& clip : c.clips) {
        for (const auto& [lang, path] : clip.captions) next_files.push_back(path);
        // A clip's variants share its picture: the studio lists the clip once (its first variant).
        if (&clip != &c.clips.front() && (&clip - 1)->id == clip.id) continue;
        json entry{{"id", clip.id}, {"platforms", json::object()}};
        for (const std::string& platform : c.platforms) {
          try {
            const ClipTimeline t = resolve_timeline(clip, {&next->presets->get(platform)}, &c.brand);
            entry["platforms"][platform] = {
                {"duration_s", t.duration_s}, {"frame_count", t.frame_count}, {"fps", av_q2d(t.frame_rate)}};
          } catch (const std::exception& e) {
            d["errors"].push_back(error_entry(e.what()));
          }
        }
        d["clips"].push_back(entry);
      }
    } catch (const std::exception& e) {
      next->campaign.reset();
      d["errors"].push_back(error_entry(e.what()));
    }
    d["ok"] = next->campaign != nullptr && d["errors"].empty();
    watched = next_files;
    version = compute_version(watched);
    d["version"] = version;
    next->description = std::move(d);
    snapshot = std::move(next);
  }

  std::shared_ptr<const Snapshot> current() {
    std::lock_guard lock(mutex);
    refresh();
    return snapshot;
  }

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

}  // namespace

StudioServer::StudioServer(StudioOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->options.campaign_file = fs::absolute(state_->options.campaign_file);
  state_->token = random_token();
  State& s = *state_;
  auto& svr = s.server;

  svr.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    if (req.method != "GET") {
      reply_error(res, 405, "The studio answers GET requests only.");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!s.authorised(req)) {
      reply_error(res, 403,
                  "This request lacks the studio's token: open the URL that `shortpack studio` printed.");
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

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

  svr.Get("/api/frame", [&s](const httplib::Request& req, httplib::Response& res) {
    const auto snap = s.current();
    if (!snap->campaign) {
      reply_error(res, 409, "The campaign did not load: fix the errors that /api/campaign lists.");
      return;
    }
    const Campaign& c = *snap->campaign;
    const std::string clip = req.get_param_value("clip");
    const std::string platform = req.get_param_value("platform");
    const std::string lang = req.get_param_value("lang");
    const std::string guides = req.has_param("guides") ? req.get_param_value("guides") : "0";
    double at_s = 0.0;
    bool known_clip = false;
    for (const Clip& k : c.clips) known_clip = known_clip || k.id == clip;
    if (!known_clip)
      return reply_error(res, 400, "Unknown clip '" + clip + "': pick one of the campaign's clips.");
    if (std::find(c.platforms.begin(), c.platforms.end(), platform) == c.platforms.end()) {
      return reply_error(res, 400,
                         "Unknown platform '" + platform + "': pick one of the campaign's platforms.");
    }
    if (std::find(c.languages.begin(), c.languages.end(), lang) == c.languages.end()) {
      return reply_error(res, 400, "Unknown language '" + lang + "': pick one of the campaign's languages.");
    }
    if (!parse_seconds(req.get_param_value("t"), at_s)) {
      return reply_error(res, 400, "t must be a time in seconds, a number not below 0.");
    }
    if (guides != "0" && guides != "1") return reply_error(res, 400, "guides must be 0 or 1.");
    try {
      std::lock_guard lock(s.render_mutex);
      const auto started = std::chrono::steady_clock::now();
      StillInfo info;
      FramePtr picture = render_still(c, *snap->presets, clip, platform, lang, at_s, &info);
      if (guides == "1") draw_guides(*picture, info.safe);
      res.set_header("X-Frame-Index", std::to_string(info.frame_index));
      res.set_header("X-Frame-Time", std::to_string(info.time_s));
      res.set_content(encode_png(*picture), "image/png");
      const auto ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
              .count();
      // One line per frame: what a producer scrubbed and how long it took.
      std::cout << "studio: frame served: " << clip << " " << platform << " " << lang << " guides=" << guides
                << " frame " << info.frame_index << " in " << ms << " ms" << std::endl;
    } catch (const Error& e) {
      reply_error(res, e.kind() == ErrorKind::kInput ? 400 : 500, e.what());
    }
  });
}

StudioServer::~StudioServer() = default;

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
  {
    std::lock_guard lock(s.mutex);
    s.refresh();
  }
  if (s.options.on_ready) {
    s.options.on_ready("http://" + s.options.host + ":" + std::to_string(port) + "/?token=" + s.token);
  }
  s.server.listen_after_bind();
}

void StudioServer::stop() { state_->server.stop(); }

}  // namespace shortpack::studio

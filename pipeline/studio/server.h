// `shortpack studio`: a local web server that previews a campaign's outputs frame by frame with
// the same code as `preview` and `render` (render_still, draw_guides, encode_png).
//
// Safety contract: the server binds to `host` (127.0.0.1 unless the user asks otherwise) and every
// request, the page included, must carry the random token (query `token=` or header
// `X-Shortpack-Token`), compared in constant time; otherwise 403. Only fixed routes exist (the
// embedded page and /api/*). The one file served from disk is a unit's review proxy, at the path
// the proxy plan gives for a clip, platform and language of the campaign, refused when it is a
// symlink or resolves outside the plan's proxy folder: `..`, absolute paths and symlinks cannot
// reach anything. The one write is POST /api/preset: a validated preset file into the campaign's
// presets/ folder (temporary file + rename). Bad query values are 400 with one sentence. A campaign that
// fails to load is reported through /api/campaign; the server keeps running.
//
// Requests must name the studio by a loopback name (localhost, 127.0.0.1, ::1) or the --host value
// in Host, and in Origin when there is one (the defence against DNS rebinding), else 403. Bodies
// over 1 MiB are refused (413). A non-loopback --host is allowed with a warning on stderr.
//
// Threads: httplib answers on kWorkerThreads worker threads, each request read within a 2 s
// timeout, so that a few slow clients cannot starve the others; the campaign is reloaded by a
// watcher thread when a watched file changes (every 200 ms), never on a request's path: requests
// read the published snapshot under a short lock. Frames are rendered one at a time.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace shortpack::studio {

struct StudioOptions {
  std::filesystem::path campaign_file;
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
  std::vector<std::filesystem::path> preset_dirs;
  // Where `render --proxy --out OUT` wrote the review proxies (OUT/<campaign>/proxy/...).
  std::filesystem::path out_root = "out";
  // Called once the socket is bound, with the URL to open (token included).
  std::function<void(const std::string& url)> on_ready;
};

// 32 hex characters (128 bits) from /dev/urandom. Throws Error(kIo) when it cannot be read.
std::string random_token();

// Compares in time that depends only on the lengths, not on where the strings differ.
bool tokens_equal(std::string_view a, std::string_view b) noexcept;

// Parses a query time in seconds: a finite decimal number from 0 to kMaxStillSeconds (one day),
// by the one rule of pipeline/base/number.h. False otherwise.
bool parse_seconds(const std::string& text, double& seconds);

constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr size_t kWorkerThreads = 32;

// True for localhost, ::1 and 127.0.0.0/8.
bool is_loopback_host(std::string_view host);
// The Host header names the studio: a loopback name or `bound_host`, with any port.
bool host_header_allowed(std::string_view host_header, std::string_view bound_host);
// No Origin, or http:// with such a name.
bool origin_allowed(std::string_view origin, std::string_view bound_host);

// Binds and serves until stop() is called from another thread (or the process ends).
// Throws Error(kIo) when the address cannot be bound.
class StudioServer {
 public:
  explicit StudioServer(StudioOptions options);
  ~StudioServer();
  StudioServer(const StudioServer&) = delete;
  StudioServer& operator=(const StudioServer&) = delete;

  void run();
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace shortpack::studio

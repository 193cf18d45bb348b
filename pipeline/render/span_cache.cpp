#include "pipeline/render/span_cache.h"

#include <ass/ass.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
}

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "filters/core/error.h"
#include "pipeline/base/atomic_file.h"
#include "pipeline/base/hash.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kMagic = "shortpack-span\n";

// A double as the shortest text that reads back to the same bits.
std::string exact(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string num(int64_t v) { return std::to_string(v); }

void add_segment(Sha256& h, const SegmentSource& s, DigestCache& files) {
  h.field("kind", num(static_cast<int>(s.kind)));
  h.field("file", s.kind == SegmentSource::Kind::kMedia ? files.sha256(s.path) : "-");
  h.field("in_s", exact(s.in_s)).field("first_frame", num(s.first_frame)).field("frames", num(s.frame_count));
  h.field("colour", num(s.colour_yuv[0]) + "," + num(s.colour_yuv[1]) + "," + num(s.colour_yuv[2]));
  if (s.image) {
    h.field("image", num(s.image->width_px) + "x" + num(s.image->height_px));
    h.field("pixels", sha256_text(std::string_view(reinterpret_cast<const char*>(s.image->pixels.data()),
                                                   s.image->pixels.size())));
  } else {
    h.field("image", "-");
  }
  h.field("reframe", num(static_cast<int>(s.reframe))).field("smart_crop", s.smart_crop ? "1" : "0");
  h.field("motion", num(static_cast<int>(s.motion))).field("entry", num(static_cast<int>(s.entry)));
  h.field("entry_frames", num(s.entry_frames));
}

void add_reframe(Sha256& h, const ReframeOptions& r) {
  h.field("reframe_kind", num(static_cast<int>(r.kind)));
  h.field("size", num(r.width_px) + "x" + num(r.height_px));
  h.field("pad", num(r.pad_yuv[0]) + "," + num(r.pad_yuv[1]) + "," + num(r.pad_yuv[2]));
  h.field("darken", exact(r.background_darken)).field("downscale", num(r.background_downscale));
  h.field("behind", r.background_behind_picture ? "1" : "0");
}

void add_geometry(Sha256& h, const ClipGraphSpec& spec, size_t g) {
  const GeometryBranchSpec& geo = spec.geometries.at(g);
  add_reframe(h, geo.reframe);
  if (geo.logo) {
    h.field("logo", num(geo.logo->width_px) + "x" + num(geo.logo->height_px));
    h.field("logo_pixels",
            sha256_text(std::string_view(reinterpret_cast<const char*>(geo.logo->pixels.data()),
                                         geo.logo->pixels.size())));
  } else {
    h.field("logo", "-");
  }
  const LogoPlacement& p = geo.logo_placement;
  h.field("logo_corner", num(static_cast<int>(p.corner))).field("logo_width", exact(p.width_rel));
  h.field("logo_opacity", exact(p.opacity));
  h.field("logo_margins",
          num(p.top_px) + "," + num(p.bottom_px) + "," + num(p.left_px) + "," + num(p.right_px));
  // (A smart-crop path follows from the segment's file and the output's aspect, both counted.)
  for (size_t i = 0; i < spec.segments.size(); ++i) {
    bool text = false;  // a language of the branch draws a card's text on it: layers composed per language
    for (const LanguageBranchSpec& l : geo.languages)
      text = text || (i < l.card_scripts.size() && !l.card_scripts[i].empty());
    h.field("card_text", text ? "1" : "0");
  }
  // The source is read at the size the most detailed view needs (TimelineSource's ReadLimit).
  for (const std::vector<ReframeOptions>& views : reframe_views(spec.segments, spec.geometries)) {
    for (const ReframeOptions& v : views) add_reframe(h, v);
  }
}

void add_video(Sha256& h, const VideoKey& v) {
  h.field("video", num(v.width_px) + "x" + num(v.height_px) + "@" + num(v.frame_rate_num) + "/" +
                       num(v.frame_rate_den));
  h.field("profile", v.profile).field("level", num(v.level)).field("x264_preset", v.x264_preset);
  h.field("crf", num(v.crf)).field("maxrate", num(v.maxrate_bps)).field("bufsize", num(v.bufsize_bits));
  h.field("gop", num(v.gop_frames))
      .field("bframes", num(v.bframes))
      .field("closed_gop", v.closed_gop ? "1" : "0");
}

void add_piece(Sha256& h, const SpanPiece& p, DigestCache& files) {
  h.field("piece", num(static_cast<int>(p.kind)) + ":" + num(p.first_frame) + "-" + num(p.end_frame));
  h.field("text", p.text);
  if (p.kind != SpanPiece::Kind::kFonts) return;
  // The fonts piece: the default family, then one font file per line; their contents count.
  std::istringstream lines(p.text);
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) h.field("font_file", files.sha256(line));
}

// --- span files ---

void put_u64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_i64(std::string& out, int64_t v) { put_u64(out, static_cast<uint64_t>(v)); }
void put_bytes(std::string& out, const uint8_t* data, size_t size) {
  put_u64(out, size);
  out.append(reinterpret_cast<const char*>(data), size);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}
  uint64_t u64() {
    need(8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(bytes_[at_ + i])) << (8 * i);
    at_ += 8;
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  int i32() { return static_cast<int>(i64()); }
  std::string_view bytes() {
    const uint64_t n = u64();
    need(n);
    const std::string_view v = bytes_.substr(at_, n);
    at_ += n;
    return v;
  }
  [[nodiscard]] bool done() const { return at_ == bytes_.size(); }

 private:
  void need(uint64_t n) const {
    if (n > bytes_.size() - at_) throw Error(ErrorKind::kMedia, "it is truncated");
  }
  std::string_view bytes_;
  size_t at_ = 0;
};

void put_parameters(std::string& out, const AVCodecParameters& p) {
  for (const int64_t v : {int64_t{p.codec_type},
                          int64_t{p.codec_id},
                          int64_t{p.codec_tag},
                          p.bit_rate,
                          int64_t{p.bits_per_coded_sample},
                          int64_t{p.bits_per_raw_sample},
                          int64_t{p.profile},
                          int64_t{p.level},
                          int64_t{p.width},
                          int64_t{p.height},
                          int64_t{p.sample_aspect_ratio.num},
                          int64_t{p.sample_aspect_ratio.den},
                          int64_t{p.format},
                          int64_t{p.field_order},
                          int64_t{p.color_range},
                          int64_t{p.color_primaries},
                          int64_t{p.color_trc},
                          int64_t{p.color_space},
                          int64_t{p.chroma_location},
                          int64_t{p.video_delay}})
    put_i64(out, v);
  put_bytes(out, p.extradata, static_cast<size_t>(std::max(0, p.extradata_size)));
}

CodecParametersPtr read_parameters(Reader& in) {
  CodecParametersPtr p(avcodec_parameters_alloc());
  if (!p) throw Error(ErrorKind::kInternal, "out of memory reading a span");
  p->codec_type = static_cast<AVMediaType>(in.i32());
  p->codec_id = static_cast<AVCodecID>(in.i32());
  p->codec_tag = static_cast<uint32_t>(in.i64());
  p->bit_rate = in.i64();
  p->bits_per_coded_sample = in.i32();
  p->bits_per_raw_sample = in.i32();
  p->profile = in.i32();
  p->level = in.i32();
  p->width = in.i32();
  p->height = in.i32();
  p->sample_aspect_ratio.num = in.i32();
  p->sample_aspect_ratio.den = in.i32();
  p->format = in.i32();
  p->field_order = static_cast<AVFieldOrder>(in.i32());
  p->color_range = static_cast<AVColorRange>(in.i32());
  p->color_primaries = static_cast<AVColorPrimaries>(in.i32());
  p->color_trc = static_cast<AVColorTransferCharacteristic>(in.i32());
  p->color_space = static_cast<AVColorSpace>(in.i32());
  p->chroma_location = static_cast<AVChromaLocation>(in.i32());
  p->video_delay = in.i32();
  const std::string_view extra = in.bytes();
  if (!extra.empty()) {
    p->extradata = static_cast<uint8_t*>(av_mallocz(extra.size() + AV_INPUT_BUFFER_PADDING_SIZE));
    if (p->extradata == nullptr) throw Error(ErrorKind::kInternal, "out of memory reading a span");
    std::memcpy(p->extradata, extra.data(), extra.size());
    p->extradata_size = static_cast<int>(extra.size());
  }
  return p;
}

bool pid_alive(int64_t pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

}  // namespace

const std::string& span_cache_build() {
  static const std::string build = [] {
    std::string exe = "-";
    try {
      exe = sha256_file("/proc/self/exe");
    } catch (const Error&) {
      // No /proc: the version alone.
    }
    return "format " + num(kSpanCacheFormat) + "; shortpack " + SHORTPACK_VERSION + " " + exe +
           "; libavcodec " + num(avcodec_version()) + "; libavformat " + num(avformat_version()) +
           "; libavutil " + num(avutil_version()) + "; libswscale " + num(swscale_version()) + "; libass " +
           num(ass_library_version());
  }();
  return build;
}

std::string span_fingerprint(const ClipGraphSpec& spec, const SpanKey& key, DigestCache& files) {
  Sha256 h;
  h.field("build", span_cache_build());
  h.field("rate", num(spec.frame_rate.num) + "/" + num(spec.frame_rate.den))
      .field("frames", num(spec.frame_count));
  for (const SegmentSource& s : spec.segments) add_segment(h, s, files);
  add_geometry(h, spec, key.geometry);
  add_video(h, key.video);
  h.field("span", num(key.first_frame) + "+" + num(key.frame_count));
  for (const SpanPiece& p : key.pieces) add_piece(h, p, files);
  return h.hex();
}

std::string span_file_bytes(const std::string& fingerprint, const EncodedSpan& span) {
  std::string out(kMagic);
  put_i64(out, kSpanCacheFormat);
  put_bytes(out, reinterpret_cast<const uint8_t*>(fingerprint.data()), fingerprint.size());
  put_i64(out, span.first_frame);
  put_i64(out, span.frame_count);
  put_i64(out, span.reorder_delay_frames);
  put_parameters(out, *span.parameters);
  put_u64(out, span.packets.size());
  for (const PacketPtr& p : span.packets) {
    put_i64(out, p->pts);
    put_i64(out, p->dts);
    put_i64(out, p->duration);
    put_i64(out, p->flags);
    put_bytes(out, p->data, static_cast<size_t>(p->size));
  }
  out += sha256_text(out);
  return out;
}

std::shared_ptr<EncodedSpan> read_span_file(const std::string& bytes, const std::string& fingerprint) {
  constexpr size_t kSum = 64;
  if (bytes.size() < kMagic.size() + kSum || bytes.compare(0, kMagic.size(), kMagic) != 0)
    throw Error(ErrorKind::kMedia, "it is not a span file");
  const std::string_view body = std::string_view(bytes).substr(0, bytes.size() - kSum);
  if (sha256_text(body) != bytes.substr(bytes.size() - kSum))
    throw Error(ErrorKind::kMedia, "its checksum does not match (damaged or cut short)");
  Reader in(body.substr(kMagic.size()));
  if (in.i64() != kSpanCacheFormat) throw Error(ErrorKind::kMedia, "it is of another format");
  if (in.bytes() != fingerprint) throw Error(ErrorKind::kMedia, "it holds another span");
  auto span = std::make_shared<EncodedSpan>();
  span->first_frame = in.i64();
  span->frame_count = in.i64();
  span->reorder_delay_frames = in.i32();
  span->parameters = read_parameters(in);
  const uint64_t count = in.u64();
  if (count > static_cast<uint64_t>(std::max<int64_t>(0, span->frame_count)) + 16)
    throw Error(ErrorKind::kMedia, "it lists more packets than frames");
  for (uint64_t i = 0; i < count; ++i) {
    const int64_t pts = in.i64();
    const int64_t dts = in.i64();
    const int64_t duration = in.i64();
    const int flags = in.i32();
    const std::string_view data = in.bytes();
    PacketPtr p = make_packet();
    if (av_new_packet(p.get(), static_cast<int>(data.size())) < 0)  // (resets the fields below)
      throw Error(ErrorKind::kInternal, "out of memory reading a span");
    std::memcpy(p->data, data.data(), data.size());
    p->pts = pts;
    p->dts = dts;
    p->duration = duration;
    p->flags = flags;
    span->packets.push_back(std::move(p));
  }
  if (!in.done()) throw Error(ErrorKind::kMedia, "it has bytes after its packets");
  span->complete = true;
  return span;
}

SpanCache::SpanCache(fs::path dir, int64_t max_bytes) : dir_(std::move(dir)), max_bytes_(max_bytes) {
  try {
    start();
  } catch (const std::exception& e) {
    usable_ = false;
    warn("the span cache " + dir_.string() + " cannot be used (" + e.what() + "); every span is encoded");
  }
}

// The folder made, a folder of another build emptied, temporary files of killed runs removed.
void SpanCache::start() {
  fs::create_directories(dir_);
  const fs::path version = dir_ / "VERSION";
  std::string found;
  {
    std::ifstream in(version);
    std::getline(in, found);
  }
  if (found != span_cache_build()) {
    int removed = 0;
    for (const auto& sub : fs::directory_iterator(dir_)) {
      if (sub.path().filename() == "VERSION") continue;
      removed += static_cast<int>(fs::remove_all(sub.path()));
    }
    if (!found.empty() || removed > 0)
      warn("the span cache " + dir_.string() + " was made by another build of shortpack (" +
           (found.empty() ? std::string("no VERSION") : found) + "); it was emptied and is rebuilt");
    write_file_atomically(version, span_cache_build() + "\n");
  }
  const auto now = fs::file_time_type::clock::now();
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::optional<int64_t> pid = temp_file_pid(it->path().filename().string());
    if (!pid || pid_alive(*pid)) continue;
    std::error_code t;
    const auto modified = fs::last_write_time(it->path(), t);
    // Another machine's writer may share the folder: only old leftovers go.
    if (!t && std::chrono::duration<double>(now - modified).count() > 600.0) fs::remove(it->path(), t);
  }
  usable_ = true;
}

fs::path SpanCache::file_of(const std::string& fingerprint) const {
  return dir_ / fingerprint.substr(0, 2) / (fingerprint + ".span");
}

void SpanCache::warn(std::string what) {
  spdlog::warn("{}", what);
  warnings_.push_back(std::move(what));
}

std::vector<std::string> SpanCache::take_warnings() { return std::exchange(warnings_, {}); }

std::shared_ptr<const EncodedSpan> SpanCache::find(const std::string& fingerprint) {
  if (!usable_) return nullptr;
  const fs::path file = file_of(fingerprint);
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    if (!in) return nullptr;
    std::ostringstream all;
    all << in.rdbuf();
    bytes = std::move(all).str();
  }
  try {
    std::shared_ptr<EncodedSpan> span = read_span_file(bytes, fingerprint);
    std::error_code ec;
    fs::last_write_time(file, fs::file_time_type::clock::now(), ec);  // used: the last to be evicted
    ++hits_;
    return span;
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::kInternal) throw;
    std::error_code ec;
    fs::remove(file, ec);
    warn("the span cache file " + file.string() + " was removed: " + e.what() +
         "; its span is encoded again");
    return nullptr;
  }
}

void SpanCache::stage(const std::string& fingerprint, const EncodedSpan& span) {
  if (!usable_ || !span.complete || !span.parameters || staged_.count(fingerprint) != 0) return;
  const fs::path file = file_of(fingerprint);
  try {
    fs::create_directories(file.parent_path());
    // A name of this process (temp_path_for): a later run removes it once this one is gone.
    const fs::path staged = temp_path_for(file);
    write_file_atomically(staged, span_file_bytes(fingerprint, span));
    staged_.emplace(fingerprint, staged);
  } catch (const std::exception& e) {
    usable_ = false;
    warn("the span cache " + dir_.string() + " cannot be written (" + e.what() +
         "); no more spans are kept this run");
  }
}

void SpanCache::commit(const std::string& fingerprint) {
  const auto it = staged_.find(fingerprint);
  if (it == staged_.end()) return;
  std::error_code ec;
  fs::rename(it->second, file_of(fingerprint), ec);
  if (ec) {
    fs::remove(it->second, ec);
    warn("a span could not be put in place in the span cache " + dir_.string() + " (" + ec.message() +
         "); it is encoded again next time");
  } else {
    ++stored_;
  }
  staged_.erase(it);
}

void SpanCache::discard(const std::string& fingerprint) {
  const auto it = staged_.find(fingerprint);
  if (it == staged_.end()) return;
  std::error_code ec;
  fs::remove(it->second, ec);
  staged_.erase(it);
}

SpanCache::~SpanCache() {
  for (const auto& [fingerprint, file] : staged_) {
    std::error_code ec;
    fs::remove(file, ec);
  }
}

int SpanCache::trim() {
  if (!usable_) return 0;
  struct Entry {
    fs::file_time_type used;
    int64_t bytes;
    fs::path path;
  };
  std::vector<Entry> entries;
  int64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ".span") continue;
    std::error_code e1;
    std::error_code e2;
    const auto size = static_cast<int64_t>(fs::file_size(it->path(), e1));
    const auto used = fs::last_write_time(it->path(), e2);
    if (e1 || e2) continue;
    entries.push_back({used, size, it->path()});
    total += size;
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.used < b.used; });
  int removed = 0;
  for (const Entry& e : entries) {
    if (total <= max_bytes_) break;
    std::error_code r;
    if (fs::remove(e.path, r)) {
      total -= e.bytes;
      ++removed;
    }
  }
  if (removed > 0)
    spdlog::info("span cache: {} least recently used spans removed (limit {} bytes)", removed, max_bytes_);
  return removed;
}

std::vector<std::string> use_cached_spans(ClipGraphSpec& spec, const std::vector<SpanKey>& keys,
                                          SpanCache& cache, DigestCache& files) {
  std::vector<std::string> fingerprints(keys.size());
  if (!cache.usable()) return fingerprints;
  spec.ready_spans.resize(keys.size());
  for (size_t k = 0; k < keys.size(); ++k) {
    try {
      fingerprints[k] = span_fingerprint(spec, keys[k], files);
    } catch (const Error& e) {
      spdlog::debug("span {} is not cached: {}", k, e.what());
      continue;
    }
    spec.ready_spans[k] = cache.find(fingerprints[k]);
  }
  for (GeometryBranchSpec& g : spec.geometries) {
    for (LanguageBranchSpec& l : g.languages) {
      for (EncoderBranchSpec& e : l.encoders) {
        for (SpanUse& u : e.spans) u.encodes = u.encodes && !spec.ready_spans[u.span];
      }
    }
  }
  return fingerprints;
}

}  // namespace shortpack

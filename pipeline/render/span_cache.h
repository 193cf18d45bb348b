// The span cache (issue 29): encoded spans kept between runs in the output folder's
// `.shortpack/spans/`, so that a weekly re-render after one caption changed encodes only the
// spans that show it.
//
// A span is stored under its fingerprint (span_fingerprint), a SHA-256 of everything that
// decides its pictures and its x264 settings: this build of shortpack and the libraries that make
// pictures, the clip's whole timeline (each segment's file contents, trim, frames, look, motion,
// transition), the geometry branch (reframe of every view, logo pixels and placement, which
// segments carry card text), the encoder's settings (VideoKey: not the thread count, which
// changes x264's bytes but not what they show or how they are encoded), the span's frames and
// everything drawn on them (caption header and cues, card scripts, font names and contents).
//
//   spans/VERSION            the build that made the spans (span_cache_build())
//   spans/ab/<sha256>.span   one span: a header, the stream's parameters, the packets, and a
//                            SHA-256 of all of it at the end
//
// Safe like the rest of the state folder: files are written under a temporary name and renamed
// (a run killed mid-write leaves a `.part` file, removed by a later run once its writer is gone);
// concurrent runs may store the same span (the same bytes; the last rename wins) and a reader
// holds the file it opened even when another run evicts it. A file that does not read back whole
// (truncated, damaged, another format) is removed and its span encoded again, with a warning; a
// folder made by another build is emptied, with a warning. The folder is kept under a size limit
// (--limit span_cache=BYTES) by removing the spans used least recently. Never a wrong picture:
// the worst a bad cache does is cost an encode.
//
// Thread safety: one object per run, used by one thread at a time (stage() is called from the
// render graph's threads as spans are made, one call at a time: ClipGraphSpec::on_span_encoded).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/base/digest_cache.h"
#include "pipeline/graph/clip_graph.h"
#include "pipeline/media/span_join.h"
#include "pipeline/render/spans.h"

namespace shortpack {

// Bumped whenever the file layout or the fingerprint's fields change.
inline constexpr int kSpanCacheFormat = 1;

// This build and the libraries whose output the spans hold (libavcodec, libswscale, libass...),
// one line: what VERSION says and what every fingerprint starts with.
const std::string& span_cache_build();

// The fingerprint of span `key` of the clip `spec` (hex SHA-256). File contents come from `files`.
// Throws Error(kIo) when a source file cannot be read.
std::string span_fingerprint(const ClipGraphSpec& spec, const SpanKey& key, DigestCache& files);

class SpanCache {
 public:
  // Opens (or creates) the cache folder `dir`. A folder made by another build is emptied. A
  // folder that cannot be made or written leaves the cache off (usable() false). Never throws;
  // what it had to say is in take_warnings().
  SpanCache(std::filesystem::path dir, int64_t max_bytes);

  [[nodiscard]] bool usable() const { return usable_; }
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

  // The span stored under `fingerprint`, read back whole and checked, or null. A file that does
  // not check is removed (with a warning). A span found is marked as just used.
  std::shared_ptr<const EncodedSpan> find(const std::string& fingerprint);
  // Writes a complete span under a temporary name of this process until commit() puts it in place
  // or discard() removes it (as the destructor does with what is left; a killed run's are cleaned
  // up by a later run): spans go to disk as they are encoded instead of waiting in memory for the
  // check of the outputs that show them. Never throws: a failure (a full disk) is a warning and
  // turns the cache off. commit() and discard() of a span not staged do nothing.
  void stage(const std::string& fingerprint, const EncodedSpan& span);
  void commit(const std::string& fingerprint);
  void discard(const std::string& fingerprint);
  ~SpanCache();
  SpanCache(const SpanCache&) = delete;
  SpanCache& operator=(const SpanCache&) = delete;
  // Removes the spans used least recently until the folder holds at most max_bytes; returns how many.
  int trim();

  // The warnings since the last call (each one sentence naming the file).
  std::vector<std::string> take_warnings();

  // Counters of this run.
  [[nodiscard]] int64_t hits() const { return hits_; }
  [[nodiscard]] int64_t stored() const { return stored_; }

 private:
  [[nodiscard]] std::filesystem::path file_of(const std::string& fingerprint) const;
  void warn(std::string what);
  void start();

  std::filesystem::path dir_;
  int64_t max_bytes_ = 0;
  bool usable_ = false;
  int64_t hits_ = 0;
  int64_t stored_ = 0;
  std::vector<std::string> warnings_;
  std::map<std::string, std::filesystem::path> staged_;  // fingerprint -> its temporary file
};

// The spans of a clip's graph (`keys`: SpanPlan::spans, by SpanUse::span) found in `cache`: each is
// made ready (spec.ready_spans) and none of its uses encodes it any more. Returns every span's
// fingerprint (empty for one that cannot be cached: a file it depends on cannot be read).
std::vector<std::string> use_cached_spans(ClipGraphSpec& spec, const std::vector<SpanKey>& keys,
                                          SpanCache& cache, DigestCache& files);

// The bytes of a span file and back (for the cache and its tests). read_span_file throws
// Error(kMedia) saying what is wrong with the bytes (truncated, not a span, another format, a
// checksum or fingerprint that does not match).
std::string span_file_bytes(const std::string& fingerprint, const EncodedSpan& span);
std::shared_ptr<EncodedSpan> read_span_file(const std::string& bytes, const std::string& fingerprint);

}  // namespace shortpack

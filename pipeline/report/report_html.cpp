#include "pipeline/report/report_html.h"

#include "pipeline/render/plan.h"

#include <oneapi/tbb/parallel_for.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <system_error>
#include <tuple>

#include "filters/core/error.h"
#include "pipeline/base/atomic_file.h"
#include "pipeline/media/av_ptr.h"
#include "pipeline/media/image_writer.h"
#include "pipeline/media/video_source.h"
#include "pipeline/render/output_safety.h"

namespace shortpack {
namespace fs = std::filesystem;

namespace {

constexpr int kThumbHeightPx = 240;
constexpr int kCardMinWidthPx = 280;

using Key = std::tuple<std::string, std::string, std::string>;  // clip, platform, language

// Locale-independent fixed-point text.
std::string fixed(double value, int decimals) {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed, decimals);
  return {buf, r.ptr};
}

std::string format_bytes(int64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1e9) return fixed(b / 1e9, 2) + " GB";
  if (b >= 1e6) return fixed(b / 1e6, 1) + " MB";
  if (b >= 1e3) return fixed(b / 1e3, 0) + " kB";
  return std::to_string(bytes) + " B";
}

std::string format_duration(double seconds) {
  if (seconds < 60.0) return fixed(seconds, 2) + " s";
  const auto whole = static_cast<int64_t>(seconds);
  const double rest = seconds - static_cast<double>(whole - whole % 60);
  std::string s = fixed(rest, 1);
  if (s.size() < 4) s = "0" + s;  // "7.5" -> "07.5"
  return std::to_string(whole / 60) + ":" + s;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

// A file name part that cannot leave the thumbs folder or confuse a URL.
std::string file_safe(const std::string& text) {
  std::string s;
  for (const char c : text) {
    const bool safe =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    s += safe ? c : '_';
  }
  return s.empty() ? "_" : s;
}

fs::path thumb_relative(const OutputRecord& o) {
  return fs::path("thumbs") / (file_safe(clip_key(o.clip, o.variant)) + "." + file_safe(o.platform) + "." +
                               file_safe(o.language) + ".png");
}

// The thumbnail's size for a picture of w x h: kThumbHeightPx high, even width.
std::pair<int, int> thumb_size(int width_px, int height_px) {
  if (width_px <= 0 || height_px <= 0) return {kThumbHeightPx * 9 / 16 / 2 * 2, kThumbHeightPx};
  const long w = std::lround(static_cast<double>(kThumbHeightPx) * width_px / height_px / 2.0) * 2;
  return {static_cast<int>(std::clamp(w, 2L, 4L * kThumbHeightPx)), kThumbHeightPx};
}

bool is_fresh(const fs::path& thumb, const fs::path& video) {
  std::error_code ec1;
  std::error_code ec2;
  const auto t = fs::last_write_time(thumb, ec1);
  const auto v = fs::last_write_time(video, ec2);
  return !ec1 && !ec2 && t >= v;
}

// One decoded frame of `video` at 1 s (or the middle of a shorter file), scaled, as PNG.
void make_thumbnail(const fs::path& video, const fs::path& png, double duration_s) {
  const double at_s = duration_s >= 2.0 ? 1.0 : std::max(0.0, duration_s / 2.0);
  // One output frame of a 1000 fps clock: the source frame on screen at `at_s` (VideoSource picks
  // the frame due by half an output frame after it, so a coarser clock could pick the next one).
  VideoSource source(video, at_s, 0.001, AVRational{1000, 1}, 1);
  const SharedFrame frame = source.next();
  if (!frame) throw Error(ErrorKind::kMedia, video.string() + ": no picture at " + fixed(at_s, 2) + " s");
  const auto [w, h] = thumb_size(frame->width, frame->height);
  FramePtr small = alloc_video_frame(w, h, AV_PIX_FMT_YUV420P);
  SwsPtr sws(sws_getContext(frame->width, frame->height, static_cast<AVPixelFormat>(frame->format), w, h,
                            AV_PIX_FMT_YUV420P, SWS_AREA | SWS_ACCURATE_RND, nullptr, nullptr, nullptr));
  if (!sws) throw Error(ErrorKind::kInternal, "cannot scale a thumbnail of " + video.string());
  sws_scale(sws.get(), frame->data, frame->linesize, 0, frame->height, small->data, small->linesize);
  write_png(*small, png);
}

bool has_file(const OutputRecord& o) {
  std::error_code ec;
  return !o.path.empty() && fs::is_regular_file(o.path, ec);
}

// Makes the missing or stale thumbnails; returns, per output index, whether it has one.
std::vector<bool> make_thumbnails(const RenderReport& report, const fs::path& output_dir) {
  std::vector<bool> have(report.outputs.size(), false);
  std::vector<size_t> todo;
  for (size_t i = 0; i < report.outputs.size(); ++i) {
    const OutputRecord& o = report.outputs[i];
    if (!has_file(o)) continue;
    const fs::path thumb = output_dir / thumb_relative(o);
    if (is_fresh(thumb, o.path)) {
      have[i] = true;
    } else {
      todo.push_back(i);
    }
  }
  if (todo.empty()) return have;
  try {
    // Never through a symbolic link planted in the output folder.
    ensure_output_folder(output_dir, output_dir / "thumbs");
  } catch (const Error& e) {
    spdlog::warn("report.html: no thumbnails: {}", e.what());
    return have;
  }
  std::vector<char> made(todo.size(), 0);  // not vector<bool>: written from several threads
  tbb::parallel_for(size_t{0}, todo.size(), [&](size_t k) {
    const OutputRecord& o = report.outputs[todo[k]];
    try {
      make_thumbnail(o.path, output_dir / thumb_relative(o), o.duration_s);
      made[k] = 1;
    } catch (const std::exception& e) {
      spdlog::warn("report.html: no thumbnail for {}: {}", o.path.string(), e.what());
    }
  });
  for (size_t k = 0; k < todo.size(); ++k) have[todo[k]] = made[k] != 0;
  return have;
}

void append_unique(std::vector<std::string>& list, std::set<std::string>& seen, const std::string& value) {
  if (seen.insert(value).second) list.push_back(value);
}

const char* kStyle = R"CSS(
:root{--bg:#f4f5f7;--panel:#fff;--ink:#1b2230;--dim:#667085;--line:#e2e5ea;--head:#0f1d36;
--ok:#137333;--ok-bg:#e3f4e8;--fail:#b42318;--fail-bg:#fde8e6;--skip:#1d4f9c;--skip-bg:#e4edfb;
--miss:#6b7280;--miss-bg:#eef0f3;--accent:#2457c5}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,sans-serif}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
code,.mono{font-family:ui-monospace,"DejaVu Sans Mono","Noto Sans Mono",Menlo,Consolas,monospace;font-size:12.5px}
.wrap{max-width:1280px;margin:0 auto;padding:0 28px}
header.top{background:var(--head);color:#fff;padding:26px 0 24px}
.kicker{text-transform:uppercase;letter-spacing:.09em;font-size:11.5px;color:#93a8d2;font-weight:600}
h1{margin:6px 0 4px;font-size:27px;font-weight:650;letter-spacing:-.01em;word-break:break-word}
.sub{margin:0 0 20px;color:#c3cde3;font-size:13px}
.stats{display:flex;flex-wrap:wrap;gap:10px}
.stat{background:rgba(255,255,255,.07);border:1px solid rgba(255,255,255,.10);border-radius:10px;padding:9px 16px 10px;min-width:112px}
.stat b{display:block;font-size:22px;font-weight:650;line-height:1.2}
.stat span{font-size:11.5px;color:#b7c3dc;text-transform:uppercase;letter-spacing:.06em}
.stat.ok b{color:#7ee2a0}.stat.failed b{color:#ff9d94}.stat.skipped b{color:#9cc0ff}.stat.missing b{color:#d0d5dd}
main{padding:8px 0 40px}
section{margin:26px 0}
h2{font-size:17px;font-weight:650;margin:0 0 12px;display:flex;align-items:baseline;gap:10px}
h2 .hint{font-size:12.5px;font-weight:400;color:var(--dim)}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:16px 18px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
.scroll{overflow-x:auto}
table.matrix{border-collapse:separate;border-spacing:3px;font-size:12.5px}
table.matrix th{font-weight:600;color:#344054;padding:4px 8px;white-space:nowrap}
table.matrix thead th.platform{border-bottom:2px solid var(--line);text-align:center}
table.matrix thead th.lang{color:var(--dim);font-weight:500;text-align:center}
table.matrix tbody th{text-align:left;padding-right:14px}
td.cell{min-width:64px;height:30px;text-align:center;border-radius:6px;font-weight:600;font-size:11.5px;
text-transform:uppercase;letter-spacing:.04em;padding:0}
td.cell a,td.cell span{display:block;line-height:30px;color:inherit;text-decoration:none}
td.cell.ok{background:var(--ok-bg);color:var(--ok)}
td.cell.failed{background:var(--fail-bg);color:var(--fail);box-shadow:inset 0 0 0 1px #f5b5ae}
td.cell.skipped{background:var(--skip-bg);color:var(--skip)}
td.cell.none{background:transparent;color:#c2c7d0}
td.cell.missing{background:repeating-linear-gradient(135deg,var(--miss-bg) 0 6px,#f7f8fa 6px 12px);color:var(--miss)}
.legend{display:flex;flex-wrap:wrap;gap:16px;margin-top:12px;color:var(--dim);font-size:12.5px}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.legend .ok i{background:var(--ok)}.legend .failed i{background:var(--fail)}
.legend .skipped i{background:var(--skip)}.legend .missing i{background:#c2c7d0}
ultable.attention{border-collapse:collapse;width:100%}
table.attention td{padding:8px 14px 8px 0;border-top:1px solid var(--line);vertical-align:baseline}
table.attention tr:first-child td{border-top:0}
table.attention td.what{white-space:nowrap;font-weight:600}
table.attention td.why{color:#475467;word-break:break-word;width:100%}
.pill{display:inline-block;border-radius:999px;padding:1px 9px;font-size:11px;font-weight:650;text-transform:uppercase;letter-spacing:.05em}
.pill.ok{background:var(--ok-bg);color:var(--ok)}.pill.failed{background:var(--fail-bg);color:var(--fail)}
.pill.skipped{background:var(--skip-bg);color:var(--skip)}.pill.missing{background:var(--miss-bg);color:var(--miss)}
.clip{margin-top:34px}
.clip>h2{font-size:19px;border-bottom:1px solid var(--line);padding-bottom:8px}
.platform{margin:16px 0 22px}
h3{font-size:14px;font-weight:650;margin:0 0 10px;color:#344054}
h3 .dim{font-weight:400;color:var(--dim);margin-left:6px}
.cards{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.card{background:var(--panel);border:1px solid var(--line);border-radius:12px;overflow:hidden;
box-shadow:0 1px 2px rgba(16,24,40,.05)}
.card.failed{border-color:#f3b7b0}
.card .media{background:#10141c;display:flex;justify-content:center;align-items:center;height:240px}
.card video{display:block;height:240px;max-width:100%;background:#10141c}
.card .media.empty{height:120px;background:repeating-linear-gradient(135deg,#1a1f2a 0 10px,#161a23 10px 20px)}
.card .placeholder{color:#c9ced8;font-size:12.5px;text-align:center;padding:0 18px}
.card .placeholder b{display:block;font-size:13px;color:#fff;margin-bottom:4px}
.card .body{padding:11px 13px 12px}
.card .title{display:flex;justify-content:space-between;align-items:center;gap:8px;margin-bottom:8px}
.card .title b{font-size:14px}
dl.facts{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;margin:0 0 8px;font-size:12.5px}
dl.facts dt{color:var(--dim)}dl.facts dd{margin:0;font-variant-numeric:tabular-nums}
.error{background:var(--fail-bg);color:#7a1a12;border-radius:8px;padding:7px 9px;font-size:12.5px;margin:0 0 8px;word-break:break-word}
.warning{background:#fdf3d8;color:#6b4e00;border-radius:8px;padding:7px 9px;font-size:12.5px;margin:0 0 8px;word-break:break-word}
.note{color:var(--dim);font-size:12.5px;margin:0 0 8px;word-break:break-word}
.file{font-size:12px;margin:0 0 6px;word-break:break-all}
details{border-top:1px solid var(--line);margin-top:6px;padding-top:6px}
summary{cursor:pointer;font-size:12.5px;font-weight:600;color:#344054;list-style-position:inside}
summary .count{font-weight:500;margin-left:6px}
summary .count.ok{color:var(--ok)}summary .count.failed{color:var(--fail)}
table.rules{border-collapse:collapse;width:100%;margin-top:6px;font-size:11.5px}
table.rules td{padding:4px 6px 4px 0;border-bottom:1px solid #f0f1f4;vertical-align:top}
table.rules .rule{font-weight:600;color:#344054;white-space:nowrap}
table.rules .vals{color:#475467;overflow-wrap:anywhere}
table.rules .k{color:var(--dim);font-size:10.5px;text-transform:uppercase;letter-spacing:.04em;margin-right:2px}
table.rules .k+.k,table.rules .vals .k:not(:first-child){margin-left:6px}
table.rules tr.fail .rule,table.rules tr.fail .vals{color:var(--fail)}
table.rules tr.fail{background:#fff5f4}
table.rules td.mark{width:16px;font-weight:700;padding-left:2px}
table.rules tr.fail td.mark{color:var(--fail)}
table.rules tr.pass td.mark{color:var(--ok)}
.post{border-top:1px solid var(--line);margin:6px 0;padding-top:6px}.post img.cover{max-width:100%;max-height:200px;display:block}
.post p{margin:4px 0;white-space:pre-wrap}.post-title{font-weight:600}.post .more{color:var(--dim)}
.post .count{color:var(--dim);font-size:11px;margin-left:6px}.post .count.over{color:var(--fail)}
footer{color:var(--dim);font-size:12px;padding:18px 0 36px;border-top:1px solid var(--line)}
)CSS";

class PageWriter {
 public:
  PageWriter(const RenderReport& report, std::vector<std::string> clips, std::vector<std::string> platforms,
             std::vector<std::string> languages, fs::path output_dir, std::vector<bool> has_thumb,
             const PlannedOutputs* planned = nullptr)
      : report_(report),
        clips_(std::move(clips)),
        platforms_(std::move(platforms)),
        languages_(std::move(languages)),
        output_dir_(std::move(output_dir)),
        planned_(planned),
        has_thumb_(std::move(has_thumb)) {
    std::set<std::string> seen_c(clips_.begin(), clips_.end());
    std::set<std::string> seen_p(platforms_.begin(), platforms_.end());
    std::set<std::string> seen_l(languages_.begin(), languages_.end());
    for (size_t i = 0; i < report_.outputs.size(); ++i) {
      const OutputRecord& o = report_.outputs[i];
      append_unique(clips_, seen_c, clip_key(o.clip, o.variant));  // a variant is a row of its own
      append_unique(platforms_, seen_p, o.platform);
      append_unique(languages_, seen_l, o.language);
      index_[{clip_key(o.clip, o.variant), o.platform, o.language}] =
          i;  // a later record of the same output wins
    }
    // Anchors in matrix order.
    for (const auto& c : clips_) {
      for (const auto& p : platforms_) {
        for (const auto& l : languages_) anchor_[{c, p, l}] = "out-" + std::to_string(anchor_.size() + 1);
      }
    }
  }

  std::string page() {
    read_posts();
    count();
    head();
    summary_header();
    out_ += "<main class=\"wrap\">\n";
    matrix();
    attention();
    for (size_t c = 0; c < clips_.size(); ++c) clip_section(c);
    out_ += "</main>\n";
    out_ +=
        "<footer class=\"wrap\">Made by shortpack " + html_escape(SHORTPACK_VERSION) +
        ". The videos and thumbnails are the files beside this page: keep the folder together "
        "when you move or share it. Details of every output are in <a href=\"report.json\">report.json</a>."
        "</footer>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  const OutputRecord* find(const std::string& c, const std::string& p, const std::string& l) const {
    const auto it = index_.find({c, p, l});
    return it == index_.end() ? nullptr : &report_.outputs[it->second];
  }
  // A cell some unit of the plan asks for (every cell when the plan is not known).
  bool is_planned(const std::string& c, const std::string& p, const std::string& l) const {
    return planned_ == nullptr || planned_->count({c, p, l}) > 0 || find(c, p, l) != nullptr;
  }
  size_t index_of(const OutputRecord* o) const { return static_cast<size_t>(o - report_.outputs.data()); }

  std::string rel_url(const fs::path& path) const {
    std::error_code ec;
    fs::path rel = fs::relative(path, output_dir_, ec);
    if (ec || rel.empty()) rel = path;
    if (rel.is_absolute()) return html_escape("file://" + url_path(rel));
    return html_escape(url_path(rel));
  }

  void count() {
    for (const auto& c : clips_) {
      for (const auto& p : platforms_) {
        for (const auto& l : languages_) {
          if (!is_planned(c, p, l)) continue;
          ++planned_count_;
          const OutputRecord* o = find(c, p, l);
          if (o == nullptr) {
            ++missing_;
            continue;
          }
          ok_ += o->status == OutputStatus::kOk ? 1 : 0;
          failed_ += o->status == OutputStatus::kFailed ? 1 : 0;
          skipped_ += o->status == OutputStatus::kSkipped ? 1 : 0;
          if (o->status != OutputStatus::kFailed) {
            seconds_ += o->duration_s;
            bytes_ += o->bytes;
          }
        }
      }
    }
  }

  void head() {
    const std::string name = report_.campaign.empty() ? std::string("campaign") : report_.campaign;
    out_ +=
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        "<meta name=\"generator\" content=\"shortpack " +
        html_escape(SHORTPACK_VERSION) +
        "\">\n"
        "<title>" +
        html_escape(name) +
        " · shortpack review</title>\n"
        "<link rel=\"icon\" href=\"data:,\">\n<style>" +
        std::string(kStyle) + "</style>\n</head>\n<body>\n";
  }

  void stat(const char* cls, const std::string& value, const char* label) {
    out_ += std::string("<div class=\"stat ") + cls + "\"><b>" + html_escape(value) + "</b><span>" + label +
            "</span></div>";
  }

  void summary_header() {
    const size_t total = clips_.size() * platforms_.size() * languages_.size();
    out_ +=
        "<header class=\"top\"><div class=\"wrap\">\n<div class=\"kicker\">shortpack · campaign "
        "review</div>\n";
    out_ += "<h1>" + html_escape(report_.campaign) + "</h1>\n";
    const bool proxies = std::any_of(report_.outputs.begin(), report_.outputs.end(),
                                     [](const OutputRecord& o) { return o.proxy; });
    if (proxies) {
      out_ +=
          "<p class=\"sub proxy\" id=\"proxy-notice\"><b>Review proxies</b>: 360 px wide, fast encode, not "
          "checked "
          "against the platforms. Not for publishing.</p>\n";
    }
    out_ += "<p class=\"sub\">" + std::to_string(clips_.size()) + (clips_.size() == 1 ? " clip" : " clips") +
            " × " + std::to_string(platforms_.size()) +
            (platforms_.size() == 1 ? " platform" : " platforms") + " × " +
            std::to_string(languages_.size()) + (languages_.size() == 1 ? " language" : " languages") +
            " = " + std::to_string(total) + " outputs" +
            (planned_count_ == total ? std::string()
                                     : ", " + std::to_string(planned_count_) + " of them planned") +
            " · page made " + utc_now() + "</p>\n";
    out_ += "<div class=\"stats\">";
    stat("ok", std::to_string(ok_), "rendered ok");
    stat("skipped", std::to_string(skipped_), "up to date");
    stat("failed", std::to_string(failed_), "failed");
    stat("missing", std::to_string(missing_), "missing");
    stat("", seconds_ < 60.0 ? fixed(seconds_, 1) + " s" : fixed(seconds_ / 60.0, 1) + " min", "of video");
    stat("", format_bytes(bytes_), "on disk");
    out_ += "</div>\n</div></header>\n";
  }

  void matrix() {
    out_ +=
        "<section id=\"coverage\"><h2>Coverage <span class=\"hint\">clip × platform × language; "
        "click a cell to jump to the output</span></h2>\n<div class=\"panel scroll\">\n"
        "<table class=\"matrix\">\n<thead><tr><th rowspan=\"2\">Clip</th>";
    for (const auto& p : platforms_) {
      out_ += "<th class=\"platform\" colspan=\"" + std::to_string(languages_.size()) + "\">" +
              html_escape(p) + "</th>";
    }
    out_ += "</tr>\n<tr>";
    for (size_t p = 0; p < platforms_.size(); ++p) {
      for (const auto& l : languages_) out_ += "<th class=\"lang\">" + html_escape(l) + "</th>";
    }
    out_ += "</tr></thead>\n<tbody>\n";
    for (size_t c = 0; c < clips_.size(); ++c) {
      out_ +=
          "<tr><th><a href=\"#clip-" + std::to_string(c + 1) + "\">" + html_escape(clips_[c]) + "</a></th>";
      for (const auto& p : platforms_) {
        for (const auto& l : languages_) cell(clips_[c], p, l);
      }
      out_ += "</tr>\n";
    }
    // Proxies are not checked against the platforms: their legend must not say they conform.
    const bool proxies = std::any_of(report_.outputs.begin(), report_.outputs.end(),
                                     [](const OutputRecord& o) { return o.proxy; });
    out_ += proxies ? "</tbody></table>\n<div class=\"legend\"><span class=\"ok\"><i></i>ok: review proxy "
                      "rendered (not checked against the platform)</span>"
                    : "</tbody></table>\n<div class=\"legend\"><span class=\"ok\"><i></i>ok: rendered and "
                      "conforming</span>";
    out_ +=
        "<span class=\"skipped\"><i></i>skipped: already up to date (last check shown)</span>"
        "<span class=\"failed\"><i></i>failed: hover for the reason</span>"
        "<span class=\"missing\"><i></i>missing: planned, not in this report</span>" +
        std::string(planned_count_ == clips_.size() * platforms_.size() * languages_.size()
                        ? ""
                        : "<span class=\"none\">–: not planned (no variant row asks for it)</span>") +
        "</div>\n</div></section>\n";
  }

  void cell(const std::string& c, const std::string& p, const std::string& l) {
    if (!is_planned(c, p, l)) {
      out_ += "<td class=\"cell none\" data-cell data-clip=\"" + html_escape(c) + "\" data-platform=\"" +
              html_escape(p) + "\" data-language=\"" + html_escape(l) +
              "\" data-status=\"not-planned\" title=\"" + html_escape(c + " · " + p + " · " + l) +
              ": not planned\">–</td>";
      return;
    }
    const OutputRecord* o = find(c, p, l);
    const std::string status = o == nullptr ? "missing" : to_string(o->status);
    std::string title = c + " · " + p + " · " + l + ": ";
    if (o == nullptr) {
      title += "no output in this report";
    } else if (o->status == OutputStatus::kFailed) {
      title += o->error.empty() ? std::string("failed") : o->error;
    } else {
      title +=
          status +
          (o->width_px > 0 ? ", " + std::to_string(o->width_px) + "×" + std::to_string(o->height_px) : "") +
          ", " + format_duration(o->duration_s) + (o->note.empty() ? "" : " (" + o->note + ")");
    }
    out_ += "<td class=\"cell " + status + "\" data-cell data-clip=\"" + html_escape(c) +
            "\" data-platform=\"" + html_escape(p) + "\" data-language=\"" + html_escape(l) +
            "\" data-status=\"" + status + "\" title=\"" + html_escape(title) + "\">";
    const std::string& anchor = anchor_.at({c, p, l});
    out_ += o == nullptr ? "<span>missing</span>" : "<a href=\"#" + anchor + "\">" + status + "</a>";
    out_ += "</td>";
  }

  void attention() {
    std::string items;
    for (const auto& c : clips_) {
      for (const auto& p : platforms_) {
        for (const auto& l : languages_) {
          const OutputRecord* o = find(c, p, l);
          if (!is_planned(c, p, l) || (o != nullptr && o->status != OutputStatus::kFailed)) continue;
          const std::string what = html_escape(c + " · " + p + " · " + l);
          items +=
              "<tr><td><span class=\"pill " + std::string(o == nullptr ? "missing" : "failed") + "\">" +
              (o == nullptr ? "missing" : "failed") + "</span></td><td class=\"what\"><a href=\"#" +
              anchor_.at({c, p, l}) + "\">" + what + "</a></td><td class=\"why\">" +
              html_escape(o == nullptr
                              ? std::string("no output in this report (not rendered yet, or another shard's)")
                              : (o->error.empty() ? std::string("failed") : o->error)) +
              "</td></tr>\n";
        }
      }
    }
    if (items.empty()) return;
    out_ += "<section id=\"attention\"><h2>Needs attention <span class=\"hint\">" +
            std::to_string(failed_ + missing_) + " of " + std::to_string(planned_count_) +
            " outputs</span></h2>\n<div class=\"panel\"><table class=\"attention\">\n" + items +
            "</table></div></section>\n";
  }

  void clip_section(size_t c) {
    const std::string& clip = clips_[c];
    out_ += "<section class=\"clip\" id=\"clip-" + std::to_string(c + 1) + "\"><h2>" + html_escape(clip) +
            "</h2>\n";
    for (const auto& p : platforms_) {
      // The platform's frame size, from any of its outputs.
      std::string size;
      for (const auto& l : languages_) {
        const OutputRecord* o = find(clip, p, l);
        if (o != nullptr && o->width_px > 0 && size.empty()) {
          size = std::to_string(o->width_px) + "×" + std::to_string(o->height_px);
        }
      }
      out_ += "<div class=\"platform\"><h3>" + html_escape(p) +
              (size.empty() ? "" : "<span class=\"dim\">" + size + "</span>") +
              "</h3>\n<div class=\"cards\">\n";
      for (const auto& l : languages_) {
        if (is_planned(clip, p, l)) card(clip, p, l);
      }
      out_ += "</div></div>\n";
    }
    out_ += "</section>\n";
  }

  void card(const std::string& c, const std::string& p, const std::string& l) {
    const OutputRecord* o = find(c, p, l);
    const std::string status = o == nullptr ? "missing" : to_string(o->status);
    const bool playable = o != nullptr && has_file(*o) && o->width_px > 0 && o->height_px > 0;
    const auto [tw, th] = thumb_size(o ? o->width_px : 0, o ? o->height_px : 0);
    const int width = std::max(kCardMinWidthPx, tw);
    out_ += "<article class=\"card " + status + "\" id=\"" + anchor_.at({c, p, l}) +
            "\" style=\"width:" + std::to_string(width) + "px\">\n<div class=\"media" +
            (playable ? "" : " empty") + "\">";
    if (playable) {
      out_ += "<video controls preload=\"metadata\" src=\"" + rel_url(o->path) + "\" aria-label=\"" +
              html_escape(c + " · " + p + " · " + l) + "\" width=\"" + std::to_string(tw) + "\" height=\"" +
              std::to_string(th) + "\"";
      if (has_thumb_[index_of(o)]) out_ += " poster=\"" + html_escape(url_path(thumb_relative(*o))) + "\"";
      out_ += "></video>";
    } else if (o == nullptr) {
      out_ += "<div class=\"placeholder\"><b>Missing</b>not in this report</div>";
    } else {
      out_ +=
          std::string("<div class=\"placeholder\"><b>") +
          (o->status == OutputStatus::kFailed ? "No video" : "File not found") + "</b>" +
          (o->status == OutputStatus::kFailed ? "the output failed" : "the file is not beside this page") +
          "</div>";
    }
    out_ += "</div>\n<div class=\"body\">\n<div class=\"title\"><b>" + html_escape(l) +
            "</b><span class=\"pill " + status + "\">" + status + "</span></div>\n";
    if (o == nullptr) {
      out_ += "<p class=\"note\">No output for " + html_escape(c + " · " + p + " · " + l) +
              " in this report.</p>\n";
      out_ += "</div></article>\n";
      return;
    }
    if (o->status == OutputStatus::kFailed && !o->error.empty()) {
      out_ += "<p class=\"error\">" + html_escape(o->error) + "</p>\n";
    }
    if (!o->note.empty()) out_ += "<p class=\"note\">" + html_escape(o->note) + "</p>\n";
    for (const std::string& w : o->warnings) out_ += "<p class=\"warning\">" + html_escape(w) + "</p>\n";
    post_block(*o);
    if (o->width_px > 0) {
      out_ += "<dl class=\"facts\"><dt>Size</dt><dd>" + std::to_string(o->width_px) + " × " +
              std::to_string(o->height_px) + "</dd><dt>Duration</dt><dd>" + format_duration(o->duration_s) +
              "</dd><dt>File</dt><dd title=\"" + std::to_string(o->bytes) + " bytes\">" +
              format_bytes(o->bytes) + "</dd>";
      if (o->render_s > 0.0) {
        out_ += "<dt>Rendered in</dt><dd title=\"wall time of the clip's shared render graph\">" +
                fixed(o->render_s, 1) + " s (whole clip)</dd>";
      }
      if (!o->sha256.empty()) {
        out_ += "<dt>SHA-256</dt><dd class=\"mono\" title=\"" + html_escape(o->sha256) + "\">" +
                html_escape(o->sha256.substr(0, 12)) + "…</dd>";
      }
      out_ += "</dl>\n";
    }
    if (has_file(*o)) {
      out_ += "<p class=\"file\"><a href=\"" + rel_url(o->path) + "\">" +
              html_escape(o->path.filename().string()) + "</a></p>\n";
    }
    rules(*o);
    out_ += "</div></article>\n";
  }

  // publish/posts.json beside the page (issue 30), by output file: each output shown as its post.
  void read_posts() {
    std::ifstream in(output_dir_ / "publish" / "posts.json");
    if (!in) return;
    const nlohmann::json all = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!all.is_array()) return;
    for (const auto& row : all) {
      if (row.is_object() && row.contains("file")) posts_[row["file"].get<std::string>()] = row;
    }
  }

  // The post as the platform shows it: its cover, the title and the text cut where the feed cuts
  // it ("... more"), each count against the platform's limit.
  void post_block(const OutputRecord& o) {
    std::error_code ec;
    const auto it = posts_.find(fs::relative(o.path, output_dir_, ec).generic_string());
    if (it == posts_.end()) return;
    const nlohmann::json& p = it->second;
    const nlohmann::json& n = p["counts"];
    const auto count = [&](const char* have, const char* max) {
      const int limit = n.value(max, 0);
      const size_t used = n.value(have, size_t{0});
      const bool over = limit > 0 && used > size_t(limit);
      return std::string("<span class=\"count") + (over ? " over" : "") + "\">" + std::to_string(used) +
             (limit > 0 ? " / " + std::to_string(limit) : std::string()) + "</span>";
    };
    out_ += "<div class=\"post\">";
    if (const std::string cover = p.value("cover", ""); !cover.empty()) {
      out_ += "<img class=\"cover\" alt=\"cover\" src=\"" + html_escape(url_path(cover)) + "\">";
    }
    out_ += "<p class=\"post-title\">" + html_escape(p.value("title", "")) + " " +
            count("title_chars", "title_max_chars") + "</p>";
    out_ += "<p class=\"post-text\">" + html_escape(p.value("text_shown", ""));
    if (p.value("text_cut", false)) out_ += "<span class=\"more\">... more</span>";
    out_ += " " + count("text_chars", "text_max_chars") + "</p>";
    out_ += "<p class=\"post-tags\">hashtags " + count("hashtags", "hashtags_max");
    if (const std::string srt = p.value("caption_file", ""); !srt.empty())
      out_ += " · captions <a href=\"" + html_escape(url_path(srt)) + "\">" + html_escape(srt) + "</a>";
    out_ += "</p></div>\n";
  }

  void rules(const OutputRecord& o) {
    if (o.checks.empty()) return;
    size_t passed = 0;
    for (const CheckRule& r : o.checks) passed += r.passed ? 1 : 0;
    const bool all = passed == o.checks.size();
    out_ += std::string("<details") + (all ? "" : " open") + "><summary>Conformance<span class=\"count " +
            (all ? "ok" : "failed") + "\">" + std::to_string(passed) + "/" + std::to_string(o.checks.size()) +
            " rules pass</span></summary>\n<table class=\"rules\"><tbody>\n";
    for (const CheckRule& r : o.checks) {
      out_ += std::string("<tr class=\"") + (r.passed ? "pass" : "fail") + "\"><td class=\"mark\">" +
              (r.passed ? "✓" : "✗") + "</td><td><div class=\"rule\">" + html_escape(r.name) +
              "</div><div class=\"vals\"><span class=\"k\">found</span> " + html_escape(r.found) +
              " <span class=\"k\">limit</span> " + html_escape(r.limit) + "</div></td></tr>\n";
    }
    out_ += "</tbody></table></details>\n";
  }

  const RenderReport& report_;
  std::vector<std::string> clips_;
  std::vector<std::string> platforms_;
  std::vector<std::string> languages_;
  fs::path output_dir_;
  const PlannedOutputs* planned_;
  std::vector<bool> has_thumb_;
  std::map<Key, size_t> index_;
  std::map<Key, std::string> anchor_;
  std::map<std::string, nlohmann::json> posts_;  // output file (relative) -> its row of posts.json
  std::string out_;
  size_t ok_ = 0;
  size_t failed_ = 0;
  size_t skipped_ = 0;
  size_t missing_ = 0;
  size_t planned_count_ = 0;
  double seconds_ = 0.0;
  int64_t bytes_ = 0;
};

}  // namespace

std::string html_escape(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        s += "&amp;";
        break;
      case '<':
        s += "&lt;";
        break;
      case '>':
        s += "&gt;";
        break;
      case '"':
        s += "&quot;";
        break;
      case '\'':
        s += "&#39;";
        break;
      default:
        s += c;
    }
  }
  return s;
}

std::string url_path(const fs::path& relative) {
  static const char* hex = "0123456789ABCDEF";
  std::string s;
  for (const unsigned char c : relative.generic_string()) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
    if (keep) {
      s += static_cast<char>(c);
    } else {
      s += '%';
      s += hex[c >> 4];
      s += hex[c & 15];
    }
  }
  return s;
}

fs::path write_report_html(const RenderReport& report, const std::vector<std::string>& clips,
                           const std::vector<std::string>& platforms,
                           const std::vector<std::string>& languages, const fs::path& output_dir,
                           const PlannedOutputs* planned) {
  std::vector<bool> has_thumb = make_thumbnails(report, output_dir);
  PageWriter writer(report, clips, platforms, languages, output_dir, std::move(has_thumb), planned);
  fs::path page = output_dir / "report.html";
  write_file_atomically(page, writer.page());
  return page;
}

fs::path write_report_html(const RenderReport& report, const fs::path& page_file) {
  const fs::path dir = page_file.parent_path().empty() ? fs::path(".") : page_file.parent_path();
  std::vector<bool> has_thumb = make_thumbnails(report, dir);
  PageWriter writer(report, {}, {}, {}, dir, std::move(has_thumb));
  write_file_atomically(page_file, writer.page());
  return page_file;
}

}  // namespace shortpack

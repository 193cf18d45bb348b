// report.html: the campaign review page written beside report.json.
//
// A static page (no server, no network, no external assets: inline CSS, no script) with
//   - a summary (outputs ok / failed / skipped / missing, minutes of video, bytes),
//   - a clip x platform x language coverage matrix: every cell ok, failed (the error in its
//     title), skipped (up to date, the note in its title), missing (planned, no output in the
//     report) or, when the plan is known, not planned (no variant row asks for it: shown quietly,
//     never counted as missing nor among the outputs);
//     cells are marked up as <td data-cell data-clip data-platform data-language data-status>,
//   - a list of what needs attention (failed and missing outputs),
//   - per output a card: a playable <video controls preload="metadata"> whose src is the output's
//     path relative to the page and whose poster is its thumbnail, the status, size, duration,
//     bytes, render time, sha256, and the conformance rules (passed, found, limit) in a <details>
//     (open when a rule failed).
// Thumbnails: thumbs/<clip>.<platform>.<language>.png beside the page, one decoded frame of each
// output whose file exists (a failed output's too, when it has one), at 1 s (or the middle of a shorter
// output), 240 px high. A thumbnail newer than its video is kept as it is. A thumbnail that cannot be made is
// logged and the card shows no poster; it never fails the page. thumbs/ is never written through a symbolic
// link. Every text from the report (names, paths, errors, rule values) is HTML-escaped and every path
// percent-encoded, so file names and error messages cannot inject markup.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "pipeline/render/render.h"

namespace shortpack {

// Writes `output_dir`/report.html (atomically) and `output_dir`/thumbs/*.png, and returns the
// page's path. The matrix's rows are `clips` and its columns `platforms` x `languages`, in that
// order (the campaign's); outputs of the report outside these lists are added at the end, and
// combinations with no output in the report are shown as missing when `planned` is null or holds
// them (clip key, platform, language), as not planned otherwise. Output paths in the page are
// relative to `output_dir` (normally report.output_dir, the folder of report.json).
// Thumbnails are made in parallel (oneTBB). Throws Error(kIo) when the page cannot be written.
using PlannedOutputs = std::set<std::tuple<std::string, std::string, std::string>>;
std::filesystem::path write_report_html(const RenderReport& report, const std::vector<std::string>& clips,
                                        const std::vector<std::string>& platforms,
                                        const std::vector<std::string>& languages,
                                        const std::filesystem::path& output_dir,
                                        const PlannedOutputs* planned = nullptr);

// The same with the matrix's axes taken from the report itself, in order of first appearance
// (for reports read back from disk, e.g. merged shard parts), written to `page_file` (normally
// <folder>/report.html), with the thumbnails in its folder and paths relative to it.
std::filesystem::path write_report_html(const RenderReport& report, const std::filesystem::path& page_file);

// Text made safe for HTML element content and quoted attribute values (& < > " ').
std::string html_escape(std::string_view text);
// A relative path as a URL path: each segment percent-encoded (UTF-8 bytes), '/' between them.
std::string url_path(const std::filesystem::path& relative);

}  // namespace shortpack

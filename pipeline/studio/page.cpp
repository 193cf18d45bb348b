#include "pipeline/studio/page.h"

namespace shortpack::studio {

namespace {

// The token travels in the page's own URL; every API call sends it back in a header (fetch) or
// the query (the <img>). Live reload: /api/version is polled once a second.
constexpr std::string_view kPage = R"page(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shortpack studio</title>
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
<style>
body{font:14px sans-serif;margin:1em;background:#222;color:#eee}
label{margin-right:1em}#frame{max-height:70vh;max-width:100%;display:block;margin-top:.5em;background:#000}
#errors li{color:#f88}#slider{width:60%}
</style></head><body>
<h1 id="name">shortpack studio</h1>
<div>
<label>clip <select id="clip"></select></label>
<label>platform <select id="platform"></select></label>
<label>language <select id="lang"></select></label>
<label><input type="checkbox" id="guides"> guides</label>
</div>
<div><input type="range" id="slider" min="0" max="0" value="0" step="1">
<span id="where">frame 0</span></div>
<ul id="errors"></ul>
<img id="frame" alt="frame">
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
let campaign = null, version = null, shownSrc = "";
async function api(path) {
  const r = await fetch(path, {headers: {"X-Shortpack-Token": token}});
  return r.json();
}
function fill(sel, values) {
  const keep = sel.value;
  sel.innerHTML = "";
  for (const v of values) { const o = document.createElement("option"); o.value = o.textContent = v; sel.appendChild(o); }
  if (values.includes(keep)) sel.value = keep;
}
function timing() {
  const clip = campaign && campaign.clips.find((c) => c.id === $("clip").value);
  return clip && clip.platforms[$("platform").value];
}
function frameTime() {
  const t = timing();
  if (!t) return 0;
  return (Number($("slider").value) + 0.5) / t.fps;
}
function showFrame() {
  const t = timing();
  if (!t) return;
  $("slider").max = Math.max(0, t.frame_count - 1);
  const at = frameTime();
  $("where").textContent = "frame " + $("slider").value + " / " + (t.frame_count - 1) + " at " + at.toFixed(3) + " s";
  const q = new URLSearchParams({clip: $("clip").value, platform: $("platform").value, lang: $("lang").value,
    t: at.toFixed(6), guides: $("guides").checked ? "1" : "0", v: version || "", token: token});
  const src = "/api/frame?" + q.toString();
  if (src !== shownSrc) { shownSrc = src; $("frame").src = src; }
}
async function load() {
  campaign = await api("/api/campaign");
  version = campaign.version;
  $("name").textContent = "shortpack studio: " + (campaign.name || campaign.file);
  const errors = $("errors");
  errors.innerHTML = "";
  for (const e of campaign.errors.concat(campaign.warnings)) {
    const li = document.createElement("li");
    li.textContent = e.text;
    errors.appendChild(li);
  }
  fill($("clip"), campaign.clips.map((c) => c.id));
  fill($("platform"), campaign.platforms);
  fill($("lang"), campaign.languages);
  document.body.dataset.version = version;
  showFrame();
}
for (const id of ["clip", "platform", "lang", "guides"]) $(id).addEventListener("change", showFrame);
$("slider").addEventListener("input", showFrame);
$("frame").addEventListener("load", () => { document.body.dataset.shown = $("frame").src; });
setInterval(async () => {
  try { const v = await api("/api/version"); if (v.version !== version) await load(); } catch (e) {}
}, 1000);
load();
</script></body></html>
)page";

}  // namespace

std::string_view page_html() { return kPage; }

}  // namespace shortpack::studio

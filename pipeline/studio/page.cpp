#include "pipeline/studio/page.h"

namespace shortpack::studio {

namespace {

// The token travels in the page's own URL; every API call sends it back in a header (fetch) or
// the query (the <img>, the <video>). Live reload: /api/version is polled once a second. The
// output on show is one structure, unit() (clip, variant, platform, language), used by every request.
constexpr std::string_view kPage = R"page(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>shortpack studio</title>
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,">
<style>
body{font:14px sans-serif;margin:1em;background:#222;color:#eee}
label{margin-right:1em}#frame{max-height:70vh;max-width:100%;display:block;margin-top:.5em;background:#000}
#errors li.error{color:#f88}#errors li.warning{color:#fd6}#slider{width:60%}
#views{display:flex;gap:1.5em;align-items:flex-start}#tryout input[type=number]{width:5em}
#tryout fieldset{border:1px solid #555;margin:.4em 0}#proxy{max-height:60vh;max-width:360px;background:#000}
.note{color:#aaa;font-size:12px;max-width:28em}
</style></head><body>
<h1 id="name">shortpack studio</h1>
<div>
<label>clip <select id="clip"></select></label>
<label id="variantLabel">variant <select id="variant"></select></label>
<label>platform <select id="platform"></select></label>
<label>language <select id="lang"></select></label>
<label><input type="checkbox" id="guides"> guides</label>
</div>
<div><input type="range" id="slider" min="0" max="0" value="0" step="1">
<span id="where">frame 0</span></div>
<ul id="errors"></ul>
<div id="views">
<div><img id="frame" alt="frame"></div>
<div id="tryout"><b>Preset try-out</b>
<fieldset><legend>safe zone of <span id="tryPlatform"></span> (px)</legend>
<label>top <input type="number" id="top_px" min="0" step="2"></label>
<label>bottom <input type="number" id="bottom_px" min="0" step="2"></label><br>
<label>left <input type="number" id="left_px" min="0" step="2"></label>
<label>right <input type="number" id="right_px" min="0" step="2"></label><br>
<button id="save">save preset override</button> <button id="reset">reset</button>
<div id="saved" class="note"></div></fieldset>
<fieldset><legend>captions and logo (this platform)</legend>
<label>caption size <input type="number" id="caption_size" min="0.01" max="0.2" step="0.002"></label><br>
<label>logo width <input type="number" id="logo_width" min="0.02" max="0.5" step="0.01"></label>
<label>logo <select id="logo_position"><option>top-left</option><option>top-right</option>
<option>bottom-left</option><option>bottom-right</option></select></label>
<div class="note">Caption size (fraction of the frame height) and logo width (fraction of the frame width)
start from the brand (<span id="brandFile"></span>) or this platform's override; "save" writes them with
the safe zone into the override (captions.size_px, logo.width_px, logo.position).</div>
</fieldset>
<div id="tryError" class="note" style="color:#f88"></div>
<fieldset id="post"><legend>post (try a title: it is counted and drawn, not saved)</legend>
<label>title <input type="text" id="postTitle" size="32"></label> <span id="postCounts" class="note"></span><br>
<div id="postText" class="note"></div>
<img id="cover" alt="cover" style="max-width:320px;max-height:320px;display:block;margin-top:.3em">
<div id="postNote" class="note"></div></fieldset>
<b>Review proxy</b><div id="proxyBox"></div>
<div id="proxyNote" class="note"></div>
</div></div>
<script>
"use strict";
const token = new URLSearchParams(location.search).get("token") || "";
const $ = (id) => document.getElementById(id);
const safeKeys = ["top_px", "bottom_px", "left_px", "right_px"];
const brandKeys = ["caption_size", "logo_width", "logo_position"];
let campaign = null, version = null, shownSrc = "", proxyFor = "";
async function api(path, init) {
  const r = await fetch(path, Object.assign({headers: {"X-Shortpack-Token": token}}, init || {}));
  return r.json();
}
function fill(sel, values) {
  const keep = sel.value;
  sel.innerHTML = "";
  for (const v of values) { const o = document.createElement("option"); o.value = o.textContent = v; sel.appendChild(o); }
  if (values.includes(keep)) sel.value = keep;
}
function unit() {
  const u = {clip: $("clip").value, platform: $("platform").value, lang: $("lang").value};
  if ($("variant").value) u.variant = $("variant").value;
  return u;
}
// The rows of the variants table for the clip on show (the picker hides without a table).
function fillVariants() {
  const clip = campaign.clips.find((c) => c.id === $("clip").value);
  const variants = (clip && clip.variants) || [];
  fill($("variant"), variants);
  $("variantLabel").hidden = variants.length === 0;
}
function timing() {
  const u = unit();
  const clip = campaign && campaign.clips.find((c) => c.id === u.clip);
  if (!clip) return undefined;
  const own = clip.variant_platforms && clip.variant_platforms[u.variant];  // a variant's own brand
  return (own || clip.platforms)[u.platform];
}
function frameTime() {
  const t = timing();
  if (!t) return 0;
  return (Number($("slider").value) + 0.5) / t.fps;
}
// The brand the output on show renders with: its row's own (a `brand` column), else the campaign's.
function shownBrand() {
  const u = unit();
  const clip = campaign && campaign.clips.find((c) => c.id === u.clip);
  const own = clip && clip.variant_brands && clip.variant_brands[u.variant];
  return own || campaign.brand;
}
// Caption size and logo of the output on show: the preset's overrides, else its brand's.
function presentation() {
  const brand = shownBrand();
  if (brand && brand.presentation) return brand.presentation[unit().platform];
  const preset = campaign.presets && campaign.presets[unit().platform];
  return preset && preset.presentation;
}
// The try-out values that differ from the campaign's (none: the frame is exactly `preview`'s).
function tryout() {
  const out = {};
  const preset = campaign.presets && campaign.presets[unit().platform];
  if (preset) for (const k of safeKeys) if (Number($(k).value) !== preset.safe[k]) out[k] = $(k).value;
  const shown = presentation();
  if (shown) for (const k of brandKeys) if (String($(k).value) !== String(shown[k])) out[k] = $(k).value;
  return out;
}
function fillTryout() {
  const preset = campaign.presets && campaign.presets[unit().platform];
  const shown = presentation();
  $("tryPlatform").textContent = unit().platform;
  for (const k of safeKeys) $(k).value = preset ? preset.safe[k] : "";
  for (const k of brandKeys) $(k).value = shown ? shown[k] : "";
  const brand = shownBrand();
  $("brandFile").textContent = brand ? brand.file : "";
}
function showFrame() {
  const t = timing();
  if (!t) return;
  $("slider").max = Math.max(0, t.frame_count - 1);
  const at = frameTime();
  $("where").textContent = "frame " + $("slider").value + " / " + (t.frame_count - 1) + " at " + at.toFixed(3) + " s";
  const q = new URLSearchParams(Object.assign(unit(), {t: at.toFixed(6), guides: $("guides").checked ? "1" : "0"},
    tryout(), {v: version || "", token: token}));
  const src = "/api/frame?" + q.toString();
  if (src !== shownSrc) { shownSrc = src; $("tryError").textContent = ""; $("frame").src = src; }
}
async function showProxy() {
  const u = unit();
  const q = new URLSearchParams(Object.assign({}, u, {token: token})).toString();
  if (q + version === proxyFor) return;
  proxyFor = q + version;
  const status = await api("/api/proxy?status=1&" + q);
  // The <video> exists only while there is a proxy to play.
  if ($("proxy")) $("proxy").remove();
  if (status.available) {
    const v = document.createElement("video");
    v.id = "proxy";
    v.controls = v.muted = v.playsInline = true;
    v.src = "/api/proxy?" + q;
    $("proxyBox").appendChild(v);
    $("proxyNote").textContent = u.clip + (u.variant ? "." + u.variant : "") + " " + u.platform + " " + u.lang + " (render --proxy)";
  } else {
    $("proxyNote").textContent = status.message || status.error;
  }
  document.body.dataset.proxy = status.available ? "1" : "0";
}
// The output's post (issue 30): its title (or the one tried), the counts against the platform's
// limits, the text as the feed shows it, and the cover made of the frame on show.
let postFor = "";
async function showPost(tried) {
  const u = unit();
  const base = Object.assign({}, u, {token: token});
  if (tried) base.title = $("postTitle").value;
  const q = new URLSearchParams(base).toString();
  const at = frameTime().toFixed(6);
  if (q + at + version === postFor) return;
  postFor = q + at + version;
  const p = await api("/api/post?" + q);
  $("post").hidden = !p.post;
  if (!p.post) return;
  if (!tried) $("postTitle").value = p.title;
  const count = (n, max) => n + (max ? " / " + max : "");
  $("postCounts").textContent = "title " + count(p.title_chars, p.title_max_chars) + ", text " +
    count(p.text_chars, p.text_max_chars) + ", hashtags " + count(p.hashtags, p.hashtags_max);
  $("postCounts").style.color = (p.title_max_chars && p.title_chars > p.title_max_chars) ? "#f88" : "";
  $("postText").textContent = p.text_shown + (p.text_cut ? " ... more" : "");
  $("cover").src = "/api/cover?" + q + "&t=" + at + "&v=" + (version || "");
  $("postNote").textContent = "cover of the frame on show; render chooses the sharpest picture outside transitions";
}
function listProblems() {
  const errors = $("errors");
  errors.innerHTML = "";
  for (const [kind, list] of [["error", campaign.errors], ["warning", campaign.warnings]]) {
    for (const e of list) {
      const li = document.createElement("li");
      li.className = kind;
      li.textContent = kind + ": " + e.text;
      errors.appendChild(li);
    }
  }
}
async function load() {
  campaign = await api("/api/campaign");
  version = campaign.version;
  $("name").textContent = "shortpack studio: " + (campaign.name || campaign.file);
  listProblems();
  fill($("clip"), campaign.clips.map((c) => c.id));
  fillVariants();
  fill($("platform"), campaign.platforms);
  fill($("lang"), campaign.languages);
  fillTryout();
  document.body.dataset.version = version;
  showFrame();
  showProxy();
  showPost(false);
}
async function save() {
  const q = new URLSearchParams({platform: unit().platform});
  for (const k of safeKeys) q.set(k, $(k).value);
  // Caption and logo only when tried: untried, the platform keeps the brand's (or its override's).
  const tried = tryout();
  for (const k of brandKeys) if (k in tried) q.set(k, tried[k]);
  const r = await api("/api/preset?" + q.toString(), {method: "POST"});
  $("saved").textContent = r.saved ? "saved " + r.saved : r.error;
  document.body.dataset.saved = r.saved || "";
}
$("clip").addEventListener("change", () => { fillVariants(); fillTryout(); showFrame(); showProxy(); });
$("variant").addEventListener("change", () => { fillTryout(); showFrame(); showProxy(); });
$("lang").addEventListener("change", () => { showFrame(); showProxy(); });
$("platform").addEventListener("change", () => { fillTryout(); showFrame(); showProxy(); });
$("guides").addEventListener("change", showFrame);
for (const id of safeKeys.concat(brandKeys)) $(id).addEventListener("change", showFrame);
$("slider").addEventListener("input", showFrame);
for (const id of ["clip", "variant", "lang", "platform"]) $(id).addEventListener("change", () => showPost(false));
$("slider").addEventListener("change", () => showPost(true));
$("postTitle").addEventListener("change", () => showPost(true));
$("save").addEventListener("click", save);
$("reset").addEventListener("click", () => { fillTryout(); showFrame(); });
$("frame").addEventListener("load", () => { document.body.dataset.shown = $("frame").src; });
$("frame").addEventListener("error", async () => {
  const r = await fetch($("frame").src);
  if (!r.ok) $("tryError").textContent = (await r.json()).error;
});
setInterval(async () => {
  try { const v = await api("/api/version"); if (v.version !== version) await load(); } catch (e) {}
}, 1000);
load();
</script></body></html>
)page";

}  // namespace

std::string_view page_html() { return kPage; }

}  // namespace shortpack::studio

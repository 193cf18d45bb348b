#!/usr/bin/env node
// Opens a page in headless Chromium and reports, as one JSON object on stdout, what a person
// looking at it would see: the console errors and failed loads, every <video> element's state
// once its metadata loaded (or failed), optionally whether the videos actually play (frames
// decoded and time advancing), the report page's coverage matrix cells, and a full-page
// screenshot.
//
// No dependencies: it speaks Chromium's DevTools protocol over --remote-debugging-pipe (file
// descriptors 3 and 4, one JSON message per NUL-terminated record), so it needs only Node
// (>= 18) and Debian's `chromium` package, and no network.
//
//   node page_probe.mjs (--file PAGE.html | --url URL) [--json-out FILE] [--screenshot OUT.png]
//                       [--play] [--play-to-end] [--timeout-ms 30000] [--width 1280] [--chromium PATH]
//                       [--eval SCRIPT.js]
//
// --eval: after the load, the file's text (a script ending in an expression, typically an async
// arrow function's call, that drives the page) is evaluated in the page and awaited; the value of
// that last expression (JSON) is reported as `eval_result`, before the other probes and the
// screenshot.
//
// The browser is SHORTPACK_CHROMIUM or /usr/bin/chromium. The JSON goes to --json-out, or stdout.
// Exit code 0 when the probe ran (whatever it found: the caller judges), 1 when the browser
// could not be driven (the message is on stderr). PAGE_PROBE_DEBUG=1 logs the steps' times.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const t0 = Date.now();
const debug = (...m) => { if (process.env.PAGE_PROBE_DEBUG) process.stderr.write(`[${Date.now() - t0} ms] ${m.join(' ')}\n`); };

function parseArgs(argv) {
  const args = { url: '', jsonOut: '', screenshot: '', evalFile: '', play: false, playToEnd: false, timeoutMs: 30000, width: 1280,
                 chromium: process.env.SHORTPACK_CHROMIUM || '/usr/bin/chromium' };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const next = () => { if (i + 1 >= argv.length) throw new Error(`${a} needs a value`); return argv[++i]; };
    if (a === '--url') args.url = next();
    else if (a === '--file') args.url = pathToFileURL(resolve(next())).href;
    else if (a === '--json-out') args.jsonOut = next();
    else if (a === '--screenshot') args.screenshot = next();
    else if (a === '--play') args.play = true;
    else if (a === '--play-to-end') { args.play = true; args.playToEnd = true; }
    else if (a === '--eval') args.evalFile = next();
    else if (a === '--timeout-ms') args.timeoutMs = Number(next());
    else if (a === '--width') args.width = Number(next());
    else if (a === '--chromium') args.chromium = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (!args.url) throw new Error('--file or --url is required');
  return args;
}

// A DevTools protocol connection over the pipe pair of a Chromium child process.
class Cdp {
  constructor(child) {
    this.out = child.stdio[3];
    this.in = child.stdio[4];
    this.nextId = 1;
    this.pending = new Map();
    this.listeners = [];
    this.buffer = Buffer.alloc(0);
    this.in.on('data', (chunk) => this.onData(chunk));
    const broken = (e) => this.fail(new Error(`the DevTools pipe broke: ${e.message}`));
    this.out.on('error', broken);
    this.in.on('error', broken);
  }
  onData(chunk) {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    let end;
    while ((end = this.buffer.indexOf(0)) >= 0) {
      const message = JSON.parse(this.buffer.subarray(0, end).toString('utf8'));
      this.buffer = this.buffer.subarray(end + 1);
      if (message.id !== undefined && this.pending.has(message.id)) {
        const { resolve, reject, method } = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) reject(new Error(`${method}: ${message.error.message}`));
        else resolve(message.result);
      } else if (message.method) {
        for (const l of this.listeners) l(message);
      }
    }
  }
  // Rejects every pending and later command (the browser is gone).
  fail(error) {
    this.failure = error;
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
  send(method, params = {}, sessionId = undefined) {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, method });
      this.out.write(JSON.stringify(message) + '\0');
    });
  }
  on(listener) { this.listeners.push(listener); }
  waitFor(predicate, timeoutMs, what) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.on((m) => { if (predicate(m)) { clearTimeout(timer); resolve(m); } });
    });
  }
}

// Runs in the page: waits until every <video> has its metadata (readyState >= 1) or an error,
// then (with `play`) plays each one muted until it has presented frames and its clock moved.
const PAGE_PROBE = (play, timeoutMs, toEnd = false) => `(async () => {
  const deadline = performance.now() + ${timeoutMs};
  const videos = [...document.querySelectorAll('video')];
  const settle = (v) => new Promise((resolve) => {
    if (v.error || v.readyState >= 1) return resolve();
    const done = () => resolve();
    v.addEventListener('loadedmetadata', done, { once: true });
    v.addEventListener('error', done, { once: true });
    setTimeout(done, Math.max(0, deadline - performance.now()));
  });
  await Promise.all(videos.map(settle));
  const played = [];
  if (${play}) {
    for (const v of videos) {
      const r = { frames_presented: 0, current_time_s: 0, play_error: '', ended: false };
      if (!v.error) {
        v.muted = true;
        let frames = 0;
        const count = () => { frames += 1; v.requestVideoFrameCallback(count); };
        if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(count);
        try {
          await v.play();
          // (to the end: until it ends, within the probe's timeout)
          const until = ${toEnd} ? deadline : Math.min(deadline, performance.now() + 8000);
          while (performance.now() < until && (${toEnd} || !(frames >= 5 && v.currentTime >= 0.3)) && !v.error && !v.ended) {
            await new Promise((res) => setTimeout(res, 50));
          }
          v.pause();
        } catch (e) {
          r.play_error = String(e && e.message || e);
        }
        r.frames_presented = frames;
        r.ended = v.ended;
        r.current_time_s = v.currentTime;
      }
      played.push(r);
    }
  }
  const mime = 'video/mp4; codecs="avc1.640028, mp4a.40.2"';
  return {
    title: document.title,
    can_play_h264_aac: document.createElement('video').canPlayType(mime),
    videos: videos.map((v, i) => ({
      id: v.id,
      src: v.getAttribute('src'),
      current_src: v.currentSrc,
      poster: v.getAttribute('poster') || '',
      preload: v.getAttribute('preload') || '',
      controls: v.controls,
      ready_state: v.readyState,
      network_state: v.networkState,
      video_width: v.videoWidth,
      video_height: v.videoHeight,
      duration_s: Number.isFinite(v.duration) ? v.duration : null,
      error_code: v.error ? v.error.code : 0,
      error_message: v.error ? v.error.message : '',
      ...(played[i] || {}),
    })),
    images: [...document.images].map((im) => ({ src: im.getAttribute('src'), complete: im.complete,
                                               natural_width: im.naturalWidth, natural_height: im.naturalHeight })),
    matrix: [...document.querySelectorAll('[data-cell]')].map((c) => ({
      clip: c.dataset.clip, platform: c.dataset.platform, language: c.dataset.language,
      status: c.dataset.status, title: c.getAttribute('title') || '', text: c.textContent.trim(),
    })),
    text_length: document.body ? document.body.innerText.length : 0,
  };
})()`;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const profile = mkdtempSync(join(tmpdir(), 'shortpack-chromium-'));
  const flags = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-default-apps', '--disable-extensions', '--disable-dev-shm-usage', '--mute-audio',
    '--autoplay-policy=no-user-gesture-required', '--remote-debugging-pipe',
    `--user-data-dir=${profile}`, 'about:blank',
  ];
  const child = spawn(args.chromium, flags, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d.toString(); });
  const spawnError = new Promise((_, reject) => child.on('error', (e) => reject(new Error(`cannot start ${args.chromium}: ${e.message}`))));
  // 'error' without 'exit' when it could not be started at all.
  const exited = new Promise((resolve) => { child.once('exit', resolve); child.once('error', resolve); });
  const killer = setTimeout(() => { child.kill('SIGKILL'); }, args.timeoutMs + 30000);
  const cdp = new Cdp(child);
  child.once('exit', (code, signal) => {
    const log = stderr.split('\n').filter((l) => l && !l.includes('dbus')).slice(-5).join('\n');
    cdp.fail(new Error(`Chromium exited (${signal || code})${log ? ':\n' + log : ''}`));
  });
  try {
    const result = await Promise.race([spawnError, probe(cdp, args)]);
    // The browser's own log, without the noise of a machine with no D-Bus session.
    result.browser_log_tail = stderr.split('\n').filter((l) => l && !l.includes('dbus')).slice(-10);
    const text = JSON.stringify(result, null, 2) + '\n';
    if (args.jsonOut) writeFileSync(args.jsonOut, text);
    else process.stdout.write(text);
    await cdp.send('Browser.close').catch(() => {});
  } finally {
    clearTimeout(killer);
    if (!(await within(exited, 10000))) {
      child.kill('SIGKILL');
      await within(exited, 5000);
    }
    // Chromium's helper processes may hold the pipes a moment longer; do not wait for them.
    for (const stream of [child.stderr, child.stdio[3], child.stdio[4]]) stream.destroy();
    rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

// Resolves to true when `promise` settles within `ms`, false otherwise (and leaves no timer behind).
function within(promise, ms) {
  let timer;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([promise.then(() => true), timeout]).finally(() => clearTimeout(timer));
}

async function probe(cdp, args) {
  const version = await cdp.send('Browser.getVersion');
  debug('browser up');
  const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
  const s = (method, params) => cdp.send(method, params, sessionId);
  debug('attached');

  const consoleErrors = [];
  const requests = [];
  const urlOf = new Map();  // requestId -> url
  cdp.on((m) => {
    if (m.sessionId !== sessionId) return;
    if (m.method === 'Network.requestWillBeSent') {
      requests.push(m.params.request.url);
      urlOf.set(m.params.requestId, m.params.request.url);
    }
    if (m.method === 'Runtime.consoleAPICalled' && (m.params.type === 'error' || m.params.type === 'assert')) {
      consoleErrors.push({ source: 'console', text: m.params.args.map((a) => a.value ?? a.description ?? '').join(' ') });
    } else if (m.method === 'Runtime.exceptionThrown') {
      const d = m.params.exceptionDetails;
      consoleErrors.push({ source: 'exception', text: (d.exception && d.exception.description) || d.text });
    } else if (m.method === 'Log.entryAdded' && m.params.entry.level === 'error') {
      consoleErrors.push({ source: m.params.entry.source, text: m.params.entry.text, url: m.params.entry.url || '' });
    } else if (m.method === 'Network.loadingFailed' && !m.params.canceled) {
      consoleErrors.push({ source: 'network', text: m.params.errorText, url: urlOf.get(m.params.requestId) || '' });
    }
  });
  await s('Runtime.enable');
  await s('Log.enable');
  await s('Network.enable');
  await s('Page.enable');
  await s('Emulation.setDeviceMetricsOverride', { width: args.width, height: 900, deviceScaleFactor: 1, mobile: false });
  const loaded = cdp.waitFor((m) => m.sessionId === sessionId && m.method === 'Page.loadEventFired', args.timeoutMs, 'the page load');
  debug('navigating');
  const nav = await s('Page.navigate', { url: args.url });
  debug('navigated');
  if (nav.errorText) throw new Error(`cannot open ${args.url}: ${nav.errorText}`);
  await loaded;
  debug('page loaded');

  let evalResult = null;
  if (args.evalFile) {
    const driven = await s('Runtime.evaluate', {
      expression: readFileSync(args.evalFile, 'utf8'), awaitPromise: true, returnByValue: true,
      userGesture: true, timeout: args.timeoutMs,
    });
    if (driven.exceptionDetails) {
      throw new Error(`the --eval script failed: ${JSON.stringify(driven.exceptionDetails)}`);
    }
    evalResult = driven.result.value;
    debug('eval done');
  }

  const evaluated = await s('Runtime.evaluate', {
    expression: PAGE_PROBE(args.play, args.timeoutMs, args.playToEnd), awaitPromise: true, returnByValue: true,
    userGesture: true, timeout: args.timeoutMs + 10000,
  });
  if (evaluated.exceptionDetails) {
    throw new Error(`the page probe failed: ${JSON.stringify(evaluated.exceptionDetails)}`);
  }
  const page = evaluated.result.value;
  debug('page probed');

  let screenshot = '';
  if (args.screenshot) {
    const metrics = await s('Page.getLayoutMetrics');
    const size = metrics.cssContentSize || metrics.contentSize;
    const height = Math.min(Math.ceil(size.height), 16000);
    await s('Emulation.setDeviceMetricsOverride', { width: args.width, height, deviceScaleFactor: 1, mobile: false });
    // Let layout and the posters settle at the new size.
    await s('Runtime.evaluate', { expression: 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))', awaitPromise: true });
    const shot = await s('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    writeFileSync(args.screenshot, Buffer.from(shot.data, 'base64'));
    screenshot = args.screenshot;
  }
  return { browser: version.product, user_agent: version.userAgent, url: args.url, console_errors: consoleErrors,
           requests: [...new Set(requests)].map((u) => (u.length > 200 ? u.slice(0, 200) + '…' : u)), screenshot, eval_result: evalResult, ...page };
}

process.on('exit', () => debug('exit'));
main().catch((e) => {
  process.stderr.write(`page_probe: ${e.message}\n`);
  process.exit(1);
});

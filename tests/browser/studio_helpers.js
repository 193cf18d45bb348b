// Shared by the studio page's scenarios: test_studio_page.cpp puts this and a scenario's text
// together in one block, which page_probe.mjs --eval evaluates (the scenario's call is the last
// expression, so its promise is the value awaited; in a block these names do not clash with the
// page's own globals).
const $ = (id) => document.getElementById(id);
const until = async (pred, ms, what) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('timed out waiting for ' + what);
};

// Drives the studio page's preset try-out (evaluated in it by page_probe.mjs --eval, after
// studio_helpers.js): waits for the campaign, its warnings list and the review proxy, turns the
// guides on, sets the safe zone's top to 200 px, the caption size to 0.08 and the logo to the
// bottom left, and returns the bytes of the frame then shown; clicks "save", waits for the page to
// reload the campaign with the saved preset and returns the bytes of the frame shown then (drawn
// from the saved preset alone, without try-out values in its request).
(async () => {
  const shown = () => document.body.dataset.shown === $('frame').src && $('frame').complete;
  const bytes = async () => Array.from(new Uint8Array(await (await fetch($('frame').src)).arrayBuffer()));
  await until(() => $('platform').options.length > 0 && document.body.dataset.proxy !== undefined, 15000,
              'the campaign');
  const out = { warnings: [...document.querySelectorAll('#errors li.warning')].map((li) => li.textContent),
                errors: [...document.querySelectorAll('#errors li.error')].map((li) => li.textContent),
                proxy_available: document.body.dataset.proxy, proxy_note: $('proxyNote').textContent,
                top_before: $('top_px').value };
  $('guides').checked = true;
  $('guides').dispatchEvent(new Event('change'));
  $('slider').value = '@FRAME@';
  $('slider').dispatchEvent(new Event('input'));
  for (const [id, value] of [['top_px', '200'], ['caption_size', '0.08'], ['logo_position', 'bottom-left']]) {
    $(id).value = value;
    $(id).dispatchEvent(new Event('change'));
  }
  await until(() => shown() && $('frame').src.includes('top_px=200') && $('frame').src.includes('caption_size=0.08') &&
                    $('frame').src.includes('logo_position=bottom-left'), 30000, 'the tried frame');
  out.tried_src = $('frame').src;
  out.tried_png = await bytes();
  const version = document.body.dataset.version;
  $('save').click();
  await until(() => document.body.dataset.saved, 10000, 'the save');
  out.saved = document.body.dataset.saved;
  await until(() => document.body.dataset.version !== version && shown() && !$('frame').src.includes('top_px'),
              30000, 'the reload with the saved preset');
  out.after_src = $('frame').src;
  out.after_png = await bytes();
  out.top_after = $('top_px').value;
  out.logo_after = $('logo_position').value;
  return out;
})()

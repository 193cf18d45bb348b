// Drives the studio page (evaluated in it by page_probe.mjs --eval, after studio_helpers.js; the
// test replaces the @VARIANT@, @PLATFORM@, @LANG@ and @FRAME@ placeholders): picks a variant (a
// row of the campaign's variants table), a platform and a language, scrubs to a frame, turns the
// guides on, and returns the bytes of the image then shown; then waits for the campaign's name to
// change on the page (the test edits the file meanwhile).
(async () => {
  await until(() => $('platform').options.length > 0, 15000, 'the campaign');
  const out = { first_name: $('name').textContent, platforms: [...$('platform').options].map((o) => o.value) };
  const set = (id, v) => { $(id).value = v; $(id).dispatchEvent(new Event('change')); };
  out.variants = [...$('variant').options].map((o) => o.value);
  set('variant', '@VARIANT@');
  set('platform', '@PLATFORM@');
  set('lang', '@LANG@');
  $('slider').value = '@FRAME@';
  $('slider').dispatchEvent(new Event('input'));
  $('guides').checked = true;
  $('guides').dispatchEvent(new Event('change'));
  await until(() => document.body.dataset.shown === $('frame').src && $('frame').complete, 30000, 'the frame');
  out.src = $('frame').src;
  out.brand_file = $('brandFile').textContent;  // the try-out starts from the row's own brand
  out.logo_position = $('logo_position').value;
  out.natural_width = $('frame').naturalWidth;
  out.natural_height = $('frame').naturalHeight;
  const r = await fetch($('frame').src);
  out.png = Array.from(new Uint8Array(await r.arrayBuffer()));
  out.where = $('where').textContent;
  await until(() => $('name').textContent.includes('renamed'), 30000, 'the live reload');
  out.reloaded_name = $('name').textContent;
  out.errors_shown = $('errors').children.length;
  return out;
})()

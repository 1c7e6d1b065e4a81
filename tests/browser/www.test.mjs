// End-to-end tests of the www/ demo page in headless Chromium against the real local worker.
// Screenshots of every run go to screenshots/ (git-ignored).
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SCREENSHOTS, launch, loadPackage, openDevice, requireBuilds, signIn, startServer, uniqueUser, watch } from './helpers.mjs';

const SPACE = 1n << 64n;
let server;
let browser;
let pkg;
const problems = [];

let testContexts = [];
async function device(opts) {
  const d = await openDevice(browser, server.url, problems, opts).catch((e) => {
    // Show what the worker said when the page does not even load.
    throw new Error(`${e.message}\n--- worker log (tail) ---\n${server.logs?.().slice(-4000) ?? ''}`);
  });
  testContexts.push(d.context);
  return d;
}
const text = (page, sel) => page.locator(sel).textContent();

before(async () => {
  requireBuilds({ worker: !process.env.BROWSER_TEST_URL });
  // One at a time, so that after() can stop whatever did start if a later step fails.
  pkg = await loadPackage();
  browser = await launch();
  server = await startServer();
});
// Each test closes the devices it opened.
afterEach(async () => {
  for (const c of testContexts) await c.close().catch(() => {});
  testContexts = [];
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('sign in shows the session with live expiry countdowns', async () => {
  const { page } = await device();
  assert.equal(await page.isVisible('#signin'), true);
  const user = uniqueUser('alice');
  await signIn(page, user, 'laptop');
  assert.equal(await text(page, '#s-device'), 'laptop');
  assert.equal(await text(page, '#s-version'), '1');
  assert.match(await page.locator('#status').textContent(), /Signed in as/);
  const ring = await page.evaluate(() => fetch('/api/ring').then((r) => r.json()));
  assert.ok(ring.shards.some((s) => s.name === ring.shards.find((x) => x.name === s.name).name));
  const shard = await text(page, '#s-shard');
  assert.ok(ring.shards.map((s) => s.name).includes(shard), `shard ${shard} is on the ring`);
  // New sessions go where the ring says.
  const r = pkg.Ring.fromJSON(JSON.stringify(ring.config));
  assert.equal(shard, r.locate(user));
  const idle1 = await text(page, '#s-idle');
  assert.match(idle1, /^in /);
  assert.match(await text(page, '#s-absolute'), /^in /);
  await page.waitForFunction((t) => document.getElementById('s-idle').textContent !== t, idle1, { timeout: 3000 });
  // The session's own device is listed and marked.
  await page.waitForSelector('#device-table tbody tr.current');
  assert.match(await text(page, '#device-table tbody tr.current'), /laptop.*this device/);
  await page.screenshot({ path: join(SCREENSHOTS, 'signed-in.png'), fullPage: true });
});

test('edit the data: saved with a new version; invalid JSON is refused in the page', async () => {
  const { page } = await device();
  await signIn(page, uniqueUser('edit'), 'desktop');
  await page.fill('#data', '{"theme": "dark", "n": 1}');
  await page.click('#save-btn');
  await page.waitForFunction(() => document.getElementById('s-version').textContent === '2');
  assert.match(await text(page, '#status'), /Saved: now version 2/);
  const server = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
  assert.deepEqual(server.data, { theme: 'dark', n: 1 });
  assert.equal(server.version, 2);

  await page.fill('#data', '{"theme": ');
  await page.click('#save-btn');
  assert.equal(await page.isVisible('#data-error'), true);
  assert.match(await text(page, '#data-error'), /Not valid JSON/);
  assert.equal(await page.getAttribute('#data', 'aria-invalid'), 'true');
  await page.fill('#data', '[1, 2]');
  await page.click('#save-btn');
  assert.match(await text(page, '#data-error'), /must be a JSON object/);
  assert.equal(await text(page, '#s-version'), '2');
});

test('a conflicting edit from a second tab shows the conflict message and offers a reload', async () => {
  const { context, page: tab1 } = await device();
  await signIn(tab1, uniqueUser('conflict'), 'laptop');
  const tab2 = watch(await context.newPage(), problems);
  await tab2.goto(server.url);
  await tab2.waitForSelector('#session:not([hidden])');
  await tab2.fill('#data', '{"from": "tab2"}');
  await tab2.click('#save-btn');
  await tab2.waitForFunction(() => document.getElementById('s-version').textContent === '2');

  await tab1.bringToFront(); // a background tab gets no animation frames: Playwright's clicks wait on them
  await tab1.fill('#data', '{"from": "tab1"}');
  await tab1.click('#save-btn');
  await tab1.waitForSelector('#conflict:not([hidden])');
  const msg = await text(tab1, '#conflict-msg');
  assert.match(msg, /changed elsewhere/);
  assert.match(msg, /now at version 2/);
  assert.match(msg, /based on version 1/);
  assert.equal(await text(tab1, '#conflict-draft'), '{"from": "tab1"}');
  assert.equal(await tab1.evaluate(() => document.activeElement.id), 'reload-btn');
  await tab1.screenshot({ path: join(SCREENSHOTS, 'conflict.png'), fullPage: true });
  // Nothing was overwritten.
  const now = await tab1.evaluate(() => fetch('/api/session').then((r) => r.json()));
  assert.deepEqual(now.data, { from: 'tab2' });

  await tab1.click('#reload-btn');
  await tab1.waitForSelector('#conflict', { state: 'hidden' });
  assert.deepEqual(JSON.parse(await tab1.inputValue('#data')), { from: 'tab2' });
  assert.equal(await text(tab1, '#s-version'), '2');
  await tab1.fill('#data', '{"from": "tab1", "merged": true}');
  await tab1.click('#save-btn');
  await tab1.waitForFunction(() => document.getElementById('s-version').textContent === '3');
});

test('rotate gives a new id and cookie and keeps the data; inside the grace window the old cookie resolves to the new session', async () => {
  const { context, page } = await device();
  await signIn(page, uniqueUser('rotate'), 'laptop');
  await page.fill('#data', '{"keep": "me"}');
  await page.click('#save-btn');
  await page.waitForFunction(() => document.getElementById('s-version').textContent === '2');
  const oldId = await text(page, '#s-id');
  const oldCookie = (await context.cookies()).find((c) => c.name === '__Host-session');
  assert.ok(oldCookie, 'the session cookie is set');
  assert.equal(oldCookie.httpOnly, true);
  assert.equal(await page.evaluate(() => document.cookie.includes('__Host-session')), false, 'the page cannot read the token');

  await page.click('#rotate-btn');
  await page.waitForSelector('#rotated:not([hidden])');
  const newId = await text(page, '#s-id');
  assert.notEqual(newId, oldId);
  assert.equal(await text(page, '#rotated .old-id'), oldId);
  assert.equal(await text(page, '#rotated .new-id'), newId);
  const newCookie = (await context.cookies()).find((c) => c.name === '__Host-session');
  assert.notEqual(newCookie.value, oldCookie.value);
  const kept = await page.evaluate(() => fetch('/api/session').then((r) => r.json()));
  assert.deepEqual(kept.data, { keep: 'me' });
  assert.equal(kept.id, newId);
  const late = await fetch(`${server.url}/api/session`, { headers: { cookie: `__Host-session=${oldCookie.value}` } });
  assert.equal(late.status, 200);
  assert.equal((await late.json()).id, newId);
  const caughtUp = (late.headers.getSetCookie()[0] ?? '').match(/^__Host-session=([^;]+);/)?.[1];
  assert.ok(caughtUp, "the successor's cookie");
  const again = await fetch(`${server.url}/api/session`, { headers: { cookie: `__Host-session=${caughtUp}` } });
  assert.equal((await again.json()).id, newId);
});

test('sign out ends the session', async () => {
  const { page } = await device();
  await signIn(page, uniqueUser('out'), 'laptop');
  await page.click('#signout-btn');
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.isVisible('#session'), false);
  assert.match(await text(page, '#status'), /Signed out/);
  assert.equal(await page.evaluate(() => fetch('/api/session').then((r) => r.status)), 401);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await page.isVisible('#signin'), true);
});

test('devices see each other, one is signed out from another, and "sign out everywhere" ends the rest', async () => {
  const user = uniqueUser('multi');
  const a = await device();
  const b = await device();
  const c = await device();
  await signIn(a.page, user, 'laptop');
  await signIn(b.page, user, 'phone');
  await signIn(c.page, user, 'tablet');

  await a.page.click('#refresh-btn');
  await a.page.waitForFunction(() => document.querySelectorAll('#device-table tbody tr').length === 3);
  const rows = await a.page.locator('#device-table tbody tr').allTextContents();
  assert.equal(rows.filter((r) => r.includes('this device')).length, 1);
  assert.ok(rows.some((r) => r.startsWith('phone')) && rows.some((r) => r.startsWith('tablet')));
  await b.page.click('#refresh-btn');
  await b.page.waitForFunction(() => document.querySelectorAll('#device-table tbody tr').length === 3);
  assert.match(await text(b.page, '#device-table tbody tr.current'), /^phone/);
  await a.page.screenshot({ path: join(SCREENSHOTS, 'devices.png'), fullPage: true });

  // One by one: the laptop signs the tablet out.
  await a.page.getByRole('button', { name: 'Sign out tablet' }).click();
  await a.page.waitForFunction(() => document.querySelectorAll('#device-table tbody tr').length === 2);
  await c.page.click('#refresh-btn');
  await c.page.waitForSelector('#signin:not([hidden])');
  assert.match(await text(c.page, '#status'), /session has ended/);

  // Everywhere: the phone ends both remaining sessions.
  await b.page.click('#signout-all-btn');
  await b.page.waitForSelector('#signin:not([hidden])');
  assert.match(await text(b.page, '#status'), /Signed out everywhere: 2 sessions ended/);
  await a.page.click('#refresh-btn');
  await a.page.waitForSelector('#signin:not([hidden])');
  assert.match(await text(a.page, '#status'), /session has ended/);
  for (const p of [a.page, b.page]) assert.equal(await p.evaluate(() => fetch('/api/session').then((r) => r.status)), 401);
});

test('where you are signed in: each device shows its browser, OS and address, in the session and the list', async () => {
  const user = uniqueUser('where');
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
  const a = await device({ userAgent: firefox });
  const b = await device({ userAgent: iphone });
  await signIn(a.page, user, 'desk');
  await signIn(b.page, user, 'pocket');
  const from = await text(a.page, '#s-from');
  assert.match(from, /^Firefox on Linux · 127\.0\.0\.1\b/, from);
  await a.page.click('#refresh-btn');
  await a.page.waitForFunction(() => document.querySelectorAll('#device-table tbody tr').length === 2);
  const rows = await a.page.locator('#device-table tbody tr').allTextContents();
  assert.ok(rows.some((r) => r.startsWith('pocket') && r.includes('Safari on iOS · 127.0.0.1')), rows.join('\n'));
  assert.ok(rows.some((r) => r.startsWith('desk') && r.includes('Firefox on Linux')), rows.join('\n'));
  await a.page.locator('#devices').screenshot({ path: join(SCREENSHOTS, 'where-signed-in.png') });

  // Signing the phone out from the laptop leaves it in the ended sessions, with its reason.
  await a.page.getByRole('button', { name: 'Sign out pocket' }).click();
  await a.page.waitForFunction(() => document.querySelectorAll('#history-table tbody tr').length === 1);
  const ended = await a.page.locator('#history-table tbody tr').first().textContent();
  assert.match(ended, /^pocketSafari on iOS · 127\.0\.0\.1.*signed out from another device$/, ended);
  assert.equal(await a.page.locator('#history-table tbody tr').first().getAttribute('data-reason'), 'revoked');
  await a.page.locator('#devices').screenshot({ path: join(SCREENSHOTS, 'history.png') });
});

test('the ring is drawn to its exact shares, with the user marked on the shard', async () => {
  const { page } = await device();
  const user = uniqueUser('ring');
  await signIn(page, user, 'laptop');
  const ring = await page.evaluate(() => fetch('/api/ring').then((r) => r.json()));
  await page.waitForSelector('#ring-svg .marker');
  // One path per arc, carrying the exact arc; lengths per shard sum to the exact shares.
  const drawn = await page.$$eval('#ring-svg path.arc', (ps) => ps.map((p) => ({ shard: p.dataset.shard, start: p.dataset.start, len: p.dataset.len })));
  assert.deepEqual(drawn, ring.arcs.map((a) => ({ shard: a.shard, start: String(a.start), len: String(a.len) })));
  const sums = new Map();
  for (const a of drawn) sums.set(a.shard, (sums.get(a.shard) ?? 0n) + BigInt(a.len));
  for (const s of ring.shards) assert.equal(sums.get(s.name), BigInt(s.owned), `${s.name} drawn to its share`);
  assert.equal([...sums.values()].reduce((x, y) => x + y, 0n), SPACE);
  // Distinct colours, one label per shard with its weight.
  const strokes = await page.$$eval('#ring-svg path.arc', (ps) => [...new Set(ps.map((p) => `${p.dataset.shard}=${p.getAttribute('stroke')}`))]);
  assert.equal(new Set(strokes.map((s) => s.split('=')[1])).size, ring.shards.length);
  for (const s of ring.shards) {
    assert.match(await text(page, `#ring-svg text.label[data-shard="${s.name}"]`), new RegExp(`w${s.weight} · `));
  }
  assert.equal(await page.locator('#legend tbody tr').count(), ring.shards.length);
  // The marker sits at the user's position (computed here by the package in Node) on the user's shard.
  const r = pkg.Ring.fromJSON(JSON.stringify(ring.config));
  const pos = BigInt(r.position(user));
  const f = Number(await page.getAttribute('#ring-svg .marker', 'data-fraction'));
  assert.ok(Math.abs(f - Number(pos) / 2 ** 64) < 1e-12);
  assert.match(await text(page, '#position'), new RegExp(`on ${r.locate(user)}`));
  // The live picture is placed by the lean build: the page fetched its wasm.
  const wasms = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname).filter((p) => p.endsWith('.wasm')));
  assert.ok(wasms.includes('/pkg/lite/edge_session_lite_bg.wasm'), wasms.join());
  await page.locator('#ring').screenshot({ path: join(SCREENSHOTS, 'ring.png') });
});

/** Exact moved space between two rings, from their arcs (independent of the page and of movedFraction). */
function movedFromArcs(a, b) {
  const xs = a.arcs().map((x) => ({ s: BigInt(x.start), e: BigInt(x.start) + BigInt(x.len), o: x.shard }));
  const ys = b.arcs().map((x) => ({ s: BigInt(x.start), e: BigInt(x.start) + BigInt(x.len), o: x.shard }));
  const cuts = [...new Set([...xs, ...ys].flatMap((x) => [x.s, x.e]).map(String))].map(BigInt).sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
  const owner = (arcs, p) => arcs.find((x) => p >= x.s && p < x.e).o;
  let moved = 0n;
  for (let i = 0; i + 1 < cuts.length; i += 1) if (owner(xs, cuts[i]) !== owner(ys, cuts[i])) moved += cuts[i + 1] - cuts[i];
  return moved;
}

test('what-if: the moved fraction shown equals the core\'s figure', async () => {
  const { page } = await device();
  await signIn(page, uniqueUser('whatif'), 'laptop');
  const ring = await page.evaluate(() => fetch('/api/ring').then((r) => r.json()));
  await page.waitForSelector('#whatif-form:not([hidden])');
  await page.waitForSelector('#wi-apply:not([disabled])'); // the panel's core is loaded
  const live = pkg.Ring.fromJSON(JSON.stringify(ring.config));

  // 1. Add a shard of weight 2: exactly its new share moves, all of it to the new shard.
  await page.selectOption('#wi-op', 'add');
  await page.fill('#wi-name', 'shard-new');
  await page.fill('#wi-weight', '2');
  await page.click('#wi-apply');
  await page.waitForSelector('#wi-result[data-moved]');
  const added = live.clone();
  added.add({ name: 'shard-new', weight: 2 });
  const exact = movedFromArcs(live, added);
  const newShare = BigInt(added.shares().find((s) => s.name === 'shard-new').owned);
  assert.equal(exact, newShare, 'an add moves exactly the new share');
  const shown = Number(await page.getAttribute('#wi-result', 'data-moved'));
  assert.equal(shown, pkg.Ring.movedFraction(live, added));
  assert.ok(Math.abs(shown - Number(exact) / 2 ** 64) < 1e-15, `${shown} vs ${Number(exact) / 2 ** 64}`);
  assert.equal(await text(page, '#wi-moved'), `${(Number(exact) / 2 ** 64 * 100).toFixed(2)}%`);
  // Every highlighted piece goes to the new shard and they add up to the moved space.
  const pieces = await page.$$eval('#whatif-svg path.moved', (ps) => ps.map((p) => ({ to: p.dataset.to, len: p.dataset.len })));
  assert.ok(pieces.length > 0);
  assert.ok(pieces.every((p) => p.to === 'shard-new'));
  assert.equal(pieces.reduce((s, p) => s + BigInt(p.len), 0n), exact);
  await page.locator('#whatif').screenshot({ path: join(SCREENSHOTS, 'whatif.png') });

  // 2. Stack a weight change, then a removal: still the core's figure against the live ring.
  await page.selectOption('#wi-op', 'weight');
  const first = ring.shards[0].name;
  await page.fill('#wi-name', first);
  await page.fill('#wi-weight', '5');
  await page.click('#wi-apply');
  await page.selectOption('#wi-op', 'remove');
  const last = ring.shards[ring.shards.length - 1].name;
  await page.fill('#wi-name', last);
  await page.click('#wi-apply');
  await page.waitForFunction((n) => document.getElementById('wi-result').textContent.includes(`then remove ${n}`), last);
  const stacked = added.clone();
  stacked.setWeight(first, 5);
  stacked.remove(last);
  const exact2 = movedFromArcs(live, stacked);
  const shown2 = Number(await page.getAttribute('#wi-result', 'data-moved'));
  assert.ok(Math.abs(shown2 - Number(exact2) / 2 ** 64) < 1e-15, `${shown2} vs ${Number(exact2) / 2 ** 64}`);
  assert.equal(await text(page, '#wi-moved'), `${(Number(exact2) / 2 ** 64 * 100).toFixed(2)}%`);
  assert.match(await text(page, '#wi-result'), new RegExp(`epoch ${live.epoch} → ${live.epoch + 3}`));

  // 3. An impossible change is explained, and reset returns to the live ring.
  await page.selectOption('#wi-op', 'add');
  await page.fill('#wi-name', first);
  await page.click('#wi-apply');
  await page.waitForFunction(() => document.getElementById('wi-result').classList.contains('error'));
  assert.match(await text(page, '#wi-result'), /not possible/);
  await page.click('#wi-reset');
  assert.equal(await page.getAttribute('#wi-result', 'data-moved'), null);
  assert.equal(await page.isVisible('#wi-view'), false);
});

test('keyboard only: sign in and operate the what-if panel; focus is visible', async () => {
  const { page } = await device();
  await page.focus('#user');
  await page.keyboard.type(uniqueUser('kbd'));
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'device');
  await page.keyboard.type('keyboard');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#session:not([hidden])');
  // The what-if panel works once the wasm core has loaded: its button is disabled (and skipped
  // by Tab) until then.
  await page.waitForSelector('#wi-apply:not([disabled])');
  await page.focus('#wi-name');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'wi-apply');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'focused button shows an outline');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#wi-result[data-moved]');
  // Every input has a label.
  const unlabelled = await page.$$eval('input, select, textarea', (els) => els.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id));
  assert.deepEqual(unlabelled, []);
});

test('readable at 375 px: nothing overflows sideways', async () => {
  const { page } = await device({ width: 375, height: 812 });
  await signIn(page, uniqueUser('narrow'), 'phone');
  await page.click('#wi-apply');
  await page.waitForSelector('#wi-result[data-moved]');
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `page is ${scroll}px wide in a ${client}px viewport`);
  await page.screenshot({ path: join(SCREENSHOTS, 'narrow-375.png'), fullPage: true });
  await page.locator('#ring').screenshot({ path: join(SCREENSHOTS, 'ring-375.png') });
});

test('remember me off gives a browser-session cookie; a sensitive action asks for re-authentication, which keeps the id', async () => {
  const { page, context } = await device();
  await page.goto(`${server.url}/?fresh_age=1`);
  await page.waitForSelector('body[data-ready="true"]');
  assert.equal(await text(page, '#fresh-age'), '1');
  await page.uncheck('#remember');
  await signIn(page, uniqueUser('reauth'), 'kiosk');
  assert.match(await text(page, '#s-cookie'), /this browser session only/);
  const cookie = (await context.cookies()).find((c) => c.name === '__Host-session');
  assert.equal(cookie.expires, -1, 'a session cookie: no Max-Age or Expires');
  await page.click('#sensitive-btn');
  await page.waitForSelector('#sensitive-ok:not([hidden])');
  assert.match(await text(page, '#sensitive-ok'), /^Allowed: you authenticated \ds ago/);
  const id = await text(page, '#s-id');
  // Rotation keeps the sign-in time, so after it the action still asks.
  await page.waitForTimeout(2100);
  await page.click('#rotate-btn');
  await page.waitForFunction((old) => document.getElementById('s-id').textContent !== old, id);
  const rotated = await text(page, '#s-id');
  assert.equal((await context.cookies()).find((c) => c.name === '__Host-session').expires, -1, 'rotation keeps it a session cookie');
  await page.click('#sensitive-btn');
  await page.waitForSelector('#reauth:not([hidden])');
  assert.match(await text(page, '#reauth-msg'), /needs a sign-in at most 1 s old; you authenticated \ds ago/);
  assert.equal(await page.isVisible('#session'), true, 'still signed in');
  assert.match(await text(page, '#status'), /Re-authentication required/);
  await page.screenshot({ path: join(SCREENSHOTS, 'reauth.png'), fullPage: true });
  await page.click('#reauth-btn');
  await page.waitForSelector('#reauth', { state: 'hidden' });
  await page.waitForSelector('#sensitive-ok:not([hidden])');
  assert.equal(await text(page, '#s-id'), rotated, 'the same session id');
  assert.match(await text(page, '#s-auth'), /^[01]s ago$/);
  await page.locator('#session').screenshot({ path: join(SCREENSHOTS, 'reauth-done.png') });
});

test('no console errors or warnings on any page', () => {
  assert.deepEqual(problems, []);
});

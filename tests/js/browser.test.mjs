// The web build in headless Chromium (playwright-core + Debian's chromium): ESM with an explicit
// `init()` and the self-initialising `edge-session/auto` entry, and the lean `edge-session/lite`; golden vectors (tokens, sealed tokens, ring, gateway headers) and a session
// lifecycle over MemoryStore in the page. Loopback only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { KEYS, PKG, ROOT, pkg } from './helpers.mjs';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json', '.html': 'text/html' };

test('web build in Chromium: explicit init and auto init, vectors and a session lifecycle', async (t) => {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const base = url.pathname.startsWith('/vectors/') ? join(ROOT, 'tests') : PKG;
    const file = normalize(join(base, url.pathname));
    if (!file.startsWith(base)) return res.writeHead(403).end();
    try {
      const body = url.pathname === '/' ? '<!doctype html><title>t</title>' : await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'text/html' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = await page.evaluate(async (KEYS) => {
    const web = await import('/web/index.js');
    let before;
    try { new web.Ring([{ name: 'a' }]); } catch (e) { before = 'threw before init'; }
    if (web.default !== web.init) throw new Error('web/index.js: the default export is init');
    await web.default();
    await web.init(); // idempotent
    const tokens = await (await fetch('/vectors/tokens.json')).json();
    const ringDoc = await (await fetch('/vectors/ring.json')).json();
    const kr = web.Keyring.fromJSON(tokens.keyring);
    const verified = tokens.valid.every((c) => kr.verify(c.token, tokens.now).sessionId === c.claims.session_id);
    const refused = tokens.invalid.every((c) => { try { kr.verify(c.token, tokens.now); return false; } catch (e) { return e.code === 'invalid_token'; } });
    const sealedDoc = await (await fetch('/vectors/sealed.json')).json();
    const sk = web.Keyring.fromJSON(sealedDoc.keyring);
    const sealedOpen = sealedDoc.valid.every((c) => { const o = sk.unseal(c.token, sealedDoc.now); return o.kid === c.kid && o.sessionId === c.claims.session_id && o.payload === c.claims.payload; });
    const sealedRefused = sealedDoc.invalid.every((c) => { try { sk.unseal(c.token, sealedDoc.now); return false; } catch (e) { return e.code === c.expect; } });
    const stateless = sk.unsealData(sk.sealData({ cart: [1, 2] })).cart.length;
    const gw = await (await fetch('/vectors/gateway.json')).json();
    const opts = (c) => ({ keys: gw.keys, maxSkew: gw.max_skew, now: c.now, method: c.method, path: c.target });
    const gatewayValid = gw.valid.every((c) => JSON.stringify(web.verifyGatewayHeaders(new Headers(c.headers), opts(c))) === JSON.stringify(c.expect));
    const gatewayRefused = gw.invalid.every((c) => { try { web.verifyGatewayHeaders(c.headers, opts(c)); return false; } catch (e) { return e.code === c.expect; } });
    const ring = web.Ring.fromJSON(ringDoc.config);
    const placed = ringDoc.keys.every((k) => ring.locate(k.key) === k.owner && ring.position(k.key) === k.position);
    const m = new web.SessionManager({ keys: KEYS, ring: [{ name: 'a' }, { name: 'b' }], store: new web.MemoryStore() });
    const { token } = await m.create({ user: 'browser', data: { n: 1 } });
    const { session } = await m.authenticate(token);
    const up = await m.update(token, session.version, { n: 2 });
    let conflict;
    try { await m.update(token, 1, { n: 3 }); } catch (e) { conflict = [e.code, e.currentVersion]; }
    const auto = await import('/web/auto.js');
    return { before, verified, refused, sealedOpen, sealedRefused, stateless, gatewayValid, gatewayRefused, placed, version: up.version, conflict, auto: auto.version(), autoRing: new auto.Ring([{ name: 'z' }]).locate('k') };
  }, KEYS);
  assert.deepEqual(errors, []);
  assert.deepEqual(result, {
    before: 'threw before init', verified: true, refused: true, sealedOpen: true, sealedRefused: true, stateless: 2, gatewayValid: true, gatewayRefused: true, placed: true, version: 2,
    conflict: ['version_conflict', 2], auto: result.auto, autoRing: 'z',
  });
  assert.match(result.auto, /^\d+\.\d+\.\d+$/);

  // The lean entry `edge-session/lite` in the same page: its own wasm, fetched by init().
  const doc = JSON.parse(await readFile(join(ROOT, 'tests/vectors/ring.json'), 'utf8'));
  const snapshot = (await pkg()).Ring.fromJSON(doc.config).snapshotJSON();
  const lite = await page.evaluate(async (snapshot) => {
    const l = await import('/lite/index.js');
    if (l.default !== l.init) throw new Error('lite/index.js: the default export is init');
    await l.init();
    const tokens = await (await fetch('/vectors/tokens.json')).json();
    const ringDoc = await (await fetch('/vectors/ring.json')).json();
    const kr = l.Keyring.fromJSON(tokens.keyring);
    const verified = tokens.valid.every((c) => kr.verify(c.token, tokens.now).sessionId === c.claims.session_id);
    const refused = tokens.invalid.every((c) => kr.tryVerify(c.token, tokens.now) === null);
    const ring = l.Ring.fromJSON(snapshot);
    const placed = ringDoc.keys.every((k) => ring.locate(k.key) === k.owner && l.position(k.key) === k.position);
    let history;
    try { l.Ring.fromJSON(ringDoc.config); } catch (e) { history = e.code; }
    return { verified, refused, placed, history, epoch: ring.epoch };
  }, snapshot);
  assert.deepEqual(errors, []);
  assert.deepEqual(lite, { verified: true, refused: true, placed: true, history: 'ring_bad_config', epoch: doc.config.epoch });

  // runConformance in the web build: the suite is its own wasm, fetched on the first call only.
  const fetched = () => requests.filter((u) => u.includes('/web/conformance/'));
  assert.deepEqual(fetched(), [], 'the page fetched the conformance suite before runConformance');
  const suite = await page.evaluate(async () => {
    const web = await import('/web/index.js');
    const passed = await web.runConformance(new web.MemoryStore(), `browser-${Date.now()}`);
    let refused;
    try { await web.runConformance({ get() {} }, 'x'); } catch (e) { refused = e.code; }
    const broken = new web.MemoryStore();
    broken.compareAndSet = async () => {};
    let failed;
    try { await web.runConformance(broken, 'broken'); } catch (e) { failed = [e.code, e.check]; }
    return { passed, refused, failed };
  });
  assert.deepEqual(errors, []);
  assert.deepEqual(suite, { passed: 20, refused: 'invalid_input', failed: ['conformance_failed', 'cas_current_version'] });
  assert.deepEqual(fetched().map((u) => new URL(u).pathname).sort(), ['/web/conformance/edge_session_suite.js', '/web/conformance/edge_session_suite_bg.wasm']);
});

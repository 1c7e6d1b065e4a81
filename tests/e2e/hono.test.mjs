// The npm package inside workerd: tests/hono-worker/worker.mjs (Hono + honoSession + KVStore)
// bundled by local wrangler against the built package (pkg/, from scripts/build-pkg.sh) and
// served on loopback. Lifecycle through the middleware's verbs, error statuses, and the core's
// store conformance suite run against KVStore over local KV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startWorker } from './harness.mjs';
import { TEST_KEYS } from './helpers.mjs';

const COOKIE = '__Host-session';
let w;

/** A project dir under target/e2e: the worker, its wrangler.toml, node_modules -> pkg/ and hono. */
function project() {
  const pkg = join(ROOT, 'pkg');
  assert.ok(existsSync(join(pkg, 'web/workerd.js')), 'the package is built (bash scripts/build-pkg.sh)');
  const dir = join(ROOT, 'target/e2e', `hono-worker-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  copyFileSync(join(ROOT, 'tests/hono-worker/worker.mjs'), join(dir, 'worker.mjs'));
  symlinkSync(pkg, join(dir, 'node_modules/edge-session'));
  const hono = join(ROOT, 'node_modules/hono');
  assert.ok(existsSync(join(hono, 'package.json')), 'hono is installed (npm install)');
  symlinkSync(hono, join(dir, 'node_modules/hono'));
  writeFileSync(join(dir, 'wrangler.toml'), [
    'name = "edge-session-hono-test"',
    'main = "worker.mjs"',
    'compatibility_date = "2025-09-01"',
    '',
    '[[kv_namespaces]]',
    'binding = "SESSIONS_KV"',
    'id = "11111111111111111111111111111111"',
    '',
  ].join('\n'));
  return { dir, config: join(dir, 'wrangler.toml') };
}

before(async () => {
  const { dir, config } = project();
  w = await startWorker({ config, vars: { SESSION_KEYS: TEST_KEYS } });
  w.dir = dir;
});
after(async () => {
  await w?.stop();
  if (w?.dir) rmSync(w.dir, { recursive: true, force: true });
});

async function call(method, path, { cookie, body, headers = {}, raw } = {}) {
  const h = { ...headers };
  if (cookie) h.cookie = `${COOKIE}=${cookie}`;
  if (body !== undefined || raw !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(w.url + path, {
    method, headers: h, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let json;
  try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
  const set = res.headers.getSetCookie();
  const token = set.map((l) => l.match(/^__Host-session=([^;]+)/)?.[1]).find(Boolean);
  return { status: res.status, json, text, set, token, headers: res.headers };
}

test('the worker bundles the package for workerd and answers /healthz', async () => {
  const r = await call('GET', '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.json.ok, true);
  assert.match(r.json.version, /^\d+\.\d+\.\d+$/);
});

test('edge-session/lite inside workerd verifies the session cookie the package issued', async () => {
  const signIn = await call('POST', '/api/sessions', { body: { user: `lite-${Date.now()}`, device: 'test' } });
  assert.equal(signIn.status, 201, signIn.text);
  const ok = await call('GET', '/lite/verify', { cookie: signIn.token });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.shard, 'kv');
  assert.match(ok.json.version, /^\d+\.\d+\.\d+$/);
  const bad = await call('GET', '/lite/verify', { cookie: `${signIn.token.slice(0, -1)}x` });
  assert.deepEqual([bad.status, bad.json?.error?.code], [401, 'invalid_token']);
  const none = await call('GET', '/lite/verify');
  assert.deepEqual([none.status, none.json?.error?.code], [401, 'invalid_token']);
});

test('Hono + KVStore lifecycle: sign in, read, save, stale save, rotate, list, sign out', async () => {
  const user = `hono-${Date.now()}`;
  const signIn = await call('POST', '/api/sessions', { body: { user, device: 'test', data: { theme: 'dark' } } });
  assert.equal(signIn.status, 201, signIn.text);
  assert.match(signIn.set[0], /^__Host-session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Secure; Path=\/; Max-Age=43200$/);
  const token = signIn.token;
  assert.deepEqual([signIn.json.user, signIn.json.version, signIn.json.data], [user, 1, { theme: 'dark' }]);

  const me = await call('GET', '/api/session', { cookie: token });
  assert.equal(me.status, 200);
  assert.equal(me.json.id, signIn.json.id);
  assert.equal(me.headers.get('etag'), '"1"');

  const saved = await call('PUT', '/api/session', { cookie: token, body: { data: { theme: 'light' } }, headers: { 'if-match': '"1"' } });
  assert.equal(saved.status, 200, saved.text);
  assert.deepEqual([saved.json.version, saved.json.data], [2, { theme: 'light' }]);
  const stale = await call('PUT', '/api/session', { cookie: token, body: { data: { theme: 'x' } }, headers: { 'if-match': '"1"' } });
  assert.equal(stale.status, 412, stale.text);
  assert.deepEqual(stale.json, { error: { code: 'version_conflict' } });

  const rotated = await call('POST', '/api/session/rotate', { cookie: token });
  assert.equal(rotated.status, 200, rotated.text);
  assert.ok(rotated.token && rotated.token !== token, 'rotation sets a new cookie');
  assert.notEqual(rotated.json.id, signIn.json.id);
  assert.deepEqual(rotated.json.data, { theme: 'light' });
  // Inside the rotation grace window (30 s by default) the old cookie resolves to the
  // successor and is replaced by its cookie.
  const old = await call('GET', '/api/session', { cookie: token });
  assert.equal(old.status, 200, old.text);
  assert.equal(old.json.id, rotated.json.id);
  const caughtUp = old.set[0]?.match(/^__Host-session=([^;]*)/)?.[1];
  assert.ok(caughtUp, 'the successor\'s cookie');
  assert.equal((await call('GET', '/api/session', { cookie: caughtUp })).json.id, rotated.json.id);

  const second = await call('POST', '/api/sessions', { body: { user } });
  assert.equal(second.status, 201);
  const list = await call('GET', '/api/sessions', { cookie: rotated.token });
  assert.equal(list.status, 200, list.text);
  assert.deepEqual(list.json.map((s) => s.current).sort(), [false, true]);

  const out = await call('DELETE', '/api/session', { cookie: rotated.token });
  assert.equal(out.status, 204);
  assert.match(out.set[0], /^__Host-session=; .*Max-Age=0/);
  assert.equal((await call('GET', '/api/session', { cookie: rotated.token })).status, 401);
  assert.equal((await call('GET', '/api/session', { cookie: second.token })).status, 200, 'other sessions live on');
});

test('errors reach Hono with their status: 400 invalid_input, 400 invalid_json, 401 without a session', async () => {
  for (const user of [42, '', null, 'a\nb', 'x'.repeat(1000)]) {
    const r = await call('POST', '/api/sessions', { body: { user } });
    assert.equal(r.status, 400, `${JSON.stringify(user)}: ${r.text}`);
    assert.deepEqual(r.json, { error: { code: 'invalid_input' } });
  }
  const big = await call('POST', '/api/sessions', { body: { user: 'big', data: { s: 'x'.repeat(5000) } } });
  assert.equal(big.status, 413, big.text);
  assert.deepEqual(big.json, { error: { code: 'data_too_large' } });
  const badJson = await call('POST', '/api/sessions', { raw: '{"user":' });
  assert.deepEqual([badJson.status, badJson.json], [400, { error: { code: 'invalid_json' } }]);
  const none = await call('PUT', '/api/session', { body: { data: {} } });
  assert.deepEqual([none.status, none.json], [401, { error: { code: 'invalid_token' } }]);
  const garbage = await call('GET', '/api/session', { cookie: 'garbage' });
  assert.equal(garbage.status, 401);
  assert.match(garbage.set[0] ?? '', /Max-Age=0/, 'a bad cookie is cleared');
});

test('KVStore passes the core store conformance suite inside workerd (local KV)', async () => {
  const r = await call('POST', '/__test/conformance');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.passed, 20);
});

// Adversarial HTTP against the worker in Durable Object mode, over one keep-alive connection
// per client: bodies over the limit (chunked, no Content-Length) answer 413 JSON on every route
// and leave the connection usable; methods outside a route's set (PROPFIND, PURGE, LOCK, ...)
// answer 405 with Allow instead of being served as GET; HEAD is GET without the body; OPTIONS
// is 204 with Allow and no CORS grant; the Cookie header limit is a coded 431, not a silent 401;
// a trap inside wasm costs one request, never the worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, ADMIN_TOKEN, COOKIE, client } from './helpers.mjs';
import { keepAliveClient } from './rawhttp.mjs';

let w;
let api;
let signIn;
let raw;
before(async () => {
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN } });
  ({ api, signIn } = client(w.url));
  raw = keepAliveClient(w.url);
});
after(async () => { raw?.close(); await w?.stop(); });

/** Every route of the test build, with its Allow list (path parameters filled in). */
const ROUTES = [
  ['/healthz', 'GET, HEAD, OPTIONS'],
  ['/api/ring', 'GET, HEAD, OPTIONS'],
  ['/api/sessions', 'GET, HEAD, POST, DELETE, OPTIONS'],
  ['/api/sessions/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'DELETE, OPTIONS'],
  ['/api/session', 'GET, HEAD, PUT, DELETE, OPTIONS'],
  ['/api/session/rotate', 'POST, OPTIONS'],
  ['/api/admin/users/someone/sessions', 'GET, HEAD, DELETE, OPTIONS'],
  ['/__test/calls', 'GET, HEAD, OPTIONS'],
  ['/__test/conformance?store=do', 'POST, OPTIONS'],
];
const allowOf = (path) => ROUTES.find(([p]) => p === path)[1];
/** Every route and method that takes a body. */
const BODY_ROUTES = ROUTES.flatMap(([path, allow]) =>
  allow.split(', ').filter((m) => ['POST', 'PUT', 'DELETE'].includes(m)).map((m) => [m, path]));
const adminHeaders = (path) => (path.startsWith('/api/admin/') ? { authorization: `Bearer ${ADMIN_TOKEN}` } : {});

/** Asserts a JSON error answer of the keep-alive client. */
function assertRawError(r, status, code, what) {
  assert.equal(r.status, status, `${what}: ${r.status} ${r.text}`);
  assert.match(r.headers['content-type'] ?? '', /^application\/json/, what);
  assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
}

/** The next request on the same connection is served (the socket was kept). */
async function assertConnectionUsable(what) {
  const next = await raw.request('GET', '/healthz');
  assert.equal(next.status, 200, `${what}: next request ${next.status}`);
  assert.equal(next.reused, true, `${what}: the connection was dropped`);
}

for (const size of [16 * 1024 + 1, 1 << 20, 4 << 20, 10 << 20]) {
  test(`chunked body of ${size} bytes: 413 JSON on every body route, the connection stays`, async (t) => {
    const { token } = await signIn(`chunked-${size}`);
    const started = performance.now();
    for (const [method, path] of BODY_ROUTES) {
      const what = `${method} ${path} (${size} B chunked)`;
      const headers = { 'content-type': 'application/json', 'transfer-encoding': 'chunked',
        authorization: `Bearer ${token}`, ...adminHeaders(path) };
      assertRawError(await raw.request(method, path, { headers, chunks: size }), 413, 'body_too_large', what);
      await assertConnectionUsable(what);
    }
    const ms = (performance.now() - started) / BODY_ROUTES.length;
    t.diagnostic(`${size} B chunked: ${BODY_ROUTES.length} routes, ${ms.toFixed(0)} ms per refused body and follow-up request`);
    // The session is untouched: no route acted on a refused request.
    assert.equal((await api('GET', '/api/session', { token })).status, 200);
  });
}

test('a 10 MiB body with Content-Length: 413 JSON, the connection stays', async () => {
  const body = Buffer.alloc(10 << 20, 0x61);
  for (const [method, path] of [['POST', '/api/sessions'], ['PUT', '/api/session']]) {
    const r = await raw.request(method, path, { headers: { 'content-type': 'application/json' }, body });
    assertRawError(r, 413, 'body_too_large', `${method} ${path}`);
    await assertConnectionUsable(`${method} ${path}`);
  }
});

test('a body within the limit still works when chunked', async () => {
  const body = JSON.stringify({ user: 'chunky', device: 'd', data: { pad: 'x'.repeat(1000) } });
  const r = await raw.request('POST', '/api/sessions', {
    headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.user, 'chunky');
});

test('PROPFIND, MKCOL, PURGE, COPY, LOCK and PATCH: 405 with Allow on every route', async () => {
  const { token } = await signIn('methods');
  let tried = 0;
  for (const [path, allow] of ROUTES) {
    for (const method of ['PROPFIND', 'MKCOL', 'PURGE', 'COPY', 'LOCK', 'PATCH']) {
      const headers = { authorization: `Bearer ${token}`, ...adminHeaders(path) };
      const r = await raw.request(method, path, { headers });
      assertRawError(r, 405, 'method_not_allowed', `${method} ${path}`);
      assert.equal(r.headers.allow, allow, `${method} ${path}`);
      tried++;
    }
  }
  assert.equal(tried, ROUTES.length * 6);
  // An unknown method is never a safe one: with a cross-site Origin it is still 405, and the
  // session it carried is untouched.
  const r = await raw.request('PURGE', '/api/session', { headers: { authorization: `Bearer ${token}`, origin: 'https://evil.example' } });
  assertRawError(r, 405, 'method_not_allowed', 'cross-site PURGE');
  assert.equal((await api('GET', '/api/session', { token })).status, 200);
});

test('HEAD answers GET\'s status and headers without the body', async () => {
  const { token } = await signIn('head');
  const auth = { authorization: `Bearer ${token}` };
  const cases = [['/healthz', {}], ['/api/ring', {}], ['/api/session', auth], ['/api/session', {}],
    ['/api/sessions', auth], ['/api/admin/users/head/sessions', { authorization: `Bearer ${ADMIN_TOKEN}` }],
    ['/api/nope', {}]];
  for (const [path, headers] of cases) {
    const get = await raw.request('GET', path, { headers });
    const head = await raw.request('HEAD', path, { headers });
    assert.equal(head.status, get.status, `HEAD ${path}`);
    assert.equal(head.text, '', `HEAD ${path} has no body`);
    assert.ok(get.text.length > 0, `GET ${path} has one`);
    for (const h of ['content-type', 'content-length', 'cache-control', 'etag', 'allow']) {
      assert.equal(head.headers[h], get.headers[h], `HEAD ${path}: ${h}`);
    }
    await assertConnectionUsable(`HEAD ${path}`);
  }
  const noGet = await raw.request('HEAD', '/api/session/rotate', { headers: auth });
  assert.equal(noGet.status, 405);
  assert.equal(noGet.headers.allow, 'POST, OPTIONS');
});

test('OPTIONS: 204 with Allow on every route, no CORS grant', async () => {
  for (const [path, allow] of ROUTES) {
    const r = await raw.request('OPTIONS', path, { headers: {
      origin: 'https://elsewhere.example', 'access-control-request-method': 'DELETE' } });
    assert.equal(r.status, 204, `OPTIONS ${path}: ${r.text}`);
    assert.equal(r.headers.allow, allow, path);
    assert.equal(r.text, '');
    const cors = Object.keys(r.headers).filter((h) => h.startsWith('access-control-'));
    assert.deepEqual(cors, [], `OPTIONS ${path} grants nothing`);
  }
  assert.equal(allowOf('/api/session'), 'GET, HEAD, PUT, DELETE, OPTIONS');
});

test('cookies: found after 100 others and in a 32 KiB header; above 32 KiB a coded 431', async () => {
  const { token } = await signIn('cookies');
  const ours = `${COOKIE}=${token}`;
  const others = Array.from({ length: 100 }, (_, i) => `c${i}=${'v'.repeat(20)}`).join('; ');
  const many = await api('GET', '/api/session', { headers: { cookie: `${others}; ${ours}` } });
  assert.equal(many.status, 200, many.text);
  const limit = 32 * 1024;
  const pad = (n) => `pad=${'x'.repeat(n - ours.length - '; pad='.length)}`;
  const atLimit = `${pad(limit)}; ${ours}`;
  assert.equal(atLimit.length, limit);
  assert.equal((await api('GET', '/api/session', { headers: { cookie: atLimit } })).status, 200);
  const over = await api('GET', '/api/session', { headers: { cookie: `${pad(limit + 1)}; ${ours}` } });
  assert.equal(over.status, 431, over.text);
  assert.equal(over.json.error.code, 'cookie_header_too_large');
  assert.match(over.json.error.message, /32768/);
  // Bearer is read first, so an oversized Cookie header does not matter with it.
  const bearer = await api('GET', '/api/session', { token, headers: { cookie: `${pad(limit + 1)}; ${ours}` } });
  assert.equal(bearer.status, 200, bearer.text);
});

test('Authorization of another scheme leaves the cookie readable; a bad Bearer does not', async () => {
  const { token } = await signIn('schemes');
  const cookie = `${COOKIE}=${token}`;
  for (const authorization of ['Basic dXNlcjpwYXNz', 'Digest username="u"', 'Negotiate abc', 'Bearerish x', 'Basic']) {
    const r = await api('GET', '/api/session', { headers: { cookie, authorization } });
    assert.equal(r.status, 200, `${authorization}: ${r.text}`);
  }
  for (const authorization of ['Bearer', 'Bearer ', 'Bearer not-a-token', `bearer ${'x'.repeat(5000)}`]) {
    const r = await api('GET', '/api/session', { headers: { cookie, authorization } });
    assert.equal(r.status, 401, authorization.slice(0, 20));
    assert.equal(r.json.error.code, 'invalid_token');
  }
});

// Last in this file: it stops the wasm instance that every other test here runs on.
test('a trap in wasm (what a panic is in the release build) costs one request: the next runs on a fresh instance, sessions kept', async () => {
  const { token } = await signIn('trapped', { data: { n: 1 } });
  const trapped = await fetch(`${w.url}/__test/trap`, { method: 'POST' }).then((r) => r.status, () => 'no answer');
  assert.ok(trapped === 'no answer' || trapped >= 500, `the trap answers no success: ${trapped}`);
  const health = await api('GET', '/healthz');
  assert.equal(health.status, 200, health.text);
  // The shard objects held wasm objects of the old instance: they are rebuilt too.
  const read = await api('GET', '/api/session', { token });
  assert.equal(read.status, 200, read.text);
  assert.deepEqual(read.json.data, { n: 1 });
  const up = await api('PUT', '/api/session', { token, body: { data: { n: 2 } }, headers: { 'if-match': `"${read.json.version}"` } });
  assert.equal(up.status, 200, up.text);
  assert.deepEqual(up.json.data, { n: 2 });
  const fresh = await signIn('after-trap');
  assert.equal((await api('GET', '/api/session', { token: fresh.token })).status, 200);
});

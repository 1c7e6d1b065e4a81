// Gateway mode end to end: the worker (local wrangler/workerd, the test build) in front of a
// real origin, a small Node HTTP server on 127.0.0.1 started here, which checks every request's
// identity headers with the npm package's verifyGatewayHeaders and records what it saw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, startWorker } from './harness.mjs';
import { TEST_KEYS, client, cookieToken } from './helpers.mjs';

const { verifyGatewayHeaders } = createRequire(import.meta.url)(join(ROOT, 'pkg/index.cjs'));

const GATEWAY_KEYS = JSON.stringify([
  { kid: 'gw2', secret: Buffer.alloc(32, 0x42).toString('base64'), state: 'primary' },
  { kid: 'gw1', secret: Buffer.alloc(32, 0x41).toString('base64'), state: 'verify' },
]);
const TIMEOUT_MS = 1500;
const MIB10 = 10 * 1024 * 1024;
const COOKIE = '__Host-session';

/** Every request the origin saw: {method, url, headers, identity | error code}. */
const seen = [];
const hung = new Set();
let origin;
let w;
let fwd; // a second gateway with FORWARD_TOKEN=1
let api;
let signIn;

function startOrigin() {
  const server = createServer((req, res) => {
    let identity;
    let error;
    try {
      identity = verifyGatewayHeaders(req, { keys: GATEWAY_KEYS, maxSkew: 30 });
    } catch (e) {
      error = e.code;
    }
    const entry = { method: req.method, url: req.url, headers: req.headers, identity, error };
    seen.push(entry);
    const url = new URL(req.url, 'http://origin');
    if (url.pathname === '/hang') {
      hung.add(res);
      return; // never answers
    }
    if (url.pathname === '/download') {
      const n = Number(url.searchParams.get('n'));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = () => {
        while (sent < n) {
          const part = chunk.subarray(0, Math.min(chunk.length, n - sent));
          part.fill(sent % 251);
          sent += part.length;
          if (!res.write(part)) return res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (d) => { bytes += d.length; hash.update(d); });
    req.on('end', () => {
      entry.bytes = bytes;
      res.setHeader('set-cookie', ['origin-a=1; Path=/', 'origin-b=2; Path=/; HttpOnly']);
      res.writeHead(url.pathname === '/created' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, bytes, sha256: hash.digest('hex'), identity, error }));
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

before(async () => {
  origin = await startOrigin();
  const vars = {
    SESSION_KEYS: TEST_KEYS,
    GATEWAY_KEYS,
    ORIGIN: `http://127.0.0.1:${origin.address().port}`,
    PROTECT: '/app/*,/account',
    SIGNIN_URL: '/login',
    ORIGIN_TIMEOUT_MS: String(TIMEOUT_MS),
    ROTATE_AFTER: '6',
    POLICY: JSON.stringify({ touch_interval: 1, idle_timeout: 600 }),
  };
  [w, fwd] = await Promise.all([startWorker({ vars }), startWorker({ vars: { ...vars, FORWARD_TOKEN: '1' } })]);
  ({ api, signIn } = client(w.url));
});
after(async () => {
  await Promise.all([w?.stop(), fwd?.stop()]);
  for (const res of hung) res.destroy();
  origin?.closeAllConnections?.();
  origin?.close();
});

const user = () => `gw-${randomBytes(4).toString('hex')}`;
/** The last request the origin saw for `path`. */
const last = (path) => seen.findLast((e) => e.url === path);

async function shardCalls() {
  const r = await api('GET', '/__test/calls');
  assert.equal(r.status, 200, r.text);
  return Object.values(r.json.calls).reduce((a, b) => a + b, 0);
}

test('signed in: the origin sees verified identity headers, in one shard call; tokens stay at the edge', async () => {
  const name = user();
  const { token, view } = await signIn(name);
  const before = await shardCalls();
  const r = await api('GET', '/hello?x=1', { headers: { cookie: `theme=dark; ${COOKIE}=${token}; lang=en` } });
  assert.equal(await shardCalls() - before, 1, 'one shard call per authenticated request');
  assert.equal(r.status, 200, r.text);
  const e = last('/hello?x=1');
  assert.equal(e.error, undefined);
  assert.deepEqual(
    { user: e.identity.user, id: e.identity.id, shard: e.identity.shard, kid: e.identity.kid },
    { user: name, id: view.id, shard: view.shard, kid: 'gw2' },
  );
  assert.equal(e.headers['edge-session-user'], name);
  assert.equal(e.headers.cookie, 'theme=dark; lang=en', 'the session cookie is stripped, the others kept');
  assert.equal(e.headers['x-forwarded-host'], new URL(w.url).host);
  assert.equal(e.headers['x-forwarded-proto'], 'http');
  // Bearer: stripped too, and the identity still arrives.
  await api('POST', '/created', { token, body: { a: 1 } });
  const p = last('/created');
  assert.equal(p.identity.user, name);
  assert.equal(p.headers.authorization, undefined);
  assert.equal(p.method, 'POST');
  // An anonymous request outside PROTECT passes without identity headers.
  const anon = await api('GET', '/public');
  assert.equal(anon.status, 200);
  assert.equal(last('/public').identity, null);
  assert.ok(!Object.keys(last('/public').headers).some((h) => h.startsWith('edge-session-')));
});

test('FORWARD_TOKEN=1: the session cookie and Bearer token reach the origin, forged headers still do not', async () => {
  const f = client(fwd.url);
  const { token } = await f.signIn(user());
  await f.api('GET', '/fwd-cookie', { headers: { cookie: `a=1; ${COOKIE}=${token}`, 'edge-session-user': 'admin' } });
  const c = last('/fwd-cookie');
  assert.equal(c.headers.cookie, `a=1; ${COOKIE}=${token}`);
  assert.ok(c.identity?.user.startsWith('gw-'), 'the real user');
  await f.api('GET', '/fwd-bearer', { token });
  assert.equal(last('/fwd-bearer').headers.authorization, `Bearer ${token}`);
  // Without it (the first gateway), an Authorization of another scheme still passes.
  await api('GET', '/basic', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
  assert.equal(last('/basic').headers.authorization, 'Basic dXNlcjpwYXNz');
});

test('forged identity headers never reach the origin', async () => {
  const forged = {
    'edge-session-user': 'admin', 'Edge-Session-Id': 'A'.repeat(43), 'edge-session-shard': 'shard-0',
    'edge-session-version': '1', 'edge-session-expires': '9999999999',
    'edge-session-signature': `v1;kid=gw2;t=${Math.floor(Date.now() / 1000)};sig=${'A'.repeat(43)}`,
    'edge-session-extra': 'x',
  };
  await api('GET', '/forged-anon', { headers: forged });
  const a = last('/forged-anon');
  assert.ok(!Object.keys(a.headers).some((h) => h.startsWith('edge-session-')), JSON.stringify(a.headers));
  assert.equal(a.identity, null);
  const name = user();
  const { token } = await signIn(name);
  await api('GET', '/forged-session', { token, headers: forged });
  const s = last('/forged-session');
  assert.equal(s.identity.user, name, 'the real user, not the forged one');
  assert.equal(s.headers['edge-session-extra'], undefined);
  // A protected path with forged headers and no session never reaches the origin.
  const n = seen.length;
  const r = await api('GET', '/app/secret', { headers: forged });
  assert.equal(r.status, 401);
  assert.equal(seen.length, n);
});

test('protected paths: HTML without a session is redirected to sign-in, other requests get 401 JSON', async () => {
  const n = seen.length;
  const html = await fetch(`${w.url}/app/page?tab=2`, { headers: { accept: 'text/html,application/xhtml+xml' }, redirect: 'manual' });
  assert.equal(html.status, 302);
  assert.equal(html.headers.get('location'), '/login?return=/app/page%3Ftab%3D2');
  const json = await api('GET', '/account', { headers: { accept: 'application/json' } });
  assert.equal(json.status, 401);
  assert.equal(json.json.error.code, 'session_required');
  // Percent-encoded spellings an origin may decode to a protected path are protected too.
  for (const sneaky of ['/%61pp/x', '/app%2Fx']) {
    const r = await api('GET', sneaky, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 401, sneaky);
  }
  const badCookie = await api('GET', '/app/x', { token: 'not-a-token', viaCookie: true });
  assert.equal(badCookie.status, 401);
  assert.ok(badCookie.headers.getSetCookie().some((c) => c.startsWith(`${COOKIE}=;`)), 'a dead cookie is cleared');
  assert.equal(seen.length, n, 'the origin saw none of them');
  const { token } = await signIn(user());
  const ok = await api('GET', '/app/page', { token, viaCookie: true, headers: { accept: 'text/html' } });
  assert.equal(ok.status, 200);
  assert.ok(last('/app/page').identity);
});

test('10 MiB bodies stream both ways', async () => {
  const { token } = await signIn(user());
  const up = randomBytes(MIB10);
  const chunks = (function* () { for (let i = 0; i < up.length; i += 256 * 1024) yield up.subarray(i, i + 256 * 1024); })();
  const stream = new ReadableStream({ pull(c) { const n = chunks.next(); if (n.done) c.close(); else c.enqueue(n.value); } });
  const r = await fetch(`${w.url}/upload`, { method: 'PUT', body: stream, duplex: 'half', headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 200);
  const got = await r.json();
  assert.equal(got.bytes, MIB10);
  assert.equal(got.sha256, createHash('sha256').update(up).digest('hex'));
  assert.ok(got.identity?.user, 'the upload carried the identity');
  const d = await fetch(`${w.url}/download?n=${MIB10}`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(d.status, 200);
  const want = createHash('sha256');
  const chunk = Buffer.alloc(64 * 1024);
  for (let sent = 0; sent < MIB10; sent += chunk.length) want.update(chunk.fill(sent % 251));
  const have = createHash('sha256');
  let n = 0;
  for await (const part of d.body) { n += part.length; have.update(part); }
  assert.equal(n, MIB10);
  assert.equal(have.digest('hex'), want.digest('hex'));
});

test('touch and rotation cookies reach the browser, the origin\'s Set-Cookie passes unchanged', async () => {
  const { token } = await signIn(user());
  await new Promise((r) => setTimeout(r, 2100)); // past the 1 s touch interval
  const touched = await api('GET', '/touch', { token, viaCookie: true });
  const cookies = touched.headers.getSetCookie();
  assert.ok(cookies.includes('origin-a=1; Path=/') && cookies.includes('origin-b=2; Path=/; HttpOnly'), cookies.join(' | '));
  assert.equal(cookieToken(touched), token, 'touch re-sends the same token with a fresh Max-Age');
  assert.match(cookies.find((c) => c.startsWith(COOKIE)), /Max-Age=\d+/);
  await new Promise((r) => setTimeout(r, 6000)); // past ROTATE_AFTER
  const rotated = await api('GET', '/rotate-me', { token, viaCookie: true });
  const fresh = cookieToken(rotated);
  assert.ok(fresh && fresh !== token, 'rotation sets a new token');
  assert.equal(last('/rotate-me').identity.user, touched.json.identity.user);
  // Inside the rotation grace window (POLICY default 30 s) the old token resolves to its
  // successor, and the answer hands the successor out.
  const old = await api('GET', '/api/session', { token });
  assert.equal(old.status, 200, old.text);
  // The successor's token is issued again for this answer (its issue time may be a second
  // later than the rotation's), so compare the session it names, not its bytes.
  const handed = cookieToken(old);
  assert.ok(handed && handed !== token, 'the old token is answered with the successor');
  const viaHanded = await api('GET', '/api/session', { token: handed });
  const viaFresh = await api('GET', '/api/session', { token: fresh });
  assert.equal(viaFresh.status, 200, viaFresh.text);
  assert.equal(viaHanded.status, 200, viaHanded.text);
  assert.equal(viaHanded.json.id, viaFresh.json.id, 'the handed-out token names the successor');
  assert.equal(old.json.id, viaFresh.json.id, 'the old token resolves to the successor');
});

test('a hung origin gives 504 within the deadline; a down origin gives 502', async (t) => {
  const t0 = Date.now();
  const hang = await api('GET', '/hang');
  const took = Date.now() - t0;
  assert.equal(hang.status, 504);
  assert.equal(hang.json.error.code, 'origin_timeout');
  assert.ok(took >= TIMEOUT_MS - 100 && took < TIMEOUT_MS + 3000, `504 after ${took} ms (deadline ${TIMEOUT_MS} ms)`);
  t.diagnostic(`504 after ${took} ms (ORIGIN_TIMEOUT_MS ${TIMEOUT_MS})`);
  for (const res of hung) res.destroy();
  origin.closeAllConnections();
  await new Promise((r) => origin.close(r));
  const t1 = Date.now();
  const down = await api('GET', '/anything');
  assert.equal(down.status, 502);
  assert.equal(down.json.error.code, 'origin_unreachable');
  const tookDown = Date.now() - t1;
  assert.ok(tookDown < TIMEOUT_MS + 3000, 'refused connections fail fast');
  t.diagnostic(`502 after ${tookDown} ms`);
  assert.doesNotMatch(down.text, /127\.0\.0\.1|ECONNREFUSED|internal/i, 'nothing internal is shown');
  // The session API and /healthz are still the worker's own.
  assert.equal((await api('GET', '/healthz')).status, 200);
});

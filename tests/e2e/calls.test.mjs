// One shard call per route: the test build's shards count the calls they serve
// (GET /__test/calls sums them per shard); every session route must cost exactly one Durable
// Object call, a bad or expired token none, and the admin routes one per shard they touch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, ADMIN_TOKEN, client, mintToken } from './helpers.mjs';

let w;
let api;
let signIn;
before(async () => {
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN } });
  ({ api, signIn } = client(w.url));
});
after(async () => { await w?.stop(); });

/** Calls served by every shard of the ring so far. */
async function total() {
  const r = await api('GET', '/__test/calls');
  assert.equal(r.status, 200, r.text);
  return Object.values(r.json.calls).reduce((a, b) => a + b, 0);
}

/** How many shard calls `fn` made. */
async function callsOf(fn) {
  const before = await total();
  await fn();
  return (await total()) - before;
}

test('every session route makes exactly one shard call', async () => {
  const user = `calls-${randomBytes(4).toString('hex')}`;
  let token;
  let second;
  // "revoke one" ends the first session (the rotated one) from the second; "revoke all" then
  // needs a live token: the third sign-in's.
  const routes = [
    ['sign in', async () => { ({ token } = await signIn(user)); }, 201],
    ['read', () => api('GET', '/api/session', { token }), 200],
    ['update', () => api('PUT', '/api/session', { token, body: { data: { n: 1 } }, headers: { 'if-match': '"1"' } }), 200],
    ['stale update', () => api('PUT', '/api/session', { token, body: { data: { n: 1 } }, headers: { 'if-match': '"1"' } }), 412],
    ['rotate', async () => { const r = await api('POST', '/api/session/rotate', { token }); token = r.token; return r; }, 200],
    ['fresh read', () => api('GET', '/api/session?max_auth_age=3600', { token }), 200],
    ['reauth', () => api('POST', '/api/session/reauth', { token }), 200],
    ['second sign in', async () => { second = await signIn(user); }, 201],
    ['list', () => api('GET', '/api/sessions', { token }), 200],
    ['history', () => api('GET', '/api/sessions/history', { token }), 200],
    ['revoke one', async () => {
      const list = await api('GET', '/api/sessions', { token: second.token });
      const other = list.json.find((s) => !s.current);
      return api('DELETE', `/api/sessions/${other.id}`, { token: second.token });
    }, 204],
    ['sign out', () => api('DELETE', '/api/session', { token: second.token }), 204],
    ['third sign in', async () => { ({ token } = await signIn(user)); }, 201],
    ['revoke all', () => api('DELETE', '/api/sessions', { token }), 200],
  ];
  const counts = {};
  for (const [name, fn, status] of routes) {
    let res;
    const n = await callsOf(async () => { res = await fn(); });
    if (res && res.status !== undefined) assert.equal(res.status, status, `${name}: ${res.text}`);
    counts[name] = n;
  }
  // "revoke one" lists first (one call) to find the id, then revokes (one call).
  assert.equal(counts['revoke one'], 2, 'list + revoke one');
  delete counts['revoke one'];
  console.log(`# shard calls per route: ${JSON.stringify(counts)}`);
  for (const [name, n] of Object.entries(counts)) assert.equal(n, 1, `${name} made ${n} shard calls`);
});

test('a bad, forged or expired token makes no shard call', async () => {
  const { token } = await signIn(`bad-${randomBytes(3).toString('hex')}`);
  const forged = Buffer.from(token, 'base64url');
  forged[25] ^= 1;
  const now = Math.floor(Date.now() / 1000);
  const bad = [
    undefined, 'garbage', forged.toString('base64url'),
    mintToken({ issuedAt: now - 100, expiresAt: now - 1 }), mintToken({ kid: 'k-gone' }), 'x'.repeat(5000),
  ];
  let tried = 0;
  const n = await callsOf(async () => {
    for (const t of bad) {
      for (const [method, path] of [['GET', '/api/session'], ['PUT', '/api/session'], ['POST', '/api/session/rotate'],
        ['DELETE', '/api/session'], ['GET', '/api/sessions'], ['DELETE', '/api/sessions'], ['GET', '/api/sessions/history']]) {
        const r = await api(method, path, { token: t, body: method === 'PUT' ? { data: {}, version: 1 } : undefined });
        assert.equal(r.status, 401, `${method} ${path}: ${r.text}`);
        tried++;
      }
    }
  });
  console.log(`# bad-token requests: ${tried}, shard calls: ${n}`);
  assert.equal(n, 0);
});

test('admin routes make one call per shard of the user', async () => {
  const user = `admin-${randomBytes(4).toString('hex')}`;
  await signIn(user);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const path = `/api/admin/users/${user}/sessions`;
  assert.equal(await callsOf(() => api('GET', path, { headers: auth })), 1);
  assert.equal(await callsOf(() => api('DELETE', path, { headers: auth })), 1);
});

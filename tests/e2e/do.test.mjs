// The worker in Durable Object mode (the default): lifecycle, the conformance suite through the
// real RPC, bad input, exact compare-and-set under concurrency, sign-out everywhere, admin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, ADMIN_TOKEN, client, assertError, lifecycle, mintToken, sleep } from './helpers.mjs';

let w;
let api;
let signIn;
before(async () => {
  // The per-user sign-in limit raised past the 34 sign-ins of the eviction test below.
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN, POLICY: JSON.stringify({ signin_user_burst: 64 }) } });
  ({ api, signIn } = client(w.url));
});
after(async () => { await w?.stop(); });

test('healthz reports the store and epoch', async () => {
  const r = await api('GET', '/healthz');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { ok: true, store: 'do', epoch: 1 });
});

test('full lifecycle (DO)', async () => { await lifecycle(w.url, 'do'); });

test('conformance suite against the Durable Object store', async () => {
  const r = await api('POST', '/__test/conformance?store=do');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.passed, 20);
});

test('bad tokens are refused with 401 and a stable code', async () => {
  const { token } = await signIn(`bad-${randomBytes(3).toString('hex')}`);
  assertError(await api('GET', '/api/session'), 401, 'invalid_token');
  assertError(await api('GET', '/api/session', { token: 'garbage', viaCookie: true }), 401, 'invalid_token');
  assertError(await api('GET', '/api/session', { headers: { authorization: 'Basic abc' } }), 401, 'invalid_token');
  const bytes = Buffer.from(token, 'base64url');
  bytes[20] ^= 0x01;
  assertError(await api('GET', '/api/session', { token: bytes.toString('base64url') }), 401, 'invalid_token');
  const now = Math.floor(Date.now() / 1000);
  assertError(await api('GET', '/api/session', { token: mintToken({ issuedAt: now - 100, expiresAt: now - 1 }) }), 401, 'invalid_token');
  assertError(await api('GET', '/api/session', { token: mintToken({ kid: 'k-gone' }) }), 401, 'invalid_token');
  // A verify-only key is accepted; the (random) session just does not exist.
  assertError(await api('GET', '/api/session', { token: mintToken({ kid: 'k-old' }) }), 401, 'session_not_found');
  assertError(await api('GET', '/api/session', { token: 'x'.repeat(5000) }), 401, 'invalid_token');
  const r = await api('GET', '/api/session', { token: 'garbage', viaCookie: true });
  assert.ok(r.headers.getSetCookie().some((c) => c.includes('Max-Age=0')), 'a refused cookie is cleared');
});

test('bad requests: JSON, size, method, path, content type, CSRF', async () => {
  assertError(await api('POST', '/api/sessions', { raw: '{"user":', headers: { 'content-type': 'application/json' } }), 400, 'invalid_json');
  assertError(await api('POST', '/api/sessions', { body: { user: 'a', extra: 1 } }), 400, 'invalid_input');
  assertError(await api('POST', '/api/sessions', { body: { user: '' } }), 400, 'invalid_input');
  assertError(await api('POST', '/api/sessions', { body: { user: 'a', data: [1] } }), 400, 'invalid_input');
  assertError(await api('POST', '/api/sessions', { raw: JSON.stringify({ user: 'a', data: { x: 'y'.repeat(20000) } }), headers: { 'content-type': 'application/json' } }), 413, 'body_too_large');
  assertError(await api('POST', '/api/sessions', { body: { user: 'a', data: { x: 'y'.repeat(5000) } } }), 413, 'data_too_large');
  assertError(await api('POST', '/api/sessions', { raw: 'user=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type');
  const m = await api('PATCH', '/api/session');
  assertError(m, 405, 'method_not_allowed');
  assert.equal(m.headers.get('allow'), 'GET, HEAD, PUT, DELETE, OPTIONS');
  assertError(await api('GET', '/api/nope'), 404, 'not_found');
  assertError(await api('GET', '/api/admin/users/%ZZ/sessions'), 404, 'not_found');
  assertError(await api('POST', '/api/sessions', { body: { user: 'x' }, headers: { origin: 'https://evil.example' } }), 403, 'cross_origin');
  assertError(await api('POST', '/api/sessions', { body: { user: 'x' }, headers: { 'sec-fetch-site': 'cross-site' } }), 403, 'cross_origin');
  const same = await api('POST', '/api/sessions', { body: { user: 'x' }, headers: { origin: w.url, 'sec-fetch-site': 'same-origin' } });
  assert.equal(same.status, 201, same.text);
  assertError(await api('PUT', '/api/session', { token: same.token, body: { data: {} }, headers: { 'if-match': 'soon' } }), 400, 'invalid_input');
});

test('50 concurrent updates with one version: exactly one wins', async () => {
  const { token } = await signIn(`race-${randomBytes(3).toString('hex')}`);
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) =>
    api('PUT', '/api/session', { token, body: { data: { writer: i } }, headers: { 'if-match': '"1"' } })));
  const ok = results.filter((r) => r.status === 200);
  const conflicts = results.filter((r) => r.status === 412);
  assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
  assert.equal(conflicts.length, 49);
  assert.ok(conflicts.every((r) => r.json.error.code === 'version_conflict' && r.json.error.current_version === 2));
  const now = await api('GET', '/api/session', { token });
  assert.deepEqual(now.json.data, ok[0].json.data);
  assert.equal(now.json.version, 2);
});

// 10 clients of 20 increments each: every round has up to 10 contenders, so most writes collide
// (the test asserts they do), and each conflict costs a read and a write of the real worker.
test('200 increments from 10 concurrent clients retrying on 412 count exactly 200', async () => {
  const { token } = await signIn(`counter-${randomBytes(3).toString('hex')}`, { data: { n: 0 } });
  let conflicts = 0;
  const worker = async () => {
    let streak = 0; // consecutive conflicts: back off with jitter so the clients do not stampede
    let cur = null; // the view a successful write answered: the next increment starts from it
    for (let done = 0; done < 20;) {
      if (!cur) {
        const r = await api('GET', '/api/session', { token });
        assert.equal(r.status, 200, r.text);
        cur = r.json;
      }
      const r = await api('PUT', '/api/session', { token, body: { data: { n: cur.data.n + 1 } }, headers: { 'if-match': `"${cur.version}"` } });
      if (r.status === 200) {
        done++; streak = 0; cur = r.json;
        assert.equal(cur.version, cur.data.n + 1, 'the answer is the view just written');
      } else {
        assertError(r, 412, 'version_conflict');
        assert.ok(r.json.error.current_version > cur.version, 'a conflict names a newer version');
        conflicts++;
        streak++;
        cur = null;
        await sleep(Math.random() * Math.min(400, 5 * 2 ** streak));
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, worker));
  const end = await api('GET', '/api/session', { token });
  assert.equal(end.json.data.n, 200);
  assert.equal(end.json.version, 201);
  assert.ok(conflicts > 0, 'the clients did collide');
});

test('sign out everywhere refuses every token of the user', async () => {
  const user = `everywhere-${randomBytes(3).toString('hex')}`;
  const sessions = [await signIn(user), await signIn(user), await signIn(user)];
  const bystander = await signIn(`${user}-other`);
  const r = await api('DELETE', '/api/sessions', { token: sessions[1].token });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { revoked: 3 });
  assert.ok(r.headers.getSetCookie().some((c) => c.includes('Max-Age=0')));
  for (const s of sessions) assertError(await api('GET', '/api/session', { token: s.token }), 401, 'session_not_found');
  assert.equal((await api('GET', '/api/session', { token: bystander.token })).status, 200);
});

test('admin routes need the admin token', async () => {
  const user = `admin-${randomBytes(3).toString('hex')}`;
  const s = await signIn(user);
  const path = `/api/admin/users/${encodeURIComponent(user)}/sessions`;
  assertError(await api('GET', path), 401, 'admin_required');
  assertError(await api('GET', path, { token: 'wrong-token-wrong-token' }), 403, 'forbidden');
  const list = await api('GET', path, { token: ADMIN_TOKEN });
  assert.equal(list.status, 200);
  assert.equal(list.json.sessions.length, 1);
  assert.equal(list.json.sessions[0].id, s.view.id);
  const del = await api('DELETE', path, { token: ADMIN_TOKEN });
  assert.deepEqual(del.json, { revoked: 1 });
  assertError(await api('GET', '/api/session', { token: s.token }), 401, 'session_not_found');
});

test('ring view for the demo page', async () => {
  const r = await api('GET', '/api/ring');
  assert.equal(r.status, 200);
  assert.equal(r.json.epoch, 1);
  assert.deepEqual(r.json.shards.map((s) => s.name), ['shard-0', 'shard-1', 'shard-2', 'shard-3']);
  assert.equal(r.json.shards.map((s) => BigInt(s.owned)).reduce((a, b) => a + b), 2n ** 64n);
  assert.equal(r.json.config.epoch, 1);
  assert.ok(r.json.arcs.every((a) => typeof a.start === 'string' && typeof a.len === 'string'));
});

test('sign-in past max_sessions_per_user ends the least recently used sessions', async () => {
  // Default policy: 32 per user. The shard's insert counts the others in the same statement and
  // lists them only at the cap.
  const user = `crowd-${randomBytes(3).toString('hex')}`;
  const tokens = [];
  for (let i = 0; i < 34; i++) tokens.push((await signIn(user)).token);
  // Least recently used at one-second resolution, ties broken by key: which two go is not the
  // order of sign-in when they share a second, but exactly two go.
  const statuses = [];
  for (const t of tokens) statuses.push((await api('GET', '/api/session', { token: t })).status);
  assert.equal(statuses.filter((s) => s === 401).length, 2, statuses.join(','));
  assert.equal(statuses.filter((s) => s === 200).length, 32, statuses.join(','));
  assert.equal(statuses[33], 200, 'the new session is never the one evicted');
  const list = await api('GET', '/api/sessions', { token: tokens[33] });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.length, 32);
});

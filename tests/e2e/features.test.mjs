// Session features against local workerd, in Durable Object mode and in KV mode: "remember me"
// (a browser-session cookie through rotation) and the cookie options (COOKIE_DOMAIN switches
// the prefix to __Secure-, COOKIE_PARTITIONED, and a bad combination is config_invalid), and
// freshness (max_auth_age, 401 reauth_required, POST /api/session/reauth behind SIGNIN_TOKEN).
// The KV worker runs with COOKIE_DOMAIN and COOKIE_PARTITIONED set, the DO worker with the
// default cookie; both with SIGNIN_TOKEN.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, assertError } from './helpers.mjs';

const workers = {};
const NAMES = { do: '__Host-session', kv: '__Secure-session' };
const SIGNIN_TOKEN = 'test-signin-token-0123456789';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
before(async () => {
  const [dO, kv, bad] = await Promise.all([
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, SIGNIN_TOKEN } }),
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, SIGNIN_TOKEN, STORE: 'kv', COOKIE_DOMAIN: 'example.com', COOKIE_PARTITIONED: 'true' } }),
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, COOKIE_DOMAIN: 'example.com', COOKIE_PREFIX: 'host' } }),
  ]);
  Object.assign(workers, { do: dO, kv, bad });
});
after(async () => { await Promise.all(Object.values(workers).map((w) => w.stop())); });

/**
 * A client of one mode's worker: `api(method, path, {token, body})` sends the token in its
 * cookie, and Bearer SIGNIN_TOKEN on sign-in (and wherever `signin` is set).
 */
function client(mode) {
  const name = NAMES[mode];
  return async function api(method, path, { token, body, headers = {}, signin = method === 'POST' && path === '/api/sessions' } = {}) {
    const h = { ...headers };
    if (signin) h.authorization = `Bearer ${SIGNIN_TOKEN}`;
    if (token) h.cookie = `${name}=${token}`;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(workers[mode].url + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    const line = res.headers.getSetCookie().find((l) => l.startsWith(`${name}=`));
    return { status: res.status, json, text, line, token: line?.match(/^[^=]+=([^;]*)/)[1] || undefined };
  };
}

for (const mode of ['do', 'kv']) {
  test(`remember me off (${mode}): no Max-Age at sign-in or after rotation; on by default`, async () => {
    const api = client(mode);
    const user = `rm-${mode}-${randomBytes(4).toString('hex')}`;
    const off = await api('POST', '/api/sessions', { body: { user, persistent: false } });
    assert.equal(off.status, 201, off.text);
    assert.equal(off.json.persistent, false);
    assert.doesNotMatch(off.line, /Max-Age|Expires/i);
    const read = await api('GET', '/api/session', { token: off.token });
    assert.equal(read.json.persistent, false);
    const rot = await api('POST', '/api/session/rotate', { token: off.token });
    assert.equal(rot.status, 200, rot.text);
    assert.equal(rot.json.persistent, false);
    assert.doesNotMatch(rot.line, /Max-Age/i, 'rotation keeps the browser-session cookie');
    const on = await api('POST', '/api/sessions', { body: { user } });
    assert.equal(on.json.persistent, true);
    assert.match(on.line, /; Max-Age=\d+/);
    assertError(await api('POST', '/api/sessions', { body: { user, persistent: 'no' } }), 400, 'invalid_input');
  });
}

test('COOKIE_DOMAIN and COOKIE_PARTITIONED: __Secure-session with Domain and Partitioned, read back, cleared alike', async () => {
  const api = client('kv');
  const user = `dom-${randomBytes(4).toString('hex')}`;
  const r = await api('POST', '/api/sessions', { body: { user } });
  assert.equal(r.status, 201, r.text);
  assert.match(r.line, /^__Secure-session=[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Partitioned; Secure; Path=\/; Domain=example\.com; Max-Age=\d+$/);
  assert.equal((await api('GET', '/api/session', { token: r.token })).json.user, user);
  const hostNamed = await fetch(`${workers.kv.url}/api/session`, { headers: { cookie: `__Host-session=${r.token}` } });
  assert.equal(hostNamed.status, 401, 'the __Host- name is not this worker\'s cookie');
  const out = await api('DELETE', '/api/session', { token: r.token });
  assert.equal(out.status, 204);
  assert.match(out.line, /^__Secure-session=; .*Partitioned; Secure; Path=\/; Domain=example\.com; Max-Age=0$/);
  // The default worker keeps __Host- and no Domain.
  const d = await client('do')('POST', '/api/sessions', { body: { user } });
  assert.match(d.line, /^__Host-session=[^;]+; HttpOnly; SameSite=Lax; Secure; Path=\/; Max-Age=\d+$/);
});

test('COOKIE_PREFIX=host with COOKIE_DOMAIN is 500 config_invalid naming COOKIE_DOMAIN', async () => {
  for (const path of ['/healthz', '/api/session']) {
    const r = await fetch(`${workers.bad.url}${path}`);
    assert.equal(r.status, 500);
    const body = await r.json();
    assert.equal(body.error.code, 'config_invalid');
    assert.match(body.error.message, /COOKIE_DOMAIN/);
    assert.match(body.error.message, /cookie_host_prefix_domain/);
  }
});

for (const mode of ['do', 'kv']) {
  test(`freshness (${mode}): max_auth_age, reauth_required keeps the cookie, rotation keeps authenticated_at, reauth behind SIGNIN_TOKEN`, async () => {
    const api = client(mode);
    const user = `fresh-${mode}-${randomBytes(4).toString('hex')}`;
    const signed = await api('POST', '/api/sessions', { body: { user } });
    assert.equal(signed.status, 201, signed.text);
    const { token } = signed;
    assert.equal(signed.json.authenticated_at, signed.json.created_at);
    assert.equal((await api('GET', '/api/session?max_auth_age=3600', { token })).status, 200);
    await sleep(1100);
    const stale = await api('GET', '/api/session?max_auth_age=0', { token });
    assertError(stale, 401, 'reauth_required');
    assert.equal(stale.line, undefined, 'reauth_required does not clear the cookie');
    const rot = await api('POST', '/api/session/rotate', { token });
    assert.equal(rot.json.authenticated_at, signed.json.authenticated_at, 'rotation keeps it');
    const t = rot.token;
    assertError(await api('GET', '/api/session?max_auth_age=0', { token: t }), 401, 'reauth_required');
    assertError(await api('POST', '/api/session/reauth', { token: t }), 401, 'signin_required');
    assertError(await api('POST', '/api/session/reauth', { signin: true }), 401, 'invalid_token');
    const re = await api('POST', '/api/session/reauth', { token: t, signin: true });
    assert.equal(re.status, 200, re.text);
    assert.equal(re.json.id, rot.json.id, 'same id');
    assert.equal(re.line, undefined, 'same cookie: no Set-Cookie');
    assert.equal(re.json.version, rot.json.version + 1);
    assert.ok(re.json.authenticated_at > signed.json.authenticated_at);
    assert.equal((await api('GET', '/api/session?max_auth_age=30', { token: t })).status, 200);
    for (const q of ['-1', 'abc', '', '99999999999', '315360001', '1&max_auth_age=2', '1e3']) {
      assertError(await api('GET', `/api/session?max_auth_age=${q}`, { token: t }), 400, 'invalid_input');
    }
    assert.equal((await api('DELETE', '/api/session', { token: t })).status, 204);
    assertError(await api('POST', '/api/session/reauth', { token: t, signin: true }), 401, 'session_not_found');
  });
}

test('rotation grace (do): 20 concurrent requests with the old token during two concurrent rotations all succeed and converge on one successor; none succeeds after sign-out', async () => {
  const api = client('do');
  const user = `grace-${randomBytes(4).toString('hex')}`;
  const signed = await api('POST', '/api/sessions', { body: { user, data: { n: 1 } } });
  assert.equal(signed.status, 201, signed.text);
  const old = signed.token;
  // 20 reads and two rotations in flight together: ten reads sent first, the rotations 10 ms
  // later, ten more reads 10 ms after them, so that reads land on both sides of the rotation
  // (the split is printed).
  const read = (ms) => sleep(ms).then(() => api('GET', '/api/session', { token: old }));
  const rotate = () => sleep(10).then(() => api('POST', '/api/session/rotate', { token: old }));
  const [r1, r2, ...reads] = await Promise.all([
    rotate(),
    rotate(),
    ...Array.from({ length: 20 }, (_, i) => read(i < 10 ? 0 : 20)),
  ]);
  assert.deepEqual([r1.status, r2.status], [200, 200], `${r1.text} ${r2.text}`);
  const successor = r1.json.id;
  assert.notEqual(successor, signed.json.id);
  assert.equal(r2.json.id, successor, 'two concurrent rotations produce one successor');
  assert.ok(r1.token && r2.token);
  const statuses = reads.map((r) => r.status);
  assert.deepEqual(statuses, Array(20).fill(200), `every read with the old token succeeds: ${statuses}`);
  const caughtUp = reads.filter((r) => r.token);
  for (const r of reads) {
    assert.ok([signed.json.id, successor].includes(r.json.id), r.text);
    if (r.json.id === successor) assert.ok(r.token, 'an answer as the successor carries its cookie');
  }
  // Every cookie the clients now hold resolves to the one successor.
  const holders = [r1.token, r2.token, old, ...caughtUp.map((r) => r.token)];
  const ids = new Set((await Promise.all(holders.map((t) => api('GET', '/api/session', { token: t })))).map((r) => r.json?.id));
  assert.deepEqual([...ids], [successor]);
  console.log(`# grace race: ${caughtUp.length} of 20 reads answered as the successor, ${20 - caughtUp.length} before the rotation`);
  // The old token can never write a stale version: the version it read is refused.
  assertError(await api('PUT', '/api/session', { token: old, body: { data: { n: 9 } }, headers: { 'if-match': `"${signed.json.version}"` } }), 412, 'version_conflict');
  // Sign-out (with the successor) ends the old token too, at once.
  assert.equal((await api('DELETE', '/api/session', { token: r1.token })).status, 204);
  const after = await Promise.all(Array.from({ length: 20 }, () => api('GET', '/api/session', { token: old })));
  assert.deepEqual(after.map((r) => r.status), Array(20).fill(401));
  assertError(await api('POST', '/api/session/rotate', { token: old }), 401, 'session_not_found');
});

test('rotation grace (kv): the old token resolves to its successor with the successor\'s cookie; revoke-all ends both', async () => {
  const api = client('kv');
  const user = `grace-kv-${randomBytes(4).toString('hex')}`;
  const signed = await api('POST', '/api/sessions', { body: { user } });
  const rot = await api('POST', '/api/session/rotate', { token: signed.token });
  assert.equal(rot.status, 200, rot.text);
  const late = await api('GET', '/api/session', { token: signed.token });
  assert.deepEqual([late.status, late.json.id], [200, rot.json.id]);
  // The successor's cookie (its token may carry a later issued-at than the rotation's).
  assert.equal((await api('GET', '/api/session', { token: late.token })).json.id, rot.json.id);
  const list = await api('GET', '/api/sessions', { token: signed.token });
  assert.deepEqual(list.json.map((s) => [s.id, s.current]), [[rot.json.id, true]], 'listed once, under its current id');
  const all = await api('DELETE', '/api/sessions', { token: rot.token });
  assert.deepEqual(all.json, { revoked: 1 });
  assertError(await api('GET', '/api/session', { token: signed.token }), 401, 'session_not_found');
});

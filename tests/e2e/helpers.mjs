// Shared pieces of the worker end-to-end tests: the fixed test keyring, a small API client,
// a token minter following the v1 token format (src/token.rs), and the lifecycle scenario
// run against both store modes.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';

/** Fixed 32-byte test secrets. */
export const SECRETS = {
  'k-test': Buffer.alloc(32, 0x11),
  'k-old': Buffer.alloc(32, 0x22),
  'k-gone': Buffer.alloc(32, 0x33),
};

/** k-test signs, k-old only verifies, k-gone is retired. */
export const TEST_KEYS = JSON.stringify([
  { kid: 'k-test', secret: SECRETS['k-test'].toString('base64'), state: 'primary' },
  { kid: 'k-old', secret: SECRETS['k-old'].toString('base64'), state: 'verify' },
  { kid: 'k-gone', secret: SECRETS['k-gone'].toString('base64'), state: 'retired' },
]);

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const COOKIE = '__Host-session';

/**
 * Signs a v1 token: body = 0x01 | kid_len | kid | session_id(16) | shard_len | shard |
 * epoch u32 | issued_at u64 | expires_at u64 | payload_len u16 (0); tag = HMAC-SHA256(secret,
 * "edge-session/v1/token\0" || body); token = base64url(body || tag).
 */
export function mintToken({ kid = 'k-test', secret = SECRETS[kid], sessionId = randomBytes(16),
  shard = 'shard-0', epoch = 1, issuedAt, expiresAt }) {
  const now = Math.floor(Date.now() / 1000);
  issuedAt ??= now;
  expiresAt ??= now + 3600;
  const nums = Buffer.alloc(4 + 8 + 8 + 2);
  nums.writeUInt32BE(epoch, 0);
  nums.writeBigUInt64BE(BigInt(issuedAt), 4);
  nums.writeBigUInt64BE(BigInt(expiresAt), 12);
  const body = Buffer.concat([Buffer.from([1, kid.length]), Buffer.from(kid), sessionId,
    Buffer.from([shard.length]), Buffer.from(shard), nums]);
  const tag = createHmac('sha256', secret).update('edge-session/v1/token\0').update(body).digest();
  return Buffer.concat([body, tag]).toString('base64url');
}

/** The session token in a response's Set-Cookie, or undefined. */
export function cookieToken(res) {
  for (const line of res.headers.getSetCookie()) {
    const m = line.match(/^__Host-session=([^;]*)/);
    if (m) return m[1];
  }
  return undefined;
}

/** A client of one worker. */
export function client(url) {
  /** Calls the API; `token` goes in Authorization (or in the cookie with `viaCookie`). */
  async function api(method, path, { token, body, headers = {}, viaCookie = false, raw } = {}) {
    const h = { ...headers };
    if (token && viaCookie) h.cookie = `${COOKIE}=${token}`;
    else if (token) h.authorization = `Bearer ${token}`;
    let payload = raw;
    if (body !== undefined) {
      payload = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, { method, headers: h, body: payload });
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, json, text, headers: res.headers, token: cookieToken(res) };
  }
  async function signIn(user, extra = {}) {
    const r = await api('POST', '/api/sessions', { body: { user, device: 'test', ...extra } });
    assert.equal(r.status, 201, r.text);
    assert.ok(r.token, 'sign-in sets the session cookie');
    return { token: r.token, view: r.json };
  }
  return { api, signIn };
}

/** Asserts an error answer. */
export function assertError(r, status, code) {
  assert.equal(r.status, status, `${r.status} ${r.text}`);
  assert.equal(r.json?.error?.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
}

/** Sign in, read (cookie and bearer), update, stale update, rotate, list, sign out. */
export async function lifecycle(url, store) {
  const { api, signIn } = client(url);
  const user = `life-${store}-${randomBytes(4).toString('hex')}`;
  const { token, view } = await signIn(user, { data: { theme: 'dark' } });
  assert.equal(view.user, user);
  assert.deepEqual(view.data, { theme: 'dark' });
  assert.equal(view.version, 1);
  assert.match(view.id, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!JSON.stringify(view).includes(token), 'the token is never in a body');
  for (const f of ['created_at', 'last_seen', 'idle_expires_at', 'absolute_expires_at', 'expires_at', 'epoch']) {
    assert.equal(typeof view[f], 'number', f);
  }

  const byCookie = await api('GET', '/api/session', { token, viaCookie: true });
  assert.equal(byCookie.status, 200);
  assert.equal(byCookie.json.id, view.id);
  const byBearer = await api('GET', '/api/session', { token });
  assert.equal(byBearer.json.id, view.id);
  assert.equal(byBearer.headers.get('etag'), '"1"');

  const up = await api('PUT', '/api/session', { token, body: { data: { theme: 'light' } }, headers: { 'if-match': '"1"' } });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.version, 2);
  assert.deepEqual(up.json.data, { theme: 'light' });
  const stale = await api('PUT', '/api/session', { token, body: { data: { theme: 'x' } }, headers: { 'if-match': '"1"' } });
  assertError(stale, 412, 'version_conflict');
  assert.equal(stale.json.error.current_version, 2);
  const bodyVersion = await api('PUT', '/api/session', { token, body: { data: { theme: 'blue' }, version: 2 } });
  assert.equal(bodyVersion.status, 200);
  assert.equal(bodyVersion.json.version, 3);
  assertError(await api('PUT', '/api/session', { token, body: { data: {} } }), 428, 'version_required');

  const rot = await api('POST', '/api/session/rotate', { token });
  assert.equal(rot.status, 200, rot.text);
  assert.ok(rot.token && rot.token !== token);
  assert.notEqual(rot.json.id, view.id);
  assert.deepEqual(rot.json.data, { theme: 'blue' });
  // Inside the rotation grace window (30 s by default) the old token resolves to the successor
  // and the answer carries the successor's cookie.
  const late = await api('GET', '/api/session', { token });
  assert.equal(late.status, 200, late.text);
  assert.equal(late.json.id, rot.json.id);
  assert.ok(late.token, "the successor's cookie");
  assert.equal((await api('GET', '/api/session', { token: late.token })).json.id, rot.json.id);
  const fresh = rot.token;

  const second = await signIn(user);
  const list = await api('GET', '/api/sessions', { token: fresh });
  assert.equal(list.status, 200);
  assert.equal(list.json.length, 2);
  assert.deepEqual(list.json.map((s) => s.current).sort(), [false, true]);
  assert.ok(list.json.every((s) => s.shard && s.id && s.expires_at));
  const other = list.json.find((s) => !s.current);
  assert.equal((await api('DELETE', `/api/sessions/${other.id}`, { token: fresh })).status, 204);
  assertError(await api('DELETE', `/api/sessions/${other.id}`, { token: fresh }), 404, 'session_not_found');
  assertError(await api('GET', '/api/session', { token: second.token }), 401, 'session_not_found');

  const out = await api('DELETE', '/api/session', { token: fresh });
  assert.equal(out.status, 204);
  assert.ok(out.headers.getSetCookie().some((c) => /^__Host-session=;.*Max-Age=0/.test(c)), 'cookie cleared');
  assertError(await api('GET', '/api/session', { token: fresh }), 401, 'session_not_found');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// KVStore over an in-memory stand-in for a Workers KV binding (the real one runs in
// tests/e2e/hono.test.mjs), and honoSession/honoOnError in Node through Hono's app.request():
// conformance, key layout and expirations, KV failures as store_unavailable, corrupt values,
// configuration errors, and every verb's cookie and status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { KEYS, pkg } from './helpers.mjs';

const { KVStore, MemoryStore, SessionManager, honoSession, honoOnError, runConformance } = await pkg();

/** A Map with KV's surface: get(key, 'text'), put(key, value, {expiration}), delete, list({prefix, limit, cursor}). */
function fakeKV() {
  const data = new Map();
  const kv = {
    data,
    fail: null,
    async get(key, type) {
      if (kv.fail) throw new Error(kv.fail);
      assert.equal(type, 'text');
      return data.has(key) ? data.get(key).value : null;
    },
    async put(key, value, opts = {}) {
      if (kv.fail) throw new Error(kv.fail);
      assert.equal(typeof value, 'string');
      assert.ok(opts.expiration >= Date.now() / 1000 + 60, 'KV refuses an expiration less than 60 s ahead');
      data.set(key, { value, expiration: opts.expiration });
    },
    async delete(key) {
      if (kv.fail) throw new Error(kv.fail);
      data.delete(key);
    },
    async list({ prefix = '', limit = 1000, cursor } = {}) {
      if (kv.fail) throw new Error(kv.fail);
      const names = [...data.keys()].filter((k) => k.startsWith(prefix)).sort();
      const start = cursor ? Number(cursor) : 0;
      const keys = names.slice(start, start + limit).map((name) => ({ name }));
      const done = start + limit >= names.length;
      return { keys, list_complete: done, ...(done ? {} : { cursor: String(start + limit) }) };
    },
  };
  return kv;
}

test('KVStore passes the core conformance suite', async () => {
  assert.equal(await runConformance(new KVStore(fakeKV()), 'kv-node'), 20);
});

test('KVStore: layout, expirations, user listing and deleteByUser', async () => {
  const kv = fakeKV();
  const m = new SessionManager({ keys: KEYS, ring: [{ name: 'kv' }], store: new KVStore(kv, { prefix: 'p:' }), policy: { rotationGrace: 0 } });
  const a = await m.create({ user: 'ann', data: { n: 1 } });
  await m.create({ user: 'ann' });
  await m.create({ user: 'bob' });
  const rec = kv.data.get(`p:s:${a.session.id}`);
  assert.ok(rec, 'the record lives under <prefix>s:<idHash>');
  assert.equal(JSON.parse(rec.value).user, 'ann');
  assert.equal(rec.expiration, a.session.expiresAt, 'it expires with the session');
  assert.ok(kv.data.has(`p:u:${Buffer.from('ann').toString('base64url')}:${a.session.id}`), 'and is indexed by user');
  assert.equal((await m.listUser('ann')).length, 2);
  const rotated = await m.rotate(a.token);
  assert.ok(!kv.data.has(`p:s:${a.session.id}`), 'rotation removes the old key');
  assert.deepEqual((await m.authenticate(rotated.token)).session.data, { n: 1 });
  assert.equal(await m.revokeUser('ann'), 2);
  assert.equal((await m.listUser('ann')).length, 0);
  assert.equal((await m.listUser('bob')).length, 1);
  const indexed = (user) => [...kv.data.keys()].filter((k) => k.startsWith(`p:u:${Buffer.from(user).toString('base64url')}:`)).length;
  assert.deepEqual([indexed('ann'), indexed('bob')], [0, 1], 'only bob\'s index entry is left');
  assert.equal(indexed('\u0001history\u0001ann'), 1, 'ann\'s history record (the rotation, revoke-all) is its own');
  assert.deepEqual((await m.history('ann')).map((e) => e.reason), ['admin', 'admin', 'rotated']);
});

test('KVStore: KV failures are store_unavailable (rate_limited for 429), corrupt values store_corrupt', async () => {
  const kv = fakeKV();
  const store = new KVStore(kv);
  const m = new SessionManager({ keys: KEYS, ring: [{ name: 'kv' }], store });
  const { token, session } = await m.create({ user: 'u' });
  kv.fail = 'KV PUT failed: 429 Too Many Requests';
  await assert.rejects(m.update(token, 1, { a: 1 }), { code: 'store_unavailable', reason: 'rate_limited', status: 503 });
  kv.fail = 'network connection lost';
  await assert.rejects(m.authenticate(token), { code: 'store_unavailable', reason: 'kv_error', status: 503 });
  kv.fail = null;
  assert.equal((await m.authenticate(token)).session.version, 1, 'usable again afterwards');
  for (const bad of ['not json', '42', JSON.stringify({ ...JSON.parse(kv.data.get(`s:${session.id}`).value), idHash: 'x' })]) {
    kv.data.set(`s:${session.id}`, { value: bad });
    await assert.rejects(store.get(session.id, 0), { code: 'store_corrupt' }, bad);
  }
});

test('KVStore and honoSession refuse bad configuration at set-up (config_invalid; bad cookie options invalid_input)', () => {
  for (const bad of [undefined, null, {}, { get() {} }, new Map()]) {
    assert.throws(() => new KVStore(bad), { code: 'config_invalid' });
  }
  assert.throws(() => new KVStore(fakeKV(), { prefix: 'x'.repeat(65) }), { code: 'config_invalid' });
  assert.throws(() => new KVStore(fakeKV(), { prefix: 5 }), { code: 'config_invalid' });
  assert.throws(() => honoSession({}), { code: 'config_invalid' });
  const manager = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore() });
  assert.throws(() => honoSession({ manager, cookie: { sameSite: 'Sometimes' } }), { code: 'invalid_input' });
});

/** A Hono app with every verb over a KVStore; the manager is given as `(c) => manager`, as in a Worker. */
function honoApp() {
  // No rotation grace: the old cookie is dead at once (tests/js/features.test.mjs has the window).
  const manager = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new KVStore(fakeKV()), policy: { rotationGrace: 0 } });
  const app = new Hono();
  app.onError(honoOnError);
  app.use('/api/*', honoSession({ manager: (c) => { assert.ok(c.req); return manager; }, cookie: { name: 'sid', hostPrefix: false, secure: false } }));
  app.post('/api/in', async (c) => c.json(await c.get('signIn')(await c.req.json()), 201));
  app.get('/api/me', (c) => c.json(c.get('session')));
  app.put('/api/me', async (c) => {
    const { data, version } = await c.req.json();
    return c.json(await c.get('saveSession')(data, version));
  });
  app.post('/api/rotate', async (c) => c.json(await c.get('rotateSession')()));
  app.delete('/api/me', async (c) => { await c.get('signOut')(); return c.body(null, 204); });
  app.get('/api/boom', () => { throw new Error('internal detail'); });
  app.get('/api/teapot', () => { throw new HTTPException(418, { message: 'short and stout' }); });
  const req = async (method, path, { cookie, body } = {}) => {
    const headers = { ...(cookie ? { cookie } : {}), ...(body ? { 'content-type': 'application/json' } : {}) };
    const res = await app.request(path, { method, headers, body: body && JSON.stringify(body) });
    const set = res.headers.getSetCookie();
    return { status: res.status, json: await res.json().catch(() => null), set, cookie: set[0]?.split(';')[0] };
  };
  return req;
}

test('honoSession: every verb sets, keeps or clears the cookie', async () => {
  const req = honoApp();
  assert.equal((await req('GET', '/api/me')).json, null, 'no cookie: c.get("session") is null');
  const signIn = await req('POST', '/api/in', { body: { user: 'hana', data: { n: 1 } } });
  assert.equal(signIn.status, 201);
  assert.match(signIn.set[0], /^sid=[A-Za-z0-9_-]+; HttpOnly; SameSite=Lax; Path=\/; Max-Age=43200$/);
  const { cookie } = signIn;
  const me = await req('GET', '/api/me', { cookie });
  assert.deepEqual([me.json.user, me.json.version, me.set], ['hana', 1, []]);
  const saved = await req('PUT', '/api/me', { cookie, body: { data: { n: 2 } } });
  assert.deepEqual([saved.status, saved.json.version, saved.json.data], [200, 2, { n: 2 }]);
  const stale = await req('PUT', '/api/me', { cookie, body: { data: { n: 3 }, version: 1 } });
  assert.deepEqual([stale.status, stale.json], [412, { error: { code: 'version_conflict' } }]);
  const big = await req('PUT', '/api/me', { cookie, body: { data: { s: 'x'.repeat(5000) } } });
  assert.deepEqual([big.status, big.json], [413, { error: { code: 'data_too_large' } }]);
  const rotated = await req('POST', '/api/rotate', { cookie });
  assert.equal(rotated.status, 200);
  assert.notEqual(rotated.cookie, cookie);
  const dead = await req('GET', '/api/me', { cookie });
  assert.equal(dead.json, null);
  assert.match(dead.set[0], /^sid=; .*Max-Age=0/, 'a dead cookie is cleared');
  const again = await req('POST', '/api/in', { cookie: rotated.cookie, body: { user: 'hana' } });
  assert.equal(again.status, 201, 'signing in again ends the previous session');
  assert.equal((await req('GET', '/api/me', { cookie: rotated.cookie })).json, null);
  const out = await req('DELETE', '/api/me', { cookie: again.cookie });
  assert.equal(out.status, 204);
  assert.match(out.set[0], /^sid=; .*Max-Age=0/);
  assert.equal((await req('GET', '/api/me', { cookie: again.cookie })).json, null);
});

test('honoOnError: codes and statuses, never internals', async () => {
  const req = honoApp();
  assert.deepEqual(await req('POST', '/api/in', { body: { user: 42 } }).then((r) => [r.status, r.json]), [400, { error: { code: 'invalid_input' } }]);
  assert.deepEqual(await req('PUT', '/api/me', { body: { data: {} } }).then((r) => [r.status, r.json]), [401, { error: { code: 'invalid_token' } }]);
  assert.deepEqual(await req('POST', '/api/rotate').then((r) => [r.status, r.json]), [401, { error: { code: 'invalid_token' } }]);
  assert.deepEqual(await req('GET', '/api/boom').then((r) => [r.status, r.json]), [500, { error: { code: 'internal_error' } }]);
  assert.equal((await req('GET', '/api/teapot')).status, 418, "Hono's HTTPException answers as it would");
});

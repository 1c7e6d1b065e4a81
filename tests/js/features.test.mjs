// Session features of the npm package, through the manager, the cookie helpers and both
// middlewares: "remember me" (browser-session cookies), cookie options (Domain, Partitioned).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { KEYS, pkg } from './helpers.mjs';

const { SessionManager, MemoryStore, setCookie, clearCookie, readCookie, edgeSession, honoSession, honoOnError } = await pkg();

function manager(now = () => 1_800_000_000, policy = { idleTimeout: 100, absoluteLifetime: 1000, touchInterval: 10 }) {
  return new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy, now });
}

/** The Express middleware over a request with `cookie`; returns req and the Set-Cookie lines. */
async function express(mw, cookie) {
  const headers = new Map();
  const res = { getHeader: (k) => headers.get(k), setHeader: (k, v) => headers.set(k, v) };
  const req = { headers: cookie ? { cookie } : {} };
  let err;
  await mw(req, res, (e) => { err = e; });
  if (err) throw err;
  return { req, set: () => headers.get('Set-Cookie') ?? [] };
}

test('remember me off: maxAge null, a cookie without Max-Age, kept through touch and rotation', async () => {
  let now = 1_800_000_000;
  const m = manager(() => now);
  const off = await m.create({ user: 'u', persistent: false });
  assert.equal(off.maxAge, null);
  assert.equal(off.session.persistent, false);
  const line = setCookie(off.token, off.maxAge);
  assert.doesNotMatch(line, /Max-Age|Expires/);
  assert.equal(setCookie(off.token, undefined), line);
  now += 50;
  assert.equal((await m.authenticate(off.token)).touched, true);
  const rotated = await m.rotate(off.token);
  assert.deepEqual([rotated.maxAge, rotated.session.persistent], [null, false]);
  // The server-side idle deadline still ends it.
  now += 101;
  await assert.rejects(m.authenticate(rotated.token), (e) => e.status === 401);
  const on = await m.create({ user: 'u' });
  assert.deepEqual([on.maxAge, on.session.persistent], [1000, true]);
  assert.match(setCookie(on.token, on.maxAge), /; Max-Age=1000$/);
  for (const bad of ['no', 1, {}, []]) {
    await assert.rejects(m.create({ user: 'u', persistent: bad }), { code: 'invalid_input' });
  }
  assert.throws(() => setCookie(on.token, 'soon'), { code: 'invalid_input' });
});

test('remember me through Express and Hono: the rotated cookie has no Max-Age either', async () => {
  const m = manager();
  const mw = edgeSession({ manager: m });
  const first = await express(mw);
  await first.req.signIn({ user: 'e', persistent: false });
  const [signed] = first.set();
  assert.match(signed, /^__Host-session=[^;]+; HttpOnly; SameSite=Lax; Secure; Path=\/$/);
  const cookie = signed.split(';')[0];
  const second = await express(mw, cookie);
  assert.equal(second.req.session.persistent, false);
  await second.req.rotateSession();
  assert.doesNotMatch(second.set()[0], /Max-Age/);

  const app = new Hono();
  app.onError(honoOnError);
  app.use('*', honoSession({ manager: m }));
  app.post('/in', async (c) => c.json(await c.get('signIn')(await c.req.json()), 201));
  app.post('/rotate', async (c) => c.json(await c.get('rotateSession')()));
  const res = await app.request('/in', { method: 'POST', body: JSON.stringify({ user: 'h', persistent: false }) });
  assert.equal(res.status, 201);
  const [line] = res.headers.getSetCookie();
  assert.doesNotMatch(line, /Max-Age/);
  const rot = await app.request('/rotate', { method: 'POST', headers: { cookie: line.split(';')[0] } });
  assert.equal(rot.status, 200);
  assert.doesNotMatch(rot.headers.getSetCookie()[0], /Max-Age/);
  const bad = await app.request('/in', { method: 'POST', body: JSON.stringify({ user: 'h', persistent: 'yes' }) });
  assert.deepEqual([bad.status, await bad.json()], [400, { error: { code: 'invalid_input' } }]);
});

test('cookie options: a domain switches __Host- to __Secure-; host + domain and bad domains are coded errors', () => {
  const d = { domain: 'example.com' };
  assert.equal(setCookie('t', 60, d), '__Secure-session=t; HttpOnly; SameSite=Lax; Secure; Path=/; Domain=example.com; Max-Age=60');
  assert.equal(readCookie('a=1; __Secure-session=t', d), 't');
  assert.equal(readCookie('__Host-session=t', d), undefined);
  assert.match(clearCookie(d), /^__Secure-session=; .*Domain=example\.com; Max-Age=0$/);
  assert.throws(() => setCookie('t', 60, { ...d, prefix: 'host' }), { code: 'cookie_host_prefix_domain' });
  assert.throws(() => setCookie('t', 60, { ...d, hostPrefix: true }), { code: 'cookie_host_prefix_domain' });
  assert.match(setCookie('t', 60, { prefix: 'secure' }), /^__Secure-session=t; /);
  assert.match(setCookie('t', 60, { prefix: 'none', ...d }), /^session=t; /);
  assert.throws(() => setCookie('t', 60, { prefix: 'host', hostPrefix: true }), { code: 'invalid_input' });
  assert.throws(() => setCookie('t', 60, { prefix: 'strong' }), { code: 'invalid_input' });
  for (const domain of ['', 'a..b', 'a b', '-a.com', 'a-.com', `${'a'.repeat(64)}.com`, 'x.'.repeat(127) + 'x', 'ex;ample.com', 'é.com']) {
    assert.throws(() => setCookie('t', 60, { domain }), { code: 'cookie_bad_domain' }, JSON.stringify(domain));
  }
  assert.throws(() => setCookie('t', 60, { domain: 42 }), { code: 'invalid_input' });
});

test('cookie options: Partitioned needs Secure and is counted in the 4096-byte line', () => {
  assert.equal(setCookie('t', 1, { partitioned: true }), '__Host-session=t; HttpOnly; SameSite=Lax; Partitioned; Secure; Path=/; Max-Age=1');
  assert.match(clearCookie({ partitioned: true }), /; Partitioned; /);
  assert.throws(() => setCookie('t', 1, { partitioned: true, secure: false, prefix: 'none' }), { code: 'cookie_partitioned_insecure' });
  assert.throws(() => setCookie('t', 1, { partitioned: 'yes' }), { code: 'invalid_input' });
  const line = (v, o) => 'Set-Cookie: '.length + setCookie(v, 86400, o).length;
  const opts = { domain: 'sub.example.com', partitioned: true };
  const fits = 'a'.repeat(4096 - line('', opts));
  assert.equal(line(fits, opts), 4096);
  assert.throws(() => setCookie(fits + 'a', 86400, opts), { code: 'cookie_too_large' });
  assert.ok(line(fits + 'a'.repeat(20)) <= 4096, 'without Domain and Partitioned the longer value fits');
});

test('cookie options through Express and Hono: __Secure- with a domain, set-up refuses host + domain', async () => {
  const m = manager();
  const cookie = { domain: 'example.com', partitioned: true };
  assert.throws(() => edgeSession({ manager: m, cookie: { domain: 'example.com', prefix: 'host' } }), { code: 'cookie_host_prefix_domain' });
  assert.throws(() => honoSession({ manager: m, cookie: { domain: 'a..b' } }), { code: 'cookie_bad_domain' });
  const mw = edgeSession({ manager: m, cookie });
  const first = await express(mw);
  await first.req.signIn({ user: 'd' });
  const [line] = first.set();
  assert.match(line, /^__Secure-session=[^;]+; HttpOnly; SameSite=Lax; Partitioned; Secure; Path=\/; Domain=example\.com; Max-Age=\d+$/);
  const second = await express(mw, line.split(';')[0]);
  assert.equal(second.req.session.user, 'd');
  await second.req.signOut();
  assert.match(second.set()[0], /^__Secure-session=; .*Partitioned.*Domain=example\.com; Max-Age=0$/);

  const app = new Hono();
  app.onError(honoOnError);
  app.use('*', honoSession({ manager: m, cookie }));
  app.post('/in', async (c) => c.json(await c.get('signIn')(await c.req.json()), 201));
  app.get('/me', (c) => c.json(c.get('session')));
  const res = await app.request('/in', { method: 'POST', body: JSON.stringify({ user: 'h' }) });
  const [set] = res.headers.getSetCookie();
  assert.match(set, /^__Secure-session=.*; Partitioned; Secure; Path=\/; Domain=example\.com; /);
  const me = await app.request('/me', { headers: { cookie: set.split(';')[0] } });
  assert.equal((await me.json()).user, 'h');
});

test('freshness: maxAuthAge demands a recent sign-in, rotation keeps authenticatedAt, reauthenticate renews it', async () => {
  let now = 1_800_000_000;
  const m = manager(() => now, { idleTimeout: 1000, absoluteLifetime: 5000, touchInterval: 10 });
  const { token, session } = await m.create({ user: 'f' });
  assert.deepEqual([session.authenticatedAt, session.createdAt], [now, now]);
  now += 60;
  assert.equal((await m.authenticate(token, { maxAuthAge: 60 })).session.authenticatedAt, now - 60);
  const rotated = await m.rotate(token);
  assert.equal(rotated.session.authenticatedAt, now - 60, 'rotation keeps it');
  now += 1;
  await assert.rejects(m.authenticate(rotated.token, { maxAuthAge: 60 }), { code: 'reauth_required', status: 401 });
  assert.equal((await m.authenticate(rotated.token)).session.user, 'f', 'the session itself stays valid');
  const re = await m.reauthenticate(rotated.token);
  assert.deepEqual([re.id, re.authenticatedAt, re.version], [rotated.session.id, now, rotated.session.version + 1]);
  assert.equal((await m.authenticate(rotated.token, { maxAuthAge: 0 })).session.authenticatedAt, now);
  for (const bad of [-1, 1.5, '60', 315360001, {}]) {
    await assert.rejects(m.authenticate(rotated.token, { maxAuthAge: bad }), { code: 'invalid_input' }, String(bad));
  }
  await assert.rejects(m.authenticate(rotated.token, 60), { code: 'invalid_input' });
  await assert.rejects(m.reauthenticate('nope'), { code: 'invalid_token' });
  await m.destroy(rotated.token);
  await assert.rejects(m.reauthenticate(rotated.token), { code: 'session_not_found' });
});

test('freshness through Express and Hono: requireFresh refuses with reauth_required and keeps the cookie; reauthenticate fixes it', async () => {
  let now = 1_800_000_000;
  const m = manager(() => now, { idleTimeout: 1000, absoluteLifetime: 5000, touchInterval: 10 });
  const mw = edgeSession({ manager: m });
  const first = await express(mw);
  await first.req.signIn({ user: 'x' });
  const cookie = first.set()[0].split(';')[0];
  now += 120;
  const second = await express(mw, cookie);
  await assert.rejects(second.req.requireFresh(60), { code: 'reauth_required', status: 401 });
  assert.deepEqual(second.set(), [], 'the cookie is kept');
  const fresh = await second.req.reauthenticate();
  assert.equal(fresh.authenticatedAt, now);
  assert.equal((await second.req.requireFresh(60)).authenticatedAt, now);
  const anon = await express(mw);
  await assert.rejects(anon.req.requireFresh(60), { code: 'invalid_token' });

  const app = new Hono();
  app.onError(honoOnError);
  app.use('*', honoSession({ manager: m }));
  app.post('/in', async (c) => c.json(await c.get('signIn')(await c.req.json()), 201));
  app.post('/sensitive', async (c) => c.json(await c.get('requireFresh')(60)));
  app.post('/reauth', async (c) => c.json(await c.get('reauthenticate')()));
  const res = await app.request('/in', { method: 'POST', body: JSON.stringify({ user: 'h' }) });
  const headers = { cookie: res.headers.getSetCookie()[0].split(';')[0] };
  assert.equal((await app.request('/sensitive', { method: 'POST', headers })).status, 200);
  now += 61;
  const refused = await app.request('/sensitive', { method: 'POST', headers });
  assert.deepEqual([refused.status, await refused.json(), refused.headers.getSetCookie()], [401, { error: { code: 'reauth_required' } }, []]);
  assert.equal((await app.request('/reauth', { method: 'POST', headers })).status, 200);
  assert.equal((await app.request('/sensitive', { method: 'POST', headers })).status, 200);
});

test('rotation grace: the old token resolves to one successor (also for a second rotation); Express hands out its cookie; sign-out ends both', async () => {
  let now = 1_800_000_000;
  const m = manager(() => now, { idleTimeout: 1000, absoluteLifetime: 5000, touchInterval: 10, rotationGrace: 30 });
  assert.equal(m.policy.rotationGrace, 30);
  const { token: old } = await m.create({ user: 'g' });
  const [a, b] = await Promise.all([m.rotate(old), m.rotate(old)]);
  assert.equal(a.session.id, b.session.id, 'one successor');
  const late = await m.authenticate(old);
  assert.equal(late.session.id, a.session.id);
  assert.equal((await m.authenticate(late.successor.token)).session.id, a.session.id);
  const mw = edgeSession({ manager: m });
  const tab = await express(mw, `__Host-session=${old}`);
  assert.equal(tab.req.session.id, a.session.id);
  assert.match(tab.set()[0], /^__Host-session=[^;]+; .*Max-Age=\d+$/, "the successor's cookie");
  await assert.rejects(m.update(old, 1, { x: 1 }), { code: 'version_conflict' });
  now += 30;
  await assert.rejects(m.authenticate(old), { code: 'session_not_found' });
  const { token: o2 } = await m.create({ user: 'g' });
  const r2 = await m.rotate(o2);
  await m.destroy(r2.token);
  await assert.rejects(m.authenticate(o2), { code: 'session_not_found' });
  for (const bad of [-1, 301, 1.5, 'x']) {
    assert.throws(() => manager(() => now, { rotationGrace: bad }), { code: /policy_invalid|invalid_input/ }, String(bad));
  }
});

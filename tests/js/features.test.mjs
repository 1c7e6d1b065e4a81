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

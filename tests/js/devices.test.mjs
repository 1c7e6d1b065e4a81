// Device details in the npm package: the manager records the client of a sign-in (IP, a browser
// + OS summary, country, colo) and shows it in the session and the list; `bindIp` / `bindUa`
// refuse a token from another network or browser (401 device_mismatch) and count it; the Express
// and Hono middleware pass the request's client, with X-Forwarded-For only through `trustProxy`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hono } from 'hono';
import { KEYS, pkg } from './helpers.mjs';

const { SessionManager, MemoryStore, edgeSession, honoSession, honoOnError } = await pkg();

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';

function manager(policy = {}) {
  return new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy, now: () => 1_800_000_000 });
}

/** The Express middleware over a request from `remoteAddress` with `headers`. */
async function express(mw, headers = {}, remoteAddress = '198.51.100.20') {
  const set = new Map();
  const res = { getHeader: (k) => set.get(k), setHeader: (k, v) => set.set(k, v) };
  const req = { headers, socket: { remoteAddress } };
  let err;
  await mw(req, res, (e) => { err = e; });
  if (err) throw err;
  return { req, lines: () => set.get('Set-Cookie') ?? [] };
}

test('the manager records the client of a sign-in and lists it; bad client values are invalid_input', async () => {
  const m = manager();
  const client = { ip: '::ffff:203.0.113.7', userAgent: FIREFOX, country: 'de', colo: 'fra' };
  const { session } = await m.create({ user: 'd', client });
  assert.deepEqual(session.client, { ip: '203.0.113.7', agent: 'Firefox on Linux', country: 'DE', colo: 'FRA' });
  const [listed] = await m.listUser('d');
  assert.deepEqual(listed.client, session.client);
  const none = await m.create({ user: 'n' });
  assert.deepEqual(none.session.client, { ip: '', agent: '', country: '', colo: '' });
  for (const bad of [{ ip: 'nope' }, { ip: 7 }, { country: 'Germany' }, { colo: 'X' }, { userAgent: 'x'.repeat(9000) }, 'ip']) {
    await assert.rejects(m.create({ user: 'd', client: bad }), { code: 'invalid_input' }, JSON.stringify(bad));
  }
  await assert.rejects(m.authenticate(none.token, { client: 5 }), { code: 'invalid_input' });
  assert.deepEqual(m.refusals, { ip: 0, agent: 0 });
});

test('bindIp and bindUa refuse another network or browser with device_mismatch, and count it', async () => {
  const m = manager({ bindIp: true, bindUa: true });
  assert.deepEqual([m.policy.bindIp, m.policy.bindUa], [true, true]);
  const home = { ip: '2001:db8:1:2::10', userAgent: FIREFOX };
  const { token } = await m.create({ user: 'b', client: home });
  // Same /64, same browser (another version): accepted.
  const sameNet = { ip: '2001:db8:1:2:abcd::1', userAgent: FIREFOX.replaceAll('133.0', '134.0') };
  assert.equal((await m.authenticate(token, { client: sameNet })).session.user, 'b');
  const away = { ip: '2001:db8:9:9::1', userAgent: FIREFOX };
  await assert.rejects(m.authenticate(token, { client: away }), { code: 'device_mismatch', status: 401 });
  await assert.rejects(m.update(token, 1, { x: 1 }, { client: away }), { code: 'device_mismatch' });
  await assert.rejects(m.rotate(token, { client: away }), { code: 'device_mismatch' });
  await assert.rejects(m.authenticate(token, { client: { ...home, userAgent: SAFARI_IOS } }), { code: 'device_mismatch' });
  await assert.rejects(m.reauthenticate(token), { code: 'device_mismatch' }, 'no client: refused');
  assert.deepEqual(m.refusals, { ip: 4, agent: 1 });
  // Nothing was written by the refusals.
  assert.equal((await m.authenticate(token, { client: home })).session.version, 1);
  assert.throws(() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy: { bindIp: 'yes' } }), { code: 'policy_invalid' });
});

test('Express: the socket address by default (X-Forwarded-For ignored), trustProxy picks the proxy-seen entry', async () => {
  const m = manager();
  const headers = { 'user-agent': SAFARI_IOS, 'x-forwarded-for': '10.9.9.9, 203.0.113.50' };
  const plain = await express(edgeSession({ manager: m }), headers);
  const s1 = await plain.req.signIn({ user: 'x' });
  assert.deepEqual([s1.client.ip, s1.client.agent], ['198.51.100.20', 'Safari on iOS']);
  const one = await express(edgeSession({ manager: m, trustProxy: 1 }), headers);
  assert.equal((await one.req.signIn({ user: 'x' })).client.ip, '203.0.113.50');
  const two = await express(edgeSession({ manager: m, trustProxy: 2 }), headers);
  assert.equal((await two.req.signIn({ user: 'x' })).client.ip, '10.9.9.9');
  const junk = await express(edgeSession({ manager: m, trustProxy: 1 }), { 'x-forwarded-for': 'not-an-ip' });
  assert.equal((await junk.req.signIn({ user: 'x' })).client.ip, '', 'junk from a proxy is dropped, not an error');
  const fn = await express(edgeSession({ manager: m, trustProxy: () => '192.0.2.1' }), headers);
  assert.equal((await fn.req.signIn({ user: 'x' })).client.ip, '192.0.2.1');
  for (const bad of [true, -1, 17, 1.5, 'yes']) {
    assert.throws(() => edgeSession({ manager: m, trustProxy: bad }), { code: 'config_invalid' }, String(bad));
  }
});

test('Express and Hono with bindIp: a cookie from another address is anonymous (cleared) and counted', async () => {
  const m = manager({ bindIp: true });
  const mw = edgeSession({ manager: m });
  const first = await express(mw, {}, '203.0.113.1');
  await first.req.signIn({ user: 'e' });
  const cookie = first.lines()[0].split(';')[0];
  assert.equal((await express(mw, { cookie }, '203.0.113.1')).req.session.user, 'e');
  const moved = await express(mw, { cookie }, '203.0.113.2');
  assert.equal(moved.req.session, null);
  assert.match(moved.lines()[0], /Max-Age=0/);
  assert.equal(m.refusals.ip, 1);

  // Hono on Workers: CF-Connecting-IP and request.cf (country, colo).
  const app = new Hono();
  app.onError(honoOnError);
  app.use('*', honoSession({ manager: m }));
  app.post('/in', async (c) => c.json(await c.get('signIn')({ user: 'h' }), 201));
  app.get('/me', (c) => c.json(c.get('session')));
  const onWorkers = (path, init) => {
    const req = new Request(`http://x${path}`, init);
    Object.defineProperty(req, 'cf', { value: { country: 'NL', colo: 'AMS' } });
    return app.fetch(req, {});
  };
  const res = await onWorkers('/in', { method: 'POST', headers: { 'cf-connecting-ip': '192.0.2.7', 'user-agent': FIREFOX } });
  const body = await res.json();
  assert.deepEqual(body.client, { ip: '192.0.2.7', agent: 'Firefox on Linux', country: 'NL', colo: 'AMS' });
  const set = res.headers.getSetCookie()[0].split(';')[0];
  const same = await onWorkers('/me', { headers: { cookie: set, 'cf-connecting-ip': '192.0.2.7' } });
  assert.equal((await same.json()).user, 'h');
  const other = await onWorkers('/me', { headers: { cookie: set, 'cf-connecting-ip': '192.0.2.8' } });
  assert.equal(await other.json(), null);
  assert.equal(m.refusals.ip, 2);
  // Off Workers (no request.cf) CF-Connecting-IP is just a header anyone can send: ignored.
  const node = await app.request('/in', { method: 'POST', headers: { 'cf-connecting-ip': '192.0.2.7' } });
  assert.equal((await node.json()).client.ip, '');
});

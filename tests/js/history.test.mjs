// The audit trail in the npm package: every end of a session leaves a tombstone with its reason
// (`manager.history(user)`, newest first, bounded by historyMax and historyDays), through the
// memory store and a plain JS store; `onEvent` hears a sign-in from a new device and every
// revocation, and a hook that throws or rejects never breaks the call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, pkg } from './helpers.mjs';

import { Hono } from 'hono';

const { SessionManager, MemoryStore, edgeSession, honoSession, honoOnError } = await pkg();

/** A minimal JS store over a Map (the adapter's contract: records as plain objects). */
function mapStore() {
  const m = new Map();
  const live = (r, now) => r && r.expiresAt > now;
  const err = (code, extra = {}) => Object.assign(new Error(code), { code, ...extra });
  return {
    get: (k, now) => (live(m.get(k), now) ? m.get(k) : null),
    create: (r) => { if (m.has(r.idHash)) throw err('session_exists'); m.set(r.idHash, r); },
    compareAndSet: (r, v) => {
      const cur = m.get(r.idHash);
      if (!cur) throw err('session_not_found');
      if (cur.version !== v) throw err('version_conflict', { currentVersion: cur.version });
      m.set(r.idHash, r);
    },
    touch: (k, ls, ie) => { const r = m.get(k); if (!r) throw err('session_not_found'); r.lastSeen = Math.max(r.lastSeen, ls); r.idleExpiresAt = Math.max(r.idleExpiresAt, ie); r.expiresAt = Math.min(r.idleExpiresAt, r.absoluteExpiresAt); },
    replace: (old, v, r) => { const cur = m.get(old); if (!cur) throw err('session_not_found'); if (cur.version !== v) throw err('version_conflict', { currentVersion: cur.version }); m.delete(old); m.set(r.idHash, r); },
    delete: (k) => m.delete(k),
    listByUser: (u, now, limit) => [...m.values()].filter((r) => r.user === u && live(r, now))
      .sort((a, b) => a.createdAt - b.createdAt || (a.idHash < b.idHash ? -1 : 1)).slice(0, limit),
    deleteByUser: (u) => { let n = 0; for (const [k, r] of m) if (r.user === u) { m.delete(k); n++; } return n; },
    expire: (now) => { let n = 0; for (const [k, r] of m) if (!live(r, now)) { m.delete(k); n++; } return n; },
  };
}

for (const [name, makeStore] of [['MemoryStore', () => new MemoryStore()], ['a JS store', mapStore]]) {
  test(`every end leaves a tombstone with its reason, newest first (${name})`, async () => {
    let now = 1_800_000_000;
    const events = [];
    const m = new SessionManager({
      keys: KEYS, ring: [{ name: 'a' }], store: makeStore(), now: () => now,
      policy: { maxSessionsPerUser: 2, historyMax: 6, historyDays: 1 },
      onEvent: (e) => events.push(e),
    });
    const laptop = { ip: '203.0.113.7', userAgent: 'curl/8.11' };
    const a = await m.create({ user: 'u', client: laptop });
    now += 1;
    const a2 = await m.rotate(a.token);
    now += 1;
    const b = await m.create({ user: 'u', client: laptop });
    now += 1;
    await m.create({ user: 'u', client: { ip: '198.51.100.9', userAgent: 'Mozilla/5.0 (iPhone) Safari/604.1' } }); // evicts a2
    now += 1;
    await m.destroy(b.token);
    now += 1;
    const [c] = await m.listUser('u');
    assert.equal(await m.revoke('u', c.id), true);
    now += 1;
    await m.create({ user: 'u' });
    assert.equal(await m.revokeUser('u'), 1);
    const h = await m.history('u');
    assert.deepEqual(h.map((e) => e.reason), ['admin', 'admin', 'signed_out', 'evicted', 'rotated']);
    assert.equal(h.find((e) => e.reason === 'rotated').id, a.session.id);
    assert.equal(h.find((e) => e.reason === 'evicted').id, a2.session.id);
    assert.deepEqual(Object.keys(h[0]).sort(), ['client', 'createdAt', 'device', 'endedAt', 'id', 'reason']);
    assert.equal(h.find((e) => e.reason === 'signed_out').client.agent, 'curl');
    // Events: two new devices (the laptop, the phone), and every end but the rotation.
    const kinds = events.map((e) => (e.type === 'session_ended' ? e.ended.reason : e.type));
    assert.deepEqual(kinds, ['new_device', 'new_device', 'evicted', 'signed_out', 'admin', 'admin']);
    assert.equal(events[0].user, 'u');
    // No one else's, and gone after historyDays.
    assert.deepEqual(await m.history('v'), []);
    now += 86_400;
    assert.deepEqual(await m.history('u'), []);
    await assert.rejects(m.history(''), { code: 'invalid_input' });
  });
}

test('historyMax bounds the trail; a throwing or rejecting onEvent never breaks the call', async () => {
  let calls = 0;
  const hooks = [() => { calls++; throw new Error('hook failed'); }, async () => { calls++; throw new Error('async hook failed'); }];
  for (const onEvent of hooks) {
    const m = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy: { historyMax: 3 }, onEvent, now: 1_800_000_000 });
    for (let i = 0; i < 5; i++) {
      const { token } = await m.create({ user: 'w', client: { ip: `192.0.2.${i + 1}`, userAgent: 'curl/8' } });
      await m.destroy(token);
    }
    assert.equal((await m.history('w')).length, 3);
  }
  assert.equal(calls, 20, 'each hook heard 5 new devices and 5 sign-outs');
  await new Promise((r) => setTimeout(r, 20)); // an unhandled rejection would have ended the test run
  assert.throws(() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), onEvent: 'no' }), { code: 'config_invalid' });
  for (const policy of [{ historyDays: 367 }, { historyMax: 0 }, { historyMax: 101 }, { historyDays: -1 }]) {
    assert.throws(() => new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy }), { code: 'policy_invalid' }, JSON.stringify(policy));
  }
  const off = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), policy: { historyDays: 0 }, now: 1_800_000_000 });
  await off.destroy((await off.create({ user: 'x' })).token);
  assert.deepEqual(await off.history('x'), [], 'historyDays 0 keeps none');
});

test('Express and Hono: sessionHistory() lists the user\'s ended sessions; without a session it is a 401', async () => {
  const m = new SessionManager({ keys: KEYS, ring: [{ name: 'a' }], store: new MemoryStore(), now: 1_800_000_000 });
  const gone = await m.create({ user: 'mw', device: 'old' });
  await m.destroy(gone.token);
  const { token } = await m.create({ user: 'mw' });
  const set = new Map();
  const res = { getHeader: (k) => set.get(k), setHeader: (k, v) => set.set(k, v) };
  const req = { headers: { cookie: `__Host-session=${token}` }, socket: {} };
  await edgeSession({ manager: m })(req, res, (e) => { if (e) throw e; });
  assert.deepEqual((await req.sessionHistory()).map((e) => [e.device, e.reason]), [['old', 'signed_out']]);
  const anon = { headers: {}, socket: {} };
  await edgeSession({ manager: m })(anon, res, () => {});
  await assert.rejects(anon.sessionHistory(), { code: 'invalid_token', status: 401 });

  const app = new Hono();
  app.onError(honoOnError);
  app.use('*', honoSession({ manager: m }));
  app.get('/history', async (c) => c.json(await c.get('sessionHistory')()));
  const ok = await app.request('/history', { headers: { cookie: `__Host-session=${token}` } });
  assert.deepEqual((await ok.json()).map((e) => e.reason), ['signed_out']);
  assert.equal((await app.request('/history')).status, 401);
});

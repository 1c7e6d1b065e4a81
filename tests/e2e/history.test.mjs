// The audit trail against local workerd: every end of a session leaves a tombstone with its
// reason, listed newest first by GET /api/sessions/history (DO and KV mode; `expired` from the
// Durable Object's purge alarm); a sign-in from a new device and every revocation reach a
// Cloudflare Queue: the session worker produces to it (binding EVENTS) and a test consumer
// worker (tests/e2e/events-worker) receives them in the same local wrangler process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startWorker, testConfig } from './harness.mjs';
import { TEST_KEYS, ADMIN_TOKEN, client, sleep } from './helpers.mjs';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1';
const workers = {};

before(async () => {
  const policy = JSON.stringify({ max_sessions_per_user: 2, history_max: 10 });
  const producer = testConfig(undefined, { SESSION_KEYS: TEST_KEYS });
  appendFileSync(producer, '\n[[queues.producers]]\nbinding = "EVENTS"\nqueue = "edge-session-events"\n');
  const [dO, kv, short, queued] = await Promise.all([
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN, POLICY: policy } }),
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN, POLICY: policy, STORE: 'kv' } }),
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, POLICY: JSON.stringify({ idle_timeout: 2, touch_interval: 1 }) } }),
    startWorker({ config: join(ROOT, 'tests/e2e/events-worker/wrangler.toml'), extraConfigs: [producer] }),
  ]);
  Object.assign(workers, { do: dO, kv, short, queued });
});
after(async () => { await Promise.all(Object.values(workers).map((w) => w.stop())); });

for (const mode of ['do', 'kv']) {
  test(`every end of a session leaves a tombstone with its reason, newest first (${mode})`, async () => {
    const { api, signIn } = client(workers[mode].url);
    const user = `hist-${mode}-${randomBytes(4).toString('hex')}`;
    const a = await signIn(user);
    const rot = await api('POST', '/api/session/rotate', { token: a.token });
    await sleep(1100); // b is used later than the rotated session: eviction (LRU) picks the rotated one
    const b = await signIn(user);
    await signIn(user); // the third of max 2: evicts the least recently used (the rotated one)
    const list = await api('GET', '/api/sessions', { token: b.token });
    const other = list.json.find((s) => !s.current);
    assert.equal((await api('DELETE', `/api/sessions/${other.id}`, { token: b.token })).status, 204);
    assert.equal((await api('DELETE', '/api/session', { token: b.token })).status, 204);
    const c = await signIn(user);
    await signIn(user);
    assert.equal((await api('DELETE', '/api/sessions', { token: c.token })).json.revoked, 2);
    await signIn(user);
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    assert.equal((await api('DELETE', `/api/admin/users/${user}/sessions`, { headers: auth })).json.revoked, 1);
    const d = await signIn(user);

    const h = await api('GET', '/api/sessions/history', { token: d.token });
    assert.equal(h.status, 200, h.text);
    assert.deepEqual(h.json.map((e) => e.reason),
      ['admin', 'revoked_all', 'revoked_all', 'signed_out', 'revoked', 'evicted', 'rotated'], h.text);
    assert.ok(h.json.every((e, i) => i === 0 || h.json[i - 1].ended_at >= e.ended_at), 'newest first');
    const by = (reason) => h.json.find((e) => e.reason === reason);
    assert.equal(by('rotated').id, a.view.id, 'the rotated tombstone names the old id');
    assert.equal(by('evicted').id, rot.json.id, 'the least recently used session (the rotated one) was evicted');
    assert.equal(by('signed_out').id, b.view.id);
    assert.equal(by('revoked').id, other.id);
    for (const e of h.json) {
      assert.match(e.id, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(typeof e.created_at, 'number');
      assert.equal(e.client.ip, '127.0.0.1');
    }
    // Nobody else's: another user's history is empty.
    const stranger = await signIn(`other-${randomBytes(4).toString('hex')}`);
    assert.deepEqual((await api('GET', '/api/sessions/history', { token: stranger.token })).json, []);
    assert.equal((await api('GET', '/api/sessions/history')).status, 401);
  });
}

test('the purge alarm leaves an expired tombstone (DO)', async () => {
  const { api, signIn } = client(workers.short.url);
  const user = `exp-${randomBytes(4).toString('hex')}`;
  const gone = await signIn(user);
  // idle_timeout 2 s; the alarm runs a second after the expiry.
  let h;
  for (let i = 0; i < 20; i++) {
    await sleep(1000);
    const fresh = await signIn(`${user}`);
    h = await api('GET', '/api/sessions/history', { token: fresh.token });
    if (h.json.some((e) => e.reason === 'expired')) break;
  }
  const e = h.json.find((x) => x.reason === 'expired' && x.id === gone.view.id);
  assert.ok(e, `no expired tombstone in ${h.text}`);
  assert.equal(e.ended_at, gone.view.expires_at);
});

test('a sign-in from a new device and every revocation reach the Queue consumer', async () => {
  const { api } = client(workers.queued.url);
  const user = `q-${randomBytes(4).toString('hex')}`;
  const ff = { 'user-agent': FIREFOX };
  const a = await api('POST', '/api/sessions', { body: { user }, headers: ff });
  await api('POST', '/api/sessions', { body: { user }, headers: ff }); // a known device: no event
  const phone = await api('POST', '/api/sessions', { body: { user }, headers: { 'user-agent': SAFARI_IOS } });
  assert.equal((await api('DELETE', '/api/session', { token: phone.token })).status, 204);
  assert.equal((await api('DELETE', '/api/sessions', { token: a.token })).json.revoked, 2);
  const want = ['new_device', 'new_device', 'session_ended:signed_out', 'session_ended:revoked_all', 'session_ended:revoked_all'];
  let mine = [];
  for (let i = 0; i < 40 && mine.length < want.length; i++) {
    await sleep(250);
    const all = (await api('GET', '/__events')).json;
    mine = all.filter((e) => e.user === user);
  }
  const kinds = mine.map((e) => (e.type === 'session_ended' ? `${e.type}:${e.ended.reason}` : e.type));
  console.log(`# events received: ${kinds.join(', ')}`);
  assert.deepEqual(kinds.sort(), want.sort());
  const first = mine.find((e) => e.type === 'new_device');
  assert.deepEqual(first.client.agent, 'Firefox on Linux');
  assert.equal(first.id, a.json.id);
});

// Restarts and a ring change: sessions created under RING epoch 1 survive a restart of wrangler
// on the same persist dir, and after a restart with a ring that adds a shard (epoch 2) every
// old session stays readable and revocable, new sessions of moved users land on the new shard,
// and listing covers both epochs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, client, assertError } from './helpers.mjs';

const SHARDS = ['shard-0', 'shard-1', 'shard-2', 'shard-3'].map((name) => ({ name, weight: 1 }));
const RING1 = JSON.stringify({ epoch: 1, steps: [{ init: SHARDS }] });
const RING2 = JSON.stringify({ epoch: 2, steps: [{ init: SHARDS }, { add: { name: 'shard-4', weight: 1 } }] });
const USERS = Array.from({ length: 60 }, (_, i) => `ring-user-${i}`);

let w;
let persistDir;
const old = new Map(); // user -> { token, view }

before(async () => {
  const first = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, RING: RING1 } });
  persistDir = first.persistDir;
  try {
    const { signIn } = client(first.url);
    const made = await Promise.all(USERS.map((u) => signIn(u)));
    USERS.forEach((u, i) => old.set(u, made[i]));
  } finally {
    await first.stop();
  }
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, RING: RING2 }, persistDir });
});
after(async () => { await w?.stop(); });

test('sessions survive the restart and stay readable after the ring change', async () => {
  const { api } = client(w.url);
  assert.equal((await api('GET', '/healthz')).json.epoch, 2);
  const reads = await Promise.all(USERS.map((u) => api('GET', '/api/session', { token: old.get(u).token })));
  reads.forEach((r, i) => {
    const before = old.get(USERS[i]).view;
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, before.id);
    assert.equal(r.json.shard, before.shard);
    assert.equal(r.json.epoch, 1);
  });
});

test('new sessions of moved users land on the new shard; listing and revocation span both epochs', async () => {
  const { api, signIn } = client(w.url);
  const fresh = await Promise.all(USERS.map((u) => signIn(u)));
  const moved = [];
  const stayed = [];
  fresh.forEach((f, i) => {
    const before = old.get(USERS[i]).view;
    assert.equal(f.view.epoch, 2);
    if (f.view.shard === before.shard) stayed.push(i);
    else { assert.equal(f.view.shard, 'shard-4', 'an added shard only takes keys'); moved.push(i); }
  });
  assert.ok(moved.length > 0 && stayed.length > 0, `moved ${moved.length}, stayed ${stayed.length}`);

  for (const i of moved) {
    const list = await api('GET', '/api/sessions', { token: fresh[i].token });
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.map((s) => s.shard).sort(), [old.get(USERS[i]).view.shard, 'shard-4'].sort());
  }
  // Revoke one old session by id from a moved user's new session, then sign out everywhere.
  const [a, b] = moved.length > 1 ? moved : [moved[0], stayed[0]];
  assert.equal((await api('DELETE', `/api/sessions/${old.get(USERS[a]).view.id}`, { token: fresh[a].token })).status, 204);
  assertError(await api('GET', '/api/session', { token: old.get(USERS[a]).token }), 401, 'session_not_found');
  const all = await api('DELETE', '/api/sessions', { token: fresh[b].token });
  assert.deepEqual(all.json, { revoked: 2 });
  for (const t of [old.get(USERS[b]).token, fresh[b].token]) {
    assertError(await api('GET', '/api/session', { token: t }), 401, 'session_not_found');
  }
});

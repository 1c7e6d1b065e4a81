// The worker in KV mode (STORE=kv) with a short policy: lifecycle, the conformance suite
// against real (local) KV, and expiry of idle sessions and of tokens at the hard cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, client, assertError, lifecycle, sleep } from './helpers.mjs';

// The hard cap well above the idle timeout, so that on a loaded machine the idle check still runs
// before it (the check comes > 3.3 s after sign-in, and must come before the cap).
const POLICY = JSON.stringify({ idle_timeout: 3, touch_interval: 1, absolute_lifetime: 8 });
let w;
let api;
let signIn;
before(async () => {
  w = await startWorker({ vars: { SESSION_KEYS: TEST_KEYS, STORE: 'kv', POLICY } });
  ({ api, signIn } = client(w.url));
});
after(async () => { await w?.stop(); });

test('healthz reports kv', async () => {
  assert.deepEqual((await api('GET', '/healthz')).json, { ok: true, store: 'kv', epoch: 1 });
});

test('full lifecycle (KV)', async () => { await lifecycle(w.url, 'kv'); });

test('conformance suite against the KV store', async () => {
  const r = await api('POST', '/__test/conformance?store=kv');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.passed, 20);
});

test('idle sessions expire; use slides the idle deadline; tokens die at the hard cap', async () => {
  const idle = await signIn('idle-user');
  const busy = await signIn('busy-user');
  assert.equal(busy.view.absolute_expires_at - busy.view.created_at, 8);
  // Keep `busy` in use every second: it outlives the 3 s idle timeout...
  for (let i = 0; i < 3; i++) {
    await sleep(1100);
    const r = await api('GET', '/api/session', { token: busy.token });
    assert.equal(r.status, 200, `use ${i}: ${r.text}`);
  }
  // ...while `idle`, unused for > 3 s, is gone.
  assertError(await api('GET', '/api/session', { token: idle.token }), 401, 'session_not_found');
  // Past the 8 s hard cap the token itself is expired, however active the session was.
  const left = busy.view.absolute_expires_at * 1000 - Date.now();
  await sleep(Math.max(0, left) + 1100);
  assertError(await api('GET', '/api/session', { token: busy.token }), 401, 'invalid_token');
});

// Session features against local workerd, in Durable Object mode and in KV mode: "remember me"
// (a browser-session cookie through rotation).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, client, assertError } from './helpers.mjs';

const workers = {};
before(async () => {
  const [dO, kv] = await Promise.all([
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS } }),
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, STORE: 'kv' } }),
  ]);
  Object.assign(workers, { do: dO, kv });
});
after(async () => { await Promise.all(Object.values(workers).map((w) => w.stop())); });

const sessionCookie = (res) => res.headers.getSetCookie().find((l) => l.startsWith('__Host-session='));

for (const mode of ['do', 'kv']) {
  test(`remember me off (${mode}): no Max-Age at sign-in or after rotation; on by default`, async () => {
    const { api } = client(workers[mode].url);
    const user = `rm-${mode}-${randomBytes(4).toString('hex')}`;
    const off = await api('POST', '/api/sessions', { body: { user, persistent: false } });
    assert.equal(off.status, 201, off.text);
    assert.equal(off.json.persistent, false);
    assert.doesNotMatch(sessionCookie(off), /Max-Age|Expires/i);
    const read = await api('GET', '/api/session', { token: off.token });
    assert.equal(read.json.persistent, false);
    const rot = await api('POST', '/api/session/rotate', { token: off.token });
    assert.equal(rot.status, 200, rot.text);
    assert.equal(rot.json.persistent, false);
    assert.doesNotMatch(sessionCookie(rot), /Max-Age/i, 'rotation keeps the browser-session cookie');
    const on = await api('POST', '/api/sessions', { body: { user } });
    assert.equal(on.json.persistent, true);
    assert.match(sessionCookie(on), /; Max-Age=\d+/);
    assertError(await api('POST', '/api/sessions', { body: { user, persistent: 'no' } }), 400, 'invalid_input');
  });
}

// Device details against local workerd, in Durable Object and in KV mode: sign-in records the
// client's address (CF-Connecting-IP), a browser + OS summary of User-Agent, and request.cf's
// country and colo where the runtime gives them; the session view and the list show them. With
// POLICY bind_ip / bind_ua a token from another address or browser is 401 device_mismatch,
// its cookie cleared, nothing written, and GET /api/admin/stats counts the refusals.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startWorker } from './harness.mjs';
import { TEST_KEYS, ADMIN_TOKEN, client, assertError } from './helpers.mjs';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHROME_WIN = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const workers = {};
before(async () => {
  const policy = JSON.stringify({ bind_ip: true, bind_ua: true });
  const [dO, kv] = await Promise.all([
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN, POLICY: policy } }),
    startWorker({ vars: { SESSION_KEYS: TEST_KEYS, ADMIN_TOKEN, POLICY: policy, STORE: 'kv' } }),
  ]);
  Object.assign(workers, { do: dO, kv });
});
after(async () => { await Promise.all(Object.values(workers).map((w) => w.stop())); });

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

for (const mode of ['do', 'kv']) {
  test(`device details are recorded and listed; a bound token from another browser is refused and counted (${mode})`, async () => {
    const { api } = client(workers[mode].url);
    const user = `dev-${mode}-${randomBytes(4).toString('hex')}`;
    const r = await api('POST', '/api/sessions', { body: { user, device: 'desk' }, headers: { 'user-agent': FIREFOX } });
    assert.equal(r.status, 201, r.text);
    const c = r.json.client;
    assert.equal(c.agent, 'Firefox on Linux');
    assert.equal(c.ip, '127.0.0.1', 'CF-Connecting-IP of a local request');
    assert.match(c.country, /^([A-Z0-9]{2})?$/);
    assert.match(c.colo, /^([A-Z0-9]{3,4})?$/);
    t_diag(`${mode}: recorded ${JSON.stringify(c)}`);
    const token = r.token;
    const ff = { 'user-agent': FIREFOX };
    const list = await api('GET', '/api/sessions', { token, headers: ff });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(list.json[0].client, c);

    const before = (await api('GET', '/api/admin/stats', { headers: admin })).json;
    assert.equal(before.scope, 'isolate');
    const chrome = { 'user-agent': CHROME_WIN };
    const refused = await api('GET', '/api/session', { token, headers: chrome });
    assertError(refused, 401, 'device_mismatch');
    assert.ok(refused.headers.getSetCookie().some((l) => /Max-Age=0/.test(l)), 'the cookie is cleared');
    assertError(await api('PUT', '/api/session', { token, headers: { ...chrome, 'if-match': '"1"' }, body: { data: { x: 1 } } }), 401, 'device_mismatch');
    assertError(await api('POST', '/api/session/rotate', { token, headers: chrome }), 401, 'device_mismatch');
    assertError(await api('DELETE', '/api/sessions', { token, headers: chrome }), 401, 'device_mismatch');
    const after = (await api('GET', '/api/admin/stats', { headers: admin })).json;
    assert.equal(after.device_mismatch.agent - before.device_mismatch.agent, 4);
    // The browser it signed in from still works, and nothing was written by the refusals.
    const ok = await api('GET', '/api/session', { token, headers: ff });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.version, 1);
    assert.equal((await api('GET', '/api/sessions', { token, headers: ff })).json.length, 1, 'revoke-all was refused');
    // Another network (locally wrangler passes a client's CF-Connecting-IP through; at the edge
    // Cloudflare sets it): refused by bind_ip, counted apart.
    const elsewhere = await api('GET', '/api/session', { token, headers: { ...ff, 'cf-connecting-ip': '203.0.113.9' } });
    assertError(elsewhere, 401, 'device_mismatch');
    const last = (await api('GET', '/api/admin/stats', { headers: admin })).json;
    assert.equal(last.device_mismatch.ip - after.device_mismatch.ip, 1);
    assert.equal(last.device_mismatch.agent, after.device_mismatch.agent);
  });
}

test('GET /api/admin/stats needs the admin token', async () => {
  const { api } = client(workers.do.url);
  assertError(await api('GET', '/api/admin/stats'), 401, 'admin_required');
  assertError(await api('GET', '/api/admin/stats', { headers: { authorization: 'Bearer nope' } }), 403, 'forbidden');
  assertError(await api('POST', '/api/admin/stats', { headers: admin }), 405, 'method_not_allowed');
});

function t_diag(line) { console.log(`# ${line}`); }
